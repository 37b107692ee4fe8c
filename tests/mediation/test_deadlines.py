"""A mediation's deadlines, at fixed times (the doors' time is set with ``at``; the calendar is the real one).

- the fast deadline from the day the mediation opens: a design patent's 10 days, a utility model's or
  an invention's month (Civil Code arts. 201-203: the first day not counted, the corresponding day of
  the month or its last day, a last day on a rest day moved to the next working day); none for a
  trademark (DOMAIN.md: the targets are for patents);
- the respondent's 15 days to answer, from the day of service (not the day it is recorded); an answer
  after them is recorded, marked late, and the reply clock is met late;
- a suspension pauses the fast deadline, and resuming moves it by the days paused;
- after an agreement, 30 days to apply for judicial confirmation and the date it is performed by;
- the centre's settings give new clocks their spans; running clocks keep theirs.
"""

# ruff: noqa: F811  (the fixtures ``at`` and ``people`` are imported from the matrix module)
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.cases.models import CaseEvent
from app.centres.services import save_settings
from app.clocks.display import clock_state
from app.clocks.models import CalendarYear, CaseClock, ClockName, ClockUnit
from app.clocks.services import clocks_of
from app.core.workdays import china_day, end_of_day, start_of_day
from app.mediation import services
from app.mediation.enums import MediationState
from tests.mediation.test_workflow_matrix import (  # noqa: F401
    AGREEMENT,
    INPUTS,
    accepted_case,
    at,
    china,
    given,
    people,
    request,
)

UTILITY_MODEL = [{"type": "utility_model", "number": "202320123456.1", "title": "一种折叠式支架"}]
DESIGN = [{"type": "design", "number": "202330123456.7", "title": "包装盒"}]
INVENTION = [{"type": "invention_patent", "number": "202310123456.6", "title": "一种电池管理方法"}]
TRADEMARK = [{"type": "trademark", "number": "12345678", "title": "某某"}]
RIGHTS = {"design": DESIGN, "utility_model": UTILITY_MODEL, "invention_patent": INVENTION, "trademark": TRADEMARK}


def clock_of(m, name: ClockName) -> CaseClock:
    (clock,) = [c for c in services.mediation_clocks(m) if c.name is name]
    return clock


def served(world, people, at, rights, day: date, *, served_on: date | None = None):
    """A mediation of a new accepted case with ``rights``, requested and served on ``day``."""
    at(day.year, day.month, day.day)
    m = request(world, accepted_case(world, rights=rights))
    services.transition(
        m,
        "serve_respondent",
        people["caseworker"],
        data={"served_on": (served_on or day).isoformat(), "method": "post"},
    )
    return m


def opened(world, people, at, rights, day: date):
    """A mediation served and opened (the respondent agrees) on ``day``."""
    m = served(world, people, at, rights, day)
    services.transition(m, "respondent_agrees", people["caseworker"], data={})
    assert m.state is MediationState.IN_MEDIATION
    return m


def counting(case) -> list[CaseClock]:
    """The case's clocks that count now: running, not paused, with a due time (any subject's)."""
    return [c for c in clocks_of(case) if c.is_running and not c.is_paused and c.due_at is not None]


def earliest_counting(case):
    return min((c.due_at for c in counting(case)), default=None)


def agree(m, people, perform_by: date):
    data = dict(AGREEMENT, perform_by=perform_by.isoformat())
    services.transition(m, "record_agreement", people["mediator"], data=data)
    assert m.state is MediationState.AGREED


# ---- the fast deadline ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "right, opened_on, amount, unit, due",
    [
        # 10 days from Tuesday 10 March 2026: Friday the 20th.
        ("design", date(2026, 3, 10), 10, ClockUnit.CALENDAR_DAYS, date(2026, 3, 20)),
        # 10 days from Thursday 5 March end on Sunday the 15th: moved to Monday.
        ("design", date(2026, 3, 5), 10, ClockUnit.CALENDAR_DAYS, date(2026, 3, 16)),
        # 10 days from 21 September end on National Day: moved to the first working day after the holiday.
        ("design", date(2026, 9, 21), 10, ClockUnit.CALENDAR_DAYS, date(2026, 10, 8)),
        # A month from 31 January 2026: the last day of February (a make-up working Saturday in 2026).
        ("utility_model", date(2026, 1, 31), 1, ClockUnit.MONTHS, date(2026, 2, 28)),
        ("utility_model", date(2026, 3, 16), 1, ClockUnit.MONTHS, date(2026, 4, 16)),
        ("invention_patent", date(2026, 3, 16), 1, ClockUnit.MONTHS, date(2026, 4, 16)),
    ],
)
def test_the_fast_deadline_runs_from_the_day_the_mediation_opens(
    world, people, session, at, right, opened_on, amount, unit, due
):
    m = opened(world, people, at, RIGHTS[right], opened_on)
    clock = services.deadline_of(m)
    assert (clock.name, clock.amount, clock.unit) == (ClockName.MEDIATION, amount, unit)
    assert china_day(clock.started_at) == opened_on
    assert (clock.due_at, clock.warn_at) == (end_of_day(due), start_of_day(due))
    assert clock.responsible_id == people["mediator"].id and clock.subject_id == m.id
    # The case lists its earliest running deadline, the mediation's among them.
    session.flush()
    assert m.case.next_due_at <= clock.due_at


