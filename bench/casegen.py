"""Realistic cases at scale for ``bench.generate --cases``: rights, respondents and valid audit chains.

Each case is planned as the workflow would have produced it (``app.cases.workflow``'s
actions, in order, by the roles that may take them), its events are sealed with the
app's own ``app.core.audit.event_hash`` inside an app context, so ``flask --app wsgi
audit-verify`` accepts every chain (and its sealed head, and the case's state as the chain's
last), and everything is inserted in batches: Core ``executemany`` inserts, or on PostgreSQL a
``COPY`` of the same rows (three times faster). Ids are assigned here (cases in order of filing),
so chains can be hashed before insert; the PostgreSQL sequences are moved on afterwards.

Proportions: complaints 50 %, assistance 18 %, consultations 29 %, overseas 3 %; a third
filed on the web portal, the rest recorded by staff (hotline, desk, visits, platform, ...);
84 % at the enterprise's own (municipal, county or workstation) centre, the rest escalated.
A case's state follows its age (young cases open, old ones closed, declined or withdrawn);
about 1 % are applicants' unsubmitted drafts, which staff lists never show.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, func, insert, select, text

from app.core.identifiers import CREDIT_CODE_CHARSET, credit_code_check_char, patent_check_char

CHINA = ZoneInfo("Asia/Shanghai")
DAY = 86400.0
SPAN_DAYS = 3 * 365

KINDS = {"complaint": 50, "assistance": 18, "consultation": 29, "overseas": 3}
CHANNELS = {
    "web": 34,
    "hotline": 24,
    "walk_in": 10,
    "letter": 3,
    "email": 7,
    "visit": 8,
    "transfer": 4,
    "platform": 10,
}
RIGHT_TYPES = {
    "utility_model": 30,
    "design": 20,
    "invention_patent": 14,
    "trademark": 22,
    "copyright": 8,
    "trade_secret": 2,
    "geographical_indication": 1,
    "plant_variety": 1,
    "ic_layout": 1,
    "other": 1,
}
RIGHT_LABEL = {
    "invention_patent": "发明专利权",
    "utility_model": "实用新型专利权",
    "design": "外观设计专利权",
    "trademark": "注册商标专用权",
    "copyright": "著作权",
    "trade_secret": "商业秘密",
    "geographical_indication": "地理标志",
    "plant_variety": "植物新品种权",
    "ic_layout": "集成电路布图设计专有权",
    "other": "知识产权",
}
PATENT_TYPE_DIGIT = {"invention_patent": ("1", "8"), "utility_model": ("2", "9"), "design": ("3",)}
CONDITIONS = ("facts_and_evidence", "named_respondent", "not_pending_elsewhere", "real_name", "within_jurisdiction")
DECLINE_REASONS = {
    "insufficient_evidence": 35,
    "out_of_scope": 15,
    "not_eligible": 10,
    "outside_jurisdiction": 12,
    "pending_elsewhere": 13,
    "duplicate": 8,
    "other": 7,
}

CITIES = ["深圳市", "广州市", "东莞市", "佛山市", "义乌市", "杭州市", "宁波市", "温州市", "苏州市", "泉州市"]
CITIES += ["厦门市", "青岛市", "成都市", "武汉市", "郑州市", "长沙市", "合肥市", "南京市", "天津市", "重庆市"]
FIRM_WORDS = ["鑫源", "博远", "天成", "永盛", "佳美", "汇通", "联创", "卓越", "宏盛", "金辉", "新锐", "盛世"]
FIRM_WORDS += ["优品", "美达", "华泰", "锦程", "诚信", "亿达", "众合", "富康", "祥瑞", "君诺", "凯迪", "銮瑞"]
FIRM_TRADES = ["电子科技", "贸易", "服装", "五金制品", "家居用品", "塑胶制品", "文化传媒", "网络科技", "照明电器"]
FIRM_TRADES += ["日用品", "玩具", "食品", "机械设备", "箱包", "灯饰", "智能科技", "包装材料", "化妆品"]
SHOP_KINDS = ["商行", "经营部", "电子商行", "服装店", "贸易商行"]
PLATFORMS = [("天猫", "tmall.com"), ("淘宝", "taobao.com"), ("京东", "jd.com"), ("拼多多", "pinduoduo.com")]
PLATFORMS += [("抖音", "douyin.com"), ("1688", "1688.com")]
FOREIGN = [
    ("美国", "Apex Innovations Inc."),
    ("德国", "Kraftwerk Technik GmbH"),
    ("日本", "Sakura Seiki Co., Ltd."),
    ("美国", "Brightline Consumer LLC"),
    ("法国", "Maison Lumière SAS"),
    ("韩国", "Hanbit Electronics Co., Ltd."),
    ("英国", "Northgate Designs Ltd."),
    ("意大利", "Officine Rossi S.r.l."),
]
OVERSEAS_EVENTS = ["展会现场被投诉侵权", "亚马逊店铺被投诉下架", "海关扣留出口货物", "被诉专利侵权", "收到律师警告函"]
ADJECTIVES = ["便携式", "智能", "可折叠", "多功能", "节能型", "防水", "无线", "自动", "高效", "环保"]
OBJECTS = ["充电装置", "蓝牙耳机", "电动牙刷", "保温杯", "台灯", "儿童推车", "空气净化器", "收纳箱", "电源适配器"]
OBJECTS += ["扫地机器人", "水龙头", "运动鞋", "手机支架", "电热水壶", "LED灯具", "键盘", "行李箱", "婴儿奶瓶"]
MARKS = ["华芯", "云图", "鹏程", "绣锦", "百味", "恒达", "星河", "安达", "瑞丰", "金穗", "宏图", "远航", "智造"]
NICE_CLASSES = ["第9类", "第11类", "第25类", "第30类", "第35类", "第18类", "第21类", "第28类"]
WORKS = ["产品包装美术作品", "卡通形象美术作品", "产品说明书文字作品", "管理软件V2.0", "产品宣传摄影作品"]
SIMILAR = {
    "invention_patent": "经比对，被控侵权产品的技术特征落入我司专利权利要求的保护范围。",
    "utility_model": "经比对，被控侵权产品的结构与我司专利保护的方案基本相同。",
    "design": "对方产品外观与我司外观设计高度近似，价格明显低于我司。",
    "trademark": "对方使用了与我司注册商标相同或近似的标识，容易导致消费者混淆。",
    "copyright": "对方未经许可复制并使用了我司作品。",
    "trade_secret": "对方新设企业的产品与我司技术高度一致，疑似离职员工泄露技术秘密。",
}
FOUND = ["近期", "上月", "日前", "在市场巡查中", "经客户反映", "在电商平台巡查时"]
CONSULT_TOPICS = ["外观设计被模仿的维权途径", "商标被抢注的应对", "专利侵权纠纷行政裁决的申请", "展会侵权投诉的流程"]
CONSULT_TOPICS += ["电商平台侵权投诉的材料", "海外参展的知识产权风险", "专利权评价报告的作用", "维权援助的申请条件"]

REQUEST_MATERIAL = [
    "请补充侵权产品的购买凭证和实物照片。",
    "请补充提供专利权评价报告。",
    "请补充权利证书及年费缴纳凭证。",
]
REQUEST_MATERIAL += ["请提供侵权比对说明及被投诉人的详细地址。", "请补充公证购买的公证书。"]
PROVIDE_MATERIAL = ["已补充上传购买凭证和产品照片。", "专利权评价报告已上传，请查收。", "已补充提交公证书及比对说明。"]
DECLINE_COMMENT = ["经审查，现有证据不足以证明侵权事实。", "该纠纷已由人民法院受理，不再重复受理。"]
DECLINE_COMMENT += ["被投诉人不在本中心管辖范围内，建议向所在地维权援助中心反映。", "与已受理案件重复。"]
RESOLVE_OUTCOME = [
    "经调解，双方达成和解协议，被投诉人停止销售并赔偿{n}万元。",
    "已移送市场监督管理局，执法部门已立案查处。",
    "电商平台已下架侵权链接{n}条。",
    "被投诉人承诺停止侵权并销毁库存，申请人表示满意。",
    "已出具侵权判定咨询意见，申请人决定向人民法院起诉。",
    "经协调，被投诉人已变更产品外观，双方签订和解协议。",
]
ANSWERS = ["已电话解答：可向本中心提交维权援助申请，并准备权利证书、侵权证据和主体资格证明。"]
ANSWERS += ["已书面答复：建议先取得专利权评价报告，再向管理专利工作的部门请求处理。"]
ANSWERS += ["已答复：可通过电商平台知识产权保护平台投诉，本中心可协助出具意见。"]
INFORM = ["已电话告知申请人处理结果。", "已通过短信告知申请人处理结果。", "已向申请人送达结案告知书。"]
WITHDRAW = ["双方已自行和解，申请撤回。", "申请人决定直接向人民法院起诉，撤回申请。", "对方已停止侵权，无需继续处理。"]
NOTES = ["已电话联系申请人核实情况。", "已调取被投诉人工商登记信息。", "已与执法部门沟通，等待反馈。"]
NOTES += ["已组织技术专家进行侵权比对。", "被投诉人电话无人接听，拟上门送达。", "与被投诉人初步沟通，对方愿意调解。"]
MESSAGES = ["请问案件目前进展如何？", "材料已收到，我们正在审查。", "已补充上传相关照片，请查收。"]
MESSAGES += ["请于本周内提供联系人电话。", "谢谢中心的帮助。", "对方仍在销售侵权产品，请尽快处理。"]


def weighted(rng: random.Random, table: dict):
    return rng.choices(list(table), weights=list(table.values()))[0]


def credit_code(rng: random.Random) -> str:
    region = rng.choice(["440300", "440100", "441900", "330782", "330100", "320500", "350500", "370200", "510100"])
    body = "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
    first17 = rng.choice(["91", "92", "91", "91"]) + region + body
    return first17 + credit_code_check_char(first17)


def patent_number(rng: random.Random, ip_type: str, latest_year: int) -> str:
    year = rng.randint(max(2008, latest_year - 12), latest_year)
    digits = f"{year}{rng.choice(PATENT_TYPE_DIGIT[ip_type])}{rng.randrange(10**7):07d}"
    return f"{digits}.{patent_check_char(digits)}"


def make_right(rng: random.Random, ip_type: str, year: int) -> dict:
    obj = rng.choice(OBJECTS)
    if ip_type in PATENT_TYPE_DIGIT:
        number = patent_number(rng, ip_type, year)
        title = obj if ip_type == "design" else f"一种{rng.choice(ADJECTIVES)}{obj}"
    elif ip_type == "trademark":
        number = str(rng.randint(1_000_000, 69_999_999))
        title = f"“{rng.choice(MARKS)}”商标（{rng.choice(NICE_CLASSES)}）"
    elif ip_type == "copyright":
        work_year = rng.randint(max(2010, year - 8), year)
        number = f"国作登字-{work_year}-F-{rng.randrange(10**8):08d}"
        title = f"{rng.choice(MARKS)}{rng.choice(WORKS)}"
    elif ip_type == "plant_variety":
        number = f"CNA{rng.randint(2015, year)}{rng.randrange(10**4):04d}.{rng.randint(1, 9)}"
        title = f"{rng.choice(['金穗', '瑞丰', '丰田'])}{rng.randint(1, 99)}号水稻品种"
    elif ip_type == "ic_layout":
        number = f"BS.{rng.randrange(10**8):08d}.{rng.randint(0, 9)}"
        title = f"{rng.choice(['电源管理', '蓝牙通信', '图像传感'])}芯片布图设计"
    elif ip_type == "geographical_indication":
        number = ""
        title = f"{rng.choice(['安溪铁观音', '西湖龙井', '五常大米', '赣南脐橙'])}地理标志"
    else:
        number = ""
        title = rng.choice(["生产工艺技术秘密", "客户名单", "产品配方"]) if ip_type == "trade_secret" else "其他权利"
    return {"type": ip_type, "number": number, "title": title, "_product": obj}


def make_respondent(rng: random.Random, kind: str) -> dict:
    if kind == "overseas":
        country, name = rng.choice(FOREIGN)
        return {"name": name, "credit_code": None, "address": country, "url": None}
    city = rng.choice(CITIES)
    roll = rng.random()
    if roll < 0.55:
        name = f"{city}{rng.choice(FIRM_WORDS)}{rng.choice(FIRM_TRADES)}有限公司"
        code = credit_code(rng) if rng.random() < 0.5 else None
        address = (
            f"{city}{rng.choice(['工业园', '科技园', '商贸城'])}{rng.randint(1, 40)}栋" if rng.random() < 0.6 else None
        )
        return {"name": name, "credit_code": code, "address": address, "url": None}
    if roll < 0.8:
        platform, domain = rng.choice(PLATFORMS)
        shop = f"{rng.choice(FIRM_WORDS)}{rng.choice(['旗舰店', '专营店', '官方店', '优选店'])}"
        url = f"https://shop{rng.randrange(10**8)}.{domain}"
        return {"name": f"{shop}（{platform}）", "credit_code": None, "address": None, "url": url}
    name = f"{city}{rng.choice(['福田区', '南山区', '江北区', '城东', '城西'])}{rng.choice(FIRM_WORDS)}{rng.choice(SHOP_KINDS)}"
    return {"name": name, "credit_code": credit_code(rng) if rng.random() < 0.3 else None, "address": city, "url": None}


def facts_text(rng: random.Random, kind: str, right: dict | None, respondent: dict | None) -> tuple[str, str]:
    """The facts and the help wanted, a few sentences of Chinese."""
    if kind == "consultation":
        topic = rng.choice(CONSULT_TOPICS)
        return (
            f"我司是一家中小企业，想了解{topic}。{rng.choice(['目前尚未发生纠纷。', '近期遇到了类似情况。'])}",
            f"请中心就{topic}给予指导。",
        )
    label = RIGHT_LABEL[right["type"]] if right else "知识产权"
    who = respondent["name"] if respondent else "他人"
    product = right["_product"] if right else rng.choice(OBJECTS)
    kind_of_right = right["type"] if right else "other"
    where = rng.choice(["线下门店", "电商平台", "展会", "批发市场"])
    number = f"（{right['number']}）" if right and right["number"] else ""
    if kind == "overseas":
        country = respondent["address"] if respondent else "境外"
        sentences = [
            f"我司出口至{country}的{product}{rng.choice(OVERSEAS_EVENTS)}，对方为{who}。",
            "对方主张其享有相关专利权，要求我司停止销售并赔偿。",
            "我司认为产品采用自有技术方案，希望获得应对指导和海外维权援助。",
        ]
    else:
        sentences = [
            f"{rng.choice(FOUND)}，我司发现{who}在{where}销售的{product}涉嫌侵犯我司{label}{number}。",
            SIMILAR.get(kind_of_right, "经初步比对，对方行为与我司权利高度相关。"),
            rng.choice(
                [
                    "我司已通过公证购买固定了相关证据，包括购买凭证、产品实物和网页截图。",
                    "我司已保存了网页截图和聊天记录。",
                    "我司曾发函要求对方停止侵权，对方未予回复。",
                ]
            ),
        ]
        if rng.random() < 0.5:
            sentences.append(f"侵权行为给我司造成较大经济损失，估计约{rng.randint(2, 300)}万元。")
    help_wanted = rng.choice(
        ["请求中心协助调解，制止侵权并赔偿损失。", "请求中心出具侵权判定咨询意见。", "请求协助向执法部门投诉。"]
        if kind != "overseas"
        else ["请求提供海外应诉指导并申请互助基金支持。", "请求协助联系境外律师。"]
    )
    return "".join(sentences), help_wanted


def title_text(rng: random.Random, kind: str, right: dict | None, respondent: dict | None, facts: str) -> str:
    if kind == "consultation":
        return f"关于{facts[facts.index('了解') + 2 : facts.index('。')]}的咨询" if "了解" in facts else "咨询"
    if kind == "overseas":
        return f"{respondent['address'] if respondent else '海外'}知识产权纠纷应对援助"
    label = RIGHT_LABEL[right["type"]] if right else "知识产权"
    if respondent and rng.random() < 0.5:
        return f"{respondent['name']}涉嫌侵犯{label}"[:200]
    if right and right["title"]:
        return f"{right['title']}{'被仿冒' if kind == 'complaint' else '维权援助申请'}"[:200]
    return f"{label}侵权投诉"


# ---- the life of a case ------------------------------------------------------------------------------


def pick_state(rng: random.Random, kind: str, channel: str, age: float) -> str:
    """The state now, from the case's age: young cases are mostly open, old ones mostly ended."""
    if channel == "web" and rng.random() < 0.012:
        return "draft"  # started on the portal and never submitted: only its filer sees it
    p_open = 0.97 if age < 3 else 0.85 if age < 14 else 0.6 if age < 45 else 0.3 if age < 120 else 0.12
    if age > 365:
        p_open = 0.03
    if rng.random() < p_open:
        if kind == "consultation":
            return "submitted" if channel == "web" and rng.random() < 0.4 else "acknowledged"
        if age < 3:
            table = {"submitted": 3, "acknowledged": 5, "awaiting_material": 1, "accepted": 1}
        elif age < 14:
            table = {"submitted": 1, "acknowledged": 4, "awaiting_material": 2, "accepted": 3, "in_progress": 2}
        elif age < 45:
            table = {"acknowledged": 1, "awaiting_material": 2, "accepted": 2, "in_progress": 5, "resolved": 2}
        else:
            table = {"awaiting_material": 1, "accepted": 1, "in_progress": 6, "resolved": 3}
        state = weighted(rng, table)
        return "acknowledged" if state == "submitted" and channel != "web" else state
    if kind == "consultation":
        return "closed" if rng.random() < 0.95 else "withdrawn"
    return weighted(rng, {"closed": 75, "declined": 16, "withdrawn": 9})


