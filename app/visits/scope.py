"""Scope rule of visits: staff see the visits of their centre's subtree; an applicant sees the visits
done at their own enterprise (never a plan nor a cancelled one; their queries never load the notes)."""

from sqlalchemy import select

from app.core.scope import active_enterprise_ids, centre_subtree_ids, scope_rule
from app.visits.enums import COUNTED_STATES
from app.visits.models import Visit, VisitEnterprise


@scope_rule(Visit)
def _visits(stmt, user):
    if user.is_staff:
        return stmt.where(Visit.centre_id.in_(centre_subtree_ids(user)))
    return stmt.where(
        Visit.state.in_(COUNTED_STATES),
        Visit.id.in_(
            select(VisitEnterprise.visit_id).where(VisitEnterprise.enterprise_id.in_(active_enterprise_ids(user)))
        ),
    )
