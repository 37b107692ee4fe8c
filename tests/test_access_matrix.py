"""Route × role → expected status, including another centre's and another enterprise's objects.

Every route of the app must appear here (a test checks that), so a new route
cannot ship without saying who may reach it. The users are those of the
``world`` fixture, all at the municipal centre CA: CA's subtree is CA and its
county CAC; the sibling city CB and the other province PB are out of scope.
"""

from __future__ import annotations

import pytest

from tests.helpers import csrf_token

ROLES = ["anon", "applicant", "caseworker", "mediator", "supervisor", "fund_committee", "admin"]
STAFF = ["caseworker", "mediator", "supervisor", "fund_committee", "admin"]


def expect(default, **per_role):
    """Expected status per role: ``default`` for everyone not named (``staff=`` sets all staff roles)."""
    table = {role: default for role in ROLES}
    staff = per_role.pop("staff", None)
    if staff is not None:
        table.update({role: staff for role in STAFF})
    table.update(per_role)
    return table


# (method, path built from the world, expected statuses)
MATRIX = [
    ("GET", lambda w: "/", expect(200)),
    ("GET", lambda w: "/healthz", expect(200)),
    ("GET", lambda w: "/login", expect(302, anon=200)),
    ("GET", lambda w: "/register", expect(302, anon=200)),
    ("GET", lambda w: "/account", expect(200, anon=302)),
    ("GET", lambda w: "/enterprise", expect(302, anon=302)),
    ("GET", lambda w: "/enterprises", expect(403, anon=302, staff=200)),
    ("GET", lambda w: "/enterprises/requests", expect(403, anon=302, staff=200)),
    # own enterprise (city): its member and the city's staff
    ("GET", lambda w: f"/enterprises/{w.enterprise.id}", expect(200, anon=302)),
    ("GET", lambda w: f"/enterprises/{w.enterprise.id}/edit", expect(200, anon=302)),
    # an enterprise of the county below the city: staff yes, applicant of another firm no
    ("GET", lambda w: f"/enterprises/{w.county_enterprise.id}", expect(404, anon=302, staff=200)),
    ("GET", lambda w: f"/enterprises/{w.county_enterprise.id}/edit", expect(404, anon=302, staff=200)),
    # a sibling city's enterprise and another province's: nobody here
    ("GET", lambda w: f"/enterprises/{w.other_enterprise.id}", expect(404, anon=302)),
    ("GET", lambda w: f"/enterprises/{w.other_enterprise.id}/edit", expect(404, anon=302)),
    ("GET", lambda w: f"/enterprises/{w.far_enterprise.id}", expect(404, anon=302)),
    ("GET", lambda w: "/enterprises/999999", expect(404, anon=302)),
    (
        "POST",
        lambda w: f"/enterprises/{w.other_enterprise.id}/members/{w.other_member.id}/approve",
        expect(404, anon=302),
    ),
    ("POST", lambda w: f"/enterprises/{w.enterprise.id}/members/{w.other_member.id}/approve", expect(404, anon=302)),
    ("GET", lambda w: "/centres", expect(403, anon=302, staff=200)),
    ("GET", lambda w: f"/centres/{w.city.id}", expect(403, anon=302, staff=200)),
    ("GET", lambda w: f"/centres/{w.county.id}", expect(403, anon=302, staff=200)),
    ("GET", lambda w: f"/centres/{w.province.id}", expect(403, anon=302, staff=404)),
    ("GET", lambda w: f"/centres/{w.sibling.id}", expect(403, anon=302, staff=404)),
    ("GET", lambda w: "/admin/users", expect(403, anon=302, admin=200)),
    ("GET", lambda w: "/admin/users/new", expect(403, anon=302, admin=200)),
    ("GET", lambda w: f"/admin/users/{w.users['caseworker'].id}/edit", expect(403, anon=302, admin=200)),
    ("GET", lambda w: f"/admin/users/{w.sibling_caseworker.id}/edit", expect(403, anon=302, admin=404)),
    ("GET", lambda w: f"/admin/users/{w.applicant.id}/edit", expect(403, anon=302, admin=404)),
    ("POST", lambda w: f"/admin/users/{w.sibling_caseworker.id}/deactivate", expect(403, anon=302, admin=404)),
    ("POST", lambda w: f"/admin/users/{w.sibling_caseworker.id}/password", expect(403, anon=302, admin=404)),
    ("GET", lambda w: "/admin/centres/new", expect(403, anon=302, admin=200)),
    ("GET", lambda w: f"/admin/centres/{w.county.id}/edit", expect(403, anon=302, admin=200)),
    ("GET", lambda w: f"/admin/centres/{w.sibling.id}/edit", expect(403, anon=302, admin=404)),
    ("GET", lambda w: f"/admin/centres/{w.province.id}/edit", expect(403, anon=302, admin=404)),
    ("GET", lambda w: f"/admin/centres/{w.county.id}/settings", expect(403, anon=302, admin=200)),
    ("GET", lambda w: f"/admin/centres/{w.sibling.id}/settings", expect(403, anon=302, admin=404)),
    ("POST", lambda w: f"/admin/centres/{w.sibling.id}/settings", expect(403, anon=302, admin=404)),
]

# Routes deliberately not in the matrix, with the test that covers them.
COVERED_ELSEWHERE = {
    "static": "served files",
    "auth.logout": "tests/auth/test_login.py",
    "main.switch_language": "tests/test_i18n.py",
    "enterprises.join": "tests/enterprises/test_registration.py",
}


@pytest.fixture
def matrix_world(world, make_user, session):
    from app.auth.models import Role
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    joiner = make_user(Role.APPLICANT, email="joiner@sibling-firm.cn")
    world.other_member = EnterpriseMember(
        enterprise=world.other_enterprise, user=joiner, status=MembershipStatus.PENDING
    )
    session.add(world.other_member)
    session.commit()
    return world


@pytest.mark.parametrize("role", ROLES)
def test_route_role_matrix(role, matrix_world, app, login):
    w = matrix_world
    client = app.test_client() if role == "anon" else login(w.users[role])
    token = csrf_token(client, "/login" if role == "anon" else "/")
    wrong = []
    for method, path_of, expected in MATRIX:
        path = path_of(w)
        if method == "GET":
            status = client.get(path).status_code
        else:
            status = client.post(path, data={"csrf_token": token}).status_code
        if status != expected[role]:
            wrong.append(f"{method} {path}: expected {expected[role]}, got {status}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_every_route_is_in_the_matrix(app, world):
    """A new route must be added to MATRIX (or to COVERED_ELSEWHERE with its test)."""
    covered = set()
    for method, path_of, _ in MATRIX:
        adapter = app.url_map.bind("localhost")
        endpoint, _args = adapter.match(path_of(_PlaceholderWorld()), method=method)
        covered.add(endpoint)
    missing = {rule.endpoint for rule in app.url_map.iter_rules()} - covered - set(COVERED_ELSEWHERE)
    assert not missing, f"routes without an access-matrix row: {sorted(missing)}"


class _PlaceholderWorld:
    """Stands in for the world when only the shape of the paths matters."""

    def __getattr__(self, name):
        return _PlaceholderObject()


class _PlaceholderObject:
    id = 1

    def __getitem__(self, key):
        return self

    def __getattr__(self, name):
        return self
