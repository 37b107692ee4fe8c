"""Domain errors and the error pages (HTML in both languages, JSON under /api/)."""

from __future__ import annotations

from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


class ServiceError(Exception):
    """A refusal by a service: a translatable message, optionally tied to a form field."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class ConflictError(ServiceError):
    """The object changed meanwhile."""


ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    401: (_l("Login required"), _l("Please log in to continue.")),
    403: (_l("Not allowed"), _l("Your account is not allowed to do this.")),
    404: (_l("Not found"), _l("This page does not exist, or it is not yours to see.")),
    405: (_l("Not allowed"), _l("This action cannot be done this way.")),
    409: (
        _l("Changed meanwhile"),
        _l(
            "Someone else changed this record meanwhile. Reload the page to see the latest version; your input was not saved."
        ),
    ),
    413: (_l("Too large"), _l("What you sent is larger than the allowed size.")),
    422: (_l("Invalid input"), _l("Some of what you entered is not valid.")),
    429: (_l("Too many requests"), _l("Too many attempts. Please wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged; please try again later.")),
}


# The machine-readable ``error.code`` of each status (API.md), shared by the pages' JSON and the API.
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json" and not request.accept_mimetypes.accept_html
    )


def error_response(code: int, message: str | None = None):
    title, description = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    message = message or str(description)
    if wants_json():
        return jsonify({"error": {"code": _slug(code), "message": message, "details": None}}), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def with_exception_headers(response, exc: HTTPException):
    """``response`` with the headers ``exc`` carries besides its own content type: ``Allow`` on a 405
    (which RFC 9110 requires), ``Retry-After``, ``WWW-Authenticate`` ..."""
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers.add(name, value)
    return response


def conflict_response():
    return error_response(409)


def _slug(code: int) -> str:
    return ERROR_CODES.get(code, "server_error")


def register_error_handlers(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return error_response(
            400, _("This form has expired or was not sent from this site. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        return with_exception_headers(make_response(error_response(exc.code, None)), exc)

    from app.core.storage import StoredFileCorrupted

    @app.errorhandler(StoredFileCorrupted)
    def _corrupted(exc: StoredFileCorrupted):
        # Never served, never a 500: the reader is told plainly, the operators by the log.
        app.logger.error("Refused a stored file that fails its recorded hash: %s", exc)
        from app.extensions import db

        db.session.rollback()
        return error_response(
            409,
            _(
                "This file no longer matches the copy the centre kept when it was issued, so it is not shown. "
                "The centre has been alerted; ask it for a new copy."
            ),
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        from app.extensions import db

        db.session.rollback()
        return error_response(InternalServerError.code)
