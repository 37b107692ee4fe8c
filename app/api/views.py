"""The integration API v1 (API.md): cases with their clocks, workflow actions (handover and transfer
among them), "my work", attachments and documents.

Another door onto the same services and permission checks as the pages. Every
route but the spec needs a bearer token (``app.api.auth``); the blueprint is
exempt from CSRF (no cookie is ever read) and rate-limited per token.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.api import schemas, serializers
from app.api.auth import authenticate, rate_limit, rate_limit_key
from app.api.errors import ApiError, error_json, invalid
from app.api.intake import parse_new_case, resolve_enterprise
from app.api.openapi import operation
from app.api.queries import CaseFilters, case_documents, case_events, clocks_by_case, get_document, list_cases, my_work
from app.api.validation import json_body
from app.cases import workflow
from app.cases.models import Case
from app.cases.queries import get_case_by_number
from app.cases.services import ActionRefused, CaseNotFound, UnknownAction, available_actions, create_case, transition
from app.core.db import utcnow
from app.core.errors import ConflictError, ServiceError
from app.extensions import csrf, db, limiter
from app.privacy.access_log import log_case_ids, log_read, log_reads, shows_personal_data
from app.privacy.models import ReadKind

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
limiter.limit(rate_limit, key_func=rate_limit_key)(bp)

PUBLIC_ENDPOINTS = {"api.openapi_json"}


@bp.before_request
def _authenticate():
    if request.endpoint not in PUBLIC_ENDPOINTS:
        authenticate()


# ---- errors --------------------------------------------------------------------------------------


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    response = error_json(exc.status, exc.message, exc.details)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    return service_error_response(exc)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    response = error_json(exc.code)
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


@bp.errorhandler(StaleDataError)
@bp.errorhandler(IntegrityError)
def _conflict(exc):
    # Two writers raced (the loser's version or unique key no longer holds): nothing was saved.
    db.session.rollback()
    current_app.logger.info("API conflict on %s %s: %s", request.method, request.path, exc)
    return error_json(409)


def service_error_response(exc: ServiceError, fields: dict | None = None):
    """A service's refusal as the status API.md gives it; ``fields`` maps service field names to JSON paths."""
    if isinstance(exc, CaseNotFound | UnknownAction):
        return error_json(404)
    if isinstance(exc, ConflictError):
        return error_json(409, exc.message)
    if isinstance(exc, ActionRefused):
        return error_json(403 if exc.forbidden else 422, exc.message, {"reasons": [str(r) for r in exc.reasons]})
    status = _file_error_status(exc)
    if status is not None:
        return error_json(status, exc.message, {"fields": {"file": str(exc.message)}})
    if exc.field:
        path = (fields or {}).get(exc.field, exc.field)
        return error_json(422, exc.message, {"fields": {path: str(exc.message)}})
    return error_json(422, exc.message, {"reasons": [str(exc.message)]})


def _file_error_status(exc: ServiceError) -> int | None:
    try:
        from app.cases.attachments import FileTooLarge, FileTypeRefused
    except ImportError:
        return None
    if isinstance(exc, FileTooLarge):
        return 413
    if isinstance(exc, FileTypeRefused):
        return 415
    return None


# ---- helpers -------------------------------------------------------------------------------------


