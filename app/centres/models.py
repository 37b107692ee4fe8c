"""Centres form a tree; staff belong to one centre and see its subtree."""

from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, UTCDateTime, utcnow
from app.core.enums import LabelledEnum, enum_column_type


class CentreLevel(LabelledEnum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"
    COUNTY = "county"
    SUB_CENTRE = "sub_centre"
    WORKSTATION = "workstation"

    @classmethod
    def _labels(cls):
        return {
            cls.NATIONAL: _l("National centre"),
            cls.PROVINCIAL: _l("Provincial centre"),
            cls.MUNICIPAL: _l("Municipal centre"),
            cls.COUNTY: _l("County centre"),
            cls.SUB_CENTRE: _l("Sub-centre"),
            cls.WORKSTATION: _l("Workstation"),
        }

    @property
    def rank(self) -> int:
        """Depth in the administrative hierarchy; sub-centres and workstations sit below any level."""
        return {"national": 0, "provincial": 1, "municipal": 2, "county": 3, "sub_centre": 4, "workstation": 4}[
            self.value
        ]


class Centre(Base):
    __tablename__ = "centres"
    __table_args__ = (CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    level: Mapped[CentreLevel] = mapped_column(enum_column_type(CentreLevel, "centre_level"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"), index=True)
    # Materialised path of ids, e.g. "/1/4/9/": the subtree of a centre is every path starting with its own.
    path: Mapped[str] = mapped_column(String(400), index=True, default="/")
    region: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    # The particulars its documents carry (``app.core.document_numbers``): the person to contact, the
    # prefix of its document numbers (深知援; its code when empty) and the pattern of their text
    # (``{prefix}{series}〔{year}〕{n}号``; inherited from the parent when empty).
    contact_person: Mapped[str] = mapped_column(String(100), default="", server_default="")
    document_prefix: Mapped[str] = mapped_column(String(20), default="", server_default="")
    document_pattern: Mapped[str] = mapped_column(String(60), default="", server_default="")
    # The centre's signing certificate (``app.core.signing``): a path under the storage root, when set.
    signing_certificate: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Centre | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Centre]] = relationship(back_populates="parent", order_by="Centre.code")

    @property
    def name(self) -> str:
        locale = get_locale()
        if locale is not None and locale.language == "en" and self.name_en:
            return self.name_en
        return self.name_zh

    def assign_path(self) -> None:
        """Set the materialised path from the parent's; call once the centre has its id (after a flush)."""
        self.path = f"{self.parent.path if self.parent is not None else '/'}{self.id}/"

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this centre itself."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def depth(self) -> int:
        return len(self.ancestor_ids) - 1

    def __repr__(self) -> str:
        return f"<Centre {self.code}>"


class CentreSetting(Base):
    """A setting a centre overrides; unset keys are inherited from the parent centre."""

    __tablename__ = "centre_settings"
    __table_args__ = (UniqueConstraint("centre_id", "key", name="uq_centre_settings_centre_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    centre: Mapped[Centre] = relationship()


__all__ = ["Centre", "CentreLevel", "CentreSetting"]
