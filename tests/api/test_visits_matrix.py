"""The visits' API routes × role → expected status, with the city's visits (one done, one planned) and a sibling
centre's.

Every API route of ``app.api.visits`` is here (``test_every_visit_route_is_in_the_matrix``), and
``tests/api/test_api_matrix.py`` counts them as covered by this matrix (``ENDPOINTS``). The users are the
``world``'s, all at the city centre CA; "other" is a sibling city's visit: nobody here may see it, so every route
that takes it answers 404, exactly as an id that does not exist. A planned visit is not the applicant's either.
"""

# ruff: noqa: F811  (the fixtures imported from tests.api.visit_fixtures)
from __future__ import annotations

import pytest

from app.auth.models import Role
from tests.api.visit_fixtures import at, day  # noqa: F401

ROLES = ["anon", "applicant", "caseworker", "mediator", "supervisor", "fund_committee", "admin"]
STAFF = ["caseworker", "mediator", "supervisor", "fund_committee", "admin"]


def expect(default, **per_role):
    table = {role: default for role in ROLES}
    table.update(per_role)
    if "anon" not in per_role:
        table["anon"] = 401  # no token: nothing but the document itself
    return table


# Who never records or acts on a visit (their role), though the staff among them see the city's visits.
BYSTANDERS = {"applicant": 403, "mediator": 403, "fund_committee": 403, "admin": 403}


def _body(name, action=None, **extra):
    def body(o):
        data = {"version": o[name]["version"], **extra}
        if action is not None:
            data["action"] = action
        return data

    return body


# (endpoint, method, path of the objects, json body of the objects or None, expected statuses)
MATRIX = [
    ("api.create_visit", "POST", lambda o: "/api/v1/visits", lambda o: {}, expect(422, **BYSTANDERS)),
    ("api.list_visits_endpoint", "GET", lambda o: "/api/v1/visits", None, expect(200)),
    ("api.list_visits_endpoint", "GET", lambda o: "/api/v1/visits?cursor=x", None, expect(422)),
    (
        "api.visits_compliance",
        "GET",
        lambda o: "/api/v1/visits/compliance?month=2026-03",
        None,
        expect(200, **BYSTANDERS),
    ),
    ("api.get_visit", "GET", lambda o: f"/api/v1/visits/{o['done']['id']}", None, expect(200)),
    ("api.get_visit", "GET", lambda o: f"/api/v1/visits/{o['planned']['id']}", None, expect(200, applicant=404)),
    ("api.get_visit", "GET", lambda o: f"/api/v1/visits/{o['other']['id']}", None, expect(404)),
    ("api.get_visit", "GET", lambda o: "/api/v1/visits/2147483647", None, expect(404)),
    (
        "api.get_visit_document",
        "GET",
        lambda o: f"/api/v1/visits/{o['done']['id']}/documents/{o['document']}",
        None,
        expect(200),
    ),
    (
        "api.get_visit_document",
        "GET",
        lambda o: f"/api/v1/visits/{o['other']['id']}/documents/{o['document']}",
        None,
        expect(404),
    ),
    ("api.visit_actions", "GET", lambda o: f"/api/v1/visits/{o['done']['id']}/actions", None, expect(200)),
    (
        "api.visit_actions",
        "GET",
        lambda o: f"/api/v1/visits/{o['planned']['id']}/actions",
        None,
        expect(200, applicant=404),
    ),
    ("api.visit_actions", "GET", lambda o: f"/api/v1/visits/{o['other']['id']}/actions", None, expect(404)),
    (
        "api.take_visit_action",
        "POST",
        lambda o: f"/api/v1/visits/{o['done']['id']}/actions/complete_follow_up",
        # a follow-up the visit has not: the guard refuses those who may act
        _body("done", data={"follow_up": 9}),
        expect(422, **BYSTANDERS),
    ),
    (
        "api.take_visit_action",
        "POST",
        lambda o: f"/api/v1/visits/{o['planned']['id']}/actions/cancel",
        # no reason given: refused to the supervisor, the one role that cancels
        _body("planned"),
        expect(403, supervisor=422, applicant=404),
    ),
    (
        "api.take_visit_action",
        "POST",
        lambda o: f"/api/v1/visits/{o['other']['id']}/actions/raise_case",
        _body("other", data={"problem": 0}),
        expect(404),
    ),
    (
        "api.visit_actions",
        "POST",
        lambda o: f"/api/v1/visits/{o['done']['id']}/actions",
        _body("done", "raise_case", data={"problem": 9}),
        expect(422, **BYSTANDERS),
    ),
    (
        "api.visit_actions",
        "POST",
        lambda o: f"/api/v1/visits/{o['other']['id']}/actions",
        _body("other", "raise_case", data={"problem": 0}),
        expect(404),
    ),
]
ENDPOINTS = frozenset(endpoint for endpoint, *_ in MATRIX)


@pytest.fixture
def objects(world, at, make_user, session):
    """The city's visits (one done with an issued record and an open follow-up, one planned) and a sibling
    city's visit done."""
    from app.visits import services
    from app.visits.documents import issue_record

    cw, sup = world.users["caseworker"], world.users["supervisor"]
    problems = [{"text": "仿冒外观设计", "ip_type": "design", "right_number": "ZL201830123456.6"}]

    def done(actor, centre, enterprise):
        return services.record_visit(
            actor,
            None,
            centre=centre,
            visited_on=day(-1),
            staff=[actor],
            enterprises=[enterprise],
            problems=problems,
            follow_ups=[{"text": "寄送材料", "owner": actor, "due_on": day(3)}],
        )

    visit = done(cw, world.city, world.enterprise)
    document = issue_record(cw, visit, language="zh_CN")
    planned = services.plan_visit(sup, centre=world.city, planned_on=day(2), staff=[cw], enterprises=[world.enterprise])
    make_user(Role.SUPERVISOR, centre=world.sibling, email="sup@sibling.cn")
    other = done(world.sibling_caseworker, world.sibling, world.other_enterprise)
    session.commit()
    return {
        "done": {"id": visit.id, "version": visit.version},
        "planned": {"id": planned.id, "version": planned.version},
        "other": {"id": other.id, "version": other.version},
        "document": document.id,
    }


@pytest.mark.parametrize("role", ROLES)
def test_visit_api_route_role_matrix(role, world, objects, app, token_for):
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


def test_every_visit_route_is_in_the_matrix(app):
    from app.api import visits

    routed = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and app.view_functions[rule.endpoint].__module__ == visits.__name__
    }
    assert routed == ENDPOINTS
