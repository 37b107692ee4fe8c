"""Failed logins are throttled per (e-mail, client address): no stranger can lock an owner out,
and no refusal tells whether an account exists."""

from __future__ import annotations

import re

from tests.helpers import PASSWORD, post_form

ATTACKER = "203.0.113.9"
OWNER = "198.51.100.7"


def from_address(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.set_cookie("lang", "en")
    return client


def error_text(response) -> str:
    """The form's error message, without the page around it (which holds a CSRF token)."""
    html = response.get_data(as_text=True)
    match = re.search(r'<div class="alert alert-danger"[^>]*>(.*?)</div>', html, re.S)
    assert match, html[:2000]
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def fail(client, email, times):
    responses = [post_form(client, "/login", {"email": email, "password": "wrong-password-1"}) for _ in range(times)]
    assert all(r.status_code == 422 for r in responses)
    return responses


def test_a_stranger_cannot_lock_the_owner_out(world, app, session):
    user = world.users["caseworker"]
    threshold = app.config["LOGIN_LOCKOUT_THRESHOLD"]
    attacker = from_address(app, ATTACKER)
    fail(attacker, user.email, threshold + 2)
    # The attacker's address is stopped, even with the right password...
    response = post_form(attacker, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 422
    # ...but the owner, from their own address, logs in.
    owner = from_address(app, OWNER)
    response = post_form(owner, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, error_text(response)
    assert owner.get("/enterprises").status_code == 200


def test_refusals_read_the_same_for_known_and_unknown_e_mails(world, app):
    """Whatever the number of attempts, an unknown e-mail is answered exactly as an existing one."""
    threshold = app.config["LOGIN_LOCKOUT_THRESHOLD"]
    known = fail(from_address(app, ATTACKER), world.users["caseworker"].email, threshold + 1)
    unknown = fail(from_address(app, "203.0.113.10"), "nobody-here@example.cn", threshold + 1)
    assert [error_text(r) for r in known] == [error_text(r) for r in unknown]
    # Before the threshold the usual message; from then on the address is told to wait.
    assert error_text(known[0]) == "The e-mail address or the password is wrong."
    assert "Too many failed logins" in error_text(known[-1])


def test_throttle_is_per_e_mail(world, app):
    """Failures with one e-mail do not stop the same address from logging in with another."""
    threshold = app.config["LOGIN_LOCKOUT_THRESHOLD"]
    c = from_address(app, ATTACKER)
    fail(c, "typo-of-mine@example.cn", threshold)
    response = post_form(c, "/login", {"email": world.users["mediator"].email, "password": PASSWORD})
    assert response.status_code == 302


def test_a_successful_login_forgets_earlier_failures(world, app):
    user = world.users["caseworker"]
    threshold = app.config["LOGIN_LOCKOUT_THRESHOLD"]
    c = from_address(app, OWNER)
    fail(c, user.email, threshold - 1)
    assert post_form(c, "/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    post_form(c, "/logout", {}, token_url="/")
    c = from_address(app, OWNER)
    responses = fail(c, user.email, threshold - 1)
    assert "Too many" not in error_text(responses[-1])
