"""Scope rules of user accounts: staff of the subtree for staff, oneself for applicants."""

from app.auth.models import User
from app.core.scope import centre_subtree_ids, scope_rule


@scope_rule(User)
def _users(stmt, user):
    if user.is_staff:
        return stmt.where(User.centre_id.in_(centre_subtree_ids(user)))
    return stmt.where(User.id == user.id)