def plan(rng: random.Random, kind: str, channel: str, state: str, staff: int, applicant: int | None) -> list:
    """The events that lead to ``state``: (action, from, to, actor, comment, data, delay in seconds)."""
    steps: list = []
    current = [None]

    def step(action, actor, to=None, comment="", data=None, delay=1.0):
        source = current[0]
        target = to if to is not None else source
        steps.append([action, source, target, actor, comment, data or {}, delay])
        current[0] = target

    web = channel == "web"
    filer = applicant if web else staff
    step("create", filer, "draft", data={"channel": channel}, delay=0)
    if state == "draft":
        for _ in range(2):
            step("edit_draft", filer, delay=rng.uniform(60, 3 * DAY))
        return steps
    step("submit", filer, "submitted", delay=rng.uniform(120, 2 * DAY) if web else rng.uniform(0.05, 2))
    if state == "submitted":
        return steps
    step("acknowledge", staff, "acknowledged", delay=rng.uniform(0.1, 1.5) * DAY if web else rng.uniform(0.05, 2))
    if state == "acknowledged":
        return steps
    if kind == "consultation":
        if state == "withdrawn":
            step("withdraw", applicant or staff, "withdrawn", rng.choice(WITHDRAW), delay=rng.uniform(1, 10) * DAY)
        else:
            step("answer", staff, "closed", rng.choice(ANSWERS), delay=rng.uniform(0.05, 3) * DAY)
        return steps
    # a material loop before the decision, or the case waits for material now
    # (not before a full closing path: a chain keeps to 8 events)
    looped = state in ("acknowledged", "accepted", "in_progress", "declined", "withdrawn") and rng.random() < 0.2
    if state == "awaiting_material" or looped:
        step(
            "request_material",
            staff,
            "awaiting_material",
            rng.choice(REQUEST_MATERIAL),
            delay=rng.uniform(0.3, 3) * DAY,
        )
        if state == "awaiting_material":
            return steps
        if state == "declined" and rng.random() < 0.4:
            reason = weighted(rng, DECLINE_REASONS)
            step(
                "decline", staff, "declined", rng.choice(DECLINE_COMMENT), {"reason": reason}, rng.uniform(10, 30) * DAY
            )
            return steps
        step(
            "provide_material",
            applicant or staff,
            "acknowledged",
            rng.choice(PROVIDE_MATERIAL),
            delay=rng.uniform(1, 10) * DAY,
        )
    withdraw_at = rng.choice(["acknowledged", "accepted", "in_progress"]) if state == "withdrawn" else None
    if withdraw_at == "acknowledged" or state == "declined":
        if state == "declined":
            reason = weighted(rng, DECLINE_REASONS)
            step(
                "decline", staff, "declined", rng.choice(DECLINE_COMMENT), {"reason": reason}, rng.uniform(0.5, 5) * DAY
            )
        else:
            step("withdraw", applicant or staff, "withdrawn", rng.choice(WITHDRAW), delay=rng.uniform(0.5, 5) * DAY)
        return steps
    step(
        "accept",
        staff,
        "accepted",
        data={"conditions": dict.fromkeys(CONDITIONS, True)},
        delay=rng.uniform(0.5, 4) * DAY,
    )
    if state == "accepted":
        return steps
    if withdraw_at == "accepted":
        step("withdraw", applicant or staff, "withdrawn", rng.choice(WITHDRAW), delay=rng.uniform(1, 10) * DAY)
        return steps
    step("start_handling", staff, "in_progress", delay=rng.uniform(0.05, 3) * DAY)
    if state == "in_progress":
        return steps
    if withdraw_at == "in_progress":
        step("withdraw", applicant or staff, "withdrawn", rng.choice(WITHDRAW), delay=rng.uniform(3, 40) * DAY)
        return steps
    outcome = rng.choice(RESOLVE_OUTCOME).format(n=rng.randint(1, 80))
    step("resolve", staff, "resolved", outcome, delay=rng.uniform(5, 90) * DAY)
    if state == "resolved" and rng.random() < 0.6:
        return steps
    step("inform_outcome", staff, None, rng.choice(INFORM), delay=rng.uniform(0.05, 3) * DAY)
    if state == "resolved":
        return steps
    step("close", staff, "closed", delay=rng.uniform(0.1, 10) * DAY)
    return steps


