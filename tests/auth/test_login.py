"""Login, lockout, throttling, sessions and passwords."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.passwords import verify_password
from tests.helpers import PASSWORD, csrf_token, post_form


def reload(session, obj):
    session.expire_all()
    return session.get(type(obj), obj.id)


def test_login_and_logout(world, client):
    user = world.users["caseworker"]
    response = post_form(client, "/login", {"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert user.name in client.get("/").get_data(as_text=True)
    response = post_form(client, "/logout", {}, token_url="/")
    assert response.status_code == 302
    assert client.get("/enterprises").status_code == 302  # back to login


def test_wrong_password_is_refused_in_the_users_language(world, client):
    user = world.users["caseworker"]
    response = post_form(client, "/login", {"email": user.email, "password": "wrong-password-1"})
    assert response.status_code == 422
    client.set_cookie("lang", "en")
    response = post_form(client, "/login", {"email": user.email, "password": "wrong-password-1"})
    assert "The e-mail address or the password is wrong." in response.get_data(as_text=True)


def test_unknown_email_gets_the_same_message(world, client):
    client.set_cookie("lang", "en")
    response = post_form(client, "/login", {"email": "nobody@example.cn", "password": "whatever-123"})
    assert response.status_code == 422
    assert "The e-mail address or the password is wrong." in response.get_data(as_text=True)


def test_lockout_after_repeated_failures(world, client, session, app, monkeypatch):
    user = world.users["caseworker"]
    client.set_cookie("lang", "en")
    threshold = app.config["LOGIN_LOCKOUT_THRESHOLD"]
    for _ in range(threshold):
        response = post_form(client, "/login", {"email": user.email, "password": "wrong-password-1"})
    assert "locked" in response.get_data(as_text=True)
    # Only this client's address is locked out of this e-mail: the account itself is not locked
    # (see tests/auth/test_login_throttle.py), so no stranger can keep its owner out.
    user = reload(session, user)
    assert user.locked_until is None
    # Even the right password is refused while locked.
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 422 and "locked" in response.get_data(as_text=True)
    # Once the lock has passed, the right password works again.
    later = time.time() + app.config["LOGIN_LOCKOUT_MINUTES"] * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_login_is_rate_limited(world, client):
    token = csrf_token(client)
    statuses = [
        client.post(
            "/login", data={"email": "x@example.cn", "password": "bad-pass-123", "csrf_token": token}
        ).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
    client.set_cookie("lang", "en")
    response = client.post("/login", data={"email": "x@example.cn", "password": "bad-pass-123", "csrf_token": token})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_fresh_session_at_login(world, client):
    """Nothing of the anonymous session survives a login (no session fixation)."""
    with client.session_transaction() as s:
        s["planted"] = "by-attacker"
    post_form(client, "/login", {"email": world.users["caseworker"].email, "password": PASSWORD})
    with client.session_transaction() as s:
        assert "planted" not in s
        assert "_user_id" in s


def test_deactivation_ends_existing_sessions(world, login, session):
    victim = world.users["caseworker"]
    victim_client = login(victim)
    assert victim_client.get("/enterprises").status_code == 200
    admin_client = login(world.users["admin"])
    response = post_form(admin_client, f"/admin/users/{victim.id}/deactivate", {}, token_url="/admin/users")
    assert response.status_code == 302
    assert victim_client.get("/enterprises").status_code == 302  # sent to the login page
    # and cannot log in again
    response = post_form(victim_client, "/login", {"email": victim.email, "password": PASSWORD})
    assert response.status_code == 422


def test_remember_cookie_dies_with_deactivation(world, app, session):
    user = world.users["supervisor"]
    c = app.test_client()
    post_form(c, "/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    remember = c.get_cookie("remember_token")
    assert remember is not None
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/enterprises").status_code == 200
    user = reload(session, user)
    user.is_active = False
    user.end_sessions()
    session.commit()
    again = app.test_client()
    again.set_cookie("remember_token", remember.value)
    assert again.get("/enterprises").status_code == 302


def test_change_password_needs_the_current_one(world, login, session):
    user = world.users["caseworker"]
    c = login(user)
    c.set_cookie("lang", "en")
    response = post_form(
        c,
        "/account",
        {"current_password": "not-my-password", "password": "New-Lantern-42", "confirm": "New-Lantern-42"},
    )
    assert response.status_code == 422
    assert "The current password is wrong." in response.get_data(as_text=True)
    assert verify_password(reload(session, user).password_hash, PASSWORD)

    other_device = login(user)
    response = post_form(
        c, "/account", {"current_password": PASSWORD, "password": "New-Lantern-42", "confirm": "New-Lantern-42"}
    )
    assert response.status_code == 302
    assert verify_password(reload(session, user).password_hash, "New-Lantern-42")
    assert c.get("/enterprises").status_code == 200  # this device stays logged in
    assert other_device.get("/enterprises").status_code == 302  # other sessions end


@pytest.mark.parametrize(
    "new, message",
    [
        ("short7", "Use at least 8 characters."),
        ("password", "too common"),
        ("12345678", "too common"),
        ("qwertyuiop", "too common"),
        ("aaaaaaaaaaaa", "too common"),
    ],
)
def test_weak_passwords_are_refused(world, login, new, message):
    c = login(world.users["caseworker"])
    c.set_cookie("lang", "en")
    response = post_form(c, "/account", {"current_password": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_passwords_are_hashed_with_argon2id(world, session):
    """Stored hashes are argon2id; the application hashes at OWASP's strength or above (checked in a
    process of its own: the test suite swaps in a cheap profile, see ``tests/conftest.py``)."""
    import subprocess
    import sys

    user = session.execute(select(User).where(User.role == Role.CASEWORKER)).scalars().first()
    assert user.password_hash.startswith("$argon2id$")
    made = subprocess.run(
        [sys.executable, "-c", "from app.auth.passwords import hash_password; print(hash_password('Correct-Horse-9'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert made.startswith("$argon2id$")
    params = dict(p.split("=") for p in made.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2


def test_login_next_only_follows_local_paths(world, client):
    user = world.users["caseworker"]
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/x", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/"


def test_forms_need_csrf(world, client):
    response = client.post("/login", data={"email": world.users["caseworker"].email, "password": PASSWORD})
    assert response.status_code == 400
