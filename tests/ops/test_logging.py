"""Logs as JSON lines: one access line per request with its request id and user id, nothing personal."""

from __future__ import annotations

import json
import logging
import re

import pytest

from tests.conftest import make_app

NAME, EMAIL = "王小明", "wang.xiaoming@example.cn"


@pytest.fixture(scope="module")
def app(database_url, tmp_path_factory):
    """An app logging JSON (this module's tests run on it: see ``_isolated``), with a route that fails."""
    from sqlalchemy import text

    from app.extensions import db
    from app.ops.logging import json_handlers

    own = make_app(database_url, LOG_FORMAT="json", UPLOAD_FOLDER=str(tmp_path_factory.mktemp("uploads")))

    def boom():  # an error whose SQL parameters carry a name
        db.session.execute(text("SELECT :name FROM no_such_table"), {"name": NAME})

    own.add_url_rule("/_test/boom", "test_boom", boom)
    yield own
    for handler in json_handlers():
        logging.getLogger().removeHandler(handler)
    logging.getLogger(own.name).setLevel(logging.NOTSET)
    own.extensions["db_engine"].dispose()


def records(capsys) -> list[dict]:
    """Every line written to stderr, each parsed (each must be one JSON object)."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]


def access(lines) -> list[dict]:
    return [r for r in lines if r["logger"] == "app.access"]


def test_one_access_line_with_ids_and_nothing_personal(app, make_centre, make_user, login, capsys):
    user = make_user("caseworker", centre=make_centre(), name=NAME, email=EMAIL)
    client = login(user)
    capsys.readouterr()
    response = client.get(f"/cases?q={NAME}&state=draft")
    assert response.status_code == 200
    output = capsys.readouterr().err
    lines = [json.loads(line) for line in output.splitlines()]
    (line,) = access(lines)
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert (line["user_id"], line["method"], line["path"], line["status"]) == (user.id, "GET", "/cases", 200)
    assert line["level"] == "INFO" and line["time"].endswith("Z") and line["sql_count"] > 0
    assert line["duration_ms"] >= 0 and line["message"].startswith("GET /cases 200 ")
    for secret in (NAME, EMAIL, "q=", "state=draft", "%E7%8E%8B"):
        assert secret not in output


def test_slow_request_warns_with_its_sql_count(app, make_centre, make_user, login, capsys, monkeypatch):
    client = login(make_user("caseworker", centre=make_centre()))
    monkeypatch.setitem(app.config, "SLOW_REQUEST_MS", 0)
    capsys.readouterr()
    client.get("/")
    (line,) = access(records(capsys))
    assert line["level"] == "WARNING" and line["sql_count"] > 0 and line["sql_ms"] >= 0
    assert "slow" in line["message"]


@pytest.mark.parametrize("incoming", ["x" * 65, "a b", "id;drop", "ok\u00e9"])
def test_a_bad_request_id_is_replaced(client, capsys, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    (line,) = access(records(capsys))
    assert response.headers["X-Request-ID"] == line["request_id"] != incoming
    assert line["user_id"] is None


def test_a_sane_request_id_is_kept_and_static_files_are_not_logged(client, capsys):
    response = client.get("/healthz", headers={"X-Request-ID": "proxy-1.A_b"})
    assert response.headers["X-Request-ID"] == "proxy-1.A_b"
    assert [line["request_id"] for line in access(records(capsys))] == ["proxy-1.A_b"]
    client.get("/static/css/app.css")
    assert access(records(capsys)) == []


def test_an_error_is_logged_with_the_request_id_without_sql_parameters(client, capsys):
    response = client.get("/_test/boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    output = capsys.readouterr().err
    lines = [json.loads(line) for line in output.splitlines()]
    (error,) = [line for line in lines if line["level"] == "ERROR"]
    assert error["request_id"] == "boom-1" and error["path"] == "/_test/boom" and "no_such_table" in error["exc"]
    assert access(lines)[0]["status"] == 500
    assert NAME not in output
