"""The pages of the clocks: "my work", the escalation board with its on-time rates, and the
notifications list.

Clocks come from real cases driven through the one door at chosen times (``at``); the board's
overdue and due-soon rows are also built from clock rows with chosen due times, on cases of the
city, of the county below it and of the sibling city (never shown here).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.cases import services
from app.clocks.models import CaseClock, ClockName
from app.clocks.queries import DUE_SOON, OVERDUE, escalation, on_time_rates
from app.core.workdays import CHINA
from app.notifications.models import Notification
from app.notifications.services import notify
from tests.conftest import ACTION_INPUT
from tests.helpers import csrf_token, statements_for

CASE_NUMBER = re.compile(r"\b[A-Z][A-Z0-9]*-\d{4}-\d{5}\b")


def act(case, action, actor, **extra):
    return services.transition(case, action, actor, **{**ACTION_INPUT.get(action, {}), **extra})


def china(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CHINA).astimezone(UTC)


def section(html: str, heading_id: str) -> set[str]:
    """The case numbers shown in the page section labelled by ``heading_id``."""
    match = re.search(rf'aria-labelledby="{heading_id}">(.*?)</section>', html, re.S)
    assert match, heading_id
    return set(CASE_NUMBER.findall(match.group(1)))


@pytest.fixture
def county_applicant(world, make_user, session):
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    applicant = make_user(Role.APPLICANT, email="applicant@county-firm.cn")
    session.add(EnterpriseMember(enterprise=world.county_enterprise, user=applicant, status=MembershipStatus.ACTIVE))
    session.commit()
    return applicant


@pytest.fixture
def login(login):
    """Logged in, reading the pages in English (their source texts)."""

    def english(user):
        client = login(user)
        client.set_cookie("lang", "en")
        return client

    return english


@pytest.fixture
def frozen(monkeypatch):
    """``frozen(when)``: the pages see ``when`` as now."""
    import app.clocks.views as views

    def freeze(when):
        monkeypatch.setattr(views, "utcnow", lambda: when)
        return when

    return freeze


# ---- my work -----------------------------------------------------------------------------------------


def test_my_work_shows_owned_first_taken_and_offered_cases_and_never_another_centres(
    world, make_case, make_user, session, login
):
    worker = world.users["caseworker"]
    colleague = make_user(Role.CASEWORKER, centre=world.city, email="colleague@city.cn", name="同事")
    owned = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    handed = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    act(handed, "offer_handover", worker, data={"to_user": colleague.email})
    act(handed, "accept_handover", colleague)
    offered = make_case(world.applicant, world.enterprise, state="acknowledged", staff=colleague)
    act(offered, "offer_handover", colleague, data={"to_user": worker.email})
    sibling = make_case(
        world.other_applicant, world.other_enterprise, state="acknowledged", staff=world.sibling_caseworker
    )
    closed = make_case(world.applicant, world.enterprise, state="closed", staff=worker)
    session.commit()

    html = login(worker).get("/my-work").get_data(as_text=True)
    assert section(html, "offers-heading") == {offered.number}
    assert section(html, "owned-heading") == {owned.number}
    assert section(html, "first-heading") == {handed.number}
    assert sibling.number not in html and closed.number not in html
    assert f'href="/cases/{owned.number}"' in html
    assert colleague.name in html  # the handed-over case's owner

    # The colleague sees the handed-over case as theirs and the offer they made nowhere.
    html = login(colleague).get("/my-work").get_data(as_text=True)
    assert section(html, "owned-heading") == {handed.number, offered.number}
    assert section(html, "offers-heading") == section(html, "first-heading") == set()
    assert sibling.number not in login(world.users["supervisor"]).get("/my-work").get_data(as_text=True)


def test_my_work_shows_the_earliest_due_of_each_section_and_links_the_rest(
    world, make_case, session, login, monkeypatch
):
    import app.clocks.mywork as mywork

    worker = world.users["caseworker"]
    cases = [make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker) for _ in range(3)]
    session.commit()
    monkeypatch.setattr(mywork, "LIMIT", 2)
    html = login(worker).get("/my-work").get_data(as_text=True)
    shown = section(html, "owned-heading")
    assert len(shown) == 2 and shown < {c.number for c in cases}
    assert "/cases?owner=me&amp;sort=due" in html and ">2+<" in html
    monkeypatch.setattr(mywork, "LIMIT", 3)
    html = login(worker).get("/my-work").get_data(as_text=True)
    assert section(html, "owned-heading") == {c.number for c in cases}
    assert "owner=me" not in html


def test_my_work_marks_overdue_and_due_soon_cases(world, make_case, session, login, frozen, at):
    worker = world.users["caseworker"]
    at(2026, 12, 1, 9)  # Tuesday: the handling clock is due on Friday the 4th
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    handling = session.execute(
        select(CaseClock).where(CaseClock.case_id == case.id, CaseClock.name == ClockName.HANDLING)
    ).scalar_one()
    client = login(worker)
    frozen(handling.warn_at + timedelta(minutes=1))
    html = client.get("/my-work").get_data(as_text=True)
    assert "Due soon" in html and "Overdue" not in html
    frozen(handling.due_at + timedelta(hours=1))
    html = client.get("/my-work").get_data(as_text=True)
    assert "Overdue" in html and "Due soon" not in html


# ---- the escalation board ----------------------------------------------------------------------------


NOW = china(2026, 12, 10, 10)


@pytest.fixture
def board(world, make_case, session, county_applicant):
    """Running clocks with chosen due times on cases of the city, the county and the sibling city."""
    worker, supervisor = world.users["caseworker"], world.users["supervisor"]
    city = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    county = make_case(county_applicant, world.county_enterprise, state="acknowledged", staff=supervisor)
    sibling = make_case(
        world.other_applicant, world.other_enterprise, state="acknowledged", staff=world.sibling_caseworker
    )
    # Their own running clocks are put out of the way; the rows below are what the board reads.
    for clock in session.execute(select(CaseClock).where(CaseClock.met_at.is_(None))).scalars():
        clock.stopped_at = NOW - timedelta(days=30)

    def clock(case, due_at, name=ClockName.HANDLING, **kw):
        row = CaseClock(
            case_id=case.id,
            name=name,
            trigger=name.value,
            centre_id=case.centre_id,
            responsible_id=case.owner_id,
            working_days=3,
            started_at=due_at - timedelta(days=3),
            due_at=due_at,
            warn_at=due_at - timedelta(hours=24),
            pauses=[],
            **kw,
        )
        session.add(row)
        return row

    rows = {
        "late_2d3h": clock(city, NOW - timedelta(days=2, hours=3)),
        "late_30min": clock(county, NOW - timedelta(minutes=30), name=ClockName.FEEDBACK),
        "soon_5h": clock(city, NOW + timedelta(hours=5), name=ClockName.RESPONSE),
        "soon_20h": clock(county, NOW + timedelta(hours=20)),
        # not on the board:
        "later": clock(city, NOW + timedelta(days=3)),
        "paused": clock(city, NOW - timedelta(days=1), paused_at=NOW - timedelta(days=2)),
        "met_late": clock(city, NOW - timedelta(days=1), met_at=NOW - timedelta(hours=1)),
        "stopped": clock(county, NOW - timedelta(days=1), stopped_at=NOW - timedelta(hours=2)),
        "sibling": clock(sibling, NOW - timedelta(days=5)),
    }
    session.commit()
    return rows, city, county, sibling


def test_the_board_lists_the_overdue_and_due_soon_clocks_of_the_subtree_most_late_first(world, board):
    rows, city, county, sibling = board
    result = escalation(world.users["supervisor"], NOW)
    assert [r.clock.id for r in result.rows] == [rows[k].id for k in ("late_2d3h", "late_30min", "soon_5h", "soon_20h")]
    assert [r.status for r in result.rows] == [OVERDUE, OVERDUE, DUE_SOON, DUE_SOON]
    assert result.rows[0].late_by == timedelta(days=2, hours=3)
    assert result.rows[1].late_by == timedelta(minutes=30)
    assert result.rows[2].due_in == timedelta(hours=5) and result.rows[2].late_by is None
    assert result.rows[1].case.id == county.id and not result.truncated
    # The sibling city's supervisor sees only the sibling's clock.
    from app.auth.models import User
    from app.extensions import db

    other = User(
        email="sup@sibling.cn",
        name="邻市负责人",
        role=Role.SUPERVISOR,
        centre=world.sibling,
        password_hash=world.users["supervisor"].password_hash,
    )
    db.session.add(other)
    db.session.flush()
    assert [r.clock.id for r in escalation(other, NOW).rows] == [rows["sibling"].id]


def test_the_board_says_when_it_is_cut_short(world, board):
    result = escalation(world.users["supervisor"], NOW, limit=3)
    assert len(result.rows) == 3 and result.truncated
    # The counts are of the whole subtree, not of the rows shown.
    assert (result.overdue_count, result.due_soon_count) == (2, 2)
    assert escalation(world.users["supervisor"], NOW, limit=1).overdue_count == 2


def test_the_board_page_shows_lateness_and_who_answers(world, board, login, frozen):
    rows, city, county, sibling = board
    frozen(NOW)
    response = login(world.users["supervisor"]).get("/escalation")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    board_html = re.search(r'aria-labelledby="board-heading">(.*?)</section>', html, re.S).group(1)
    assert set(CASE_NUMBER.findall(board_html)) == {city.number, county.number}
    assert sibling.number not in html
    assert "late by 2 d 3 h" in board_html and "late by 30 min" in board_html
    assert "due in 5 h 0 min" in board_html and "due in 20 h 0 min" in board_html
    assert board_html.index("late by 2 d 3 h") < board_html.index("late by 30 min") < board_html.index("due in 5 h")
    assert "2 overdue" in board_html and "2 due soon" in board_html
    assert world.users["supervisor"].name in board_html  # the county case's owner and responsible


def test_the_board_pages_continue_after_the_last_row_shown(world, board):
    rows, city, county, sibling = board
    supervisor = world.users["supervisor"]
    first = escalation(supervisor, NOW, limit=3)
    assert [r.clock.id for r in first.rows] == [rows[k].id for k in ("late_2d3h", "late_30min", "soon_5h")]
    assert first.truncated and first.next_after
    second = escalation(supervisor, NOW, limit=3, after=first.next_after)
    assert [r.clock.id for r in second.rows] == [rows["soon_20h"].id]
    assert not second.truncated and second.next_after is None
    # The counts stay whole on every page; a cursor that does not parse shows the first page.
    assert (second.overdue_count, second.due_soon_count) == (2, 2)
    for bad in ("x", "20261210T000000.000000~abc", "99999999T999999.000000~1", "~", "1" * 80):
        assert [r.clock.id for r in escalation(supervisor, NOW, limit=3, after=bad).rows] == [
            r.clock.id for r in first.rows
        ]


def test_the_board_page_links_its_next_page(world, board, login, frozen, monkeypatch):
    import app.clocks.queries as queries

    rows, city, county, sibling = board
    frozen(NOW)
    monkeypatch.setattr(queries, "BOARD_LIMIT", 3)
    client = login(world.users["supervisor"])
    html = client.get("/escalation").get_data(as_text=True)
    link = re.search(r'<a [^>]*rel="next" href="([^"]+)"', html)
    assert link, html
    second = client.get(link.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    page = re.search(r'aria-labelledby="board-heading">(.*?)</section>', second.get_data(as_text=True), re.S).group(1)
    assert "due in 20 h 0 min" in page and "late by 2 d 3 h" not in page
    assert 'rel="next"' not in page and "The most late first" in page
    assert client.get("/escalation?after=%00garbage").status_code in (200, 400)


def test_the_board_sums_up_each_centre_below_and_narrows_to_one(world, board, login, frozen):
    rows, city, county, sibling = board
    supervisor = world.users["supervisor"]
    result = escalation(supervisor, NOW)
    lines = {line.centre.id: (line.overdue, line.due_soon) for line in result.centres}
    assert lines == {world.city.id: (1, 1), world.county.id: (1, 1)}
    narrowed = escalation(supervisor, NOW, centre=world.county)
    assert [r.clock.id for r in narrowed.rows] == [rows["late_30min"].id, rows["soon_20h"].id]
    assert (narrowed.overdue_count, narrowed.due_soon_count) == (1, 1)

    frozen(NOW)
    client = login(supervisor)
    html = client.get("/escalation").get_data(as_text=True)
    assert f"/escalation?centre={world.county.id}" in html
    page = client.get(f"/escalation?centre={world.county.id}").get_data(as_text=True)
    board_html = re.search(r'aria-labelledby="board-heading">(.*?)</section>', page, re.S).group(1)
    assert set(CASE_NUMBER.findall(board_html)) == {county.number}
    assert f"（{world.county.code}）" in board_html.split("</h2>")[0]
    # Another city's centre, a centre that does not exist, or no number at all: not found.
    for other in (world.sibling.id, 999999, "abc", "-1", "1" * 40):
        assert client.get(f"/escalation?centre={other}").status_code == 404


# ---- on-time rates -----------------------------------------------------------------------------------


@pytest.fixture
def december(world, make_case, session, at, county_applicant):
    """December 2026, driven through the one door:

    - X (city, the caseworker): submitted Tue 1st 09:00, acknowledged Thu 3rd (response late),
      accepted Fri 4th (handling on time), the applicant told by telephone that afternoon (feedback on time);
    - Y (county, the supervisor): submitted and acknowledged on the 1st (response on time); its
      handling clock, due on the 4th, still runs on the 10th (late);
    - W (city): submitted and withdrawn on the 1st (its stopped response clock counts neither way);
    - V (city): submitted on the 10th, not yet due;
    - Z (the sibling city): never acknowledged, late, but not in the city's subtree.
    """
    worker, supervisor = world.users["caseworker"], world.users["supervisor"]
    drafts = {
        "X": make_case(world.applicant, world.enterprise, state="draft"),
        "Y": make_case(county_applicant, world.county_enterprise, state="draft"),
        "W": make_case(world.applicant, world.enterprise, state="draft"),
        "V": make_case(world.applicant, world.enterprise, state="draft"),
        "Z": make_case(world.other_applicant, world.other_enterprise, state="draft"),
    }
    x, y, w, v, z = (drafts[k] for k in "XYWVZ")
    at(2026, 12, 1, 9)
    act(x, "submit", world.applicant)
    act(y, "submit", county_applicant)
    act(w, "submit", world.applicant)
    act(z, "submit", world.other_applicant)
    at(2026, 12, 1, 11)
    act(y, "acknowledge", supervisor)
    act(w, "withdraw", world.applicant)
    at(2026, 12, 3, 10)
    act(x, "acknowledge", worker)
    at(2026, 12, 4, 10)
    act(x, "accept", worker)
    at(2026, 12, 4, 15)
    act(x, "inform_decision", worker)
    at(2026, 12, 10, 9)
    act(v, "submit", world.applicant)
    session.commit()
    return drafts


def test_on_time_rates_per_clock_centre_and_person(world, december):
    worker, supervisor = world.users["caseworker"], world.users["supervisor"]
    rates = on_time_rates(supervisor, date(2026, 12, 1), date(2026, 12, 31), NOW)

    def pair(rate):
        return rate.on_time, rate.late

    assert pair(rates.by_clock[ClockName.RESPONSE]) == (1, 1)  # Y on time, X late
    assert pair(rates.by_clock[ClockName.HANDLING]) == (1, 1)  # X on time, Y late (still running)
    assert pair(rates.by_clock[ClockName.FEEDBACK]) == (1, 0)  # X's decision, told the same day
    assert pair(rates.total) == (3, 2) and rates.total.rate == pytest.approx(0.6)

    centres = {row.key: row for row in rates.centres}
    assert set(centres) == {world.city.id, world.county.id}
    assert pair(centres[world.city.id].total) == (2, 1)
    assert pair(centres[world.city.id].by_clock[ClockName.RESPONSE]) == (0, 1)
    assert pair(centres[world.county.id].total) == (1, 1)
    assert centres[world.county.id].by_clock[ClockName.FEEDBACK].rate is None

    people = {row.key: row for row in rates.people}
    assert set(people) == {worker.id, supervisor.id}
    assert pair(people[worker.id].total) == (2, 1)
    assert pair(people[supervisor.id].by_clock[ClockName.HANDLING]) == (0, 1)

    # Y's running handling clock counts as late only once it is past due (V's never is yet).
    before_due = on_time_rates(supervisor, date(2026, 12, 1), date(2026, 12, 31), china(2026, 12, 4, 9))
    assert pair(before_due.by_clock[ClockName.HANDLING]) == (1, 0)
    # A period that ends before the due dates counts nothing; one day is counted whole.
    assert on_time_rates(supervisor, date(2026, 11, 1), date(2026, 11, 30), NOW).total.total == 0
    assert pair(on_time_rates(supervisor, date(2026, 12, 4), date(2026, 12, 4), NOW).total) == (0, 1)


def test_on_time_rates_page(world, december, login, frozen):
    frozen(NOW)
    client = login(world.users["supervisor"])
    html = client.get("/escalation?date_from=2026-12-01&date_to=2026-12-31").get_data(as_text=True)
    rates_html = re.search(r'aria-labelledby="rates-heading">(.*?)</section>', html, re.S).group(1)
    assert "60%" in rates_html and "3 on time, 2 late" in rates_html
    assert world.city.code in rates_html and world.county.code in rates_html
    assert world.sibling.code not in rates_html
    # By default the current month in China: on the 10th of December, the same figures.
    default = client.get("/escalation").get_data(as_text=True)
    assert 'value="2026-12-01"' in default and 'value="2026-12-31"' in default
    assert "3 on time, 2 late" in default


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("date_from=2026-13-01", "date_from", "Not a valid date value."),
        ("date_from=1979-12-31", "date_from", "Enter a date between 1980-01-01 and 2999-12-31."),
        ("date_to=3000-01-01", "date_to", "Enter a date between 1980-01-01 and 2999-12-31."),
        ("date_from=2026-12-02&date_to=2026-12-01", "date_to", "The end date is before the start date."),
        ("date_from=2000-01-01&date_to=2026-12-31", "date_to", "Choose a period of at most five years."),
        ("date_from=99999-01-01", "date_from", "Not a valid date value."),
        ("date_from=2026-12-01&date_from=2026-12-02", "date_from", "Not a valid date value."),
        ("date_to=%27%3B--", "date_to", "Not a valid date value."),
    ],
)
def test_a_bad_period_answers_422_with_the_message_beside_its_field(world, login, query, field, message):
    response = login(world.users["supervisor"]).get(f"/escalation?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', html), html[-3000:]
    assert "Correct the period to see the rates." in html


def test_the_pages_run_a_bounded_number_of_statements(
    world, board, make_case, make_user, login, count_statements, frozen
):
    frozen(NOW)
    worker = world.users["caseworker"]
    client = login(world.users["supervisor"])
    worker_client = login(worker)
    few = statements_for(client, count_statements, "/escalation")
    few_mine = statements_for(worker_client, count_statements, "/my-work")
    city = board[1]
    for i in range(6):
        case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
        assert case.next_due_at is not None
        if i % 2:  # handed over to colleagues, each another: "first taken up", with their owners' names
            case.owner_id = make_user(Role.CASEWORKER, centre=world.city).id
    from app.extensions import db

    for clock in db.session.execute(select(CaseClock).where(CaseClock.case_id != city.id)).scalars():
        if clock.is_running and clock.due_at > NOW:
            clock.due_at, clock.warn_at = NOW + timedelta(hours=2), NOW - timedelta(hours=1)
    db.session.commit()
    assert statements_for(client, count_statements, "/escalation") == few
    assert statements_for(worker_client, count_statements, "/my-work") == few_mine
    assert few <= 10 and few_mine <= 10, (few, few_mine)


# ---- notifications -----------------------------------------------------------------------------------


@pytest.fixture
def inbox(world, make_case, session):
    worker, supervisor = world.users["caseworker"], world.users["supervisor"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    sibling = make_case(
        world.other_applicant, world.other_enterprise, state="acknowledged", staff=world.sibling_caseworker
    )
    due = {"clock": "handling", "due": case.created_at.isoformat()}
    mine = [
        notify([worker.id], "clock_due_soon", case, due)[0],
        notify([worker.id], "clock_breached", case, due)[0],
        notify([worker.id], "handover_offered", sibling, {"by": "邻市"})[0],
    ]
    theirs = notify([supervisor.id], "clock_breached", case, due)[0]
    session.commit()
    return worker, supervisor, case, sibling, mine, theirs


def test_the_list_shows_only_ones_own_notifications_newest_first(world, inbox, login):
    worker, supervisor, case, sibling, mine, theirs = inbox
    client = login(worker)
    html = client.get("/notifications").get_data(as_text=True)
    assert html.count("list-group-item-primary") == 3  # all three unread
    positions = [html.index(f'name="id" value="{n.id}"') for n in mine]
    assert positions == sorted(positions, reverse=True)  # newest first
    assert f'value="{theirs.id}"' not in html
    assert f'href="/cases/{case.number}"' in html
    # The sibling case is named in the text but not linked: the caseworker cannot open it.
    assert sibling.number in html and f'href="/cases/{sibling.number}"' not in html
    # The navigation's unread badge.
    assert re.search(r">3<span class=\"visually-hidden\"> unread</span>", html)


def test_marking_read_touches_only_ones_own_rows(world, inbox, login, session):
    worker, supervisor, case, sibling, mine, theirs = inbox
    client = login(worker)
    token = csrf_token(client, "/notifications")
    response = client.post("/notifications/read", data={"csrf_token": token, "id": [str(mine[0].id), str(theirs.id)]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications")

    def read_at(n):
        return session.execute(select(Notification.read_at).where(Notification.id == n.id)).scalar_one()

    session.expire_all()
    assert read_at(mine[0]) is not None and read_at(mine[1]) is None and read_at(theirs) is None
    client.post("/notifications/read", data={"csrf_token": token, "all": "1"})
    session.expire_all()
    assert all(read_at(n) is not None for n in mine) and read_at(theirs) is None
    html = client.get("/notifications").get_data(as_text=True)
    assert "list-group-item-primary" not in html and 'visually-hidden"> unread' not in html


@pytest.mark.parametrize(
    "data",
    [{}, {"id": "abc"}, {"id": "0"}, {"id": str(2**31)}, {"id": ["1", "x"]}, {"all": "yes"}, {"all": "1", "id": "1"}],
)
def test_a_bad_mark_read_form_is_refused_and_changes_nothing(world, inbox, login, session, data):
    worker, *_ = inbox
    client = login(worker)
    token = csrf_token(client, "/notifications")
    assert client.post("/notifications/read", data={"csrf_token": token, **data}).status_code == 422
    session.expire_all()
    assert session.execute(select(Notification.id).where(Notification.read_at.is_not(None))).first() is None


def test_mark_read_needs_the_csrf_token(world, inbox, login, session):
    worker, *_ = inbox
    assert login(worker).post("/notifications/read", data={"all": "1"}).status_code == 400
    session.expire_all()
    assert session.execute(select(Notification.id).where(Notification.read_at.is_not(None))).first() is None


def test_a_wider_scope_reads_the_rates_per_centre_just_below_it(world, december, make_user):
    """A provincial supervisor gets one row per city, each with its whole subtree (the county's
    clocks count in the city's row), rather than one row for every centre of the province."""
    from app.auth.models import Role

    provincial = make_user(Role.SUPERVISOR, centre=world.province)
    rates = on_time_rates(provincial, date(2026, 12, 1), date(2026, 12, 31), NOW)
    centres = {row.key: (row.total.on_time, row.total.late) for row in rates.centres}
    assert centres == {world.city.id: (3, 2), world.sibling.id: (0, 1)}
    assert (rates.total.on_time, rates.total.late) == (3, 3)


def test_the_per_person_table_is_capped_for_a_wide_scope(world, december, monkeypatch):
    from app.clocks import queries

    monkeypatch.setattr(queries, "PEOPLE_SHOWN", 1)
    rates = on_time_rates(world.users["supervisor"], date(2026, 12, 1), date(2026, 12, 31), NOW)
    assert len(rates.people) == 1 and rates.people_left_out == 1


def test_the_rates_may_be_a_minute_old_and_say_so(app, world, december, login, frozen, monkeypatch):
    from app.core import recent

    monkeypatch.setitem(app.config, "REPORT_FIGURES_SECONDS", 60)
    recent.forget()
    client = login(world.users["supervisor"])
    frozen(NOW)
    first = client.get("/escalation").get_data(as_text=True)
    assert "3 on time, 2 late" in first and 'id="rates-counted-at"' not in first  # counted for this request
    frozen(NOW + timedelta(seconds=30))
    again = client.get("/escalation").get_data(as_text=True)
    assert "3 on time, 2 late" in again and 'id="rates-counted-at"' in again
    assert "Rates as of 2026-12-10 10:00" in again
    recent.forget()


def test_the_board_counts_may_be_a_minute_old_and_say_so_while_its_rows_are_read_now(
    app, world, december, login, frozen, monkeypatch, session
):
    import time

    from app.core import recent

    monkeypatch.setitem(app.config, "REPORT_FIGURES_SECONDS", 60)
    recent.forget()
    client = login(world.users["supervisor"])
    frozen(NOW)
    first = client.get("/escalation").get_data(as_text=True)
    assert "1 overdue" in first and december["Y"].number in first and 'id="board-counted-at"' not in first
    # Y's handling is met within the minute: its row leaves the board at once, the counts a minute later.
    clock = session.execute(
        select(CaseClock).where(CaseClock.case_id == december["Y"].id, CaseClock.name == ClockName.HANDLING)
    ).scalar_one()
    clock.met_at = NOW
    session.commit()
    frozen(NOW + timedelta(seconds=30))
    again = client.get("/escalation").get_data(as_text=True)
    assert december["Y"].number not in again
    assert "1 overdue" in again and 'id="board-counted-at"' in again
    assert "Counts as of 2026-12-10 10:00" in again
    later_clock = time.monotonic() + 61
    monkeypatch.setattr(recent.time, "monotonic", lambda: later_clock)
    later = client.get("/escalation").get_data(as_text=True)
    assert "0 overdue" in later and 'id="board-counted-at"' not in later
    # Counted empty a moment ago, the board still reads its rows: a clock late since shows at once.
    clock.met_at = None
    session.commit()
    frozen(NOW + timedelta(seconds=50))
    latest = client.get("/escalation").get_data(as_text=True)
    assert "0 overdue" in latest and 'id="board-counted-at"' in latest and december["Y"].number in latest
    recent.forget()
