"""The fund through the API: funds with their rules and sums, memberships, contributions and the ledger (paged,
scoped), starting a request on a case (every bad input of the issue refused with its field, nothing saved) and the
request list's scope and filters.

The fund, the member enterprise's accepted case and its files are those of ``tests/fund/conftest.py``."""

# ruff: noqa: F811  (the fixtures are imported from ``tests.fund.conftest``)

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.fund.models import FundCost, FundRequest
from tests.api.conftest import error_of
from tests.api.referral_fixtures import upload
from tests.fund.conftest import (  # noqa: F401  (fixtures)
    CONTRIBUTION_FEN,
    GRANT_FEN,
    fund,
    invoices,
    overseas_case,
    people,
    request_data,
)

LAWYER_FEN = 71_234_000  # USD 100,000.00 at 7.1234
COURT_FEN = 2_000_000


def start(client, case, body, status=201) -> dict:
    response = client.post(f"/api/v1/cases/{case.number}/fund-requests", json=body)
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return response.get_json()


def requests_count(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(FundRequest)).scalar_one()


@pytest.fixture
def far_caseworker(world, make_user):
    return make_user(Role.CASEWORKER, centre=world.other_province, email="cw@far.cn")


# ---- funds --------------------------------------------------------------------------------------------------


def test_a_fund_shows_its_rules_and_what_its_ledger_sums_to(api, world, fund):
    client = api(world.users["caseworker"])
    listed = client.get("/api/v1/funds")
    assert listed.status_code == 200
    (item,) = listed.get_json()["items"]
    one = client.get(f"/api/v1/funds/{fund.id}").get_json()
    assert item == one
    assert one["centre"] == "PA" and one["name"] == fund.name
    total = CONTRIBUTION_FEN + GRANT_FEN
    assert (one["balance_fen"], one["committed_fen"], one["available_fen"]) == (total, 0, total)
    assert one["rules"] == {
        "share_percent": 50,
        "cap_per_request_fen": 50_000_000,
        "cap_per_year_fen": 1_500_000_000,
        "requests_per_enterprise_per_year": 1,
        "dispute_types": ["litigation", "invalidation", "customs", "trade_fair", "platform", "squatting", "other"],
        "year_start": "01-01",
        "review_working_days": 15,
    }


def test_memberships_contributions_and_the_ledger_page_in_order(api, world, fund):
    client = api(world.users["supervisor"])
    memberships = client.get(f"/api/v1/funds/{fund.id}/memberships").get_json()
    (m,) = memberships["items"]
    assert m["enterprise"]["credit_code"] == world.enterprise.credit_code
    assert (m["starts_on"], m["ends_on"], m["contribution_fen"], m["paid_fen"]) == (
        "2025-01-01",
        "2027-12-31",
        CONTRIBUTION_FEN,
        CONTRIBUTION_FEN,
    )
    assert m["in_good_standing"] is True

    first = client.get(f"/api/v1/funds/{fund.id}/ledger?limit=1").get_json()
    (entry,) = first["items"]
    assert (entry["seq"], entry["kind"], entry["debit"], entry["credit"]) == (1, "contribution", "bank", "available")
    assert entry["amount_fen"] == CONTRIBUTION_FEN and entry["enterprise"] == world.enterprise.credit_code
    assert entry["occurred_on"] == "2025-01-10" and entry["reference"] == "银行回单 0001"
    assert first["next_cursor"]
    second = client.get(f"/api/v1/funds/{fund.id}/ledger?limit=1&cursor={first['next_cursor']}").get_json()
    assert [(e["seq"], e["kind"], e["amount_fen"]) for e in second["items"]] == [(2, "grant", GRANT_FEN)]
    assert second["next_cursor"] is None
    grants = client.get(f"/api/v1/funds/{fund.id}/ledger?kind=grant").get_json()["items"]
    assert [e["seq"] for e in grants] == [2]

    income = client.get(f"/api/v1/funds/{fund.id}/contributions").get_json()["items"]
    assert [e["kind"] for e in income] == ["contribution", "grant"]
    assert client.get(f"/api/v1/funds/{fund.id}/ledger?cursor=x").status_code == 422
    assert client.get(f"/api/v1/funds/{fund.id}/ledger?kind=bonus").status_code == 422


