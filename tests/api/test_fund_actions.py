"""A fund request's actions through the API, each by the token of the person whose step it is: the whole walk from
the applicant's draft to two approvals by different people, two payouts and closing, with the fund's sums and its
ledger read back through the API; and each refusal of the issue (a payout above the commitment, a fractional fen
amount, the same person approving twice, a stale version, a role that never takes the step): 422/409/403 with the
reason, nothing changed."""

# ruff: noqa: F811  (the fixtures are imported from ``tests.fund.conftest``)

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseEvent
from app.fund import ledger
from app.fund.models import Fund, FundRequest, LedgerEntry
from tests.api.conftest import error_of
from tests.fund.conftest import (  # noqa: F401  (fixtures)
    CONTRIBUTION_FEN,
    GRANT_FEN,
    fund,
    invoices,
    overseas_case,
    people,
    request_data,
)

CLAIMED = 71_234_000 + 2_000_000
GRANTABLE = CLAIMED // 2  # the default rules: half of the eligible costs
TOTAL = CONTRIBUTION_FEN + GRANT_FEN


def act(client, r: dict, action: str, *, comment=None, data=None, status=200, version=None) -> dict:
    body = {"version": r["version"] if version is None else version}
    if comment is not None:
        body["comment"] = comment
    if data is not None:
        body["data"] = data
    response = client.post(f"/api/v1/fund-requests/{r['id']}/actions/{action}", json=body)
    assert response.status_code == status, (action, response.get_data(as_text=True)[:800])
    return response.get_json()


def snapshot(session, request_id: int) -> tuple:
    """What a refusal must leave as it was: the request's version and amounts, its events, the fund's sums and
    its ledger."""
    session.expire_all()
    r = session.get(FundRequest, request_id)
    fund = session.get(Fund, r.fund_id)
    events = session.execute(
        select(func.count())
        .select_from(CaseEvent)
        .where(CaseEvent.subject_type == "fund_request", CaseEvent.subject_id == request_id)
    ).scalar_one()
    entries = session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
    return (
        r.version,
        r.state,
        r.approved_fen,
        r.paid_fen,
        events,
        fund.balance_fen,
        fund.committed_fen,
        fund.available_fen,
        entries,
    )


@pytest.fixture
def clients(api, people):
    return {name: api(user) for name, user in people.items()}


