"""Fixtures of the fund tests: a provincial fund with money and a member in good standing, an accepted
case of that member with invoices among its evidence, and a request driven to any state."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from app.auth.models import Role

CONTRIBUTION_FEN = 10_000_000  # 100,000 yuan a year
GRANT_FEN = 200_000_000  # 2,000,000 yuan from the province


@pytest.fixture
def fund(world, session):
    """The province's fund: default rules (50%, 500,000 yuan a request, one request a year), the
    enterprise a paid-up member since 2025, and a grant of 2,000,000 yuan."""
    from app.fund import services

    admin = world.province_admin
    f = services.create_fund(admin, world.province, "本省海外知识产权维权互助基金")
    m = services.add_membership(
        admin,
        f,
        world.enterprise,
        starts_on="2025-01-01",
        ends_on="2027-12-31",
        contribution_fen=CONTRIBUTION_FEN,
    )
    services.record_contribution(admin, m, CONTRIBUTION_FEN, occurred_on="2025-01-10", reference="银行回单 0001")
    services.record_income(admin, f, "grant", GRANT_FEN, occurred_on="2025-02-01", reference="省财政拨款")
    session.commit()
    return f


@pytest.fixture
def overseas_case(world, make_case):
    return make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])


def add_file(session, case, uploader, name: str, content_type: str):
    from app.cases.models import Attachment

    data = f"{name} {case.id}".encode()
    a = Attachment(
        case_id=case.id,
        uploaded_by_id=uploader.id,
        filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_path=f"evidence/test-{case.id}-{hashlib.sha256(name.encode()).hexdigest()[:12]}",
    )
    session.add(a)
    session.flush()
    return a


@pytest.fixture
def invoices(overseas_case, world, session):
    """Two invoices (a PDF and a photo), a payment voucher, and a Word file that is not an invoice."""
    up = world.applicant
    files = {
        "lawyer": add_file(session, overseas_case, up, "美国律所发票.pdf", "application/pdf"),
        "court": add_file(session, overseas_case, up, "法院收费收据.jpg", "image/jpeg"),
        "voucher": add_file(session, overseas_case, up, "付款凭证.png", "image/png"),
        "word": add_file(
            session,
            overseas_case,
            up,
            "说明.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    }
    session.commit()
    return files


def request_data(invoices, **over) -> dict:
    """A request for a US lawsuit: USD 100,000.00 of lawyers' fees at 7.1234 and 20,000 yuan of court fees."""
    data = {
        "dispute_type": "litigation",
        "country": "US",
        "forum": "美国加利福尼亚州中区联邦地区法院",
        "dispute_started_on": "2026-03-01",
        "description": "美国竞争对手起诉本企业专利侵权，本企业应诉并提起反诉。",
        "insurance_fen": 0,
        "settlement_fen": 0,
        "other_funding_fen": 0,
        "costs": [
            {
                "kind": "lawyer",
                "description": "应诉律师费",
                "invoice_number": "INV-2026-001",
                "currency": "USD",
                "original_amount": "100000.00",
                "rate": "7.1234",
                "rate_on": "2026-04-01",
                "attachment": invoices["lawyer"].id,
                "voucher": invoices["voucher"].id,
            },
            {
                "kind": "court",
                "currency": "CNY",
                "original_amount": "20000",
                "attachment": invoices["court"].id,
            },
        ],
    }
    data.update(over)
    return data


@pytest.fixture
def people(world, make_user):
    """Who acts on a request: the applicant submits, a caseworker reviews, a supervisor approves, a fund
    committee member approves apart from them, a caseworker pays."""
    return {
        "applicant": world.applicant,
        "caseworker": world.users["caseworker"],
        "supervisor": world.users["supervisor"],
        "committee": world.users["fund_committee"],
        "admin": world.users["admin"],
        "second_committee": make_user(Role.FUND_COMMITTEE, centre=world.city, email="fund2@city.cn"),
    }


PATH = {
    "draft": (),
    "submitted": ("submit",),
    "more_info": ("submit", "ask_documents"),
    "reviewed": ("submit", "review"),
    "approved": ("submit", "review", "approve"),
    "granted": ("submit", "review", "approve", "approve_second"),
    "closed": ("submit", "review", "approve", "approve_second", "close"),
    "rejected": ("submit", "reject"),
    "withdrawn": ("withdraw",),
}
ACTOR = {
    "submit": "applicant",
    "ask_documents": "caseworker",
    "review": "caseworker",
    "approve": "supervisor",
    "approve_second": "committee",
    "close": "supervisor",
    "reject": "supervisor",
    "withdraw": "applicant",
}
COMMENT = {"ask_documents": "请补充付款凭证", "close": "余款不再支付", "reject": "争议发生在入会之前"}


@pytest.fixture
def make_request(overseas_case, fund, invoices, people, session):
    """``make_request(state="draft", **data)``: a request of the case to the fund, driven to ``state``."""
    from app.fund import services

    def make(state: str = "draft", **over):
        r = services.start_request(overseas_case, people["applicant"], fund, request_data(invoices, **over))
        for action in PATH[state]:
            r = services.transition(r, action, people[ACTOR[action]], comment=COMMENT.get(action))
        session.commit()
        return r

    return make


TODAY = date.today()