@pytest.mark.parametrize(
    "path", ["", "/memberships", "/contributions", "/ledger"], ids=["fund", "memberships", "contributions", "ledger"]
)
def test_the_applicant_and_another_provinces_staff_see_no_fund(api, world, fund, far_caseworker, path):
    for user in (world.applicant, far_caseworker):
        response = api(user).get(f"/api/v1/funds/{fund.id}{path}")
        assert response.status_code == 404, (user.email, path)
        assert error_of(response)["code"] == "not_found"
    assert api(world.applicant).get("/api/v1/funds").get_json()["items"] == []
    assert api(far_caseworker).get("/api/v1/funds").get_json()["items"] == []
    # staff of a centre below the fund's (the case's city, a sibling city) see it: their cases may ask it
    assert api(world.sibling_caseworker).get(f"/api/v1/funds/{fund.id}{path}").status_code == 200


# ---- starting a request -------------------------------------------------------------------------------------


def test_the_applicant_asks_the_fund_with_costs_in_any_currency(api, world, fund, overseas_case, invoices, session):
    body = {"fund": fund.id, **request_data(invoices)}
    body["costs"][0]["rate"] = 7.1234  # a JSON number is read as the text it is written as
    r = start(api(world.applicant), overseas_case, body)
    assert r["state"] == "draft" and r["version"] == 1
    assert (r["case"], r["fund"], r["claimed_fen"]) == (overseas_case.number, fund.id, LAWYER_FEN + COURT_FEN)
    lawyer, court = r["costs"]
    assert (lawyer["currency"], lawyer["original_amount"], lawyer["rate"], lawyer["amount_fen"]) == (
        "USD",
        "100000.00",
        "7.1234",
        LAWYER_FEN,
    )
    assert (court["currency"], court["rate"], court["amount_fen"]) == ("CNY", "1", COURT_FEN)
    assert r["working"]["grantable_fen"] == (LAWYER_FEN + COURT_FEN) // 2 and r["working"]["limit"] == "share"
    assert "events" not in r and "approved_by" not in r  # staff only
    session.expire_all()
    cost = session.execute(select(FundCost).where(FundCost.request_id == r["id"], FundCost.position == 0)).scalar_one()
    assert (cost.rate_millionths, cost.original_cents) == (7_123_400, 10_000_000)  # kept exactly, never a float


def test_a_caseworker_asks_for_the_applicant_with_files_uploaded_through_the_api(api, world, fund, overseas_case):
    client = api(world.users["caseworker"])
    invoice = upload(client, overseas_case.number, "律师费发票.pdf")
    body = {
        "dispute_type": "customs",
        "country": "de",
        "dispute_started_on": "2026-05-10",
        "costs": [
            {
                "kind": "lawyer",
                "currency": "EUR",
                "original_amount": "1234.56",
                "rate": "7.654321",
                "rate_on": "2026-05-20",
                "amount_fen": 944_971,
                "attachment": invoice,
            }
        ],
    }
    r = start(client, overseas_case, body)  # the only fund the case may ask, when none is named
    assert r["fund"] == fund.id and r["country"] == "DE" and r["costs"][0]["rate"] == "7.654321"
    assert r["claimed_fen"] == 944_971  # 1,234.56 × 7.654321 = 9,449.7125… yuan, to the fen
    assert r["events"][0]["action"] == "fund_request_started"


def test_deductions_alone_are_other_funding_and_with_the_breakdown_must_add_up(
    api, world, fund, overseas_case, invoices, session
):
    client = api(world.applicant)
    plain = request_data(invoices)
    for name in ("insurance_fen", "settlement_fen", "other_funding_fen"):
        plain.pop(name)
    alone = start(client, overseas_case, {"fund": fund.id, **plain, "deductions_fen": 500_000})
    assert (alone["other_funding_fen"], alone["deductions_fen"]) == (500_000, 500_000)
    both = request_data(invoices, insurance_fen=300_000, settlement_fen=200_000)  # and other funding 0
    together = start(client, overseas_case, {"fund": fund.id, **both, "deductions_fen": 500_000})
    assert (together["insurance_fen"], together["settlement_fen"], together["deductions_fen"]) == (
        300_000,
        200_000,
        500_000,
    )
    assert together["working"]["deductions_fen"] == 500_000
    before = requests_count(session)
    wrong = start(client, overseas_case, {"fund": fund.id, **both, "deductions_fen": 400_000}, status=422)
    assert set(wrong["error"]["details"]["fields"]) == {"deductions_fen"}
    assert requests_count(session) == before


