"""An applicant's account closed at their own request (PIPL art. 47, 注销).

Closing is refused while a case the applicant answers for is not finished: one they filed, or one of an
enterprise they are the only active member of (nobody else could follow it). Otherwise it happens at
once and cannot be undone: the account is deactivated and every session ends, its personal fields are
replaced (a placeholder name with the id, an e-mail address that cannot receive mail, no phone, a
password nobody knows), its enterprise memberships end and its consent is cleared. The case records stay:
the centre keeps them for its retention period. The closure is recorded in the account's own audit
chain, without personal data.
"""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, or_, select
from sqlalchemy.orm import aliased

from app.auth.models import Role, User
from app.auth.passwords import hash_password, verify_password
from app.cases.enums import CaseState
from app.cases.models import Case
from app.core import chains
from app.core.db import utcnow
from app.core.errors import ServiceError
from app.enterprises.models import EnterpriseMember, MembershipStatus
from app.extensions import db

# The audit chain of accounts (``app.core.chains``), keyed by the user's id.
CHAIN = "account"
FINISHED = (CaseState.DECLINED, CaseState.CLOSED, CaseState.WITHDRAWN)
# Stored, not shown through the translations: the placeholder is the account's name from now on.
PLACEHOLDER_NAME = "已注销用户 #{id}"
PLACEHOLDER_DOMAIN = "closed.invalid"  # .invalid never resolves (RFC 2606): no mail can reach it


class ClosureRefused(ServiceError):
    """Cases are not finished; ``cases`` holds their numbers (a draft's title)."""

    def __init__(self, cases: list[str]):
        super().__init__(
            _l(
                "Your account cannot be closed yet: these cases are not finished: %(cases)s. Withdraw them "
                "(or delete a draft), or wait until the centre closes them.",
                cases="、".join(cases),
            )
        )
        self.cases = cases


def may_close(user) -> bool:
    """Applicants close their own accounts; staff accounts are managed by their administrators."""
    return user is not None and user.role is Role.APPLICANT and user.closed_at is None


def unfinished_cases(user: User) -> list[Case]:
    """Cases not yet finished that ``user`` answers for: filed by them, or of an enterprise they are
    the only active member of."""
    me = aliased(EnterpriseMember)
    other = aliased(EnterpriseMember)
    sole_member_of = select(me.enterprise_id).where(
        me.user_id == user.id,
        me.status == MembershipStatus.ACTIVE,
        ~exists().where(
            other.enterprise_id == me.enterprise_id,
            other.user_id != user.id,
            other.status == MembershipStatus.ACTIVE,
        ),
    )
    stmt = (
        select(Case)
        .where(
            Case.state.not_in(FINISHED),
            or_(Case.filed_by_id == user.id, Case.enterprise_id.in_(sole_member_of)),
        )
        .order_by(Case.created_at, Case.id)
    )
    return list(db.session.execute(stmt).scalars())


def close_account(user: User, password: str) -> None:
    """Close ``user``'s account after checking their password; raises ``ServiceError`` (wrong
    password) or ``ClosureRefused`` (unfinished cases), changing nothing. Flushes; the caller commits."""
    if not may_close(user):
        raise ServiceError(
            _l("Only applicants can close their own accounts; staff accounts are closed by an administrator.")
        )
    if not verify_password(user.password_hash, password or ""):
        raise ServiceError(_l("The password is wrong."), field="password")
    unfinished = unfinished_cases(user)
    if unfinished:
        raise ClosureRefused([c.number or f"{c.title}（{_l('Draft')}）" for c in unfinished])
    db.session.execute(delete(EnterpriseMember).where(EnterpriseMember.user_id == user.id))
    user.name = PLACEHOLDER_NAME.format(id=user.id)
    user.email = f"closed-{user.id}-{secrets.token_hex(4)}@{PLACEHOLDER_DOMAIN}"
    user.phone = ""
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    user.is_active = False
    user.end_sessions()
    user.failed_login_count = 0
    user.locked_until = None
    user.privacy_consented_at = None
    user.privacy_notice_version = None
    user.closed_at = utcnow()
    db.session.flush()
    chains.record(CHAIN, user.id, user, "close_account")
