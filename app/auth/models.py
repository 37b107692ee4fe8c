"""User accounts and roles."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.centres.models import Centre
from app.core.db import Base, UTCDateTime, utcnow
from app.core.enums import LabelledEnum, enum_column_type


class Role(LabelledEnum):
    APPLICANT = "applicant"
    CASEWORKER = "caseworker"
    MEDIATOR = "mediator"
    SUPERVISOR = "supervisor"
    FUND_COMMITTEE = "fund_committee"
    ADMIN = "admin"

    @classmethod
    def _labels(cls):
        return {
            cls.APPLICANT: _l("Applicant"),
            cls.CASEWORKER: _l("Caseworker"),
            cls.MEDIATOR: _l("Mediator"),
            cls.SUPERVISOR: _l("Supervisor"),
            cls.FUND_COMMITTEE: _l("Fund committee member"),
            cls.ADMIN: _l("Administrator"),
        }

    @property
    def is_staff(self) -> bool:
        return self is not Role.APPLICANT


STAFF_ROLES = tuple(r for r in Role if r.is_staff)


def new_session_nonce() -> str:
    return secrets.token_hex(16)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        # Staff belong to exactly one centre; applicants to none (they belong to an enterprise).
        CheckConstraint(
            "(role = 'applicant' AND centre_id IS NULL) OR (role <> 'applicant' AND centre_id IS NOT NULL)",
            name="staff_have_centre",
        ),
        CheckConstraint("failed_login_count >= 0", name="failed_login_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(30), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column_type(Role, "role"), index=True)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    # Part of the login cookie: rotating it ends every existing session of the user.
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_session_nonce)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Consent to the privacy notice (app.privacy.notice): when, and to which version of it.
    privacy_consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    privacy_notice_version: Mapped[str | None] = mapped_column(String(20))
    # Closed at its owner's request (app.privacy.closure): personal fields replaced, never reopened.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    centre: Mapped[Centre | None] = relationship()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    def end_sessions(self) -> None:
        """Invalidate every login cookie issued so far."""
        self.session_nonce = new_session_nonce()

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
