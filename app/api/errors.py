"""The API's error answers: ``{"error": {"code", "message", "details"}}`` in the request's language.

Views raise ``ApiError`` (or let a service's ``ServiceError`` through); the
blueprint's handlers turn each into JSON with the status API.md gives it.
``details`` is ``{"fields": {"<json path>": "<message>"}}`` for bad input and
``{"reasons": [...]}`` when the workflow refuses an action.
"""

from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l

from app.core.errors import ERROR_CODES

CODES = ERROR_CODES

MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("A valid API token is required (Authorization: Bearer <token>)."),
    403: _l("Your account is not allowed to do this."),
    404: _l("Not found, or not yours to see."),
    405: _l("This action cannot be done this way."),
    409: _l("Someone else changed this record meanwhile. Read it again and retry."),
    413: _l("What you sent is larger than the allowed size."),
    415: _l("This type of file is not accepted."),
    422: _l("Some of what you sent is not valid."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("An unexpected error occurred. It has been logged; please try again later."),
}


class ApiError(Exception):
    """An answer other than success: the status, an optional message and details."""

    def __init__(self, status: int, message=None, details: dict | None = None):
        super().__init__(str(message or MESSAGES.get(status, "")))
        self.status = status
        self.message = message
        self.details = details


def invalid(fields: dict, status: int = 422) -> ApiError:
    """Bad input naming each field: ``fields`` maps a JSON path to its message."""
    first = next(iter(fields.values()), None)
    return ApiError(status, first or MESSAGES[status], {"fields": {k: str(v) for k, v in fields.items()}})


def error_json(status: int, message=None, details: dict | None = None):
    body = {
        "error": {
            "code": CODES.get(status, "server_error"),
            "message": str(message or MESSAGES.get(status, MESSAGES[500])),
            "details": details,
        }
    }
    response = jsonify(body)
    response.status_code = status
    return response
