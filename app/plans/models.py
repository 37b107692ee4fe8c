"""A rights-protection plan handled under a case.

Its state moves only through the one door (``app.plans.services.transition``); its content is edited
only while it is a draft, through ``app.plans.services.save_plan``. Both record events in the case's
audit chain naming the plan, which seal a digest of the fields below (``AUDITED_FIELDS``), so a
field changed behind the door is caught.

The comparison table, the evidence lists and the recommended routes are kept as JSON lists on the
plan itself: they are edited, reviewed, issued and copied into a revision as one document with the
plan, and the chain's digest of the plan's row covers them.

- ``comparison``: ``[{"feature", "accused", "verdict", "evidence"}]`` in the order shown;
- ``evidence_held`` / ``evidence_needed``: ``[text]``;
- ``routes``: ``[{"route", "cost_fen", "duration", "note"}]``, each route at most once.

A revision is a new plan of the same case with ``revision`` n + 1 that ``supersedes`` the issued
one; a case has at most one plan being written or reviewed and at most one issued plan at a time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.enums import IPType
from app.cases.models import Case
from app.centres.models import Centre
from app.core.db import Base, UTCDateTime, utcnow
from app.core.enums import enum_column_type
from app.plans.enums import PlanState

OPEN_STATES_SQL = "state IN ('draft', 'in_review', 'approved')"


class Plan(Base):
    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("case_id", "revision", name="uq_plans_case_id_revision"),
        # One plan being written or reviewed per case. (One issued plan at a time is kept by the service:
        # issuing a revision and superseding the plan it replaces happen in one transaction, in that order.)
        Index(
            "uq_plans_one_open_per_case",
            "case_id",
            unique=True,
            sqlite_where=text(OPEN_STATES_SQL),
            postgresql_where=text(OPEN_STATES_SQL),
        ),
        Index("ix_plans_centre_id_state", "centre_id", "state"),
        CheckConstraint(
            "(revision = 1 AND supersedes_id IS NULL) OR (revision > 1 AND supersedes_id IS NOT NULL)",
            name="revision_supersedes",
        ),
        CheckConstraint("damages_fen IS NULL OR damages_fen >= 0", name="damages_not_negative"),
        CheckConstraint("state NOT IN ('issued', 'superseded') OR issued_at IS NOT NULL", name="issued_has_time"),
        CheckConstraint("state <> 'superseded' OR superseded_at IS NOT NULL", name="superseded_has_time"),
        CheckConstraint(
            "state NOT IN ('approved', 'issued', 'superseded') OR approved_at IS NOT NULL", name="approved_has_time"
        ),
    )
    #: The name of its workflow: what its events, notifications and documents call their subject.
    subject_type = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by ``uq_plans_case_id_revision`` (case_id first).
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    # The centre handling it (the case's when it was drafted).
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    state: Mapped[PlanState] = mapped_column(enum_column_type(PlanState, "plan_state"))
    version: Mapped[int] = mapped_column(default=1)
    revision: Mapped[int] = mapped_column(default=1)
    # The issued plan this revision replaces once it is issued itself (a plan is revised at most once).
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="RESTRICT"), unique=True)

    facts: Mapped[str] = mapped_column(Text, default="")
    # The right relied on: one of the case's rights (its position when chosen, and a copy of it, so the
    # plan says what it relied on whatever happens to the case later), and the scope relied on.
    right_position: Mapped[int | None] = mapped_column()
    right_type: Mapped[IPType | None] = mapped_column(enum_column_type(IPType, "plan_right_type"))
    right_number: Mapped[str] = mapped_column(String(60), default="")
    right_title: Mapped[str] = mapped_column(String(200), default="")
    right_scope: Mapped[str] = mapped_column(Text, default="")
    comparison: Mapped[list] = mapped_column(JSON, default=list)
    evidence_held: Mapped[list] = mapped_column(JSON, default=list)
    evidence_needed: Mapped[list] = mapped_column(JSON, default=list)
    routes: Mapped[list] = mapped_column(JSON, default=list)
    damages_fen: Mapped[int | None] = mapped_column(BigInteger)
    damages_basis: Mapped[str] = mapped_column(Text, default="")

    # Who drafted, submitted, approved and issued it: part of the record (the four-eyes rule reads them),
    # so a user who did cannot be deleted (accounts are deactivated, never deleted).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()
    centre: Mapped[Centre] = relationship()
    supersedes: Mapped[Plan | None] = relationship(remote_side=[id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.state.is_open

    @property
    def right_is_patent(self) -> bool:
        return self.right_type is not None and self.right_type.is_patent

    def __repr__(self) -> str:
        return f"<Plan {self.id} case={self.case_id} rev={self.revision} {self.state}>"


# What the case's chain vouches for about a plan (sealed with each of its events).
AUDITED_FIELDS = (
    "case_id",
    "centre_id",
    "state",
    "revision",
    "supersedes_id",
    "facts",
    "right_position",
    "right_type",
    "right_number",
    "right_title",
    "right_scope",
    "comparison",
    "evidence_held",
    "evidence_needed",
    "routes",
    "damages_fen",
    "damages_basis",
    "created_by_id",
    "submitted_by_id",
    "approved_by_id",
    "issued_by_id",
    "submitted_at",
    "approved_at",
    "issued_at",
    "superseded_at",
)


def plan_digest(plan) -> str:
    """The digest of a plan's audited fields (``plan``: the model or a row of ``plans``)."""
    from app.core.audit import record_digest

    return record_digest({name: getattr(plan, name) for name in AUDITED_FIELDS})
