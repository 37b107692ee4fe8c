"""The overseas mutual-aid fund: funds with their rules, memberships, requests with their costs, and
the append-only double-entry ledger.

Money is integer fen everywhere. A fund row keeps what its ledger sums to (money held, committed,
available) and is changed only under its row lock in the same transaction as the ledger entry that
moves it (``app.fund.ledger.post``); CHECK constraints keep available and committed from going below
zero. A ledger entry moves an amount from one account to another and is never updated or deleted
(triggers refuse it); each is also sealed in the fund's own audit chain, so ``fund-verify`` finds a
row changed behind the application.

A request is a track of its case (its events go to the case's chain); the two-person rule is a
CHECK constraint as well as a guard: its approvers differ from each other and from whoever
submitted or reviewed it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.models import Attachment, Case
from app.centres.models import Centre
from app.core.db import Base, UTCDateTime, utcnow
from app.core.enums import enum_column_type
from app.enterprises.models import Enterprise
from app.fund.enums import Account, CostKind, DisputeType, EntryKind, FundRequestState

#: The bounds of each rule (the form, the API and the CHECK constraints read them).
RULE_BOUNDS = {
    "share_percent": (1, 100),
    "cap_per_request_fen": (1, 10**13),
    "cap_per_year_fen": (1, 10**14),
    "requests_per_enterprise_per_year": (1, 12),
    "year_start_month": (1, 12),
    "year_start_day": (1, 28),
    "review_working_days": (1, 60),
}


def _between(column: str) -> str:
    low, high = RULE_BOUNDS[column]
    return f"{column} BETWEEN {low} AND {high}"


class Fund(Base):
    __tablename__ = "funds"
    __table_args__ = (
        UniqueConstraint("centre_id", "name", name="uq_funds_centre_id_name"),
        CheckConstraint("balance_fen >= 0", name="balance_not_negative"),
        CheckConstraint("committed_fen >= 0", name="committed_not_negative"),
        CheckConstraint("available_fen >= 0", name="available_not_negative"),
        CheckConstraint("available_fen = balance_fen - committed_fen", name="available_is_balance_less_committed"),
        CheckConstraint("ledger_seq >= 0", name="ledger_seq_not_negative"),
        *(CheckConstraint(_between(c), name=f"{c}_in_bounds") for c in RULE_BOUNDS),
    )
    subject_type = "fund"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    # The rules; a request keeps the rules it was submitted under (``FundRequest.rules``).
    share_percent: Mapped[int] = mapped_column(default=50)
    cap_per_request_fen: Mapped[int] = mapped_column(BigInteger, default=50_000_000)
    cap_per_year_fen: Mapped[int] = mapped_column(BigInteger, default=1_500_000_000)
    requests_per_enterprise_per_year: Mapped[int] = mapped_column(default=1)
    dispute_types: Mapped[list] = mapped_column(JSON, default=list)  # ``DisputeType`` values
    year_start_month: Mapped[int] = mapped_column(default=1)
    year_start_day: Mapped[int] = mapped_column(default=1)
    review_working_days: Mapped[int] = mapped_column(default=15)

    # What the ledger sums to, kept under the row lock with each entry.
    balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    committed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    available_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    ledger_seq: Mapped[int] = mapped_column(default=0)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    centre: Mapped[Centre] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Fund {self.id} {self.name!r}>"


RULE_FIELDS = (
    "share_percent",
    "cap_per_request_fen",
    "cap_per_year_fen",
    "requests_per_enterprise_per_year",
    "dispute_types",
    "year_start_month",
    "year_start_day",
    "review_working_days",
)
FUND_AUDITED_FIELDS = ("centre_id", "name", "is_active", *RULE_FIELDS, "balance_fen", "committed_fen", "ledger_seq")


def fund_fields(f: Fund) -> dict:
    return {name: getattr(f, name) for name in FUND_AUDITED_FIELDS}


def rules_of(f: Fund) -> dict:
    return {name: (list(getattr(f, name)) if name == "dispute_types" else getattr(f, name)) for name in RULE_FIELDS}


class FundMembership(Base):
    """An enterprise's membership of a fund for a period, with the contribution it owes; it is in
    good standing on a day of its period once its contributions are paid."""

    __tablename__ = "fund_memberships"
    __table_args__ = (
        UniqueConstraint("fund_id", "enterprise_id", "starts_on", name="uq_fund_memberships_fund_enterprise_start"),
        CheckConstraint("ends_on >= starts_on", name="period_in_order"),
        CheckConstraint("contribution_fen >= 0", name="contribution_not_negative"),
        CheckConstraint("paid_fen >= 0", name="paid_not_negative"),
        Index("ix_fund_memberships_enterprise_id", "enterprise_id", "fund_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="RESTRICT"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="RESTRICT"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    contribution_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # The contributions recorded against it (the ledger's entries of this membership add up to it).
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    fund: Mapped[Fund] = relationship()
    enterprise: Mapped[Enterprise] = relationship()

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    @property
    def is_paid(self) -> bool:
        return self.paid_fen >= self.contribution_fen

    def in_good_standing(self, day: date) -> bool:
        return self.covers(day) and self.is_paid


class FundRequest(Base):
    __tablename__ = "fund_requests"
    __table_args__ = (
        Index("ix_fund_requests_fund_id_state", "fund_id", "state"),
        Index("ix_fund_requests_enterprise_id_fund_year", "enterprise_id", "fund_id", "fund_year"),
        CheckConstraint(
            "claimed_fen >= 0 AND deductions_fen >= 0 AND eligible_fen >= 0 AND approved_fen >= 0 "
            "AND paid_fen >= 0 AND released_fen >= 0 AND clawed_back_fen >= 0",
            name="amounts_not_negative",
        ),
        CheckConstraint("paid_fen + released_fen <= approved_fen", name="paid_within_approved"),
        CheckConstraint("clawed_back_fen <= paid_fen", name="clawed_back_within_paid"),
        # The two-person rule: nobody approves what they submitted, reviewed or already approved.
        CheckConstraint("approved_by_id <> submitted_by_id", name="first_approver_not_submitter"),
        CheckConstraint("approved_by_id <> reviewed_by_id", name="first_approver_not_reviewer"),
        CheckConstraint("second_approved_by_id <> approved_by_id", name="second_approver_not_first"),
        CheckConstraint("second_approved_by_id <> submitted_by_id", name="second_approver_not_submitter"),
        CheckConstraint("second_approved_by_id <> reviewed_by_id", name="second_approver_not_reviewer"),
        CheckConstraint(
            "state NOT IN ('granted', 'closed') OR (approved_by_id IS NOT NULL AND second_approved_by_id IS NOT NULL)",
            name="granted_has_two_approvers",
        ),
    )
    subject_type = "fund_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="RESTRICT"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="RESTRICT"))
    state: Mapped[FundRequestState] = mapped_column(enum_column_type(FundRequestState, "fund_request_state"))
    version: Mapped[int] = mapped_column(default=1)

    # The dispute.
    dispute_type: Mapped[DisputeType] = mapped_column(enum_column_type(DisputeType, "fund_dispute_type"))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    forum: Mapped[str] = mapped_column(String(200), default="")
    dispute_started_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")

    # The money (fen). Deductions: insurance paid, settlement received, other public funding.
    claimed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    insurance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    settlement_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    other_funding_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    deductions_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    eligible_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # what the rules allow, at review
    approved_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # committed at the second approval
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    released_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    clawed_back_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # The rules it was submitted under, the fund year it counts in, and the working of the amount.
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    fund_year: Mapped[int | None] = mapped_column()
    working: Mapped[dict] = mapped_column(JSON, default=dict)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    second_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    second_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()
    fund: Mapped[Fund] = relationship()
    centre: Mapped[Centre] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
    costs: Mapped[list[FundCost]] = relationship(
        back_populates="request", order_by="FundCost.position", cascade="all, delete-orphan"
    )
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    second_approved_by: Mapped[User | None] = relationship(foreign_keys=[second_approved_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.state.is_open

    @property
    def outstanding_fen(self) -> int:
        """What is committed and not yet paid or released."""
        return self.approved_fen - self.paid_fen - self.released_fen

    def __repr__(self) -> str:
        return f"<FundRequest {self.id} case={self.case_id} {self.state}>"


class FundCost(Base):
    """One documented cost of a request: its invoice (a PDF or an image of the case's evidence), the
    payment voucher, the amount in its currency, the exchange rate used and its date, and the amount
    in fen. The rate is kept exactly, as millionths (``7.123456`` is ``7123456``), never as a float."""

    __tablename__ = "fund_costs"
    __table_args__ = (
        UniqueConstraint("request_id", "position", name="uq_fund_costs_request_id_position"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("original_cents > 0", name="original_positive"),
        CheckConstraint("rate_millionths > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("fund_requests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    kind: Mapped[CostKind] = mapped_column(enum_column_type(CostKind, "fund_cost_kind"))
    description: Mapped[str] = mapped_column(String(300), default="")
    invoice_number: Mapped[str] = mapped_column(String(100), default="")
    currency: Mapped[str] = mapped_column(String(3))  # ISO 4217
    original_cents: Mapped[int] = mapped_column(BigInteger)  # the invoice's amount in hundredths of its currency
    rate_millionths: Mapped[int] = mapped_column(BigInteger)  # yuan per unit of the currency × 1,000,000
    rate_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("attachments.id", ondelete="RESTRICT"))
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id", ondelete="RESTRICT"))
    eligible: Mapped[bool] = mapped_column(default=True)
    excluded_reason: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[FundRequest] = relationship(back_populates="costs")
    invoice: Mapped[Attachment] = relationship(foreign_keys=[invoice_id])
    voucher: Mapped[Attachment | None] = relationship(foreign_keys=[voucher_id])


COST_FIELDS = (
    "position",
    "kind",
    "description",
    "invoice_number",
    "currency",
    "original_cents",
    "rate_millionths",
    "rate_on",
    "amount_fen",
    "invoice_id",
    "voucher_id",
    "eligible",
    "excluded_reason",
)

REQUEST_AUDITED_FIELDS = (
    "case_id",
    "fund_id",
    "centre_id",
    "enterprise_id",
    "state",
    "dispute_type",
    "country",
    "forum",
    "dispute_started_on",
    "description",
    "claimed_fen",
    "insurance_fen",
    "settlement_fen",
    "other_funding_fen",
    "deductions_fen",
    "eligible_fen",
    "approved_fen",
    "paid_fen",
    "released_fen",
    "clawed_back_fen",
    "rules",
    "fund_year",
    "submitted_by_id",
    "reviewed_by_id",
    "approved_by_id",
    "second_approved_by_id",
    "rejection_reason",
    "closed_at",
)


def request_digest(r: FundRequest) -> str:
    from app.core.audit import record_digest

    fields = {name: getattr(r, name) for name in REQUEST_AUDITED_FIELDS}
    costs = getattr(r, "costs", None)
    if costs is None:  # a row of the table (``audit-verify`` reads the tracks as rows): its costs from theirs
        from sqlalchemy import select

        from app.extensions import db

        costs = db.session.execute(
            select(FundCost).where(FundCost.request_id == r.id).order_by(FundCost.position)
        ).scalars()
    fields["costs"] = [{name: getattr(c, name) for name in COST_FIELDS} for c in costs]
    return record_digest(fields)


class LedgerEntry(Base):
    """One movement of a fund's money from one account to another: never updated, never deleted."""

    __tablename__ = "fund_ledger"
    __table_args__ = (
        UniqueConstraint("fund_id", "seq", name="uq_fund_ledger_fund_id_seq"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("debit <> credit", name="two_accounts"),
        CheckConstraint(
            "(kind IN ('contribution', 'grant', 'other_income', 'claw_back') AND debit = 'bank' "
            "AND credit = 'available') "
            "OR (kind = 'commitment' AND debit = 'available' AND credit = 'committed') "
            "OR (kind = 'release' AND debit = 'committed' AND credit = 'available') "
            "OR (kind = 'payout' AND debit = 'committed' AND credit = 'bank')",
            name="posting_of_kind",
        ),
        CheckConstraint(
            "kind NOT IN ('commitment', 'release', 'payout', 'claw_back') OR request_id IS NOT NULL",
            name="request_movement_names_request",
        ),
        CheckConstraint("kind <> 'claw_back' OR reason <> ''", name="claw_back_has_reason"),
        Index("ix_fund_ledger_request_id", "request_id"),
        Index("ix_fund_ledger_fund_id_occurred_on", "fund_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column()
    kind: Mapped[EntryKind] = mapped_column(enum_column_type(EntryKind, "fund_entry_kind"))
    debit: Mapped[Account] = mapped_column(enum_column_type(Account, "fund_debit_account"))
    credit: Mapped[Account] = mapped_column(enum_column_type(Account, "fund_credit_account"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    occurred_on: Mapped[date] = mapped_column(Date)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("fund_requests.id", ondelete="RESTRICT"))
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("fund_memberships.id", ondelete="RESTRICT"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id", ondelete="RESTRICT"))
    # The invoice or voucher a payout is made against (an attachment of the request's case).
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id", ondelete="RESTRICT"))
    reference: Mapped[str] = mapped_column(String(100), default="")  # bank voucher, invoice number…
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    fund: Mapped[Fund] = relationship()
    request: Mapped[FundRequest | None] = relationship()
    membership: Mapped[FundMembership | None] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()


ENTRY_FIELDS = (
    "id",
    "fund_id",
    "seq",
    "kind",
    "debit",
    "credit",
    "amount_fen",
    "occurred_on",
    "request_id",
    "membership_id",
    "enterprise_id",
    "attachment_id",
    "reference",
    "reason",
    "recorded_by_id",
)


def entry_fields(e: LedgerEntry) -> dict:
    """What the fund's chain seals of an entry (JSON-ready)."""
    out = {}
    for name in ENTRY_FIELDS:
        value = getattr(e, name)
        out[name] = (
            value.isoformat() if isinstance(value, date) else (value.value if hasattr(value, "value") else value)
        )
    return out
