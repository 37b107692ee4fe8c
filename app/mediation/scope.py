"""Scope rule of mediations: those of the cases of the user's centre subtree, the ones assigned to
them as mediator (the one beyond-scope rule), and for an applicant those of their enterprise's cases."""

from sqlalchemy import or_, select

from app.cases.models import Case
from app.cases.scope import case_seen
from app.core.scope import active_enterprise_ids, scope_rule
from app.mediation.models import Mediation


@scope_rule(Mediation)
def _mediations(stmt, user):
    if user.is_staff:
        return stmt.where(or_(case_seen(Mediation.case_id, user, answers_for=False), Mediation.mediator_id == user.id))
    return stmt.where(Mediation.case_id.in_(select(Case.id).where(Case.enterprise_id.in_(active_enterprise_ids(user)))))
