"""A fast mediation handled under a case, and its sessions.

Its state moves only through the one door (``app.mediation.services.transition``); its events
go to the case's audit chain, naming the mediation, which seals a digest of the fields below
(``AUDITED_FIELDS``) so a field changed behind the door is caught.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.enums import IPType
from app.cases.models import Case
from app.centres.models import Centre
from app.core.db import Base, UTCDateTime, utcnow
from app.core.enums import enum_column_type
from app.mediation.enums import MediationScope, MediationState, NextRoute, ServiceMethod

OPEN_STATE_VALUES = ("requested", "awaiting_respondent", "in_mediation", "suspended")


class Mediation(Base):
    __tablename__ = "mediations"
    __table_args__ = (
        # One open mediation per case at a time (DOMAIN.md: no mediation already on the case).
        Index(
            "uq_mediations_one_open_per_case",
            "case_id",
            unique=True,
            sqlite_where=text("state IN ('requested', 'awaiting_respondent', 'in_mediation', 'suspended')"),
            postgresql_where=text("state IN ('requested', 'awaiting_respondent', 'in_mediation', 'suspended')"),
        ),
        Index("ix_mediations_mediator_id_state", "mediator_id", "state"),
        Index("ix_mediations_centre_id_state", "centre_id", "state"),
        CheckConstraint("amount_fen IS NULL OR amount_fen >= 0", name="amount_not_negative"),
        CheckConstraint(
            "state NOT IN ('agreed', 'performed', 'unperformed') OR agreed_at IS NOT NULL", name="agreed_has_time"
        ),
    )
    #: The name of its workflow: what its events, clocks and documents call their subject.
    subject_type = "mediation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    # The centre handling it (the case's when it was requested).
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    state: Mapped[MediationState] = mapped_column(enum_column_type(MediationState, "mediation_state"))
    version: Mapped[int] = mapped_column(default=1)
    # The right it is about (the case's first patent, else its first right), and the deadline it gives.
    ip_type: Mapped[IPType] = mapped_column(enum_column_type(IPType, "mediation_ip_type"))
    right_number: Mapped[str] = mapped_column(String(40), default="")
    scope: Mapped[MediationScope] = mapped_column(enum_column_type(MediationScope, "mediation_scope"))
    requests: Mapped[str] = mapped_column(Text, default="")
    respondent_name: Mapped[str] = mapped_column(String(200))
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # Service on the respondent and their answer (意见陈述书).
    served_on: Mapped[date | None] = mapped_column(Date)
    served_method: Mapped[ServiceMethod | None] = mapped_column(enum_column_type(ServiceMethod, "service_method"))
    reply_received_on: Mapped[date | None] = mapped_column(Date)
    reply_is_late: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # The agreement (调解协议书).
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    facts: Mapped[str] = mapped_column(Text, default="")
    disputed_issues: Mapped[str] = mapped_column(Text, default="")
    liability: Mapped[str] = mapped_column(Text, default="")
    terms: Mapped[list] = mapped_column(JSON, default=list)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    perform_by: Mapped[date | None] = mapped_column(Date)
    performance_method: Mapped[str] = mapped_column(Text, default="")
    costs_borne_by: Mapped[str] = mapped_column(Text, default="")
    performed_on: Mapped[date | None] = mapped_column(Date)
    # Judicial confirmation (司法确认).
    court: Mapped[str] = mapped_column(String(200), default="")
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    ruling_number: Mapped[str] = mapped_column(String(100), default="")
    # After a failure or a refusal: the route the parties were advised to take.
    next_route: Mapped[NextRoute | None] = mapped_column(enum_column_type(NextRoute, "next_route"))

    case: Mapped[Case] = relationship()
    centre: Mapped[Centre] = relationship()
    mediator: Mapped[User | None] = relationship(foreign_keys=[mediator_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    sessions: Mapped[list[MediationSession]] = relationship(
        back_populates="mediation", order_by="MediationSession.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.state.is_open

    @property
    def amount_yuan(self):
        from decimal import Decimal

        return None if self.amount_fen is None else Decimal(self.amount_fen) / 100

    def __repr__(self) -> str:
        return f"<Mediation {self.id} case={self.case_id} {self.state}>"


# What the case's chain vouches for about a mediation (sealed with each of its events).
AUDITED_FIELDS = (
    "case_id",
    "centre_id",
    "state",
    "ip_type",
    "right_number",
    "scope",
    "requests",
    "respondent_name",
    "mediator_id",
    "served_on",
    "served_method",
    "reply_received_on",
    "reply_is_late",
    "opened_at",
    "ended_at",
    "agreed_at",
    "facts",
    "disputed_issues",
    "liability",
    "terms",
    "amount_fen",
    "perform_by",
    "performance_method",
    "costs_borne_by",
    "performed_on",
    "court",
    "confirmed_on",
    "ruling_number",
    "next_route",
)


def mediation_digest(m) -> str:
    """The digest of a mediation's audited fields (``m``: the model or a row of ``mediations``)."""
    from app.core.audit import record_digest

    return record_digest({name: getattr(m, name) for name in AUDITED_FIELDS})


class MediationSession(Base):
    """A session scheduled (place or online link) and, once held, what happened at it."""

    __tablename__ = "mediation_sessions"
    __table_args__ = (
        # A session scheduled has a place or a link; one recorded as held without being scheduled may have neither.
        CheckConstraint("held_at IS NOT NULL OR place <> '' OR online_url <> ''", name="place_or_link"),
        CheckConstraint("duration_minutes BETWEEN 15 AND 720", name="duration_range"),
        Index("ix_mediation_sessions_mediation_id_position", "mediation_id", "position", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mediation_id: Mapped[int] = mapped_column(ForeignKey("mediations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(default=120)
    place: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    minutes: Mapped[str] = mapped_column(Text, default="")
    # A stable calendar identity and a counter that moves with each change (RFC 5545 UID, SEQUENCE).
    uid: Mapped[str] = mapped_column(String(80), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    mediation: Mapped[Mediation] = relationship(back_populates="sessions")

    @property
    def is_held(self) -> bool:
        return self.held_at is not None
