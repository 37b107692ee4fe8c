"""The referrals' API routes × role → expected status, with the city's referrals and a sibling centre's.

Every API route of ``app.api.referrals`` is here (``test_every_referral_route_is_in_the_matrix``), and
``tests/api/test_api_matrix.py`` counts them as covered by this matrix (``ENDPOINTS``). The users are the
``world``'s, all at the city centre CA; "other" is a sibling city's referral and case: nobody here may see them,
so every route that takes one answers 404, exactly as an id that does not exist. A referral not yet sent answers
404 to the applicant's side too.
"""

from __future__ import annotations

import pytest

from app.agencies.models import Agency, AgencyKind
from app.auth.models import Role
from tests.api.referral_fixtures import act, body_for, refer, upload

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


# Who never refers or acts on a referral (their role), though they see the city's referrals.
BYSTANDERS = {"applicant": 403, "mediator": 403, "fund_committee": 403, "admin": 403}


def _version(name, action=None):
    def body(o):
        data = {"version": o[name]["version"]}
        if action is not None:
            data["action"] = action
        return data

    return body


# (endpoint, method, path of the objects, json body of the objects or None, expected statuses)
MATRIX = [
    (
        "api.create_referral",
        "POST",
        lambda o: f"/api/v1/cases/{o['case']}/referrals",
        lambda o: {},
        # nothing chosen: refused with every reason to those who refer
        expect(422, **BYSTANDERS),
    ),
    (
        "api.create_referral",
        "POST",
        lambda o: f"/api/v1/cases/{o['other']['case']}/referrals",
        lambda o: {},
        expect(404),
    ),
    ("api.list_referrals_endpoint", "GET", lambda o: "/api/v1/referrals", None, expect(200)),
    ("api.list_referrals_endpoint", "GET", lambda o: "/api/v1/referrals?cursor=x", None, expect(422)),
    ("api.get_referral", "GET", lambda o: f"/api/v1/referrals/{o['proposed']['id']}", None, expect(200, applicant=404)),
    ("api.get_referral", "GET", lambda o: f"/api/v1/referrals/{o['sent']['id']}", None, expect(200)),
    ("api.get_referral", "GET", lambda o: f"/api/v1/referrals/{o['other']['id']}", None, expect(404)),
    ("api.get_referral", "GET", lambda o: "/api/v1/referrals/2147483647", None, expect(404)),
    (
        "api.referral_actions",
        "GET",
        lambda o: f"/api/v1/referrals/{o['proposed']['id']}/actions",
        None,
        expect(200, applicant=404),
    ),
    ("api.referral_actions", "GET", lambda o: f"/api/v1/referrals/{o['sent']['id']}/actions", None, expect(200)),
    ("api.referral_actions", "GET", lambda o: f"/api/v1/referrals/{o['other']['id']}/actions", None, expect(404)),
    (
        "api.take_referral_action",
        "POST",
        lambda o: f"/api/v1/referrals/{o['sent']['id']}/actions/withdraw",
        _version("sent"),
        # no comment: the guard refuses those who may withdraw
        expect(422, **BYSTANDERS),
    ),
    (
        "api.take_referral_action",
        "POST",
        lambda o: f"/api/v1/referrals/{o['proposed']['id']}/actions/withdraw",
        _version("proposed"),
        expect(422, **{**BYSTANDERS, "applicant": 404}),
    ),
    (
        "api.take_referral_action",
        "POST",
        lambda o: f"/api/v1/referrals/{o['other']['id']}/actions/withdraw",
        _version("other"),
        expect(404),
    ),
    (
        "api.referral_actions",
        "POST",
        lambda o: f"/api/v1/referrals/{o['sent']['id']}/actions",
        _version("sent", "withdraw"),
        expect(422, **BYSTANDERS),
    ),
    (
        "api.referral_actions",
        "POST",
        lambda o: f"/api/v1/referrals/{o['other']['id']}/actions",
        _version("other", "withdraw"),
        expect(404),
    ),
]
ENDPOINTS = frozenset(endpoint for endpoint, *_ in MATRIX)


@pytest.fixture
def objects(api, world, make_case, make_user, session):
    """The city's referrals (one proposed, one sent) and an accepted case with evidence, and a sibling city's
    referral sent: all made through the API, as clients would."""
    province_agency = Agency(
        centre_id=world.province.id,
        name="本省市场监督管理局",
        kind=AgencyKind.MARKET_REGULATION,
        rights=["utility_model"],
    )
    session.add(province_agency)
    session.commit()

    def referral(applicant, enterprise, caseworker, supervisor, send):
        case = make_case(applicant, enterprise, state="accepted", staff=caseworker)
        staff = api(caseworker)
        r = refer(staff, case, body_for(province_agency, [upload(staff, case.number)]))
        if send:
            r = act(api(supervisor), r, "approve")
            r = act(staff, r, "send", data={"method": "hand"})
        return r

    caseworker, supervisor = world.users["caseworker"], world.users["supervisor"]
    sibling_supervisor = make_user(Role.SUPERVISOR, centre=world.sibling, email="sup@sibling.cn")
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker)
    upload(api(caseworker), case.number)
    return {
        "case": case.number,
        "proposed": referral(world.applicant, world.enterprise, caseworker, supervisor, send=False),
        "sent": referral(world.applicant, world.enterprise, caseworker, supervisor, send=True),
        "other": referral(
            world.other_applicant, world.other_enterprise, world.sibling_caseworker, sibling_supervisor, send=True
        ),
    }


@pytest.mark.parametrize("role", ROLES)
def test_referral_api_route_role_matrix(role, world, objects, app, token_for):
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


def test_every_referral_route_is_in_the_matrix(app):
    from app.api import referrals

    routed = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and app.view_functions[rule.endpoint].__module__ == referrals.__name__
    }
    assert routed == ENDPOINTS
