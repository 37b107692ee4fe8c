"""/healthz (the process answers, no database) and /readyz (database, Redis, storage, migrations)."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import text

from tests.conftest import make_app

READY = {"database": "ok", "redis": "not configured", "storage": "ok", "migrations": "ok"}


def _plain(response):
    """Neither endpoint sets a cookie or may be cached."""
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    return response


def test_healthz_answers_without_the_database(database_url, tmp_path):
    """A dead database: liveness still answers (the orchestrator must not restart a healthy process);
    readiness says the database is unreachable, quickly and without the URL."""
    from app.extensions import db

    dead_url = (
        "postgresql+psycopg://nobody@127.0.0.1:1/ipaid_gone"
        if database_url.startswith("postgresql")
        else f"sqlite:///{tmp_path}/no/such/folder/gone.sqlite3"
    )
    dead = make_app(dead_url, UPLOAD_FOLDER=str(tmp_path))
    db.session.remove()
    db.session_factory.configure(bind=None)  # the test's connection would answer for the dead app
    try:
        client = dead.test_client()
        response = _plain(client.get("/healthz"))
        assert response.status_code == 200 and response.get_json() == {"status": "ok"}
        started = time.monotonic()
        response = _plain(client.get("/readyz"))
        assert time.monotonic() - started < 2
        body = response.get_json()
        assert response.status_code == 503 and body["failing"] == ["database"]
        assert body["checks"]["database"] == "unreachable" and body["checks"]["migrations"] == "not checked"
        raw = response.get_data(as_text=True)
        assert "ipaid_gone" not in raw and "Traceback" not in raw
    finally:
        dead.extensions["db_engine"].dispose()


def test_readyz_ready_with_and_without_redis(app, client, monkeypatch, session):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    response = _plain(client.get("/readyz"))
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": READY}
    if session.get_bind().dialect.name == "postgresql":  # the checks' statement timeout ends with them
        assert session.execute(text("SHOW statement_timeout")).scalar() == "0"
    # Redis runs on the development machine; the compose stack's test service names its own.
    monkeypatch.setitem(app.config, "REDIS_URL", os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15")
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["checks"] == {**READY, "redis": "ok"}


def test_readyz_names_redis_when_unreachable(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://:secret@127.0.0.1:1/0")
    response = _plain(client.get("/readyz"))
    body = response.get_json()
    assert response.status_code == 503 and body["failing"] == ["redis"]
    assert body["checks"]["redis"] == "unreachable" and "secret" not in response.get_data(as_text=True)


def test_readyz_names_migrations_behind_head(client, session):
    (version,) = session.execute(text("SELECT version_num FROM alembic_version")).one()
    session.execute(text("UPDATE alembic_version SET version_num = 'aaaaaaaaaaaa'"))
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["failing"] == ["migrations"]
        assert response.get_json()["checks"]["migrations"] == "not at head"
    finally:
        session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("kind", ["missing", "a file"])
def test_readyz_names_storage(app, client, monkeypatch, tmp_path, kind):
    folder = tmp_path / "uploads"
    if kind == "a file":
        folder.write_text("not a folder")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["failing"] == ["storage"]
    folder.unlink(missing_ok=True)
    folder.mkdir()
    assert client.get("/readyz").status_code == 200
    assert list(folder.iterdir()) == [], "the probe file is deleted"
