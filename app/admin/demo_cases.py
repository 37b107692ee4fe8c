"""Demo cases: a handful in every state, filed and handled through the one door like real ones."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.auth.models import User
from app.cases import services
from app.cases.models import Case
from app.core.identifiers import patent_check_char
from app.enterprises.models import Enterprise
from app.extensions import db

CONDITIONS = {
    "real_name": True,
    "named_respondent": True,
    "facts_and_evidence": True,
    "within_jurisdiction": True,
    "not_pending_elsewhere": True,
}


def patent(year: int, type_digit: str, serial: int) -> str:
    digits = f"{year}{type_digit}{serial:07d}"
    return f"{digits}.{patent_check_char(digits)}"


# filer e-mail, credit code, fields, then (actor e-mail, action, comment, data) steps
DEMO_CASES = [
    (
        "applicant@demo.ipaid.cn",
        "91440300MA5F8KQ21U",
        {
            "kind": "complaint",
            "channel": "web",
            "title": "蓝牙耳机充电仓实用新型专利被仿冒",
            "rights": [{"type": "utility_model", "number": patent(2023, "2", 1234567), "title": "一种耳机充电仓"}],
            "respondents": [{"name": "深圳市某某数码商行", "address": "深圳市福田区华强北赛格广场3楼"}],
            "facts": "被投诉人在华强北赛格广场及网店销售与我司专利结构相同的耳机充电仓，价格低于我司三成。",
            "help_wanted": "请求中心协助调解，制止侵权并赔偿损失。",
            "claimed_amount_fen": 30_000_000,
        },
        [
            ("applicant@demo.ipaid.cn", "submit", "", None),
            ("caseworker.hqb@demo.ipaid.cn", "acknowledge", "", None),
            (
                "caseworker.hqb@demo.ipaid.cn",
                "request_material",
                "请补充侵权产品的购买凭证和实物照片。",
                {"due_on": (date.today() + timedelta(days=10)).isoformat()},
            ),
        ],
    ),
    (
        "applicant@demo.ipaid.cn",
        "91440300MA5F8KQ21U",
        {
            "kind": "complaint",
            "channel": "web",
            "title": "电源适配器外观设计被抄袭",
            "rights": [{"type": "design", "number": patent(2022, "3", 456789), "title": "电源适配器"}],
            "respondents": [{"name": "东莞市某电子厂"}],
            "facts": "被投诉人在展会上展示并销售与我司外观设计近似的电源适配器，已取得展会现场照片。",
            "help_wanted": "请求快速调解。",
            "claimed_amount_fen": 8_000_000,
        },
        [
            ("applicant@demo.ipaid.cn", "submit", "", None),
            ("caseworker@demo.ipaid.cn", "acknowledge", "", None),
            ("caseworker@demo.ipaid.cn", "accept", "", {"conditions": CONDITIONS}),
            ("caseworker@demo.ipaid.cn", "start_handling", "", None),
        ],
    ),
    (
        "applicant@demo.ipaid.cn",
        "91440300MA5F8KQ21U",
        {
            "kind": "assistance",
            "channel": "web",
            "title": "芯片布图设计维权咨询（草稿）",
            "rights": [{"type": "ic_layout", "number": "BS.22500123.4", "title": "电源管理芯片布图设计"}],
            "respondents": [],
            "facts": "",
        },
        [],
    ),
    (
        "applicant.yt@demo.ipaid.cn",
        "91440300MA5EY3PN22",
        {
            "kind": "complaint",
            "channel": "web",
            "title": "“云图”商标被网店使用",
            "rights": [{"type": "trademark", "number": "45678901", "title": "云图"}],
            "respondents": [{"name": "某电商平台店铺“云图旗舰店”", "url": "https://shop.example.cn/yuntu"}],
            "facts": "网店擅自使用与我司注册商标相同的标识销售软件激活码。",
            "help_wanted": "请求协助向平台投诉下架。",
        },
        [("applicant.yt@demo.ipaid.cn", "submit", "", None)],
    ),
    (
        "applicant.yt@demo.ipaid.cn",
        "91440300MA5EY3PN22",
        {
            "kind": "consultation",
            "channel": "web",
            "title": "软件著作权登记能否作为维权依据",
            "rights": [{"type": "copyright", "number": "2024SR0123456", "title": "云图设计软件V3.0"}],
            "help_wanted": "软件著作权登记证书能否作为维权的权属证明？",
        },
        [
            ("applicant.yt@demo.ipaid.cn", "submit", "", None),
            (
                "caseworker@demo.ipaid.cn",
                "answer",
                "可以。登记证书是权属的初步证明，建议同时保留源代码与开发记录。",
                None,
            ),
        ],
    ),
    (
        "caseworker.lg@demo.ipaid.cn",
        "91440300MA5G2R7T4W",
        {
            "kind": "complaint",
            "channel": "hotline",
            "title": "12330来电：发明专利被侵权",
            "rights": [{"type": "invention_patent", "number": patent(2021, "1", 234567), "title": "一种快充控制方法"}],
            "respondents": [{"name": "深圳市某科技有限公司"}],
            "facts": "企业来电反映，被投诉人生产的快充模块使用了其发明专利的控制方法。",
            "help_wanted": "请求移送执法部门查处。",
        },
        [],
    ),
    (
        "supervisor@demo.ipaid.cn",
        "91440300MA5F8KQ21U",
        {
            "kind": "complaint",
            "channel": "hotline",
            "title": "12330来电：充电宝外观设计被仿冒",
            "rights": [{"type": "design", "number": patent(2024, "3", 345678), "title": "移动电源"}],
            "respondents": [{"name": "深圳市某某电子商行"}],
            "facts": "企业来电反映，华强北多家档口销售与其外观设计相同的移动电源。",
            "help_wanted": "请求快速调解。",
        },
        # The supervisor took the call (first responder) and offers the work to the caseworker.
        [
            (
                "supervisor@demo.ipaid.cn",
                "offer_handover",
                "请接手跟进，企业希望尽快调解。",
                {"to_user": "caseworker@demo.ipaid.cn"},
            )
        ],
    ),
    (
        "caseworker.gz@demo.ipaid.cn",
        "91440101MA5AXQ8G0A",
        {
            "kind": "complaint",
            "channel": "walk_in",
            "title": "门店招牌疑似侵权",
            "rights": [{"type": "trademark", "number": "3456789", "title": "百味"}],
            "respondents": [{"name": "佛山市某餐饮店"}],
            "facts": "企业来访反映外地门店使用近似招牌，但该案件已由企业起诉至法院。",
        },
        [
            (
                "caseworker.gz@demo.ipaid.cn",
                "decline",
                "该纠纷已由企业向人民法院起诉，不属于中心受理范围，建议关注诉讼进展。",
                {"reason": "pending_elsewhere"},
            )
        ],
    ),
    (
        "caseworker.gz@demo.ipaid.cn",
        "91440101MA59TR6X1W",
        {
            "kind": "complaint",
            "channel": "visit",
            "title": "刺绣图案著作权被仿冒",
            "rights": [{"type": "copyright", "number": "粤作登字-2023-F-00012345", "title": "锦绣牡丹刺绣图案"}],
            "respondents": [{"name": "广州市某服装档口"}],
            "facts": "上门服务时企业反映，布匹市场档口销售印有其刺绣图案的服装。",
            "claimed_amount_fen": 2_000_000,
        },
        [
            ("caseworker.gz@demo.ipaid.cn", "accept", "", {"conditions": CONDITIONS}),
            ("caseworker.gz@demo.ipaid.cn", "start_handling", "", None),
            ("caseworker.gz@demo.ipaid.cn", "resolve", "经调解，档口停止销售并赔偿1万元。", None),
            ("caseworker.gz@demo.ipaid.cn", "inform_outcome", "已电话告知企业调解结果。", {"method": "phone"}),
            ("caseworker.gz@demo.ipaid.cn", "close", "", None),
            ("applicant.xj@demo.ipaid.cn", "rate", "处理及时，非常满意。", {"rating": 5}),
        ],
    ),
]


# Cases the demo mediations and plans are handled under (``app.admin.demo_mediations``).
DEMO_CASES += [
    (
        "applicant@demo.ipaid.cn",
        "91440300MA5F8KQ21U",
        {
            "kind": "complaint",
            "channel": "web",
            "title": "折叠式手机支架实用新型专利被侵权",
            "rights": [{"type": "utility_model", "number": patent(2022, "2", 2345678), "title": "一种折叠式手机支架"}],
            "respondents": [
                {
                    "name": "深圳市某某精密五金有限公司",
                    "credit_code": "91440300MA5DKX8U4C",
                    "address": "深圳市宝安区福永街道某工业园B栋",
                }
            ],
            "facts": "被申请人制造并在电商平台销售的手机支架，铰链与支撑结构落入我司实用新型专利权利要求1的保护范围。",
            "help_wanted": "请求快速调解，停止侵权并赔偿损失。",
            "claimed_amount_fen": 5_000_000,
        },
        [
            ("applicant@demo.ipaid.cn", "submit", "", None),
            ("caseworker@demo.ipaid.cn", "acknowledge", "", None),
            ("caseworker@demo.ipaid.cn", "accept", "", {"conditions": CONDITIONS}),
            ("caseworker@demo.ipaid.cn", "start_handling", "", None),
        ],
    ),
    (
        "applicant@demo.ipaid.cn",
        "91440300MA5F8KQ21U",
        {
            "kind": "complaint",
            "channel": "web",
            "title": "无线充电底座实用新型专利纠纷",
            "rights": [{"type": "utility_model", "number": patent(2021, "2", 3456789), "title": "一种无线充电底座"}],
            "respondents": [{"name": "东莞市某某电子科技有限公司", "address": "东莞市长安镇某路8号"}],
            "facts": "被申请人销售的无线充电底座与我司专利结构相同，已公证购买。",
            "help_wanted": "请求调解。",
            "claimed_amount_fen": 10_000_000,
        },
        [
            ("applicant@demo.ipaid.cn", "submit", "", None),
            ("caseworker@demo.ipaid.cn", "acknowledge", "", None),
            ("caseworker@demo.ipaid.cn", "accept", "", {"conditions": CONDITIONS}),
            ("caseworker@demo.ipaid.cn", "start_handling", "", None),
        ],
    ),
]


# Cases the demo referrals are handled under (``app.admin.demo_referrals``); the same respondent (by its
# credit code) in two of them and in the mediation's case above: a repeat infringer.
REPEAT_RESPONDENT = {
    "name": "深圳市某某精密五金有限公司",
    "credit_code": "91440300MA5DKX8U4C",
    "address": "深圳市宝安区福永街道某工业园B栋",
}
DEMO_CASES += [
    (
        "applicant@demo.ipaid.cn",
        "91440300MA5F8KQ21U",
        {
            "kind": "complaint",
            "channel": "web",
            "title": "车载手机支架实用新型专利再次被仿制",
            "rights": [{"type": "utility_model", "number": patent(2023, "2", 4567890), "title": "一种车载手机支架"}],
            "respondents": [REPEAT_RESPONDENT],
            "facts": "被投诉人在调解后仍在电商平台大量销售仿制我司专利的车载支架，月销量逾两千件。",
            "help_wanted": "请求移送执法部门查处。",
            "claimed_amount_fen": 20_000_000,
        },
        [
            ("applicant@demo.ipaid.cn", "submit", "", None),
            ("caseworker@demo.ipaid.cn", "acknowledge", "", None),
            ("caseworker@demo.ipaid.cn", "accept", "", {"conditions": CONDITIONS}),
            ("caseworker@demo.ipaid.cn", "start_handling", "", None),
        ],
    ),
    (
        "applicant@demo.ipaid.cn",
        "91440300MA5F8KQ21U",
        {
            "kind": "complaint",
            "channel": "web",
            "title": "磁吸充电线外观设计被仿冒",
            "rights": [{"type": "design", "number": patent(2024, "3", 567890), "title": "磁吸充电线"}],
            "respondents": [REPEAT_RESPONDENT],
            "facts": "被投诉人在其工厂门市及网店销售与我司外观设计相同的磁吸充电线。",
            "help_wanted": "请求移送市场监管部门查处。",
            "claimed_amount_fen": 8_000_000,
        },
        [
            ("applicant@demo.ipaid.cn", "submit", "", None),
            ("caseworker@demo.ipaid.cn", "acknowledge", "", None),
            ("caseworker@demo.ipaid.cn", "accept", "", {"conditions": CONDITIONS}),
            ("caseworker@demo.ipaid.cn", "start_handling", "", None),
        ],
    ),
    (
        "applicant@demo.ipaid.cn",
        "91440300MA5F8KQ21U",
        {
            "kind": "complaint",
            "channel": "web",
            "title": "“云图”注册商标被用于仿冒耳机",
            "rights": [{"type": "trademark", "number": "45678902", "title": "云图"}],
            "respondents": [{"name": "深圳市某某通讯器材店", "address": "深圳市福田区华强北某电子市场2楼"}],
            "facts": "被投诉人在柜台销售标有“云图”商标的仿冒耳机，现场查见库存约三百件。",
            "help_wanted": "请求移送市场监管部门查处。",
            "claimed_amount_fen": 5_000_000,
        },
        [
            ("applicant@demo.ipaid.cn", "submit", "", None),
            ("caseworker@demo.ipaid.cn", "acknowledge", "", None),
            ("caseworker@demo.ipaid.cn", "accept", "", {"conditions": CONDITIONS}),
            ("caseworker@demo.ipaid.cn", "start_handling", "", None),
        ],
    ),
]


def seed_demo_cases() -> int:
    """File the demo cases once (nothing happens when any case exists)."""
    if db.session.scalar(select(func.count(Case.id))):
        return 0
    users = {u.email: u for u in db.session.execute(select(User)).scalars()}
    firms = {e.credit_code: e for e in db.session.execute(select(Enterprise)).scalars()}
    for filer, code, fields, steps in DEMO_CASES:
        draft = filer.startswith("applicant")  # applicants file a draft, then submit it
        case = services.create_case(users[filer], enterprise=firms[code], draft=draft, **fields)
        for actor, action, comment, data in steps:
            if action == "submit" and case.state.value != "draft":
                continue
            services.transition(case, action, users[actor], comment=comment, data=data)
    db.session.flush()
    return len(DEMO_CASES)
