"""A referral of a lead to an enforcement agency, handled under a case, and the signed links the
agency answers through.

Its state moves only through the one door (``app.referrals.services.transition``); its events go
to the case's audit chain, naming the referral, which seals a digest of ``AUDITED_FIELDS``. A reply
link's token is random (256 bits), shown once on the letter and stored only as its SHA-256.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.models import Agency
from app.auth.models import User
from app.cases.enums import IPType
from app.cases.models import Case
from app.centres.models import Centre
from app.core.db import Base, UTCDateTime, utcnow
from app.core.enums import enum_column_type
from app.referrals.enums import ReferralState, SendMethod


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_centre_id_state", "centre_id", "state"),
        Index("ix_referrals_agency_id_state", "agency_id", "state"),
        Index("ix_referrals_state_last_word_at", "state", "last_word_at"),
        # The list's order (``queries._segment``: last heard of, then id) and the newest change.
        Index("ix_referrals_heard", text("coalesce(last_word_at, sent_at)"), "id", "state"),
        Index("ix_referrals_updated_at", "updated_at"),
        CheckConstraint("penalty_fen IS NULL OR penalty_fen >= 0", name="penalty_not_negative"),
        CheckConstraint("chase_count >= 0", name="chase_count_not_negative"),
        CheckConstraint(
            "state IN ('proposed', 'approved', 'refused') OR (state = 'withdrawn' AND sent_at IS NULL) "
            "OR sent_at IS NOT NULL",
            name="sent_has_time",
        ),
        CheckConstraint("state NOT IN ('approved') OR approved_by_id IS NOT NULL", name="approved_has_approver"),
    )
    subject_type = "referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    # When the lead came from a failed mediation (or later a visit): where it came from.
    mediation_id: Mapped[int | None] = mapped_column(ForeignKey("mediations.id", ondelete="SET NULL"))
    state: Mapped[ReferralState] = mapped_column(enum_column_type(ReferralState, "referral_state"))
    version: Mapped[int] = mapped_column(default=1)

    # What the letter states, fixed when the referral is decided.
    ip_type: Mapped[IPType] = mapped_column(enum_column_type(IPType, "referral_ip_type"))
    right_number: Mapped[str] = mapped_column(String(60), default="")
    right_title: Mapped[str] = mapped_column(String(200), default="")
    respondent_name: Mapped[str] = mapped_column(String(200))
    respondent_credit_code: Mapped[str] = mapped_column(String(18), default="")
    respondent_address: Mapped[str] = mapped_column(String(300), default="")
    facts: Mapped[str] = mapped_column(Text, default="")
    grounds: Mapped[str] = mapped_column(Text, default="")
    ground_kinds: Mapped[list] = mapped_column(JSON, default=list)  # ``Ground`` values
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    # The evidence sent: [{"id", "filename", "sha256", "size"}] of the case's attachments.
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    # The respondent's earlier cases the letter lists (repeated infringement): [{"number", "state"}].
    earlier_cases: Mapped[list] = mapped_column(JSON, default=list)
    # Why the agency was chosen though it does not take the right or the region (a supervisor's word).
    mismatch: Mapped[list] = mapped_column(JSON, default=list)
    override_comment: Mapped[str] = mapped_column(Text, default="")

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_method: Mapped[SendMethod | None] = mapped_column(enum_column_type(SendMethod, "referral_send_method"))
    chase_count: Mapped[int] = mapped_column(default=0)
    last_chased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last time the agency said anything (receipt, decision, outcome…): how long it has been silent.
    last_word_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # What the agency said.
    received_on: Mapped[date | None] = mapped_column(Date)
    opened: Mapped[bool | None] = mapped_column()
    decided_on: Mapped[date | None] = mapped_column(Date)
    agency_case_number: Mapped[str] = mapped_column(String(100), default="")
    not_opened_reason: Mapped[str] = mapped_column(Text, default="")
    penalty_fen: Mapped[int | None] = mapped_column(BigInteger)
    goods_seized: Mapped[str] = mapped_column(Text, default="")
    stop_ordered: Mapped[bool] = mapped_column(default=False)
    outcome_summary: Mapped[str] = mapped_column(Text, default="")
    outcome_on: Mapped[date | None] = mapped_column(Date)
    police_transferred_on: Mapped[date | None] = mapped_column(Date)
    # The steps of the transfer to public security the agency reported: [{"step", "on", "note"}].
    police_steps: Mapped[list] = mapped_column(JSON, default=list)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()
    centre: Mapped[Centre] = relationship()
    agency: Mapped[Agency] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.state.is_open

    def __repr__(self) -> str:
        return f"<Referral {self.id} case={self.case_id} {self.state}>"


AUDITED_FIELDS = (
    "case_id",
    "centre_id",
    "agency_id",
    "mediation_id",
    "state",
    "ip_type",
    "right_number",
    "right_title",
    "respondent_name",
    "respondent_credit_code",
    "respondent_address",
    "facts",
    "grounds",
    "ground_kinds",
    "legal_basis",
    "evidence",
    "earlier_cases",
    "mismatch",
    "override_comment",
    "approved_by_id",
    "approved_at",
    "sent_at",
    "sent_method",
    "chase_count",
    "last_chased_at",
    "received_on",
    "opened",
    "decided_on",
    "agency_case_number",
    "not_opened_reason",
    "penalty_fen",
    "goods_seized",
    "stop_ordered",
    "outcome_summary",
    "outcome_on",
    "police_transferred_on",
    "police_steps",
    "closed_at",
)


def referral_digest(r) -> str:
    from app.core.audit import record_digest

    return record_digest({name: getattr(r, name) for name in AUDITED_FIELDS})


class ReferralReplyToken(Base):
    """A signed reply link of one referral: the SHA-256 of its token, never the token itself.

    Issued with the transfer letter and with each chase letter (the letter prints it); valid for
    that referral only, until the referral is over or the link is revoked."""

    __tablename__ = "referral_reply_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    uses: Mapped[int] = mapped_column(default=0)

    referral: Mapped[Referral] = relationship()