def _cost(invoices, **over):
    cost = {
        "kind": "lawyer",
        "currency": "USD",
        "original_amount": "100.00",
        "rate": "7.1",
        "rate_on": "2026-04-01",
        "attachment": invoices["lawyer"].id,
    }
    cost.update(over)
    return cost


# (what is wrong, the body's changes (given the invoices), the field named)
BAD_INPUT = [
    ("a rate of zero", lambda i: {"costs": [_cost(i, rate="0")]}, "costs[0].rate"),
    ("a rate of zero as a number", lambda i: {"costs": [_cost(i, rate=0)]}, "costs[0].rate"),
    ("a rate with seven decimals", lambda i: {"costs": [_cost(i, rate="7.1234567")]}, "costs[0].rate"),
    ("a negative rate", lambda i: {"costs": [_cost(i, rate="-7.1")]}, "costs[0].rate"),
    ("a fractional fen amount", lambda i: {"costs": [_cost(i, amount_fen=71000.5)]}, "costs[0].amount_fen"),
    ("a negative fen amount", lambda i: {"insurance_fen": -1}, "insurance_fen"),
    ("a fractional deduction", lambda i: {"settlement_fen": 10.25}, "settlement_fen"),
    ("an amount in fen off the rate", lambda i: {"costs": [_cost(i, amount_fen=70_000)]}, "costs[0].amount_fen"),
    (
        "an invoice that is not a PDF or image",
        lambda i: {"costs": [_cost(i, attachment=i["word"].id)]},
        "costs[0].attachment",
    ),
    ("a voucher that is not a PDF or image", lambda i: {"costs": [_cost(i, voucher=i["word"].id)]}, "costs[0].voucher"),
    ("a file of no case of this", lambda i: {"costs": [_cost(i, attachment=2_000_000)]}, "costs[0].attachment"),
    (
        "an amount with three decimals",
        lambda i: {"costs": [_cost(i, original_amount="100.001")]},
        "costs[0].original_amount",
    ),
    ("an unknown currency", lambda i: {"costs": [_cost(i, currency="XYZ")]}, "costs[0].currency"),
    ("no rate date for a foreign currency", lambda i: {"costs": [_cost(i, rate_on=None)]}, "costs[0].rate_on"),
    ("a dispute in the mainland", lambda i: {"country": "CN"}, "country"),
    ("no such country", lambda i: {"country": "QQ"}, "country"),
    ("an unknown dispute type", lambda i: {"dispute_type": "piracy"}, "dispute_type"),
    ("a dispute beginning tomorrow", lambda i: {"dispute_started_on": "2099-01-01"}, "dispute_started_on"),
    ("no costs", lambda i: {"costs": []}, "costs"),
    ("an unknown field", lambda i: {"priority": 1}, "priority"),
    ("a fund the case may not ask", lambda i: {"fund": 2_000_000}, "fund"),
]