def pad(rng: random.Random, steps: list, staff: int, applicant: int | None, state: str) -> None:
    """Notes and messages between the transitions: 3 to 8 events in all, about 5.5 on average."""
    wanted = len(steps) + rng.choices([0, 1, 2, 3], weights=[60, 25, 10, 5])[0]
    wanted = min(8, max(3, wanted))
    while len(steps) < wanted:
        if state == "draft":
            break
        # after the submission (a draft is its filer's alone), before or after any later event
        where = rng.randint(2, len(steps))
        at_state = steps[where - 1][2]
        if applicant is not None and rng.random() < 0.35:
            row = ["message", at_state, at_state, applicant, rng.choice(MESSAGES), {}, rng.uniform(0.05, 4) * DAY]
        elif rng.random() < 0.3:
            row = ["message", at_state, at_state, staff, rng.choice(MESSAGES), {}, rng.uniform(0.05, 4) * DAY]
        else:
            row = ["note", at_state, at_state, staff, rng.choice(NOTES), {}, rng.uniform(0.05, 4) * DAY]
        steps.insert(where, row)


def created_at(rng: random.Random, now: datetime, staff_channel: bool) -> datetime:
    """A filing time within the last three years, more recent more often, in working hours for staff."""
    age_days = SPAN_DAYS * (1 - rng.random() ** 0.7)
    local = (now - timedelta(days=age_days)).astimezone(CHINA)
    if staff_channel:
        while local.weekday() >= 5:
            local -= timedelta(days=1)
        seconds = rng.uniform(8.5 * 3600, 17.5 * 3600)
    else:
        seconds = rng.uniform(7 * 3600, 23.5 * 3600)
    local = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(seconds=seconds)
    value = local.astimezone(UTC)
    limit = now - timedelta(hours=1)
    while value > limit:
        value -= timedelta(days=1)
    return value


