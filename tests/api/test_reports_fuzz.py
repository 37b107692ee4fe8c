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


def _request_key(case, who: int) -> tuple:
    query = tuple(sorted((str(k), repr(v)) for k, v in (case.query or {}).items()))
    return (case.method, case.formatted_path, query, repr(case.headers), who)


@schema.parametrize()
@FUZZ
def test_the_report_operations_conform_to_the_document(case, app, aimed):
    # A request already answered and checked in this test is not sent again: nothing changes the data
    # between examples, and a repeated one (the aimed request below most often) renders the same PDF,
    # a second or more each time.
    seen = aimed.setdefault("seen", set())
    for who, headers in enumerate(aimed["headers"]):
        if _request_key(case, who) in seen:
            continue
        response = case.call(headers=headers, app=app)
        case.validate_response(response, checks=CHECKS)
        seen.add(_request_key(case, who))
    # The same, aimed at the province and its month (past the lookups), as its supervisor.
    query = dict(case.query or {})
    if "month" in query or "centre" in query:
        case.query = {**query, "centre": aimed["centre"], "month": gen.MONTH.key}
        if _request_key(case, 0) not in seen:
            response = case.call(headers=aimed["headers"][0], app=app)
            case.validate_response(
                response, checks=[c for c in CHECKS if c.__name__ != "negative_data_rejection_bar_headers"]
            )
            seen.add(_request_key(case, 0))
        case.query = query
