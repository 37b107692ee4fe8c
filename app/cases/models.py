"""Cases: complaints, assistance requests, consultations and overseas disputes.

A case's ``state`` is assigned only by ``app.cases.services.transition`` (the
one door); every change leaves a ``CaseEvent`` in the case's HMAC chain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from sqlalchemy.sql import expression

from app.auth.models import User
from app.cases.enums import (
    BOARD_STATES_SQL,
    CaseKind,
    CaseState,
    Channel,
    ComplainantType,
    DeclineReason,
    DocumentKind,
    HandoverKind,
    HandoverStatus,
    IPType,
)
from app.centres.models import Centre
from app.core.db import Base, UTCDateTime, utcnow
from app.core.enums import enum_column_type
from app.enterprises.models import Enterprise
from app.respondents.keys import name_key_default


class CaseSequence(Base):
    """The last case number issued per centre and year: numbers are gapless because the
    increment commits or rolls back with the case that takes it."""

    __tablename__ = "case_sequences"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # The number's own centre: a case transferred to another centre keeps its number.
        UniqueConstraint("number_centre_id", "year", "sequence", name="uq_cases_number_centre_year_sequence"),
        CheckConstraint("claimed_amount_fen IS NULL OR claimed_amount_fen >= 0", name="amount_not_negative"),
        CheckConstraint("sequence BETWEEN 1 AND 99999", name="sequence_range"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("priority BETWEEN 0 AND 3", name="priority_range"),
        CheckConstraint("state = 'draft' OR submitted_at IS NOT NULL", name="submitted_has_time"),
        CheckConstraint("state <> 'declined' OR decline_reason IS NOT NULL", name="declined_has_reason"),
        # A draft takes its official number when it is submitted; its three parts come together.
        CheckConstraint("state = 'draft' OR number IS NOT NULL", name="submitted_has_number"),
        CheckConstraint(
            "(number IS NULL AND year IS NULL AND sequence IS NULL) "
            "OR (number IS NOT NULL AND year IS NOT NULL AND sequence IS NOT NULL)",
            name="number_complete",
        ),
        # An enterprise's case names the enterprise; a person's or an anonymous tip-off names none.
        CheckConstraint(
            "(complainant_type = 'enterprise' AND enterprise_id IS NOT NULL) "
            "OR (complainant_type <> 'enterprise' AND enterprise_id IS NULL)",
            name="complainant_enterprise",
        ),
        CheckConstraint("complainant_type <> 'individual' OR complainant_name <> ''", name="individual_named"),
        # Keyset pagination of the staff list: newest first within a centre subtree.
        Index("ix_cases_created_at_id", "created_at", "id"),
        Index("ix_cases_state_created_at", "state", "created_at"),
        # The list filtered by a type of right, newest first (five values: alone, the index made SQLite's
        # planner read a fifth of all cases to show fifty).
        Index("ix_cases_ip_type_created_at", "ip_type", "created_at", "id"),
        Index("ix_cases_centre_id_created_at", "centre_id", "created_at"),
        Index("ix_cases_enterprise_id_created_at", "enterprise_id", "created_at"),
        Index("ix_cases_ip_number_state", "ip_number", "state"),
        # The case list: "priority, then newest" walks this index; a date filter (e.g. a month of
        # submissions) reads its range of the second instead of a whole subtree's cases.
        Index("ix_cases_priority_created_at_id", "priority", "created_at", "id"),
        Index("ix_cases_submitted_at", "submitted_at"),
        # The reports count the decisions and the closings of a month (``app.reports.figures``).
        Index("ix_cases_decided_at", "decided_at"),
        Index("ix_cases_closed_at", "closed_at"),
        # The reports' counts of a period (``app.reports.figures``: received by channel, kind and right;
        # decided; closed with their ratings), each a range of one time read from its index alone.
        Index("ix_cases_submitted_at_report", "submitted_at", "centre_id", "channel", "kind", "ip_type"),
        Index("ix_cases_decided_at_report", "decided_at", "centre_id", "kind", "ip_type", "decline_reason"),
        Index("ix_cases_closed_at_report", "closed_at", "centre_id", "rating", "kind", "ip_type"),
        # "Due first" and the overdue filter: due times tie often (every clock is due at the end of
        # a day), so the id is in the index and a page starts its range scan at the cursor.
        Index("ix_cases_next_due_at_id", "next_due_at", "id"),
        # The escalation board's join from running clocks to their cases: each case's state and scope read
        # from this index alone. Its condition is the board's states (``app.clocks.queries.BOARD_STATES``:
        # the open ones and declined), written out so both databases can match it to the board's query.
        # A period's cases with everything the respondents' ranking filters and counts by (state, scope,
        # complainant, author of a draft), so its cases are read from the index alone.
        Index("ix_cases_created_at_ranking", "created_at", "state", "centre_id", "enterprise_id", "filed_by_id", "id"),
        Index(
            "ix_cases_board",
            "id",
            "state",
            "centre_id",
            "filed_by_id",
            sqlite_where=text(BOARD_STATES_SQL),
            postgresql_where=text(BOARD_STATES_SQL),
        ),
        # One person's cases on the board ("my work": those they own, those they first took up).
        Index(
            "ix_cases_owner_open",
            "owner_id",
            "next_due_at",
            "state",  # for the counts of a person's cases in one state, read from the index alone
            sqlite_where=text(BOARD_STATES_SQL),
            postgresql_where=text(BOARD_STATES_SQL),
        ),
        Index(
            "ix_cases_first_responder_open",
            "first_responder_id",
            "next_due_at",
            sqlite_where=text(BOARD_STATES_SQL),
            postgresql_where=text(BOARD_STATES_SQL),
        ),
        # The board's cases of one centre (a narrow scope's board: without it, PostgreSQL read a whole
        # partial index of the board's cases to learn which of a workstation's cases are on it).
        Index(
            "ix_cases_board_centre",
            "centre_id",
            "id",
            sqlite_where=text(BOARD_STATES_SQL),
            postgresql_where=text(BOARD_STATES_SQL),
        ),
        # The board's cases of one state, the earliest due first (the home page's cases to acknowledge).
        Index(
            "ix_cases_state_due",
            "state",
            "next_due_at",
            "id",
            "centre_id",  # the scope, so that a count of a state reads the index alone
            sqlite_where=text(BOARD_STATES_SQL),
            postgresql_where=text(BOARD_STATES_SQL),
        ),
        # The list's text search (LIKE '%words%') on PostgreSQL: a pg_trgm GIN index. SQLite has no
        # such index; there it is an empty partial index, so both schemas match these models.
        Index(
            "ix_cases_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            sqlite_where=text("0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The official number ``{centre}-{year}-{sequence}``, taken when the case is submitted (a draft has none).
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    # Whose cases it is now (the scope of every list); it changes when a transfer is accepted.
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    # The centre whose sequence gave the number (``centre_id`` when it was filed); never changes.
    number_centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    year: Mapped[int | None] = mapped_column()
    sequence: Mapped[int | None] = mapped_column()
    kind: Mapped[CaseKind] = mapped_column(enum_column_type(CaseKind, "case_kind"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_column_type(Channel, "channel"), index=True)
    state: Mapped[CaseState] = mapped_column(enum_column_type(CaseState, "case_state"))
    # Who brings the case: the enterprise (``enterprise_id``), or a person or tip-off without one.
    complainant_type: Mapped[ComplainantType] = mapped_column(
        enum_column_type(ComplainantType, "complainant_type"),
        default=ComplainantType.ENTERPRISE,
        server_default=ComplainantType.ENTERPRISE.value,
    )
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id", ondelete="RESTRICT"))
    # A natural person's (or a tip-off's, when given) name and phone; empty for an enterprise.
    complainant_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    complainant_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # A hotline call: who called, from which number, when, and the 12330 system's ticket.
    caller_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    caller_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    call_ticket: Mapped[str] = mapped_column(String(40), default="", server_default="")
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    first_responder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    title: Mapped[str] = mapped_column(String(200))
    # The first right and respondent, mirrored from the lists below for filters, sorting and duplicates.
    ip_type: Mapped[IPType | None] = mapped_column(enum_column_type(IPType, "ip_type"))
    ip_number: Mapped[str] = mapped_column(String(60), default="")
    respondent_name: Mapped[str] = mapped_column(String(200), default="")
    facts: Mapped[str] = mapped_column(Text, default="")
    help_wanted: Mapped[str] = mapped_column(Text, default="")
    claimed_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    priority: Mapped[int] = mapped_column(default=0)
    # Lower-cased number, enterprise, respondents, rights and title: what the text search reads.
    search_text: Mapped[str] = mapped_column(Text, default="")

    decline_reason: Mapped[DeclineReason | None] = mapped_column(enum_column_type(DeclineReason, "decline_reason"))
    outcome: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None] = mapped_column()
    rating_comment: Mapped[str] = mapped_column(Text, default="")

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome_informed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # The earliest due time of the case's running, unpaused clocks (kept by app.clocks.services):
    # what the lists filter ("overdue") and sort ("due first") on.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # indexed with the id, above
    # When the complainant's personal fields were anonymised after the retention period (app.privacy.retention).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    centre: Mapped[Centre] = relationship(foreign_keys=[centre_id])
    enterprise: Mapped[Enterprise | None] = relationship()
    filed_by: Mapped[User | None] = relationship(foreign_keys=[filed_by_id])
    first_responder: Mapped[User | None] = relationship(foreign_keys=[first_responder_id])
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    rights: Mapped[list[CaseRight]] = relationship(
        back_populates="case", order_by="CaseRight.position", cascade="all, delete-orphan"
    )
    respondents: Mapped[list[CaseRespondent]] = relationship(
        back_populates="case", order_by="CaseRespondent.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @validates("first_responder_id")
    def _first_responder_is_fixed(self, key, value):
        """Whoever first took the case up stays its first responder (a database trigger says the same)."""
        if self.first_responder_id is not None and value != self.first_responder_id:
            raise ValueError("the first responder of a case never changes")
        return value

    @property
    def is_open(self) -> bool:
        return self.state.is_open

    @property
    def ref(self) -> str:
        """How pages and the API address the case: its number, or ``draft-<id>`` before it has one."""
        return self.number or f"draft-{self.id}"

    @property
    def has_enterprise(self) -> bool:
        return self.enterprise_id is not None

    @property
    def complainant_label(self) -> str:
        """Who brings the case, as pages and documents name them."""
        if self.enterprise is not None:
            return self.enterprise.name
        if self.complainant_type is ComplainantType.ANONYMOUS:
            return self.complainant_type.label
        if self.anonymised_at is not None:
            from app.privacy.retention import PLACEHOLDER

            return str(PLACEHOLDER)
        return self.complainant_name

    def __repr__(self) -> str:
        return f"<Case {self.ref} {self.state}>"


class CaseRight(Base):
    """An IP right the case relies on; position 0 is the main one."""

    __tablename__ = "case_rights"
    __table_args__ = (UniqueConstraint("case_id", "position", name="uq_case_rights_case_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    type: Mapped[IPType] = mapped_column(enum_column_type(IPType, "right_type"))
    # Indexed: a search for a whole patent number starts from the rights that carry it.
    number: Mapped[str] = mapped_column(String(60), default="", index=True)
    title: Mapped[str] = mapped_column(String(200), default="")

    case: Mapped[Case] = relationship(back_populates="rights")


def in_board_states():
    """SQL: the case is among the board's states (open, or declined and not yet told), written out as
    the partial indexes of the board's cases have it (``ix_cases_board`` and those after it), so that
    both databases can match a query to them."""
    return text(f"cases.{BOARD_STATES_SQL}")


def in_board_state(state):
    """SQL: the case is in ``state``, one of the board's states, written so that each database matches
    the partial indexes of the board's cases: SQLite matches one only to the terms it is written with
    (``in_board_states`` too); PostgreSQL proves it from the state alone, and given both it multiplies
    their selectivities as if they were independent (at a million cases it guessed 69 of a caseworker's
    276 acknowledged cases and counted them by intersecting two whole indexes, 10-18 ms)."""
    from app.extensions import db

    if db.session.get_bind().dialect.name == "sqlite":
        return and_(Case.state == state, in_board_states())
    return Case.state == state


RESPONDENT_KEYED = "credit_code IS NOT NULL OR name_key <> ''"  # a respondent the ranking can match


class CaseRespondent(Base):
    """A party complained about (被投诉人/被请求人); position 0 is the main one."""

    __tablename__ = "case_respondents"
    __table_args__ = (
        UniqueConstraint("case_id", "position", name="uq_case_respondents_case_position"),
        # A respondent's other cases (app.respondents): by credit code, else by normalised name.
        Index("ix_case_respondents_credit_code_case_id", "credit_code", "case_id"),
        Index("ix_case_respondents_name_key_case_id", "name_key", "case_id"),
        # The respondents the ranking can match (a credit code or a name key), by case, with both keys:
        # the only rows ``app.respondents.queries.ranking`` joins, read from this index alone.
        Index(
            "ix_case_respondents_keyed",
            "case_id",
            "credit_code",
            "name_key",
            sqlite_where=text(RESPONDENT_KEYED),
            postgresql_where=text(RESPONDENT_KEYED),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    address: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(500))
    # The name as repeat infringers are matched (``app.respondents.keys``): kept from ``name``.
    name_key: Mapped[str] = mapped_column(String(200), default=name_key_default, server_default="")

    case: Mapped[Case] = relationship(back_populates="respondents")


class CaseEvent(Base):
    """One append-only entry of a case's audit chain (see ``app.core.audit``).

    ``visibility`` is ``internal`` for staff notes and staff-only entries, ``applicant``
    for what the applicant's timeline shows. Rows are never updated or deleted.
    """

    __tablename__ = "case_events"
    __table_args__ = (
        UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),
        CheckConstraint("visibility IN ('internal', 'applicant')", name="visibility_values"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    visibility: Mapped[str] = mapped_column(String(10), default="applicant")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The digest of the case's audited fields once this event was recorded (``app.cases.events``);
    # sealed into ``hash``. None only for events recorded before digests existed.
    digest: Mapped[str | None] = mapped_column(String(64))
    # The subject of a track handled under the case (a mediation, a referral…) whose event this is,
    # and whose states ``from_state``/``to_state`` then are; None for the case's own events.
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[int | None] = mapped_column()
    # The digest of that track's audited fields once this event was recorded (sealed into ``hash``
    # with the case's): a track's field changed behind its door is caught as well.
    subject_digest: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()


class CaseAuditHead(Base):
    """The last link of a case's chain. Appending locks this row (not the case, so a note does
    not bump the case's version), and a chain cut short no longer matches its head."""

    __tablename__ = "case_audit_heads"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC of (case, seq, hash): moving the head back after cutting events off needs the key.
    seal: Mapped[str] = mapped_column(String(64), default="")