def parse(model, data):
    """``data`` read by one of ``app.api.schemas``' models, or 422 naming every bad field in the request's language."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(schemas.problems_of(exc, model)) from None


def _case_or_404(number: str):
    case = get_case_by_number(number, g.api_user)
    if case is None:
        raise ApiError(404)
    return case


def _case_detail(case):
    log_read(g.api_user, case, ReadKind.API_CASE)  # a staff member's read (app.privacy.access_log)
    clocks = clocks_by_case([case.id])[case.id]
    return serializers.case_object(case, case_events(g.api_user, case), clocks=clocks, staff=g.api_user.is_staff)


def _case_items(cases) -> list[dict]:
    """Case objects for a list: the clocks of every case in one statement, judged at one instant."""
    clocks = clocks_by_case([c.id for c in cases])
    now = utcnow()
    log_reads(g.api_user, [c for c in cases if shows_personal_data(c)], ReadKind.API_CASE)
    return [serializers.case_object(c, clocks=clocks[c.id], now=now, staff=g.api_user.is_staff) for c in cases]


# ---- the spec ------------------------------------------------------------------------------------


@bp.get("/openapi.json")
@operation("meta", (200, schemas.OpenApiDocument, "The OpenAPI document."), public=True)
def openapi_json():
    """This document"""
    from app.api.openapi import spec

    return jsonify(spec())


# ---- cases ---------------------------------------------------------------------------------------


@bp.post("/cases")
@operation("cases", (201, schemas.CaseDetail, "The new case."), 403, 409, 413, 415, 422, json=schemas.NewCase)
def create_case_endpoint():
    """File a case (submitted unless `draft` is true)"""
    user = g.api_user
    if user.role not in workflow.HANDLERS and user.is_staff:
        raise ApiError(403, _l("Your role cannot file cases."), {"reasons": [str(_l("Your role cannot file cases."))]})
    new = parse_new_case(parse(schemas.NewCase, json_body()))
    enterprise = resolve_enterprise(user, new.enterprise)
    try:
        case = create_case(user, enterprise=enterprise, **new.fields)
    except ServiceError as exc:
        return service_error_response(exc, new.field_paths)
    response = jsonify(_case_detail(case))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_case", number=case.ref)
    return response


@bp.get("/cases")
@operation("cases", (200, schemas.CaseList, "One page."), 422, query=schemas.CaseListQuery)
def list_cases_endpoint():
    """The cases the caller may see, newest first (keyset pagination)"""
    query = parse(schemas.CaseListQuery, request.args.to_dict())
    filters = CaseFilters(
        state=query.state,
        kind=query.kind,
        ip_type=query.ip_type,
        channel=query.channel,
        overdue=query.overdue,
        q=query.q.strip(),
    )
    cases, next_cursor = list_cases(g.api_user, filters, query.limit, query.cursor)
    return jsonify({"items": _case_items(cases), "next_cursor": next_cursor})


@bp.get("/cases/<number>")
@operation("cases", (200, schemas.CaseDetail, "The case."), 404)
def get_case(number: str):
    """One case, with its audit trail"""
    return jsonify(_case_detail(_case_or_404(number)))


@bp.delete("/cases/<number>")
@operation("cases", (204, None, "The draft is deleted."), 403, 404, 409, 422)
def delete_case(number: str):
    """Delete a draft (only its author; a submitted case is withdrawn instead)"""
    from app.cases.services import delete_draft

    case = _case_or_404(number)
    try:
        delete_draft(g.api_user, case)
    except ServiceError as exc:
        return service_error_response(exc)
    return Response(status=204)


@bp.get("/cases/<number>/actions")
@operation("cases", (200, schemas.ActionCheckList, "The actions."), 404)
def case_actions(number: str):
    """What the caller may do on the case now, and why the rest is blocked"""
    case = _case_or_404(number)
    return jsonify([serializers.action_check(c) for c in available_actions(case, g.api_user)])


@bp.post("/cases/<number>/actions/<action>")
@operation(
    "cases",
    (200, schemas.CaseDetail, "The case after the action."),
    403,
    404,
    409,
    413,
    415,
    422,
    json=schemas.ActionRequest,
)
def take_action(number: str, action: str):
    """Apply one workflow action"""
    case = _case_or_404(number)
    if action not in workflow.ACTIONS:
        raise ApiError(404, _l("There is no such action."))
    body = parse(schemas.ActionRequest, json_body())
    data = body.data.model_dump(exclude_unset=True) if body.data is not None else None
    try:
        case = transition(case, action, g.api_user, comment=body.comment, data=data, expected_version=body.version)
    except ServiceError as exc:
        return service_error_response(exc)
    return jsonify(_case_detail(case))


@bp.get("/my-work")
@operation("work", (200, schemas.MyWork, "My work."), 403)
def my_work_endpoint():
    """My work: the cases the calling staff member owns and first took up, and offers to them"""
    user = g.api_user
    if not user.is_staff:
        raise ApiError(403, _l("“My work” is for staff."), {"reasons": [str(_l("“My work” is for staff."))]})
    work = my_work(user)
    clocks = clocks_by_case([c.id for c in (*work.owned, *work.first_taken)])
    shown = {c.id: c for c in (*work.owned, *work.first_taken) if shows_personal_data(c)}  # a case may be in both
    log_reads(user, shown.values(), ReadKind.API_CASE)
    now = utcnow()
    return jsonify(
        {
            "owned": [serializers.case_object(c, clocks=clocks[c.id], now=now, staff=True) for c in work.owned],
            "first_taken": [
                serializers.case_object(c, clocks=clocks[c.id], now=now, staff=True) for c in work.first_taken
            ],
            "offers": [serializers.offer(o) for o in work.offers],
        }
    )


# ---- files ---------------------------------------------------------------------------------------


@bp.post("/cases/<number>/attachments")
@operation("cases", (201, schemas.Attachment, "The stored file."), 403, 404, 413, 415, 422, form=schemas.Upload)
def upload_attachment(number: str):
    """Add an evidence file"""
    case = _case_or_404(number)
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, _l("Send the file as multipart/form-data in the field “file”."))
    form = parse(schemas.Upload, {**request.form.to_dict(), **request.files.to_dict()})
    from app.cases.attachments import add_attachment

    try:
        attachment = add_attachment(case, g.api_user, form.file, description=form.description.strip())
    except ServiceError as exc:
        return service_error_response(exc, {"description": "description"})
    response = jsonify(serializers.attachment(attachment))
    response.status_code = 201
    return response


@bp.get("/cases/<number>/documents")
@operation("documents", (200, schemas.DocumentList, "The documents, oldest first."), 404)
def list_documents(number: str):
    """Documents issued for the case"""
    case = _case_or_404(number)
    return jsonify([serializers.document(d) for d in case_documents(case, g.api_user)])


@bp.get("/documents/<int:document_id>")
@operation("documents", (200, None, "The PDF."), 404, content="application/pdf")
def get_document_pdf(document_id: int):
    """One issued document as the PDF kept when it was issued"""
    document = get_document(document_id, g.api_user)
    if document is None:
        raise ApiError(404)
    content = _read_document(document)
    number = db.session.scalar(select(Case.number).where(Case.id == document.case_id))
    response = Response(content, mimetype="application/pdf")
    name = f"{number}-{document.kind.value}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-SHA256"] = document.sha256
    if number is not None:  # a document of a case (app.privacy.access_log)
        log_case_ids(g.api_user, [document.case_id], ReadKind.DOCUMENT)
    return response


def _read_document(document) -> bytes:
    try:
        from app.cases.documents import read_document
    except ImportError:  # the documents work is not in yet: read the stored file as it was issued
        from app.core.storage import absolute

        return absolute(document.storage_path).read_bytes()
    return read_document(document)


# ---- notifications -------------------------------------------------------------------------------------


@bp.get("/notifications")
@operation(
    "notifications",
    (200, schemas.NotificationList, "One page, newest first."),
    422,
    query=schemas.NotificationListQuery,
)
def list_notifications():
    """The caller's own notifications, newest first"""
    from app.notifications.models import Notification
    from app.notifications.services import text
    from app.notifications.views import linkable_cases

    query = parse(schemas.NotificationListQuery, request.args.to_dict(flat=False))
    stmt = select(Notification).where(Notification.user_id == g.api_user.id)
    if query.unread is True:
        stmt = stmt.where(Notification.read_at.is_(None))
    elif query.unread is False:
        stmt = stmt.where(Notification.read_at.is_not(None))
    if query.cursor is not None:
        stmt = stmt.where(Notification.id < query.cursor)
    rows = list(db.session.execute(stmt.order_by(Notification.id.desc()).limit(query.limit + 1)).scalars())
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    # A case the caller can no longer see (transferred away, handed over) is not named.
    numbers = linkable_cases(g.api_user, [n.case_id for n in rows])
    items = []
    for n in rows:
        subject = None
        if n.case_id is not None:
            subject = {"type": "case", "number": numbers.get(n.case_id)}
        items.append(
            {
                "id": n.id,
                "kind": n.kind,
                "subject": subject,
                "text": text(n),
                "created_at": serializers.iso(n.created_at),
                "read_at": serializers.iso(n.read_at),
            }
        )
    return jsonify({"items": items, "next_cursor": str(rows[-1].id) if more else None})


from app.api import agencies as _agencies  # noqa: E402,F401  (its routes are on this blueprint)
from app.api import fund as _fund  # noqa: E402,F401  (its routes are on this blueprint)
from app.api import mediations as _mediations  # noqa: E402,F401  (its routes are on this blueprint)
from app.api import plans as _plans  # noqa: E402,F401  (its routes are on this blueprint)
from app.api import referrals as _referrals  # noqa: E402,F401  (its routes are on this blueprint)
from app.api import reports as _reports  # noqa: E402,F401  (its routes are on this blueprint)
from app.api import reports_annual as _reports_annual  # noqa: E402,F401  (its routes are on this blueprint)
from app.api import visits as _visits  # noqa: E402,F401  (its routes are on this blueprint)
