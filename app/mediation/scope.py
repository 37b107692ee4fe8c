"""Scope rule of mediations: those of the cases of the user's centre subtree, the ones assigned to
them as mediator (the one beyond-scope rule), and for an applicant those of their enterprise's cases."""

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from app.cases.models import Case
from app.core.scope import active_enterprise_ids, centre_subtree_ids, scope_rule
from app.mediation.models import Mediation


@scope_rule(Mediation)
def _mediations(stmt, user):
    if user.is_staff:
        # A correlated EXISTS on the mediation's own case (its primary key): a list reads a page's worth
        # of mediations and checks each, instead of gathering every case of a national scope to match.
        case = aliased(Case)  # a list may join the mediation's case itself
        in_subtree = select(case.id).where(case.id == Mediation.case_id, case.centre_id.in_(centre_subtree_ids(user)))
        return stmt.where(or_(in_subtree.exists(), Mediation.mediator_id == user.id))
    return stmt.where(Mediation.case_id.in_(select(Case.id).where(Case.enterprise_id.in_(active_enterprise_ids(user)))))
