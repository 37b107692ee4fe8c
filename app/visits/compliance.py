"""The monthly visits minimum (每月至少开展一次上门服务): the compliance grid and the month-end breach.

A centre owes ``visits_per_month`` (a centre setting, inherited, default 1) visits done in each
calendar month (China time) that began after it was created; a visit counts in the month of its
``visited_on`` once it is done (or closed). The grid reads the centres of the viewer's subtree,
the settings and the counts in three statements whatever the number of centres and months.

Month-end: every sla-scan (``app.clocks.scan`` hook) looks at the month before the current one;
the first scan after midnight (Beijing) of the 1st records one ``VisitBreach`` per centre short of
its minimum and notifies the centre's supervisors. The unique key (centre, month) and a savepoint
per row make it exactly once however many scans run at the same time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import extract, func, select
from sqlalchemy.exc import IntegrityError

from app.centres.models import Centre, CentreSetting
from app.centres.settings import SETTINGS_BY_KEY
from app.core.db import utcnow
from app.core.scope import centre_subtree_ids
from app.core.workdays import china_day
from app.extensions import db
from app.visits.enums import COUNTED_STATES
from app.visits.models import Visit, VisitBreach

SETTING = "visits_per_month"
MET, SHORT, IN_PROGRESS, FUTURE, NOT_REQUIRED = "met", "short", "in_progress", "future", "not_required"


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def months_of_year(year: int) -> list[date]:
    return [date(year, m, 1) for m in range(1, 13)]


@dataclass(frozen=True)
class Cell:
    month: date
    visits: int
    required: int
    status: str  # MET, SHORT (a month over without its visits), IN_PROGRESS, FUTURE, NOT_REQUIRED

    @property
    def met(self) -> bool:
        return self.visits >= self.required

    @property
    def is_short(self) -> bool:
        return self.status == SHORT


@dataclass
class Row:
    centre: Centre
    depth: int
    cells: list[Cell] = field(default_factory=list)

    @property
    def short_months(self) -> int:
        return sum(1 for c in self.cells if c.is_short)


@dataclass
class Grid:
    months: list[date]
    rows: list[Row] = field(default_factory=list)
    # Paged (the pages): where the next page of centres starts (the last row's place in the tree).
    next_after: str | None = None

    def as_list(self) -> list[dict]:
        """The API's form: per centre and month ``{centre, month, visits, required, met}``."""
        return [
            {
                "centre": row.centre.code,
                "month": cell.month.strftime("%Y-%m"),
                "visits": cell.visits,
                "required": cell.required,
                "met": cell.met,
            }
            for row in self.rows
            for cell in row.cells
        ]


def required_by_centre(centres) -> dict[int, int]:
    """{centre id: visits required a month}, each centre's setting resolved through its ancestors
    (one statement for every centre)."""
    own = dict(
        db.session.execute(
            select(CentreSetting.centre_id, CentreSetting.value).where(CentreSetting.key == SETTING)
        ).all()
    )
    default = SETTINGS_BY_KEY[SETTING].default
    out = {}
    for centre in centres:
        value = default
        for ancestor in reversed(centre.ancestor_ids or [centre.id]):
            if ancestor in own:
                value = own[ancestor]
                break
        out[centre.id] = value
    return out


