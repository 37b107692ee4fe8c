"""Scope rule of referrals: those of the cases a member of staff may see (their centre's subtree, and
the cases they answer for beyond it, read-only); for an applicant, the referrals of their
enterprise's cases once the letter is sent (never one being decided, nor one not approved)."""

from sqlalchemy import select

from app.cases.models import Case
from app.cases.scope import case_seen
from app.core.scope import active_enterprise_ids, scope_rule
from app.referrals.models import Referral


@scope_rule(Referral)
def _referrals(stmt, user):
    if user.is_staff:
        return stmt.where(case_seen(Referral.case_id, user))
    return stmt.where(
        Referral.sent_at.is_not(None),
        Referral.case_id.in_(select(Case.id).where(Case.enterprise_id.in_(active_enterprise_ids(user)))),
    )
