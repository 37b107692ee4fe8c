"""Scope rule of referrals: those of the cases a member of staff may see (their centre's subtree, and
the cases they answer for beyond it, read-only); for an applicant, the referrals of their
enterprise's cases once the letter is sent (never one being decided, nor one not approved)."""

from sqlalchemy import or_, select

from app.cases.models import Case
from app.core.scope import active_enterprise_ids, scope_rule, visible
from app.referrals.models import Referral


@scope_rule(Referral)
def _referrals(stmt, user):
    if user.is_staff:
        from app.cases.assignments import sql_clause

        # One correlated EXISTS on the referral's own case (its primary key): a list reads a page's
        # worth of referrals in the order of its index and checks each, instead of gathering every
        # case of a national scope (100k ids) to hash against.
        seen = visible(select(Case.id), user, Case).whereclause
        reach = sql_clause(user) if seen is None else or_(seen, sql_clause(user))
        return stmt.where(select(Case.id).where(Case.id == Referral.case_id, reach).exists())
    return stmt.where(
        Referral.sent_at.is_not(None),
        Referral.case_id.in_(select(Case.id).where(Case.enterprise_id.in_(active_enterprise_ids(user)))),
    )
