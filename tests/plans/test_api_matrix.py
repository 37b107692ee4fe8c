"""The plans' API routes × role → expected status, with the city's plans and a sibling centre's.

Every API route of ``app.api.plans`` is here (``test_every_plan_route_is_in_the_matrix``), and
``tests/api/test_api_matrix.py`` counts them as covered by this matrix (``ENDPOINTS``). The users are the
``world``'s, all at the city centre CA; "other" is a sibling city's issued plan and case: nobody here may see
them, so every route that takes one answers 404, exactly as an id that does not exist. A draft answers 404 to
the applicant's side too.
"""

from __future__ import annotations

import pytest

from tests.plans.conftest import CONTENT

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


HANDLERS = {"caseworker": 200, "supervisor": 200}
VIEW_ONLY = {"mediator": 403, "fund_committee": 403, "admin": 403}


def _version(name):
    return lambda o: {"version": o[name].version, "facts": "经办人补充的事实"}


# (endpoint, method, path of the objects, json body of the objects or None, expected statuses)
MATRIX = [
    (
        "api.create_plan",
        "POST",
        lambda o: f"/api/v1/cases/{o['plannable'].number}/plans",
        lambda o: {},
        expect(403, caseworker=201, supervisor=201),
    ),
    ("api.create_plan", "POST", lambda o: f"/api/v1/cases/{o['other'].case.number}/plans", lambda o: {}, expect(404)),
    ("api.list_case_plans", "GET", lambda o: f"/api/v1/cases/{o['draft'].case.number}/plans", None, expect(200)),
    ("api.list_case_plans", "GET", lambda o: f"/api/v1/cases/{o['other'].case.number}/plans", None, expect(404)),
    ("api.get_plan", "GET", lambda o: f"/api/v1/plans/{o['draft'].id}", None, expect(200, applicant=404)),
    ("api.get_plan", "GET", lambda o: f"/api/v1/plans/{o['issued'].id}", None, expect(200)),
    ("api.get_plan", "GET", lambda o: f"/api/v1/plans/{o['other'].id}", None, expect(404)),
    ("api.get_plan", "GET", lambda o: "/api/v1/plans/2147483647", None, expect(404)),
    (
        "api.patch_plan",
        "PATCH",
        lambda o: f"/api/v1/plans/{o['draft'].id}",
        _version("draft"),
        expect(404, **HANDLERS, **VIEW_ONLY),
    ),
    ("api.patch_plan", "PATCH", lambda o: f"/api/v1/plans/{o['other'].id}", _version("other"), expect(404)),
    ("api.plan_actions", "GET", lambda o: f"/api/v1/plans/{o['draft'].id}/actions", None, expect(200, applicant=404)),
    ("api.plan_actions", "GET", lambda o: f"/api/v1/plans/{o['other'].id}/actions", None, expect(404)),
    (
        "api.take_plan_action",
        "POST",
        lambda o: f"/api/v1/plans/{o['issued'].id}/actions",
        lambda o: {"action": "revise", "version": o["issued"].version},
        expect(403, **HANDLERS),
    ),
    (
        "api.take_plan_action",
        "POST",
        lambda o: f"/api/v1/plans/{o['other'].id}/actions",
        lambda o: {"action": "revise", "version": o["other"].version},
        expect(404),
    ),
]
ENDPOINTS = frozenset(endpoint for endpoint, *_ in MATRIX)


@pytest.fixture
def objects(world, make_case, make_user, session):
    from app.auth.models import Role
    from app.plans import services

    caseworker, supervisor = world.users["caseworker"], world.users["supervisor"]

    def plan(case, steps, drafter, approver):
        p = services.create_plan(case, drafter, CONTENT)
        for action in steps:
            services.transition(p, action, approver if action == "approve" else drafter)
        return p

    def accepted(applicant, enterprise, staff):
        return make_case(applicant, enterprise, state="accepted", staff=staff)

    issue = ["submit_for_review", "approve", "issue"]
    sibling_supervisor = make_user(Role.SUPERVISOR, centre=world.sibling, email="sup@sibling.cn")
    objects = {
        "plannable": accepted(world.applicant, world.enterprise, caseworker),
        "draft": plan(accepted(world.applicant, world.enterprise, caseworker), [], caseworker, supervisor),
        "issued": plan(accepted(world.applicant, world.enterprise, caseworker), issue, caseworker, supervisor),
        "other": plan(
            accepted(world.other_applicant, world.other_enterprise, world.sibling_caseworker),
            issue,
            world.sibling_caseworker,
            sibling_supervisor,
        ),
    }
    session.commit()
    return objects


@pytest.mark.parametrize("role", ROLES)
def test_plan_api_route_role_matrix(role, world, objects, app, token_for, session):
    client = app.test_client()
    headers = {} if role == "anon" else {"Authorization": f"Bearer {token_for(world.users[role])}"}
    wrong = []
    for _endpoint, method, path_of, body_of, expected in MATRIX:
        for plan in ("draft", "issued", "other"):
            session.refresh(objects[plan])
        path = path_of(objects)
        kwargs = {"json": body_of(objects)} if body_of is not None else {}
        response = client.open(path, method=method, headers=headers, **kwargs)
        if response.status_code != expected[role]:
            wrong.append(f"{method} {path}: expected {expected[role]}, got {response.status_code}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_every_plan_route_is_in_the_matrix(app):
    from app.api import plans

    routed = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and app.view_functions[rule.endpoint].__module__ == plans.__name__
    }
    assert routed == ENDPOINTS
