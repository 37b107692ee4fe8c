"""Logging out ends the session on the server, and an idle session ends by itself."""

from __future__ import annotations

import time

from app.core.security import LAST_SEEN_KEY
from tests.helpers import PASSWORD, post_form

COOKIE = "ipaid_session"


def log_out(client):
    response = post_form(client, "/logout", {}, token_url="/")
    assert response.status_code == 302


def test_session_cookie_replayed_after_logout_is_refused(world, app, login):
    user = world.users["caseworker"]
    c = login(user)
    assert c.get("/enterprises").status_code == 200
    saved = c.get_cookie(COOKIE).value
    log_out(c)
    # The browser forgot the cookie; whoever kept a copy puts it back.
    c.set_cookie(COOKIE, saved)
    response = c.get("/enterprises")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    # and from another machine.
    other = app.test_client()
    other.set_cookie(COOKIE, saved)
    assert other.get("/enterprises").status_code == 302


def test_remember_cookie_replayed_after_logout_is_refused(world, app):
    user = world.users["supervisor"]
    c = app.test_client()
    post_form(c, "/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    remember = c.get_cookie("remember_token").value
    log_out(c)
    replay = app.test_client()
    replay.set_cookie("remember_token", remember)
    assert replay.get("/enterprises").status_code == 302


def test_logging_in_again_after_logout_works(world, login):
    user = world.users["caseworker"]
    c = login(user)
    log_out(c)
    assert c.get("/enterprises").status_code == 302
    c = login(user)
    assert c.get("/enterprises").status_code == 200


def test_idle_timeout_setting(app):
    assert app.config["SESSION_IDLE_MINUTES"] == 30


def test_idle_session_is_logged_out(world, app, login):
    idle = app.config["SESSION_IDLE_MINUTES"]
    c = login(world.users["caseworker"])
    c.set_cookie("lang", "en")
    with c.session_transaction() as s:
        s[LAST_SEEN_KEY] = int(time.time()) - idle * 60 - 5
    response = c.get("/enterprises")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    page = c.get(response.headers["Location"]).get_data(as_text=True)
    assert f"You were logged out after {idle} minutes without activity." in page
    assert c.get("/enterprises").status_code == 302  # and stays logged out


def test_idle_timeout_cannot_be_dodged_by_a_saved_cookie(world, app, login, monkeypatch):
    """A copy of the cookie kept and replayed after the idle time carries its old last activity."""
    idle = app.config["SESSION_IDLE_MINUTES"]
    c = login(world.users["caseworker"])
    assert c.get("/enterprises").status_code == 200
    saved = c.get_cookie(COOKIE).value
    later = time.time() + idle * 60 + 5
    monkeypatch.setattr(time, "time", lambda: later)
    other = app.test_client()
    other.set_cookie(COOKIE, saved)
    assert other.get("/enterprises").status_code == 302


def test_active_session_stays_and_records_activity(world, app, login):
    idle = app.config["SESSION_IDLE_MINUTES"]
    c = login(world.users["caseworker"])
    before = int(time.time()) - idle * 60 + 60  # idle for a minute less than the limit
    with c.session_transaction() as s:
        s[LAST_SEEN_KEY] = before
    assert c.get("/enterprises").status_code == 200
    with c.session_transaction() as s:
        assert s[LAST_SEEN_KEY] >= int(time.time()) - 5  # the request counted as activity
    assert c.get("/enterprises").status_code == 200


def test_api_tokens_are_not_affected(world, app, login, session, monkeypatch):
    """Bearer tokens know no session: neither logging out of the web nor idle time ends them."""
    from app.api.services import issue_token

    user = world.users["caseworker"]
    _token, value = issue_token(user, "session-test")
    session.commit()
    headers = {"Authorization": f"Bearer {value}"}
    c = login(user)
    log_out(c)
    api = app.test_client()
    assert api.get("/api/v1/cases", headers=headers).status_code == 200
    later = time.time() + 24 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    response = api.get("/api/v1/cases", headers=headers)
    assert response.status_code == 200
    assert COOKIE not in response.headers.get("Set-Cookie", "")
