"""Permission primitives: small named predicates and the decorators that use them."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.auth.models import Role


def is_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.role is Role.ADMIN)


def is_national_admin(user) -> bool:
    """An administrator of the national centre: only they change what holds for the whole country,
    such as the working-day calendar."""
    from app.centres.models import CentreLevel

    centre = getattr(user, "centre", None) if is_admin(user) else None
    return bool(centre is not None and centre.level is CentreLevel.NATIONAL)


def is_applicant(user) -> bool:
    return bool(user and user.is_authenticated and user.role is Role.APPLICANT)


def centre_in_scope(user, centre) -> bool:
    """True when ``centre`` is the user's centre or below it."""
    return bool(
        is_staff(user) and user.centre is not None and centre is not None and centre.path.startswith(user.centre.path)
    )


def roles_required(*roles: Role):
    """Log in first, then 403 unless the user has one of ``roles``."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def staff_required(view):
    from app.auth.models import STAFF_ROLES

    return roles_required(*STAFF_ROLES)(view)


admin_required = roles_required(Role.ADMIN)


def register_template_helpers(app) -> None:
    """The same predicates in templates as in views and services."""

    @app.context_processor
    def _permissions():
        return {
            "is_admin": is_admin,
            "is_national_admin": is_national_admin,
            "is_staff": is_staff,
            "is_applicant": is_applicant,
            "centre_in_scope": centre_in_scope,
        }
