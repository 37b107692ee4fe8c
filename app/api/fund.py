"""The overseas mutual-aid fund through the API (API.md "Fund"): funds with their rules and sums, their
memberships, contributions and ledger; a case's requests to a fund, listed and read, and their actions.

Another door onto the services the pages use: ``app.fund.services.start_request`` (every field checked, nothing
saved on any problem), the request's one door (``services.transition``, ``services.available_actions``; the money
moves on the engine's ``applied`` signal under the fund's row lock) and its rules of who sees what
(``services.can_see_fund``, ``services.can_see_request``, the scope rules of ``app.fund.scope`` for the lists).
A fund or request the caller may not see (another province's fund; another centre's or another enterprise's
request; any fund for the applicant's side) answers 404, as one that does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import SimpleNamespace

from flask import g, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from app.api import schemas_fund as schemas
from app.api.errors import ApiError, invalid
from app.api.openapi import PATH_PARAMETERS, operation
from app.api.queries import MAX_ID, decode_cursor, encode_cursor
from app.api.serializers_fund import entry_object, fund_object, membership_object, request_object
from app.api.tracks import TrackActions, by_subject, register_track_actions
from app.api.validation import json_body
from app.api.views import _case_or_404, bp, parse, service_error_response
from app.cases.models import Case, CaseEvent, Document
from app.core.db import utcnow
from app.core.errors import ServiceError
from app.core.scope import visible
from app.core.workdays import china_day
from app.extensions import db
from app.fund import rules as fund_rules
from app.fund import services
from app.fund.enums import INCOME, FundRequestState
from app.fund.models import Fund, FundMembership, FundRequest, LedgerEntry
from app.fund.workflow import FUND_REQUESTS

# How the routes' path parameters read in the document: ``{id}`` and ``{action}`` as API.md writes them.
PATH_PARAMETERS["fund_id"] = {"name": "id", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
PATH_PARAMETERS["fund_request_id"] = {"name": "id", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
PATH_PARAMETERS["fund_request_action"] = {
    "name": "action",
    "description": "An action of the fund request's workflow; an unknown one answers 404.",
    "schema": {"type": "string", "enum": list(FUND_REQUESTS.actions)},
}

SUBJECT = "fund_request"
DOCUMENT_ORDER = (Document.created_at, Document.id)
S = FundRequestState
#: Before the review the working is worked out as it stands; afterwards it is the one the last step fixed.
LIVE_WORKING = frozenset({S.DRAFT, S.SUBMITTED, S.MORE_INFO})


def _page(found: list, limit: int, key=lambda row: row) -> tuple[list, str | None]:
    next_cursor = encode_cursor(key(found[limit - 1])) if len(found) > limit else None
    return found[:limit], next_cursor


# ---- funds -------------------------------------------------------------------------------------------------


def _fund_or_404(fund_id: int) -> Fund:
    """The fund if the caller may see it (staff of its centre, above or below it), else 404."""
    if not 0 < fund_id <= MAX_ID:
        raise ApiError(404)
    fund = db.session.execute(
        select(Fund).where(Fund.id == fund_id).options(joinedload(Fund.centre))
    ).scalar_one_or_none()
    if fund is None or not services.can_see_fund(g.api_user, fund):
        raise ApiError(404)
    return fund


@bp.get("/funds")
@operation("funds", (200, schemas.FundList, "One page, newest first."), 422, query=schemas.PageQuery)
def list_funds():
    """The funds the caller may see (those of their centre, of the centres above it and below it), newest first"""
    query = parse(schemas.PageQuery, request.args.to_dict(flat=False))
    ids = visible(select(Fund.id), g.api_user, Fund)
    if query.cursor is not None:
        ids = ids.where(tuple_(Fund.created_at, Fund.id) < tuple_(*decode_cursor(query.cursor)))
    order = (Fund.created_at.desc(), Fund.id.desc())
    page = ids.order_by(*order).limit(query.limit + 1).subquery("page")
    stmt = select(Fund).join(page, page.c.id == Fund.id).order_by(*order).options(joinedload(Fund.centre))
    found, next_cursor = _page(list(db.session.execute(stmt).scalars()), query.limit)
    return jsonify({"items": [fund_object(f) for f in found], "next_cursor": next_cursor})


@bp.get("/funds/<int:fund_id>")
@operation("funds", (200, schemas.Fund, "The fund."), 404)
def get_fund(fund_id: int):
    """One fund: its rules and what its ledger sums to"""
    return jsonify(fund_object(_fund_or_404(fund_id)))


@bp.get("/funds/<int:fund_id>/memberships")
@operation("funds", (200, schemas.FundMembershipList, "One page, newest first."), 404, 422, query=schemas.PageQuery)
def list_fund_memberships(fund_id: int):
    """The fund's memberships, newest first"""
    fund = _fund_or_404(fund_id)
    query = parse(schemas.PageQuery, request.args.to_dict(flat=False))
    stmt = visible(select(FundMembership), g.api_user, FundMembership).where(FundMembership.fund_id == fund.id)
    if query.cursor is not None:
        stmt = stmt.where(tuple_(FundMembership.created_at, FundMembership.id) < tuple_(*decode_cursor(query.cursor)))
    stmt = (
        stmt.order_by(FundMembership.created_at.desc(), FundMembership.id.desc())
        .limit(query.limit + 1)
        .options(joinedload(FundMembership.enterprise))
    )
    found, next_cursor = _page(list(db.session.execute(stmt).scalars()), query.limit)
    today = china_day(utcnow())
    return jsonify({"items": [membership_object(m, today) for m in found], "next_cursor": next_cursor})


