"""Scope rules of enterprises and their memberships."""

from sqlalchemy import exists, select

from app.core.scope import active_enterprise_ids, centre_subtree_ids, scope_rule
from app.enterprises.models import Enterprise, EnterpriseMember


@scope_rule(Enterprise)
def _enterprises(stmt, user):
    if user.is_staff:
        return stmt.where(Enterprise.centre_id.in_(centre_subtree_ids(user)))
    return stmt.where(Enterprise.id.in_(active_enterprise_ids(user)))


@scope_rule(EnterpriseMember)
def _members(stmt, user):
    if user.is_staff:
        # Correlated EXISTS: memberships are usually filtered first (e.g. pending ones), so each is
        # checked against its own enterprise instead of materialising every enterprise id in scope.
        in_scope = exists(
            select(Enterprise.id).where(
                Enterprise.id == EnterpriseMember.enterprise_id, Enterprise.centre_id.in_(centre_subtree_ids(user))
            )
        )
        return stmt.where(in_scope)
    return stmt.where(EnterpriseMember.enterprise_id.in_(active_enterprise_ids(user)))
