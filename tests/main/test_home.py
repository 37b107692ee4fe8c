"""The home page of each role: the work waiting, scoped to what the user may see, in a bounded
number of statements.

Cases are real ones driven through the one door (``make_case``); a deadline is made due soon or
overdue by moving the clock rows' (and the case's) due time, as the scan would find them.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.auth.models import Role
from app.cases import services
from app.cases.models import Case
from app.cases.queries import open_material_request, open_material_requests
from app.clocks.models import CaseClock
from app.core.db import utcnow
from tests.conftest import ACTION_INPUT
from tests.helpers import statements_for

CASE_NUMBER = re.compile(r"\b[A-Z][A-Z0-9]*-\d{4}-\d{5}\b")


@pytest.fixture
def login(login):
    """Logged in, reading the pages in English (their source texts)."""

    def english(user):
        client = login(user)
        client.set_cookie("lang", "en")
        return client

    return english


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(1)


def numbers(html: str, section_id: str) -> set[str]:
    return set(CASE_NUMBER.findall(section(html, section_id)))


def act(case, action, actor, **extra):
    return services.transition(case, action, actor, **{**ACTION_INPUT.get(action, {}), **extra})


@pytest.fixture
def county_applicant(world, make_user, session):
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    applicant = make_user(Role.APPLICANT, email="applicant@county-firm.cn")
    session.add(EnterpriseMember(enterprise=world.county_enterprise, user=applicant, status=MembershipStatus.ACTIVE))
    session.commit()
    return applicant


def make_due(session, case, when):
    """Every running clock of ``case`` (and so the case) is due at ``when``."""
    session.execute(
        update(CaseClock)
        .where(CaseClock.case_id == case.id, CaseClock.met_at.is_(None), CaseClock.stopped_at.is_(None))
        .values(due_at=when, warn_at=when - timedelta(hours=12), paused_at=None)
    )
    session.execute(update(Case).where(Case.id == case.id).values(next_due_at=when))
    session.commit()


# ---- the applicant -----------------------------------------------------------------------------------


def test_applicant_sees_what_is_asked_of_them_and_only_their_enterprise(world, login, make_case, session):
    caseworker = world.users["caseworker"]
    waiting = make_case(world.applicant, world.enterprise, state="awaiting_material", staff=caseworker)
    draft = make_case(world.applicant, world.enterprise, state="draft", title="还没提交的投诉草稿")
    closed = make_case(world.applicant, world.enterprise, state="withdrawn", title="已撤回的投诉")
    other = make_case(
        world.other_applicant,
        world.other_enterprise,
        state="awaiting_material",
        staff=world.sibling_caseworker,
        title="邻市企业的投诉",
    )

    html = login(world.applicant).get("/").get_data(as_text=True)
    cases = section(html, "home-cases")
    assert waiting.number in cases and draft.title in cases
    assert "Material requested: 请补充侵权产品购买凭证" in cases
    assert "Not submitted yet" in cases
    assert closed.number not in cases  # open cases only; the list has them all
    assert "All my cases (3)" in cases
    assert "1 awaiting your material" in cases
    assert other.number not in html and other.title not in html


def test_the_material_request_shows_its_due_date(world, login, make_case, session):
    from app.cases.models import CaseEvent

    waiting = make_case(world.applicant, world.enterprise, state="awaiting_material", staff=world.users["caseworker"])
    event = session.execute(
        select(CaseEvent).where(CaseEvent.case_id == waiting.id, CaseEvent.action == "request_material")
    ).scalar_one()
    # What the "by" date of a request is stored as (a later form sets it); the chain is not read here.
    session.execute(update(CaseEvent).where(CaseEvent.id == event.id).values(data={"due_on": "2026-12-18"}))
    session.commit()
    html = login(world.applicant).get("/").get_data(as_text=True)
    assert "Material requested: 请补充侵权产品购买凭证, by 2026-12-18" in section(html, "home-cases")


def test_batched_material_requests_match_the_single_reads(world, make_case, session):
    caseworker = world.users["caseworker"]
    cases = [
        make_case(world.applicant, world.enterprise, state="awaiting_material", staff=caseworker) for _ in range(3)
    ]
    # The latest request counts: the second case was asked twice.
    act(cases[1], "provide_material", world.applicant)
    act(cases[1], "request_material", caseworker, comment="再补充一份公证书")
    session.commit()
    others = [
        make_case(world.applicant, world.enterprise, state=s, staff=caseworker) for s in ("submitted", "accepted")
    ]
    batched = open_material_requests(cases + others)
    assert set(batched) == {c.id for c in cases}
    for c in cases:
        assert batched[c.id] == open_material_request(c)
    assert batched[cases[1].id].what == "再补充一份公证书"
    assert open_material_requests([]) == {}


def test_an_applicant_without_an_enterprise_is_told_to_join(login, make_user):
    html = login(make_user(Role.APPLICANT)).get("/").get_data(as_text=True)
    assert "Your account is not linked to an enterprise yet." in html
    assert 'id="home-cases"' not in html


# ---- the caseworker ----------------------------------------------------------------------------------


def test_caseworker_queue(world, login, make_case, session, county_applicant):
    caseworker, supervisor = world.users["caseworker"], world.users["supervisor"]
    submitted = make_case(world.applicant, world.enterprise, state="submitted")
    county = make_case(county_applicant, world.county_enterprise, state="submitted")
    sibling = make_case(world.other_applicant, world.other_enterprise, state="submitted")
    mine = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    provided = make_case(world.applicant, world.enterprise, state="awaiting_material", staff=caseworker)
    act(provided, "provide_material", world.applicant)
    theirs = make_case(world.applicant, world.enterprise, state="acknowledged", staff=supervisor)
    offered = make_case(world.applicant, world.enterprise, state="accepted", staff=supervisor)
    act(offered, "offer_handover", supervisor)  # to caseworker@city.cn
    session.commit()
    soon = make_case(world.applicant, world.enterprise, state="in_progress", staff=caseworker)
    make_due(session, soon, utcnow() + timedelta(minutes=5))
    late = make_case(world.applicant, world.enterprise, state="in_progress", staff=caseworker)
    make_due(session, late, utcnow() - timedelta(days=2))

    html = login(caseworker).get("/").get_data(as_text=True)
    assert numbers(html, "home-acknowledge") == {submitted.number, county.number}  # not the sibling city's
    assert sibling.number not in html
    assert numbers(html, "home-decide") == {mine.number, provided.number}  # not the supervisor's
    assert "material provided" in section(html, "home-decide")
    assert theirs.number not in section(html, "home-decide")
    assert numbers(html, "home-offers") == {offered.number}
    due = section(html, "home-due")
    assert {soon.number, late.number} <= numbers(html, "home-due")
    assert "Overdue" in due and "Due soon" in due
    assert late.number in due.split(soon.number)[0]  # the most late first

    # The supervisor sees the same submissions, not the caseworker's decisions, and no offer of theirs.
    html = login(supervisor).get("/").get_data(as_text=True)
    assert numbers(html, "home-acknowledge") == {submitted.number, county.number}
    assert numbers(html, "home-decide") == {theirs.number}
    assert numbers(html, "home-offers") == set()


def test_a_long_queue_shows_a_few_rows_and_the_whole_count(world, login, make_case):
    for _ in range(7):
        make_case(world.applicant, world.enterprise, state="submitted")
    html = login(world.users["caseworker"]).get("/").get_data(as_text=True)
    assert len(numbers(html, "home-acknowledge")) == 5
    assert "All 7" in section(html, "home-acknowledge")
    assert 'href="/cases?state=submitted&amp;sort=due"' in section(html, "home-acknowledge")


# ---- the supervisor ----------------------------------------------------------------------------------


def test_supervisor_sees_overdue_clocks_and_centre_figures(world, login, make_case, session, county_applicant):
    supervisor = world.users["supervisor"]
    late = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    make_due(session, late, utcnow() - timedelta(days=1))
    make_case(county_applicant, world.county_enterprise, state="submitted")
    far = make_case(world.other_applicant, world.other_enterprise, state="acknowledged", staff=world.sibling_caseworker)
    make_due(session, far, utcnow() - timedelta(days=3))
    make_case(world.applicant, world.enterprise, state="withdrawn")

    html = login(supervisor).get("/").get_data(as_text=True)
    assert numbers(html, "home-overdue") == {late.number}
    assert "1 overdue" in section(html, "home-overdue")
    figures = section(html, "home-figures")
    assert re.search(r'id="figure-received">3<', figures), figures  # submitted this month, the sibling's not
    assert re.search(r'id="figure-open">2<', figures), figures  # the withdrawn one is not open
    assert 'id="figure-on-time"' in figures

    # A caseworker has neither.
    html = login(world.users["caseworker"]).get("/").get_data(as_text=True)
    assert 'id="home-overdue"' not in html and 'id="home-figures"' not in html


# ---- the other roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, present, absent",
    [
        ("mediator", "home-mediations", "home-acknowledge"),
        ("fund_committee", "home-fund", "home-acknowledge"),
        ("admin", "home-admin", "home-acknowledge"),
    ],
)
def test_other_roles_have_their_own_section(world, login, make_case, role, present, absent):
    make_case(world.applicant, world.enterprise, state="submitted")
    html = login(world.users[role]).get("/").get_data(as_text=True)
    assert f'id="{present}"' in html and f'id="{absent}"' not in html
    assert 'id="home-notifications"' in html


def test_unread_notifications_show_on_the_home_page(world, login, make_case, session):
    from app.notifications.services import notify

    case = make_case(world.applicant, world.enterprise, state="submitted")
    far = make_case(world.other_applicant, world.other_enterprise, state="submitted")
    caseworker = world.users["caseworker"]
    notify([caseworker.id], "clock_breached", case, {"clock": "response"})
    notify([caseworker.id], "clock_due_soon", far, {"clock": "response"})
    session.commit()
    notes = section(login(caseworker).get("/").get_data(as_text=True), "home-notifications")
    assert "2 unread" in notes
    assert f'href="/cases/{case.number}"' in notes
    assert f'href="/cases/{far.number}"' not in notes  # told of it, but not theirs to open


# ---- cost --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["applicant", "caseworker", "supervisor"])
def test_home_pages_do_not_grow_with_cases(world, login, make_case, count_statements, session, role):
    caseworker = world.users["caseworker"]
    client = login(world.users[role])

    def add(n):
        for _ in range(n):
            for state in ("submitted", "acknowledged", "awaiting_material"):
                c = make_case(world.applicant, world.enterprise, state=state, staff=caseworker)
            make_due(session, c, utcnow() - timedelta(hours=1))

    add(1)
    few = statements_for(client, count_statements, "/")
    add(6)
    many = statements_for(client, count_statements, "/")
    assert many == few, f"{role}: {few} statements with few cases, {many} with many (N+1?)"
    assert few <= 20, few


def _enterprise_figure(html: str) -> str:
    return re.search(r'<div class="display-6">(.*?)</div><a href="/enterprises">', html, re.S).group(1)


def test_the_enterprises_of_a_scope_are_counted_up_to_a_cap(world, login, make_enterprise, monkeypatch):
    """A national scope would count every enterprise of the country on each home page: the count stops
    one past ``ENTERPRISE_COUNT_CAP`` and the home says "more than" the cap."""
    from app.main import views

    client = login(world.users["caseworker"])  # the city: its enterprise and the county's
    assert _enterprise_figure(client.get("/").get_data(as_text=True)) == "2"
    monkeypatch.setattr(views, "ENTERPRISE_COUNT_CAP", 2)
    assert _enterprise_figure(client.get("/").get_data(as_text=True)) == "2"  # exactly the cap: no "more"
    make_enterprise(world.county)
    figure = _enterprise_figure(client.get("/").get_data(as_text=True))
    assert '<span aria-hidden="true">2+</span>' in figure and "2" in re.sub(r"<[^>]+>", "", figure)
    assert 'class="visually-hidden"' in figure
    monkeypatch.setattr(views, "ENTERPRISE_COUNT_CAP", 10_000)
    assert _enterprise_figure(client.get("/").get_data(as_text=True)) == "3"


def test_the_sections_rows_are_read_together_and_a_section_counted_empty_is_not_read(
    world, login, make_case, count_statements, session
):
    """The three sections' first rows: their ids in one statement (each section's own index, in its
    order), the rows themselves in one more; a case in two sections is in both."""
    caseworker = world.users["caseworker"]
    submitted = make_case(world.applicant, world.enterprise, state="submitted")
    mine = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    make_due(session, mine, utcnow() + timedelta(minutes=5))
    late = make_case(world.applicant, world.enterprise, state="in_progress", staff=caseworker)
    make_due(session, late, utcnow() - timedelta(days=2))
    client = login(caseworker)

    with count_statements() as statements:
        html = client.get("/").get_data(as_text=True)
    assert numbers(html, "home-acknowledge") == {submitted.number}
    assert numbers(html, "home-decide") == {mine.number}
    due = section(html, "home-due")
    assert numbers(html, "home-due") == {mine.number, late.number}
    assert due.index(late.number) < due.index(mine.number)  # the most late first
    loads = [s for s in statements if "cases.number" in s]
    assert len(loads) == 1, loads
    ids = [s for s in statements if "UNION ALL" in s]
    assert len(ids) == 1 and ids[0].count("UNION ALL") == 2

    act(mine, "accept", caseworker)  # nothing left to decide
    session.commit()
    with count_statements() as statements:
        html = client.get("/").get_data(as_text=True)
    assert numbers(html, "home-decide") == set()
    ids = [s for s in statements if "UNION ALL" in s]
    assert len(ids) == 1 and ids[0].count("UNION ALL") == 1  # two sections read, not three


def _figure(html: str, href: str) -> str:
    return re.search(rf'<div class="display-6">([^<]*)</div><a href="{href}">', html).group(1)


def test_the_scope_s_figures_are_kept_a_minute_and_the_join_requests_are_counted_now(
    app, world, login, make_enterprise, make_user, session, monkeypatch
):
    """The enterprises, centres and staff of a national scope read ten thousand rows: they may be a
    minute old (the page says so). The join requests awaiting approval are the viewer's to answer."""
    from app.core import recent
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    monkeypatch.setitem(app.config, "REPORT_FIGURES_SECONDS", 60)
    recent.forget()
    client = login(world.users["caseworker"])
    html = client.get("/").get_data(as_text=True)
    assert _figure(html, "/enterprises") == "2" and _figure(html, "/enterprises/requests") == "0"
    assert 'id="stats-counted-at"' not in html  # counted just now

    make_enterprise(world.county)
    session.add(
        EnterpriseMember(
            enterprise=world.enterprise,
            user=make_user(Role.APPLICANT, email="new@firm.cn"),
            status=MembershipStatus.PENDING,
        )
    )
    session.commit()
    html = client.get("/").get_data(as_text=True)
    assert _figure(html, "/enterprises") == "2"  # kept
    assert _figure(html, "/enterprises/requests") == "1"  # as of now
    assert "Figures as of" in section_text(html, "stats-counted-at")

    recent.forget()  # the minute is over
    html = client.get("/").get_data(as_text=True)
    assert _figure(html, "/enterprises") == "3"
    assert 'id="stats-counted-at"' not in html


def section_text(html: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S).group(1)