def _entry_loads():
    return (
        joinedload(LedgerEntry.enterprise),
        joinedload(LedgerEntry.recorded_by),
        joinedload(LedgerEntry.request).joinedload(FundRequest.case),
    )


def _entry_cursor(e: LedgerEntry):
    # A ledger page goes by the entries' numbers; the cursor carries the last one's.
    return SimpleNamespace(created_at=e.created_at, id=e.seq)


def _entries(fund: Fund, query, kinds=None) -> tuple[list[LedgerEntry], str | None]:
    """A page of the fund's entries in their order (``seq``), optionally of some kinds only."""
    stmt = visible(select(LedgerEntry), g.api_user, LedgerEntry).where(LedgerEntry.fund_id == fund.id)
    if kinds is not None:
        stmt = stmt.where(LedgerEntry.kind.in_(sorted(kinds, key=lambda k: k.value)))
    if query.cursor is not None:
        _created, seq = decode_cursor(query.cursor)
        stmt = stmt.where(LedgerEntry.seq > seq)
    stmt = stmt.order_by(LedgerEntry.seq).limit(query.limit + 1).options(*_entry_loads())
    return _page(list(db.session.execute(stmt).scalars()), query.limit, _entry_cursor)


@bp.get("/funds/<int:fund_id>/contributions")
@operation(
    "funds",
    (200, schemas.LedgerEntryList, "One page, oldest first."),
    404,
    422,
    query=schemas.PageQuery,
)
def list_fund_contributions(fund_id: int):
    """The money the fund received (members' contributions, grants and other income), oldest first"""
    fund = _fund_or_404(fund_id)
    query = parse(schemas.PageQuery, request.args.to_dict(flat=False))
    found, next_cursor = _entries(fund, query, INCOME)
    return jsonify({"items": [entry_object(e) for e in found], "next_cursor": next_cursor})


@bp.get("/funds/<int:fund_id>/ledger")
@operation("funds", (200, schemas.LedgerEntryList, "One page, oldest first."), 404, 422, query=schemas.LedgerQuery)
def list_fund_ledger(fund_id: int):
    """The fund's ledger: every movement of its money, in order (append-only)"""
    fund = _fund_or_404(fund_id)
    query = parse(schemas.LedgerQuery, request.args.to_dict(flat=False))
    found, next_cursor = _entries(fund, query, {query.kind} if query.kind is not None else None)
    return jsonify({"items": [entry_object(e) for e in found], "next_cursor": next_cursor})


