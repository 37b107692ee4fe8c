"""Demo fund: Guangdong's overseas mutual-aid fund with its rules, its members and its money, and three
requests of member enterprises' overseas disputes.

- 广东省海外知识产权维权互助基金 (the province's centre): half of the eligible costs, at most 500,000 yuan
  a request and 3,000,000 yuan a fund year, two requests a year per enterprise; the province's grant and
  four members' contributions (深圳市华芯微电子 has paid only part of its own: not in good standing);
- 深圳市云图软件科技 (a US patent suit): reviewed by 深圳's caseworker, approved by its supervisor and by the
  fund committee, paid in two instalments against the US lawyers' invoices, closed;
- 深圳市鹏程电子贸易 (a trademark squatted in the EU): reviewed by 龙岗's caseworker, approved by 深圳's
  supervisor, waiting for the fund committee member (fund@demo.ipaid.cn);
- 广州市绣锦服饰 (a US platform takedown): reviewed by 广州's caseworker, refused by the province's
  supervisor (the refusal letter issued).

Costs are in dollars and euros with the rate of their day, each with its invoice (a small PDF, or a
photographed receipt) among the case's evidence. Everything goes through the services and the one door,
as real requests do.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.auth.models import User
from app.cases import services as case_services
from app.centres.models import Centre
from app.core.db import utcnow
from app.core.workdays import china_day
from app.enterprises.models import Enterprise
from app.extensions import db
from app.fund import services
from app.fund.models import Fund

ADMIN = "admin@demo.ipaid.cn"  # 广东 (the fund's centre): sets the rules, records members and income
PROVINCE_SUPERVISOR = "supervisor.gd@demo.ipaid.cn"
SUPERVISOR = "supervisor@demo.ipaid.cn"  # 深圳: the first approval
CASEWORKER = "caseworker@demo.ipaid.cn"  # 深圳: reviews and pays
CASEWORKER_LG = "caseworker.lg@demo.ipaid.cn"
CASEWORKER_GZ = "caseworker.gz@demo.ipaid.cn"
COMMITTEE = "fund@demo.ipaid.cn"  # 广东: the second approval
FUND_NAME = "广东省海外知识产权维权互助基金"
RULES = {
    "share_percent": 50,
    "cap_per_request_fen": 50_000_000,
    "cap_per_year_fen": 300_000_000,
    "requests_per_enterprise_per_year": 2,
    "year_start_month": 1,
    "year_start_day": 1,
    "review_working_days": 15,
}
# credit code, contribution due, paid (fen)
MEMBERS = [
    ("91440300MA5EY3PN22", 5_000_000, 5_000_000),  # 深圳市云图软件科技
    ("91440300MA5G2R7T4W", 8_000_000, 8_000_000),  # 深圳市鹏程电子贸易
    ("91440101MA59TR6X1W", 1_000_000, 1_000_000),  # 广州市绣锦服饰
    ("91440300MA5F8KQ21U", 5_000_000, 2_000_000),  # 深圳市华芯微电子: not paid up
]
GRANT_FEN = 200_000_000  # 2,000,000 yuan from the province's finance department
# A 1×1 PNG: a photographed receipt.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` (ASCII) in Helvetica: the demo's invoices."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    body = ["BT /F1 11 Tf 14 TL 56 780 Td"]
    body += [f"({escape(line)}) '" for line in lines]
    body.append("ET")
    stream = "\n".join(body).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _file(case, uploader, name: str, data: bytes, content_type: str, note: str):
    from app.cases.attachments import add_attachment

    return add_attachment(case, uploader, FileStorage(io.BytesIO(data), filename=name, content_type=content_type), note)


def _invoice(case, uploader, name, issuer, number, on: date, items, currency):
    lines = [
        issuer,
        "",
        f"INVOICE No. {number}",
        f"Date: {on.isoformat()}",
        f"Client (credit code): {case.enterprise.credit_code}",
        "",
    ]
    lines += [f"{text}: {currency} {amount}" for text, amount in items]
    lines += ["", "Payment due within 30 days."]
    return _file(case, uploader, name, pdf(lines), "application/pdf", "境外费用发票")


def _overseas_case(applicant, firm, caseworker, title, right, respondent, facts, help_wanted):
    """An overseas dispute filed by the applicant on the web, accepted and handled by ``caseworker``."""
    conditions = {
        "real_name": True,
        "named_respondent": True,
        "facts_and_evidence": True,
        "within_jurisdiction": True,
        "not_pending_elsewhere": True,
    }
    case = case_services.create_case(
        applicant,
        enterprise=firm,
        draft=True,
        kind="overseas",
        channel="web",
        title=title,
        rights=[right],
        respondents=[respondent],
        facts=facts,
        help_wanted=help_wanted,
    )
    case_services.transition(case, "submit", applicant)
    case_services.transition(case, "acknowledge", caseworker)
    case_services.transition(case, "accept", caseworker, data={"conditions": conditions})
    case_services.transition(case, "start_handling", caseworker)
    return case


def seed_demo_fund() -> int:
    """Set up the demo fund and its requests once (nothing happens when any fund exists). Returns how
    many requests were made."""
    from app.admin.demo_cases import patent

    if db.session.scalar(select(func.count(Fund.id))):
        return 0
    users = {u.email: u for u in db.session.execute(select(User)).scalars()}
    needed = (ADMIN, PROVINCE_SUPERVISOR, SUPERVISOR, CASEWORKER, CASEWORKER_LG, CASEWORKER_GZ, COMMITTEE)
    province = db.session.execute(select(Centre).where(Centre.code == "GD")).scalar_one_or_none()
    if province is None or any(email not in users for email in needed):
        return 0
    firms = {e.credit_code: e for e in db.session.execute(select(Enterprise)).scalars()}
    if any(code not in firms for code, _, _ in MEMBERS):
        return 0
    admin = users[ADMIN]
    today = china_day(utcnow())
    last_year = today.year - 1

    fund = services.create_fund(admin, province, FUND_NAME, RULES)
    services.record_income(
        admin, fund, "grant", GRANT_FEN, occurred_on=date(last_year, 3, 1), reference=f"粤财工〔{last_year}〕56号"
    )
    for i, (code, due, paid) in enumerate(MEMBERS):
        m = services.add_membership(
            admin,
            fund,
            firms[code],
            starts_on=date(last_year, 1, 1),
            ends_on=date(today.year + 1, 12, 31),
            contribution_fen=due,
            note="三年会费一次核定",
        )
        services.record_contribution(
            users[PROVINCE_SUPERVISOR] if i % 2 else admin,
            m,
            paid,
            occurred_on=date(last_year, 1, 15 + i),
            reference=f"银行回单 {last_year}-{i + 1:04d}",
        )

    def applicant_of(code):
        member = next(m for m in firms[code].members if m.status.value == "active")
        return member.user

    created = 0
    began = today - timedelta(days=150)
    rate_day = today - timedelta(days=100)

    # ---- 云图: a US patent suit, granted and paid in two instalments, closed ---------------------------
    firm = firms["91440300MA5EY3PN22"]
    applicant = applicant_of(firm.credit_code)
    case = _overseas_case(
        applicant,
        firm,
        users[CASEWORKER],
        "美国专利侵权诉讼应诉（云图设计软件）",
        {"type": "invention_patent", "number": patent(2020, "1", 345678), "title": "一种三维模型轻量化方法"},
        {"name": "Northbay Graphics, Inc.", "address": "San Jose, California, USA"},
        "美国竞争对手在加利福尼亚北区联邦地区法院起诉我司软件侵犯其美国专利，我司聘请美国律所应诉并提出专利无效抗辩。",
        "申请海外维权互助基金资助应诉费用。",
    )
    lawyers = _invoice(
        case,
        applicant,
        "Baker-Lin-LLP-invoice-BL-2026-0412.pdf",
        "Baker & Lin LLP, 525 University Ave, Palo Alto, CA",
        "BL-2026-0412",
        rate_day,
        [("Defence of patent suit, 182.5 hours", "48,000.00")],
        "USD",
    )
    court = _invoice(
        case,
        applicant,
        "USDC-NDCal-fee-receipt.pdf",
        "United States District Court, Northern District of California",
        "CAN-2026-118734",
        rate_day,
        [("Filing fee, answer and counterclaim", "2,350.00")],
        "USD",
    )
    translation = _file(case, applicant, "证据翻译费发票.png", PNG, "image/png", "翻译费发票照片")
    r = services.start_request(
        case,
        applicant,
        fund,
        {
            "dispute_type": "litigation",
            "country": "US",
            "forum": "美国加利福尼亚北区联邦地区法院",
            "dispute_started_on": began.isoformat(),
            "description": "应诉美国专利侵权诉讼，并就涉案专利提出无效抗辩。",
            "insurance_fen": 0,
            "settlement_fen": 0,
            "other_funding_fen": 0,
            "costs": [
                {
                    "kind": "lawyer",
                    "description": "美国律所应诉律师费",
                    "invoice_number": "BL-2026-0412",
                    "currency": "USD",
                    "original_amount": "48000.00",
                    "rate": "7.1268",
                    "rate_on": rate_day.isoformat(),
                    "attachment": lawyers.id,
                },
                {
                    "kind": "court",
                    "description": "法院立案及反诉费",
                    "invoice_number": "CAN-2026-118734",
                    "currency": "USD",
                    "original_amount": "2350.00",
                    "rate": "7.1268",
                    "rate_on": rate_day.isoformat(),
                    "attachment": court.id,
                },
                {
                    "kind": "translation",
                    "description": "中文证据英译",
                    "invoice_number": "44031234",
                    "currency": "CNY",
                    "original_amount": "8600",
                    "attachment": translation.id,
                },
            ],
        },
    )
    services.transition(r, "submit", applicant)
    services.transition(r, "review", users[CASEWORKER], comment="费用凭证齐全，汇率按发票日中国人民银行中间价核定。")
    services.transition(r, "approve", users[SUPERVISOR], comment="同意资助。")
    services.transition(r, "approve_second", users[COMMITTEE], comment="基金管理委员会同意按规则资助。")
    first = 10_000_000
    services.transition(
        r, "pay", users[CASEWORKER], data={"amount_fen": first, "attachment": lawyers.id, "reference": "粤海基拨付-01"}
    )
    services.transition(
        r,
        "pay",
        users[CASEWORKER],
        data={"amount_fen": r.outstanding_fen, "attachment": court.id, "reference": "粤海基拨付-02"},
    )
    created += 1

    # ---- 鹏程: a trademark squatted in the EU, waiting for the fund committee ---------------------------
    firm = firms["91440300MA5G2R7T4W"]
    applicant = applicant_of(firm.credit_code)
    case = _overseas_case(
        applicant,
        firm,
        users[CASEWORKER_LG],
        "欧盟商标被抢注异议（鹏程）",
        {"type": "trademark", "number": "45678903", "title": "鹏程"},
        {"name": "Pengcheng Handel GmbH", "address": "Düsseldorf, Deutschland"},
        "德国一贸易公司向欧盟知识产权局申请注册与我司商标相同的标识，我司委托德国律所提出异议。",
        "申请海外维权互助基金资助异议程序费用。",
    )
    opposition = _invoice(
        case,
        applicant,
        "Kanzlei-Weber-Rechnung-2026-77.pdf",
        "Kanzlei Weber & Partner, Koenigsallee 12, Duesseldorf",
        "R-2026-77",
        rate_day,
        [("Opposition proceedings before the EUIPO", "12,500.00")],
        "EUR",
    )
    fee = _invoice(
        case,
        applicant,
        "EUIPO-opposition-fee.pdf",
        "European Union Intellectual Property Office, Alicante",
        "OPP-003184522",
        rate_day,
        [("Opposition fee", "320.00")],
        "EUR",
    )
    r = services.start_request(
        case,
        applicant,
        fund,
        {
            "dispute_type": "squatting",
            "country": "DE",
            "forum": "欧盟知识产权局（异议程序）",
            "dispute_started_on": (began + timedelta(days=30)).isoformat(),
            "description": "就德国公司在欧盟抢注我司商标提出异议。",
            "costs": [
                {
                    "kind": "lawyer",
                    "description": "德国律所异议代理费",
                    "invoice_number": "R-2026-77",
                    "currency": "EUR",
                    "original_amount": "12500.00",
                    "rate": "7.8123",
                    "rate_on": rate_day.isoformat(),
                    "attachment": opposition.id,
                },
                {
                    "kind": "official",
                    "description": "欧盟知识产权局异议官费",
                    "invoice_number": "OPP-003184522",
                    "currency": "EUR",
                    "original_amount": "320.00",
                    "rate": "7.8123",
                    "rate_on": rate_day.isoformat(),
                    "attachment": fee.id,
                },
            ],
        },
    )
    services.transition(r, "submit", applicant)
    services.transition(r, "review", users[CASEWORKER_LG], comment="异议程序属基金资助范围，费用凭证齐全。")
    services.transition(r, "approve", users[SUPERVISOR], comment="同意，提交基金管理委员会审批。")
    created += 1

    # ---- 绣锦: a US platform takedown, refused ---------------------------------------------------------
    firm = firms["91440101MA59TR6X1W"]
    applicant = applicant_of(firm.credit_code)
    case = _overseas_case(
        applicant,
        firm,
        users[CASEWORKER_GZ],
        "美国电商平台下架投诉（刺绣图案）",
        {"type": "copyright", "number": "粤作登字-2023-F-00012346", "title": "锦绣牡丹刺绣图案"},
        {"name": "Amazon 店铺 BloomStitch", "address": "United States"},
        "美国电商平台店铺投诉我司商品侵犯其版权，平台下架我司商品，我司委托美国律师提出反通知。",
        "申请海外维权互助基金资助律师费。",
    )
    notice = _invoice(
        case,
        applicant,
        "Harper-Law-invoice-2026-031.pdf",
        "Harper Law PLLC, Seattle, WA",
        "HL-2026-031",
        rate_day,
        [("Counter-notice and correspondence with the platform", "3,000.00")],
        "USD",
    )
    r = services.start_request(
        case,
        applicant,
        fund,
        {
            "dispute_type": "platform",
            "country": "US",
            "forum": "美国电商平台（知识产权投诉程序）",
            "dispute_started_on": (began + timedelta(days=60)).isoformat(),
            "description": "被投诉下架后提出反通知。",
            "settlement_fen": 2_100_000,
            "costs": [
                {
                    "kind": "lawyer",
                    "description": "美国律师反通知服务费",
                    "invoice_number": "HL-2026-031",
                    "currency": "USD",
                    "original_amount": "3000.00",
                    "rate": "7.1268",
                    "rate_on": rate_day.isoformat(),
                    "attachment": notice.id,
                },
            ],
        },
    )
    services.transition(r, "submit", applicant)
    services.transition(r, "review", users[CASEWORKER_GZ], comment="企业已与投诉方和解并获补偿。")
    services.transition(
        r,
        "reject",
        users[PROVINCE_SUPERVISOR],
        comment="企业已与投诉方达成和解并获得补偿，补偿金额已覆盖本次律师费，依基金规则不予资助。",
    )
    created += 1
    db.session.flush()
    return created