@pytest.fixture
def draft(clients, fund, overseas_case, invoices):
    response = clients["applicant"].post(
        f"/api/v1/cases/{overseas_case.number}/fund-requests", json={"fund": fund.id, **request_data(invoices)}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture
def approved(clients, draft):
    r = act(clients["applicant"], draft, "submit")
    r = act(clients["caseworker"], r, "review", comment="材料齐全")
    return act(clients["supervisor"], r, "approve")


@pytest.fixture
def granted(clients, approved):
    return act(clients["committee"], approved, "approve_second")


def test_the_whole_walk_by_five_people(clients, draft, fund, invoices, session):
    c = clients
    r = act(c["applicant"], draft, "submit")
    assert r["state"] == "submitted" and r["fund_year"] is not None
    r = act(c["caseworker"], r, "ask_documents", comment="请补充付款凭证")
    assert r["state"] == "more_info"
    r = act(c["applicant"], r, "resubmit")
    assert r["state"] == "submitted"
    r = act(c["caseworker"], r, "review", comment="材料齐全")
    assert (r["state"], r["eligible_fen"], r["working"]["grantable_fen"]) == ("reviewed", GRANTABLE, GRANTABLE)
    r = act(c["supervisor"], r, "approve")
    assert r["state"] == "approved" and r["approved_by"]["email"] == "supervisor@city.cn"
    # the committee grants less than the rules allow
    granted_fen = 30_000_000
    r = act(c["committee"], r, "approve_second", data={"amount_fen": granted_fen}, comment="同意资助")
    assert (r["state"], r["approved_fen"], r["outstanding_fen"]) == ("granted", granted_fen, granted_fen)
    assert r["second_approved_by"]["email"] == "fund_committee@city.cn"
    assert [d["kind"] for d in r["documents"]] == ["fund_decision"]
    fund_now = c["supervisor"].get(f"/api/v1/funds/{fund.id}").get_json()
    assert (fund_now["committed_fen"], fund_now["available_fen"]) == (granted_fen, TOTAL - granted_fen)

    r = act(
        c["caseworker"],
        r,
        "pay",
        data={"amount_fen": 20_000_000, "attachment": invoices["lawyer"].id, "reference": "转账 A"},
    )
    assert (r["state"], r["paid_fen"], r["outstanding_fen"]) == ("granted", 20_000_000, 10_000_000)
    r = act(c["caseworker"], r, "pay", data={"amount_fen": 10_000_000, "attachment": invoices["court"].id})
    assert (r["state"], r["paid_fen"], r["released_fen"]) == ("closed", granted_fen, 0)  # paid in full: closed

    fund_now = c["supervisor"].get(f"/api/v1/funds/{fund.id}").get_json()
    assert (fund_now["balance_fen"], fund_now["committed_fen"], fund_now["available_fen"]) == (
        TOTAL - granted_fen,
        0,
        TOTAL - granted_fen,
    )
    entries = c["supervisor"].get(f"/api/v1/funds/{fund.id}/ledger").get_json()["items"]
    assert [(e["seq"], e["kind"], e["amount_fen"], e["request"]) for e in entries[2:]] == [
        (3, "commitment", granted_fen, r["id"]),
        (4, "payout", 20_000_000, r["id"]),
        (5, "payout", 10_000_000, r["id"]),
    ]
    assert entries[3]["attachment"] == invoices["lawyer"].id and entries[3]["reference"] == "转账 A"
    assert entries[2]["case"] == r["case"] and entries[2]["enterprise"] == r["enterprise"]["credit_code"]

    # the applicant follows it: its amounts, not who decided it, nor the fund's ledger
    mine = c["applicant"].get(f"/api/v1/fund-requests/{r['id']}").get_json()
    assert (mine["state"], mine["paid_fen"]) == ("closed", granted_fen)
    assert "approved_by" not in mine and "events" not in mine
    assert c["applicant"].get(f"/api/v1/funds/{fund.id}/ledger").status_code == 404
    # money obtained by double funding is clawed back, with its reason
    r = act(c["supervisor"], r, "claw_back", data={"amount_fen": 5_000_000, "reason": "保险公司已另行赔付"})
    assert r["clawed_back_fen"] == 5_000_000
    last = c["supervisor"].get(f"/api/v1/funds/{fund.id}/ledger?kind=claw_back").get_json()["items"]
    assert [(e["amount_fen"], e["reason"]) for e in last] == [(5_000_000, "保险公司已另行赔付")]
    session.expire_all()
    assert ledger.verify() == []


def test_the_actions_named_in_the_body_and_listed_with_their_reasons(clients, approved):
    listed = clients["committee"].get(f"/api/v1/fund-requests/{approved['id']}/actions").get_json()
    allowed = {c["action"] for c in listed if c["allowed"]}
    assert "approve_second" in allowed
    # the supervisor who approved it is not offered the second approval
    theirs = clients["supervisor"].get(f"/api/v1/fund-requests/{approved['id']}/actions").get_json()
    assert not any(c["action"] == "approve_second" and c["allowed"] for c in theirs)
    response = clients["committee"].post(
        f"/api/v1/fund-requests/{approved['id']}/actions",
        json={"action": "approve_second", "version": approved["version"]},
    )
    assert response.status_code == 200 and response.get_json()["state"] == "granted"


def test_closing_releases_the_rest_with_a_supervisors_reason(clients, granted, invoices, fund):
    r = act(clients["caseworker"], granted, "pay", data={"amount_fen": 1_000_000, "attachment": invoices["court"].id})
    refused = act(clients["caseworker"], r, "close", comment="不再支付", status=422)  # not a caseworker's to release
    assert refused["error"]["details"]["reasons"]
    refused = act(clients["supervisor"], r, "close", status=422)  # nor without saying why
    assert refused["error"]["details"]["reasons"]
    r = act(clients["supervisor"], r, "close", comment="企业放弃剩余资助")
    assert (r["state"], r["released_fen"], r["outstanding_fen"]) == ("closed", GRANTABLE - 1_000_000, 0)
    fund_now = clients["supervisor"].get(f"/api/v1/funds/{fund.id}").get_json()
    assert (fund_now["committed_fen"], fund_now["balance_fen"]) == (0, TOTAL - 1_000_000)


def test_refused_and_withdrawn_requests(clients, draft, fund, overseas_case, invoices):
    r = act(clients["applicant"], draft, "submit")
    r = act(clients["supervisor"], r, "reject", comment="争议发生在入会之前")
    assert (r["state"], r["rejection_reason"]) == ("rejected", "争议发生在入会之前")
    assert [d["kind"] for d in r["documents"]] == ["fund_refusal"]
    other = (
        clients["applicant"]
        .post(f"/api/v1/cases/{overseas_case.number}/fund-requests", json={"fund": fund.id, **request_data(invoices)})
        .get_json()
    )
    assert act(clients["applicant"], other, "withdraw")["state"] == "withdrawn"


# ---- refusals: nothing changed ----------------------------------------------------------------------------------


def test_a_payout_above_the_commitment_is_refused(clients, granted, invoices, session):
    before = snapshot(session, granted["id"])
    refused = act(
        clients["caseworker"],
        granted,
        "pay",
        data={"amount_fen": GRANTABLE + 1, "attachment": invoices["lawyer"].id},
        status=422,
    )
    assert any("committed" in reason for reason in refused["error"]["details"]["reasons"]), refused
    assert snapshot(session, granted["id"]) == before


def test_a_payout_against_a_file_that_is_no_invoice_is_refused(clients, granted, invoices, session):
    before = snapshot(session, granted["id"])
    refused = act(
        clients["caseworker"], granted, "pay", data={"amount_fen": 100, "attachment": invoices["word"].id}, status=422
    )
    assert any("PDF" in reason for reason in refused["error"]["details"]["reasons"]), refused
    act(clients["caseworker"], granted, "pay", data={"amount_fen": 100}, status=422)  # against nothing
    assert snapshot(session, granted["id"]) == before


@pytest.mark.parametrize("amount", [1.5, -100, 0, "100", None], ids=["fractional", "negative", "zero", "text", "none"])
def test_a_payout_of_no_whole_positive_fen_is_refused(clients, granted, invoices, session, amount):
    before = snapshot(session, granted["id"])
    refused = act(
        clients["caseworker"],
        granted,
        "pay",
        data={"amount_fen": amount, "attachment": invoices["lawyer"].id},
        status=422,
    )
    details = refused["error"]["details"]
    assert details.get("fields", {}).get("data.amount_fen") or details.get("reasons"), refused
    assert snapshot(session, granted["id"]) == before


def test_a_fractional_claw_back_is_refused(clients, granted, invoices, session):
    r = act(clients["caseworker"], granted, "pay", data={"amount_fen": 1_000, "attachment": invoices["lawyer"].id})
    before = snapshot(session, r["id"])
    refused = act(clients["supervisor"], r, "claw_back", data={"amount_fen": 10.5, "reason": "重复资助"}, status=422)
    assert "data.amount_fen" in refused["error"]["details"]["fields"]
    refused = act(clients["supervisor"], r, "claw_back", data={"amount_fen": 2_000, "reason": "重复资助"}, status=422)
    assert refused["error"]["details"]["reasons"]  # more than was paid
    refused = act(clients["supervisor"], r, "claw_back", data={"amount_fen": 500}, status=422)
    assert refused["error"]["details"]["reasons"]  # no reason
    assert snapshot(session, r["id"]) == before


def test_the_same_person_never_approves_twice(api, people, clients, draft, session):
    admin = api(people["admin"])
    r = act(clients["applicant"], draft, "submit")
    r = act(clients["caseworker"], r, "review")
    r = act(admin, r, "approve")  # an administrator may approve first…
    before = snapshot(session, r["id"])
    refused = act(admin, r, "approve_second", status=422)  # …but not a second time
    assert any("approved this request already" in reason for reason in refused["error"]["details"]["reasons"])
    assert snapshot(session, r["id"]) == before


def test_the_reviewer_does_not_approve(clients, draft, session):
    r = act(clients["applicant"], draft, "submit")
    r = act(clients["supervisor"], r, "review")
    before = snapshot(session, r["id"])
    refused = act(clients["supervisor"], r, "approve", status=422)
    assert any("reviewed this request" in reason for reason in refused["error"]["details"]["reasons"])
    assert snapshot(session, r["id"]) == before


def test_a_stale_version_is_a_conflict(clients, draft, session):
    r = act(clients["applicant"], draft, "submit")
    before = snapshot(session, r["id"])
    response = clients["caseworker"].post(
        f"/api/v1/fund-requests/{r['id']}/actions/review", json={"version": draft["version"]}
    )
    assert response.status_code == 409 and error_of(response)["code"] == "conflict"
    assert snapshot(session, r["id"]) == before


@pytest.mark.parametrize(
    "who, action",
    [("applicant", "review"), ("caseworker", "approve"), ("supervisor", "approve_second"), ("committee", "pay")],
)
def test_a_role_that_never_takes_the_step_is_forbidden(clients, approved, session, who, action):
    before = snapshot(session, approved["id"])
    response = clients[who].post(
        f"/api/v1/fund-requests/{approved['id']}/actions/{action}", json={"version": approved["version"]}
    )
    assert response.status_code == 403, response.get_data(as_text=True)
    assert snapshot(session, approved["id"]) == before


def test_input_of_another_action_and_unknown_actions(clients, approved, session):
    before = snapshot(session, approved["id"])
    refused = act(clients["committee"], approved, "approve_second", data={"reference": "x"}, status=422)
    assert set(refused["error"]["details"]["fields"]) == {"data.reference"}
    response = clients["committee"].post(
        f"/api/v1/fund-requests/{approved['id']}/actions/approve_thrice", json={"version": approved["version"]}
    )
    assert response.status_code == 404
    assert snapshot(session, approved["id"]) == before


def test_more_than_may_be_granted_is_refused(clients, approved, session):
    before = snapshot(session, approved["id"])
    refused = act(clients["committee"], approved, "approve_second", data={"amount_fen": GRANTABLE + 1}, status=422)
    assert refused["error"]["details"]["reasons"]
    assert snapshot(session, approved["id"]) == before


def test_a_second_request_in_the_fund_year_beyond_the_rule_is_refused(clients, granted, fund, overseas_case, invoices):
    second = (
        clients["applicant"]
        .post(
            f"/api/v1/cases/{overseas_case.number}/fund-requests",
            json={"fund": fund.id, **request_data(invoices, dispute_type="customs")},
        )
        .get_json()
    )
    refused = act(clients["applicant"], second, "submit", status=422)
    assert refused["error"]["details"]["reasons"]


def test_a_dispute_older_than_the_membership_is_refused(clients, fund, overseas_case, invoices):
    old = (
        clients["applicant"]
        .post(
            f"/api/v1/cases/{overseas_case.number}/fund-requests",
            json={"fund": fund.id, **request_data(invoices, dispute_started_on="2024-06-01")},
        )
        .get_json()
    )
    refused = act(clients["applicant"], old, "submit", status=422)
    assert refused["error"]["details"]["reasons"]


def test_a_non_member_is_refused(api, world, make_case, make_user, make_enterprise, fund, session):
    from app.auth.models import Role
    from tests.fund.conftest import add_file

    staff = world.users["caseworker"]
    outsider = make_user(Role.APPLICANT, email="boss@outsider.cn")
    enterprise = make_enterprise(world.city, members=[outsider], name="非会员企业有限公司")
    case = make_case(outsider, enterprise, state="accepted", staff=staff)
    invoice = add_file(session, case, staff, "invoice.pdf", "application/pdf")
    session.commit()
    client = api(staff)
    body = {
        "fund": fund.id,
        "dispute_type": "platform",
        "country": "US",
        "dispute_started_on": "2026-03-01",
        "costs": [{"kind": "lawyer", "currency": "CNY", "original_amount": "1000", "attachment": invoice.id}],
    }
    response = client.post(f"/api/v1/cases/{case.number}/fund-requests", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    r = response.get_json()
    refused = act(client, r, "submit", status=422)
    assert refused["error"]["details"]["reasons"]
