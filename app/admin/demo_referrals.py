"""Demo referrals: one waiting for the agency's receipt, one chased, one with the agency's penalty.

They are handled under the demo cases of ``app.admin.demo_cases`` (the repeat respondent's two cases
and the trademark case), each with evidence photos, decided by the caseworker and approved by the
supervisor of 深圳, sent to the market regulation bureau of 深圳 from the demo agencies.
"""

from __future__ import annotations

import io

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.agencies.models import Agency, AgencyKind
from app.auth.models import User
from app.cases.models import Case
from app.extensions import db
from app.referrals import reply, services
from app.referrals.models import Referral

CASEWORKER = "caseworker@demo.ipaid.cn"
SUPERVISOR = "supervisor@demo.ipaid.cn"
# A 1×1 PNG: the photos of the demo evidence.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _case(title: str) -> Case | None:
    return db.session.execute(select(Case).where(Case.title == title)).scalar_one_or_none()


def _market_agency(case: Case) -> Agency | None:
    """The competent market regulation agency of the case's region (the nearest centre up)."""
    from app.agencies.queries import competent_agencies

    right = case.rights[0]
    found = [a for a in competent_agencies(case.centre, right.type) if a.kind is AgencyKind.MARKET_REGULATION]
    return found[0] if found else None


def seed_demo_referrals() -> int:
    """Decide and send the demo referrals once (nothing happens when any referral exists). Returns
    how many; the raw reply links are not kept (the letters print them)."""
    from app.cases.attachments import add_attachment

    if db.session.scalar(select(func.count(Referral.id))):
        return 0
    users = {
        u.email: u for u in db.session.execute(select(User).where(User.email.in_((CASEWORKER, SUPERVISOR)))).scalars()
    }
    caseworker, supervisor = users.get(CASEWORKER), users.get(SUPERVISOR)
    if caseworker is None or supervisor is None:
        return 0
    created = 0

    def sent(title, grounds, kinds=()):
        case = _case(title)
        agency = _market_agency(case) if case is not None else None
        if case is None or agency is None:
            return None, None
        files = [
            add_attachment(
                case, caseworker, FileStorage(io.BytesIO(PNG), filename=name, content_type="image/png"), "公证购买取证"
            )
            for name in ("侵权产品实物照片.png", "网店销售页面截图.png")
        ]
        r = services.refer(
            case,
            caseworker,
            agency=agency.id,
            grounds=grounds,
            evidence=[f.id for f in files],
            ground_kinds=list(kinds),
        )
        services.transition(r, "approve", supervisor, comment="同意移送。")
        services.transition(r, "send", caseworker, data={"method": "post"})
        return r, reply.AgencyActor.of(reply.find(reply.fresh_token(r)))

    # Waiting for the agency's receipt.
    r, _agency = sent(
        "“云图”注册商标被用于仿冒耳机", "现场查见仿冒耳机库存约三百件，涉嫌销售侵犯注册商标专用权的商品。"
    )
    created += r is not None

    # Chased once: the agency has not answered.
    r, _agency = sent(
        "磁吸充电线外观设计被仿冒",
        "被投诉人批量销售与涉案外观设计相同的产品，且此前已因同类行为被投诉。",
        ("repeat",),
    )
    if r is not None:
        services.transition(r, "chase", caseworker, comment="电话联系未果，发函催办。")
        created += 1

    # The agency's outcome: a case opened, a fine and an order to stop.
    r, agency = sent(
        "车载手机支架实用新型专利再次被仿制",
        "被投诉人在调解后仍大量销售侵权产品，月销量逾两千件，属重复、故意侵权。",
        ("repeat", "wilful"),
    )
    if r is not None:
        services.transition(r, "record_receipt", agency, data={})
        services.transition(r, "record_decision", agency, data={"agency_case_number": "深市监知处〔2026〕118号"})
        services.transition(
            r,
            "record_outcome",
            agency,
            data={
                "summary": "责令立即停止侵权行为，没收侵权产品，并处罚款。",
                "penalty_fen": 8_000_000,
                "goods_seized": "侵权车载手机支架2,360件",
                "stop_ordered": "y",
            },
        )
        created += 1
    db.session.flush()
    return created