# ---- requests: reads ---------------------------------------------------------------------------------------


def _loads():
    """What serialising a request reads, loaded up front."""
    return (
        joinedload(FundRequest.case),
        joinedload(FundRequest.fund),
        joinedload(FundRequest.centre),
        joinedload(FundRequest.enterprise),
        selectinload(FundRequest.costs),
        joinedload(FundRequest.submitted_by),
        joinedload(FundRequest.reviewed_by),
        joinedload(FundRequest.approved_by),
        joinedload(FundRequest.second_approved_by),
    )


def _request_or_404(request_id: int) -> FundRequest:
    """The request if the caller may see it (the door's rule, as on the pages), else 404."""
    if not 0 < request_id <= MAX_ID:
        raise ApiError(404)
    r = db.session.execute(
        select(FundRequest).where(FundRequest.id == request_id).options(*_loads())
    ).scalar_one_or_none()
    if r is None or not services.can_see_request(g.api_user, r):
        raise ApiError(404)
    return r


def _working(r: FundRequest, today) -> dict | None:
    if r.working:
        return dict(r.working)
    if r.state in LIVE_WORKING:
        return fund_rules.working(r, today).as_dict()
    return None


def _events_of(r: FundRequest) -> list[CaseEvent]:
    """Its entries of the case's chain (staff only read them)."""
    return list(
        db.session.execute(
            select(CaseEvent)
            .where(CaseEvent.case_id == r.case_id, CaseEvent.subject_type == SUBJECT, CaseEvent.subject_id == r.id)
            .options(joinedload(CaseEvent.actor))
            .order_by(CaseEvent.seq)
        ).scalars()
    )


def _detail(r: FundRequest) -> dict:
    user = g.api_user
    staff = user.is_staff
    return request_object(
        r,
        working=_working(r, china_day(utcnow())),
        staff=staff,
        documents=by_subject(Document, SUBJECT, [r.id], DOCUMENT_ORDER)[r.id] if staff else None,
        events=_events_of(r) if staff else None,
        checks=services.available_actions(r, user),
    )


@dataclass(frozen=True)
class RequestFilters:
    state: FundRequestState | None = None
    fund: int | None = None
    case: str = ""


def list_requests(user, filters: RequestFilters, limit: int, cursor: str | None):
    """A page of the requests ``user`` may see (the scope rule), newest first; the next page's cursor or None."""
    ids = visible(select(FundRequest.id), user, FundRequest)
    if filters.state is not None:
        ids = ids.where(FundRequest.state == filters.state)
    if filters.fund is not None:
        ids = ids.where(FundRequest.fund_id == filters.fund)
    if filters.case:
        ids = ids.where(FundRequest.case_id.in_(select(Case.id).where(Case.number == filters.case)))
    if cursor is not None:
        ids = ids.where(tuple_(FundRequest.created_at, FundRequest.id) < tuple_(*decode_cursor(cursor)))
    order = (FundRequest.created_at.desc(), FundRequest.id.desc())
    page = ids.order_by(*order).limit(limit + 1).subquery("page")
    stmt = select(FundRequest).join(page, page.c.id == FundRequest.id).order_by(*order).options(*_loads())
    return _page(list(db.session.execute(stmt).unique().scalars()), limit)


