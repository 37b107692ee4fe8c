"""Every write about clocks and the entered calendar years.

The clocks an action starts, pauses, resumes, meets or stops are declared on the action
(``Action.clocks`` in the process's ``workflow.py``); the clocks' subscriber to the one door
(``app.clocks.subscribers``) carries them out with ``apply_ops``, so no path can forget a clock.
For a case:

=================  ==============================================================
submit             the response clock starts
acknowledge        the response clock is met; the handling clock starts
request_material   the handling clock pauses
provide_material   the handling clock resumes (its due time moves by the pause)
accept, decline    the handling clock is met; a feedback clock starts, met at once
                   when the enterprise follows its cases in the portal (the notice
                   is there), else when staff record ``inform_decision``
answer             every running clock is met (the answer is the feedback)
resolve            a feedback clock starts, met by ``inform_outcome``
withdraw, close    every running clock stops (counted neither on time nor late)
=================  ==============================================================
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select

from app.cases.models import Case
from app.centres.settings import setting_value
from app.clocks.models import (
    CLOCK_SETTINGS,
    CLOCK_UNITS,
    SPANS,
    CalendarDay,
    CalendarYear,
    CaseClock,
    ClockName,
    ClockSpan,
)
from app.core.workdays import CalendarUnknown, WorkingCalendar, compute_due_in
from app.extensions import db


def load_calendar() -> WorkingCalendar:
    """The official calendar with every year an administrator entered."""
    entered: dict[int, dict[date, bool]] = defaultdict(dict)
    for year in db.session.execute(select(CalendarYear.year)).scalars():
        entered[year] = {}
    for day in db.session.execute(select(CalendarDay)).scalars():
        entered[day.year][day.day] = day.is_working_day
    return WorkingCalendar(dict(entered))


def _clocks_key(case: Case) -> tuple:
    """Where ``kept`` holds the case's clocks (``clocks_of``)."""
    return ("case_clocks", case.id)


def clocks_of(case: Case) -> list[CaseClock]:
    """The case's clocks, oldest first, its tracks' (a referral's, a mediation's…) among them; read once
    for the session until anything is written (``kept``): the case page's panels each ask."""
    from app.core.db import kept

    def read():
        return list(
            db.session.execute(
                select(CaseClock).where(CaseClock.case_id == case.id).order_by(CaseClock.started_at, CaseClock.id)
            ).scalars()
        )

    return list(kept(_clocks_key(case), read))


def _pauses(clock: CaseClock) -> list[tuple[datetime, datetime]]:
    return [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in clock.pauses or ()]


def _set_due(clock: CaseClock, calendar: WorkingCalendar) -> None:
    try:
        due = compute_due_in(calendar, clock.started_at, clock.amount, clock.unit.value, _pauses(clock))
    except CalendarUnknown as exc:
        clock.due_at = clock.warn_at = None
        clock.unknown_year = exc.year
        return
    clock.due_at, clock.warn_at, clock.unknown_year = due.due_at, due.warn_at, None


def start(
    case: Case,
    name: ClockName,
    now: datetime,
    *,
    trigger: str = "",
    calendar=None,
    subject_type: str = "case",
    subject_id: int | None = None,
    span: ClockSpan | None = None,
) -> CaseClock:
    """Start a clock of a subject handled under ``case`` (the case itself by default) on the
    deadline the case's centre sets now (or ``span``, for a clock whose span its subject gives);
    it keeps that due time."""
    if span is None:
        span = ClockSpan(setting_value(case.centre, CLOCK_SETTINGS[name]), CLOCK_UNITS[name])
    clock = CaseClock(
        case_id=case.id,
        subject_type=subject_type,
        subject_id=subject_id if subject_id is not None else case.id,
        name=name,
        trigger=trigger or name.value,
        centre_id=case.centre_id,
        responsible_id=span.responsible_id or case.owner_id or case.first_responder_id,
        amount=span.amount,
        unit=span.unit,
        started_at=now,
        pauses=[],
    )
    _set_due(clock, calendar or load_calendar())
    db.session.add(clock)
    return clock


