"""The staff's reads of personal data: one append-only row per read (``app.privacy.access_log``).

A row says who (a staff user) read which case's personal data, how (the case page, an evidence
file, a document, the API, an export), when, under which request id and from which address. The
application only inserts rows; the database refuses to update or delete them (a trigger, see the
migration ``d4e6f8a0b2c3``), so the log can be shown as a legal record of who saw what.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import Base, UTCDateTime, utcnow
from app.core.enums import LabelledEnum, enum_column_type


class ReadKind(LabelledEnum):
    """What was read: the case page, an evidence file, a document, the API's case, an export."""

    CASE_PAGE = "case_page"
    EVIDENCE = "evidence"
    DOCUMENT = "document"
    API_CASE = "api_case"
    EXPORT = "export"

    @classmethod
    def _labels(cls):
        return {
            cls.CASE_PAGE: _l("Case page"),
            cls.EVIDENCE: _l("Evidence file"),
            cls.DOCUMENT: _l("Document"),
            cls.API_CASE: _l("Case read through the API"),
            cls.EXPORT: _l("Case list export"),
        }


class PersonalDataRead(Base):
    """One read of a case's personal data by a staff member (never updated, never deleted)."""

    __tablename__ = "personal_data_reads"
    __table_args__ = (
        # The log's filters, each with the id that pages it (newest first, keyset on the id).
        Index("ix_personal_data_reads_case_id_id", "case_id", "id"),
        Index("ix_personal_data_reads_user_id_id", "user_id", "id"),
        Index("ix_personal_data_reads_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    what: Mapped[ReadKind] = mapped_column(enum_column_type(ReadKind, "personal_data_read_kind"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The request's id (the one the JSON log lines carry), when the request had one.
    request_id: Mapped[str | None] = mapped_column(String(64))
    # The client's address as the application saw it (behind the proxy: the forwarded one).
    client_address: Mapped[str] = mapped_column(String(64), default="", server_default="")

    user: Mapped[User] = relationship()
