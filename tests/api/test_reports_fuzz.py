"""The reports' API operations, fuzzed by schemathesis from the OpenAPI document (valid and invalid input)
and aimed at a province with cases, as its supervisor, a caseworker and an applicant: no server error, and
every answer conforms to the document (the same checks as ``tests/api/test_openapi.py``). Few examples:
each answer may render a PDF."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.api.openapi import spec
from tests.api.test_openapi import CHECKS, POSITIVE_STATUSES
from tests.helpers import examples
from tests.reports import gen

FUZZ = settings(max_examples=examples(12), deadline=None, database=None, suppress_health_check=list(HealthCheck))

schema = schemathesis.openapi.from_dict(spec()).include(path_regex="reports/monthly")
schema.config.checks.positive_data_acceptance.expected_statuses = POSITIVE_STATUSES


@pytest.fixture
def aimed(app, session, make_centre, make_user, make_enterprise, token_for):
    from app.auth.models import Role

    world = gen.build(session, make_centre, make_user, make_enterprise, cases=30)
    caseworker = make_user(role=Role.CASEWORKER, centre=world.province)
    applicant = make_user(role=Role.APPLICANT)
    previous = app.config.get("API_RATE_LIMIT")
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    yield {
        "centre": world.province.code,
        "headers": [
            {"Authorization": f"Bearer {token_for(world.supervisor)}"},
            {"Authorization": f"Bearer {token_for(caseworker)}"},
            {"Authorization": f"Bearer {token_for(applicant)}"},
        ],
    }
    if previous is None:
        app.config.pop("API_RATE_LIMIT", None)
    else:
        app.config["API_RATE_LIMIT"] = previous


@schema.parametrize()
@FUZZ
def test_the_report_operations_conform_to_the_document(case, app, aimed):
    for headers in aimed["headers"]:
        response = case.call(headers=headers, app=app)
        case.validate_response(response, checks=CHECKS)
    # The same, aimed at the province and its month (past the lookups), as its supervisor.
    query = dict(case.query or {})
    if "month" in query or "centre" in query:
        case.query = {**query, "centre": aimed["centre"], "month": gen.MONTH.key}
        response = case.call(headers=aimed["headers"][0], app=app)
        case.validate_response(
            response, checks=[c for c in CHECKS if c.__name__ != "negative_data_rejection_bar_headers"]
        )
        case.query = query