def case_clocks(case_id: int, centre_id: int, times: dict, responsible, in_portal: bool, rng, calendar) -> list[dict]:
    """The clocks the one door would have run for a case with these action times (first occurrence
    of each action), on the default deadlines: response, handling (paused while material was
    awaited), and feedback after a decision and after an outcome."""
    from app.core.workdays import CalendarUnknown, compute_due

    rows = []

    def clock(name, trigger, started, days, met=None, pauses=(), paused=None):
        stopped = None
        end = times.get("withdraw") or times.get("close")
        if met is None and end is not None and end >= started:
            stopped = end
        try:
            due = compute_due(calendar, started, days, pauses)
            due_at, warn_at, unknown = due.due_at, due.warn_at, None
        except CalendarUnknown as exc:
            due_at = warn_at = None
            unknown = exc.year
        rows.append(
            {
                "case_id": case_id,
                "subject_type": "case",
                "subject_id": case_id,
                "unit": "working_days",
                "name": name,
                "trigger": trigger,
                "centre_id": centre_id,
                "responsible_id": responsible,
                "working_days": days,
                "started_at": started,
                "due_at": due_at,
                "warn_at": warn_at,
                "unknown_year": unknown,
                "paused_at": paused if stopped is None and met is None else None,
                "pauses": [[a.isoformat(), b.isoformat()] for a, b in pauses],
                "met_at": met,
                "stopped_at": stopped,
                "due_soon_recorded_at": None,
                "breach_recorded_at": None,
            }
        )

    submitted = times.get("submit")
    if submitted is None:
        return rows
    acknowledged = times.get("acknowledge")
    answered = times.get("answer")
    clock("response", "response", submitted, 1, met=acknowledged or answered)
    if acknowledged is not None:
        decided = times.get("accept") or times.get("decline") or answered
        asked, given = times.get("request_material"), times.get("provide_material")
        pauses = [(asked, given)] if asked and given and given >= asked else []
        paused = asked if asked and not given else None
        if decided is not None and paused is not None:  # declined while waiting for the material
            pauses, paused = [(asked, decided)], None
        clock("handling", "handling", acknowledged, 3, met=decided, pauses=pauses, paused=paused)
        for trigger in ("accept", "decline"):
            if trigger in times:
                told = times[trigger] if in_portal else times[trigger] + timedelta(hours=rng.choice([2, 5, 20, 30, 70]))
                clock("feedback", trigger, times[trigger], 1, met=told if told <= datetime.now(UTC) else None)
    if "resolve" in times:
        clock("feedback", "resolve", times["resolve"], 1, met=times.get("inform_outcome"))
    return rows


