"""Request ids, one access line per request, slow requests and (``LOG_FORMAT=json``) logs as JSON lines.

Every request gets an id: the incoming ``X-Request-ID`` when it is a sane token (at most 64 characters
of ``[A-Za-z0-9._-]``), a new one otherwise. It leaves in the ``X-Request-ID`` response header and is
added, with the signed-in user's numeric id, the method and the path, to every log record written
during the request. Each request (static files aside) ends with one line on the ``<app>.access``
logger: its status, duration and SQL statements (count and time); at WARNING when it took longer than
``SLOW_REQUEST_MS``. Nothing else of the request is logged: no query string (a search may carry a
person's name), no form data, no header but the request id, no e-mail or name.

With ``LOG_FORMAT=json`` (the production default) the root logger writes one JSON object per line to
stderr and the app's loggers log from INFO up; otherwise Flask's own handler and levels are left alone.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
ACCESS_LOGGER = "access"  # below the app's logger: ``app.access``


class SqlStats:
    """The SQL statements run during one request: how many and how long (seconds)."""

    __slots__ = ("count", "seconds", "started")

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.started = 0.0


_sql: ContextVar[SqlStats | None] = ContextVar("request_sql_stats", default=None)


def _before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
    stats = _sql.get()
    if stats is not None:
        stats.started = time.perf_counter()


def _after_cursor_execute(conn, cursor, statement, parameters, context, executemany):
    stats = _sql.get()
    if stats is not None:
        stats.count += 1
        stats.seconds += time.perf_counter() - stats.started


def _count_sql() -> None:
    """Listen on every engine once per process (the tests bind the session to another app's engine)."""
    if not event.contains(Engine, "before_cursor_execute", _before_cursor_execute):
        event.listen(Engine, "before_cursor_execute", _before_cursor_execute)
        event.listen(Engine, "after_cursor_execute", _after_cursor_execute)


def request_id_from(header: str | None) -> str:
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def _user_id() -> int | None:
    """The numeric id of the request's user, if something loaded it (never loads it: no query)."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    state = sa_inspect(user, raiseerr=False)
    identity = getattr(state, "identity", None)
    return identity[0] if identity else None


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id, method and path (without its query string) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id")
            record.user_id = _user_id()
            record.method = request.method
            record.path = request.path
        else:
            record.request_id = record.user_id = record.method = record.path = None
        return True


FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms", "sql_count", "sql_ms")


def _hide_sql_parameters(exc: BaseException | None) -> None:
    """SQLAlchemy's errors print the statement's parameters (a name, an e-mail…): not in the log."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if hasattr(exc, "hide_parameters"):
            exc.hide_parameters = True
        exc = exc.__cause__ or exc.__context__


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            entry[name] = getattr(record, name, None)
        if record.exc_info and record.exc_info[1] is not None:
            _hide_sql_parameters(record.exc_info[1])
            entry["exc_type"] = record.exc_info[0].__name__
            entry["exc"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(entry, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler):
    """Writes to the ``sys.stderr`` of the moment (as ``logging.lastResort`` does), not the one at set-up."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):  # StreamHandler.setStream; the stream is always the current stderr
        pass


def json_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "ipaid_json", False)]


def configure_logging(app) -> None:
    """``LOG_FORMAT=json``: one JSON object per line on stderr for every logger (the root's handler),
    the app's loggers from INFO up. Third-party loggers keep the root's level (WARNING): SQLAlchemy's
    engine logs every statement with its parameters at INFO."""
    root = logging.getLogger()
    app_logger = logging.getLogger(app.name)
    installed = json_handlers()
    for handler in installed:  # an app made before in this process (tests)
        root.removeHandler(handler)
    if (app.config.get("LOG_FORMAT") or "text").lower() != "json":
        if installed:
            app_logger.setLevel(logging.NOTSET)
        return
    handler = _StderrHandler()
    handler.ipaid_json = True
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root.addHandler(handler)
    from flask.logging import default_handler

    app_logger.removeHandler(default_handler)  # the root's handler writes the app's records too
    app_logger.setLevel(logging.INFO)


def register_observability(app) -> None:
    """The request id, the access line with its SQL count, and the log format."""
    configure_logging(app)
    _count_sql()
    access = logging.getLogger(f"{app.name}.{ACCESS_LOGGER}")

    def _start():
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g._started = time.perf_counter()
        g._sql_token = _sql.set(SqlStats())

    def _finish(response):
        response.headers[REQUEST_ID_HEADER] = g.get("request_id") or request_id_from(None)
        started = g.pop("_started", None)
        if started is None or request.endpoint == "static":
            return response
        duration_ms = (time.perf_counter() - started) * 1000
        stats = _sql.get() or SqlStats()
        slow = duration_ms > app.config.get("SLOW_REQUEST_MS", 500)
        level = logging.WARNING if slow else logging.INFO
        if access.isEnabledFor(level):
            access.log(
                level,
                "%s %s %s %.0f ms, %d SQL statements in %.0f ms%s",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                stats.count,
                stats.seconds * 1000,
                " (slow)" if slow else "",
                extra={
                    "status": response.status_code,
                    "duration_ms": round(duration_ms, 1),
                    "sql_count": stats.count,
                    "sql_ms": round(stats.seconds * 1000, 1),
                },
            )
        return response

    def _reset(exc):
        token = g.pop("_sql_token", None)
        if token is not None:
            _sql.reset(token)

    # First before the other hooks (their log records carry the id), last after them (the final status).
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)
    app.teardown_request(_reset)
