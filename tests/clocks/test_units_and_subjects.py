"""Clocks in any unit, on any workflow's subject.

Mediation deadlines run in calendar days and months, referral chases in days: the arithmetic
follows the Civil Code's rules on periods (the first day not counted, the corresponding day
of the month or its last day, a last day on a holiday moved to the next working day), and a
pause keeps what was left. A clock of a track handled under a case (a mediation, say) is
escalated by the same scan, in its case's chain, to whoever answers for it as well.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.cases.models import CaseEvent
from app.clocks import services as clock_services
from app.clocks.models import CaseClock, ClockName, ClockUnit
from app.clocks.scan import scan
from app.core.workdays import CALENDAR_DAYS, CHINA, MONTHS, WORKING_DAYS, WorkingCalendar, add_months, compute_due_in
from app.notifications.models import Notification

CAL = WorkingCalendar()


def china(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CHINA).astimezone(UTC)


def due_day(due) -> date:
    return due.due_at.astimezone(CHINA).date()


@pytest.mark.parametrize(
    "start, amount, unit, expected",
    [
        # 15 days from 10 March 2026 (a Tuesday): the 25th, a Wednesday.
        (china(2026, 3, 10), 15, CALENDAR_DAYS, date(2026, 3, 25)),
        # 15 days from 16 September reach 1 October, National Day: the period ends on the first working day after.
        (china(2026, 9, 16), 15, CALENDAR_DAYS, date(2026, 10, 8)),
        # 10 days ending on a Sunday move to Monday.
        (china(2026, 3, 5), 10, CALENDAR_DAYS, date(2026, 3, 16)),
        # A month from 31 January ends on the last day of February (a make-up working Saturday in 2026).
        (china(2026, 1, 31), 1, MONTHS, date(2026, 2, 28)),
        (china(2026, 3, 16), 1, MONTHS, date(2026, 4, 16)),
        (china(2026, 5, 30), 3, MONTHS, date(2026, 8, 31)),  # 30 August 2026 is a Sunday
        (china(2026, 3, 6), 1, WORKING_DAYS, date(2026, 3, 9)),
    ],
)
def test_periods_in_each_unit(start, amount, unit, expected):
    assert due_day(compute_due_in(CAL, start, amount, unit)) == expected


def test_a_pause_keeps_the_days_that_were_left():
    # 15 days from 10 March: due the 25th. Paused on the 20th (5 days left), resumed on 1 April: due the 6th
    # (Qingming, 4-6 April 2026, are holidays), so the 7th.
    due = compute_due_in(CAL, china(2026, 3, 10), 15, CALENDAR_DAYS, [(china(2026, 3, 20), china(2026, 4, 1))])
    assert due_day(due) == date(2026, 4, 7)


def test_month_arithmetic_and_bounds():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 12, 15), 2) == date(2027, 2, 15)
    with pytest.raises(ValueError):
        compute_due_in(CAL, china(2026, 3, 10), 25, MONTHS)
    with pytest.raises(ValueError):
        compute_due_in(CAL, china(2026, 3, 10), -1, CALENDAR_DAYS)
    with pytest.raises(ValueError):
        compute_due_in(CAL, china(2026, 3, 10), 1, "fortnights")


def test_a_clock_counts_in_its_own_unit(world, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    clock = CaseClock(
        case_id=case.id,
        subject_type="case",
        subject_id=case.id,
        name=ClockName.HANDLING,
        trigger="test",
        centre_id=case.centre_id,
        amount=1,
        unit=ClockUnit.MONTHS,
        started_at=china(2026, 1, 31),
        pauses=[],
    )
    clock_services._set_due(clock, CAL)
    assert clock.due_at.astimezone(CHINA).date() == date(2026, 2, 28)
    assert clock.working_days is None  # the API's working_days is only for a working-day clock
    clock.working_days = 3
    assert (clock.amount, clock.unit) == (3, ClockUnit.WORKING_DAYS)


def test_a_track_clock_is_escalated_in_its_case_chain_to_whoever_answers_for_it(
    app, world, make_case, make_user, session
):
    """A clock of another workflow's subject (a mediation of the case, say) breaches like the case's own."""
    worker = world.users["caseworker"]
    mediator = make_user(Role.MEDIATOR, centre=world.city, email="track-mediator@city.cn")
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=worker)
    started = china(2026, 3, 2)
    track = clock_services.start(
        case, ClockName.HANDLING, started, trigger="answer", subject_type="mediation", subject_id=4242
    )
    track.responsible_id = mediator.id
    session.commit()
    assert (track.subject_type, track.subject_id, track.case_id) == ("mediation", 4242, case.id)
    with app.app_context():
        result = scan(track.due_at + timedelta(hours=1))
    assert result.breached >= 1
    session.expire_all()
    event = session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "clock_breached")
    ).scalar_one()
    assert event.data["subject"] == {"type": "mediation", "id": 4242}
    people = set(
        session.execute(
            select(Notification.user_id).where(Notification.case_id == case.id, Notification.kind == "clock_breached")
        ).scalars()
    )
    assert mediator.id in people and worker.id in people
    assert app.test_cli_runner().invoke(args=["audit-verify"]).exit_code == 0


def test_an_action_runs_the_clocks_of_its_own_subject(world, make_case, session):
    """``apply_ops`` for a track touches the track's clocks, never the case's own."""
    from app.core.workflow import meet, start

    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=worker)
    now = china(2026, 3, 2)
    before = {c.id: (c.met_at, c.stopped_at) for c in clock_services.clocks_of(case)}
    clock_services.apply_ops(
        case, (start("handling", trigger="answer"),), worker, now, subject_type="mediation", subject_id=7
    )
    session.flush()  # the door flushes after each action
    clock_services.apply_ops(case, (meet("handling"),), worker, now, subject_type="mediation", subject_id=7)
    session.flush()
    clocks = clock_services.clocks_of(case)
    track = [c for c in clocks if c.subject_type == "mediation"]
    assert len(track) == 1 and track[0].met_at == now
    assert {c.id: (c.met_at, c.stopped_at) for c in clocks if c.subject_type == "case"} == before
