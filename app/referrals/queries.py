"""Reads of the referral pages: one referral, a case's referrals, the supervisors' list with how long
each agency has been silent, documents and timeline. No writes.

A referral is found only if the door's rule lets the user see it (``services.can_see_referral``);
the list goes through the scope rule and loads what it shows in a fixed number of statements.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, load_only, raiseload, selectinload

from app.agencies.models import Agency
from app.cases.models import Case, CaseEvent, Document
from app.cases.permissions import can_see_internal
from app.cases.scope import narrow_scope
from app.cases.tracks import register_open_items
from app.centres.models import Centre
from app.clocks.display import clock_state
from app.clocks.models import CaseClock
from app.core.db import among
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
# The overdue first, then the agency silent the longest, those not sent yet after them (newest first).
# It is read in four segments, each in the order of an index, so that a page reads about as many rows
# as it shows however many referrals there are and however deep the page:
#   (late, heard)     a running clock is past its due time; last heard of (or sent) longest ago first
#   (late, unheard)   past its due time before the letter went out (the send clock); newest first
#   (on time, heard)  the others sent: silent the longest first
#   (on time, unheard) the others not sent yet: newest first
# A page's keys are found first (narrow statements, no text sorted), then its rows are loaded by id
# with what they show. Pages are keyset pages: the cursor is the segment and key of the last row shown.

SEGMENTS = ((1, 0), (1, 1), (0, 0), (0, 1))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR_RE = re.compile(r"^(?P<late>[01])(?P<unheard>[01])\.(?P<micros>\d{1,17}|-)\.(?P<id>\d{1,10})$")


@dataclass(frozen=True)
class Cursor:
    """A row's place in the list: its segment (``late``, ``unheard``), when the agency was last heard
    of (None when not sent) and its id. As a page's cursor: the next page starts after it."""

    late: int
    unheard: int
    heard: datetime | None
    id: int

    def encode(self) -> str:
        micros = "-" if self.heard is None else str((self.heard - _EPOCH) // timedelta(microseconds=1))
        return f"{self.late}{self.unheard}.{micros}.{self.id}"

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


def _overdue_ids(now: datetime, user) -> list[int]:
    """The referrals with a running clock past its due time (a paused one does not count), read from
    the index of running clocks: the country's (a few thousand at a million cases) for a wide scope,
    only the scope's own for a narrow one (``narrow_scope``). Given to the segments as
    values, so that PostgreSQL plans the late ones from them (as a subquery, it would hash every
    case of the scope to check a few dozen referrals)."""
    stmt = select(CaseClock.subject_id).where(
        CaseClock.subject_type == "referral",
        CaseClock.met_at.is_(None),
        CaseClock.stopped_at.is_(None),
        CaseClock.paused_at.is_(None),
        CaseClock.due_at < now,
        CaseClock.subject_id.is_not(None),
    )
    if narrow_scope(user):
        # Only those of the scope's few rows (the rule gives their ids): thousands at a million cases.
        stmt = stmt.where(CaseClock.subject_id.in_(visible(select(Referral.id), user, Referral)))
    return list(db.session.execute(stmt.distinct()).scalars())


def _segment(user, late: int, unheard: int, overdue_ids: list[int], states, after: Cursor | None):
    """The keys (``id``, ``heard``) of one segment's rows the user may see, in list order."""
    heard = func.coalesce(Referral.last_word_at, Referral.sent_at)
    stmt = visible(select(Referral.id, heard.label("heard")), user, Referral)
    # A narrow scope's rule gives its rows' ids (``app.cases.scope.case_seen``): those lead, and the
    # overdue ones (thousands at a million cases) are checked as an expression, which no index serves.
    # Offered both as ids, PostgreSQL weighed two lists against each other and read every referral.
    stmt = stmt.where(among(Referral.id + 0 if narrow_scope(user) else Referral.id, overdue_ids, negate=not late))
    if states is not None:
        stmt = stmt.where(Referral.state.in_(states))
    if unheard:
        stmt = stmt.where(heard.is_(None))
        if after is not None:
            stmt = stmt.where(Referral.id < after.id)
        return stmt.order_by(Referral.id.desc())
    stmt = stmt.where(heard.is_not(None))
    if after is not None:
        stmt = stmt.where(or_(heard > after.heard, and_(heard == after.heard, Referral.id > after.id)))
    return stmt.order_by(heard, Referral.id)


def _list_options():
    """What a row of the list shows, and nothing else (no text of the letter, no lazy loads)."""
    return (
        load_only(
            Referral.case_id,
            Referral.centre_id,
            Referral.agency_id,
            Referral.state,
            Referral.respondent_name,
            Referral.sent_at,
            Referral.last_word_at,
        ),
        joinedload(Referral.case).load_only(Case.number),
        joinedload(Referral.agency).load_only(Agency.name),
        joinedload(Referral.centre).load_only(Centre.name_zh, Centre.name_en),
        raiseload("*"),
    )


def page_keys(
    user,
    now: datetime,
    *,
    states=None,
    open_only: bool = False,
    overdue: bool = False,
    cursor: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> list[Cursor]:
    """The places of the (at most ``limit``) rows after ``cursor`` (from the top when None)."""
    if not states and open_only:
        states = list(OPEN_STATES)
    segments = [s for s in SEGMENTS if s[0] or not overdue]
    if cursor is not None:
        here = (cursor.late, cursor.unheard)
        segments = segments[segments.index(here) :] if here in segments else []
    found: list[Cursor] = []
    overdue_ids = _overdue_ids(now, user) if segments else []
    for late, unheard in segments:
        if late and not overdue_ids:
            continue
        after = cursor if cursor is not None and (late, unheard) == (cursor.late, cursor.unheard) else None
        stmt = _segment(user, late, unheard, overdue_ids, states or None, after).limit(limit - len(found))
        found += [Cursor(late, unheard, row.heard, row.id) for row in db.session.execute(stmt)]
        if len(found) >= limit:
            break
    return found


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
    keys = page_keys(user, now, states=states, open_only=open_only, overdue=overdue, cursor=start, limit=PAGE_SIZE + 1)
    next_cursor = keys[PAGE_SIZE - 1] if len(keys) > PAGE_SIZE else None
    ids = [key.id for key in keys[:PAGE_SIZE]]
    loaded = {}
    if ids:
        stmt = select(Referral).where(Referral.id.in_(ids)).options(*_list_options())
        loaded = {r.id: r for r in db.session.execute(stmt).unique().scalars()}
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


#: How long a user's counts may lag behind a change of what they see that touches no referral (a case
#: transferred or handed over); a referral's own change shows at once. How many users' counts are kept.
COUNTS_SECONDS = 60
COUNTS_KEPT = 1000
_COUNTS: dict = {}  # (user id, centre id, role) -> (newest change, when counted, counts)


def state_counts(user) -> dict[ReferralState, int]:
    """How many referrals of each state ``user`` may see. Counting reads every referral of the scope
    (all of the country's for its supervisors), so a user's counts are kept in the process until a
    referral is decided or changes (the newest ``updated_at``, read from its index) or
    ``COUNTS_SECONDS`` pass."""
    changed = db.session.execute(select(func.max(Referral.updated_at))).scalar()
    key = (user.id, user.centre_id, getattr(user.role, "value", user.role))
    now = time.monotonic()
    hit = _COUNTS.get(key)
    if hit is not None and hit[0] == changed and now - hit[1] < COUNTS_SECONDS:
        return dict(hit[2])
    rows = db.session.execute(
        visible(select(Referral.state, func.count()), user, Referral).group_by(Referral.state)
    ).all()
    counts = {ReferralState(s): n for s, n in rows}
    if len(_COUNTS) >= COUNTS_KEPT:
        _COUNTS.clear()
    _COUNTS[key] = (changed, now, counts)
    return dict(counts)


def open_referrals(case: Case) -> list:
    """The case's referrals not over yet, as the labels the case's close guard shows."""
    rows = db.session.execute(
        select(Agency.name, Referral.state)
        .join(Agency, Agency.id == Referral.agency_id)
        .where(Referral.case_id == case.id, Referral.state.in_(list(OPEN_STATES)))
        .order_by(Referral.id)
    ).all()
    return [_l("the referral to %(agency)s (%(state)s)", agency=name, state=state.label) for name, state in rows]


register_open_items("referral", open_referrals)
