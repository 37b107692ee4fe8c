"""Referrals to enforcement agencies through the API (API.md "Referrals"): refer a lead of a case, list and
read referrals, list and take their actions.

Another door onto the services the pages use: ``app.referrals.services.refer`` (every reason a lead cannot be
referred at once), the referral's one door (``services.transition``, ``services.available_actions``; the API's
``record_decision`` with ``opened: false`` is the table's ``record_no_case``) and its rules of who sees what
(``services.can_see_referral`` for one referral, the scope rule of ``Referral`` for the list). A referral the
caller may not see (another centre's; for the applicant's side, one not yet sent) answers 404, as one that does
not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import g, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, tuple_
from sqlalchemy.orm import joinedload

from app.api import schemas_referral as schemas
from app.api.errors import ApiError
from app.api.openapi import PATH_PARAMETERS, operation
from app.api.queries import MAX_ID, decode_cursor, encode_cursor
from app.api.serializers_referral import referral_object
from app.api.tracks import TrackActions, by_subject, refusal, register_track_actions
from app.api.validation import json_body
from app.api.views import _case_or_404, bp, parse
from app.cases.models import Case, CaseEvent, Document
from app.clocks.models import CaseClock, ClockName, counting_clock
from app.core.db import utcnow
from app.core.errors import ServiceError
from app.core.scope import visible
from app.extensions import db
from app.referrals import services
from app.referrals.enums import ReferralState
from app.referrals.models import Referral
from app.referrals.workflow import REFERRALS

# How the routes' path parameters read in the document: ``{id}`` and ``{action}`` as API.md writes them.
PATH_PARAMETERS["referral_id"] = {"name": "id", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
PATH_PARAMETERS["referral_action"] = {
    "name": "action",
    "description": "An action of the referral's workflow; an unknown one answers 404.",
    "schema": {"type": "string", "enum": list(REFERRALS.actions)},
}

SUBJECT = "referral"
CLOCK_ORDER = (CaseClock.started_at, CaseClock.id)
DOCUMENT_ORDER = (Document.created_at, Document.id)


# ---- reads -------------------------------------------------------------------------------------------------


def _loads():
    """What serialising a referral reads, loaded up front."""
    return (
        joinedload(Referral.case),
        joinedload(Referral.centre),
        joinedload(Referral.agency),
        joinedload(Referral.created_by),
        joinedload(Referral.approved_by),
    )


def _referral_or_404(referral_id: int) -> Referral:
    """The referral if the caller may see it (the door's rule, as on the pages), else 404."""
    if not 0 < referral_id <= MAX_ID:
        raise ApiError(404)
    r = db.session.execute(select(Referral).where(Referral.id == referral_id).options(*_loads())).scalar_one_or_none()
    if r is None or not services.can_see_referral(g.api_user, r):
        raise ApiError(404)
    return r


def _events_of(r: Referral) -> list[CaseEvent]:
    """Its entries of the case's chain (staff only read them)."""
    return list(
        db.session.execute(
            select(CaseEvent)
            .where(CaseEvent.case_id == r.case_id, CaseEvent.subject_type == SUBJECT, CaseEvent.subject_id == r.id)
            .options(joinedload(CaseEvent.actor))
            .order_by(CaseEvent.seq)
        ).scalars()
    )


def _detail(r: Referral) -> dict:
    user = g.api_user
    staff = user.is_staff
    return referral_object(
        r,
        clocks=services.referral_clocks(r),
        documents=by_subject(Document, SUBJECT, [r.id], DOCUMENT_ORDER)[r.id] if staff else [],
        now=utcnow(),
        staff=staff,
        events=_events_of(r) if staff else None,
        checks=services.available_actions(r, user),
    )


@dataclass(frozen=True)
class ReferralFilters:
    state: ReferralState | None = None
    agency: int | None = None
    case: str = ""
    overdue: bool | None = None


def _overdue(now: datetime):
    """SQL: the referral's ``send`` or ``chase`` clock runs, unpaused, past its due time."""
    return exists().where(
        CaseClock.subject_type == SUBJECT,
        CaseClock.subject_id == Referral.id,
        CaseClock.name.in_((ClockName.SEND, ClockName.CHASE)),
        counting_clock(),
        CaseClock.due_at < now,
    )


def list_referrals(user, filters: ReferralFilters, limit: int, cursor: str | None, now: datetime):
    """A page of the referrals ``user`` may see (the scope rule), newest first; the next page's cursor or None."""
    ids = visible(select(Referral.id), user, Referral)
    if filters.state is not None:
        ids = ids.where(Referral.state == filters.state)
    if filters.agency is not None:
        ids = ids.where(Referral.agency_id == filters.agency)
    if filters.case:
        ids = ids.where(Referral.case_id.in_(select(Case.id).where(Case.number == filters.case)))
    if filters.overdue is True:
        ids = ids.where(_overdue(now))
    elif filters.overdue is False:
        ids = ids.where(~_overdue(now))
    if cursor is not None:
        created, referral_id = decode_cursor(cursor)
        ids = ids.where(tuple_(Referral.created_at, Referral.id) < tuple_(created, referral_id))
    order = (Referral.created_at.desc(), Referral.id.desc())
    page = ids.order_by(*order).limit(limit + 1).subquery("page")
    stmt = select(Referral).join(page, page.c.id == Referral.id).order_by(*order).options(*_loads())
    found = list(db.session.execute(stmt).unique().scalars())
    next_cursor = encode_cursor(found[limit - 1]) if len(found) > limit else None
    return found[:limit], next_cursor


# ---- answers -----------------------------------------------------------------------------------------------


# ---- routes ------------------------------------------------------------------------------------------------


@bp.post("/cases/<number>/referrals")
@operation(
    "referrals",
    (201, schemas.ReferralDetail, "The referral decided (proposed, awaiting a supervisor's approval)."),
    403,
    404,
    409,
    413,
    415,
    422,
    json=schemas.NewReferral,
)
def create_referral(number: str):
    """Refer a lead of a case to an enforcement agency"""
    user = g.api_user
    case = _case_or_404(number)
    if user.role not in services.STARTERS:
        reason = _l("Only caseworkers and supervisors refer a lead.")
        raise ApiError(403, reason, {"reasons": [str(reason)]})
    body = parse(schemas.NewReferral, json_body())
    try:
        r = services.refer(
            case,
            user,
            agency=body.agency,
            grounds=body.grounds or "",
            evidence=body.evidence or [],
            ground_kinds=body.ground_kinds or [],
            override=body.override or "",
            mediation_id=body.mediation,
        )
    except ServiceError as exc:
        return refusal(exc)
    response = jsonify(_detail(r))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_referral", referral_id=r.id)
    return response


@bp.get("/referrals")
@operation("referrals", (200, schemas.ReferralList, "One page, newest first."), 422, query=schemas.ReferralListQuery)
def list_referrals_endpoint():
    """The referrals the caller may see, newest first (keyset pagination)"""
    query = parse(schemas.ReferralListQuery, request.args.to_dict(flat=False))
    filters = ReferralFilters(state=query.state, agency=query.agency, case=query.case.strip(), overdue=query.overdue)
    now = utcnow()
    found, next_cursor = list_referrals(g.api_user, filters, query.limit, query.cursor, now)
    staff = g.api_user.is_staff
    ids = [r.id for r in found]
    clocks = by_subject(CaseClock, SUBJECT, ids, CLOCK_ORDER)
    documents = by_subject(Document, SUBJECT, ids, DOCUMENT_ORDER) if staff else {i: [] for i in ids}
    items = [referral_object(r, clocks=clocks[r.id], documents=documents[r.id], now=now, staff=staff) for r in found]
    return jsonify({"items": items, "next_cursor": next_cursor})


@bp.get("/referrals/<int:referral_id>")
@operation("referrals", (200, schemas.ReferralDetail, "The referral."), 404)
def get_referral(referral_id: int):
    """One referral, with (for staff) its audit trail, and what the caller may do on it"""
    return jsonify(_detail(_referral_or_404(referral_id)))


def _fields_taken(action: str, data: dict) -> set[str]:
    """The ``data`` fields ``action`` takes; ``record_decision`` with ``opened: false`` takes those of
    ``record_no_case``."""
    if action == schemas.DECISION:
        effective = schemas.NO_CASE if data.get("opened") is False else schemas.DECISION
        return {*REFERRALS.actions[effective].data_fields, "opened"}
    return set(REFERRALS.actions[action].data_fields)


register_track_actions(
    bp,
    TrackActions(
        noun=SUBJECT,
        workflow=REFERRALS,
        load=_referral_or_404,
        transition=services.transition,
        available_actions=services.available_actions,
        detail=_detail,
        detail_model=schemas.ReferralDetail,
        request_model=schemas.ReferralActionRequest,
        post_model=schemas.ReferralActionPost,
        checks_model=schemas.ReferralActionCheckList,
        input_names=schemas.INPUT_NAMES,
        fields_taken=_fields_taken,
    ),
)