def next_due(clocks: list[dict]):
    dues = [c["due_at"] for c in clocks if c["met_at"] is None and c["stopped_at"] is None and c["paused_at"] is None]
    dues = [d for d in dues if d is not None]
    return min(dues) if dues else None


def generate_cases(engine, count: int, seed: int = 11, batch: int = 5000) -> dict:
    """Insert ``count`` cases with their rights, respondents, events, chain heads and sequences."""
    from app import create_app
    from app.auth.models import User
    from app.cases import workflow
    from app.cases.models import Case, CaseAuditHead, CaseEvent, CaseRespondent, CaseRight, CaseSequence
    from app.centres.models import Centre
    from app.clocks.models import CaseClock
    from app.core import audit
    from app.core.audit import event_hash

    try:
        from app.cases.events import case_digest
    except ImportError:  # an older checkout: chains without digests
        case_digest = None
    from app.core.workdays import WorkingCalendar
    from app.enterprises.models import Enterprise, EnterpriseMember

    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    internal_actions = {name for name, action in workflow.ACTIONS.items() if not action.visible_to_applicant}
    internal_actions.add("note")
    with engine.connect() as conn:
        if conn.execute(select(Case.id).limit(1)).first():
            raise SystemExit("the database already has cases; give one without (or regenerate it)")
        centres = {row.id: row for row in conn.execute(select(Centre.id, Centre.code, Centre.level, Centre.path))}
        handlers: dict[int, list[int]] = defaultdict(list)
        supervisors: dict[int, list[int]] = defaultdict(list)
        for uid, role, centre_id in conn.execute(
            select(User.id, User.role, User.centre_id).where(User.role.in_(["caseworker", "supervisor"]))
        ):
            (handlers if str(getattr(role, "value", role)) == "caseworker" else supervisors)[centre_id].append(uid)
        firms = conn.execute(
            select(
                Enterprise.id,
                Enterprise.centre_id,
                Enterprise.name,
                Enterprise.credit_code,
                Enterprise.is_specialised_new,
                Enterprise.is_little_giant,
                Enterprise.is_in_hardship,
            ).order_by(Enterprise.id)
        ).all()
        applicants = dict(
            conn.execute(
                select(EnterpriseMember.enterprise_id, func.min(EnterpriseMember.user_id))
                .where(EnterpriseMember.status == "active")
                .group_by(EnterpriseMember.enterprise_id)
            ).all()
        )
        first_ids = {
            table: (conn.execute(select(func.max(model.id))).scalar() or 0) + 1
            for table, model in (
                ("cases", Case),
                ("case_rights", CaseRight),
                ("case_respondents", CaseRespondent),
                ("case_events", CaseEvent),
            )
        }
    if not firms:
        raise SystemExit("the database has no enterprises: generate them first (leave out --cases-only)")

    def ancestors(centre_id: int) -> list:
        return [centres[int(i)] for i in centres[centre_id].path.strip("/").split("/")]

    # 1. the skeleton of every case, in order of filing: numbers are gapless per centre and year
    busy = rng.sample(range(len(firms)), max(1, len(firms) // 20))  # a few firms file again and again
    skeleton = []
    for _ in range(count):
        firm = firms[rng.choice(busy) if rng.random() < 0.3 else rng.randrange(len(firms))]
        kind = weighted(rng, KINDS)
        channel = weighted(rng, CHANNELS)
        if firm.id not in applicants:
            channel = "hotline" if channel == "web" else channel
        line = ancestors(firm.centre_id)  # national, provincial, municipal[, county or workstation]
        if channel == "web":
            centre = line[-1]
        elif kind == "overseas":
            centre = rng.choices([line[0], line[1], line[-1]], weights=[25, 50, 25])[0]
        else:
            roll = rng.random()
            centre = line[-1]
            if roll > 0.98:
                centre = line[0]
            elif roll > 0.90:
                centre = line[1]
            elif roll > 0.84 and len(line) > 3:
                centre = line[2]
        if not handlers.get(centre.id) and not supervisors.get(centre.id):
            centre = line[-1]
        skeleton.append((created_at(rng, now, channel != "web"), firm, kind, channel, centre))
    skeleton.sort(key=lambda s: s[0])

    app = create_app()
    counters: Counter = Counter()
    head_seal = getattr(audit, "head_seal", None)
    sealed_heads = head_seal is not None and "seal" in CaseAuditHead.__table__.c
    spent: Counter = Counter()  # seconds inserting, per table
    states: Counter = Counter()
    sequences: dict[tuple[int, int], int] = {}
    ids = dict(first_ids)
    case_table, right_table = Case.__table__, CaseRight.__table__
    respondent_table, event_table, head_table = CaseRespondent.__table__, CaseEvent.__table__, CaseAuditHead.__table__
    clock_table = CaseClock.__table__
    calendar = WorkingCalendar()
    with app.app_context(), engine.begin() as conn:
        for start in range(0, count, batch):
            cases, rights, respondents, events, heads, clocks = [], [], [], [], [], []
            for filed, firm, kind, channel, centre in skeleton[start : start + batch]:
                case_id = ids["cases"]
                ids["cases"] += 1
                year = filed.astimezone(CHINA).year
                key = (centre.id, year)
                sequence = sequences[key] = sequences.get(key, 0) + 1
                number = f"{centre.code}-{year}-{sequence:05d}"
                age = (now - filed).total_seconds() / DAY
                state = pick_state(rng, kind, channel, age)
                states[state] += 1
                pool = handlers.get(centre.id) or supervisors[centre.id]
                staff = rng.choice(pool)
                applicant = applicants.get(firm.id)

                n_rights = (
                    0 if kind == "consultation" and rng.random() < 0.4 else rng.choices([1, 2, 3], [80, 15, 5])[0]
                )
                case_rights = [make_right(rng, weighted(rng, RIGHT_TYPES), year) for _ in range(n_rights)]
                n_resp = 0 if kind == "consultation" and rng.random() < 0.6 else rng.choices([1, 2, 3], [85, 12, 3])[0]
                case_respondents = [make_respondent(rng, kind) for _ in range(n_resp)]
                first_right = case_rights[0] if case_rights else None
                first_resp = case_respondents[0] if case_respondents else None
                facts, help_wanted = facts_text(rng, kind, first_right, first_resp)
                title = title_text(rng, kind, first_right, first_resp, facts)
                if state == "draft" and rng.random() < 0.5:
                    facts = ""  # an unfinished draft
                parts = [number, title, firm.name, firm.credit_code]
                parts += [r["number"] for r in case_rights] + [r["title"] for r in case_rights]
                parts += [r["name"] for r in case_respondents] + [r["credit_code"] or "" for r in case_respondents]

                steps = plan(rng, kind, channel, state, staff, applicant)
                pad(rng, steps, staff, applicant, state)
                total = sum(s[6] for s in steps)
                room = (now - filed).total_seconds() - 600
                squeeze = min(1.0, room / total) if total > 0 else 1.0
                at = filed
                times: dict[str, datetime] = {}
                prev = "0" * 64
                for seq, (action, source, target, actor, comment, data, delay) in enumerate(steps, start=1):
                    at = at + timedelta(seconds=delay * squeeze + (0.001 if seq > 1 else 0))
                    times.setdefault(action, at)
                    if action not in ("note", "message", "edit_draft"):
                        times["_updated"] = at
                    event = _Event(
                        ids["case_events"], case_id, seq, actor, action, source, target, comment, data, at, prev
                    )
                    ids["case_events"] += 1
                    event.visibility = "internal" if action in internal_actions else "applicant"
                    event.hash = event_hash(prev, event)
                    prev = event.hash
                    events.append(event.row())
                last_event = event
                outcome = next((s[4] for s in steps if s[0] in ("resolve", "answer")), "")
                decline = next((s[5]["reason"] for s in steps if s[0] == "decline"), None)
                staff_touched = state not in ("draft", "submitted")  # a staff-recorded case is acknowledged at once
                transitions = sum(1 for s in steps if s[0] not in ("create", "note", "message", "edit_draft"))
                case_clock_rows = case_clocks(
                    case_id, centre.id, times, staff if staff_touched else None, applicant is not None, rng, calendar
                )
                clocks.extend(case_clock_rows)
                amount = None
                if kind != "consultation" and rng.random() < 0.55:
                    amount = rng.choice([1, 2, 5, 10, 20, 30, 50, 80, 100, 200, 500]) * 10_000 * 100
                cases.append(
                    {
                        "id": case_id,
                        "number": number,
                        "centre_id": centre.id,
                        "number_centre_id": centre.id,
                        "year": year,
                        "sequence": sequence,
                        "kind": kind,
                        "channel": channel,
                        "state": state,
                        "enterprise_id": firm.id,
                        "filed_by_id": applicant if channel == "web" else staff,
                        "first_responder_id": staff if staff_touched else None,
                        "owner_id": staff if staff_touched else None,
                        "title": title,
                        "ip_type": first_right["type"] if first_right else None,
                        "ip_number": first_right["number"] if first_right else "",
                        "respondent_name": first_resp["name"] if first_resp else "",
                        "facts": facts,
                        "help_wanted": help_wanted,
                        "claimed_amount_fen": amount,
                        "priority": sum((firm.is_specialised_new, firm.is_little_giant, firm.is_in_hardship)),
                        "search_text": " ".join(p for p in parts if p).lower(),
                        "decline_reason": decline,
                        "outcome": outcome,
                        "rating": None,
                        "rating_comment": "",
                        "created_at": filed,
                        "submitted_at": times.get("submit"),
                        "acknowledged_at": times.get("acknowledge"),
                        "decided_at": times.get("accept") or times.get("decline") or times.get("answer"),
                        "resolved_at": times.get("resolve"),
                        "outcome_informed_at": times.get("inform_outcome") or times.get("answer"),
                        "closed_at": times.get("close") or times.get("answer"),
                        "updated_at": times.get("_updated", filed),
                        "next_due_at": next_due(case_clock_rows) if state not in ("closed", "withdrawn") else None,
                        "version": 1 + transitions,
                    }
                )
                first_right_row, first_respondent_row = len(rights), len(respondents)
                for position, right in enumerate(case_rights):
                    right = {k: v for k, v in right.items() if not k.startswith("_")}
                    rights.append({"id": ids["case_rights"], "case_id": case_id, "position": position, **right})
                    ids["case_rights"] += 1
                for position, resp in enumerate(case_respondents):
                    respondents.append(
                        {"id": ids["case_respondents"], "case_id": case_id, "position": position, **resp}
                    )
                    ids["case_respondents"] += 1
                # The last event seals the digest of the case as it ends up (what record_event does).
                if case_digest is not None:
                    last_event.digest = case_digest(
                        SimpleNamespace(**cases[-1]),
                        [SimpleNamespace(**r) for r in rights[first_right_row:]],
                        [SimpleNamespace(**r) for r in respondents[first_respondent_row:]],
                    )
                    last_event.hash = event_hash(last_event.prev_hash, last_event)
                    events[-1] = last_event.row()
                head = {"case_id": case_id, "seq": len(steps), "hash": last_event.hash}
                if sealed_heads:  # the head's own HMAC, as record_event writes it
                    head["seal"] = head_seal(case_id, len(steps), last_event.hash)
                heads.append(head)
            for table, rows in (
                (case_table, cases),
                (right_table, rights),
                (respondent_table, respondents),
                (event_table, events),
                (head_table, heads),
                (clock_table, clocks),
            ):
                if rows:
                    began = time.perf_counter()
                    bulk_insert(conn, table, rows)
                    spent[table.name] += time.perf_counter() - began
            counters.update(
                cases=len(cases),
                case_rights=len(rights),
                case_respondents=len(respondents),
                case_events=len(events),
                case_clocks=len(clocks),
            )
        existing = {(c, y) for c, y in conn.execute(select(CaseSequence.centre_id, CaseSequence.year))}
        rows = [
            {"centre_id": c, "year": y, "last_value": v} for (c, y), v in sequences.items() if (c, y) not in existing
        ]
        for (c, y), v in sequences.items():
            if (c, y) in existing:
                conn.execute(
                    CaseSequence.__table__.update()
                    .where(CaseSequence.centre_id == c, CaseSequence.year == y)
                    .values(last_value=v)
                )
        if rows:
            conn.execute(insert(CaseSequence.__table__), rows)
        counters["case_sequences"] = len(sequences)
        if engine.dialect.name == "postgresql":  # ids were given explicitly: move the serial sequences on
            for table in first_ids:
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    return {
        **counters,
        "states": dict(sorted(states.items(), key=lambda kv: -kv[1])),
        "events_per_case": round(counters["case_events"] / max(1, counters["cases"]), 2),
        "cases_seconds": round(time.perf_counter() - started, 1),
        "insert_seconds": {table: round(seconds, 1) for table, seconds in spent.items()},
    }


def bulk_insert(conn, table, rows: list[dict]) -> None:
    """A Core ``executemany`` insert; on PostgreSQL a ``COPY`` of the same rows (several times faster).

    The rows hold plain values (strings for enums, aware datetimes, dicts for JSON columns).
    """
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), rows)
        return
    columns = list(rows[0])
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    names = ", ".join(f'"{c}"' for c in columns)
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[c], ensure_ascii=False) if c in json_columns and row[c] is not None else row[c]
                    for c in columns
                ]
            )


class _Event:
    """What ``app.core.audit.canonical`` reads, without building ORM objects."""

    __slots__ = (
        "id",
        "case_id",
        "seq",
        "actor_id",
        "action",
        "from_state",
        "to_state",
        "comment",
        "data",
        "visibility",
        "created_at",
        "prev_hash",
        "hash",
        "digest",
    )

    def __init__(self, id_, case_id, seq, actor_id, action, from_state, to_state, comment, data, at, prev):
        self.id, self.case_id, self.seq, self.actor_id = id_, case_id, seq, actor_id
        self.action, self.from_state, self.to_state = action, from_state, to_state
        self.comment, self.data, self.created_at, self.prev_hash = comment, data, at, prev
        self.digest = None

    def row(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__}
