"""The case page's clocks panel, the first responder and owner, and handovers and transfers
offered and answered through the page's forms (bad input: 422 with the reason, nothing changed)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.auth.models import Role
from app.cases.enums import HandoverStatus
from app.cases.models import Case, CaseEvent, CaseHandover
from app.clocks.models import CalendarYear, CaseClock, ClockName
from app.core.workdays import package_years
from tests.helpers import csrf_token

FIRST_UNKNOWN = package_years().stop  # the first year the installed calendar does not know


def page(client, case):
    response = client.get(f"/cases/{case.number}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def post_action(client, case, action, data):
    token = csrf_token(client, f"/cases/{case.number}")
    return client.post(
        f"/cases/{case.number}/actions/{action}", data={"csrf_token": token, "version": case.version, **data}
    )


def action_forms(html: str) -> set[str]:
    return set(re.findall(r'id="action-([a-z_]+)" novalidate', html))


def blocked(html: str) -> set[str]:
    return set(re.findall(r'<li data-action="([a-z_]+)"', html))


def clock_states(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-clock="([a-z]+)" data-state="([a-z_]+)"', html))


def fresh(session, case) -> Case:
    session.expire_all()
    return session.execute(select(Case).where(Case.id == case.id)).scalar_one()


def footprint(session, case):
    """What a refused offer must leave alone: the case's owner, centre and version, its offers, its events."""
    session.expire_all()
    return (
        session.execute(select(Case.owner_id, Case.centre_id, Case.version).where(Case.id == case.id)).one(),
        session.execute(select(CaseHandover.id, CaseHandover.status).where(CaseHandover.case_id == case.id)).all(),
        session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.case_id == case.id)),
    )


@pytest.fixture
def login(login):
    """Log in as the conftest does, with the interface in English so the assertions read the msgids."""

    def do_login(user):
        client = login(user)
        client.set_cookie("lang", "en")
        return client

    return do_login


@pytest.fixture
def taken(world, make_case, make_user):
    """An acknowledged complaint the city caseworker took up, and the people around it."""
    worker = world.users["caseworker"]
    colleague = make_user(Role.CASEWORKER, centre=world.city, email="colleague@city.cn", name="同事甲")
    make_user(Role.CASEWORKER, centre=world.city, email="gone@city.cn", name="已离职", is_active=False)
    make_user(Role.MEDIATOR, centre=world.city, email="mediator2@city.cn", name="调解员乙")
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    return case, worker, colleague


# ---- the clocks panel ---------------------------------------------------------------------------


def test_staff_see_every_clock_in_full(taken, world, login, session):
    case, worker, _ = taken
    html = page(login(worker), case)
    assert 'id="clocks"' in html
    # Submitted and acknowledged at once: the response clock was met on time; handling runs.
    states = clock_states(html)
    assert states["response"] == "met_on_time"
    assert states["handling"] in ("running", "due_soon")
    handling = session.execute(
        select(CaseClock).where(CaseClock.case_id == case.id, CaseClock.name == ClockName.HANDLING)
    ).scalar_one()
    row = re.search(rf'id="clock-{handling.id}".*?</tr>', html, re.S).group(0)
    from app.core.i18n import DISPLAY_TZ

    assert handling.due_at.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M") in row
    assert worker.name in row  # who answers for it
    assert "3 working days" in row


def test_a_paused_clock_shows_its_pause(world, make_case, login):
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="awaiting_material", staff=worker)
    html = page(login(worker), case)
    assert clock_states(html)["handling"] == "paused"
    assert "1 pause" in html and "paused since" in html


def test_overdue_and_met_late_badges(taken, login, session):
    case, worker, _ = taken
    clocks = {c.name: c for c in session.execute(select(CaseClock).where(CaseClock.case_id == case.id)).scalars()}
    handling, response = clocks[ClockName.HANDLING], clocks[ClockName.RESPONSE]
    handling.due_at = handling.warn_at = handling.started_at - timedelta(days=1)
    response.due_at = response.met_at - timedelta(hours=1)
    session.commit()
    states = clock_states(page(login(worker), case))
    assert states == {"response": "met_late", "handling": "overdue"}


def test_applicants_see_due_dates_and_done_without_staff_names(taken, world, login):
    case, worker, _ = taken
    html = page(login(world.applicant), case)
    panel = re.search(r'id="clocks".*?</section>', html, re.S).group(0)
    assert "Due by" in panel and "Done" in panel
    assert worker.name not in panel and "data-state" not in panel and "Responsible" not in panel


