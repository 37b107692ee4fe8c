"""Reads of the mediation pages: one mediation, a case's mediations, the lists, their deadlines,
sessions, documents and timeline. No writes.

A mediation is found only if the one door lets the user see it (``services.can_see_mediation``):
anything else answers 404, exactly as an id that does not exist. The lists go through the scope
rule (``visible(select(Mediation), user, Mediation)``) and load what they show in a fixed number
of statements whatever their length.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.cases.models import Case, CaseEvent, Document
from app.cases.permissions import can_see_internal
from app.cases.tracks import register_open_items
from app.clocks.display import clock_state
from app.clocks.models import CaseClock
from app.core.scope import visible
from app.core.views import MAX_ID
from app.extensions import db
from app.mediation import services
from app.mediation.enums import OPEN_STATES, MediationState
from app.mediation.models import Mediation, MediationSession

PAGE_SIZE = 50


def _options():
    return (
        joinedload(Mediation.case).joinedload(Case.enterprise),
        joinedload(Mediation.mediator),
        joinedload(Mediation.centre),
        selectinload(Mediation.sessions),
    )


def get_mediation(mediation_id, user) -> Mediation | None:
    """The mediation if it exists and ``user`` may see it (the door's rule), else None."""
    if not isinstance(mediation_id, int) or not 0 < mediation_id <= MAX_ID:
        return None
    m = db.session.execute(
        select(Mediation)
        .where(Mediation.id == mediation_id)
        .options(
            *_options(),
            joinedload(Mediation.case).selectinload(Case.rights),
            joinedload(Mediation.case).selectinload(Case.respondents),
        )
    ).scalar_one_or_none()
    if m is None or not services.can_see_mediation(user, m):
        return None
    return m


def get_session(m: Mediation, session_id) -> MediationSession | None:
    """A session of ``m`` (a session of another mediation is not found)."""
    return next((s for s in m.sessions if s.id == session_id), None)


# ---- deadlines -------------------------------------------------------------------------------------------


def clocks_by_mediation(ids) -> dict[int, list[CaseClock]]:
    """The clocks of the mediations ``ids``, in start order, in one statement."""
    found: dict[int, list[CaseClock]] = defaultdict(list)
    ids = list(ids)
    if not ids:
        return found
    rows = db.session.execute(
        select(CaseClock)
        .where(CaseClock.subject_type == "mediation", CaseClock.subject_id.in_(ids))
        .order_by(CaseClock.started_at, CaseClock.id)
    ).scalars()
    for clock in rows:
        found[clock.subject_id].append(clock)
    return found


@dataclass(frozen=True)
class Deadline:
    """The clock a mediation answers to now, and how it reads (``app.clocks.display`` states)."""

    clock: CaseClock
    state: str

    @property
    def is_overdue(self) -> bool:
        return self.state in ("overdue", "met_late")

    @property
    def is_paused(self) -> bool:
        return self.state == "paused"


def deadline(m: Mediation, clocks: list[CaseClock], now: datetime) -> Deadline | None:
    clock = services.deadline_of(m, clocks)
    return Deadline(clock, clock_state(clock, now)) if clock is not None else None


def next_session(m: Mediation) -> MediationSession | None:
    """The earliest session scheduled and not yet held."""
    waiting = sorted((s for s in m.sessions if not s.is_held), key=lambda s: s.starts_at)
    return waiting[0] if waiting else None


# ---- a case's mediations (the case page's panel) -----------------------------------------------------------


def case_mediations(case: Case) -> list[Mediation]:
    """The mediations of ``case``, the latest first."""
    return list(
        db.session.execute(
            select(Mediation)
            .where(Mediation.case_id == case.id)
            .options(joinedload(Mediation.mediator), selectinload(Mediation.sessions))
            .order_by(Mediation.created_at.desc(), Mediation.id.desc())
        )
        .unique()
        .scalars()
    )


def documents_by_mediation(case_id: int, ids) -> dict[int, list[Document]]:
    """The documents issued for the mediations ``ids`` of the case, in the order issued."""
    found: dict[int, list[Document]] = defaultdict(list)
    ids = list(ids)
    if not ids:
        return found
    rows = db.session.execute(
        select(Document)
        .where(Document.case_id == case_id, Document.subject_type == "mediation", Document.subject_id.in_(ids))
        .order_by(Document.created_at, Document.id)
    ).scalars()
    for document in rows:
        found[document.subject_id].append(document)
    return found


def mediation_documents(m: Mediation) -> list[Document]:
    return documents_by_mediation(m.case_id, [m.id]).get(m.id, [])


def mediation_events(m: Mediation, user) -> list[CaseEvent]:
    """The events of the mediation in its case's chain; applicants see the ones meant for them."""
    stmt = (
        select(CaseEvent)
        .options(selectinload(CaseEvent.actor))
        .where(CaseEvent.case_id == m.case_id, CaseEvent.subject_type == "mediation", CaseEvent.subject_id == m.id)
        .order_by(CaseEvent.seq)
    )
    if not can_see_internal(user):
        stmt = stmt.where(CaseEvent.visibility == "applicant")
    return list(db.session.execute(stmt).scalars())


# ---- the lists ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    mediation: Mediation
    deadline: Deadline | None
    next_session: MediationSession | None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    page: int
    has_next: bool


def _deadline_subquery(now: datetime):
    """Per mediation: the earliest due time of its clocks counting now, and whether one is late."""
    counting = and_(
        CaseClock.met_at.is_(None),
        CaseClock.stopped_at.is_(None),
        CaseClock.paused_at.is_(None),
        CaseClock.due_at.is_not(None),
    )
    return (
        select(
            CaseClock.subject_id.label("mediation_id"),
            func.min(case((counting, CaseClock.due_at))).label("due_at"),
            func.max(case((and_(counting, CaseClock.due_at < now), 1), else_=0)).label("overdue"),
        )
        .where(CaseClock.subject_type == "mediation")
        .group_by(CaseClock.subject_id)
        .subquery()
    )


def mediation_list(
    user,
    now: datetime,
    *,
    mine: bool = False,
    states: list[MediationState] | None = None,
    overdue: bool = False,
    page: int = 1,
) -> Page:
    """The mediations ``user`` may see (``mine``: those assigned to them, open ones first), the
    overdue first, then the soonest due; ``PAGE_SIZE`` a page."""
    due = _deadline_subquery(now)
    late = func.coalesce(due.c.overdue, 0)
    stmt = visible(select(Mediation), user, Mediation).outerjoin(due, due.c.mediation_id == Mediation.id)
    order = []
    if mine:
        stmt = stmt.where(Mediation.mediator_id == user.id)
        order.append(case((Mediation.state.in_(list(OPEN_STATES)), 0), else_=1))
    if states:
        stmt = stmt.where(Mediation.state.in_(states))
    if overdue:
        stmt = stmt.where(late == 1)
    order += [late.desc(), case((due.c.due_at.is_(None), 1), else_=0), due.c.due_at, Mediation.id.desc()]
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
    clocks = clocks_by_mediation(m.id for m in found)
    rows = [Row(m, deadline(m, clocks.get(m.id, []), now), next_session(m)) for m in found]
    return Page(rows, page, has_next)


def open_mediations(of_case: Case) -> list:
    """The case's mediation still under way, as the label the case's close guard shows."""
    states = db.session.execute(
        select(Mediation.state).where(Mediation.case_id == of_case.id, Mediation.state.in_(list(OPEN_STATES)))
    ).scalars()
    return [_l("the mediation (%(state)s)", state=state.label) for state in states]


register_open_items("mediation", open_mediations)
