"""A fund request from the applicant's draft to two approvals, payouts and closing; the ledger moves
with it and always agrees with the fund's row."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.core.engine import ActionRefused
from app.core.errors import ServiceError
from app.fund import ledger, services
from app.fund.enums import EntryKind, FundRequestState
from app.fund.models import LedgerEntry
from tests.fund.conftest import CONTRIBUTION_FEN, GRANT_FEN, request_data

S = FundRequestState
CLAIMED = 71_234_000 + 2_000_000  # USD 100,000.00 at 7.1234, and 20,000 yuan
GRANTABLE = 36_617_000  # half of it


def entries(session, fund):
    return list(
        session.execute(select(LedgerEntry).where(LedgerEntry.fund_id == fund.id).order_by(LedgerEntry.seq)).scalars()
    )


def test_a_fund_starts_with_its_members_money_and_the_ledger_agrees(fund, session):
    assert fund.balance_fen == fund.available_fen == CONTRIBUTION_FEN + GRANT_FEN and fund.committed_fen == 0
    kinds = [(e.seq, e.kind, e.debit.value, e.credit.value) for e in entries(session, fund)]
    assert kinds == [(1, EntryKind.CONTRIBUTION, "bank", "available"), (2, EntryKind.GRANT, "bank", "available")]
    assert ledger.verify() == []


def test_a_draft_shows_its_costs_in_yuan_with_the_rate_kept_exactly(make_request):
    r = make_request()
    lawyer, court = r.costs
    assert (lawyer.original_cents, lawyer.rate_millionths, lawyer.amount_fen) == (10_000_000, 7_123_400, 71_234_000)
    assert (court.currency, court.rate_millionths, court.amount_fen) == ("CNY", 1_000_000, 2_000_000)
    assert r.claimed_fen == CLAIMED and r.state is S.DRAFT


def test_the_whole_way_to_two_payouts_and_closing(make_request, people, fund, invoices, session):
    r = make_request("approved")
    assert r.working["grantable_fen"] == GRANTABLE and r.working["limit"] == "share"
    r = services.transition(r, "approve_second", people["committee"])
    session.commit()
    assert r.state is S.GRANTED and r.approved_fen == GRANTABLE
    session.refresh(fund)
    assert fund.committed_fen == GRANTABLE and fund.available_fen == CONTRIBUTION_FEN + GRANT_FEN - GRANTABLE
    first = 20_000_000
    r = services.transition(
        r,
        "pay",
        people["caseworker"],
        data={"amount_fen": first, "attachment": invoices["lawyer"].id, "reference": "转账 A"},
    )
    session.commit()
    assert r.state is S.GRANTED and r.paid_fen == first and r.outstanding_fen == GRANTABLE - first
    r = services.transition(
        r, "pay", people["caseworker"], data={"amount_fen": GRANTABLE - first, "attachment": invoices["court"].id}
    )
    session.commit()
    assert r.state is S.CLOSED and r.paid_fen == GRANTABLE and r.released_fen == 0  # paid in full: closed at once
    session.refresh(fund)
    assert fund.committed_fen == 0 and fund.balance_fen == CONTRIBUTION_FEN + GRANT_FEN - GRANTABLE
    assert [e.kind for e in entries(session, fund)][2:] == [EntryKind.COMMITMENT, EntryKind.PAYOUT, EntryKind.PAYOUT]
    assert ledger.verify() == []


def test_closing_releases_what_was_not_paid(make_request, people, fund, invoices, session):
    r = make_request("granted")
    r = services.transition(
        r, "pay", people["caseworker"], data={"amount_fen": 1_000_000, "attachment": invoices["court"].id}
    )
    session.commit()
    with pytest.raises(ActionRefused):  # a caseworker does not release a remainder
        services.transition(r, "close", people["caseworker"], comment="不再支付")
    session.rollback()
    with pytest.raises(ActionRefused):  # nor does a supervisor without saying why
        services.transition(r, "close", people["supervisor"])
    session.rollback()
    r = services.transition(r, "close", people["supervisor"], comment="企业撤诉，余款不再支付")
    session.commit()
    assert r.state is S.CLOSED and r.released_fen == GRANTABLE - 1_000_000
    session.refresh(fund)
    assert fund.committed_fen == 0 and fund.available_fen == CONTRIBUTION_FEN + GRANT_FEN - 1_000_000
    assert ledger.verify() == []


def test_nobody_approves_what_they_submitted_reviewed_or_approved(make_request, people, session):
    supervisor, admin, committee = people["supervisor"], people["admin"], people["committee"]
    r = make_request("submitted")
    r = services.transition(r, "review", supervisor)  # a supervisor may review…
    session.commit()
    with pytest.raises(ActionRefused) as refused:  # …and then cannot approve what they reviewed
        services.transition(r, "approve", supervisor)
    assert any("reviewed" in str(x) or "审核" in str(x) for x in refused.value.reasons)
    session.rollback()
    r = services.transition(r, "approve", admin)  # an administrator approves first…
    session.commit()
    with pytest.raises(ActionRefused) as refused:  # …and cannot approve again as the second, whatever their role
        services.transition(r, "approve_second", admin)
    assert any("already" in str(x) or "已" in str(x) for x in refused.value.reasons)
    session.rollback()
    r = services.transition(r, "approve_second", committee)
    session.commit()
    assert r.state is S.GRANTED
    assert len({r.submitted_by_id, r.reviewed_by_id, r.approved_by_id, r.second_approved_by_id}) == 4


def test_the_database_refuses_the_same_person_twice(make_request, people, session):
    from sqlalchemy.exc import IntegrityError

    r = make_request("approved")
    with pytest.raises(IntegrityError):
        session.execute(
            text("UPDATE fund_requests SET second_approved_by_id = approved_by_id WHERE id = :id"), {"id": r.id}
        )
        session.flush()
    session.rollback()
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE fund_requests SET approved_by_id = submitted_by_id WHERE id = :id"), {"id": r.id})
        session.flush()
    session.rollback()


def test_a_payout_above_the_commitment_is_refused_and_changes_nothing(make_request, people, invoices, session, fund):
    r = make_request("granted")
    before = (fund.balance_fen, fund.committed_fen, len(entries(session, fund)))
    for data in (
        {"amount_fen": GRANTABLE + 1, "attachment": invoices["lawyer"].id},
        {"amount_fen": -5, "attachment": invoices["lawyer"].id},
        {"amount_fen": 0, "attachment": invoices["lawyer"].id},
        {"amount_fen": "12.5", "attachment": invoices["lawyer"].id},
        {"amount_fen": 100, "attachment": invoices["word"].id},
        {"amount_fen": 100},
    ):
        with pytest.raises(ActionRefused):
            services.transition(r, "pay", people["caseworker"], data=data)
        session.rollback()
    session.refresh(fund)
    assert (fund.balance_fen, fund.committed_fen, len(entries(session, fund))) == before


@pytest.mark.parametrize(
    "over, field",
    [
        ({"country": "CN"}, "country"),
        ({"country": "ZZ"}, "country"),
        ({"dispute_type": "war"}, "dispute_type"),
        ({"dispute_started_on": "2099-01-01"}, "dispute_started_on"),
        ({"insurance_fen": -1}, "insurance_fen"),
        ({"insurance_fen": 1.5}, "insurance_fen"),
    ],
)
def test_bad_request_fields_are_refused_by_name(overseas_case, fund, invoices, people, over, field, session):
    with pytest.raises(ServiceError) as refused:
        services.start_request(overseas_case, people["applicant"], fund, request_data(invoices, **over))
    assert refused.value.field == field
    session.rollback()


@pytest.mark.parametrize(
    "cost, field",
    [
        ({"rate": "0"}, "costs-0-rate"),
        ({"rate": "-7"}, "costs-0-rate"),
        ({"rate": "7.1234567"}, "costs-0-rate"),
        ({"original_amount": "100.005"}, "costs-0-original_amount"),
        ({"original_amount": "0"}, "costs-0-original_amount"),
        ({"currency": "XYZ"}, "costs-0-currency"),
        ({"rate_on": ""}, "costs-0-rate_on"),
        ({"amount_fen": 71_000_000}, "costs-0-amount_fen"),
        ({"attachment": None}, "costs-0-attachment"),
        ({"attachment": "word"}, "costs-0-attachment"),
    ],
)
def test_bad_costs_are_refused_by_name_and_nothing_is_saved(
    overseas_case, fund, invoices, people, cost, field, session
):
    from app.fund.models import FundRequest

    data = request_data(invoices)
    first = dict(data["costs"][0])
    for key, value in cost.items():
        first[key] = invoices[value].id if value in invoices else value
    data["costs"] = [first]
    with pytest.raises(ServiceError) as refused:
        services.start_request(overseas_case, people["applicant"], fund, data)
    assert refused.value.field == field
    session.rollback()
    assert session.execute(select(FundRequest)).first() is None


def test_a_member_not_paid_up_or_a_dispute_before_joining_cannot_be_submitted(make_request, people, session, fund):
    r = make_request(dispute_started_on="2024-06-01")
    with pytest.raises(ActionRefused) as refused:
        services.transition(r, "submit", people["applicant"])
    assert "2024-06-01" in " ".join(str(x) for x in refused.value.reasons)
    session.rollback()


def test_a_second_request_in_the_same_fund_year_is_refused(make_request, people, session):
    make_request("granted")
    second = make_request()
    with pytest.raises(ActionRefused):
        services.transition(second, "submit", people["applicant"])
    session.rollback()


def test_fund_verify_finds_a_ledger_row_edited_behind_the_application(make_request, session, fund, app):
    make_request("granted")
    assert ledger.verify() == []
    dialect = session.get_bind().dialect.name
    with pytest.raises(Exception, match="append-only"):  # the triggers refuse it first
        session.execute(text("UPDATE fund_ledger SET amount_fen = amount_fen + 100 WHERE seq = 3"))
    session.rollback()
    # Someone with the database's owner rights can drop the trigger; verification still finds the change.
    if dialect == "postgresql":
        session.execute(text("ALTER TABLE fund_ledger DISABLE TRIGGER fund_ledger_append_only"))
    else:
        session.execute(text("DROP TRIGGER fund_ledger_no_update"))
    session.execute(
        text("UPDATE fund_ledger SET amount_fen = amount_fen + 100 WHERE fund_id = :f AND seq = 3"), {"f": fund.id}
    )
    problems = ledger.verify()
    assert any("differs from what was sealed" in p for p in problems)
    assert any("committed_fen" in p for p in problems)
    session.rollback()
