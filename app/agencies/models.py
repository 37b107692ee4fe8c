"""An enforcement agency of a region: the centre tree's regions are the centres, so an agency hangs
on the centre whose region it serves (a province's market regulation bureau on the provincial
centre, a city's on the municipal one). The types of right it takes are a list of ``IPType`` values.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.centres.models import Centre
from app.core.db import Base, UTCDateTime, utcnow
from app.core.enums import LabelledEnum, enum_column_type


class AgencyKind(LabelledEnum):
    MARKET_REGULATION = "market_regulation"
    PATENT_ADMINISTRATION = "patent_administration"
    COPYRIGHT = "copyright"
    CUSTOMS = "customs"
    AGRICULTURE_FORESTRY = "agriculture_forestry"
    PUBLIC_SECURITY = "public_security"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            cls.MARKET_REGULATION: _l("Market regulation (enforcement)"),
            cls.PATENT_ADMINISTRATION: _l("Patent administration (rulings)"),
            cls.COPYRIGHT: _l("Copyright administration"),
            cls.CUSTOMS: _l("Customs"),
            cls.AGRICULTURE_FORESTRY: _l("Agriculture or forestry"),
            cls.PUBLIC_SECURITY: _l("Public security"),
            cls.OTHER: _l("Other agency"),
        }


class Agency(Base):
    __tablename__ = "agencies"
    __table_args__ = (
        UniqueConstraint("centre_id", "name", name="uq_agencies_centre_name"),
        Index("ix_agencies_centre_id_kind", "centre_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The region it serves: the centre of that region.
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AgencyKind] = mapped_column(enum_column_type(AgencyKind, "agency_kind"))
    # The types of right it takes (``IPType`` values).
    rights: Mapped[list] = mapped_column(JSON, default=list)
    address: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    contact: Mapped[str] = mapped_column(String(100), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    centre: Mapped[Centre] = relationship()

    @property
    def region(self) -> str:
        return self.centre.region or self.centre.name_zh

    def takes(self, ip_type) -> bool:
        value = getattr(ip_type, "value", ip_type)
        return value in (self.rights or [])

    def __repr__(self) -> str:
        return f"<Agency {self.id} {self.name}>"
