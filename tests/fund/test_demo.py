"""The demo fund (``app.admin.demo_fund``) shows what issue 13 asks of the demo: the province's fund with
its rules, members (one not paid up) and a grant; a request paid in two instalments and closed, one
refused with its letter, one waiting for the demo fund committee member after two other people reviewed
and approved it; costs in dollars and euros with their rates and invoices stored as real files. The
ledger and every audit chain verify."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.cases.enums import DocumentKind
from app.cases.models import Document
from app.core.db import utcnow
from app.core.workdays import china_day
from app.fund import ledger, rules, services
from app.fund.enums import EntryKind, FundRequestState
from app.fund.models import Fund, FundMembership, FundRequest, LedgerEntry

S = FundRequestState


@pytest.fixture
def demo(app, session):
    from app.admin.demo import seed_demo

    with app.app_context():
        created = seed_demo()
        session.commit()
    users = {u.email: u for u in session.execute(select(User).where(User.email.like("%@demo.ipaid.cn"))).scalars()}
    return created, users


def check_the_province_fund_with_its_rules_members_and_money(demo, session):
    from app.admin.demo_fund import FUND_NAME, GRANT_FEN, MEMBERS, RULES

    created, users = demo
    assert created["fund_requests"] == 3
    fund = session.execute(select(Fund)).scalar_one()
    assert (fund.name, fund.centre.code) == (FUND_NAME, "GD")
    assert {k: getattr(fund, k) for k in RULES} == RULES
    members = session.execute(select(FundMembership).where(FundMembership.fund_id == fund.id)).scalars().all()
    assert len(members) == len(MEMBERS) == 4
    today = china_day(utcnow())
    unpaid = [m for m in members if not rules.standing(fund, m.enterprise_id, today).paid]
    assert [m.enterprise.credit_code for m in unpaid] == ["91440300MA5F8KQ21U"]
    income = sum(paid for _, _, paid in MEMBERS) + GRANT_FEN
    entries = session.execute(select(LedgerEntry).where(LedgerEntry.fund_id == fund.id)).scalars().all()
    assert sum(e.amount_fen for e in entries if e.kind.is_income) == income
    assert fund.balance_fen == fund.available_fen + fund.committed_fen and fund.committed_fen == 0
    assert ledger.verify() == []


def check_three_requests_closed_refused_and_waiting_for_the_committee(demo, session):
    _, users = demo
    requests = {r.state: r for r in session.execute(select(FundRequest)).scalars()}
    assert set(requests) == {S.CLOSED, S.REJECTED, S.APPROVED}

    closed = requests[S.CLOSED]
    payouts = (
        session.execute(
            select(LedgerEntry).where(LedgerEntry.request_id == closed.id, LedgerEntry.kind == EntryKind.PAYOUT)
        )
        .scalars()
        .all()
    )
    assert len(payouts) == 2 and closed.paid_fen == closed.approved_fen > 0 and closed.released_fen == 0
    assert {c.currency for c in closed.costs} == {"USD", "CNY"}
    assert all(c.rate_millionths == 7_126_800 for c in closed.costs if c.currency == "USD")
    people = {closed.submitted_by_id, closed.reviewed_by_id, closed.approved_by_id, closed.second_approved_by_id}
    assert len(people) == 4 and closed.second_approved_by_id == users["fund@demo.ipaid.cn"].id

    refused = requests[S.REJECTED]
    assert refused.rejection_reason
    letters = (
        session.execute(
            select(Document).where(Document.subject_type == "fund_request", Document.subject_id == refused.id)
        )
        .scalars()
        .all()
    )
    assert [d.kind for d in letters] == [DocumentKind.FUND_REFUSAL]

    waiting = requests[S.APPROVED]
    assert {c.currency for c in waiting.costs} == {"EUR"}
    assert waiting.approved_by_id == users["supervisor@demo.ipaid.cn"].id
    assert waiting.reviewed_by_id not in (None, waiting.approved_by_id, waiting.submitted_by_id)
    assert session.get(User, waiting.reviewed_by_id).role.value == "caseworker"
    offered = {c.action.name: c for c in services.available_actions(waiting, users["fund@demo.ipaid.cn"])}
    assert offered["approve_second"].allowed, [str(r) for r in offered["approve_second"].reasons]
    # …and the supervisor who approved it cannot approve it a second time
    supervisor = users["supervisor@demo.ipaid.cn"]
    assert not any(c.allowed for c in services.available_actions(waiting, supervisor) if c.action.name == "approve")


def check_the_invoices_are_real_files_and_every_chain_verifies(demo, session, app):
    from app.cases.verify import verify_all_chains
    from app.core import chains, storage
    from app.core.filetypes import detect_path

    with app.app_context():
        for r in session.execute(select(FundRequest)).scalars():
            for cost in r.costs:
                found = detect_path(storage.absolute(cost.invoice.storage_path))
                assert found is not None and found.content_type == cost.invoice.content_type, cost.invoice.filename
                assert found.content_type in ("application/pdf", "image/png")
        problems, _ = verify_all_chains()
        assert problems == [], [str(p) for p in problems]
        assert chains.verify()[0] == []


def test_the_demo_fund(demo, session, app):
    """One seeding of the demo (seconds) for the three checks."""
    check_the_province_fund_with_its_rules_members_and_money(demo, session)
    check_three_requests_closed_refused_and_waiting_for_the_committee(demo, session)
    check_the_invoices_are_real_files_and_every_chain_verifies(demo, session, app)