def test_a_utility_models_month_from_31_january_ends_on_29_february_in_a_leap_year(world, people, session, at):
    """2028's official calendar is not in the installed package: an administrator entered it (here as
    a plain week); the month ends on the last day of February, the 29th."""
    session.add(CalendarYear(year=2028, note="国办发明电（测试）", entered_by_id=world.users["admin"].id))
    session.flush()
    m = opened(world, people, at, UTILITY_MODEL, date(2028, 1, 31))
    clock = services.deadline_of(m)
    assert (clock.unknown_year, china_day(clock.due_at)) == (None, date(2028, 2, 29))


def test_a_deadline_into_a_year_nobody_entered_waits_for_its_calendar(world, people, session, at):
    """Opened in December 2026, a utility model's month reaches 2027, which the package does not know:
    the clock runs without a due time until an administrator enters the year (never a guess)."""
    m = opened(world, people, at, UTILITY_MODEL, date(2026, 12, 20))
    clock = services.deadline_of(m)
    assert (clock.due_at, clock.unknown_year) == (None, 2027)
    assert clock_state(clock, china(2026, 12, 21)) == "no_due_time"


def test_a_trademark_mediation_has_no_fast_deadline(world, people, session, at):
    m = opened(world, people, at, TRADEMARK, date(2026, 3, 10))
    assert m.ip_type.value == "trademark"
    assert services.deadline_of(m) is None
    assert [c.name for c in services.mediation_clocks(m)] == [ClockName.REPLY]  # met when it opened
    assert clock_of(m, ClockName.REPLY).met_at is not None


# ---- the respondent's reply window -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "requested_on, recorded_on, served_on, left, due",
    [
        # Served and recorded the same day: 15 days, to Friday 27 March.
        (date(2026, 3, 12), date(2026, 3, 12), date(2026, 3, 12), 15, date(2026, 3, 27)),
        # Served three days before it is recorded: 12 days are left, to Tuesday 24 March.
        (date(2026, 3, 9), date(2026, 3, 12), date(2026, 3, 9), 12, date(2026, 3, 24)),
        # Served on the 7th, recorded on the 10th: the 15th day is Sunday the 22nd, so Monday.
        (date(2026, 3, 7), date(2026, 3, 10), date(2026, 3, 7), 12, date(2026, 3, 23)),
        # Service recorded after the window is over: nothing is left, it is due at the end of the day.
        (date(2026, 3, 2), date(2026, 3, 20), date(2026, 3, 2), 0, date(2026, 3, 20)),
    ],
)
def test_the_reply_window_runs_from_the_day_of_service(
    world, people, session, at, requested_on, recorded_on, served_on, left, due
):
    at(requested_on.year, requested_on.month, requested_on.day)
    m = request(world, accepted_case(world, rights=UTILITY_MODEL))
    at(recorded_on.year, recorded_on.month, recorded_on.day)
    services.transition(
        m, "serve_respondent", people["caseworker"], data={"served_on": served_on.isoformat(), "method": "email"}
    )
    clock = services.deadline_of(m)
    assert (clock.name, clock.amount, clock.unit) == (ClockName.REPLY, left, ClockUnit.CALENDAR_DAYS)
    assert china_day(clock.due_at) == due
    assert services.reply_due_on(m) == due
    assert clock.responsible_id == people["mediator"].id


@pytest.mark.parametrize("action", ["respondent_agrees", "respondent_refuses"])
def test_an_answer_after_the_window_is_recorded_late(world, people, session, at, action):
    """Served on 2 March (due 17 March); the answer arrived on the 19th and is recorded on the 20th:
    accepted, marked late, and the reply clock is met late."""
    m = served(world, people, at, UTILITY_MODEL, date(2026, 3, 2))
    reply = clock_of(m, ClockName.REPLY)
    assert china_day(reply.due_at) == date(2026, 3, 17)
    now = at(2026, 3, 20)
    comment = INPUTS[action][0][0]
    services.transition(m, action, people["caseworker"], comment=comment, data={"received_on": "2026-03-19"})
    assert m.reply_received_on == date(2026, 3, 19) and m.reply_is_late
    assert reply.met_at > reply.due_at and clock_state(reply, now) == "met_late"
    event = session.execute(
        select(CaseEvent).where(
            CaseEvent.subject_type == "mediation", CaseEvent.subject_id == m.id, CaseEvent.action == action
        )
    ).scalar_one()
    assert event.data == {"received_on": "2026-03-19", "late": True}
    if action == "respondent_agrees":  # the mediation opens all the same, its deadline from today
        assert china_day(clock_of(m, ClockName.MEDIATION).started_at) == date(2026, 3, 20)


