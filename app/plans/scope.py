"""Scope rule of plans: those of the cases a member of staff may see (their centre's subtree, and the
cases they answer for beyond it, read-only), and for an applicant the issued (and superseded) plans
of their enterprise's cases, never a draft or a plan in review."""

from sqlalchemy import or_, select

from app.cases.models import Case
from app.core.scope import active_enterprise_ids, scope_rule, visible
from app.plans.enums import PUBLIC_STATES
from app.plans.models import Plan


@scope_rule(Plan)
def _plans(stmt, user):
    if user.is_staff:
        from app.cases.assignments import sql_clause

        # One correlated EXISTS on the plan's own case, as the referrals' rule (no gathering of every case).
        seen = visible(select(Case.id), user, Case).whereclause
        reach = sql_clause(user) if seen is None else or_(seen, sql_clause(user))
        return stmt.where(select(Case.id).where(Case.id == Plan.case_id, reach).exists())
    return stmt.where(
        Plan.state.in_(list(PUBLIC_STATES)),
        Plan.case_id.in_(select(Case.id).where(Case.enterprise_id.in_(active_enterprise_ids(user)))),
    )