def test_a_clock_waiting_for_an_unknown_year_says_so(world, make_case, login, at, session):
    worker = world.users["caseworker"]
    at(FIRST_UNKNOWN - 1, 12, 31, 16)
    case = make_case(world.applicant, world.enterprise, state="submitted")
    clock = session.execute(select(CaseClock).where(CaseClock.case_id == case.id)).scalar_one()
    assert clock.due_at is None and clock.unknown_year == FIRST_UNKNOWN

    html = page(login(worker), case)
    assert clock_states(html)["response"] == "no_due_time"
    assert f"The working-day calendar of {FIRST_UNKNOWN} has not been entered yet" in html
    assert "An administrator must enter" in html
    assert 'id="calendar-missing"' in html  # this case's own clock waits for that year
    assert "/admin/calendar/edit" not in html  # only administrators get the link
    admin_html = page(login(world.users["admin"]), case)
    assert f"/admin/calendar/edit?year={FIRST_UNKNOWN}" in admin_html
    applicant_html = page(login(world.applicant), case)
    assert f"once the official holidays of {FIRST_UNKNOWN} are entered" in applicant_html


def test_staff_pages_warn_when_this_or_next_year_is_unknown(world, login, make_case, session, monkeypatch):
    from app.clocks import display
    from app.core.db import utcnow

    this_year = utcnow().year
    case = make_case(world.applicant, world.enterprise, state="submitted")
    worker = login(world.users["caseworker"])
    monkeypatch.setattr(display, "package_years", lambda: range(2004, this_year + 1))
    # A caseworker hears of it only when a clock they answer for waits for that year; none does yet.
    assert 'id="calendar-missing"' not in worker.get("/").get_data(as_text=True)
    taken = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    session.execute(
        update(CaseClock)
        .where(CaseClock.case_id == taken.id, CaseClock.met_at.is_(None))
        .values(due_at=None, unknown_year=this_year + 1)
    )
    session.commit()
    html = worker.get("/").get_data(as_text=True)
    assert 'id="calendar-missing"' in html and str(this_year + 1) in html
    assert "An administrator must enter" in html
    # The case page warns only where one of its own clocks waits for that year: this one's is due already.
    assert 'id="calendar-missing"' not in worker.get(f"/cases/{case.number}").get_data(as_text=True)
    assert 'id="calendar-missing"' not in page(login(world.applicant), case)
    admin_home = login(world.users["admin"]).get("/").get_data(as_text=True)
    assert 'id="calendar-missing"' in admin_home and 'href="/admin/calendar"' in admin_home

    session.add(CalendarYear(year=this_year + 1, note="entered"))
    session.commit()
    assert 'id="calendar-missing"' not in worker.get("/").get_data(as_text=True)
    monkeypatch.setattr(display, "package_years", lambda: range(2004, this_year + 2))
    assert 'id="calendar-missing"' not in worker.get(f"/cases/{case.number}").get_data(as_text=True)


# ---- first responder, owner, offers ---------------------------------------------------------------


def test_handover_offered_on_the_page_and_accepted_by_the_colleague(taken, world, login, session):
    case, worker, colleague = taken
    client = login(worker)
    html = page(client, case)
    assert {"offer_handover", "offer_transfer"} <= action_forms(html)
    assert not {"accept_handover", "decline_handover", "accept_transfer", "decline_transfer"} & (
        action_forms(html) | blocked(html)
    )
    select_html = re.search(r'<select[^>]*id="handover-to".*?</select>', html, re.S).group(0)
    offered = set(re.findall(r'<option value="([^"]+)"', select_html))
    # Active caseworkers and supervisors of the case's centre, not the viewer (nor the owner, who is the viewer).
    assert offered == {"colleague@city.cn", "supervisor@city.cn"}

    response = post_action(client, case, "offer_handover", {"to_user": "colleague@city.cn", "comment": "请接手"})
    assert response.status_code == 302
    html = page(client, case)
    notice = re.search(r'id="open-offer".*?</div>\s*</div>', html, re.S).group(0)
    assert colleague.name in notice and worker.name in notice and "请接手" in notice
    assert "offer_handover" not in action_forms(html)  # one open offer at a time
    assert re.search(r'data-action="offer_handover"><strong>[^<]+</strong>: A handover .* already waiting', html)
    assert not {"accept_handover", "decline_handover"} & (action_forms(html) | blocked(html))
    supervisor_html = page(login(world.users["supervisor"]), case)
    assert not {"accept_handover", "decline_handover"} & (action_forms(supervisor_html) | blocked(supervisor_html))

    other = login(colleague)
    html = page(other, case)
    assert {"accept_handover", "decline_handover"} <= action_forms(html)
    assert "It waits for your answer" in html
    response = post_action(other, fresh(session, case), "accept_handover", {"comment": "好的"})
    assert response.status_code == 302
    html = page(other, case)
    assert re.search(rf'id="owner">{colleague.name}<', html)
    assert re.search(rf'id="first-responder">{worker.name}<', html)
    assert 'id="open-offer"' not in html
    offer = session.execute(select(CaseHandover).where(CaseHandover.case_id == case.id)).scalar_one()
    assert offer.status is HandoverStatus.ACCEPTED