def _counts(centre_ids, first: date, after: date) -> dict[tuple[int, date], int]:
    """{(centre id, month): visits done} for the months from ``first`` up to ``after`` (excluded);
    ``centre_ids`` a list or a subquery. One statement."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite keeps a date as 'YYYY-MM-DD': its first seven characters are the month, read at a
        # fraction of the cost of two strftime() calls a row (the grid of the whole country counts
        # every visit of the year).
        keys = (func.substr(Visit.visited_on, 1, 4), func.substr(Visit.visited_on, 6, 2))
    else:
        keys = (extract("year", Visit.visited_on), extract("month", Visit.visited_on))
    stmt = (
        select(Visit.centre_id, *keys, func.count(Visit.id))
        .where(
            Visit.state.in_(COUNTED_STATES),
            Visit.visited_on >= first,
            Visit.visited_on < after,
        )
        .group_by(Visit.centre_id, *keys)
    )
    if centre_ids is not None:
        stmt = stmt.where(Visit.centre_id.in_(centre_ids))
    return {(cid, date(int(y), int(m), 1)): n for cid, y, m, n in db.session.execute(stmt).all()}


def owes(centre: Centre, month: date) -> bool:
    """Whether the centre owes visits in ``month``: active, and created before the month began."""
    return centre.is_active and china_day(centre.created_at) <= month


def _status(visits: int, required: int, month: date, this_month: date, owed: bool) -> str:
    if not owed or required <= 0:
        return NOT_REQUIRED
    if visits >= required:
        return MET
    if month > this_month:
        return FUTURE
    if month == this_month:
        return IN_PROGRESS
    return SHORT


def compliance(
    user,
    months: list[date],
    now: datetime | None = None,
    *,
    after: str | None = None,
    limit: int | None = None,
    short_only: bool = False,
) -> Grid:
    """The grid of the centres of ``user``'s subtree (active ones, in tree order) × ``months``: each
    cell the visits done against the centre's minimum and its status. Three statements.

    A page (``limit`` centres after the place ``after`` in the tree) counts the visits of its own
    centres only, so a national view costs what one page shows. ``short_only``: the centres that
    ended a month of ``months`` short (the breaches the month-end scan recorded)."""
    months = sorted({month_start(m) for m in months})
    grid = Grid(months)
    if not getattr(user, "is_staff", False) or user.centre is None or not months:
        return grid
    this_month = month_start(china_day(now or utcnow()))
    stmt = (
        select(Centre)
        .where(Centre.path.startswith(user.centre.path, autoescape=True), Centre.is_active.is_(True))
        .order_by(Centre.path)
    )
    if after:
        stmt = stmt.where(Centre.path > after)
    if short_only:
        missed = select(VisitBreach.centre_id).where(VisitBreach.month >= months[0], VisitBreach.month <= months[-1])
        stmt = stmt.where(Centre.id.in_(missed))
    if limit is not None:
        stmt = stmt.limit(limit + 1)
    centres = list(db.session.execute(stmt).scalars())
    if limit is not None and len(centres) > limit:
        centres = centres[:limit]
        grid.next_after = centres[-1].path
    required = required_by_centre(centres)
    ids = [c.id for c in centres] if (limit is not None or short_only) else centre_subtree_ids(user)
    counts = _counts(ids, months[0], next_month(months[-1])) if centres else {}
    base = user.centre.depth
    for centre in centres:
        # ``owes`` read once per centre (its creation day in China), not once per cell: the whole
        # country is 497 centres × 12 months.
        row, cid, since = Row(centre, centre.depth - base), centre.id, china_day(centre.created_at)
        for month in months:
            owed = since <= month  # the centres here are active
            visits = counts.get((cid, month), 0)
            need = required[cid] if owed else 0
            row.cells.append(Cell(month, visits, need, _status(visits, need, month, this_month, owed)))
        grid.rows.append(row)
    return grid


def month_end_breaches(now: datetime | None = None) -> int:
    """Record the month that ended before ``now`` (China time) for every centre short of its minimum:
    one ``VisitBreach`` and a notification to the centre's supervisors, exactly once per centre and
    month. Commits each one; returns how many this call recorded (0 once recorded)."""
    from app.clocks.scan import supervisors_of
    from app.notifications.services import notify

    now = now or utcnow()
    month = previous_month(month_start(china_day(now)))
    after = next_month(month)
    done = set(db.session.execute(select(VisitBreach.centre_id).where(VisitBreach.month == month)).scalars())
    centres = [
        c
        for c in db.session.execute(select(Centre).where(Centre.is_active.is_(True)).order_by(Centre.path)).scalars()
        if c.id not in done and owes(c, month)
    ]
    if not centres:
        db.session.commit()
        return 0
    required = required_by_centre(centres)
    counts = _counts(None, month, after)
    short = [(c, counts.get((c.id, month), 0), required[c.id]) for c in centres]
    short = [(c, visits, need) for c, visits, need in short if need > 0 and visits < need]
    db.session.commit()  # end the read: each breach gets a short transaction of its own
    recorded = 0
    for centre, visits, need in short:
        try:
            with db.session.begin_nested():
                db.session.add(
                    VisitBreach(centre_id=centre.id, month=month, visits=visits, required=need, recorded_at=now)
                )
                db.session.flush()
        except IntegrityError:  # another scan recorded it first
            db.session.commit()
            continue
        notify(
            supervisors_of(centre),
            "visits_missed",
            None,
            {"centre": centre.name_zh, "month": month.strftime("%Y-%m"), "visits": visits, "required": need},
            subject=centre,
            subject_type="centre",
        )
        db.session.commit()
        recorded += 1
    return recorded


def breaches(user, months: list[date]) -> dict[tuple[int, date], VisitBreach]:
    """The breaches recorded for the centres of ``user``'s subtree in ``months``: {(centre id, month): breach}."""
    months = sorted({month_start(m) for m in months})
    if not months or not getattr(user, "is_staff", False):
        return {}
    rows = db.session.execute(
        select(VisitBreach).where(VisitBreach.centre_id.in_(centre_subtree_ids(user)), VisitBreach.month.in_(months))
    ).scalars()
    out: dict = defaultdict(lambda: None)
    for b in rows:
        out[(b.centre_id, b.month)] = b
    return dict(out)


def _register() -> None:
    from app.clocks.scan import register_hook

    register_hook("visit_breaches", month_end_breaches)


_register()
