"""Every write about accounts: registration, login bookkeeping, passwords, staff.

Services take the acting user explicitly, flush, and never commit.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from app.centres.models import Centre
from app.core.db import utcnow
from app.core.errors import ServiceError
from app.core.permissions import centre_in_scope
from app.extensions import db


def find_user_by_email(email: str) -> User | None:
    email = (email or "").strip().lower()
    return db.session.execute(select(User).where(func.lower(User.email) == email)).scalar_one_or_none()


def ensure_email_free(email: str, field: str = "email", exclude: User | None = None) -> None:
    existing = find_user_by_email(email)
    if existing is not None and existing is not exclude:
        raise ServiceError(_l("An account with this e-mail address already exists."), field=field)


def check_new_password(password: str, email: str = "", field: str = "password") -> None:
    problems = password_problems(password, email=email)
    if problems:
        raise ServiceError(" ".join(str(p) for p in problems), field=field)


def new_user(
    *, email: str, name: str, role: Role, password: str, centre: Centre | None = None, phone: str = ""
) -> User:
    """Create an account after checking e-mail, password and the role/centre pairing."""
    email = email.strip().lower()
    ensure_email_free(email)
    check_new_password(password, email)
    if role is Role.APPLICANT and centre is not None:
        raise ServiceError(_l("Applicants do not belong to a centre."), field="centre_id")
    if role is not Role.APPLICANT and centre is None:
        raise ServiceError(_l("Staff must belong to a centre."), field="centre_id")
    user = User(
        email=email,
        name=name.strip(),
        phone=phone.strip(),
        role=role,
        centre=centre,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user


@dataclass
class LoginResult:
    user: User | None
    error: object | None = None


# ---- login throttling: per (e-mail, client address), never per account --------------------------


def _throttle_limit():
    from limits import RateLimitItemPerMinute

    config = current_app.config
    return RateLimitItemPerMinute(config["LOGIN_LOCKOUT_THRESHOLD"], config["LOGIN_LOCKOUT_MINUTES"])


def _throttle_key(email: str, address: str | None) -> tuple[str, str]:
    """Storage identifiers of the failure count of ``email`` tried from ``address`` (the e-mail is hashed)."""
    digest = hashlib.sha256((email or "").strip().lower().encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return "login-failures", f"{digest}@{address or 'unknown'}"


def _throttler():
    """The rate limiter's strategy (None when rate limiting is turned off)."""
    from app.extensions import limiter

    if not limiter.enabled or not limiter.initialized:
        return None
    return limiter.limiter


def _throttled_for(email: str, address: str | None) -> int:
    """Minutes this address must still wait before trying ``email`` again (0: it may try now)."""
    strategy = _throttler()
    if strategy is None:
        return 0
    item = _throttle_limit()
    if strategy.test(item, *_throttle_key(email, address)):
        return 0
    reset_at = strategy.get_window_stats(item, *_throttle_key(email, address)).reset_time
    return max(1, math.ceil((reset_at - time.time()) / 60))


def _count_failure(email: str, address: str | None) -> None:
    strategy = _throttler()
    if strategy is not None:
        strategy.hit(_throttle_limit(), *_throttle_key(email, address))


def _forget_failures(email: str, address: str | None) -> None:
    strategy = _throttler()
    if strategy is not None:
        strategy.clear(_throttle_limit(), *_throttle_key(email, address))


def _throttled_message(minutes: int):
    return _l(
        "Too many failed logins: logging in with this e-mail address from your network is locked for %(n)d minutes.",
        n=minutes,
    )


def authenticate(email: str, password: str, address: str | None = None) -> LoginResult:
    """Check a login from the client ``address``.

    Failures are counted per (e-mail, address) whether or not the e-mail has an account;
    after ``LOGIN_LOCKOUT_THRESHOLD`` of them that address may not try that e-mail for
    ``LOGIN_LOCKOUT_MINUTES``. The account itself is never locked: a stranger guessing from
    their address cannot keep its owner out, who logs in from their own. Every refusal
    reads the same for an unknown e-mail, a wrong password and a paused address, so none
    tells whether an account exists. (Per-address volume is also limited by ``LOGIN_RATE_LIMIT``.)
    """
    generic = _l("The e-mail address or the password is wrong.")
    minutes = _throttled_for(email, address)
    if minutes:
        return LoginResult(None, _throttled_message(minutes))
    user = find_user_by_email(email)
    if user is None:
        verify_password(None, password)  # same work as a real check
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    if not ok:
        _count_failure(email, address)
        minutes = _throttled_for(email, address)
        return LoginResult(None, _throttled_message(minutes) if minutes else generic)
    if not user.is_active:
        return LoginResult(None, _l("This account has been deactivated. Please contact your centre."))
    _forget_failures(email, address)
    now = utcnow()
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginResult(user)


def change_password(user: User, current: str, new: str) -> None:
    """Change one's own password; the current one is asked for, and other sessions end."""
    if not verify_password(user.password_hash, current):
        raise ServiceError(_l("The current password is wrong."), field="current_password")
    if current == new:
        raise ServiceError(_l("The new password must differ from the current one."), field="password")
    check_new_password(new, user.email)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.end_sessions()
    db.session.flush()


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.flush()


# ---- staff accounts, managed by administrators ---------------------------------------------


def _check_admin_reach(actor: User, centre: Centre | None) -> None:
    if actor.role is not Role.ADMIN or not centre_in_scope(actor, centre):
        raise ServiceError(
            _l("You can only manage accounts of your centre and the centres below it."), field="centre_id"
        )


def create_staff(
    actor: User, *, email: str, name: str, role: Role, centre: Centre, password: str, phone: str = ""
) -> User:
    if role is Role.APPLICANT:
        raise ServiceError(_l("Applicants register themselves with their enterprise."), field="role")
    _check_admin_reach(actor, centre)
    return new_user(email=email, name=name, role=role, centre=centre, password=password, phone=phone)


def update_staff(actor: User, user: User, *, name: str, role: Role, centre: Centre, phone: str = "") -> User:
    if user.role is Role.APPLICANT or role is Role.APPLICANT:
        raise ServiceError(_l("Applicants' accounts are not managed here."), field="role")
    _check_admin_reach(actor, user.centre)
    _check_admin_reach(actor, centre)
    if user.id == actor.id and role is not Role.ADMIN:
        raise ServiceError(_l("You cannot take the administrator role away from yourself."), field="role")
    if user.id == actor.id and centre.id != user.centre_id:
        raise ServiceError(_l("You cannot move yourself to another centre."), field="centre_id")
    user.name = name.strip()
    user.phone = phone.strip()
    if user.role != role or user.centre_id != centre.id:
        user.end_sessions()  # new rights take effect at the next login
    user.role = role
    user.centre = centre
    db.session.flush()
    return user


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate or reactivate an account; deactivation ends its sessions at once."""
    if user.is_staff:
        _check_admin_reach(actor, user.centre)
    elif actor.role is not Role.ADMIN:
        raise ServiceError(_l("Only administrators can do this."))
    if user.id == actor.id and not active:
        raise ServiceError(_l("You cannot deactivate your own account."))
    if active and user.closed_at is not None:
        raise ServiceError(_l("This account was closed by its holder and cannot be reactivated."))
    user.is_active = active
    if not active:
        user.end_sessions()
    db.session.flush()


def reset_password(actor: User, user: User, new: str) -> None:
    _check_admin_reach(actor, user.centre)
    check_new_password(new, user.email)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.failed_login_count = 0
    user.locked_until = None
    user.end_sessions()
    db.session.flush()
