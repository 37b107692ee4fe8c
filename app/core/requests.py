"""The life of a request against the database.

Requests with a safe method only read, so their SQLite transactions start
deferred; any other method starts ``BEGIN IMMEDIATE``. The request commits once
at its end when the response is a success or a redirect, and rolls back
otherwise, so a refused form (422) or an error never leaves half a record.
Work queued with ``after_commit`` (mail and other side effects) runs only
after that commit. Every response leaves with at most one charset in its Content-Type.
"""

from __future__ import annotations

from flask import abort, g, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.core.db import sqlite_begin_mode
from app.extensions import db

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def after_commit(fn, *args, **kwargs) -> None:
    g.setdefault("_after_commit", []).append((fn, args, kwargs))


def one_charset(content_type: str) -> str:
    """``content_type`` with only its first charset parameter. Werkzeug appends ``; charset=utf-8`` to
    any text type it is given, even one that names its charset already (a stored evidence file's
    ``text/plain; charset=gb18030``), and a browser may then read the file in the wrong encoding."""
    if content_type.lower().count("charset") < 2:
        return content_type
    kept, seen = [], False
    for index, part in enumerate(content_type.split(";")):
        part = part.strip()
        if index and part.partition("=")[0].strip().lower() == "charset":
            if seen:
                continue
            seen = True
        if part:
            kept.append(part)
    return "; ".join(kept)


def register_request_hooks(app) -> None:
    @app.after_request
    def _one_charset(response):
        content_type = response.headers.get("Content-Type")
        if content_type:
            fixed = one_charset(content_type)
            if fixed != content_type:
                response.headers["Content-Type"] = fixed
        return response

    @app.before_request
    def _refuse_nul():
        # No one types a NUL character, and PostgreSQL cannot store one in text: refuse it up front.
        for values in (request.args, request.form):
            for key, items in values.lists():
                if (isinstance(key, str) and "\x00" in key) or any(
                    "\x00" in item for item in items if isinstance(item, str)
                ):
                    abort(400)

    @app.before_request
    def _begin_mode():
        g._begin_token = sqlite_begin_mode.set("DEFERRED" if request.method in SAFE_METHODS else "IMMEDIATE")

    @app.after_request
    def _commit(response):
        from app.core.storage import forget_request_files

        session = db.session
        if response.status_code >= 400:
            session.rollback()
            forget_request_files(committed=False)
            return response
        try:
            session.commit()
        except (IntegrityError, StaleDataError):
            session.rollback()
            forget_request_files(committed=False)
            from app.core.errors import conflict_response

            return conflict_response()
        forget_request_files(committed=True)
        for fn, args, kwargs in g.pop("_after_commit", []):
            fn(*args, **kwargs)
        return response

    @app.teardown_request
    def _reset(exc):
        if exc is not None:
            db.session.rollback()
            from app.core.storage import forget_request_files

            forget_request_files(committed=False)
        token = g.pop("_begin_token", None)
        if token is not None:
            sqlite_begin_mode.reset(token)
