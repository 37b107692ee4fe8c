"""Demo mediations and plans, handled through the one door like real ones: a design-patent mediation
in progress with a session scheduled, an agreed utility-model mediation awaiting performance, one
that failed, and the issued rights-protection plan of the agreed one's case."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.auth.models import User
from app.cases.models import Case
from app.core.db import utcnow
from app.core.workdays import china_day
from app.extensions import db
from app.mediation import services
from app.mediation.models import Mediation

MEDIATOR = "mediator@demo.ipaid.cn"
CASEWORKER = "caseworker@demo.ipaid.cn"


def _case(title: str) -> Case | None:
    return db.session.execute(select(Case).where(Case.title == title)).scalar_one_or_none()


def seed_demo_mediations() -> int:
    """Start the demo mediations once (nothing happens when any mediation exists)."""
    if db.session.scalar(select(func.count(Mediation.id))):
        return 0
    users = {u.email: u for u in db.session.execute(select(User)).scalars()}
    mediator, caseworker = users[MEDIATOR], users[CASEWORKER]
    today = china_day(utcnow())
    created = 0

    def start(title, requests):
        case = _case(title)
        if case is None:
            return None
        m = services.request_mediation(
            case, caseworker, mediator=MEDIATOR, scope="damages", requests=requests, not_in_court=True
        )
        services.transition(m, "serve_respondent", caseworker, data={"served_on": today.isoformat(), "method": "post"})
        services.transition(m, "respondent_agrees", mediator, comment="被申请人同意调解，对赔偿数额有异议。")
        return m

    # A design patent: in mediation (10 days), a session scheduled the day after tomorrow.
    m = start("电源适配器外观设计被抄袭", "请求被申请人停止销售并赔偿经济损失8万元。")
    if m is not None:
        starts = (utcnow() + timedelta(days=2)).replace(hour=2, minute=0, second=0, microsecond=0)
        services.transition(
            m,
            "schedule_session",
            mediator,
            data={"starts_at": starts.isoformat(), "duration_minutes": 90, "place": "龙岗区中心三楼调解室"},
        )
        created += 1

    # A utility model: agreed, awaiting performance and judicial confirmation.
    m = start("折叠式手机支架实用新型专利被侵权", "请求被申请人停止制造、销售并赔偿经济损失5万元。")
    if m is not None:
        services.transition(
            m,
            "record_session",
            mediator,
            data={
                "held_at": utcnow().isoformat(),
                "minutes": "双方到场陈述意见，被申请人承认销售事实，就赔偿数额达成一致。",
            },
        )
        services.transition(
            m,
            "record_agreement",
            mediator,
            data={
                "facts": "被申请人制造、销售的手机支架落入申请人ZL实用新型专利权利要求1的保护范围。",
                "disputed_issues": "被诉产品是否落入专利保护范围；赔偿数额。",
                "liability": "被申请人承认侵权，承担停止侵权和赔偿责任。",
                "terms": [
                    "被申请人自本协议生效之日起停止制造、销售被诉手机支架，并下架相关网店链接。",
                    "被申请人向申请人支付经济损失及合理开支共计人民币壹万伍仟元。",
                    "申请人放弃其他请求。",
                ],
                "amount_fen": 1_500_000,
                "perform_by": (today + timedelta(days=20)).isoformat(),
                "performance_method": "被申请人通过银行转账一次性支付至申请人指定账户。",
                "costs_borne_by": "调解不收费；双方各自承担本方支出。",
            },
        )
        created += 1

    # A utility model: ended without agreement; the parties were advised to ask for a ruling.
    m = start("无线充电底座实用新型专利纠纷", "请求被申请人赔偿经济损失10万元。")
    if m is not None:
        services.transition(
            m, "record_failure", mediator, comment="双方对是否落入保护范围分歧较大，被申请人拒绝赔偿，调解不成。"
        )
        services.transition(
            m,
            "advise_next_route",
            caseworker,
            comment="建议向市场监督管理局请求专利侵权纠纷行政裁决。",
            data={"route": "administrative_ruling"},
        )
        created += 1
    db.session.flush()
    return created


PLAN = {
    "facts": "被申请人自2026年起在电商平台销售折叠式手机支架，其铰链与支撑结构与本专利权利要求1相同。",
    "right": {"index": 0, "scope": "权利要求1、2"},
    "comparison": [
        {
            "feature": "支撑臂通过阻尼铰链与底座连接",
            "accused": "被控产品支撑臂经阻尼铰链连接底座",
            "verdict": "identical",
            "evidence": "公证购买的被控产品实物及照片",
        },
        {
            "feature": "底座设有防滑硅胶垫",
            "accused": "底座设有橡胶防滑垫",
            "verdict": "equivalent",
            "evidence": "产品拆解照片",
        },
    ],
    "evidence_held": ["专利证书", "公证购买的被控产品及发票", "网店销售页面公证书"],
    "evidence_needed": ["专利权评价报告"],
    "routes": [
        {"route": "mediation", "cost_fen": 0, "duration": "1个月", "note": "中心免费快速调解"},
        {"route": "platform_complaint", "cost_fen": 0, "duration": "7个工作日", "note": "调解不成时向平台投诉下架"},
        {"route": "litigation", "cost_fen": 3_000_000, "duration": "6至12个月", "note": "律师费与诉讼费估算"},
    ],
    "damages": {"amount_fen": 5_000_000, "basis": "按被控产品销量约2,000件、单件利润25元估算。"},
}


def seed_demo_plans() -> int:
    """Issue the plan of the agreed mediation's case once (drafted by the caseworker, approved by the
    supervisor)."""
    from app.plans import services as plans
    from app.plans.models import Plan

    if db.session.scalar(select(func.count(Plan.id))):
        return 0
    case = _case("折叠式手机支架实用新型专利被侵权")
    if case is None:
        return 0
    users = {u.email: u for u in db.session.execute(select(User)).scalars()}
    caseworker, supervisor = users[CASEWORKER], users["supervisor@demo.ipaid.cn"]
    plan = plans.create_plan(case, caseworker, PLAN)
    plans.transition(plan, "submit_for_review", caseworker)
    plans.transition(plan, "approve", supervisor)
    plans.transition(plan, "issue", caseworker)
    db.session.flush()
    return 1
