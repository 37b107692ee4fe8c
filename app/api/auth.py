"""Bearer tokens for the API: ``Authorization: Bearer <token>``.

A token acts as its user, with the user's role and scope. Only the token's
SHA-256 is stored; a revoked token or a deactivated user answers 401. The API
never reads the login cookie, so a page's session cannot be used to call it
(and the API needs no CSRF token): a request without a bearer token is 401
whatever cookies it carries. The acting user is ``g.api_user``; ``current_user``
is set to the same user for the request only, without ``login_user`` and
without touching the session.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import joinedload

from app.api.errors import ApiError
from app.api.models import ApiToken
from app.auth.models import User
from app.core.db import begin_mode, utcnow
from app.extensions import db

TOKEN_PREFIX = "ipaid_"
PREFIX_LENGTH = 12  # "ipaid_" and six random characters: enough to tell tokens apart in listings
MAX_TOKEN_LENGTH = 200
# last_used_at is written at most this often per token: a busy integration should not write on every call.
TOUCH_EVERY = timedelta(minutes=1)
DEFAULT_RATE_LIMIT = "600 per minute"


def new_token_value() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def bearer_value() -> str | None:
    """The token of the ``Authorization: Bearer`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or len(value) > MAX_TOKEN_LENGTH:
        return None
    return value


def rate_limit_key() -> str:
    """One budget per token; requests without one share their address's budget."""
    value = bearer_value()
    if value is not None:
        return "api-token:" + hash_token(value)[:32]
    return "api-addr:" + (get_remote_address() or "unknown")


def rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT") or DEFAULT_RATE_LIMIT


def authenticate() -> User:
    """Find the user of the request's bearer token or raise a 401 ``ApiError``."""
    value = bearer_value()
    if value is None:
        raise ApiError(401)
    # One statement: the token's user, with the centre every scope rule reads (as ``load_user`` loads a page's
    # user), and the token's id and last use.
    row = db.session.execute(_by_token(), {"token_hash": hash_token(value)}).one_or_none()
    if row is None:
        raise ApiError(401)
    user, token_id, last_used_at = row
    user_id = user.id
    if _touch(token_id, last_used_at):  # its commit expired the user: read again, deactivated meanwhile?
        user = db.session.get(User, user_id)
        if user is None or not user.is_active:
            raise ApiError(401)
    g.api_user = user
    g.api_token_id = token_id
    # flask_login reads g._login_user first: current_user is this user for this request only,
    # and the session cookie is never consulted.
    g._login_user = user
    return user


@functools.cache
def _by_token():
    """The statement of ``authenticate``, built once (it runs on every API request; only the hash varies)."""
    return (
        select(User, ApiToken.id, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .options(joinedload(User.centre))
        .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None), User.is_active.is_(True))
    )


def _touch(token_id: int, last_used_at) -> bool:
    """Record the use of a token, at most once a minute, in a transaction of its own.

    The write commits at once (before the request does anything), so a request that then
    fails still counts as a use, and a read-only request upgrades no read transaction to a
    write one (on SQLite the write transaction starts IMMEDIATE). True when it wrote: what the
    request had read is then expired, and is read again on its next use.
    """
    now = utcnow()
    if last_used_at is not None and now - last_used_at < TOUCH_EVERY:
        return False
    db.session.rollback()  # nothing written yet: end the read transaction
    with begin_mode("IMMEDIATE"):
        db.session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOUCH_EVERY),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return True
