"""Scope rules of the fund.

- Fund requests: those of the cases a member of staff may see (their centre's subtree, and the cases
  they answer for beyond it); for an applicant, the requests of their enterprise's cases.
- Funds: staff see the funds of their centre's subtree and of the centres above them (the funds their
  cases may ask); applicants see none (a request names its fund).
- Memberships and ledger entries: those of the funds the user may see; an applicant sees the
  memberships of their own enterprise.
"""

from sqlalchemy import false, literal, or_, select

from app.cases.models import Case
from app.cases.scope import case_seen
from app.centres.models import Centre
from app.core.scope import active_enterprise_ids, scope_rule
from app.fund.models import Fund, FundMembership, FundRequest, LedgerEntry


@scope_rule(FundRequest)
def _requests(stmt, user):
    if user.is_staff:
        return stmt.where(case_seen(FundRequest.case_id, user))
    return stmt.where(
        FundRequest.case_id.in_(select(Case.id).where(Case.enterprise_id.in_(active_enterprise_ids(user))))
    )


def visible_fund_ids(user):
    """Ids of the funds of the user's subtree and of the centres above the user's centre."""
    if not user.is_staff or user.centre is None:
        return select(Fund.id).where(false())
    path = user.centre.path
    return select(Fund.id).where(
        Fund.centre_id.in_(
            select(Centre.id).where(
                or_(
                    Centre.path.startswith(path, autoescape=True),
                    # an ancestor: the user's path starts with the centre's
                    literal(path).startswith(Centre.path),
                )
            )
        )
    )


@scope_rule(Fund)
def _funds(stmt, user):
    return stmt.where(Fund.id.in_(visible_fund_ids(user)))


@scope_rule(FundMembership)
def _memberships(stmt, user):
    if user.is_staff:
        return stmt.where(FundMembership.fund_id.in_(visible_fund_ids(user)))
    return stmt.where(FundMembership.enterprise_id.in_(active_enterprise_ids(user)))


@scope_rule(LedgerEntry)
def _ledger(stmt, user):
    if user.is_staff:
        return stmt.where(LedgerEntry.fund_id.in_(visible_fund_ids(user)))
    return stmt.where(false())
