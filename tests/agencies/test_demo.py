"""The demo's agencies: every provincial and municipal region has its market regulation bureau, IP office,
copyright bureau and agriculture bureau; customs at the province, public security per city; seeding twice
adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.agencies.models import Agency, AgencyKind
from app.agencies.queries import competent_agencies
from app.cases.enums import IPType
from app.centres.models import Centre


def test_the_demo_regions_have_their_agencies(app, session):
    from app.admin.demo import seed_demo
    from app.admin.demo_agencies import AGENCIES, seed_demo_agencies

    with app.app_context():
        created = seed_demo()
        session.commit()
        assert created["agencies"] == len(AGENCIES)
        assert seed_demo_agencies() == 0
    assert session.execute(select(func.count(Agency.id))).scalar_one() == len(AGENCIES)
    centres = {c.code: c for c in session.execute(select(Centre)).scalars()}
    kinds = {}
    for agency in session.execute(select(Agency)).scalars():
        kinds.setdefault(agency.centre.code, set()).add(agency.kind)
        assert agency.email and agency.address and agency.phone and agency.rights
    common = {
        AgencyKind.MARKET_REGULATION,
        AgencyKind.PATENT_ADMINISTRATION,
        AgencyKind.COPYRIGHT,
        AgencyKind.AGRICULTURE_FORESTRY,
    }
    assert kinds["GD"] == common | {AgencyKind.CUSTOMS}
    assert kinds["GZ"] == kinds["SZ"] == common | {AgencyKind.PUBLIC_SECURITY}
    # a Longgang case about a trademark: the district's bureau first, then the city's, then the province's
    offered = [a.name for a in competent_agencies(centres["SZLG"], IPType.TRADEMARK)]
    assert offered == [
        "深圳市市场监督管理局龙岗监管局",
        "深圳市市场监督管理局",
        "深圳市公安局",
        "广东省市场监督管理局",
        "海关总署广东分署",
    ]
    assert [a.name for a in competent_agencies(centres["GZHZ"], IPType.PLANT_VARIETY)] == [
        "广州市农业农村局",
        "广州市公安局",
        "广东省农业农村厅",
        "广东省林业局",
        "海关总署广东分署",
    ]
