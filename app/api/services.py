"""Writes about API tokens: issue and revoke. Only a token's SHA-256 is ever stored."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.api.auth import PREFIX_LENGTH, hash_token, new_token_value
from app.api.models import ApiToken
from app.auth.models import User
from app.core.db import utcnow
from app.core.errors import ServiceError
from app.extensions import db


def issue_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``: the row and the token itself, which is shown once and never stored."""
    if not user.is_active:
        raise ServiceError(_l("This account is deactivated."), field="email")
    name = (name or "").strip()
    if len(name) > 100:
        raise ServiceError(_l("The name is too long (at most %(n)d characters).", n=100), field="name")
    value = new_token_value()
    token = ApiToken(user_id=user.id, name=name, prefix=value[:PREFIX_LENGTH], token_hash=hash_token(value))
    db.session.add(token)
    db.session.flush()
    return token, value


def find_tokens(prefix: str) -> list[ApiToken]:
    return list(db.session.execute(select(ApiToken).where(ApiToken.prefix == prefix)).scalars())


def revoke_token(token: ApiToken) -> ApiToken:
    """Revoke a token for good (revoking twice keeps the first time)."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
    return token
