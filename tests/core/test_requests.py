"""The request commits once at its end on success; a refusal or an error rolls back; side effects wait for the commit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.centres.models import Centre, CentreLevel
from tests.conftest import fresh_database_url, make_app


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory):
    """An app on its own database (real commits), with routes that write and then answer as told."""
    app = make_app(
        fresh_database_url(tmp_path_factory, "lifecycle"), WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False
    )
    sent = []

    from app.core.requests import after_commit
    from app.extensions import db

    @app.post("/write/<int:status>")
    def write(status):
        db.session.add(Centre(code=f"W{status}", name_zh="写入", name_en="w", level=CentreLevel.NATIONAL, path="/"))
        db.session.flush()
        after_commit(sent.append, status)
        if status == 500:
            raise RuntimeError("boom after a write")
        return "done", status

    def count(code):
        with app.app_context():
            return db.session.scalar(select(func.count(Centre.id)).where(Centre.code == code))

    return app, sent, count


@pytest.mark.parametrize("status, kept", [(200, True), (302, True), (409, False), (422, False), (500, False)])
def test_commit_only_on_success(lifecycle, status, kept):
    app, sent, count = lifecycle
    sent.clear()
    response = app.test_client().post(f"/write/{status}")
    assert response.status_code == status
    assert count(f"W{status}") == (1 if kept else 0)
    assert sent == ([status] if kept else [])  # mail and other side effects only after a commit


def test_sqlite_pragmas(lifecycle):
    app, _, _ = lifecycle
    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        values = {
            p: db.session.execute(text(f"PRAGMA {p}")).scalar()
            for p in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
        }
    assert values == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 1, "busy_timeout": 15000}
