"""Bad input, generated: whatever a client or a form sends about a plan, no server error, and a refusal
changes nothing.

- the plans' API operations, fuzzed by schemathesis from the OpenAPI document (valid and invalid input)
  and aimed at a real draft with its current version, as a caseworker and as the applicant: every answer
  conforms to the document (the same checks as ``tests/api/test_openapi.py``);
- the content service (``clean_content`` through ``save_plan``), given any JSON value in every field:
  it saves or refuses with ``PlanInputError`` naming fields, never anything else;
- the editor's form, given any text in every field and any button: 200 (the form again), 302 (saved),
  409 or 422; anything but a save leaves the plan as it was.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.api.openapi import spec
from app.plans import services
from app.plans.models import Plan
from tests.api.test_openapi import CHECKS, POSITIVE_STATUSES, negative_data_rejection_bar_headers
from tests.helpers import csrf_token, examples
from tests.plans.conftest import CONTENT

FUZZ = settings(max_examples=examples(25), deadline=None, database=None, suppress_health_check=list(HealthCheck))

schema = schemathesis.openapi.from_dict(spec()).include(path_regex="plans")
schema.config.checks.positive_data_acceptance.expected_statuses = POSITIVE_STATUSES


@pytest.fixture
def aimed(app, world, token_for, make_case, make_plan, session):
    """A draft plan and its case to aim the operations at, and the callers' headers."""
    caseworker = world.users["caseworker"]
    plan = make_plan(make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker), "draft")
    previous = app.config.get("API_RATE_LIMIT")
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    yield {
        "plan": plan,
        "headers": [
            {"Authorization": f"Bearer {token_for(caseworker)}"},
            {"Authorization": f"Bearer {token_for(world.applicant)}"},
        ],
    }
    if previous is None:
        app.config.pop("API_RATE_LIMIT", None)
    else:
        app.config["API_RATE_LIMIT"] = previous


def _version(session, plan_id) -> int:
    session.expire_all()
    return session.execute(select(Plan.version).where(Plan.id == plan_id)).scalar_one()


@schema.parametrize()
@FUZZ
def test_the_plan_operations_conform_to_the_document(case, app, aimed, session):
    plan = aimed["plan"]
    for headers in aimed["headers"]:
        response = case.call(headers=headers, app=app)
        case.validate_response(response, checks=CHECKS)
        params = dict(case.path_parameters or {})
        if "id" in params or "number" in params:
            original_params, original_body = case.path_parameters, case.body
            case.path_parameters = {**params, **({"id": plan.id} if "id" in params else {"number": plan.case.number})}
            if isinstance(case.body, dict) and "version" in case.body:
                case.body = {**case.body, "version": _version(session, plan.id)}
            response = case.call(headers=headers, app=app)
            case.validate_response(response, checks=[c for c in CHECKS if c is not negative_data_rejection_bar_headers])
            case.path_parameters, case.body = original_params, original_body


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
FIELD = st.one_of(
    JSON,
    st.sampled_from([CONTENT[k] for k in CONTENT]),
    st.builds(
        lambda row, k, v: [{**row, k: v}],
        st.sampled_from(CONTENT["comparison"]),
        st.sampled_from(["feature", "accused", "verdict", "evidence", "x"]),
        JSON,
    ),
    st.builds(
        lambda r, k, v: [{**r, k: v}],
        st.sampled_from(CONTENT["routes"]),
        st.sampled_from(["route", "cost_fen", "duration", "note", "x"]),
        JSON,
    ),
)


def test_the_content_service_refuses_any_bad_value_by_field(accepted, people, session):
    plan = services.create_plan(accepted, people.caseworker)
    session.commit()

    @given(st.dictionaries(st.sampled_from([*CONTENT, "other"]), FIELD, min_size=1, max_size=4))
    @FUZZ
    def attempt(data):
        savepoint = session.begin_nested()
        try:
            before = plan.version
            try:
                services.save_plan(plan, people.caseworker, data, before)
            except services.PlanInputError as exc:
                assert exc.problems and all(isinstance(k, str) and str(v) for k, v in exc.problems.items())
                assert plan.version == before
        finally:
            savepoint.rollback()
            session.expire_all()

    attempt()


TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "1e309", "NaN", "１２３．５", "12,345.678", "9" * 30, "\x00", "0" * 5000]),
)
OPS = st.sampled_from(["save", "save_close", "add_row", "up-0", "down-0", "up-x", "down-99", "nonsense", ""])


def test_the_editor_never_fails_on_what_a_form_sends(login, accepted, people, make_plan, session):
    plan = make_plan(accepted, "draft")
    client = login(people.caseworker)
    token = csrf_token(client, f"/plans/{plan.id}/edit")
    names = [
        "facts",
        "right_index",
        "right_scope",
        "evidence_held",
        "evidence_needed",
        "damages_amount",
        "damages_basis",
    ]
    names += [f"row-{i}-{f}" for i in range(3) for f in ("feature", "accused", "verdict", "evidence", "remove")]
    names += [
        f"route-{r}-{f}" for r in ("mediation", "litigation", "nowhere") for f in ("on", "cost", "duration", "note")
    ]

    @given(
        st.dictionaries(st.sampled_from(names), TEXT, max_size=12), OPS, st.sampled_from(["", "3", "999", "x", "-1"])
    )
    @FUZZ
    def attempt(fields, op, rows):
        session.expire_all()
        before = session.execute(select(Plan.version).where(Plan.id == plan.id)).scalar_one()
        data = {"csrf_token": token, "version": str(before), "op": op, "rows": rows, **fields}
        response = client.post(f"/plans/{plan.id}/edit", data=data)
        assert response.status_code in (200, 302, 400, 409, 422), response.status_code
        session.expire_all()
        after = session.execute(select(Plan.version).where(Plan.id == plan.id)).scalar_one()
        if response.status_code != 302:
            assert after == before

    attempt()


@pytest.mark.parametrize("bad", [["mediation"], {"a": 1}, 3.5])
def test_a_route_or_verdict_of_the_wrong_type_is_refused_not_a_crash(accepted, people, bad):
    """Found by the fuzz test above: a list as a route or verdict was looked up in a set (unhashable)."""
    from app.plans.content import clean_content

    _values, problems = clean_content(
        accepted,
        {
            "routes": [{"route": bad, "cost_fen": 0, "duration": "", "note": ""}],
            "comparison": [{"feature": "a", "accused": "b", "verdict": bad, "evidence": ""}],
        },
    )
    assert "routes[0].route" in problems and "comparison[0].verdict" in problems
