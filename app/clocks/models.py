"""Service clocks and the calendar years an administrator enters.

A clock belongs to a subject of any workflow (``subject_type``, ``subject_id``: a case, and
later a mediation, a referral…) and to the case it is handled under (``case_id``, whose chain
records its warnings); it counts an ``amount`` of working days, calendar days or months. It is
started, paused, resumed, met and stopped only by ``app.clocks.services``, carrying out the
clock operations an action declares (the one door signals it); its due time is fixed when it
starts (and moved only by its own pauses), so a later change of the centre's deadlines leaves
running clocks alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, String, and_, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import Base, UTCDateTime, utcnow
from app.core.enums import LabelledEnum, enum_column_type


class ClockName(LabelledEnum):
    RESPONSE = "response"  # submission -> acknowledgement (快速反应)
    HANDLING = "handling"  # acknowledgement -> acceptance decision, paused while material is awaited (快速处理)
    FEEDBACK = "feedback"  # a decision or outcome -> the applicant told (快速反馈)
    # A mediation's clocks (``app.mediation``): the respondent's 15 days to answer, the fast
    # mediation deadline, the 30 days for judicial confirmation, the date the agreement is performed by.
    REPLY = "reply"
    MEDIATION = "mediation"
    CONFIRMATION = "confirmation"
    PERFORMANCE = "performance"
    # A referral's clocks (``app.referrals``): the 5 working days from the decision to sending the
    # transfer letter, and the 30 days after which a silent agency is chased (restarted by each chase).
    SEND = "send"
    CHASE = "chase"
    # A visit's follow-up (``app.visits``): due on the date promised to the enterprise.
    FOLLOW_UP = "follow_up"
    # A fund request's review (``app.fund``): from submission to the caseworker's review, paused while
    # documents asked for are awaited.
    FUND_REVIEW = "fund_review"
    # A centre's annual report on SME work (``app.reports.annual``): due 31 January (a clock of no case).
    ANNUAL_REPORT = "annual"

    @classmethod
    def _labels(cls):
        return {
            cls.RESPONSE: _l("Quick response"),
            cls.HANDLING: _l("Quick handling"),
            cls.FEEDBACK: _l("Quick feedback"),
            cls.REPLY: _l("Respondent's reply"),
            cls.MEDIATION: _l("Mediation"),
            cls.CONFIRMATION: _l("Judicial confirmation"),
            cls.PERFORMANCE: _l("Performance of the agreement"),
            cls.SEND: _l("Sending the transfer letter"),
            cls.CHASE: _l("Agency's answer"),
            cls.FOLLOW_UP: _l("Visit follow-up"),
            cls.FUND_REVIEW: _l("Review of a fund request"),
            cls.ANNUAL_REPORT: _l("Annual report on SME work"),
        }

    @property
    def is_quick(self) -> bool:
        """One of the three quick clocks of every case (response, handling, feedback) whose on-time
        rates the supervisors' page reports."""
        return self in QUICK_CLOCKS


