"""Demo on-site visits (上门服务): a year of them across the demo centres, up to the current month.

Every demo centre below the national one visits its enterprises each month (the national centre has
no staff in the demo: it is not backdated, so it owes no past month). 龙岗 (SZLG) missed two past
months: the grid shows them red, and the month-end scan (``compliance.month_end_breaches``, run for
each past month as the sla-scan would have) recorded their breaches and told 深圳's supervisor.
Some visits found problems that became cases (channel "visit", the visitor first responder); the
Shenzhen caseworker (``caseworker@``) owns follow-ups done, running and late (under "my work" and on
the escalation board) and has a visit planned this month by ``supervisor@``.

The centres are backdated (``created_at``) to the first month of the year shown, since a centre owes
visits only for months that began after it was created. Everything else goes through the services,
at today's date (a visit of last March is recorded today, its follow-ups were done today).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.auth.models import User
from app.centres.models import Centre
from app.core.db import utcnow
from app.core.identifiers import credit_code_check_char
from app.core.workdays import china_day, start_of_day
from app.enterprises.models import Enterprise
from app.extensions import db
from app.visits import services
from app.visits.compliance import month_end_breaches, month_start, next_month
from app.visits.models import Visit

CASEWORKER = "caseworker@demo.ipaid.cn"
SUPERVISOR = "supervisor@demo.ipaid.cn"
#: The centre that missed two months, and which months (counted back from the current one).
SHORT_CENTRE = "SZLG"
SHORT_OFFSETS = (2, 4)
#: How many months back the year of visits starts (the current month is 0).
MONTHS_BACK = 12


def _code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


# Enterprises not registered yet, added on a visit by credit code and name: centre, code, name.
NEW_FIRMS = [
    ("SZHQB", _code("91440304MA5H3LQ26"), "深圳市赛格通讯配件商行"),
    ("SZLG", _code("91440307MA5J7WN83"), "深圳市龙岗区坂田智联模具厂"),
    ("GZHZ", _code("91440105MA9K2PD41"), "广州市海珠区锦绣布艺工作室"),
    ("SZ", _code("91440300MA5K8RT62"), "深圳市南山区极光视觉科技有限公司"),
]

# Who goes from each centre, which enterprises it visits (registered codes, or a NEW_FIRMS index).
ROUTINE = {
    "GD": (["supervisor.gd@demo.ipaid.cn"], ["91440300MA5EY3PN22", "91440101MA59TR6X1W", "91440101MA5AXQ8G0A"]),
    "GZ": (["caseworker.gz@demo.ipaid.cn"], ["91440101MA5AXQ8G0A", "91440101MA59TR6X1W"]),
    "GZHZ": (["caseworker.gz@demo.ipaid.cn"], ["91440101MA59TR6X1W", 2]),
    "SZ": ([CASEWORKER, SUPERVISOR], ["91440300MA5EY3PN22", 3, "91440300MA5G2R7T4W"]),
    "SZLG": (["caseworker.lg@demo.ipaid.cn"], ["91440300MA5G2R7T4W", 1]),
    "SZHQB": (["caseworker.hqb@demo.ipaid.cn"], ["91440300MA5F8KQ21U", 0]),
}

CONTACTS = {
    "91440300MA5F8KQ21U": ("张伟", "法务经理", "138 2655 1024"),
    "91440300MA5EY3PN22": ("孙磊", "总经理", "0755-86001234"),
    "91440300MA5G2R7T4W": ("钱芳", "行政主管", "139 2377 5610"),
    "91440101MA59TR6X1W": ("何丽", "总经理", "020-84412266"),
    "91440101MA5AXQ8G0A": ("冯强", "店长", "135 6012 8899"),
}
NEW_CONTACTS = [("周海", "店主"), ("罗建新", "厂长"), ("梁淑仪", "负责人"), ("许晨", "知识产权专员")]

TOPIC_ROUNDS = [
    ["policy_briefing", "needs_survey"],
    ["ip_diagnosis"],
    ["infringement_check", "policy_briefing"],
    ["training"],
    ["fund_membership", "policy_briefing"],
    ["ip_diagnosis", "needs_survey"],
]
NEEDS = [
    "希望了解专利快速预审和优先审查的申请条件。",
    "希望中心协助开展商标布局和海外注册培训。",
    "需要电商平台侵权投诉的操作指引。",
    "希望了解海外知识产权维权互助基金的入会条件。",
    "需要新产品上市前的侵权风险排查。",
    "",
]


def _weekday(day: date) -> date:
    while day.weekday() >= 5:  # Saturday, Sunday: the Friday before
        day -= timedelta(days=1)
    return day


def _months(today: date) -> list[date]:
    month, out = month_start(today), []
    for _ in range(MONTHS_BACK):
        month = (month - timedelta(days=1)).replace(day=1)
    for _ in range(MONTHS_BACK + 1):
        out.append(month)
        month = next_month(month)
    return out


def _day_in(month: date, wanted: int, today: date) -> date | None:
    """A weekday near ``wanted`` in ``month``, never after today; None if the month has none yet."""
    last = (next_month(month) - timedelta(days=1)).day
    day = _weekday(month.replace(day=min(wanted, last)))
    if day.month != month.month:
        day = month
    if day > today:
        day = _weekday(today)
        if day < month:
            return None
    return day


def seed_demo_visits() -> int:
    """Record the demo visits once (nothing happens when any visit exists). Returns how many visits."""
    if db.session.scalar(select(func.count(Visit.id))):
        return 0
    centres = {c.code: c for c in db.session.execute(select(Centre)).scalars()}
    users = {u.email: u for u in db.session.execute(select(User).where(User.email.like("%@demo.ipaid.cn"))).scalars()}
    firms = {e.credit_code: e for e in db.session.execute(select(Enterprise)).scalars()}
    if any(code not in centres for code in ROUTINE) or CASEWORKER not in users or SUPERVISOR not in users:
        return 0
    today = china_day(utcnow())
    months = _months(today)
    # The centres as if set up before the year shown (a centre owes no month that began before it existed).
    since = start_of_day(months[0])
    for code in ROUTINE:
        if centres[code].created_at is None or centres[code].created_at > since:
            centres[code].created_at = since
    db.session.flush()

    registered: dict[int, Enterprise] = {}
    count = 0

    def firm_args(centre_code: str, keys: list) -> tuple[list, list]:
        """(enterprises, new_enterprises) for a visit: a new firm is added by code and name on its first visit."""
        chosen, new = [], []
        for key in keys:
            if isinstance(key, int):
                if key in registered:
                    chosen.append(registered[key])
                else:
                    _, code, name = NEW_FIRMS[key]
                    found = firms.get(code)
                    if found is not None:
                        registered[key] = found
                        chosen.append(found)
                    else:
                        new.append({"credit_code": code, "name": name})
            elif key in firms:
                chosen.append(firms[key])
        return chosen, new

    def contact(keys: list, n: int) -> tuple[str, str, str]:
        key = keys[0]
        if isinstance(key, int):
            name, title = NEW_CONTACTS[key]
            return name, title, f"137 {1000 + 37 * key:04d} {2000 + n:04d}"
        return CONTACTS[key]

    def record(centre_code, day, staff, keys, *, n=0, problems=(), follow_ups=(), topics=None, needs=None):
        nonlocal count
        chosen, new = firm_args(centre_code, keys)
        name, title, phone = contact(keys, n)
        visit = services.record_visit(
            users[staff[0]],
            None,
            centre=centres[centre_code],
            visited_on=day,
            staff=[users[e] for e in staff],
            enterprises=chosen,
            new_enterprises=new,
            topics=topics if topics is not None else TOPIC_ROUNDS[n % len(TOPIC_ROUNDS)],
            problems=list(problems),
            needs=needs if needs is not None else NEEDS[n % len(NEEDS)],
            follow_ups=list(follow_ups),
            contact_name=name,
            contact_title=title,
            contact_phone=phone,
            notes="企业配合度高，建议下季度回访。" if n % 4 == 0 else "",
        )
        for link in visit.enterprise_links:  # a firm registered on this visit is chosen by id afterwards
            for i, (_c, code, _name) in enumerate(NEW_FIRMS):
                if link.enterprise.credit_code == code:
                    registered[i] = link.enterprise
                    firms[code] = link.enterprise
        count += 1
        return visit

    # The routine visits: each centre once a month (Shenzhen sometimes twice), 龙岗 skipping two months.
    for back, month in zip(range(MONTHS_BACK, -1, -1), months, strict=True):
        for i, (code, (staff, keys)) in enumerate(ROUTINE.items()):
            if code == SHORT_CENTRE and back in SHORT_OFFSETS:
                continue
            day = _day_in(month, 6 + 3 * i + back % 5, today)
            if day is None or (back == 0 and code in ("SZLG", "GD")):  # this month: not every centre yet
                continue
            n = back + i
            rotated = keys[n % len(keys) :] + keys[: n % len(keys)]
            who = staff if code != "SZ" or n % 3 else staff[::-1]  # the supervisor goes now and then
            record(code, day, who, rotated[:1] if n % 2 else rotated[:2], n=n)
            if code == "SZ" and back % 3 == 1:
                second = _day_in(month, 22, today)
                if second is not None:
                    record(code, second, [CASEWORKER], [keys[(n + 1) % len(keys)]], n=n + 1)

    # Visits that left work behind (dates counted back from today).
    def ago(days: int) -> date:
        return _weekday(today - timedelta(days=days))

    cw = users[CASEWORKER]
    # 云图: a counterfeit found; two follow-ups of the Shenzhen caseworker, both late now.
    day = ago(40)
    record(
        "SZ",
        day,
        [CASEWORKER, SUPERVISOR],
        ["91440300MA5EY3PN22"],
        n=2,
        topics=["infringement_check", "policy_briefing"],
        needs="希望中心协助向电商平台投诉仿冒商品链接。",
        problems=[
            {
                "text": "企业反映多家网店使用“云图”商标销售盗版软件激活码，已保存部分网页截图。",
                "ip_type": "trademark",
                "respondent_name": "某电商平台多家店铺",
            }
        ],
        follow_ups=[
            {"text": "寄送商标侵权判定指引和电商平台投诉模板", "owner": cw, "due_on": day + timedelta(days=10)},
            {"text": "协助企业整理侵权链接证据并提交平台投诉", "owner": cw, "due_on": day + timedelta(days=21)},
        ],
    )
    # 华芯 at 华强北: a copied design became a case (the workstation's caseworker its first responder);
    # the Shenzhen caseworker owes a follow-up, late; the workstation's was done.
    day = ago(25)
    visit = record(
        "SZHQB",
        day,
        ["caseworker.hqb@demo.ipaid.cn", CASEWORKER],
        ["91440300MA5F8KQ21U"],
        n=3,
        topics=["infringement_check", "ip_diagnosis"],
        needs="需要对市场内同款产品开展侵权比对。",
        problems=[
            {
                "text": "赛格广场多家档口销售与企业“移动电源”外观设计相同的产品，企业已公证购买两件。",
                "ip_type": "design",
                "right_number": _design_number(),
                "respondent_name": "深圳市某某电子商行",
            }
        ],
        follow_ups=[
            {
                "text": "向企业说明外观设计侵权比对结论",
                "owner": users["caseworker.hqb@demo.ipaid.cn"],
                "due_on": day + timedelta(days=5),
            },
            {"text": "联系市场管理方约谈涉嫌侵权档口", "owner": cw, "due_on": day + timedelta(days=12)},
        ],
    )
    services.raise_case(users["caseworker.hqb@demo.ipaid.cn"], visit, 0)
    services.complete_follow_up(users["caseworker.hqb@demo.ipaid.cn"], visit.follow_ups[0], "已电话告知企业比对结论。")
    # A recent visit whose follow-up the caseworker has done: the visit is closed.
    day = ago(9)
    visit = record(
        "SZ",
        day,
        [CASEWORKER],
        [3],
        n=4,
        topics=["fund_membership", "policy_briefing"],
        follow_ups=[
            {"text": "发送海外维权互助基金入会材料清单", "owner": cw, "due_on": max(today, day + timedelta(days=14))}
        ],
    )
    services.complete_follow_up(cw, visit.follow_ups[0], "已通过邮件发送材料清单。")
    # The latest: a follow-up still running (due later).
    day = ago(3)
    record(
        "SZ",
        day,
        [CASEWORKER],
        ["91440300MA5G2R7T4W"],
        n=5,
        topics=["ip_diagnosis", "needs_survey"],
        follow_ups=[
            {"text": "为企业出具专利布局诊断意见", "owner": cw, "due_on": max(today, day) + timedelta(days=14)}
        ],
    )
    # Guangzhou: two problems that became cases, their follow-ups done.
    gz = users["caseworker.gz@demo.ipaid.cn"]
    for centre_code, back, firm, problem in (
        (
            "GZ",
            50,
            "91440101MA5AXQ8G0A",
            {
                "text": "外地加盟店解约后继续使用“百味”注册商标和门头装潢。",
                "ip_type": "trademark",
                "right_number": "3456789",
                "respondent_name": "佛山市某餐饮店",
            },
        ),
        (
            "GZHZ",
            20,
            "91440101MA59TR6X1W",
            {
                "text": "布匹市场二楼档口销售印有企业“锦绣牡丹”刺绣图案的成衣。",
                "ip_type": "copyright",
                "right_number": "粤作登字-2023-F-00012346",
                "respondent_name": "广州市某服装档口",
            },
        ),
    ):
        day = ago(back)
        visit = record(
            centre_code,
            day,
            ["caseworker.gz@demo.ipaid.cn"],
            [firm],
            n=back,
            topics=["infringement_check"],
            problems=[problem],
            follow_ups=[{"text": "告知企业案件受理进展", "owner": gz, "due_on": max(today, day + timedelta(days=7))}],
        )
        services.raise_case(gz, visit, 0)
        services.complete_follow_up(gz, visit.follow_ups[0], "已告知企业。")

    # This month's plan: the supervisor sends the caseworker to 云图 and 华芯.
    last = next_month(month_start(today)) - timedelta(days=1)
    services.plan_visit(
        users[SUPERVISOR],
        centre=centres["SZ"],
        planned_on=min(last, today + timedelta(days=4)),
        staff=[cw],
        enterprises=[firms["91440300MA5EY3PN22"], firms["91440300MA5F8KQ21U"]],
        topics=["policy_briefing", "fund_membership"],
        notes="介绍海外维权互助基金，了解企业出海需求。",
    )
    count += 1
    db.session.flush()

    # The month-end scans of the past months, as the sla-scan ran them: 龙岗's two months are recorded.
    for month in months[:-1]:
        month_end_breaches(start_of_day(next_month(month)) + timedelta(hours=1))
    return count


def _design_number() -> str:
    from app.admin.demo_cases import patent

    return patent(2024, "3", 345679)
