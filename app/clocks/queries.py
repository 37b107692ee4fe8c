"""Reads about clocks: the supervisor's escalation board, the on-time rates of a period, and the
due state of the cases a list shows. The board also lists the clocks handled under no case (a
visit's follow-up), scoped by the centre they run on and named by their feature (``app.clocks.free``).

Every read is scoped to the user's centre subtree: the board through the case's scope rule
(``visible``), the rates through the centre each clock ran on (``centre_subtree_ids``), so a
case transferred away keeps its earlier clocks with the centre that answered for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, func, literal, literal_column, or_, select, union_all
from sqlalchemy import case as sql_case
from sqlalchemy.orm import load_only
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.models import User
from app.cases.models import Case, in_board_states
from app.cases.queries import china_day_start, list_row_loads
from app.centres.models import Centre
from app.clocks.free import FreeSubject, describe
from app.clocks.models import QUICK_CLOCKS, CaseClock, ClockName, counting_clock
from app.core import recent
from app.core.db import among
from app.core.scope import centre_subtree_ids, visible
from app.extensions import db

BOARD_LIMIT = 50  # rows on one page of the escalation board; the next page continues after the last (keyset)

OVERDUE, DUE_SOON = "overdue", "due_soon"
# The longest a clock is due soon before it is due: from the start of its due day to its end (a day),
# with room to spare.
WARN_LEAD = timedelta(days=2)


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
class BoardCentre:
    """One line of the board's summary: the viewer's own centre, or a centre just below it with its
    whole subtree."""

    centre: CentreLine
    overdue: int = 0
    due_soon: int = 0


@dataclass
class Board:
    rows: list[BoardRow] = field(default_factory=list)
    truncated: bool = False  # more rows follow this page (``next_after`` is where they start)
    # Of the whole subtree (or of the centre chosen), not only of the rows shown.
    overdue_count: int = 0
    due_soon_count: int = 0
    centres: list[BoardCentre] = field(default_factory=list)
    next_after: str | None = None
    counted_at: datetime | None = None  # when the counts were counted (a minute ago at most)

    @property
    def overdue(self) -> list[BoardRow]:
        return [r for r in self.rows if r.status == OVERDUE]

    @property
    def due_soon(self) -> list[BoardRow]:
        return [r for r in self.rows if r.status == DUE_SOON]


def near_or_past(now: datetime) -> tuple:
    """SQL: overdue, or due soon (``warn_at <= now``). A clock is due soon from the start of its due day
    (``app.core.workdays.Due``), so never more than ``WARN_LEAD`` before its due time: the bound on
    ``due_at`` lets both databases read the running clocks' due-time index for a range instead of
    every clock."""
    return (CaseClock.due_at < now + WARN_LEAD, or_(CaseClock.due_at < now, CaseClock.warn_at <= now))


def board_cursor(clock: CaseClock) -> str:
    """Where the next page of the board starts: after this clock (its due time and id)."""
    return f"{clock.due_at.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%f')}~{clock.id}"


def parse_board_cursor(value: str | None) -> tuple[datetime, int] | None:
    """``board_cursor``'s value back, or None for anything else (the first page is shown)."""
    if not value or len(value) > 60 or "~" not in value:
        return None
    moment, _, clock_id = value.partition("~")
    try:
        due_at = datetime.strptime(moment, "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
        number = int(clock_id)
    except ValueError:
        return None
    return (due_at, number) if 0 < number < 2**63 else None


def escalation(user, now: datetime, limit: int | None = None, after: str | None = None, centre=None) -> Board:
    """Every running, unpaused clock of an open (or declined) case in ``user``'s subtree (or in the
    subtree of ``centre``, one of the user's) that is overdue (``now > due_at``) or due soon
    (``warn_at <= now <= due_at``), with its case, the case's enterprise, centre, owner and first
    responder and the clock's responsible person, in one statement. Ordered by due time: the most
    late first, then the due-soon ones, the soonest first; a page of at most ``limit`` rows, after
    the ``after`` cursor (``truncated`` and ``next_after`` say where more follow). The counts are
    whole, with a line per centre just below the viewer's (``centres``)."""
    if not getattr(user, "is_staff", False) or user.centre is None:
        return Board()
    limit = limit or BOARD_LIMIT
    top = centre if centre is not None else user.centre
    in_subtree = select(Centre.id).where(Centre.path.startswith(top.path, autoescape=True))
    on_board = (
        counting_clock(),
        *near_or_past(now),
        # Open cases, and declined ones: a decline's feedback clock runs until the applicant
        # is told, and a breach of it belongs on the board as much as any other. As the partial index
        # ``ix_cases_board`` has it, so both databases read the cases from that index.
        in_board_states(),
    )
    narrowed = (Case.centre_id.in_(in_subtree),) if centre is not None else ()
    late = func.coalesce(func.sum(sql_case((CaseClock.due_at < now, 1), else_=0)), 0)
    under_cases = visible(
        select(Case.centre_id, late.label("late"), func.count().label("n"), literal(True).label("cased"))
        .select_from(CaseClock)
        .join(Case, Case.id == CaseClock.case_id)
        .where(*on_board, *narrowed)
        .group_by(Case.centre_id),
        user,
        Case,
    )
    # Clocks handled under no case (a visit's follow-up), scoped by the centre they run on.
    free_on_board = (
        CaseClock.case_id.is_(None),
        counting_clock(),
        *near_or_past(now),
        CaseClock.centre_id.in_(in_subtree),
    )
    under_none = (
        select(CaseClock.centre_id, late, func.count(), literal(False))
        .where(*free_on_board)
        .group_by(CaseClock.centre_id)
    )

    def count():
        # Both counts in one statement: (centre, overdue, on the board, under a case or not).
        return [tuple(row) for row in db.session.execute(union_all(under_cases, under_none))], now

    # The counts read every clock on the board in the subtree (the country's, for its supervisors), so
    # they may be a minute old (``app.core.recent``; the page says so); the rows are read as of now.
    counted, counted_at = recent.remembered(("board_counts", user.id, top.id), count)
    fresh = counted_at >= now
    has_cases = any(row[3] for row in counted) or not fresh
    has_free = any(not row[3] for row in counted) or not fresh
    counted = [row[:3] for row in counted]
    board = Board(counted_at=counted_at)
    board.centres = _summary(top, counted)
    board.overdue_count = sum(line.overdue for line in board.centres)
    board.due_soon_count = sum(line.due_soon for line in board.centres)
    if not counted and fresh:
        return board

    cursor = parse_board_cursor(after)
    page = ()
    if cursor is not None:
        due_at, clock_id = cursor
        page = (or_(CaseClock.due_at > due_at, and_(CaseClock.due_at == due_at, CaseClock.id > clock_id)),)
    stmt = (
        select(CaseClock, Case)
        .join(Case, Case.id == CaseClock.case_id)
        .where(*on_board, *narrowed, *page)
        .options(
            *list_row_loads(),  # what a row shows of its case, as the case list (no long texts)
        )
        .order_by(CaseClock.due_at, CaseClock.id)
        .limit(limit + 1)
    )
    result = db.session.execute(visible(stmt, user, Case)).unique().all() if has_cases else []
    free = []
    if has_free:
        free = list(
            db.session.execute(
                select(CaseClock).where(*free_on_board, *page).order_by(CaseClock.due_at, CaseClock.id).limit(limit + 1)
            ).scalars()
        )
    attach_names([clock for clock, _ in result] + free, [case_ for _, case_ in result])
    subjects = describe(free)
    merged = sorted([*result, *((clock, None) for clock in free)], key=lambda pair: (pair[0].due_at, pair[0].id))
    for clock, case_ in merged[:limit]:
        overdue = now > clock.due_at
        board.rows.append(
            BoardRow(
                clock=clock,
                case=case_,
                status=OVERDUE if overdue else DUE_SOON,
                late_by=now - clock.due_at if overdue else None,
                due_in=None if overdue else clock.due_at - now,
                subject=subjects.get(clock.id) if case_ is None else None,
            )
        )
    board.truncated = len(merged) > limit
    board.next_after = board_cursor(board.rows[-1].clock) if board.truncated else None
    return board


def attach_names(clocks: list[CaseClock], cases: list[Case]) -> None:
    """Give clocks their responsible person and cases their owner and first responder (names and
    e-mail addresses: what the pages and the API show of them), read in one statement by id (the
    board, my work). Joined into the page's statement (three more
    joins of ``users``) they made a join that PostgreSQL spent about 16 ms planning, every time, to
    read 51 rows."""
    user_ids = {clock.responsible_id for clock in clocks}
    user_ids |= {case_.owner_id for case_ in cases} | {case_.first_responder_id for case_ in cases}
    user_ids.discard(None)
    people = {}
    if user_ids:
        people = {
            person.id: person
            for person in db.session.execute(
                select(User).options(load_only(User.name, User.email)).where(among(User.id, user_ids))
            ).scalars()
        }
    for clock in clocks:
        set_committed_value(clock, "responsible", people.get(clock.responsible_id))
    for case_ in cases:
        set_committed_value(case_, "owner", people.get(case_.owner_id))
        set_committed_value(case_, "first_responder", people.get(case_.first_responder_id))


def _summary(top: Centre, counted) -> list[BoardCentre]:
    """The counts of ``(centre id, overdue, on board)`` rolled up to ``top`` itself and each centre
    just below it (with its subtree), in the centres' order; lines with nothing left out."""
    if not counted:
        return []
    paths, lines = _roll_up_centres(top, {centre_id for centre_id, *_ in counted})
    depth = len(top.ancestor_ids)
    rolled: dict[int, list[int]] = {}
    for centre_id, overdue, total in counted:
        parts = [int(part) for part in paths[centre_id].strip("/").split("/") if part]
        key = parts[depth] if len(parts) > depth else top.id
        figures = rolled.setdefault(key, [0, 0])
        figures[0] += int(overdue)
        figures[1] += int(total) - int(overdue)
    return [BoardCentre(centre=c, overdue=rolled[c.id][0], due_soon=rolled[c.id][1]) for c in lines if c.id in rolled]


@dataclass
class CentreLine:
    """A centre as a line of the board's summary or of the rates names it (read without its model)."""

    id: int
    parent_id: int | None
    code: str
    name_zh: str
    name_en: str

    name = property(Centre.name.fget)


def _roll_up_centres(top: Centre, ids: set[int]) -> tuple[dict[int, str], list[CentreLine]]:
    """The paths of the centres of ``top``'s subtree (``ids`` among them), and ``top`` with the centres
    just below it (the lines figures are rolled up to), in the tree's order: one light statement per
    request (the whole country is 500 rows of six columns)."""
    from flask import g, has_app_context

    cache = g.setdefault("centre_subtrees", {}) if has_app_context() else {}
    if top.id not in cache:  # the board and the rates of one page share it
        cache[top.id] = db.session.execute(
            select(Centre.id, Centre.path, Centre.parent_id, Centre.code, Centre.name_zh, Centre.name_en)
            .where(Centre.path.startswith(top.path, autoescape=True))
            .order_by(Centre.path)
        ).all()
    found = cache[top.id]
    paths, lines = {}, []
    for row in found:
        paths[row.id] = row.path
        if row.id == top.id or row.parent_id == top.id:
            lines.append(CentreLine(row.id, row.parent_id, row.code, row.name_zh, row.name_en))
    return paths, lines


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

    @property
    def cells(self) -> list[Rate]:
        """The row's figures as its table shows them: each quick clock's, then all of them."""
        return [*(self.by_clock[name] for name in QUICK_CLOCKS), self.total]


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


# The per-person table of a wide scope shows the most late first, up to this many (the rest are counted
# below it): a national scope has thousands of people, and a table of a hundred is not read to its end.
PEOPLE_SHOWN = 30


def on_time_rates(user, date_from: date, date_to: date, now: datetime) -> OnTimeRates:
    """On time (met by the due time) and late (met after it, or still running past it) for the
    clocks due in the period, per clock, per centre and per person (the clock's responsible
    person when it started, or whoever met it): one GROUP BY statement over the clocks (by centre,
    person and clock, read from the covering index of due times), whatever their number, rolled up
    here. The per-clock and overall figures are the sums of the centres' groups.

    "Per centre" is the viewer's own centre and each centre just below it with its whole
    subtree, so a national supervisor reads 31 provinces rather than 500 centres, and a city
    supervisor each of its county centres and workstations."""
    rates = OnTimeRates(date_from=date_from, date_to=date_to)
    if not getattr(user, "is_staff", False) or user.centre is None:
        return rates

    counted_clocks = _counted_clocks(user, date_from, date_to, now)
    on_time = func.coalesce(func.sum(sql_case((CaseClock.met_at <= CaseClock.due_at, 1), else_=0)), 0)
    # "+ 0": grouped by the bare column, SQLite would walk the centre index through every clock to
    # avoid a sort instead of reading the period's range of due times.
    centre_key = CaseClock.centre_id + literal_column("0")
    by_centre = db.session.execute(
        select(centre_key, CaseClock.name, func.count(), on_time)
        .where(*counted_clocks)
        .group_by(centre_key, CaseClock.name)
    ).all()
    own = user.centre
    paths, lines = _roll_up_centres(own, {r[0] for r in by_centre})
    depth = len(own.ancestor_ids)

    line_of: dict[int, int] = {}

    def row_centre(centre_id: int) -> int:
        """The viewer's centre itself, or the centre just below it whose subtree holds ``centre_id``."""
        if centre_id not in line_of:
            ids = [int(part) for part in paths[centre_id].strip("/").split("/") if part]
            line_of[centre_id] = ids[depth] if len(ids) > depth else own.id
        return line_of[centre_id]

    rolled: dict[int, RateRow] = {}
    names = {name.value: name for name in QUICK_CLOCKS}
    for centre_id, clock, counted, met_on_time in by_centre:
        key = row_centre(centre_id)
        row = rolled.get(key)
        if row is None:
            row = rolled[key] = RateRow(key=key, label="")
        on_time_n, late = int(met_on_time), int(counted) - int(met_on_time)
        name = names.get(clock) or ClockName(clock)
        row.by_clock[name].add(on_time_n, late)
        row.total.add(on_time_n, late)
        rates.by_clock[name].add(on_time_n, late)
        rates.total.add(on_time_n, late)
    for centre in lines:
        if centre.id in rolled:
            rolled[centre.id].label = f"{centre.name}（{centre.code}）"
            rates.centres.append(rolled[centre.id])

    # Per person, the most late first (who needs help is at the top): the people shown are ranked in
    # the database, so a national scope reads the breakdown of PEOPLE_SHOWN people, not of everyone.
    late_count = func.count() - on_time
    top = db.session.execute(
        select(CaseClock.responsible_id, func.count().over())
        .where(*counted_clocks)
        .group_by(CaseClock.responsible_id)
        .order_by(late_count.desc(), CaseClock.responsible_id)
        .limit(PEOPLE_SHOWN)
    ).all()
    people: dict[int | None, RateRow] = {}
    shown = [person for person, _ in top]
    if shown:
        person = CaseClock.responsible_id.in_([p for p in shown if p is not None])
        if None in shown:
            person = or_(person, CaseClock.responsible_id.is_(None))
        for user_id, name, clock, counted, met_on_time in db.session.execute(
            select(CaseClock.responsible_id, User.name, CaseClock.name, func.count(), on_time)
            .outerjoin(User, User.id == CaseClock.responsible_id)
            .where(*counted_clocks, person)
            .group_by(CaseClock.responsible_id, User.name, CaseClock.name)
        ):
            row = people.setdefault(user_id, RateRow(key=user_id, label=name or ""))
            on_time_n, late = int(met_on_time), int(counted) - int(met_on_time)
            row.by_clock[ClockName(clock)].add(on_time_n, late)
            row.total.add(on_time_n, late)
    everyone = int(top[0][1]) if top else 0
    rates.people = sorted(people.values(), key=lambda r: (-r.total.late, r.label, r.key or 0))
    rates.people_left_out = max(0, everyone - len(rates.people))
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
