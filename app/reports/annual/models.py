"""A centre's annual report on SME work for one year: its figures (a snapshot of ``app.reports.figures``),
its five written sections, its state on the workflow (``app.reports.annual.workflow``) and the PDF issued
on approval.

One row per centre and year (a unique key): the draft command may run twice, or twice at once, and
prepares each draft once. The report is a root subject: its state moves only through the one door, and
its events go to its own audit chain (``app.core.chains``, chain type ``annual_report``), which seals a
digest of ``audited_fields(report)`` so a field changed behind the door is caught.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from app.auth.models import User
from app.cases.enums import DocumentKind
from app.cases.models import Document
from app.centres.models import Centre
from app.core.db import Base, UTCDateTime, utcnow
from app.core.enums import LabelledEnum, enum_column_type

#: The longest a section may be (characters).
MAX_SECTION = 20000
#: The workflow's name: what its chain, clocks and documents call the report.
SUBJECT = "annual_report"


class AnnualState(LabelledEnum):
    DRAFT = "draft"  # prepared with the year's figures; the centre's supervisors write it
    SUBMITTED = "submitted"  # waiting for the centre above to approve it (or return it)
    ISSUED = "issued"  # approved and issued as a PDF; read-only

    @classmethod
    def _labels(cls):
        return {
            cls.DRAFT: lazy_pgettext("annual report", "Draft"),
            cls.SUBMITTED: lazy_pgettext("annual report", "Submitted for approval"),
            cls.ISSUED: lazy_pgettext("annual report", "Approved and issued"),
        }


#: The five sections, in the order the report has them: (column, label).
SECTIONS = (
    ("situation", _l("Situation")),
    ("results", _l("Results")),
    ("problems", _l("Problems")),
    ("next_steps", _l("Next steps")),
    ("suggestions", _l("Suggestions")),
)
SECTION_NAMES = tuple(name for name, _label in SECTIONS)


def section_label(name: str):
    return dict(SECTIONS)[name]


class AnnualReport(Base):
    __tablename__ = "annual_reports"
    __table_args__ = (
        UniqueConstraint("centre_id", "year", name="uq_annual_reports_centre_id_year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("state = 'draft' OR submitted_at IS NOT NULL", name="submitted_has_time"),
        CheckConstraint("state <> 'issued' OR approved_at IS NOT NULL", name="issued_has_approval"),
        # The list: a year's reports by state.
        Index("ix_annual_reports_year_state", "year", "state"),
    )
    subject_type = SUBJECT

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column()
    state: Mapped[AnnualState] = mapped_column(enum_column_type(AnnualState, "annual_report_state"))
    version: Mapped[int] = mapped_column(default=1)
    # The year's figures (``Report.as_dict`` of ``app.reports.figures``) as taken when the draft was
    # prepared or last refreshed; the page and the PDF show these, so they never move under the text.
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    figures_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    situation: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    suggestions: Mapped[str] = mapped_column(Text, default="")
    # Why the centre above last returned it (cleared when it is approved).
    return_note: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    centre: Mapped[Centre] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    # The PDF issued on approval (a document of no case whose subject is the report); read-only here, so
    # issuing it never writes the report's row a second time.
    document: Mapped[Document | None] = relationship(
        primaryjoin=lambda: and_(
            foreign(Document.subject_id) == AnnualReport.id,
            Document.subject_type == SUBJECT,
            Document.kind == DocumentKind.ANNUAL_REPORT,
        ),
        viewonly=True,
        uselist=False,
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def sections(self) -> dict[str, str]:
        return {name: getattr(self, name) or "" for name in SECTION_NAMES}

    @property
    def empty_sections(self) -> list[str]:
        return [name for name in SECTION_NAMES if not (getattr(self, name) or "").strip()]

    def __repr__(self) -> str:
        return f"<AnnualReport {self.year} centre={self.centre_id} {self.state}>"


AUDITED_FIELDS = (
    "centre_id",
    "year",
    "state",
    "figures_at",
    *SECTION_NAMES,
    "return_note",
    "submitted_at",
    "submitted_by_id",
    "approved_at",
    "approved_by_id",
)


def figures_digest(figures) -> str:
    """The figures as the chain seals them: the SHA-256 of their canonical JSON."""
    body = json.dumps(figures or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def audited_fields(report: AnnualReport) -> dict:
    """What the report's chain seals: its audited columns and the digest of its figures."""
    fields = {name: getattr(report, name) for name in AUDITED_FIELDS}
    fields["figures"] = figures_digest(report.figures)
    return fields
