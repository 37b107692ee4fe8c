"""Route × role → expected status, including another centre's and another enterprise's objects.

Every route of the app must appear in a row (a test checks that), so a new route cannot ship
without saying who may reach it. Each feature feeds its rows from its module of
``tests/access_rows`` (see there); this module runs them. The users are those of the ``world``
fixture, all at the municipal centre CA: CA's subtree is CA and its county CAC; the sibling city
CB and the other province PB are out of scope.

The world is built once per session, committed in a database of its own (this module's ``app``).
Each role's test runs in a transaction on that database rolled back at its end (the ``_isolated``
fixture of ``tests/conftest.py``, bound to this module's app), so every role starts from the world
as it was built, whatever the rows of the roles before it posted: a test checks that first (rows
per table, every case's state and version). Within a role the rows run in their registered order;
a POST that succeeds changes its own case only.
"""

from __future__ import annotations

import pytest

from tests import access_rows
from tests.access_rows import ROLES, PlaceholderObject, PlaceholderWorld
from tests.conftest import fresh_database_url, make_app
from tests.helpers import csrf_token

ROWS = access_rows.rows()


@pytest.fixture(scope="session")
def app(app, tmp_path_factory):
    """This module's app: the session's app on a database of its own, where the world is committed.
    The session's app stays the one code outside an app context falls back to."""
    from app.cases import documents
    from app.core import audit

    own = make_app(
        fresh_database_url(tmp_path_factory, "access"), UPLOAD_FOLDER=str(tmp_path_factory.mktemp("access-uploads"))
    )
    audit.configure(app)
    documents.remember_app(app)
    yield own
    own.extensions["db_engine"].dispose()


@pytest.fixture(scope="session")
def matrix_world(app, password_hash):
    """The world every row reaches, built and committed once (session-scoped fixtures are set up before
    a test's ``_isolated`` transaction: the session factory is not bound to any test's connection)."""
    from app.extensions import db

    assert db.session_factory.kw.get("bind") is None, "the world would be built inside a test's transaction"
    db.session.remove()
    with app.app_context():
        w = access_rows.build_world(db.session, password_hash, app)
        built = access_rows.footprint(db.session)
    return w, built


@pytest.mark.parametrize("role", ROLES)
def test_route_role_matrix(role, matrix_world, app, login, session):
    w, built = matrix_world
    assert access_rows.footprint(session) == built, "the world differs from the one built: a role's rows leaked"
    client = app.test_client() if role == "anon" else login(w.users[role])
    token = csrf_token(client, "/login" if role == "anon" else "/")
    wrong = access_rows.run(client, token, role, w, ROWS)
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
    for check in access_rows.checks():
        check(role, w, client)


def test_every_row_module_is_registered():
    """A feature's row module counts only once it is named in ``FEATURES``."""
    assert access_rows.row_modules() == set(access_rows.FEATURES)


def test_every_route_is_in_the_matrix(app):
    """A new route must be given a row (or be named in a row module's COVERED_ELSEWHERE with its test)."""
    missing = access_rows.routes_without_rows(
        app, ROWS, access_rows.covered_elsewhere(), access_rows.covered_by_blueprint()
    )
    assert not missing, f"routes without an access-matrix row: {sorted(missing)}"


def test_every_case_route_is_tried_with_an_out_of_scope_case(app):
    """Each route that takes a case number has a row with a case nobody here may see (answering 404)."""
    adapter = app.url_map.bind("localhost")
    taking_a_case = {
        r.endpoint for r in app.url_map.iter_rules() if "<number>" in r.rule and r.endpoint.startswith("cases.")
    }
    tried = set()
    for method, path_of, expected, *_ in ROWS:
        path = path_of(PlaceholderWorld(out_of_scope=True))
        endpoint, _args = adapter.match(path.split("?", 1)[0], method=method)
        if PlaceholderObject.out_of_scope_number in path and 404 in (expected["applicant"], expected["caseworker"]):
            tried.add(endpoint)
    assert taking_a_case - tried == set(), f"no out-of-scope row for {sorted(taking_a_case - tried)}"
