"""Fixtures of the agency directory's tests: ``make_agency`` and ``directory``, agencies across the
``world``'s regions (the province PA, its city CA with the county CAC, the sibling city CB, the other
province PB), each region with a text of its own."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.agencies.models import AgencyKind
from app.cases.enums import IPType

PATENTS = ["invention_patent", "utility_model", "design"]
MARKET = [*PATENTS, "trademark", "geographical_indication", "trade_secret"]
ALL = [t.value for t in IPType]


def new_agency(session, centre, name, kind=AgencyKind.MARKET_REGULATION, rights=None, **kw):
    from app.agencies.models import Agency

    agency = Agency(
        centre=centre,
        name=name,
        kind=kind,
        rights=list(MARKET if rights is None else rights),
        address=kw.pop("address", "测试路1号"),
        email=kw.pop("email", ""),
        **kw,
    )
    session.add(agency)
    session.commit()
    return agency


@pytest.fixture
def make_agency(session):
    def make(centre, name, kind=AgencyKind.MARKET_REGULATION, rights=None, **kw):
        return new_agency(session, centre, name, kind, rights, **kw)

    return make


@pytest.fixture
def regions(world, session):
    """The world's centres with region texts (an import finds a centre by its code or its region)."""
    for centre, region in (
        (world.province, "甲省"),
        (world.city, "甲省乙市"),
        (world.county, "甲省乙市丙县"),
        (world.sibling, "甲省丁市"),
        (world.other_province, "戊省"),
    ):
        centre.region = region
    session.commit()
    return world


@pytest.fixture
def directory(regions, make_agency):
    w = regions
    d = SimpleNamespace()
    d.province_market = make_agency(w.province, "甲省市场监督管理局", email="zhifa@amr.jia.gov.cn")
    d.province_customs = make_agency(w.province, "甲省海关", AgencyKind.CUSTOMS, ALL)
    d.province_copyright = make_agency(w.province, "甲省版权局", AgencyKind.COPYRIGHT, ["copyright"])
    d.city_market = make_agency(w.city, "乙市市场监督管理局", phone="0000-1234567", contact="执法科 王某")
    d.city_patent = make_agency(w.city, "乙市知识产权局", AgencyKind.PATENT_ADMINISTRATION, PATENTS)
    d.city_police = make_agency(w.city, "乙市公安局", AgencyKind.PUBLIC_SECURITY, ALL)
    d.city_old = make_agency(w.city, "乙市原工商局", AgencyKind.OTHER, MARKET, is_active=False)
    d.county_market = make_agency(w.county, "丙县市场监督管理局", rights=["trademark", "design"])
    d.sibling_market = make_agency(w.sibling, "丁市市场监督管理局")
    d.far_market = make_agency(w.other_province, "戊省市场监督管理局")
    return d


# The API's token fixtures (``api``, ``token_for``), for this package's API tests.
from tests.api import conftest as _api_fixtures  # noqa: E402

api = _api_fixtures.api
token_for = _api_fixtures.token_for
