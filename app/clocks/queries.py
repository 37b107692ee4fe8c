"""Reads about clocks: the supervisor's escalation board, the on-time rates of a period, and the
due state of the cases a list shows. The board also lists the clocks handled under no case (a
visit's follow-up), scoped by the centre they run on and named by their feature (``app.clocks.free``).

Every read is scoped to the user's centre subtree: the board through the case's scope rule
(``visible``), the rates through the centre each clock ran on (``centre_subtree_ids``), so a
case transferred away keeps its earlier clocks with the centre that answered for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.cases.enums import OPEN_STATES, CaseState
from app.cases.models import Case
from app.cases.queries import china_day_start
from app.centres.models import Centre
from app.clocks.free import FreeSubject, describe
from app.clocks.models import QUICK_CLOCKS, CaseClock, ClockName, counting_clock
from app.core.scope import centre_subtree_ids, visible
from app.enterprises.models import Enterprise
from app.extensions import db

BOARD_LIMIT = 200  # rows on the escalation board; more than this and the page says so (the counts are whole)

OVERDUE, DUE_SOON = "overdue", "due_soon"
BOARD_STATES = (*OPEN_STATES, CaseState.DECLINED)


# ---- the escalation board ----------------------------------------------------------------------------


@dataclass
class BoardRow:
    clock: CaseClock
    case: Case | None  # None for a clock handled under no case (``subject`` names it)
    status: str  # OVERDUE or DUE_SOON
    late_by: timedelta | None  # how far past its due time (overdue rows)
    due_in: timedelta | None  # how long until it is due (due-soon rows)
    subject: FreeSubject | None = None


@dataclass
class Board:
    rows: list[BoardRow] = field(default_factory=list)
    truncated: bool = False
    # Of the whole subtree, not only of the rows shown.
    overdue_count: int = 0
    due_soon_count: int = 0

    @property
    def overdue(self) -> list[BoardRow]:
        return [r for r in self.rows if r.status == OVERDUE]

    @property
    def due_soon(self) -> list[BoardRow]:
        return [r for r in self.rows if r.status == DUE_SOON]


def escalation(user, now: datetime, limit: int = BOARD_LIMIT) -> Board:
    """Every running, unpaused clock of an open (or declined) case in ``user``'s subtree that is overdue
    (``now > due_at``) or due soon (``warn_at <= now <= due_at``), with its case, the case's
    enterprise, centre, owner and first responder and the clock's responsible person, in one
    statement. Ordered by due time: the most late first, then the due-soon ones, the soonest
    first. At most ``limit`` rows (``truncated`` says when there were more)."""
    if not getattr(user, "is_staff", False):
        return Board()
    on_board = (
        counting_clock(),
        or_(CaseClock.due_at < now, CaseClock.warn_at <= now),
        # Open cases, and declined ones: a decline's feedback clock runs until the applicant
        # is told, and a breach of it belongs on the board as much as any other.
        Case.state.in_(BOARD_STATES),
    )
    overdue_count, total = db.session.execute(
        visible(
            select(func.coalesce(func.sum(sql_case((CaseClock.due_at < now, 1), else_=0)), 0), func.count(CaseClock.id))
            .select_from(CaseClock)
            .join(Case, Case.id == CaseClock.case_id)
            .where(*on_board),
            user,
            Case,
        )
    ).one()
    stmt = (
        select(CaseClock, Case)
        .join(Case, Case.id == CaseClock.case_id)
        .where(*on_board)
        .options(
            joinedload(CaseClock.responsible).load_only(User.name),
            joinedload(Case.enterprise).load_only(Enterprise.name),
            joinedload(Case.centre).load_only(Centre.code, Centre.name_zh, Centre.name_en),
            joinedload(Case.owner).load_only(User.name),
            joinedload(Case.first_responder).load_only(User.name),
        )
        .order_by(CaseClock.due_at, CaseClock.id)
        .limit(limit + 1)
    )
    result = db.session.execute(visible(stmt, user, Case)).unique().all()
    # Clocks handled under no case (a visit's follow-up), scoped by the centre they run on.
    free_on_board = (
        CaseClock.case_id.is_(None),
        counting_clock(),
        or_(CaseClock.due_at < now, CaseClock.warn_at <= now),
        CaseClock.centre_id.in_(centre_subtree_ids(user)),
    )
    free_overdue, free_total = db.session.execute(
        select(func.coalesce(func.sum(sql_case((CaseClock.due_at < now, 1), else_=0)), 0), func.count(CaseClock.id))
        .select_from(CaseClock)
        .where(*free_on_board)
    ).one()
    free = []
    if free_total:
        free = list(
            db.session.execute(
                select(CaseClock)
                .where(*free_on_board)
                .options(joinedload(CaseClock.responsible).load_only(User.name))
                .order_by(CaseClock.due_at, CaseClock.id)
                .limit(limit + 1)
            ).scalars()
        )
    subjects = describe(free)
    merged = sorted(
        [*result, *((clock, None) for clock in free)], key=lambda pair: (pair[0].due_at, pair[1] is None, pair[0].id)
    )
    rows = []
    for clock, case_ in merged[:limit]:
        overdue = now > clock.due_at
        rows.append(
            BoardRow(
                clock=clock,
                case=case_,
                status=OVERDUE if overdue else DUE_SOON,
                late_by=now - clock.due_at if overdue else None,
                due_in=None if overdue else clock.due_at - now,
                subject=subjects.get(clock.id) if case_ is None else None,
            )
        )
    overdue_count, total = int(overdue_count) + int(free_overdue), int(total) + int(free_total)
    return Board(
        rows=rows,
        truncated=len(merged) > limit,
        overdue_count=overdue_count,
        due_soon_count=total - overdue_count,
    )


# ---- on-time rates -----------------------------------------------------------------------------------


@dataclass
class Rate:
    on_time: int = 0
    late: int = 0

    @property
    def total(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> float | None:
        """The share met on time, 0..1; None when nothing was due."""
        return self.on_time / self.total if self.total else None

    def add(self, on_time: int, late: int) -> None:
        self.on_time += on_time
        self.late += late


@dataclass
class RateRow:
    """One centre's or one person's figures, per quick clock and in all."""

    key: int | None
    label: str
    by_clock: dict[ClockName, Rate] = field(default_factory=lambda: {name: Rate() for name in QUICK_CLOCKS})
    total: Rate = field(default_factory=Rate)


@dataclass
class OnTimeRates:
    date_from: date
    date_to: date
    by_clock: dict[ClockName, Rate] = field(default_factory=lambda: {name: Rate() for name in QUICK_CLOCKS})
    total: Rate = field(default_factory=Rate)
    centres: list[RateRow] = field(default_factory=list)
    people: list[RateRow] = field(default_factory=list)
    people_left_out: int = 0  # people beyond PEOPLE_SHOWN, the least late


def _counted_clocks(user, date_from: date, date_to: date, now: datetime):
    """The clocks a period counts: the three quick clocks of a case (response, handling, feedback:
    ``QUICK_CLOCKS``; a mediation's deadlines are followed on its own pages), due from the start of
    ``date_from`` to the end of ``date_to`` (days in China), on a centre of the user's subtree, and
    decided: met (on time or late), or running past their due time. Stopped clocks (withdrawn,
    closed) count neither way; a clock not yet due, or paused while material is awaited, is not
    decided yet."""
    return (
        CaseClock.name.in_(QUICK_CLOCKS),
        CaseClock.centre_id.in_(centre_subtree_ids(user)),
        CaseClock.stopped_at.is_(None),
        CaseClock.due_at >= china_day_start(date_from),
        CaseClock.due_at < china_day_start(date_to + timedelta(days=1)),
        or_(CaseClock.met_at.is_not(None), and_(CaseClock.paused_at.is_(None), CaseClock.due_at < now)),
    )


def _grouped(key, user, date_from, date_to, now):
    """A subquery: per ``key`` and clock name, how many were counted and how many on time."""
    on_time = func.sum(sql_case((CaseClock.met_at <= CaseClock.due_at, 1), else_=0))
    return (
        select(
            key.label("key"),
            CaseClock.name.label("clock"),
            func.count(CaseClock.id).label("counted"),
            on_time.label("on_time"),
        )
        .where(*_counted_clocks(user, date_from, date_to, now))
        .group_by(key, CaseClock.name)
        .subquery()
    )


def period_rate(user, date_from: date, date_to: date, now: datetime) -> Rate:
    """On time and late over all the clocks ``on_time_rates`` counts for the period, in one
    statement (the home page's figure; the escalation board has the breakdown)."""
    if not getattr(user, "is_staff", False) or user.centre is None:
        return Rate()
    on_time = func.coalesce(func.sum(sql_case((CaseClock.met_at <= CaseClock.due_at, 1), else_=0)), 0)
    counted, met_on_time = db.session.execute(
        select(func.count(CaseClock.id), on_time).where(*_counted_clocks(user, date_from, date_to, now))
    ).one()
    return Rate(on_time=int(met_on_time), late=int(counted) - int(met_on_time))


PEOPLE_SHOWN = 100  # the per-person table of a wide scope shows the most late first, up to this many


def on_time_rates(user, date_from: date, date_to: date, now: datetime) -> OnTimeRates:
    """On time (met by the due time) and late (met after it, or still running past it) for the
    clocks due in the period, per clock, per centre and per person (the clock's responsible
    person when it started, or whoever met it): two GROUP BY statements, whatever the number of
    clocks. The per-clock and overall figures are the sums of the centres' groups.

    "Per centre" is the viewer's own centre and each centre just below it with its whole
    subtree, so a national supervisor reads 31 provinces rather than 500 centres, and a city
    supervisor each of its county centres and workstations."""
    rates = OnTimeRates(date_from=date_from, date_to=date_to)
    if not getattr(user, "is_staff", False) or user.centre is None:
        return rates

    # "+ 0": grouped by the bare column, SQLite walks the centre index through every clock to
    # avoid a sort (150 ms at 300,000 clocks) instead of reading the period's range of due times.
    by_centre = _grouped(CaseClock.centre_id + 0, user, date_from, date_to, now)
    grouped = db.session.execute(
        select(by_centre.c.key, by_centre.c.clock, by_centre.c.counted, by_centre.c.on_time)
    ).all()
    paths = dict(
        db.session.execute(select(Centre.id, Centre.path).where(Centre.id.in_({r.key for r in grouped}))).all()
    )
    own = user.centre
    depth = len(own.ancestor_ids)

    def row_centre(centre_id: int) -> int:
        """The viewer's centre itself, or the centre just below it whose subtree holds ``centre_id``."""
        ids = [int(part) for part in paths[centre_id].strip("/").split("/") if part]
        return ids[depth] if len(ids) > depth else own.id

    rolled: dict[int, RateRow] = {}
    for key, clock, counted, on_time in grouped:
        row = rolled.setdefault(row_centre(key), RateRow(key=row_centre(key), label=""))
        on_time, late = int(on_time or 0), int(counted) - int(on_time or 0)
        row.by_clock[ClockName(clock)].add(on_time, late)
        row.total.add(on_time, late)
        rates.by_clock[ClockName(clock)].add(on_time, late)
        rates.total.add(on_time, late)
    for centre in db.session.execute(select(Centre).where(Centre.id.in_(list(rolled))).order_by(Centre.path)).scalars():
        rolled[centre.id].label = f"{centre.name}（{centre.code}）"
        rates.centres.append(rolled[centre.id])

    by_person = _grouped(CaseClock.responsible_id, user, date_from, date_to, now)
    people: dict[int | None, RateRow] = {}
    for user_id, name, clock, counted, on_time in db.session.execute(
        select(by_person.c.key, User.name, by_person.c.clock, by_person.c.counted, by_person.c.on_time)
        .outerjoin(User, User.id == by_person.c.key)
        .order_by(User.name, by_person.c.key)
    ):
        row = people.setdefault(user_id, RateRow(key=user_id, label=name or ""))
        on_time, late = int(on_time or 0), int(counted) - int(on_time or 0)
        row.by_clock[ClockName(clock)].add(on_time, late)
        row.total.add(on_time, late)
    # Most late first: who needs help is at the top.
    ranked = sorted(people.values(), key=lambda r: (-r.total.late, r.label, r.key or 0))
    rates.people = ranked[:PEOPLE_SHOWN]
    rates.people_left_out = max(0, len(ranked) - PEOPLE_SHOWN)
    return rates


# ---- due state of listed cases -----------------------------------------------------------------------


def due_states(cases, now: datetime) -> dict[int, str]:
    """For each of ``cases`` whose earliest running deadline (``next_due_at``, kept by the one door)
    is past: OVERDUE; within today in China: DUE_SOON. No statement: the case row holds it."""
    from app.clocks.display import due_soon_until

    soon = due_soon_until(now)
    states: dict[int, str] = {}
    for case_ in cases:
        due = case_.next_due_at
        if due is not None and due < now:
            states[case_.id] = OVERDUE
        elif due is not None and due <= soon:
            states[case_.id] = DUE_SOON
    return states
