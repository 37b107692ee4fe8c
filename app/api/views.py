"""The integration API v1 (API.md): cases with their clocks, workflow actions (handover and transfer
among them), "my work", attachments and documents.

Another door onto the same services and permission checks as the pages. Every
route but the spec needs a bearer token (``app.api.auth``); the blueprint is
exempt from CSRF (no cookie is ever read) and rate-limited per token.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.api import serializers
from app.api.auth import authenticate, rate_limit, rate_limit_key
from app.api.errors import ApiError, error_json, invalid
from app.api.intake import parse_new_case, resolve_enterprise
from app.api.queries import (
    BadCursor,
    CaseFilters,
    case_documents,
    case_events,
    clocks_by_case,
    decode_cursor,
    get_document,
    list_cases,
    my_work,
)
from app.api.validation import Problems, enum_value, is_int, json_body, opt_text, refuse_unknown
from app.cases import workflow
from app.cases.enums import CaseKind, CaseState, Channel, IPType
from app.cases.models import Case
from app.cases.queries import get_case_by_number
from app.cases.services import ActionRefused, CaseNotFound, UnknownAction, available_actions, create_case, transition
from app.core.db import utcnow
from app.core.errors import ConflictError, ServiceError
from app.extensions import csrf, db, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
limiter.limit(rate_limit, key_func=rate_limit_key)(bp)

PUBLIC_ENDPOINTS = {"api.openapi_json"}
MAX_VERSION = 2**31 - 1


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


def _case_or_404(number: str):
    case = get_case_by_number(number, g.api_user)
    if case is None:
        raise ApiError(404)
    return case


def _case_detail(case):
    clocks = clocks_by_case([case.id])[case.id]
    return serializers.case_object(case, case_events(g.api_user, case), clocks=clocks)


def _case_items(cases) -> list[dict]:
    """Case objects for a list: the clocks of every case in one statement, judged at one instant."""
    clocks = clocks_by_case([c.id for c in cases])
    now = utcnow()
    return [serializers.case_object(c, clocks=clocks[c.id], now=now) for c in cases]


# ---- the spec ------------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi_json():
    from app.api.openapi import spec

    return jsonify(spec())


# ---- cases ---------------------------------------------------------------------------------------


@bp.post("/cases")
def create_case_endpoint():
    user = g.api_user
    if user.role not in workflow.HANDLERS and user.is_staff:
        raise ApiError(403, _l("Your role cannot file cases."), {"reasons": [str(_l("Your role cannot file cases."))]})
    new = parse_new_case(json_body())
    enterprise = resolve_enterprise(user, new.enterprise)
    try:
        case = create_case(user, enterprise=enterprise, **new.fields)
    except ServiceError as exc:
        return service_error_response(exc, new.field_paths)
    response = jsonify(_case_detail(case))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_case", number=case.number)
    return response


@bp.get("/cases")
def list_cases_endpoint():
    args = request.args
    problems = Problems()
    filters = CaseFilters(
        state=enum_value(args.get("state"), CaseState, "state", problems),
        kind=enum_value(args.get("kind"), CaseKind, "kind", problems),
        ip_type=enum_value(args.get("ip_type"), IPType, "ip_type", problems),
        channel=enum_value(args.get("channel"), Channel, "channel", problems),
        overdue=_flag(args.get("overdue"), "overdue", problems),
        q=(args.get("q") or "").strip(),
    )
    if len(filters.q) > 200:
        problems.add("q", _l("Too long (at most %(n)d characters).", n=200))
    limit = _limit(args.get("limit"), problems)
    cursor = args.get("cursor") or None
    if cursor is not None:
        try:
            decode_cursor(cursor)
        except BadCursor:
            problems.add("cursor", _l("This cursor is not one this API gave out."))
    problems.raise_if_any()
    cases, next_cursor = list_cases(g.api_user, filters, limit, cursor)
    return jsonify({"items": _case_items(cases), "next_cursor": next_cursor})


def _flag(raw: str | None, name: str, problems: Problems) -> bool | None:
    if raw is None or raw == "":
        return None
    value = raw.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    problems.add(name, _l("Must be true or false."))
    return None


def _limit(raw: str | None, problems: Problems) -> int:
    if raw is None or raw == "":
        return 20
    if raw.isascii() and raw.isdigit() and len(raw) <= 3 and 1 <= int(raw) <= 100:
        return int(raw)
    problems.add("limit", _l("Must be a whole number from 1 to 100."))
    return 20


@bp.get("/cases/<number>")
def get_case(number: str):
    return jsonify(_case_detail(_case_or_404(number)))


@bp.get("/cases/<number>/actions")
def case_actions(number: str):
    case = _case_or_404(number)
    return jsonify([serializers.action_check(c) for c in available_actions(case, g.api_user)])


@bp.post("/cases/<number>/actions/<action>")
def take_action(number: str, action: str):
    case = _case_or_404(number)
    if action not in workflow.ACTIONS:
        raise ApiError(404, _l("There is no such action."))
    body = json_body()
    problems = Problems()
    refuse_unknown(body, ("version", "comment", "data"), "", problems)
    version = body.get("version")
    if version is None:
        problems.add("version", _l("Required: the case's version as last read."))
    elif not is_int(version) or not 1 <= version <= MAX_VERSION:
        problems.add("version", _l("Must be a whole number from 1."))
    comment = opt_text(body, "comment", "comment", problems, max_length=10000)
    data = body.get("data")
    if data is not None and not isinstance(data, dict):
        problems.add("data", _l("Must be an object."))
    elif data is not None:
        _check_receiver(data, problems)
    problems.raise_if_any()
    try:
        case = transition(case, action, g.api_user, comment=comment, data=data, expected_version=version)
    except ServiceError as exc:
        return service_error_response(exc)
    return jsonify(_case_detail(case))


# The receivers a handover or transfer names: text of at most this many characters (the columns' sizes).
RECEIVER_FIELDS = {"to_user": 254, "to_centre": 40}


def _check_receiver(data: dict, problems: Problems) -> None:
    """``data.to_user`` (an e-mail) and ``data.to_centre`` (a centre code) are text when given; whether
    they name a colleague or a centre that may take the case is for the workflow's guards (422 reasons)."""
    for key, max_length in RECEIVER_FIELDS.items():
        opt_text(data, key, f"data.{key}", problems, max_length=max_length)


