"""Demo data: the enforcement agencies of the demo's regions (Guangdong, Guangzhou, Shenzhen and Longgang).

Fictional but plausible particulars: the names are those such bodies bear, the addresses, telephone
numbers and mailboxes are made up. Idempotent: an agency is matched by its region and name and never
duplicated; one changed by an administrator is left as they left it.
"""

from __future__ import annotations

from sqlalchemy import select

from app.agencies.models import Agency, AgencyKind
from app.cases.enums import IPType
from app.centres.models import Centre
from app.core.db import utcnow
from app.extensions import db

PATENTS = [IPType.INVENTION_PATENT, IPType.UTILITY_MODEL, IPType.DESIGN]
MARKET = [*PATENTS, IPType.TRADEMARK, IPType.GEOGRAPHICAL_INDICATION, IPType.TRADE_SECRET]
ALL = list(IPType)

# centre code, name, kind, rights, address, e-mail, phone, contact
AGENCIES = [
    # ---- Guangdong province ----
    (
        "GD",
        "广东省市场监督管理局",
        AgencyKind.MARKET_REGULATION,
        MARKET,
        "广州市天河区体育西路123号",
        "zhifa@scjgj.gd.example",
        "020-38835100",
        "执法稽查局 何振华",
    ),
    (
        "GD",
        "广东省知识产权局",
        AgencyKind.PATENT_ADMINISTRATION,
        PATENTS,
        "广州市天河区体育西路123号",
        "zlcj@zscqj.gd.example",
        "020-38835260",
        "专利纠纷行政裁决处 谢文涛",
    ),
    (
        "GD",
        "广东省版权局",
        AgencyKind.COPYRIGHT,
        [IPType.COPYRIGHT],
        "广州市越秀区东风中路503号",
        "banquan@bqj.gd.example",
        "020-83131270",
        "版权管理处 麦嘉欣",
    ),
    (
        "GD",
        "广东省农业农村厅",
        AgencyKind.AGRICULTURE_FORESTRY,
        [IPType.PLANT_VARIETY],
        "广州市天河区先烈东路135号",
        "zhongzi@nynct.gd.example",
        "020-37288310",
        "种业管理处 陈国栋",
    ),
    (
        "GD",
        "广东省林业局",
        AgencyKind.AGRICULTURE_FORESTRY,
        [IPType.PLANT_VARIETY],
        "广州市天河区广园东路2012号",
        "xinpinzhong@lyj.gd.example",
        "020-87033150",
        "国有林场和种苗管理处 刘思远",
    ),
    (
        "GD",
        "海关总署广东分署",
        AgencyKind.CUSTOMS,
        ALL,
        "广州市天河区华夏路6号",
        "zscq@gdfs.customs.example",
        "020-81102300",
        "缉私与知识产权保护处 梁振宇",
    ),
    # ---- Guangzhou ----
    (
        "GZ",
        "广州市市场监督管理局",
        AgencyKind.MARKET_REGULATION,
        MARKET,
        "广州市越秀区流花路121号",
        "zhifa@scjgj.gz.example",
        "020-83592300",
        "执法稽查处 黄伟杰",
    ),
    (
        "GZ",
        "广州市知识产权局",
        AgencyKind.PATENT_ADMINISTRATION,
        PATENTS,
        "广州市越秀区流花路121号",
        "zlcj@zscqj.gz.example",
        "020-83592560",
        "知识产权保护处 苏晓琳",
    ),
    (
        "GZ",
        "广州市版权局",
        AgencyKind.COPYRIGHT,
        [IPType.COPYRIGHT],
        "广州市越秀区府前路1号",
        "banquan@bqj.gz.example",
        "020-83123560",
        "版权管理处 邓志明",
    ),
    (
        "GZ",
        "广州市农业农村局",
        AgencyKind.AGRICULTURE_FORESTRY,
        [IPType.PLANT_VARIETY],
        "广州市越秀区东风中路437号",
        "zhongzi@nyncj.gz.example",
        "020-83126650",
        "种业管理处 罗健",
    ),
    (
        "GZ",
        "广州市公安局",
        AgencyKind.PUBLIC_SECURITY,
        ALL,
        "广州市越秀区解放南路155号",
        "jingzhen@gaj.gz.example",
        "020-83116110",
        "经济犯罪侦查支队 张立新",
    ),
    # ---- Shenzhen ----
    (
        "SZ",
        "深圳市市场监督管理局",
        AgencyKind.MARKET_REGULATION,
        MARKET,
        "深圳市福田区深南大道7010号",
        "zhifa@scjgj.sz.example",
        "0755-83070320",
        "执法总队 林晓峰",
    ),
    (
        "SZ",
        "深圳市知识产权局",
        AgencyKind.PATENT_ADMINISTRATION,
        PATENTS,
        "深圳市福田区深南大道7010号",
        "zlcj@zscqj.sz.example",
        "0755-83070580",
        "知识产权保护处 吴佳怡",
    ),
    (
        "SZ",
        "深圳市版权局",
        AgencyKind.COPYRIGHT,
        [IPType.COPYRIGHT],
        "深圳市福田区福中三路市民中心C区",
        "banquan@bqj.sz.example",
        "0755-88125300",
        "版权管理处 周嘉豪",
    ),
    (
        "SZ",
        "深圳市农业农村局",
        AgencyKind.AGRICULTURE_FORESTRY,
        [IPType.PLANT_VARIETY],
        "深圳市福田区福中三路市民中心B区",
        "zhongzi@nyncj.sz.example",
        "0755-88127700",
        "种业发展科 彭文军",
    ),
    (
        "SZ",
        "深圳市公安局",
        AgencyKind.PUBLIC_SECURITY,
        ALL,
        "深圳市福田区解放路4018号",
        "jingzhen@gaj.sz.example",
        "0755-84463110",
        "经济犯罪侦查支队 钟国强",
    ),
    # ---- Longgang district: the nearest region for its cases, offered before the city's ----
    (
        "SZLG",
        "深圳市市场监督管理局龙岗监管局",
        AgencyKind.MARKET_REGULATION,
        MARKET,
        "深圳市龙岗区龙城街道龙福路3号",
        "zhifa.lg@scjgj.sz.example",
        "0755-28948300",
        "知识产权执法科 赖俊杰",
    ),
]


def seed_demo_agencies() -> int:
    """Add the demo's agencies that are missing (of the regions present); returns how many were added."""
    centres = {c.code: c for c in db.session.execute(select(Centre)).scalars()}
    existing = {(row.centre_id, row.name) for row in db.session.execute(select(Agency.centre_id, Agency.name))}
    created = 0
    now = utcnow()
    for code, name, kind, rights, address, email, phone, contact in AGENCIES:
        centre = centres.get(code)
        if centre is None or (centre.id, name) in existing:
            continue
        db.session.add(
            Agency(
                centre=centre,
                name=name,
                kind=kind,
                rights=[r.value for r in rights],
                address=address,
                email=email,
                phone=phone,
                contact=contact,
                is_active=True,
                created_at=now,
                updated_at=now,
            )
        )
        existing.add((centre.id, name))
        created += 1
    db.session.flush()
    return created
