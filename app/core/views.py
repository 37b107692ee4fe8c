"""Helpers the views of every feature share."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import render_template, request
from werkzeug.routing import IntegerConverter

from app.core.errors import ServiceError


def field_error(form, exc: ServiceError) -> None:
    """Show a service's refusal next to its field, or above the form when it has none."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(exc.message)]
    else:
        form.form_errors.append(str(exc.message))


def render_form(template: str, form, **context):
    """Render a form page; a submitted form with errors answers 422 (and the request rolls back)."""
    status = 422 if request.method == "POST" and (form.errors or form.form_errors) else 200
    return render_template(template, form=form, **context), status


MAX_ID = 2**31 - 1  # ids are 32-bit integer columns


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after login or a language switch."""
    if not target or len(target) > 2000 or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:
        return default
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def id_arg(name: str) -> int | None:
    """An id from the query string, or None when it is missing or could not be an id."""
    value = request.args.get(name, "")
    if value.isascii() and value.isdigit() and 0 < len(value) <= 10 and 0 < int(value) <= MAX_ID:
        return int(value)
    return None


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: only numbers that can be ids, so larger ones are simply not found.

    The pattern itself matches only 1 to 2**31 - 1 (no leading zero): werkzeug checks a rule's method
    before its converter, so an id refused only by the converter would answer 405 instead of 404 on a
    path that has rules for several methods (``GET`` and ``PATCH /api/v1/plans/<id>``)."""

    regex = (
        r"(?:[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}|21474[0-7]\d{4}"
        r"|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])"
    )

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
