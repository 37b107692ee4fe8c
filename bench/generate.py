"""Generate realistic data at scale into a database, and print what was made as JSON.

    python -m bench.generate --url sqlite:///bench/out/bench.sqlite3 --enterprises 100000 --cases
    python -m bench.generate --url sqlite:///bench/out/bench.sqlite3 --cases-only      # add cases to enterprises
    python -m bench.generate --url sqlite:///bench/out/bench.sqlite3 --referrals       # add 10k referrals to cases
    python -m bench.generate --url sqlite:///bench/out/visits.sqlite3 --visits          # add 50k visits to centres

Builds a national centre, every province, cities below them and county centres,
sub-centres and workstations below the cities, staff of every role at every
centre, and enterprises of every industry and size spread over the centres,
with an applicant each. The schema is created with ``alembic upgrade head`` on
an empty database. Rows are inserted in bulk through SQLAlchemy Core.

``--cases [N]`` (100,000 when given without a number) adds cases over the last three
years with their rights, respondents and 3-8 audit events each (see ``bench.casegen``);
on a database that already has centres and enterprises only the cases are added
(``--cases-only`` says so explicitly). The audit chains are sealed with the key of the app
as configured by the environment (``AUDIT_HMAC_KEY``, else ``SECRET_KEY``, else
``instance/secret_key``), so ``DATABASE_URL=... flask --app wsgi audit-verify`` run in the
same environment accepts them.

``--visits [N]`` (50,000 when given without a number) adds on-site visits over the last twelve
months at every centre with their own audit chains (see ``bench.visitgen``); given alone, it adds
them to a database that has centres and enterprises.

``--referrals [N]`` (10,000 when given without a number) adds the enforcement agencies of every
province and city and referrals of the cases being handled, with their clocks and their events in
the cases' chains (see ``bench.refgen``); given alone, it adds them to a database that has cases.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import create_engine, insert, select

from app.auth.passwords import hash_password
from app.core.identifiers import CREDIT_CODE_CHARSET, credit_code_check_char
from app.enterprises.sme_size import RULES, Industry, classify
from config import normalise_database_url

PASSWORD = "Bench-Password-2026"
PROVINCES = [
    ("BJ", "北京市"),
    ("TJ", "天津市"),
    ("HE", "河北省"),
    ("SX", "山西省"),
    ("NM", "内蒙古自治区"),
    ("LN", "辽宁省"),
    ("JL", "吉林省"),
    ("HL", "黑龙江省"),
    ("SH", "上海市"),
    ("JS", "江苏省"),
    ("ZJ", "浙江省"),
    ("AH", "安徽省"),
    ("FJ", "福建省"),
    ("JX", "江西省"),
    ("SD", "山东省"),
    ("HA", "河南省"),
    ("HB", "湖北省"),
    ("HN", "湖南省"),
    ("GD", "广东省"),
    ("GX", "广西壮族自治区"),
    ("HI", "海南省"),
    ("CQ", "重庆市"),
    ("SC", "四川省"),
    ("GZ", "贵州省"),
    ("YN", "云南省"),
    ("XZ", "西藏自治区"),
    ("SN", "陕西省"),
    ("GS", "甘肃省"),
    ("QH", "青海省"),
    ("NX", "宁夏回族自治区"),
    ("XJ", "新疆维吾尔自治区"),
]
TRADE_WORDS = [
    "华芯",
    "云图",
    "鹏程",
    "绣锦",
    "百味",
    "恒达",
    "创新",
    "星河",
    "安达",
    "瑞丰",
    "金穗",
    "东方",
    "宏图",
    "远航",
    "智造",
]
SUFFIXES = [
    "科技有限公司",
    "电子有限公司",
    "服饰有限公司",
    "贸易有限公司",
    "餐饮管理有限公司",
    "软件有限公司",
    "机械制造有限公司",
]


def credit_code(n: int) -> str:
    body = ""
    for _ in range(9):
        body = CREDIT_CODE_CHARSET[n % 31] + body
        n //= 31
    first17 = "91" + "440300" + body
    return first17 + credit_code_check_char(first17)


def upgrade(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config("alembic.ini")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")


def figures(rng: random.Random, industry: Industry):
    """Figures drawn so that every size class occurs, micro and small most often."""
    rule = RULES[industry]
    scale = rng.choices([0.3, 1.5, 5, 40], weights=[45, 35, 15, 5])[0]
    small = dict(rule.small)
    staff = max(1, int(small.get("staff", 10) * scale * rng.uniform(0.5, 1.5)))
    revenue = Decimal(int(small.get("revenue", 100) * scale * rng.uniform(0.5, 1.5) * 100)) / 100
    assets = Decimal(int(small.get("assets", 300) * scale * rng.uniform(0.5, 1.5)))
    return staff, revenue, assets


def generate(
    url: str,
    enterprises: int,
    cases: int | None = None,
    cases_only: bool = False,
    seed: int = 7,
    referrals: int | None = None,
    visits: int | None = None,
) -> dict:
    from app.centres.models import Centre

    url = normalise_database_url(url)
    started = time.perf_counter()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        has_base = conn.execute(select(Centre.id).limit(1)).first() is not None
    if has_base and not cases and not referrals and not visits:
        raise SystemExit("the database already has data; give an empty one (or add cases with --cases-only)")
    if cases_only and not has_base:
        raise SystemExit("--cases-only needs a database with centres and enterprises; leave it out to make them")
    result: dict = {}
    if not has_base:
        result.update(generate_base(engine, enterprises, seed))
    if cases:
        from bench.casegen import generate_cases

        result.update(generate_cases(engine, cases))
    if referrals:
        from bench.refgen import generate_referrals

        result.update(generate_referrals(engine, referrals))
    if visits:
        from bench.visitgen import generate_visits

        result.update(generate_visits(engine, visits))
    # Fresh statistics and visibility maps, as autovacuum gives a database that has been running a while.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    engine.dispose()
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["password"] = PASSWORD
    return result


def generate_base(engine, enterprises: int, seed: int) -> dict:
    from app.auth.models import User
    from app.centres.models import Centre
    from app.enterprises.models import Enterprise, EnterpriseMember

    rng = random.Random(seed)
    now = datetime.now(UTC)
    password_hash = hash_password(PASSWORD)
    with engine.begin() as conn:

        def add_centre(code, zh, level, parent):
            row = {
                "code": code,
                "name_zh": zh,
                "name_en": f"{code} centre",
                "level": level,
                "parent_id": parent["id"] if parent else None,
                "path": "/",
                "region": zh,
                "address": "",
                "phone": "",
                "is_active": True,
                "created_at": now,
            }
            row["id"] = conn.execute(insert(Centre).values(**row).returning(Centre.id)).scalar_one()
            row["path"] = f"{parent['path'] if parent else '/'}{row['id']}/"
            conn.execute(Centre.__table__.update().where(Centre.id == row["id"]).values(path=row["path"]))
            return row

        centres = [add_centre("CN", "国家知识产权维权援助中心", "national", None)]
        leaves = []
        for code, name in PROVINCES:
            province = add_centre(code, f"{name}知识产权维权援助中心", "provincial", centres[0])
            centres.append(province)
            for c in range(1, 6):
                city = add_centre(f"{code}C{c}", f"{name}第{c}市维权援助中心", "municipal", province)
                centres.append(city)
                leaves.append(city)
                for kind, level in (("X", "county"), ("W", "workstation")):
                    below = add_centre(
                        f"{code}C{c}{kind}", f"{name}第{c}市{'县级中心' if kind == 'X' else '工作站'}", level, city
                    )
                    centres.append(below)
                    leaves.append(below)

        users = []
        roles = ["caseworker", "caseworker", "mediator", "supervisor", "fund_committee", "admin"]
        for centre in centres:
            for i, role in enumerate(roles):
                users.append(
                    {
                        "email": f"{role}{i}.{centre['code'].lower()}@bench.cn",
                        "name": f"{centre['code']}{role}{i}",
                        "phone": "",
                        "password_hash": password_hash,
                        "role": role,
                        "centre_id": centre["id"],
                        "is_active": True,
                        "session_nonce": f"{rng.getrandbits(64):016x}",
                        "failed_login_count": 0,
                        "created_at": now,
                    }
                )
        conn.execute(insert(User), users)

        industries = list(Industry)
        batch = 5000
        for start in range(0, enterprises, batch):
            rows, applicants = [], []
            for n in range(start, min(start + batch, enterprises)):
                industry = industries[n % len(industries)]
                staff, revenue, assets = figures(rng, industry)
                code = credit_code(n + 1)
                rows.append(
                    {
                        "credit_code": code,
                        "name": f"{rng.choice(TRADE_WORDS)}{n}{rng.choice(SUFFIXES)}",
                        "address": "",
                        "region": "",
                        "region_code": code[2:8],
                        "industry": industry.value,
                        "staff_count": staff,
                        "revenue_wan": revenue,
                        "assets_wan": assets,
                        "size_class": classify(industry, staff, revenue, assets).size_class.value,
                        "centre_id": rng.choice(leaves)["id"],
                        "is_specialised_new": rng.random() < 0.05,
                        "is_little_giant": rng.random() < 0.01,
                        "is_in_hardship": rng.random() < 0.03,
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                )
                applicants.append(
                    {
                        "email": f"applicant{n}@firm.bench.cn",
                        "name": f"申请人{n}",
                        "phone": "",
                        "password_hash": password_hash,
                        "role": "applicant",
                        "centre_id": None,
                        "is_active": True,
                        "session_nonce": f"{rng.getrandbits(64):016x}",
                        "failed_login_count": 0,
                        "created_at": now,
                    }
                )
            conn.execute(insert(Enterprise), rows)
            conn.execute(insert(User), applicants)
            firm_ids = dict(
                conn.execute(
                    select(Enterprise.credit_code, Enterprise.id).where(
                        Enterprise.credit_code.in_([r["credit_code"] for r in rows])
                    )
                ).all()
            )
            user_ids = dict(
                conn.execute(select(User.email, User.id).where(User.email.in_([a["email"] for a in applicants]))).all()
            )
            conn.execute(
                insert(EnterpriseMember),
                [
                    {
                        "enterprise_id": firm_ids[r["credit_code"]],
                        "user_id": user_ids[a["email"]],
                        "status": "active",
                        "position": "",
                        "requested_at": now,
                        "decided_at": now,
                    }
                    for r, a in zip(rows, applicants, strict=True)
                ],
            )
    return {"centres": len(centres), "staff": len(users), "enterprises": enterprises}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="an EMPTY database (SQLite file or PostgreSQL)")
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument(
        "--cases", type=int, nargs="?", const=100_000, default=None, help="add cases (100000 when no number is given)"
    )
    parser.add_argument("--cases-only", action="store_true", help="only add cases to a database that has enterprises")
    parser.add_argument(
        "--referrals",
        type=int,
        nargs="?",
        const=10_000,
        default=None,
        help="add agencies and referrals of the cases being handled (10000 when no number is given); "
        "alone, adds them to a database that has cases",
    )
    parser.add_argument(
        "--visits",
        type=int,
        nargs="?",
        const=50_000,
        default=None,
        help="add on-site visits over the last twelve months at every centre (50000 when no number is given); "
        "alone, adds them to a database that has centres and enterprises",
    )
    args = parser.parse_args()
    cases = args.cases if args.cases is not None else (100_000 if args.cases_only else None)
    result = generate(
        args.url,
        args.enterprises,
        cases=cases,
        cases_only=args.cases_only,
        referrals=args.referrals,
        visits=args.visits,
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