@bp.get("/fund-requests")
@operation(
    "fund_requests",
    (200, schemas.FundRequestList, "One page, newest first."),
    422,
    query=schemas.FundRequestListQuery,
)
def list_fund_requests():
    """The fund requests the caller may see, newest first (keyset pagination)"""
    query = parse(schemas.FundRequestListQuery, request.args.to_dict(flat=False))
    filters = RequestFilters(state=query.state, fund=query.fund, case=query.case.strip())
    found, next_cursor = list_requests(g.api_user, filters, query.limit, query.cursor)
    staff = g.api_user.is_staff
    ids = [r.id for r in found]
    documents = by_subject(Document, SUBJECT, ids, DOCUMENT_ORDER) if staff else {}
    today = china_day(utcnow())
    items = [request_object(r, working=_working(r, today), staff=staff, documents=documents.get(r.id)) for r in found]
    return jsonify({"items": items, "next_cursor": next_cursor})


@bp.get("/fund-requests/<int:fund_request_id>")
@operation("fund_requests", (200, schemas.FundRequestDetail, "The request."), 404)
def get_fund_request(fund_request_id: int):
    """One fund request, with (for staff) its audit trail, and what the caller may do on it"""
    return jsonify(_detail(_request_or_404(fund_request_id)))


# ---- requests: starting one -----------------------------------------------------------------------------------

DEDUCTIONS = ("insurance_fen", "settlement_fen", "other_funding_fen")


def _json_path(field: str) -> str:
    """A service's field name as the body's JSON path: ``costs-0-rate`` -> ``costs[0].rate``."""
    found = re.fullmatch(r"costs-(\d+)-(\w+)", field)
    return f"costs[{found.group(1)}].{found.group(2)}" if found else field


def _service_data(body: schemas.NewFundRequest) -> dict:
    """The service's ``data`` from the body: deductions given as one sum count as other funding; given with the
    breakdown the sum must equal it (422 otherwise)."""
    data = body.model_dump(exclude={"fund", "deductions_fen"}, exclude_none=True)
    given = [name for name in DEDUCTIONS if getattr(body, name) is not None]
    if body.deductions_fen is not None:
        if not given:
            data["other_funding_fen"] = body.deductions_fen
        elif sum(getattr(body, name) for name in given) != body.deductions_fen:
            raise invalid(
                {"deductions_fen": _l("The deductions must equal insurance, settlement and other funding together.")}
            )
    return data


@bp.post("/cases/<number>/fund-requests")
@operation(
    "fund_requests",
    (201, schemas.FundRequestDetail, "The request, a draft until it is submitted."),
    403,
    404,
    409,
    413,
    415,
    422,
    json=schemas.NewFundRequest,
)
def create_fund_request(number: str):
    """Ask a fund for support for an overseas dispute of the case (a draft until `submit`)"""
    user = g.api_user
    case = _case_or_404(number)
    if user.is_staff and user.role not in services.STAFF_STARTERS:
        reason = _l("Only the applicant, or a caseworker of the case's centre for them, asks the fund.")
        raise ApiError(403, reason, {"reasons": [str(reason)]})
    body = parse(schemas.NewFundRequest, json_body())
    data = _service_data(body)
    fund = body.fund
    if fund is None:
        choices = services.funds_for_case(case)
        fund = choices[0] if len(choices) == 1 else None
    try:
        r = services.start_request(case, user, fund, data)
    except ServiceError as exc:
        return service_error_response(exc, {exc.field: _json_path(exc.field)} if exc.field else None)
    r = _request_or_404(r.id)
    response = jsonify(_detail(r))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_fund_request", fund_request_id=r.id)
    return response


# ---- requests: actions --------------------------------------------------------------------------------------

register_track_actions(
    bp,
    TrackActions(
        noun=SUBJECT,
        workflow=FUND_REQUESTS,
        load=_request_or_404,
        transition=services.transition,
        available_actions=services.available_actions,
        detail=_detail,
        detail_model=schemas.FundRequestDetail,
        request_model=schemas.FundRequestActionRequest,
        post_model=schemas.FundRequestActionPost,
        checks_model=schemas.FundRequestActionCheckList,
        input_names=schemas.INPUT_NAMES,
        collection="fund-requests",
    ),
)