def test_an_answer_within_the_window_is_not_late_whenever_it_is_recorded(world, people, session, at):
    m = served(world, people, at, UTILITY_MODEL, date(2026, 3, 2))
    at(2026, 3, 20)
    services.transition(m, "respondent_agrees", people["caseworker"], data={"received_on": "2026-03-17"})
    assert m.reply_received_on == date(2026, 3, 17) and not m.reply_is_late


# ---- suspension ---------------------------------------------------------------------------------------------


def test_a_suspension_pauses_the_deadline_and_resuming_moves_it_by_the_days_paused(world, people, session, at):
    """A design patent's mediation opened on 10 March is due on the 20th; suspended on the 13th (7 days
    left) and resumed on the 23rd, it is due 7 days later, on the 30th."""
    m = opened(world, people, at, DESIGN, date(2026, 3, 10))
    clock = services.deadline_of(m)
    assert china_day(clock.due_at) == date(2026, 3, 20)
    paused_at = at(2026, 3, 13)
    services.transition(m, "suspend", people["mediator"], **given("suspend"))
    session.flush()
    assert m.state is MediationState.SUSPENDED and services.deadline_of(m) is clock
    assert clock.paused_at is not None and clock.is_paused and clock_state(clock, china(2026, 3, 25)) == "paused"
    # A paused deadline is not the case's next due time (nor overdue, however long it waits).
    assert m.case.next_due_at == earliest_counting(m.case) and not clock.is_overdue(china(2026, 3, 22))
    assert clock not in counting(m.case)
    resumed_at = at(2026, 3, 23)
    services.transition(m, "resume", people["mediator"], **given("resume"))
    session.flush()
    assert m.state is MediationState.IN_MEDIATION and not clock.is_paused
    assert china_day(clock.due_at) == date(2026, 3, 30)
    assert [[china_day(datetime.fromisoformat(a)), china_day(datetime.fromisoformat(b))] for a, b in clock.pauses] == [
        [china_day(paused_at), china_day(resumed_at)]
    ]
    assert clock in counting(m.case) and m.case.next_due_at == earliest_counting(m.case)


def test_a_months_deadline_keeps_the_days_left_when_paused(world, people, session, at):
    """A utility model's mediation opened on 16 March is due on 16 April; suspended on 1 April (15 days
    left) and resumed on 20 April, it is due on 5 May, a Labour Day holiday: so on the 6th."""
    m = opened(world, people, at, UTILITY_MODEL, date(2026, 3, 16))
    at(2026, 4, 1)
    services.transition(m, "suspend", people["mediator"], **given("suspend"))
    at(2026, 4, 20)
    services.transition(m, "resume", people["supervisor"], **given("resume"))
    assert china_day(services.deadline_of(m).due_at) == date(2026, 5, 6)


def test_a_mediation_ended_while_suspended_counts_the_pause_as_not_late(world, people, session, at):
    """Ended without agreement on 25 March, after its first due day (the 20th) had passed while it was
    suspended since the 13th: the 7 days left then count from the 25th, so it ended on time."""
    m = opened(world, people, at, DESIGN, date(2026, 3, 10))
    clock = services.deadline_of(m)
    at(2026, 3, 13)
    services.transition(m, "suspend", people["mediator"], **given("suspend"))
    at(2026, 3, 25)
    services.transition(m, "record_failure", people["mediator"], **given("record_failure"))
    assert m.state is MediationState.FAILED
    assert china_day(clock.due_at) == date(2026, 4, 1) and clock.met_at <= clock.due_at
    assert clock_state(clock, china(2026, 4, 10)) == "met_on_time"


# ---- after an agreement --------------------------------------------------------------------------------------