def start_free(
    name: ClockName,
    now: datetime,
    *,
    centre_id: int,
    subject_type: str,
    subject_id: int,
    span: ClockSpan,
    trigger: str = "",
    calendar=None,
) -> CaseClock:
    """Start a clock of a subject handled under no case (a visit's follow-up): ``case_id`` is None,
    and its warnings go where the subject's feature says (``app.clocks.scan.register_free``)."""
    clock = CaseClock(
        case_id=None,
        subject_type=subject_type,
        subject_id=subject_id,
        name=name,
        trigger=trigger or name.value,
        centre_id=centre_id,
        responsible_id=span.responsible_id,
        amount=span.amount,
        unit=span.unit,
        started_at=now,
        pauses=[],
    )
    _set_due(clock, calendar or load_calendar())
    db.session.add(clock)
    return clock


def end_free(subject_type: str, subject_ids, now: datetime, actor, *, met: bool = True) -> int:
    """Meet (or, ``met=False``, stop) the running clocks of subjects handled under no case; returns
    how many. Nothing is flushed (an action's effects call it)."""
    ids = list(subject_ids)
    if not ids:
        return 0
    with db.session.no_autoflush:
        running = list(
            db.session.execute(
                select(CaseClock).where(
                    CaseClock.case_id.is_(None),
                    CaseClock.subject_type == subject_type,
                    CaseClock.subject_id.in_(ids),
                    CaseClock.met_at.is_(None),
                    CaseClock.stopped_at.is_(None),
                )
            ).scalars()
        )
        calendar = load_calendar() if running else None
        for clock in running:
            if met:
                _meet(clock, now, actor, calendar)
            else:
                _resume(clock, now, calendar)
                clock.stopped_at = now
    return len(running)


def _resume(clock: CaseClock, now: datetime, calendar: WorkingCalendar) -> None:
    if clock.paused_at is None:
        return
    clock.pauses = [*(clock.pauses or []), [clock.paused_at.isoformat(), now.isoformat()]]
    clock.paused_at = None
    _set_due(clock, calendar)


def _meet(clock: CaseClock, now: datetime, actor, calendar: WorkingCalendar) -> None:
    _resume(clock, now, calendar)  # the time spent waiting never counts against the centre
    clock.met_at = now
    if clock.responsible_id is None and actor is not None and actor.is_staff:
        clock.responsible_id = actor.id


def apply_ops(
    case: Case, ops, actor, now: datetime, *, subject_type: str = "case", subject_id=None, subject=None
) -> None:
    """Carry out an action's clock operations (``Action.clocks``, in order) on the clocks of its
    subject (``subject_type``/``subject_id``; the case itself by default), then refresh the
    case's ``next_due_at`` over all its clocks. Called by the clocks' subscriber to the one door
    before the event is recorded: nothing here flushes, so the case row is written once. A clock
    whose span its subject gives (``SPANS``) reads ``subject`` (the case itself by default)."""
    with db.session.no_autoflush:
        _apply_ops(case, ops, actor, now, subject_type, case.id if subject_id is None else subject_id, subject or case)


def _apply_ops(case: Case, ops, actor, now: datetime, subject_type: str, subject_id: int, subject) -> None:
    every = clocks_of(case)
    clocks = [c for c in every if (c.subject_type or "case", c.subject_id or c.case_id) == (subject_type, subject_id)]
    calendar = None

    def cal():
        nonlocal calendar
        if calendar is None:
            calendar = load_calendar()
        return calendar

    def running(name=None, triggers=None):
        return [
            c
            for c in clocks
            if c.is_running
            and (name is None or c.name is ClockName(name))
            and (triggers is None or c.trigger in triggers)
        ]

    for op in ops:
        if op.op == "start":
            name = ClockName(op.clock)
            if op.once and any(c.name is name for c in clocks):
                continue
            span = None
            if name in SPANS:
                span = SPANS[name](case, subject, now)
                if span is None:  # this subject has no such deadline (a mediation of a trademark…)
                    continue
            clock = start(
                case,
                name,
                now,
                trigger=op.trigger or "",
                calendar=cal(),
                subject_type=subject_type,
                subject_id=subject_id,
                span=span,
            )
            clocks.append(clock)
            every.append(clock)
            if op.met_if is not None and op.met_if(case):
                _meet(clock, now, actor, cal())
        elif op.op == "meet":
            for clock in running(op.clock, op.triggers):
                _meet(clock, now, actor, cal())
        elif op.op == "pause":
            for clock in running(op.clock):
                clock.paused_at = now
        elif op.op == "resume":
            for clock in running(op.clock):
                _resume(clock, now, cal())
        elif op.op == "meet_all":
            for clock in running():
                _meet(clock, now, actor, cal())
        elif op.op == "stop_all":
            for clock in running():
                _resume(clock, now, cal())
                clock.stopped_at = now
        else:
            raise ValueError(f"unknown clock operation {op.op!r}")
    refresh_next_due(case, every)


