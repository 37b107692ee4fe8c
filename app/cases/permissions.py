"""Who may see and act on a case: small predicates used by views, services and templates."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import Role
from app.cases.enums import CaseState
from app.core.permissions import centre_in_scope
from app.extensions import db


def is_active_member(user, enterprise_id: int) -> bool:
    """An applicant who is an active member of the enterprise."""
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    if user is None or not user.is_authenticated or user.role is not Role.APPLICANT:
        return False
    return (
        db.session.execute(
            select(EnterpriseMember.id).where(
                EnterpriseMember.user_id == user.id,
                EnterpriseMember.enterprise_id == enterprise_id,
                EnterpriseMember.status == MembershipStatus.ACTIVE,
            )
        ).first()
        is not None
    )


def is_case_member(user, case) -> bool:
    """An applicant who is an active member of the case's enterprise."""
    return is_active_member(user, case.enterprise_id)


def can_see_case(user, case) -> bool:
    """Staff of the case's centre or above; members of its enterprise. Staff do not see an
    applicant's unsubmitted draft."""
    if user is None or not user.is_authenticated or case is None:
        return False
    if user.is_staff:
        if case.state is CaseState.DRAFT and case.filed_by_id != user.id:
            return False
        return centre_in_scope(user, case.centre) or answerable_beyond_scope(user, case)
    return is_case_member(user, case)


def answerable_beyond_scope(user, case) -> bool:
    """Staff who answer for a case outside their centre's subtree: its first responder (after a
    transfer they still follow it to the end), and the centre a transfer is offered to."""
    from app.cases.handovers import offered_to_centre

    return case.first_responder_id == user.id or offered_to_centre(user, case)


def can_act_on_case(user, case) -> bool:
    """Caseworkers and supervisors in scope, and the enterprise's applicants, may take workflow actions."""
    if not can_see_case(user, case):
        return False
    return user.role in (Role.CASEWORKER, Role.SUPERVISOR) or user.role is Role.APPLICANT


TRANSFER_ANSWERS = frozenset({"accept_transfer", "decline_transfer"})
# What a first responder still does on a case that went to a centre outside their subtree:
# confirm that the applicant was told (DOMAIN.md: they stay answerable to the end).
FIRST_RESPONDER_DUTIES = frozenset({"inform_decision", "inform_outcome"})


def actions_beyond_scope(user, case) -> frozenset | None:
    """``None`` when the case is in the user's centre subtree (their role's actions apply);
    otherwise the only workflow actions open to them: answering a transfer offered to their
    centre, and a first responder's duties."""
    if not user.is_staff or centre_in_scope(user, case.centre):
        return None
    from app.cases.handovers import offered_to_centre

    allowed = set()
    if case.first_responder_id == user.id:
        allowed |= FIRST_RESPONDER_DUTIES
    if offered_to_centre(user, case):
        allowed |= TRANSFER_ANSWERS
    return frozenset(allowed)


def can_see_internal(user) -> bool:
    """Internal notes and staff-only events are for staff only."""
    return bool(user and user.is_authenticated and user.is_staff)