def test_an_agreement_starts_30_days_for_judicial_confirmation_and_the_performance_clock(world, people, session, at):
    m = opened(world, people, at, UTILITY_MODEL, date(2026, 3, 10))
    deadline = services.deadline_of(m)
    at(2026, 3, 12)
    agree(m, people, perform_by=date(2026, 4, 10))
    assert deadline.met_at is not None and deadline.met_at <= deadline.due_at
    confirmation, performance = clock_of(m, ClockName.CONFIRMATION), clock_of(m, ClockName.PERFORMANCE)
    assert (confirmation.amount, confirmation.unit) == (30, ClockUnit.CALENDAR_DAYS)
    assert china_day(confirmation.due_at) == date(2026, 4, 11 + 2)  # 11 April is a Saturday: Monday the 13th
    assert (performance.amount, china_day(performance.due_at)) == (29, date(2026, 4, 10))
    # The nearest of the two is the mediation's deadline now.
    assert services.deadline_of(m) is performance
    assert {c.responsible_id for c in (confirmation, performance)} == {people["mediator"].id}
    # Recording the performance meets its clock; the confirmation's runs on until the court's ruling is recorded.
    at(2026, 4, 8)
    services.transition(m, "record_performance", people["caseworker"], data={})
    assert performance.met_at is not None and confirmation.is_running
    assert services.deadline_of(m) is confirmation
    at(2026, 4, 9)
    ruling = {"court": "某市中级人民法院", "confirmed_on": "2026-04-09", "ruling_number": "（2026）某01民特8号"}
    services.transition(m, "record_judicial_confirmation", people["caseworker"], data=ruling)
    assert confirmation.met_at is not None and services.deadline_of(m) is None


def test_the_performance_clock_is_due_on_the_day_agreed(world, people, session, at):
    """Agreed on 10 March to be performed on 10 March: due at the end of that day; on a day in April,
    at the end of that day."""
    for perform_by in (date(2026, 3, 10), date(2026, 4, 14)):
        m = opened(world, people, at, UTILITY_MODEL, date(2026, 3, 10))
        agree(m, people, perform_by=perform_by)
        performance = clock_of(m, ClockName.PERFORMANCE)
        assert performance.due_at == end_of_day(perform_by)


def test_a_non_performance_meets_the_performance_clock_late_or_not(world, people, session, at):
    m = opened(world, people, at, UTILITY_MODEL, date(2026, 3, 10))
    agree(m, people, perform_by=date(2026, 3, 20))
    now = at(2026, 3, 24)
    performance = clock_of(m, ClockName.PERFORMANCE)
    assert clock_state(performance, now) == "overdue"
    services.transition(m, "record_non_performance", people["caseworker"], **given("record_non_performance"))
    assert m.state is MediationState.UNPERFORMED and clock_state(performance, now) == "met_late"
    assert clock_of(m, ClockName.CONFIRMATION).is_running


# ---- the centre's settings -----------------------------------------------------------------------------------


def test_the_centres_settings_give_new_clocks_their_spans_and_leave_running_ones_alone(world, people, session, at):
    admin = world.users["admin"]
    design = opened(world, people, at, DESIGN, date(2026, 3, 10))  # 10 days
    utility = served(world, people, at, UTILITY_MODEL, date(2026, 3, 10))  # 15 days to answer
    running = {c.id: (c.amount, c.due_at) for c in (services.deadline_of(design), services.deadline_of(utility))}

    save_settings(
        admin,
        world.city,
        {
            "mediation_design_days": 5,
            "mediation_utility_model_months": 2,
            "mediation_reply_days": 10,
            "judicial_confirmation_days": 20,
        },
    )
    session.expire_all()
    for clock_id, (amount, due) in running.items():
        clock = session.get(CaseClock, clock_id)
        assert (clock.amount, clock.due_at) == (amount, due)

    at(2026, 3, 11)
    services.transition(utility, "respondent_agrees", people["caseworker"], data={})
    assert (services.deadline_of(utility).amount, china_day(services.deadline_of(utility).due_at)) == (
        2,
        date(2026, 5, 11),
    )
    new_design = opened(world, people, at, DESIGN, date(2026, 3, 11))
    assert china_day(clock_of(new_design, ClockName.REPLY).due_at) == date(2026, 3, 23)  # 10 days: the 21st, a Saturday
    assert (services.deadline_of(new_design).amount, china_day(services.deadline_of(new_design).due_at)) == (
        5,
        date(2026, 3, 16),
    )
    at(2026, 3, 12)
    agree(design, people, perform_by=date(2026, 4, 30))
    confirmation = clock_of(design, ClockName.CONFIRMATION)
    assert (confirmation.amount, china_day(confirmation.due_at)) == (20, date(2026, 4, 1))


def test_a_centre_inherits_the_deadlines_its_province_sets(world, people, session, at):
    save_settings(world.province_admin, world.province, {"mediation_design_days": 7})
    m = opened(world, people, at, DESIGN, date(2026, 3, 10))
    assert (services.deadline_of(m).amount, china_day(services.deadline_of(m).due_at)) == (7, date(2026, 3, 17))
