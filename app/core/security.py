"""Login sessions and HTTP security headers."""

from __future__ import annotations

import functools
import time

from flask import current_app, flash, g, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db, login_manager

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def load_user(session_id: str):
    """Load a user from the login cookie ``"<id>:<nonce>"``.

    A rotated nonce (password change, deactivation, "log out everywhere")
    or a deactivated account ends the session.
    """
    user_id, _, nonce = (session_id or "").partition(":")
    if not user_id.isdigit() or not nonce or int(user_id) >= 2**31:
        return None
    user = db.session.execute(_user_by_id(), {"user_id": int(user_id)}).scalar_one_or_none()
    if user is None or not user.is_active or user.session_nonce != nonce:
        return None
    return user


@functools.cache
def _user_by_id():
    """The statement of ``load_user``, built once (it runs on every page request; only the id varies). With
    the centre, which every staff page asks for (its scope, its name in the header): one statement, not a second
    one on the first use of ``user.centre``."""
    from sqlalchemy import bindparam, select
    from sqlalchemy.orm import joinedload

    from app.auth.models import User

    return select(User).options(joinedload(User.centre)).where(User.id == bindparam("user_id"))


# The session key holding the time (Unix seconds) of the login session's last request.
LAST_SEEN_KEY = "_last_seen"


def enforce_idle_timeout() -> None:
    """End a login session that has been idle longer than ``SESSION_IDLE_MINUTES``.

    The time of the last request is kept in the (signed) session cookie, so nothing is
    written to the database; an old copy of the cookie replayed later carries its old
    time and is refused. The API (bearer tokens, no session) is left alone. A "keep me
    logged in" cookie, chosen by the user on their own device, still logs them back in.
    """
    if request.endpoint == "static" or request.blueprint == "api" or "_user_id" not in session:
        return
    now = int(time.time())
    minutes = current_app.config.get("SESSION_IDLE_MINUTES") or 0
    last_seen = session.get(LAST_SEEN_KEY)
    if minutes > 0 and isinstance(last_seen, int) and now - last_seen > minutes * 60:
        remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
        session.clear()
        g.pop("_login_user", None)  # in case something loaded the user earlier in this request
        if not remembered:
            flash(
                _(
                    "You were logged out after %(minutes)d minutes without activity. Please log in again.",
                    minutes=minutes,
                ),
                "info",
            )
        return
    session[LAST_SEEN_KEY] = now


def register_security(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    app.before_request(enforce_idle_timeout)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if current_app.config.get("SECURITY_HSTS"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static" and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        return response
