"""Enterprises (the SMEs the centre serves) and the people who act for them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.centres.models import Centre
from app.core.db import Base, UTCDateTime, utcnow
from app.core.enums import LabelledEnum, enum_column_type
from app.enterprises.sme_size import Industry, SizeAssessment, SizeClass, classify


class Enterprise(Base):
    __tablename__ = "enterprises"
    __table_args__ = (
        CheckConstraint("staff_count >= 0", name="staff_count_not_negative"),
        CheckConstraint("revenue_wan >= 0", name="revenue_not_negative"),
        CheckConstraint("assets_wan IS NULL OR assets_wan >= 0", name="assets_not_negative"),
        CheckConstraint("length(credit_code) = 18", name="credit_code_length"),
        # Recorded by code and name alone, the size class is unknown until its figures are given.
        CheckConstraint(
            "size_class = 'unknown' OR (industry IS NOT NULL AND staff_count IS NOT NULL AND revenue_wan IS NOT NULL)",
            name="classified_has_figures",
        ),
    )
    # The flags a list shows beside an enterprise: the column and its label.
    PRIORITY_FLAGS = (
        ("is_specialised_new", _l("Specialised and new")),
        ("is_little_giant", _l("Little giant")),
        ("is_in_hardship", _l("Economic hardship")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    # Administrative division code of the registering authority, from the credit code.
    region_code: Mapped[str] = mapped_column(String(6), default="")
    industry: Mapped[Industry | None] = mapped_column(enum_column_type(Industry, "industry"))
    staff_count: Mapped[int | None] = mapped_column()
    revenue_wan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    assets_wan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    size_class: Mapped[SizeClass] = mapped_column(enum_column_type(SizeClass, "size_class"), index=True)
    # The centre that serves the enterprise; staff see enterprises of their subtree.
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"), index=True)
    is_specialised_new: Mapped[bool] = mapped_column(default=False)
    is_little_giant: Mapped[bool] = mapped_column(default=False)
    is_in_hardship: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    centre: Mapped[Centre] = relationship()
    members: Mapped[list[EnterpriseMember]] = relationship(back_populates="enterprise")

    __mapper_args__ = {"version_id_col": version}

    @property
    def has_figures(self) -> bool:
        return self.industry is not None and self.staff_count is not None and self.revenue_wan is not None

    def assess_size(self) -> SizeAssessment | None:
        """The size class and why, or None while the figures are not given (the class is then unknown)."""
        if not self.has_figures:
            return None
        return classify(self.industry, self.staff_count, self.revenue_wan, self.assets_wan)

    def refresh_size_class(self) -> None:
        assessment = self.assess_size()
        self.size_class = assessment.size_class if assessment is not None else SizeClass.UNKNOWN

    @property
    def priority_flags(self) -> list[str]:
        return [str(label) for name, label in self.PRIORITY_FLAGS if getattr(self, name)]

    def __repr__(self) -> str:
        return f"<Enterprise {self.credit_code}>"


class MembershipStatus(LabelledEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"

    @classmethod
    def _labels(cls):
        return {
            cls.PENDING: _l("Awaiting approval"),
            cls.ACTIVE: _l("Member"),
            cls.REJECTED: _l("Rejected"),
        }


class EnterpriseMember(Base):
    """An applicant acting for an enterprise. One enterprise per applicant.

    Whoever registers a new enterprise becomes its first active member; anyone
    joining an existing enterprise stays pending until a member or staff in
    scope approves.
    """

    __tablename__ = "enterprise_members"
    # Staff look for pending requests across their scope: find them by status first.
    __table_args__ = (Index("ix_enterprise_members_status_enterprise_id", "status", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    status: Mapped[MembershipStatus] = mapped_column(enum_column_type(MembershipStatus, "membership_status"))
    position: Mapped[str] = mapped_column(String(100), default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    enterprise: Mapped[Enterprise] = relationship(back_populates="members")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