class ClockUnit(LabelledEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"

    @classmethod
    def _labels(cls):
        return {
            cls.WORKING_DAYS: _l("working days"),
            cls.CALENDAR_DAYS: _l("days"),
            cls.MONTHS: _l("months"),
        }


QUICK_CLOCKS = (ClockName.RESPONSE, ClockName.HANDLING, ClockName.FEEDBACK)

# The centre setting that gives each quick clock its amount, and the unit it counts in.
CLOCK_SETTINGS = {
    ClockName.RESPONSE: "acknowledge_working_days",
    ClockName.HANDLING: "decision_working_days",
    ClockName.FEEDBACK: "feedback_working_days",
}
CLOCK_UNITS = {name: ClockUnit.WORKING_DAYS for name in QUICK_CLOCKS}


@dataclass(frozen=True)
class ClockSpan:
    """How long a clock runs (``amount`` ``unit``s) and who answers for it (None: the case's owner)."""

    amount: int
    unit: ClockUnit
    responsible_id: int | None = None


#: Clocks whose span depends on their subject (a mediation's deadline on its type of right, a
#: performance clock on the date agreed): ``(case, subject, now) -> ClockSpan | None`` (None: no clock
#: starts). The feature that owns the clock registers it (``register_span``); clocks import no feature.
SPANS: dict[ClockName, Callable] = {}


def register_span(name: ClockName, function: Callable) -> Callable:
    SPANS[name] = function
    return function


# A running clock of a track (what is handled under a case or beside one), as the partial index has it.
TRACKS_RUNNING = "met_at IS NULL AND stopped_at IS NULL AND subject_type <> 'case'"


class CaseClock(Base):
    __tablename__ = "case_clocks"
    __table_args__ = (
        CheckConstraint("working_days >= 0", name="working_days_not_negative"),
        CheckConstraint("met_at IS NULL OR stopped_at IS NULL", name="met_or_stopped"),
        # What the SLA scan and the escalation board read: running clocks by due time, with what they
        # filter by and join on, so a range of due times is read from the index alone.
        Index(
            "ix_case_clocks_running_due",
            "due_at",
            "warn_at",
            "paused_at",
            "case_id",
            "centre_id",
            "met_at",
            "stopped_at",
            sqlite_where=text("met_at IS NULL AND stopped_at IS NULL"),
            postgresql_where=text("met_at IS NULL AND stopped_at IS NULL"),
        ),
        Index("ix_case_clocks_case_id_started_at", "case_id", "started_at"),
        # The running clocks of tracks (a mediation's, a referral's, a visit's follow-up) by the person
        # who answers for them, the earliest due first ("my work").
        Index(
            "ix_case_clocks_tracks_running",
            "responsible_id",
            "due_at",
            "id",
            sqlite_where=text(TRACKS_RUNNING),
            postgresql_where=text(TRACKS_RUNNING),
        ),
        # The running clocks of subjects handled under no case (a visit's follow-up), for the board.
        Index(
            "ix_case_clocks_free_running_due",
            "centre_id",
            "due_at",
            sqlite_where=text("case_id IS NULL AND met_at IS NULL AND stopped_at IS NULL"),
            postgresql_where=text("case_id IS NULL AND met_at IS NULL AND stopped_at IS NULL"),
        ),
        # The clocks due in a period with everything the on-time rates group and filter by, so the rates
        # of a month read this index alone (both databases), not a table row per clock.
        Index(
            "ix_case_clocks_due_at_met_at_cover",
            "due_at",
            "met_at",
            "name",
            "centre_id",
            "responsible_id",
            "stopped_at",
            "paused_at",
        ),
        Index("ix_case_clocks_subject", "subject_type", "subject_id"),
        # The reports' on-time figures per centre and clock over a range of due times: SQLite reads it
        # centre by centre and clock by clock in the GROUP BY's order (a skip-scan, no sort of the rows).
        Index(
            "ix_case_clocks_report",
            "centre_id",
            "name",
            "due_at",
            "met_at",
            "paused_at",
            sqlite_where=text("stopped_at IS NULL"),
            postgresql_where=text("stopped_at IS NULL"),
        ),
        # The clocks the reports cannot count (the calendar of their year is not entered): a few rows.
        Index(
            "ix_case_clocks_not_counted",
            "unknown_year",
            "name",
            "centre_id",
            "started_at",
            sqlite_where=text("unknown_year IS NOT NULL AND met_at IS NULL AND stopped_at IS NULL"),
            postgresql_where=text("unknown_year IS NOT NULL AND met_at IS NULL AND stopped_at IS NULL"),
        ),
        # The same clocks by the person answering for them: whom the home page tells that a calendar is
        # missing (``years_waited_for``; a national caseworker answers for 33,000 clocks at a million cases).
        Index(
            "ix_case_clocks_waiting_person",
            "responsible_id",
            "unknown_year",
            sqlite_where=text("unknown_year IS NOT NULL AND met_at IS NULL AND stopped_at IS NULL"),
            postgresql_where=text("unknown_year IS NOT NULL AND met_at IS NULL AND stopped_at IS NULL"),
        ),
        # The running clocks of one kind of subject by due time (the overdue referrals of a list).
        Index(
            "ix_case_clocks_running_subject_due",
            "subject_type",
            "due_at",
            "subject_id",
            "paused_at",
            sqlite_where=text("met_at IS NULL AND stopped_at IS NULL"),
            postgresql_where=text("met_at IS NULL AND stopped_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The case it is handled under: its chain records the clock's warnings, its lists show them.
    # None for a clock of a subject handled under no case (a visit's follow-up: its visit's chain).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    # What the clock runs on: the workflow of its subject ("case", later "mediation"…) and its id.
    subject_type: Mapped[str] = mapped_column(String(30), default="case", server_default="case")
    subject_id: Mapped[int | None] = mapped_column()
    name: Mapped[ClockName] = mapped_column(enum_column_type(ClockName, "clock_name"))
    # What started a feedback clock (accept, decline, resolve); the clock's own name otherwise.
    trigger: Mapped[str] = mapped_column(String(30), default="")
    # The centre whose deadline it runs on, and who answered for it when it started.
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"), index=True)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # How much time the clock gives, in ``unit``s (the column keeps the name it had when every
    # clock counted working days).
    amount: Mapped[int] = mapped_column("working_days")
    unit: Mapped[ClockUnit] = mapped_column(
        enum_column_type(ClockUnit, "clock_unit"), default=ClockUnit.WORKING_DAYS, server_default="working_days"
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # None while the calendar of ``unknown_year`` is missing (an administrator enters it).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unknown_year: Mapped[int | None] = mapped_column()
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Closed pauses, in order: [[paused_at, resumed_at], ...] as ISO strings.
    pauses: Mapped[list] = mapped_column(JSON, default=list)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set once by the SLA scan, so each warning is recorded and sent exactly once.
    due_soon_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    breach_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    responsible: Mapped[User | None] = relationship()

    @property
    def working_days(self) -> int | None:
        """The amount when the clock counts working days (what API.md's clock object carries)."""
        return self.amount if self.unit in (None, ClockUnit.WORKING_DAYS) else None

    @working_days.setter
    def working_days(self, value: int) -> None:
        self.amount = value
        self.unit = ClockUnit.WORKING_DAYS

    @property
    def is_running(self) -> bool:
        return self.met_at is None and self.stopped_at is None

    @property
    def is_paused(self) -> bool:
        return self.is_running and self.paused_at is not None

    def is_overdue(self, now: datetime) -> bool:
        """Late now (running past its due time), or met after it."""
        if self.due_at is None or self.stopped_at is not None:
            return False
        if self.met_at is not None:
            return self.met_at > self.due_at
        return self.paused_at is None and now > self.due_at

    def is_due_soon(self, now: datetime) -> bool:
        return (
            self.is_running
            and self.paused_at is None
            and self.warn_at is not None
            and self.warn_at <= now <= self.due_at
        )

    def __repr__(self) -> str:
        return f"<CaseClock {self.name} case={self.case_id} due={self.due_at}>"


def counting_clock():
    """SQL: a clock that runs, is not paused and has a due time (what can be overdue or due soon)."""
    return and_(
        CaseClock.met_at.is_(None),
        CaseClock.stopped_at.is_(None),
        CaseClock.paused_at.is_(None),
        CaseClock.due_at.is_not(None),
    )


class CalendarYear(Base):
    """A year whose official calendar an administrator entered (the State Council's notice),
    because the installed calendar does not know it, or to correct it."""

    __tablename__ = "calendar_years"
    __table_args__ = (CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),)

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(String(300), default="")

    entered_by: Mapped[User | None] = relationship()
    days: Mapped[list[CalendarDay]] = relationship(
        back_populates="calendar_year", order_by="CalendarDay.day", cascade="all, delete-orphan"
    )


class CalendarDay(Base):
    """A day of an entered year that differs from a plain week: a public holiday on a weekday,
    or a make-up working day (调休) on a weekend."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_years.year", ondelete="CASCADE"), index=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(60), default="")

    calendar_year: Mapped[CalendarYear] = relationship(back_populates="days")
