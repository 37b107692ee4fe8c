"""Reading a JSON body before its schema does (``app.api.schemas``).

Everything a client can send ends as data or as a 400/422 naming the field, never
as a server error: bodies that are not JSON, NaN and infinities, nesting deep
enough to exhaust the parser, integers too long to parse, NUL characters (which
PostgreSQL cannot store) and lone surrogates (which cannot be encoded) are all
refused here, whatever the body's schema; the schemas then check shapes and
types, every field's problem at once, and the services what values mean.
"""

from __future__ import annotations

import json

from flask import request
from flask_babel import lazy_gettext as _l

from app.api.errors import ApiError, invalid

MAX_INT = 2**53  # beyond what every JSON client can represent exactly
MAX_JSON_BYTES = 1024 * 1024  # a case with every field at its longest is far below this


class Problems:
    """Collects one message per JSON path; ``raise_if_any`` answers 422 naming them all."""

    def __init__(self) -> None:
        self.fields: dict[str, object] = {}

    def add(self, path: str, message) -> None:
        self.fields.setdefault(path, message)

    def raise_if_any(self, status: int = 422) -> None:
        if self.fields:
            raise invalid(self.fields, status)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def json_body() -> dict:
    """The request's JSON object: 400 when it is not JSON, 413 past 1 MiB, 415 when sent as another type,
    422 when it is not an object."""
    mimetype = request.mimetype or ""
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, _l("Send a JSON body with Content-Type: application/json."))
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise ApiError(413)
    raw = request.get_data(cache=True)
    if len(raw) > MAX_JSON_BYTES:
        raise ApiError(413)
    if not raw.strip():
        raise invalid({"body": _l("Send a JSON object.")}, 400)
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise invalid({"body": _l("The body is not valid JSON.")}, 400) from None
    if not isinstance(value, dict):
        raise invalid({"body": _l("The body must be a JSON object.")})
    problems = Problems()
    check_text_values(value, "", problems)
    problems.raise_if_any()
    return value


def check_text_values(value, path: str, problems: Problems, depth: int = 0) -> None:
    """Refuse NUL characters and unencodable text anywhere in a JSON value (keys included)."""
    if depth > 32:
        problems.add(path or "body", _l("This value is nested too deeply."))
        return
    if isinstance(value, str):
        message = text_problem(value)
        if message is not None:
            problems.add(path or "body", message)
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            message = text_problem(key)
            if message is not None:
                problems.add(path or "body", message)
                continue
            check_text_values(item, child, problems, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_text_values(item, f"{path}[{index}]", problems, depth + 1)


def text_problem(value: str):
    if "\x00" in value:
        return _l("Text cannot contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _l("Text must be valid Unicode.")
    return None
