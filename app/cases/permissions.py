"""Who may see and act on a case: small predicates used by views, services and templates."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import Role
from app.cases.enums import CaseState
from app.core.db import kept
from app.core.permissions import centre_in_scope
from app.extensions import db


def is_active_member(user, enterprise_id: int) -> bool:
    """An applicant who is an active member of the enterprise."""
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    if user is None or not user.is_authenticated or user.role is not Role.APPLICANT:
        return False

    def read() -> bool:
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

    # Asked by each panel of the case page (five times): read once until anything is written or locked.
    return kept(("active_member", user.id, enterprise_id), read)


def is_case_member(user, case) -> bool:
    """An applicant who is an active member of the case's enterprise (a person's or an anonymous
    tip-off's case has none: no applicant sees it)."""
    return case.enterprise_id is not None and is_active_member(user, case.enterprise_id)


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
    """Staff who answer for a case outside their centre's subtree (``app.cases.assignments``):
    its first responder, and the centre a transfer is offered to."""
    from app.cases.assignments import assignments_of

    return bool(assignments_of(user, case))


def can_act_on_case(user, case) -> bool:
    """Caseworkers and supervisors in scope, and the enterprise's applicants, may take workflow actions."""
    if not can_see_case(user, case):
        return False
    return user.role in (Role.CASEWORKER, Role.SUPERVISOR) or user.role is Role.APPLICANT


def actions_beyond_scope(user, case) -> frozenset | None:
    """``None`` when the case is in the user's centre subtree (their role's actions apply);
    otherwise the only workflow actions open to them (``app.cases.assignments``): answering a
    transfer offered to their centre, and a first responder's duties. Nothing else is open
    there: no upload, note, message, document or link."""
    if not user.is_staff or centre_in_scope(user, case.centre):
        return None
    from app.cases.assignments import actions_opened

    return actions_opened(user, case)


def may_write(user, case, what: str) -> bool:
    """A write beside the workflow (``what``: evidence, note, message, document, link) on ``case``
    is open within the user's scope only, never through an assignment beyond it. (Which roles
    may write what is the caller's own check.)"""
    if not can_see_case(user, case):
        return False
    limited = actions_beyond_scope(user, case)
    return limited is None or what in limited


def can_see_internal(user) -> bool:
    """Internal notes and staff-only events are for staff only."""
    return bool(user and user.is_authenticated and user.is_staff)