@pytest.mark.parametrize("changes", [b[1] for b in BAD_INPUT], ids=[b[0] for b in BAD_INPUT])
@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_bad_input_is_refused_with_its_field_and_nothing_is_saved(
    api, world, fund, overseas_case, invoices, session, changes, language
):
    body = {"fund": fund.id, **request_data(invoices)}
    body.update(changes(invoices))
    if body.get("costs") and body["costs"][0].get("rate_on") is None:
        body["costs"][0].pop("rate_on", None)
    before = requests_count(session)
    response = api(world.applicant, language=language).post(
        f"/api/v1/cases/{overseas_case.number}/fund-requests", json=body
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    error = error_of(response)
    field = next(b[2] for b in BAD_INPUT if b[1] is changes)
    assert field in error["details"]["fields"], error
    if language == "zh-CN":
        assert any("\u4e00" <= c <= "\u9fff" for c in error["details"]["fields"][field]), error
    assert requests_count(session) == before


def test_every_missing_field_is_named_at_once(api, world, overseas_case, fund):
    response = api(world.applicant).post(f"/api/v1/cases/{overseas_case.number}/fund-requests", json={})
    assert response.status_code == 422
    assert set(error_of(response)["details"]["fields"]) == {"dispute_type", "country", "dispute_started_on", "costs"}


def test_who_may_not_ask(api, world, fund, overseas_case, invoices, make_case, session):
    body = {"fund": fund.id, **request_data(invoices)}
    for role in ("mediator", "fund_committee", "admin"):  # their role never asks the fund
        response = api(world.users[role]).post(f"/api/v1/cases/{overseas_case.number}/fund-requests", json=body)
        assert response.status_code == 403, role
    for user in (world.other_applicant, world.sibling_caseworker):  # not their case
        response = api(user).post(f"/api/v1/cases/{overseas_case.number}/fund-requests", json=body)
        assert response.status_code == 404
    # a case not yet accepted
    fresh = make_case(world.applicant, world.enterprise, state="submitted")
    response = api(world.applicant).post(f"/api/v1/cases/{fresh.number}/fund-requests", json=body)
    assert response.status_code == 422 and error_of(response)["details"]["reasons"]
    assert requests_count(session) == 0


# ---- the request list -----------------------------------------------------------------------------------------


@pytest.fixture
def two_requests(api, world, fund, overseas_case, invoices):
    client = api(world.applicant)
    first = start(client, overseas_case, {"fund": fund.id, **request_data(invoices)})
    second = start(client, overseas_case, {"fund": fund.id, **request_data(invoices, dispute_type="customs")})
    submitted = client.post(
        f"/api/v1/fund-requests/{second['id']}/actions/submit", json={"version": second["version"]}
    ).get_json()
    assert submitted["state"] == "submitted"
    return first, submitted


def test_the_list_is_scoped_filtered_and_paged(api, world, fund, two_requests, far_caseworker):
    first, second = two_requests
    staff = api(world.users["caseworker"])
    everything = staff.get("/api/v1/fund-requests").get_json()
    assert [r["id"] for r in everything["items"]] == [second["id"], first["id"]]  # newest first
    assert [r["id"] for r in staff.get("/api/v1/fund-requests?state=submitted").get_json()["items"]] == [second["id"]]
    assert [r["id"] for r in staff.get(f"/api/v1/fund-requests?fund={fund.id}").get_json()["items"]] == [
        second["id"],
        first["id"],
    ]
    assert staff.get("/api/v1/fund-requests?fund=999999").get_json()["items"] == []
    page = staff.get("/api/v1/fund-requests?limit=1").get_json()
    rest = staff.get(f"/api/v1/fund-requests?limit=1&cursor={page['next_cursor']}").get_json()
    assert [r["id"] for r in page["items"] + rest["items"]] == [second["id"], first["id"]]
    assert rest["next_cursor"] is None
    assert staff.get("/api/v1/fund-requests?state=paid").status_code == 422
    assert staff.get("/api/v1/fund-requests?fund=x").status_code == 422
    # the applicant sees their enterprise's requests
    mine = api(world.applicant).get("/api/v1/fund-requests").get_json()["items"]
    assert {r["id"] for r in mine} == {first["id"], second["id"]}
    assert all("events" not in r and "documents" not in r for r in mine)
    # another enterprise's applicant, a sibling city's and another province's staff see none, and not one
    for user in (world.other_applicant, world.sibling_caseworker, far_caseworker):
        client = api(user)
        assert client.get("/api/v1/fund-requests").get_json()["items"] == [], user.email
        assert client.get(f"/api/v1/fund-requests/{first['id']}").status_code == 404
        assert client.get(f"/api/v1/fund-requests/{first['id']}/actions").status_code == 404