def test_declining_a_handover_needs_a_reason(taken, login, session):
    case, worker, colleague = taken
    assert post_action(login(worker), case, "offer_handover", {"to_user": colleague.email}).status_code == 302
    other = login(colleague)
    response = post_action(other, fresh(session, case), "decline_handover", {"comment": "  "})
    assert response.status_code == 422
    assert "A comment is required" in response.get_data(as_text=True)
    response = post_action(other, fresh(session, case), "decline_handover", {"comment": "手头案件太多"})
    assert response.status_code == 302
    case = fresh(session, case)
    assert case.owner_id == worker.id
    offer = session.execute(select(CaseHandover).where(CaseHandover.case_id == case.id)).scalar_one()
    assert offer.status is HandoverStatus.DECLINED and offer.decision_comment == "手头案件太多"


@pytest.mark.parametrize(
    "to_user, message",
    [
        ("caseworker@city.cn", "You cannot hand a case over to yourself."),
        ("nobody@city.cn", "No staff account has that e-mail."),
        ("cw@sibling.cn", "does not work at this case's centre; transfer the case instead."),
        ("gone@city.cn", "account is deactivated."),
        ("mediator2@city.cn", "is not a caseworker or supervisor."),
        ("applicant@city.cn", "No staff account has that e-mail."),
        ("", "Name the colleague (their e-mail)"),
        ("x" * 400, "No staff account has that e-mail."),
    ],
)
def test_bad_handover_input_is_refused_and_changes_nothing(taken, login, session, to_user, message):
    case, worker, _ = taken
    before = footprint(session, case)
    response = post_action(login(worker), case, "offer_handover", {"to_user": to_user, "comment": "请接手这个案件"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = re.search(r'id="action-offer_handover-errors">(.*?)</div>\s*(?:<div class="mb-2">|$)', html, re.S)
    assert errors and message.replace("'", "&#39;") in errors.group(1), html[:3000]
    assert "请接手这个案件" in html  # what was typed is kept
    assert footprint(session, case) == before


def test_a_stale_version_is_a_conflict_and_keeps_the_text(taken, login, session):
    case, worker, colleague = taken
    client = login(worker)
    token = csrf_token(client, f"/cases/{case.number}")
    response = client.post(
        f"/cases/{case.number}/actions/offer_handover",
        data={"csrf_token": token, "version": case.version - 1, "to_user": colleague.email, "comment": "旧页面提交"},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="conflict"' in html and "旧页面提交" in html
    assert session.scalar(select(func.count(CaseHandover.id)).where(CaseHandover.case_id == case.id)) == 0


def test_transfer_offered_on_the_page_and_accepted_by_the_other_centre(
    taken, world, login, make_user, make_centre, session
):
    from app.centres.models import CentreLevel

    case, worker, _ = taken
    closed = make_centre("CAX", parent=world.city, level=CentreLevel.WORKSTATION, is_active=False)
    county_worker = make_user(Role.CASEWORKER, centre=world.county, email="cw@county.cn", name="县工作人员")
    client = login(worker)
    html = page(client, case)
    select_html = re.search(r'<select[^>]*id="transfer-to".*?</select>', html, re.S).group(0)
    codes = re.findall(r'<option value="([^"]+)"', select_html)
    assert {"CAC", "CB", "PA", "PB"} <= set(codes)
    assert "CA" not in codes and closed.code not in codes  # not its own centre, not a closed one
    assert f"{world.county.name_en}（CAC）" in select_html  # the page is in English here

    response = post_action(client, case, "offer_transfer", {"to_centre": "CAC"})
    assert response.status_code == 422 and "A comment is required" in response.get_data(as_text=True)
    response = post_action(client, case, "offer_transfer", {"to_centre": "NOPE", "comment": "属地管辖"})
    assert response.status_code == 422 and "There is no centre with that code." in response.get_data(as_text=True)
    response = post_action(client, case, "offer_transfer", {"to_centre": "CAC", "comment": "属地管辖"})
    assert response.status_code == 302
    html = page(client, case)
    assert 'data-kind="transfer"' in html and world.county.name_en in html

    other = login(county_worker)
    html = page(other, case)
    assert {"accept_transfer", "decline_transfer"} <= action_forms(html)
    assert post_action(other, fresh(session, case), "accept_transfer", {}).status_code == 302
    case = fresh(session, case)
    assert (case.centre_id, case.owner_id, case.first_responder_id) == (world.county.id, county_worker.id, worker.id)
    html = page(other, case)
    assert re.search(rf'id="first-responder">{worker.name}<', html)
    # The first responder still follows the case to the end.
    assert page(login(worker), case)
