"""The fund's API routes × role → expected status, with the province's fund and the city's requests, another
province's fund and a sibling city's request.

Every API route of ``app.api.fund`` is here (``test_every_fund_route_is_in_the_matrix``), and
``tests/api/test_api_matrix.py`` counts them as covered by this matrix (``ENDPOINTS``). The users are the
``world``'s, all at the city centre CA. Staff see the funds of their centre, of the centres above it and below it;
the applicant's side sees no fund (nor its memberships, contributions or ledger), only its enterprise's requests.
"far" is another province's fund and "other" a sibling city's request: nobody here may see them, so every route
that takes one answers 404, exactly as an id that does not exist.
"""

# ruff: noqa: F811  (the fixtures are imported from ``tests.fund.conftest``)

from __future__ import annotations

import pytest

from app.auth.models import Role
from tests.fund.conftest import add_file, fund, invoices, overseas_case, request_data  # noqa: F401  (fixtures)

ROLES = ["anon", "applicant", "caseworker", "mediator", "supervisor", "fund_committee", "admin"]
STAFF = ["caseworker", "mediator", "supervisor", "fund_committee", "admin"]


def expect(default, **per_role):
    table = {role: default for role in ROLES}
    staff = per_role.pop("staff", None)
    if staff is not None:
        table.update({role: staff for role in STAFF})
    table.update(per_role)
    if "anon" not in per_role:
        table["anon"] = 401  # no token: nothing but the document itself
    return table


# Who never asks the fund (their role), though they see the city's cases.
NOT_STARTERS = {"mediator": 403, "fund_committee": 403, "admin": 403}
# Who never reviews a request (their role).
NOT_REVIEWERS = {"applicant": 403, "mediator": 403, "fund_committee": 403, "admin": 403}


def _version(name, action=None):
    def body(o):
        data = {"version": o[name]["version"]}
        if action is not None:
            data["action"] = action
        return data

    return body


# (endpoint, method, path of the objects, json body of the objects or None, expected statuses)
MATRIX = [
    ("api.list_funds", "GET", lambda o: "/api/v1/funds", None, expect(200)),
    ("api.list_funds", "GET", lambda o: "/api/v1/funds?cursor=x", None, expect(422)),
    ("api.get_fund", "GET", lambda o: f"/api/v1/funds/{o['fund']}", None, expect(200, applicant=404)),
    ("api.get_fund", "GET", lambda o: f"/api/v1/funds/{o['far']}", None, expect(404)),
    ("api.get_fund", "GET", lambda o: "/api/v1/funds/2147483647", None, expect(404)),
    (
        "api.list_fund_memberships",
        "GET",
        lambda o: f"/api/v1/funds/{o['fund']}/memberships",
        None,
        expect(200, applicant=404),
    ),
    ("api.list_fund_memberships", "GET", lambda o: f"/api/v1/funds/{o['far']}/memberships", None, expect(404)),
    (
        "api.list_fund_contributions",
        "GET",
        lambda o: f"/api/v1/funds/{o['fund']}/contributions",
        None,
        expect(200, applicant=404),
    ),
    ("api.list_fund_contributions", "GET", lambda o: f"/api/v1/funds/{o['far']}/contributions", None, expect(404)),
    ("api.list_fund_ledger", "GET", lambda o: f"/api/v1/funds/{o['fund']}/ledger", None, expect(200, applicant=404)),
    (
        "api.list_fund_ledger",
        "GET",
        lambda o: f"/api/v1/funds/{o['fund']}/ledger?cursor=x",
        None,
        expect(422, applicant=404),
    ),
    ("api.list_fund_ledger", "GET", lambda o: f"/api/v1/funds/{o['far']}/ledger", None, expect(404)),
    (
        "api.create_fund_request",
        "POST",
        lambda o: f"/api/v1/cases/{o['case']}/fund-requests",
        lambda o: {},
        # nothing given: refused with every field to those who ask the fund
        expect(422, **NOT_STARTERS),
    ),
    (
        "api.create_fund_request",
        "POST",
        lambda o: f"/api/v1/cases/{o['other']['case']}/fund-requests",
        lambda o: {},
        expect(404),
    ),
    ("api.list_fund_requests", "GET", lambda o: "/api/v1/fund-requests", None, expect(200)),
    ("api.list_fund_requests", "GET", lambda o: "/api/v1/fund-requests?cursor=x", None, expect(422)),
    ("api.get_fund_request", "GET", lambda o: f"/api/v1/fund-requests/{o['own']['id']}", None, expect(200)),
    ("api.get_fund_request", "GET", lambda o: f"/api/v1/fund-requests/{o['other']['id']}", None, expect(404)),
    ("api.get_fund_request", "GET", lambda o: "/api/v1/fund-requests/2147483647", None, expect(404)),
    (
        "api.fund_request_actions",
        "GET",
        lambda o: f"/api/v1/fund-requests/{o['own']['id']}/actions",
        None,
        expect(200),
    ),
    (
        "api.fund_request_actions",
        "GET",
        lambda o: f"/api/v1/fund-requests/{o['other']['id']}/actions",
        None,
        expect(404),
    ),
    (
        "api.take_fund_request_action",
        "POST",
        lambda o: f"/api/v1/fund-requests/{o['own']['id']}/actions/review",
        _version("own"),
        # a draft: the wrong state for those who review, the others' role never does
        expect(422, **NOT_REVIEWERS),
    ),
    (
        "api.take_fund_request_action",
        "POST",
        lambda o: f"/api/v1/fund-requests/{o['other']['id']}/actions/review",
        _version("other"),
        expect(404),
    ),
    (
        "api.fund_request_actions",
        "POST",
        lambda o: f"/api/v1/fund-requests/{o['own']['id']}/actions",
        _version("own", "review"),
        expect(422, **NOT_REVIEWERS),
    ),
    (
        "api.fund_request_actions",
        "POST",
        lambda o: f"/api/v1/fund-requests/{o['other']['id']}/actions",
        _version("other", "review"),
        expect(404),
    ),
]
ENDPOINTS = frozenset(endpoint for endpoint, *_ in MATRIX)


