"""An on-site visit (上门服务) of a centre, its staff, enterprises, problems and follow-ups, and the
month-end breach of the visits minimum.

A visit is a root subject: its state moves only through the one door
(``app.visits.services``), and its events go to its own audit chain (``app.core.chains``, chain
type ``visit``), which seals a digest of ``audited_fields(visit)`` so a field changed behind the
door is caught. ``notes`` are internal: no query for an applicant ever returns them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.enums import IPType
from app.centres.models import Centre
from app.core.db import Base, UTCDateTime, utcnow
from app.core.enums import enum_column_type
from app.enterprises.models import Enterprise
from app.visits.enums import VisitState

MAX_TEXT = 5000


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (
        # The compliance grid and the month list: a centre's visits by date.
        Index("ix_visits_centre_id_visited_on", "centre_id", "visited_on"),
        Index("ix_visits_centre_id_planned_on", "centre_id", "planned_on"),
        Index("ix_visits_state_visited_on", "state", "visited_on"),
        # The list's order (``queries``: the visit's day, newest first, then id) with the scope's centre, so
        # a page is read backwards from the index instead of sorting every visit of a national scope.
        Index("ix_visits_day_id", text("coalesce(visited_on, planned_on)"), "id", "centre_id"),
        # The planned visits, the soonest first ("my work": each asked whether the user goes on it, until
        # a page is found, instead of every visit the user ever went on hashed against every planned one).
        Index(
            "ix_visits_planned",
            "planned_on",
            "id",
            sqlite_where=text("state = 'planned'"),
            postgresql_where=text("state = 'planned'"),
        ),
        CheckConstraint("state NOT IN ('done', 'closed') OR visited_on IS NOT NULL", name="done_has_date"),
        CheckConstraint("state <> 'planned' OR planned_on IS NOT NULL", name="planned_has_date"),
        CheckConstraint("state <> 'closed' OR closed_at IS NOT NULL", name="closed_has_time"),
    )
    #: The name of its workflow: what its events, clocks and documents call their subject.
    subject_type = "visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    state: Mapped[VisitState] = mapped_column(enum_column_type(VisitState, "visit_state"))
    version: Mapped[int] = mapped_column(default=1)
    planned_on: Mapped[date | None] = mapped_column(Date)
    visited_on: Mapped[date | None] = mapped_column(Date)
    planned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # ``Topic`` values.
    topics: Mapped[list] = mapped_column(JSON, default=list)
    # The enterprise's needs list (需求清单).
    needs: Mapped[str] = mapped_column(Text, default="")
    # Internal notes of the staff: never shown to an applicant.
    notes: Mapped[str] = mapped_column(Text, default="")
    # The enterprise's contact who received the visit and its follow-ups (signs the record).
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_title: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    centre: Mapped[Centre] = relationship()
    planned_by: Mapped[User | None] = relationship(foreign_keys=[planned_by_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    staff_links: Mapped[list[VisitStaff]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitStaff.position"
    )
    enterprise_links: Mapped[list[VisitEnterprise]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitEnterprise.position"
    )
    problems: Mapped[list[VisitProblem]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitProblem.position"
    )
    follow_ups: Mapped[list[VisitFollowUp]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitFollowUp.position"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def staff(self) -> list[User]:
        return [link.user for link in self.staff_links]

    @property
    def enterprises(self) -> list[Enterprise]:
        return [link.enterprise for link in self.enterprise_links]

    @property
    def day(self) -> date | None:
        """The day it took place, or is planned for."""
        return self.visited_on or self.planned_on

    @property
    def open_follow_ups(self) -> list[VisitFollowUp]:
        return [f for f in self.follow_ups if f.done_at is None]

    def __repr__(self) -> str:
        return f"<Visit {self.id} centre={self.centre_id} {self.state}>"


class VisitStaff(Base):
    """A member of staff who went on (or is planned for) the visit."""

    __tablename__ = "visit_staff"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)

    visit: Mapped[Visit] = relationship(back_populates="staff_links")
    user: Mapped[User] = relationship()


class VisitEnterprise(Base):
    """An enterprise visited (or to be visited)."""

    __tablename__ = "visit_enterprises"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    visit: Mapped[Visit] = relationship(back_populates="enterprise_links")
    enterprise: Mapped[Enterprise] = relationship()


class VisitProblem(Base):
    """A problem found on the visit; ``case_id`` is the case it became (raised once)."""

    __tablename__ = "visit_problems"
    __table_args__ = (UniqueConstraint("visit_id", "position", name="uq_visit_problems_visit_id_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    ip_type: Mapped[IPType | None] = mapped_column(enum_column_type(IPType, "visit_problem_ip_type"))
    # The right's number and the infringer, when known (what a case raised from it needs).
    right_number: Mapped[str] = mapped_column(String(40), default="")
    respondent_name: Mapped[str] = mapped_column(String(200), default="")
    # Which of the visited enterprises has it (the case's complainant); None: the visit's first.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id", ondelete="RESTRICT"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), unique=True)

    visit: Mapped[Visit] = relationship(back_populates="problems")
    enterprise: Mapped[Enterprise | None] = relationship()


class VisitFollowUp(Base):
    """A follow-up promised on the visit, with its owner and due date; a clock reminds the owner
    (``ClockName.FOLLOW_UP``, subject ``visit_follow_up``) until it is done."""

    __tablename__ = "visit_follow_ups"
    __table_args__ = (
        UniqueConstraint("visit_id", "position", name="uq_visit_follow_ups_visit_id_position"),
        Index("ix_visit_follow_ups_owner_id_done_at", "owner_id", "done_at"),
        CheckConstraint("done_at IS NULL OR done_by_id IS NOT NULL", name="done_has_person"),
    )
    subject_type = "visit_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_note: Mapped[str] = mapped_column(Text, default="")

    visit: Mapped[Visit] = relationship(back_populates="follow_ups")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class VisitFile(Base):
    """A photo or document taken on the visit, stored as evidence through the same checks as a case's
    (``app.cases.attachments.store_checked``); staff only."""

    __tablename__ = "visit_files"
    __table_args__ = (
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("kind IN ('photo', 'document')", name="kind_values"),
        Index("ix_visit_files_visit_id_created_at", "visit_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="RESTRICT"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10), default="photo")
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_path: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


class VisitBreach(Base):
    """A centre's month that ended with fewer visits than its minimum, recorded once by the sla-scan
    (the unique key makes two concurrent scans record it once)."""

    __tablename__ = "visit_breaches"
    __table_args__ = (
        UniqueConstraint("centre_id", "month", name="uq_visit_breaches_centre_id_month"),
        CheckConstraint("visits >= 0 AND required >= 1 AND visits < required", name="short_of_minimum"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    # The first day of the month missed.
    month: Mapped[date] = mapped_column(Date, index=True)
    visits: Mapped[int] = mapped_column(default=0)
    required: Mapped[int] = mapped_column(default=1)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    centre: Mapped[Centre] = relationship()


#: The visit's own columns its chain seals (with its staff, enterprises, problems and follow-ups).
AUDITED_FIELDS = (
    "centre_id",
    "state",
    "planned_on",
    "visited_on",
    "planned_by_id",
    "recorded_by_id",
    "recorded_at",
    "topics",
    "needs",
    "notes",
    "contact_name",
    "contact_title",
    "contact_phone",
    "cancel_reason",
    "closed_at",
)


def audited_fields(visit: Visit, staff_ids=None, enterprise_ids=None, problems=None, follow_ups=None) -> dict:
    """What the visit's chain seals: its audited columns and the rows that belong to it. The lists
    may be given (the verifier reads them in bulk); otherwise they are read from the visit."""
    fields = {name: getattr(visit, name) for name in AUDITED_FIELDS}
    fields["staff"] = sorted(staff_ids if staff_ids is not None else (s.user_id for s in visit.staff_links))
    fields["enterprises"] = sorted(
        enterprise_ids if enterprise_ids is not None else (e.enterprise_id for e in visit.enterprise_links)
    )
    fields["problems"] = sorted(problems if problems is not None else (problem_key(p) for p in visit.problems))
    fields["follow_ups"] = sorted(
        follow_ups if follow_ups is not None else (follow_up_key(f) for f in visit.follow_ups)
    )
    return fields


def problem_key(p) -> list:
    return [p.position, p.text, p.ip_type, p.right_number, p.respondent_name, p.enterprise_id, p.case_id]


def follow_up_key(f) -> list:
    return [
        f.position,
        f.text,
        f.owner_id,
        f.due_on,
        f.done_at,
        f.done_by_id,
        f.done_note,
    ]
