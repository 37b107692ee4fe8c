"""Scope rules of centres."""

from sqlalchemy import false

from app.centres.models import Centre
from app.core.scope import centre_subtree_ids, scope_rule


@scope_rule(Centre)
def _centres(stmt, user):
    if not user.is_staff:
        return stmt.where(false())
    return stmt.where(Centre.id.in_(centre_subtree_ids(user)))