@pytest.fixture
def objects(api, world, make_user, make_case, fund, overseas_case, invoices, session):
    """The province's fund and a city case's draft request (asked through the API by its applicant), another
    province's fund, and a sibling city case's draft request (asked by its caseworker)."""
    from app.fund import services

    far_admin = make_user(Role.ADMIN, centre=world.other_province, email="admin@far.cn")
    far = services.create_fund(far_admin, world.other_province, "外省海外维权互助基金")
    session.commit()

    def start(client, case, body):
        response = client.post(f"/api/v1/cases/{case.number}/fund-requests", json=body)
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()

    own = start(api(world.applicant), overseas_case, {"fund": fund.id, **request_data(invoices)})
    sibling_case = make_case(
        world.other_applicant, world.other_enterprise, state="accepted", staff=world.sibling_caseworker
    )
    invoice = add_file(session, sibling_case, world.sibling_caseworker, "发票.pdf", "application/pdf")
    session.commit()
    body = {
        "fund": fund.id,
        "dispute_type": "platform",
        "country": "US",
        "dispute_started_on": "2026-03-01",
        "costs": [{"kind": "lawyer", "currency": "CNY", "original_amount": "1000", "attachment": invoice.id}],
    }
    other = start(api(world.sibling_caseworker), sibling_case, body)
    return {"fund": fund.id, "far": far.id, "case": overseas_case.number, "own": own, "other": other}


@pytest.mark.parametrize("role", ROLES)
def test_fund_api_route_role_matrix(role, world, objects, app, token_for):
    client = app.test_client()
    headers = {} if role == "anon" else {"Authorization": f"Bearer {token_for(world.users[role])}"}
    wrong = []
    for _endpoint, method, path_of, body_of, expected in MATRIX:
        path = path_of(objects)
        kwargs = {"json": body_of(objects)} if body_of is not None else {}
        response = client.open(path, method=method, headers=headers, **kwargs)
        if response.status_code != expected[role]:
            wrong.append(f"{method} {path}: expected {expected[role]}, got {response.status_code}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_every_fund_route_is_in_the_matrix(app):
    from app.api import fund

    routed = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and app.view_functions[rule.endpoint].__module__ == fund.__name__
    }
    assert routed == ENDPOINTS
