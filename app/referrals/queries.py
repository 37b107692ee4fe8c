"""Reads of the referral pages: one referral, a case's referrals, the supervisors' list with how long
each agency has been silent, documents and timeline. No writes.

A referral is found only if the door's rule lets the user see it (``services.can_see_referral``);
the list goes through the scope rule and loads what it shows in a fixed number of statements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
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


@dataclass(frozen=True)
class Row:
    referral: Referral
    deadline: Deadline | None
    silent_days: int | None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    page: int
    has_next: bool


def _due_subquery(now: datetime):
    counting = and_(
        CaseClock.met_at.is_(None),
        CaseClock.stopped_at.is_(None),
        CaseClock.paused_at.is_(None),
        CaseClock.due_at.is_not(None),
    )
    return (
        select(
            CaseClock.subject_id.label("referral_id"),
            func.min(case((counting, CaseClock.due_at))).label("due_at"),
            func.max(case((and_(counting, CaseClock.due_at < now), 1), else_=0)).label("overdue"),
        )
        .where(CaseClock.subject_type == "referral")
        .group_by(CaseClock.subject_id)
        .subquery()
    )


def referral_list(
    user, now: datetime, *, states=None, open_only: bool = False, overdue: bool = False, page: int = 1
) -> Page:
    """The referrals ``user`` may see: the overdue first, then the longest silent, ``PAGE_SIZE`` a page."""
    due = _due_subquery(now)
    late = func.coalesce(due.c.overdue, 0)
    stmt = visible(select(Referral), user, Referral).outerjoin(due, due.c.referral_id == Referral.id)
    if states:
        stmt = stmt.where(Referral.state.in_(states))
    elif open_only:
        stmt = stmt.where(Referral.state.in_(list(OPEN_STATES)))
    if overdue:
        stmt = stmt.where(late == 1)
    heard = func.coalesce(Referral.last_word_at, Referral.sent_at)
    order = [late.desc(), case((heard.is_(None), 1), else_=0), heard, Referral.id.desc()]
    page = max(1, min(page, 10_000))
    found = list(
        db.session.execute(
            stmt.options(*_options()).order_by(*order).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
        )
        .unique()
        .scalars()
    )
    has_next = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    clocks = clocks_by_referral(r.id for r in found)
    rows = [Row(r, deadline(clocks.get(r.id, []), now), silent_days(r, now)) for r in found]
    return Page(rows, page, has_next)


def state_counts(user) -> dict[ReferralState, int]:
    rows = db.session.execute(
        visible(select(Referral.state, func.count()), user, Referral).group_by(Referral.state)
    ).all()
    return {ReferralState(s): n for s, n in rows}
