"""The three clocks as the one door runs them: start, pause, resume, meet, stop."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.cases import services
from app.centres.models import CentreSetting
from app.clocks.models import CalendarDay, CalendarYear, ClockName
from app.clocks.services import clocks_of, recompute_year
from tests.clocks.conftest import china_date
from tests.conftest import ACTION_INPUT


def _by_name(case):
    return {(c.name, c.trigger): c for c in clocks_of(case)}


def act(case, action, actor, **extra):
    return services.transition(case, action, actor, **{**ACTION_INPUT.get(action, {}), **extra})


def test_a_web_complaint_runs_its_three_clocks(world, make_case, session, at):
    worker = world.users["caseworker"]
    at(2026, 9, 30, 21, 30)  # Wednesday evening before the National Day week
    case = make_case(world.applicant, world.enterprise, state="draft")
    act(case, "submit", world.applicant)
    response = _by_name(case)[(ClockName.RESPONSE, "response")]
    assert china_date(response.due_at) == date(2026, 10, 8) and response.working_days == 1
    assert case.next_due_at == response.due_at

    at(2026, 10, 8, 9)
    act(case, "acknowledge", worker)
    clocks = _by_name(case)
    assert clocks[(ClockName.RESPONSE, "response")].met_at is not None
    handling = clocks[(ClockName.HANDLING, "handling")]
    # 3 working days from the 8th: the 9th, the make-up Saturday the 10th, Monday the 12th.
    assert china_date(handling.due_at) == date(2026, 10, 12)

    at(2026, 10, 9, 11)
    act(case, "request_material", worker)
    assert handling.is_paused and case.next_due_at is None  # a paused clock is never overdue

    at(2026, 10, 16, 15)  # the applicant answers a week later, on a Friday
    act(case, "provide_material", world.applicant)
    # Two working days were left when it paused (the 10th and the 12th): Saturday 17th is no
    # make-up day, so Monday 19th and Tuesday 20th.
    assert not handling.is_paused and china_date(handling.due_at) == date(2026, 10, 20)
    assert len(handling.pauses) == 1

    at(2026, 10, 19, 10)
    act(case, "accept", worker)
    clocks = _by_name(case)
    assert clocks[(ClockName.HANDLING, "handling")].met_at is not None
    assert not clocks[(ClockName.HANDLING, "handling")].is_overdue(case.decided_at)
    feedback = clocks[(ClockName.FEEDBACK, "accept")]
    # The decision alone tells nobody: the clock runs until the applicant has it.
    assert feedback.met_at is None and case.next_due_at == feedback.due_at

    # The applicant opens the notification in the portal: met at that moment.
    from app.notifications.models import Notification
    from app.notifications.services import mark_read

    assert mark_read(world.applicant, case_id=case.id) >= 1
    session.flush()
    read = session.execute(
        select(Notification).where(Notification.user_id == world.applicant.id, Notification.kind == "case_accepted")
    ).scalar_one()
    feedback = _by_name(case)[(ClockName.FEEDBACK, "accept")]
    assert feedback.met_at == read.read_at and case.next_due_at is None


def test_a_hotline_case_without_a_portal_account_waits_for_the_decision_to_be_told(world, session, at, make_enterprise):
    worker = world.users["caseworker"]
    firm = make_enterprise(world.city, name="无账号企业有限公司")
    at(2026, 11, 27, 19)  # a Friday evening call
    case = services.create_case(
        worker,
        enterprise=firm,
        kind="complaint",
        channel="hotline",
        rights=[{"type": "utility_model", "number": "202320123456.1"}],
        respondents=[{"name": "某某公司"}],
        facts="电话反映被仿冒。",
    )
    clocks = _by_name(case)
    response = clocks[(ClockName.RESPONSE, "response")]
    assert response.met_at == response.started_at  # taken up by whoever recorded the call
    assert china_date(clocks[(ClockName.HANDLING, "handling")].due_at) == date(2026, 12, 2)
    assert case.first_responder_id == worker.id

    at(2026, 11, 30, 10)
    act(case, "accept", worker)
    feedback = _by_name(case)[(ClockName.FEEDBACK, "accept")]
    assert feedback.met_at is None and china_date(feedback.due_at) == date(2026, 12, 1)
    assert case.next_due_at == feedback.due_at
    checks = {c.action.name: c for c in services.available_actions(case, worker)}
    assert checks["inform_decision"].allowed

    at(2026, 12, 2, 9)  # a day late
    act(case, "inform_decision", worker, comment="已电话告知受理")
    assert feedback.met_at is not None and feedback.is_overdue(feedback.met_at)
    assert case.next_due_at is None
    checks = {c.action.name: c for c in services.available_actions(case, worker)}
    assert not checks["inform_decision"].allowed


def test_withdrawing_stops_every_running_clock(world, make_case, session, at):
    at(2026, 12, 1, 9)
    case = make_case(world.applicant, world.enterprise, state="awaiting_material", staff=world.users["caseworker"])
    act(case, "withdraw", world.applicant)
    clocks = clocks_of(case)
    assert clocks and all(not c.is_running for c in clocks)
    assert [c.name for c in clocks if c.stopped_at is not None] == [ClockName.HANDLING]
    assert case.next_due_at is None


def test_an_outcome_starts_a_feedback_clock_met_when_the_first_responder_confirms(world, make_case, session, at):
    at(2026, 12, 1, 9)
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="resolved", staff=worker)
    outcome = _by_name(case)[(ClockName.FEEDBACK, "resolve")]
    assert outcome.is_running and china_date(outcome.due_at) == date(2026, 12, 2)
    act(case, "inform_outcome", worker)
    assert outcome.met_at is not None
    # The decision before it was never told (nobody read it, nobody recorded telling): still owed.
    decision = _by_name(case)[(ClockName.FEEDBACK, "accept")]
    assert decision.met_at is None and case.next_due_at == decision.due_at


def test_changing_a_deadline_applies_to_clocks_started_afterwards(world, make_case, session, at):
    at(2026, 12, 1, 9)  # Tuesday
    first = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    session.add(CentreSetting(centre_id=world.city.id, key="decision_working_days", value=5))
    session.flush()
    second = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    first_handling = _by_name(first)[(ClockName.HANDLING, "handling")]
    second_handling = _by_name(second)[(ClockName.HANDLING, "handling")]
    assert (first_handling.working_days, china_date(first_handling.due_at)) == (3, date(2026, 12, 4))
    assert (second_handling.working_days, china_date(second_handling.due_at)) == (5, date(2026, 12, 8))


def test_a_deadline_in_a_year_nobody_entered_waits_for_an_administrator(world, make_case, session, at, make_user):
    at(2026, 12, 30, 16)  # Wednesday: 3 working days run into 2027, which the calendar does not know
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    handling = _by_name(case)[(ClockName.HANDLING, "handling")]
    assert handling.due_at is None and handling.unknown_year == 2027
    assert case.next_due_at is None

    year = CalendarYear(year=2027, entered_by_id=world.users["admin"].id)
    year.days = [
        CalendarDay(day=date(2027, 1, 1), is_working_day=False, name="元旦"),
        CalendarDay(day=date(2027, 1, 4), is_working_day=False, name="元旦"),
    ]
    session.add(year)
    session.flush()
    assert recompute_year(2027) == 1
    # The 31st, then 1 January (holiday), Saturday 2nd, Sunday 3rd, Monday 4th (entered as a holiday): 5th, 6th.
    assert handling.unknown_year is None and china_date(handling.due_at) == date(2027, 1, 6)
    assert case.next_due_at == handling.due_at
