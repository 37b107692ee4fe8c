"""The one place that decides which rows a user may see.

Every list and every object lookup goes through ``visible(stmt, user, Model)``
or ``get_visible(Model, id, user)``; features register how their model is
scoped with ``@scope_rule(Model)``. A model with no rule is refused, so a
feature cannot forget its scope by accident.

Staff see their centre and the centres below it, never a sibling's; an
applicant sees their own enterprise only.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, false, select

from app.extensions import db

_RULES: dict[type, Callable] = {}


def scope_rule(model: type):
    """Register ``fn(stmt, user) -> stmt`` as the scope of ``model``."""

    def decorator(fn):
        _RULES[model] = fn
        return fn

    return decorator


def visible(stmt: Select, user, model: type) -> Select:
    if user is None or not getattr(user, "is_authenticated", False):
        return stmt.where(false())
    try:
        rule = _RULES[model]
    except KeyError:
        raise LookupError(f"no scope rule registered for {model.__name__}") from None
    return rule(stmt, user)


def get_visible(model: type, object_id, user):
    """The object if it exists and the user may see it, else None (callers answer 404)."""
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        return None
    if not 0 < object_id < 2**31:
        return None
    stmt = visible(select(model).where(model.id == object_id), user, model)
    return db.session.execute(stmt).scalar_one_or_none()


def centre_subtree_ids(user) -> Select:
    """Ids of the user's centre and every centre below it (empty for applicants)."""
    from app.centres.models import Centre

    if not user.is_staff or user.centre is None:
        return select(Centre.id).where(false())
    return select(Centre.id).where(Centre.path.startswith(user.centre.path, autoescape=True))


def active_enterprise_ids(user) -> Select:
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    return select(EnterpriseMember.enterprise_id).where(
        EnterpriseMember.user_id == user.id, EnterpriseMember.status == MembershipStatus.ACTIVE
    )