class Attachment(Base):
    """An evidence or material file; the bytes live under the storage root, never in the web root."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("size > 0", name="size_positive"),
        Index("ix_attachments_case_id_created_at", "case_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_path: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


class Document(Base):
    """A PDF a centre issued, kept exactly as generated and never rebuilt.

    It belongs to the centre that issued it and to a subject of any workflow (``subject_type``,
    ``subject_id``: a case, later a mediation, a referral…); ``case_id`` is the case it was
    issued under, when there is one (a monthly report has none)."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_case_id_created_at", "case_id", "created_at"),
        Index("ix_documents_subject", "subject_type", "subject_id"),
        # Each centre's series is gapless per year (``app.core.document_numbers``).
        UniqueConstraint("centre_id", "series", "year", "sequence", name="uq_documents_centre_series_year_sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"), index=True)
    subject_type: Mapped[str] = mapped_column(String(30), default="case", server_default="case")
    subject_id: Mapped[int | None] = mapped_column()
    kind: Mapped[DocumentKind] = mapped_column(enum_column_type(DocumentKind, "document_kind"))
    template: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_path: Mapped[str] = mapped_column(String(255), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The number of the issuing centre's series (none for kinds that are not numbered, and for
    # documents issued before numbering), and the code of the public verification page.
    number: Mapped[str | None] = mapped_column(String(100))
    series: Mapped[str | None] = mapped_column(String(10))
    year: Mapped[int | None] = mapped_column()
    sequence: Mapped[int | None] = mapped_column()
    verification_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    is_signed: Mapped[bool] = mapped_column(default=False, server_default=expression.false())

    created_by: Mapped[User | None] = relationship()


class CaseLink(Base):
    """Two cases a caseworker marked as related (e.g. the same patent against the same respondent)."""

    __tablename__ = "case_links"
    __table_args__ = (
        UniqueConstraint("case_id", "related_id", name="uq_case_links_pair"),
        CheckConstraint("case_id <> related_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    related_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    related: Mapped[Case] = relationship(foreign_keys=[related_id])


class CaseHandover(Base):
    """An offer to hand a case's work to a named colleague (``handover``) or to another centre
    (``transfer``). Nothing changes until the receiver accepts; at most one offer is open per case."""

    __tablename__ = "case_handovers"
    __table_args__ = (
        Index(
            "uq_case_handovers_one_open",
            "case_id",
            unique=True,
            sqlite_where=text("status = 'offered'"),
            postgresql_where=text("status = 'offered'"),
        ),
        Index("ix_case_handovers_to_user_status", "to_user_id", "status"),
        Index("ix_case_handovers_to_centre_status", "to_centre_id", "status"),
        CheckConstraint(
            "(kind = 'handover' AND to_user_id IS NOT NULL) OR (kind = 'transfer' AND to_centre_id IS NOT NULL)",
            name="receiver_given",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[HandoverKind] = mapped_column(enum_column_type(HandoverKind, "handover_kind"))
    status: Mapped[HandoverStatus] = mapped_column(enum_column_type(HandoverStatus, "handover_status"))
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    comment: Mapped[str] = mapped_column(Text, default="")
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_comment: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship()
    from_user: Mapped[User | None] = relationship(foreign_keys=[from_user_id])
    to_user: Mapped[User | None] = relationship(foreign_keys=[to_user_id])
    from_centre: Mapped[Centre] = relationship(foreign_keys=[from_centre_id])
    to_centre: Mapped[Centre | None] = relationship(foreign_keys=[to_centre_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
