"""Scope rules of enterprises and their memberships."""

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
        return stmt.where(
            EnterpriseMember.enterprise_id.in_(
                Enterprise.__table__.select()
                .with_only_columns(Enterprise.id)
                .where(Enterprise.centre_id.in_(centre_subtree_ids(user)))
            )
        )
    return stmt.where(EnterpriseMember.enterprise_id.in_(active_enterprise_ids(user)))
