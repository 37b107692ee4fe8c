"""Demo data: a realistic slice of Guangdong's assistance network.

Loaded once by ``flask --app wsgi seed-demo`` (idempotent: centres, users and
enterprises are matched by their codes and e-mails and never duplicated).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.centres.models import Centre, CentreLevel, CentreSetting
from app.core.db import utcnow
from app.core.identifiers import credit_code_region, normalise_credit_code
from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus
from app.enterprises.sme_size import Industry
from app.extensions import db
from app.privacy.notice import NOTICE_VERSION

DEMO_PASSWORD = "Demo-IPaid-2026"

# code, parent, level, zh, en, region
CENTRES = [
    (
        "CN",
        None,
        CentreLevel.NATIONAL,
        "国家知识产权维权援助中心",
        "National IP Rights Protection Assistance Centre",
        "全国",
    ),
    (
        "GD",
        "CN",
        CentreLevel.PROVINCIAL,
        "广东省知识产权维权援助中心",
        "Guangdong IP Rights Protection Assistance Centre",
        "广东省",
    ),
    (
        "GZ",
        "GD",
        CentreLevel.MUNICIPAL,
        "广州市知识产权维权援助中心",
        "Guangzhou IP Rights Protection Assistance Centre",
        "广东省广州市",
    ),
    (
        "SZ",
        "GD",
        CentreLevel.MUNICIPAL,
        "深圳市知识产权维权援助中心",
        "Shenzhen IP Rights Protection Assistance Centre",
        "广东省深圳市",
    ),
    (
        "SZLG",
        "SZ",
        CentreLevel.COUNTY,
        "深圳市龙岗区知识产权维权援助中心",
        "Longgang District IP Assistance Centre",
        "广东省深圳市龙岗区",
    ),
    (
        "SZHQB",
        "SZ",
        CentreLevel.WORKSTATION,
        "华强北电子市场知识产权维权援助工作站",
        "Huaqiangbei Electronics Market IP Workstation",
        "广东省深圳市福田区",
    ),
    (
        "GZHZ",
        "GZ",
        CentreLevel.SUB_CENTRE,
        "海珠区纺织服装产业知识产权维权援助分中心",
        "Haizhu Textile and Garment IP Assistance Sub-centre",
        "广东省广州市海珠区",
    ),
]

# email, name, role, centre
STAFF = [
    ("admin@demo.ipaid.cn", "林静", Role.ADMIN, "GD"),
    ("supervisor@demo.ipaid.cn", "陈志远", Role.SUPERVISOR, "SZ"),
    ("caseworker@demo.ipaid.cn", "王晓敏", Role.CASEWORKER, "SZ"),
    ("mediator@demo.ipaid.cn", "李国华", Role.MEDIATOR, "SZ"),
    ("fund@demo.ipaid.cn", "黄慧", Role.FUND_COMMITTEE, "GD"),
    ("caseworker.gz@demo.ipaid.cn", "周明", Role.CASEWORKER, "GZ"),
    ("caseworker.lg@demo.ipaid.cn", "刘洋", Role.CASEWORKER, "SZLG"),
    ("caseworker.hqb@demo.ipaid.cn", "吴婷", Role.CASEWORKER, "SZHQB"),
    ("supervisor.gd@demo.ipaid.cn", "郑伟", Role.SUPERVISOR, "GD"),
]

# credit code, name, industry, staff, revenue, assets, centre, flags, address, region
ENTERPRISES = [
    (
        "91440300MA5F8KQ21U",
        "深圳市华芯微电子有限公司",
        Industry.INDUSTRY,
        85,
        "4200",
        None,
        "SZHQB",
        {"is_specialised_new": True},
        "深圳市福田区华强北路1002号",
        "广东省深圳市福田区",
    ),
    (
        "91440300MA5EY3PN22",
        "深圳市云图软件科技有限公司",
        Industry.SOFTWARE_IT,
        42,
        "860",
        None,
        "SZ",
        {"is_specialised_new": True, "is_little_giant": True},
        "深圳市南山区科技园南区8栋",
        "广东省深圳市南山区",
    ),
    (
        "91440300MA5G2R7T4W",
        "深圳市鹏程电子贸易有限公司",
        Industry.WHOLESALE,
        36,
        "12000",
        None,
        "SZLG",
        {},
        "深圳市龙岗区坂田街道雅宝路66号",
        "广东省深圳市龙岗区",
    ),
    (
        "91440101MA59TR6X1W",
        "广州市绣锦服饰有限公司",
        Industry.INDUSTRY,
        14,
        "260",
        None,
        "GZHZ",
        {"is_in_hardship": True},
        "广州市海珠区中大布匹市场东区3楼",
        "广东省广州市海珠区",
    ),
    (
        "91440101MA5AXQ8G0A",
        "广州市百味餐饮管理有限公司",
        Industry.CATERING,
        8,
        "95",
        None,
        "GZ",
        {},
        "广州市越秀区北京路218号",
        "广东省广州市越秀区",
    ),
]

# The particulars the centres' documents carry: address, telephone, contact person, number prefix.
# Every centre writes its numbers the default way ({prefix}{series}〔{year}〕{n}号): 深知援受〔2026〕5号.
PARTICULARS = {
    "CN": ("北京市海淀区蓟门桥西土城路6号", "010-62083114", "王建国", "国知援"),
    "GD": ("广州市天河区珠江新城华夏路26号", "020-87654321", "陈晓燕", "粤知援"),
    "GZ": ("广州市越秀区东风中路445号", "020-83125566", "黄志强", "穗知援"),
    "GZHZ": ("广州市海珠区中大纺织商圈瑞康路88号", "020-84413322", "梁嘉怡", "穗海纺援"),
    "SZ": ("深圳市福田区深南大道6008号深圳特区报业大厦15楼", "0755-83070000", "刘海涛", "深知援"),
    "SZLG": ("深圳市龙岗区龙城街道中心城清林路2号", "0755-28949000", "邓伟明", "深龙知援"),
    "SZHQB": ("深圳市福田区华强北路1002号赛格广场8楼", "0755-83679900", "周婷", "深华强援"),
}

# email, name, credit code, position, status
APPLICANTS = [
    ("applicant@demo.ipaid.cn", "张伟", "91440300MA5F8KQ21U", "法务经理", MembershipStatus.ACTIVE),
    ("applicant2@demo.ipaid.cn", "赵敏", "91440300MA5F8KQ21U", "研发主管", MembershipStatus.PENDING),
    ("applicant.yt@demo.ipaid.cn", "孙磊", "91440300MA5EY3PN22", "总经理", MembershipStatus.ACTIVE),
    ("applicant.pc@demo.ipaid.cn", "钱芳", "91440300MA5G2R7T4W", "行政主管", MembershipStatus.ACTIVE),
    ("applicant.xj@demo.ipaid.cn", "何丽", "91440101MA59TR6X1W", "总经理", MembershipStatus.ACTIVE),
    ("applicant.bw@demo.ipaid.cn", "冯强", "91440101MA5AXQ8G0A", "店长", MembershipStatus.ACTIVE),
]

# One account per role, as printed by `make run` and listed in the README.
DEMO_ACCOUNTS = [
    ("applicant", "applicant@demo.ipaid.cn"),
    ("caseworker", "caseworker@demo.ipaid.cn"),
    ("mediator", "mediator@demo.ipaid.cn"),
    ("supervisor", "supervisor@demo.ipaid.cn"),
    ("fund_committee", "fund@demo.ipaid.cn"),
    ("admin", "admin@demo.ipaid.cn"),
]


def seed_demo() -> dict[str, int]:
    """Load the demo data; running it again adds nothing. Returns what was created."""
    created = {"centres": 0, "users": 0, "enterprises": 0, "cases": 0}
    centres: dict[str, Centre] = {c.code: c for c in db.session.execute(select(Centre)).scalars()}
    for code, parent_code, level, zh, en, region in CENTRES:
        if code in centres:
            continue
        parent = centres[parent_code] if parent_code else None
        centre = Centre(code=code, name_zh=zh, name_en=en, level=level, parent=parent, region=region, path="/")
        db.session.add(centre)
        db.session.flush()
        centre.assign_path()
        centres[code] = centre
        created["centres"] += 1
    for code, (address, phone, contact, prefix) in PARTICULARS.items():
        centre = centres.get(code)
        if centre is not None and not (
            centre.address or centre.phone or centre.contact_person or centre.document_prefix
        ):
            centre.address, centre.phone, centre.contact_person, centre.document_prefix = (
                address,
                phone,
                contact,
                prefix,
            )
    db.session.flush()
    if created["centres"]:
        # Shanghai-style practice in Shenzhen: five working days to decide (DOMAIN.md); others inherit 3.
        db.session.add(CentreSetting(centre_id=centres["SZ"].id, key="decision_working_days", value=5))

    password_hash = hash_password(DEMO_PASSWORD)
    existing_users = {u.email: u for u in db.session.execute(select(User)).scalars()}
    for email, name, role, centre_code in STAFF:
        if email not in existing_users:
            user = User(
                email=email,
                name=name,
                role=role,
                centre=centres[centre_code],
                password_hash=password_hash,
                password_changed_at=utcnow(),
            )
            db.session.add(user)
            existing_users[email] = user
            created["users"] += 1

    firms = {e.credit_code: e for e in db.session.execute(select(Enterprise)).scalars()}
    for code, name, industry, staff, revenue, assets, centre_code, flags, address, region in ENTERPRISES:
        code = normalise_credit_code(code)
        if code in firms:
            continue
        firm = Enterprise(
            credit_code=code,
            region_code=credit_code_region(code),
            name=name,
            industry=industry,
            staff_count=staff,
            revenue_wan=Decimal(revenue),
            assets_wan=Decimal(assets) if assets else None,
            centre=centres[centre_code],
            address=address,
            region=region,
            **flags,
        )
        firm.refresh_size_class()
        db.session.add(firm)
        firms[code] = firm
        created["enterprises"] += 1
    db.session.flush()

    for email, name, code, position, status in APPLICANTS:
        if email in existing_users:
            known = existing_users[email]
            if known.closed_at is None and known.privacy_notice_version != NOTICE_VERSION:
                known.privacy_consented_at, known.privacy_notice_version = utcnow(), NOTICE_VERSION
            continue
        user = User(
            email=email,
            name=name,
            role=Role.APPLICANT,
            password_hash=password_hash,
            password_changed_at=utcnow(),
            # The demo's applicants have agreed to the privacy notice (real ones agree at registration).
            privacy_consented_at=utcnow(),
            privacy_notice_version=NOTICE_VERSION,
        )
        db.session.add(user)
        db.session.add(
            EnterpriseMember(
                enterprise=firms[code],
                user=user,
                status=status,
                position=position,
                decided_at=utcnow() if status is MembershipStatus.ACTIVE else None,
            )
        )
        existing_users[email] = user
        created["users"] += 1
    db.session.flush()

    from app.admin.demo_agencies import seed_demo_agencies

    created["agencies"] = seed_demo_agencies()
    from app.admin.demo_cases import seed_demo_cases

    created["cases"] = seed_demo_cases()
    from app.admin.demo_mediations import seed_demo_mediations, seed_demo_plans

    created["plans"] = seed_demo_plans()
    created["mediations"] = seed_demo_mediations()
    from app.admin.demo_referrals import seed_demo_referrals

    created["referrals"] = seed_demo_referrals()
    from app.admin.demo_fund import seed_demo_fund

    created["fund_requests"] = seed_demo_fund()
    from app.admin.demo_visits import seed_demo_visits

    created["visits"] = seed_demo_visits()  # last: the month-end scans it runs commit
    return created
