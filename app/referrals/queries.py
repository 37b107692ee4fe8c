"""Reads of the referral pages: one referral, a case's referrals, the supervisors' list with how long
each agency has been silent, documents and timeline. No writes.

A referral is found only if the door's rule lets the user see it (``services.can_see_referral``);
the list goes through the scope rule and loads what it shows in a fixed number of statements.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.agencies.models import Agency
from app.cases.models import Case, CaseEvent, Document
from app.cases.permissions import can_see_internal
from app.clocks.display import clock_state
from app.clocks.models import CaseClock
from app.core.scope import visible
from app.core.views import MAX_ID
from app.extensions import db
from app.referrals import services
from app.referrals.enums import OPEN_STATES, ReferralState
from app.referrals.models import Referral

PAGE_SIZE = 50


def _options():
    return (
        joinedload(Referral.case).joinedload(Case.enterprise),
        joinedload(Referral.agency).joinedload(Agency.centre),
        joinedload(Referral.centre),
        joinedload(Referral.created_by),
    )


def get_referral(referral_id, user) -> Referral | None:
    if not isinstance(referral_id, int) or not 0 < referral_id <= MAX_ID:
        return None
    r = db.session.execute(select(Referral).where(Referral.id == referral_id).options(*_options())).scalar_one_or_none()
    if r is None or not services.can_see_referral(user, r):
        return None
    return r


def clocks_by_referral(ids) -> dict[int, list[CaseClock]]:
    found: dict[int, list[CaseClock]] = defaultdict(list)
    ids = list(ids)
    if not ids:
        return found
    for clock in db.session.execute(
        select(CaseClock)
        .where(CaseClock.subject_type == "referral", CaseClock.subject_id.in_(ids))
        .order_by(CaseClock.started_at, CaseClock.id)
    ).scalars():
        found[clock.subject_id].append(clock)
    return found


@dataclass(frozen=True)
class Deadline:
    clock: CaseClock
    state: str

    @property
    def is_overdue(self) -> bool:
        return self.state in ("overdue", "met_late")


def deadline(clocks: list[CaseClock], now: datetime) -> Deadline | None:
    """The clock the referral answers to now: its running one (send before sending, chase after)."""
    running = [c for c in clocks if c.is_running and c.due_at is not None]
    if not running:
        return None
    clock = min(running, key=lambda c: c.due_at)
    return Deadline(clock, clock_state(clock, now))


def silent_days(r: Referral, now: datetime) -> int | None:
    """Days since the agency was last heard of (or since sending); None before sending or once over."""
    if r.sent_at is None or not r.state.is_sent:
        return None
    since = r.last_word_at or r.sent_at
    return max(0, (now - since).days)


def case_referrals(case: Case, user) -> list[Referral]:
    stmt = (
        select(Referral)
        .where(Referral.case_id == case.id)
        .options(joinedload(Referral.agency))
        .order_by(Referral.created_at.desc(), Referral.id.desc())
    )
    if not user.is_staff:
        stmt = stmt.where(Referral.sent_at.is_not(None))
    return list(db.session.execute(stmt).unique().scalars())


def documents_by_referral(case_id: int, ids) -> dict[int, list[Document]]:
    found: dict[int, list[Document]] = defaultdict(list)
    ids = list(ids)
    if not ids:
        return found
    for document in db.session.execute(
        select(Document)
        .where(Document.case_id == case_id, Document.subject_type == "referral", Document.subject_id.in_(ids))
        .order_by(Document.created_at, Document.id)
    ).scalars():
        found[document.subject_id].append(document)
    return found


def referral_documents(r: Referral) -> list[Document]:
    return documents_by_referral(r.case_id, [r.id]).get(r.id, [])


def referral_events(r: Referral, user) -> list[CaseEvent]:
    stmt = (
        select(CaseEvent)
        .options(selectinload(CaseEvent.actor))
        .where(CaseEvent.case_id == r.case_id, CaseEvent.subject_type == "referral", CaseEvent.subject_id == r.id)
        .order_by(CaseEvent.seq)
    )
    if not can_see_internal(user):
        stmt = stmt.where(CaseEvent.visibility == "applicant")
    return list(db.session.execute(stmt).scalars())


# ---- the supervisors' list --------------------------------------------------------------------------------
#
# Ordered by a key computed in SQL: overdue first, then the agency silent the longest (those not yet
# sent last), then the newest. Pages are keyset pages: the cursor is the key of the last row shown, so
# a page 90 % of the way down costs what the first does. The page's keys are found first (a narrow
# statement: no text columns sorted), then its rows are loaded by id with what they show.

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR_RE = re.compile(r"^(?P<late>[01])(?P<unheard>[01])\.(?P<micros>\d{1,17}|-)\.(?P<id>\d{1,10})$")


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: the sort key of the last row of this one."""

    late: int
    unheard: int
    heard: datetime | None
    id: int

    def encode(self) -> str:
        micros = "-" if self.heard is None else str((self.heard - _EPOCH) // timedelta(microseconds=1))
        return f"{self.late}{self.unheard}.{micros}.{self.id}"

    @classmethod
    def of(cls, row) -> Cursor:
        return cls(int(row.late), int(row.unheard), row.heard, row.id)

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """The cursor, or None when it is missing or malformed (the list then starts at its top)."""
        match = _CURSOR_RE.match(text) if isinstance(text, str) and len(text) <= 40 else None
        if match is None or not 0 < int(match["id"]) <= MAX_ID:
            return None
        heard = None
        if match["micros"] != "-":
            try:
                heard = _EPOCH + timedelta(microseconds=int(match["micros"]))
            except OverflowError:
                return None
        if (heard is None) != (match["unheard"] == "1"):
            return None
        return cls(int(match["late"]), int(match["unheard"]), heard, int(match["id"]))


@dataclass(frozen=True)
class Row:
    referral: Referral
    deadline: Deadline | None
    silent_days: int | None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    cursor: Cursor | None  # where this page started (None: the top of the list)
    next_cursor: Cursor | None  # where the next one starts (None: this is the last)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def _due_subquery(now: datetime):
    """Per referral with a running clock: its earliest due time and whether a clock is overdue now.
    Only running clocks are read (a referral has a few at most; the met and stopped are history)."""
    counting = and_(CaseClock.paused_at.is_(None), CaseClock.due_at.is_not(None))
    return (
        select(
            CaseClock.subject_id.label("referral_id"),
            func.min(case((counting, CaseClock.due_at))).label("due_at"),
            func.max(case((and_(counting, CaseClock.due_at < now), 1), else_=0)).label("overdue"),
        )
        .where(CaseClock.subject_type == "referral", CaseClock.met_at.is_(None), CaseClock.stopped_at.is_(None))
        .group_by(CaseClock.subject_id)
        .subquery()
    )


def list_keys(user, now: datetime, *, states=None, open_only: bool = False, overdue: bool = False):
    """The list's rows as their sort keys (``id``, ``late``, ``unheard``, ``heard``), in list order."""
    due = _due_subquery(now)
    late = func.coalesce(due.c.overdue, 0)
    heard = func.coalesce(Referral.last_word_at, Referral.sent_at)
    unheard = case((heard.is_(None), 1), else_=0)
    stmt = visible(
        select(Referral.id, late.label("late"), unheard.label("unheard"), heard.label("heard")), user, Referral
    ).outerjoin(due, due.c.referral_id == Referral.id)
    if states:
        stmt = stmt.where(Referral.state.in_(states))
    elif open_only:
        stmt = stmt.where(Referral.state.in_(list(OPEN_STATES)))
    if overdue:
        stmt = stmt.where(late == 1)
    return stmt.order_by(late.desc(), unheard, heard, Referral.id.desc()), (late, unheard, heard)


def _after(cursor: Cursor, late, unheard, heard):
    """SQL: the rows after ``cursor`` in list order (late desc, unheard, heard, id desc)."""
    same_group = and_(late == cursor.late, unheard == cursor.unheard)
    if cursor.heard is None:
        within = and_(same_group, Referral.id < cursor.id)
    else:
        within = and_(same_group, or_(heard > cursor.heard, and_(heard == cursor.heard, Referral.id <= cursor.id)))
    return or_(late < cursor.late, and_(late == cursor.late, unheard > cursor.unheard), within)


def referral_list(
    user,
    now: datetime,
    *,
    states=None,
    open_only: bool = False,
    overdue: bool = False,
    cursor: str | None = None,
) -> Page:
    """The referrals ``user`` may see: the overdue first, then the longest silent, ``PAGE_SIZE`` a page
    from ``cursor`` (an encoded ``Cursor``; the top of the list when missing or malformed)."""
    start = Cursor.decode(cursor)
    stmt, keys = list_keys(user, now, states=states, open_only=open_only, overdue=overdue)
    if start is not None:
        stmt = stmt.where(_after(start, *keys))
    found = db.session.execute(stmt.limit(PAGE_SIZE + 1)).all()
    next_cursor = Cursor.of(found[PAGE_SIZE - 1]) if len(found) > PAGE_SIZE else None
    ids = [row.id for row in found[:PAGE_SIZE]]
    loaded = {}
    if ids:
        loaded = {
            r.id: r
            for r in db.session.execute(select(Referral).where(Referral.id.in_(ids)).options(*_options()))
            .unique()
            .scalars()
        }
    clocks = _running_clocks(ids)
    rows = [Row(r, deadline(clocks.get(r.id, []), now), silent_days(r, now)) for r in (loaded[i] for i in ids)]
    return Page(rows, start, next_cursor)


def _running_clocks(ids) -> dict[int, list[CaseClock]]:
    """The running clocks of these referrals (what ``deadline`` reads)."""
    found: dict[int, list[CaseClock]] = defaultdict(list)
    if not ids:
        return found
    for clock in db.session.execute(
        select(CaseClock).where(
            CaseClock.subject_type == "referral",
            CaseClock.subject_id.in_(ids),
            CaseClock.met_at.is_(None),
            CaseClock.stopped_at.is_(None),
        )
    ).scalars():
        found[clock.subject_id].append(clock)
    return found


def state_counts(user) -> dict[ReferralState, int]:
    rows = db.session.execute(
        visible(select(Referral.state, func.count()), user, Referral).group_by(Referral.state)
    ).all()
    return {ReferralState(s): n for s, n in rows}
