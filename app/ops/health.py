"""Liveness (``/healthz``) and readiness (``/readyz``) for the proxy, the orchestrator and monitoring.

Liveness says only that the process answers: it touches no database, so an outage of the database
does not get healthy processes restarted. Readiness checks what a request needs: the database
(``SELECT 1``), Redis when ``REDIS_URL`` is set (``PING``), the storage folder (a file created and
deleted in ``UPLOAD_FOLDER``) and the schema (the database's ``alembic_version`` is the migrations'
head). Each check is short (about a second at most); a failing check is named with a short reason,
never an exception's text (it may hold a host, a user or a connection string).
"""

from __future__ import annotations

import functools
import logging
import os
import tempfile

from flask import current_app, jsonify
from sqlalchemy import text

from config import BASE_DIR

log = logging.getLogger(__name__)

OK = "ok"
NOT_CONFIGURED = "not configured"
NOT_CHECKED = "not checked"
DB_STATEMENT_TIMEOUT_MS = 1000
REDIS_TIMEOUT_S = 0.5


@functools.cache
def migration_heads() -> frozenset[str]:
    """The head revision(s) of the migration scripts: read once per process (they do not change)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(str(BASE_DIR / "migrations")).get_heads())


def _failed(name: str, exc: BaseException) -> None:
    # The type only: the message of a driver's error may name the host, the user or the URL.
    log.warning("readiness check %s failed: %s", name, type(exc).__name__)


def check_database(session) -> tuple[str, str]:
    """(database, migrations), inside a savepoint rolled back at the end: the statement timeout set for
    the checks (PostgreSQL) and a failed statement end with it, whatever transaction the session is in."""
    try:
        savepoint = session.begin_nested()
    except Exception as exc:
        _failed("database", exc)
        return "unreachable", NOT_CHECKED
    try:
        try:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(
                    text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(DB_STATEMENT_TIMEOUT_MS)}
                )
            session.execute(text("SELECT 1")).scalar_one()
        except Exception as exc:
            _failed("database", exc)
            return "unreachable", NOT_CHECKED
        return OK, check_migrations(session)
    finally:
        try:
            savepoint.rollback()
        except Exception as exc:
            _failed("database", exc)


def check_migrations(session) -> str:
    try:
        current = frozenset(session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception as exc:
        _failed("migrations", exc)
        return "unknown"
    if current != migration_heads():
        log.warning(
            "readiness check migrations failed: database at %s, scripts at %s",
            sorted(current),
            sorted(migration_heads()),
        )
        return "not at head"
    return OK


def check_redis(url: str | None) -> str:
    if not url:
        return NOT_CONFIGURED
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S)
    try:
        client.ping()
    except Exception as exc:
        _failed("redis", exc)
        return "unreachable"
    finally:
        client.close()
    return OK


def check_storage(folder: str | None) -> str:
    if not folder or not os.path.isdir(folder):
        log.warning("readiness check storage failed: the folder is missing")
        return "missing"
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".readyz-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as exc:
        _failed("storage", exc)
        return "not writable"
    return OK


def readiness() -> tuple[int, dict]:
    """(HTTP status, body): 200 ``ready`` when every check passes, else 503 naming the failing ones."""
    from app.extensions import db

    config = current_app.config
    database, migrations = check_database(db.session)
    checks = {
        "database": database,
        "redis": check_redis(config.get("REDIS_URL")),
        "storage": check_storage(config.get("UPLOAD_FOLDER")),
        "migrations": migrations,
    }
    failing = [name for name, value in checks.items() if value not in (OK, NOT_CONFIGURED, NOT_CHECKED)]
    if failing:
        return 503, {"status": "not ready", "failing": failing, "checks": checks}
    return 200, {"status": "ready", "checks": checks}


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def liveness_response():
    return _no_store(jsonify(status="ok"))


def readiness_response():
    status, body = readiness()
    response = jsonify(body)
    response.status_code = status
    return _no_store(response)
