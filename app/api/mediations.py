"""Fast mediations through the API (API.md "Mediations"): request one on a case, list and read them, list and
take their actions.

Another door onto the services the pages use: ``app.mediation.services.request_mediation`` (every eligibility
reason at once), the mediation's one door (``services.transition``, ``services.available_actions``) and its
rules of who sees what (``services.can_see_mediation`` for one mediation, the scope rule of ``Mediation`` for
the list). A mediation the caller may not see answers 404, as one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import g, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from app.api import schemas_mediation as schemas
from app.api.errors import ApiError
from app.api.openapi import PATH_PARAMETERS, operation
from app.api.queries import MAX_ID, decode_cursor, encode_cursor
from app.api.serializers_mediation import mediation_object
from app.api.tracks import TrackActions, by_subject, refusal, register_track_actions
from app.api.validation import json_body
from app.api.views import _case_or_404, bp, parse
from app.cases.enums import IPType
from app.cases.models import Case, CaseEvent, Document
from app.cases.permissions import can_see_internal
from app.clocks.models import CaseClock, counting_clock
from app.core.db import utcnow
from app.core.errors import ServiceError
from app.core.scope import visible
from app.extensions import db
from app.mediation import services
from app.mediation.enums import MediationState
from app.mediation.models import Mediation
from app.mediation.workflow import MEDIATIONS

# How the routes' path parameters read in the document: ``{id}`` and ``{action}`` as API.md writes them.
PATH_PARAMETERS["mediation_id"] = {"name": "id", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
PATH_PARAMETERS["mediation_action"] = {
    "name": "action",
    "description": "An action of the mediation's workflow; an unknown one answers 404.",
    "schema": {"type": "string", "enum": list(MEDIATIONS.actions)},
}

SUBJECT = "mediation"
CLOCK_ORDER = (CaseClock.started_at, CaseClock.id)
DOCUMENT_ORDER = (Document.created_at, Document.id)


# ---- reads -------------------------------------------------------------------------------------------------


def _loads():
    """What serialising a mediation reads, loaded up front."""
    return (
        joinedload(Mediation.case),
        joinedload(Mediation.centre),
        joinedload(Mediation.mediator),
        selectinload(Mediation.sessions),
    )


def _mediation_or_404(mediation_id: int) -> Mediation:
    """The mediation if the caller may see it (the door's rule, as on the pages), else 404."""
    if not 0 < mediation_id <= MAX_ID:
        raise ApiError(404)
    m = db.session.execute(
        select(Mediation).where(Mediation.id == mediation_id).options(*_loads())
    ).scalar_one_or_none()
    if m is None or not services.can_see_mediation(g.api_user, m):
        raise ApiError(404)
    return m


def _events_of(m: Mediation) -> list[CaseEvent]:
    """Its entries of the case's chain as the caller may read them (applicants: what their timeline shows)."""
    stmt = (
        select(CaseEvent)
        .where(CaseEvent.case_id == m.case_id, CaseEvent.subject_type == "mediation", CaseEvent.subject_id == m.id)
        .options(joinedload(CaseEvent.actor))
        .order_by(CaseEvent.seq)
    )
    if not can_see_internal(g.api_user):
        stmt = stmt.where(CaseEvent.visibility == "applicant")
    return list(db.session.execute(stmt).scalars())


def _detail(m: Mediation) -> dict:
    user = g.api_user
    return mediation_object(
        m,
        clocks=by_subject(CaseClock, SUBJECT, [m.id], CLOCK_ORDER)[m.id],
        documents=by_subject(Document, SUBJECT, [m.id], DOCUMENT_ORDER)[m.id],
        now=utcnow(),
        staff=user.is_staff,
        events=_events_of(m),
        checks=services.available_actions(m, user),
    )


@dataclass(frozen=True)
class MediationFilters:
    state: MediationState | None = None
    ip_type: IPType | None = None
    case: str = ""
    mine: bool | None = None
    overdue: bool | None = None


def _overdue(now: datetime):
    """SQL: the mediation has a running, unpaused clock past its due time."""
    return exists().where(
        CaseClock.subject_type == "mediation",
        CaseClock.subject_id == Mediation.id,
        counting_clock(),
        CaseClock.due_at < now,
    )


def list_mediations(user, filters: MediationFilters, limit: int, cursor: str | None, now: datetime):
    """A page of the mediations ``user`` may see (the scope rule), newest first; the next page's cursor or None."""
    ids = visible(select(Mediation.id), user, Mediation)
    if filters.state is not None:
        ids = ids.where(Mediation.state == filters.state)
    if filters.ip_type is not None:
        ids = ids.where(Mediation.ip_type == filters.ip_type)
    if filters.case:
        ids = ids.where(Mediation.case_id.in_(select(Case.id).where(Case.number == filters.case)))
    if filters.mine is True:
        ids = ids.where(Mediation.mediator_id == user.id)
    elif filters.mine is False:
        ids = ids.where(or_(Mediation.mediator_id.is_(None), Mediation.mediator_id != user.id))
    if filters.overdue is True:
        ids = ids.where(_overdue(now))
    elif filters.overdue is False:
        ids = ids.where(~_overdue(now))
    if cursor is not None:
        created, mediation_id = decode_cursor(cursor)
        ids = ids.where(tuple_(Mediation.created_at, Mediation.id) < tuple_(created, mediation_id))
    order = (Mediation.created_at.desc(), Mediation.id.desc())
    page = ids.order_by(*order).limit(limit + 1).subquery("page")
    stmt = select(Mediation).join(page, page.c.id == Mediation.id).order_by(*order).options(*_loads())
    found = list(db.session.execute(stmt).unique().scalars())
    next_cursor = encode_cursor(found[limit - 1]) if len(found) > limit else None
    return found[:limit], next_cursor


# ---- answers -----------------------------------------------------------------------------------------------


# ---- routes ------------------------------------------------------------------------------------------------


@bp.post("/cases/<number>/mediations")
@operation(
    "mediations",
    (201, schemas.MediationDetail, "The mediation requested."),
    403,
    404,
    409,
    413,
    415,
    422,
    json=schemas.NewMediation,
)
def create_mediation(number: str):
    """Request a fast mediation on a case"""
    user = g.api_user
    case = _case_or_404(number)
    if user.role not in services.STARTERS:
        reason = _l("Only caseworkers and supervisors start a mediation.")
        raise ApiError(403, reason, {"reasons": [str(reason)]})
    body = parse(schemas.NewMediation, json_body())
    try:
        m = services.request_mediation(
            case,
            user,
            mediator=body.mediator,
            scope=body.scope.value if body.scope is not None else "damages",
            requests=body.requests or "",
            not_in_court=body.not_in_court,
        )
    except ServiceError as exc:
        return refusal(exc)
    response = jsonify(_detail(m))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_mediation", mediation_id=m.id)
    return response


@bp.get("/mediations")
@operation("mediations", (200, schemas.MediationList, "One page, newest first."), 422, query=schemas.MediationListQuery)
def list_mediations_endpoint():
    """The mediations the caller may see, newest first (keyset pagination)"""
    query = parse(schemas.MediationListQuery, request.args.to_dict(flat=False))
    filters = MediationFilters(
        state=query.state, ip_type=query.ip_type, case=query.case.strip(), mine=query.mine, overdue=query.overdue
    )
    now = utcnow()
    found, next_cursor = list_mediations(g.api_user, filters, query.limit, query.cursor, now)
    ids = [m.id for m in found]
    clocks = by_subject(CaseClock, SUBJECT, ids, CLOCK_ORDER)
    documents = by_subject(Document, SUBJECT, ids, DOCUMENT_ORDER)
    staff = g.api_user.is_staff
    items = [mediation_object(m, clocks=clocks[m.id], documents=documents[m.id], now=now, staff=staff) for m in found]
    return jsonify({"items": items, "next_cursor": next_cursor})


@bp.get("/mediations/<int:mediation_id>")
@operation("mediations", (200, schemas.MediationDetail, "The mediation."), 404)
def get_mediation(mediation_id: int):
    """One mediation, with its audit trail and what the caller may do on it"""
    return jsonify(_detail(_mediation_or_404(mediation_id)))


register_track_actions(
    bp,
    TrackActions(
        noun=SUBJECT,
        workflow=MEDIATIONS,
        load=_mediation_or_404,
        transition=services.transition,
        available_actions=services.available_actions,
        detail=_detail,
        detail_model=schemas.MediationDetail,
        request_model=schemas.MediationActionRequest,
        post_model=schemas.MediationActionPost,
        checks_model=schemas.MediationActionCheckList,
        input_names=frozenset(i.name for a in MEDIATIONS.actions.values() for i in a.inputs),
    ),
)