def hand_over(subject_type: str, subject_id: int, user_id: int) -> None:
    """Whoever answers for a track now (a mediation's new mediator) answers for its running clocks:
    the scan warns them, "my work" lists them. Met and stopped clocks keep who answered for them.
    Nothing is flushed (an action's effects call it, before the door records the event)."""
    with db.session.no_autoflush:
        running = db.session.execute(
            select(CaseClock).where(
                CaseClock.subject_type == subject_type,
                CaseClock.subject_id == subject_id,
                CaseClock.met_at.is_(None),
                CaseClock.stopped_at.is_(None),
            )
        ).scalars()
        for clock in running:
            clock.responsible_id = user_id


def decision_feedback_open(case: Case) -> bool:
    """A decision of this case has not reached the applicant yet: its feedback clock runs.

    Told by the case's clocks when the page has read them already (``clocks_of``, kept until anything
    is written or locked); otherwise, as under a transition's row lock, asked of the database."""
    from app.cases.workflow import DECISIONS
    from app.core.db import already_kept

    clocks = already_kept(_clocks_key(case))
    if clocks is not None:
        return any(
            clock.name == ClockName.FEEDBACK
            and clock.trigger in DECISIONS
            and clock.met_at is None
            and clock.stopped_at is None
            for clock in clocks
        )
    return (
        db.session.execute(
            select(CaseClock.id).where(
                CaseClock.case_id == case.id,
                CaseClock.name == ClockName.FEEDBACK,
                CaseClock.trigger.in_(DECISIONS),
                CaseClock.met_at.is_(None),
                CaseClock.stopped_at.is_(None),
            )
        ).first()
        is not None
    )


def follows_in_portal(case: Case) -> bool:
    """The enterprise has an active applicant account: an issued notice reaches it at once."""
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    return (
        db.session.execute(
            select(EnterpriseMember.id).where(
                EnterpriseMember.enterprise_id == case.enterprise_id,
                EnterpriseMember.status == MembershipStatus.ACTIVE,
            )
        ).first()
        is not None
    )


def refresh_next_due(case: Case, clocks: list[CaseClock] | None = None) -> None:
    """Keep ``case.next_due_at``: the earliest due time of a running, unpaused clock."""
    if clocks is None:
        clocks = clocks_of(case)
    dues = [c.due_at for c in clocks if c.is_running and c.paused_at is None and c.due_at is not None]
    value = min(dues) if dues else None
    if case.next_due_at != value:
        case.next_due_at = value


def recompute_year(year: int) -> int:
    """Give a due time to every running clock that waited for ``year``'s calendar; returns how many."""
    calendar = load_calendar()
    clocks = list(
        db.session.execute(
            select(CaseClock).where(
                CaseClock.unknown_year == year, CaseClock.met_at.is_(None), CaseClock.stopped_at.is_(None)
            )
        ).scalars()
    )
    for clock in clocks:
        _set_due(clock, calendar)
    db.session.flush()
    for case_id in {c.case_id for c in clocks if c.case_id is not None}:
        case = db.session.get(Case, case_id)
        refresh_next_due(case)
    db.session.flush()
    return len(clocks)
