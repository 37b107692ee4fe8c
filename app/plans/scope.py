"""Scope rule of plans: those of the cases a member of staff may see (their centre's subtree, and the
cases they answer for beyond it, read-only), and for an applicant the issued (and superseded) plans
of their enterprise's cases, never a draft or a plan in review."""

from sqlalchemy import select

from app.cases.models import Case
from app.cases.scope import case_seen
from app.core.scope import active_enterprise_ids, scope_rule
from app.plans.enums import PUBLIC_STATES
from app.plans.models import Plan


@scope_rule(Plan)
def _plans(stmt, user):
    if user.is_staff:
        return stmt.where(case_seen(Plan.case_id, user))
    return stmt.where(
        Plan.state.in_(list(PUBLIC_STATES)),
        Plan.case_id.in_(select(Case.id).where(Case.enterprise_id.in_(active_enterprise_ids(user)))),
    )
