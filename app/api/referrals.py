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
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from sqlalchemy import exists, select, tuple_
from sqlalchemy.orm import joinedload

from app.api import schemas_referral as schemas
from app.api.errors import ApiError, error_json, invalid
from app.api.openapi import PATH_PARAMETERS, operation
from app.api.queries import MAX_ID, decode_cursor, encode_cursor
from app.api.schemas import problems_of
from app.api.serializers import action_check
from app.api.serializers_referral import referral_object
from app.api.validation import json_body
from app.api.views import _case_or_404, bp, parse, service_error_response
from app.cases.models import Case, CaseEvent, Document
from app.clocks.models import CaseClock, ClockName, counting_clock
from app.core.db import utcnow
from app.core.engine import NotFound
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

NOT_TAKEN = _l("This action does not take this field.")
SUBJECT = "referral"


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


def _by_subject(model, ids, order) -> dict[int, list]:
    found: dict[int, list] = {i: [] for i in ids}
    if found:
        rows = db.session.execute(
            select(model).where(model.subject_type == SUBJECT, model.subject_id.in_(sorted(found))).order_by(*order)
        ).scalars()
        for row in rows:
            found[row.subject_id].append(row)
    return found


def _clocks_of(ids) -> dict[int, list[CaseClock]]:
    return _by_subject(CaseClock, ids, (CaseClock.started_at, CaseClock.id))


def _documents_of(ids) -> dict[int, list[Document]]:
    return _by_subject(Document, ids, (Document.created_at, Document.id))


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
        documents=_documents_of([r.id])[r.id] if staff else [],
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


def _refusal(exc: ServiceError):
    """A service's refusal as API.md gives it: not found (or not yours) 404, the rest as for cases."""
    if isinstance(exc, NotFound):
        return error_json(404)
    return service_error_response(exc)


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
        return _refusal(exc)
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
    clocks = _clocks_of(ids)
    documents = _documents_of(ids) if staff else {i: [] for i in ids}
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


def _parse_action(model, raw: dict, action: str | None):
    """``raw`` read by ``model``, or 422 naming every bad field at once: those the schema refuses and those of
    ``data`` that the action does not take (an input of another action)."""
    problems = {}
    data = raw.get("data")
    if action in REFERRALS and isinstance(data, dict):
        taken = _fields_taken(action, data)
        problems = {f"data.{name}": NOT_TAKEN for name in data if name in schemas.INPUT_NAMES and name not in taken}
    try:
        body = model.model_validate(raw)
    except ValidationError as exc:
        raise invalid({**problems, **problems_of(exc, model)}) from None
    if problems:
        raise invalid(problems)
    return body


def _apply(r: Referral, action: str, body):
    """Apply ``action`` with ``body`` (version, comment, data) through the referral's one door."""
    data = body.data.model_dump(exclude_unset=True) if body.data is not None else None
    try:
        r = services.transition(r, action, g.api_user, comment=body.comment, data=data, expected_version=body.version)
    except ServiceError as exc:
        return _refusal(exc)
    return jsonify(_detail(r))


@bp.post("/referrals/<int:referral_id>/actions/<referral_action>")
@operation(
    "referrals",
    (200, schemas.ReferralDetail, "The referral after the action."),
    403,
    404,
    409,
    413,
    415,
    422,
    json=schemas.ReferralActionRequest,
)
def take_referral_action(referral_id: int, referral_action: str):
    """Apply one action of the referral's workflow"""
    r = _referral_or_404(referral_id)
    if referral_action not in REFERRALS:
        raise ApiError(404, _l("There is no such action."))
    return _apply(r, referral_action, _parse_action(schemas.ReferralActionRequest, json_body(), referral_action))


class ReferralActions(MethodView):
    """``/referrals/{id}/actions``: one rule for both methods, so an id that cannot be one answers 404 to either
    (two rules of one path answer 405 to the method matched second)."""

    @operation("referrals", (200, schemas.ReferralActionCheckList, "The actions."), 404)
    def get(self, referral_id: int):
        """What the caller may do on the referral now, and why the rest is blocked"""
        r = _referral_or_404(referral_id)
        return jsonify([action_check(c) for c in services.available_actions(r, g.api_user)])

    @operation(
        "referrals",
        (200, schemas.ReferralDetail, "The referral after the action."),
        403,
        404,
        409,
        413,
        415,
        422,
        json=schemas.ReferralActionPost,
    )
    def post(self, referral_id: int):
        """Apply one action of the referral's workflow, named in the body"""
        r = _referral_or_404(referral_id)
        raw = json_body()
        action = raw.get("action")
        body = _parse_action(schemas.ReferralActionPost, raw, action if isinstance(action, str) else None)
        return _apply(r, body.action, body)


bp.add_url_rule("/referrals/<int:referral_id>/actions", view_func=ReferralActions.as_view("referral_actions"))
