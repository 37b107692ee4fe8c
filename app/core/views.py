"""Helpers the views of every feature share."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import render_template, request

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


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after login or a language switch."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