@bp.get("/my-work")
def my_work_endpoint():
    user = g.api_user
    if not user.is_staff:
        raise ApiError(403, _l("“My work” is for staff."), {"reasons": [str(_l("“My work” is for staff."))]})
    work = my_work(user)
    clocks = clocks_by_case([c.id for c in (*work.owned, *work.first_taken)])
    now = utcnow()
    return jsonify(
        {
            "owned": [serializers.case_object(c, clocks=clocks[c.id], now=now) for c in work.owned],
            "first_taken": [serializers.case_object(c, clocks=clocks[c.id], now=now) for c in work.first_taken],
            "offers": [serializers.offer(o) for o in work.offers],
        }
    )


# ---- files ---------------------------------------------------------------------------------------


@bp.post("/cases/<number>/attachments")
def upload_attachment(number: str):
    case = _case_or_404(number)
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, _l("Send the file as multipart/form-data in the field “file”."))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise invalid({"file": _l("Attach a file in the field “file”.")})
    description = request.form.get("description", "")
    if len(description.strip()) > 300:
        raise invalid({"description": _l("Too long (at most %(n)d characters).", n=300)})
    from app.cases.attachments import add_attachment

    try:
        attachment = add_attachment(case, g.api_user, upload, description=description.strip())
    except ServiceError as exc:
        return service_error_response(exc, {"description": "description"})
    response = jsonify(serializers.attachment(attachment))
    response.status_code = 201
    return response


@bp.get("/cases/<number>/documents")
def list_documents(number: str):
    case = _case_or_404(number)
    return jsonify([serializers.document(d) for d in case_documents(case)])


@bp.get("/documents/<int:document_id>")
def get_document_pdf(document_id: int):
    document = get_document(document_id, g.api_user)
    if document is None:
        raise ApiError(404)
    content = _read_document(document)
    number = db.session.scalar(select(Case.number).where(Case.id == document.case_id))
    response = Response(content, mimetype="application/pdf")
    name = f"{number}-{document.kind.value}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-SHA256"] = document.sha256
    return response


def _read_document(document) -> bytes:
    try:
        from app.cases.documents import read_document
    except ImportError:  # the documents work is not in yet: read the stored file as it was issued
        from app.core.storage import absolute

        return absolute(document.storage_path).read_bytes()
    return read_document(document)
