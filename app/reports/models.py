"""An issued monthly report: the figures of one centre (with its subtree) for one month, frozen as
issued, and the PDF document that carries its number and verification code.

One row per centre and month (a unique key): the issue command may run twice, or twice at once, and
issues each report once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.models import Document
from app.centres.models import Centre
from app.core.db import Base, UTCDateTime, utcnow


class MonthlyReport(Base):
    __tablename__ = "monthly_reports"
    subject_type = "monthly_report"
    __table_args__ = (UniqueConstraint("centre_id", "month", name="uq_monthly_reports_centre_id_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"), index=True)
    month: Mapped[date] = mapped_column(Date)  # the first day of the month it reports
    # The figures as issued (``Report.as_dict``): the API's JSON and the workbook of an issued month
    # read these, so they always agree with the PDF, whatever changes later.
    figures: Mapped[dict] = mapped_column(JSON)
    # Set in the transaction that claims the row (the document is rendered once the claim holds).
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    centre: Mapped[Centre] = relationship()
    document: Mapped[Document | None] = relationship()
    issued_by: Mapped[User | None] = relationship()
