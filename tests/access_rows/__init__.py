"""The access matrix's rows, fed by each feature: route × role → expected status.

Each feature has a module here that declares:

- ``ROWS``: ``(method, path of the world, expected status per role[, form posted, of the world])``;
- optionally ``build(w, make)``: the objects its rows need, added to the shared world (``make``
  has ``session``, ``app``, ``make_centre``, ``make_user``, ``make_enterprise``, ``make_case``);
- optionally ``check(role, w, client)``: what the pages its rows reach must show, after the rows;
- optionally ``COVERED_ELSEWHERE`` (endpoint → the test that covers it) and
  ``COVERED_BY_BLUEPRINT`` (blueprint → its own matrix).

A module takes effect once it is named in ``FEATURES`` (``test_every_row_module_is_registered``
fails for one that is not). ``tests/test_access_matrix.py`` builds the world once per session in a
database of its own and runs every row for every role, each role in a transaction rolled back at
its end; its check that every route has a row reads the rows of every feature.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import SimpleNamespace

ROLES = ["anon", "applicant", "caseworker", "mediator", "supervisor", "fund_committee", "admin"]
STAFF = ["caseworker", "mediator", "supervisor", "fund_committee", "admin"]

# The row modules, in the order their rows run for each role (a role's rows share its transaction).
FEATURES = (
    "site",
    "enterprises",
    "centres",
    "admin",
    "calendar",
    "cases",
    "work",
    "notifications",
    "api",
    "verify",
    "mediation",
    "plans",
    "agencies",
    "referrals",
    "respondents",
    "visits",
    "fund_admin",
    "fund_requests",
    "reports_annual",
    "reports_monthly",
    "privacy",
    "privacy_admin",
)


def expect(default, **per_role):
    """Expected status per role: ``default`` for everyone not named (``staff=`` sets all staff roles)."""
    table = {role: default for role in ROLES}
    staff = per_role.pop("staff", None)
    if staff is not None:
        table.update({role: staff for role in STAFF})
    table.update(per_role)
    assert set(table) == set(ROLES), f"unknown roles: {sorted(set(table) - set(ROLES))}"
    return table


# ---- the registry ----------------------------------------------------------------------------------


def features() -> list:
    return [importlib.import_module(f"{__name__}.{name}") for name in FEATURES]


def row_modules() -> set[str]:
    """Every module of this package (registered or not)."""
    return {m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")}


def rows() -> list[tuple]:
    return [row for module in features() for row in module.ROWS]


def covered_elsewhere() -> dict:
    return {k: v for module in features() for k, v in getattr(module, "COVERED_ELSEWHERE", {}).items()}


def covered_by_blueprint() -> dict:
    return {k: v for module in features() for k, v in getattr(module, "COVERED_BY_BLUEPRINT", {}).items()}


def build_world(session, password_hash, app):
    """The shared ``world`` of ``tests/conftest.py``, then what each feature's rows need."""
    from functools import partial

    from tests.conftest import build_world as base_world
    from tests.conftest import new_case, new_centre, new_enterprise, new_user

    make = SimpleNamespace(
        session=session,
        app=app,
        make_centre=partial(new_centre, session),
        make_user=partial(new_user, session, password_hash),
        make_enterprise=partial(new_enterprise, session),
        make_case=partial(new_case, session),
    )
    w = base_world(make.make_centre, make.make_user, make.make_enterprise)
    for module in features():
        if hasattr(module, "build"):
            module.build(w, make)
    session.commit()
    return w


def checks() -> list:
    return [module.check for module in features() if hasattr(module, "check")]


# ---- running rows --------------------------------------------------------------------------------


def run(client, token, role, w, rows_) -> list[str]:
    """Every row for ``role`` with ``client`` (logged in as that role; ``token`` its CSRF token); the
    rows whose status differs from the expected one."""
    wrong = []
    for method, path_of, expected, *data_of in rows_:
        path = path_of(w)
        if method == "GET":
            status = client.get(path).status_code
        else:
            data = {"csrf_token": token, **(data_of[0](w) if data_of else {})}
            status = client.post(path, data=data).status_code
        if status != expected[role]:
            wrong.append(f"{method} {path}: expected {expected[role]}, got {status}")
    return wrong


def routes_without_rows(app, rows_, elsewhere, by_blueprint) -> set[str]:
    """The app's endpoints that no row reaches (and that no other test is named for)."""
    covered = set()
    adapter = app.url_map.bind("localhost")
    for method, path_of, *_ in rows_:
        endpoint, _args = adapter.match(path_of(PlaceholderWorld()).split("?", 1)[0], method=method)
        covered.add(endpoint)
    blueprints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.partition(".")[0] in by_blueprint}
    return {rule.endpoint for rule in app.url_map.iter_rules()} - covered - set(elsewhere) - blueprints


def footprint(session) -> tuple:
    """Rows per table, and every case's state and version: what a role's rows may change (and its
    rolled-back transaction must put back before the next role)."""
    from sqlalchemy import func, select

    from app.cases.models import Case
    from app.core.db import Base

    counts = tuple(
        (table.name, session.execute(select(func.count()).select_from(table)).scalar_one())
        for table in Base.metadata.sorted_tables
    )
    cases = tuple(session.execute(select(Case.id, Case.state, Case.version).order_by(Case.id)).all())
    return counts, cases


class PlaceholderWorld:
    """Stands in for the world when only the shape of the paths matters; ``out_of_scope``: the
    objects named ``sibling_*`` and ``province_*`` carry ``PlaceholderObject.out_of_scope_number``."""

    def __init__(self, out_of_scope=False):
        self.out_of_scope = out_of_scope

    def __getattr__(self, name):
        outside = self.out_of_scope and name.startswith(("sibling_", "province_"))
        return PlaceholderObject(PlaceholderObject.out_of_scope_number if outside else "CA-2026-00001")


class PlaceholderObject:
    id = 1
    out_of_scope_number = "CB-2026-00001"

    def __init__(self, number="CA-2026-00001"):
        self.number = number
        self.ref = number  # a case's reference (its number, or draft-<id>)

    def __getitem__(self, key):
        return self

    def __getattr__(self, name):
        return self
