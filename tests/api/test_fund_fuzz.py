"""The fund's API operations, fuzzed by schemathesis from the OpenAPI document (valid and invalid input) and aimed
at the real fund, a real request granted and partly paid (with its current version) and its case, as a
caseworker, a supervisor, a fund committee member and the applicant: no server error, and every answer conforms to
the document (the same checks as ``tests/api/test_openapi.py``, which fuzzes every operation unaimed). Afterwards
the fund's row still agrees with its ledger."""

# ruff: noqa: F811  (the fixtures are imported from ``tests.fund.conftest``)

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from app.api.openapi import spec
from app.fund import ledger, services
from app.fund.models import FundRequest
from tests.api.test_openapi import CHECKS, POSITIVE_STATUSES, negative_data_rejection_bar_headers
from tests.fund.conftest import fund, invoices, overseas_case, people, request_data  # noqa: F401  (fixtures)
from tests.helpers import examples

FUZZ = settings(max_examples=examples(25), deadline=None, database=None, suppress_health_check=list(HealthCheck))

schema = schemathesis.openapi.from_dict(spec()).include(path_regex="fund")
schema.config.checks.positive_data_acceptance.expected_statuses = POSITIVE_STATUSES


@pytest.fixture
def aimed(app, world, token_for, fund, overseas_case, invoices, people, session):
    """A request granted and partly paid, the fund and the case to aim the operations at, and the callers'
    headers."""
    r = services.start_request(overseas_case, people["applicant"], fund, request_data(invoices))
    for action, who in (
        ("submit", "applicant"),
        ("review", "caseworker"),
        ("approve", "supervisor"),
        ("approve_second", "committee"),
    ):
        r = services.transition(r, action, people[who])
    r = services.transition(
        r, "pay", people["caseworker"], data={"amount_fen": 1_000_000, "attachment": invoices["lawyer"].id}
    )
    session.commit()
    previous = app.config.get("API_RATE_LIMIT")
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    yield {
        "request_id": r.id,
        "fund_id": fund.id,
        "number": overseas_case.number,
        "headers": [
            {"Authorization": f"Bearer {token_for(people[who])}"}
            for who in ("caseworker", "supervisor", "committee", "applicant")
        ],
    }
    if previous is None:
        app.config.pop("API_RATE_LIMIT", None)
    else:
        app.config["API_RATE_LIMIT"] = previous


def _version(session, request_id) -> int:
    session.expire_all()
    return session.execute(select(FundRequest.version).where(FundRequest.id == request_id)).scalar_one()


def _target(case, aimed) -> dict | None:
    params = dict(case.path_parameters or {})
    if "number" in params:
        return {"number": aimed["number"]}
    if "id" in params:
        on_request = case.operation.path.startswith("/api/v1/fund-requests/")
        return {"id": aimed["request_id"] if on_request else aimed["fund_id"]}
    return None


@schema.parametrize()
@FUZZ
def test_the_fund_operations_conform_to_the_document(case, app, aimed, session):
    for headers in aimed["headers"]:
        response = case.call(headers=headers, app=app)
        case.validate_response(response, checks=CHECKS)
        target = _target(case, aimed)
        if target is not None:
            original_params, original_body = case.path_parameters, case.body
            case.path_parameters = {**(case.path_parameters or {}), **target}
            if isinstance(case.body, dict) and "version" in case.body:
                case.body = {**case.body, "version": _version(session, aimed["request_id"])}
            response = case.call(headers=headers, app=app)
            # The aimed variant may have replaced the very value schemathesis made invalid (a path parameter).
            case.validate_response(response, checks=[c for c in CHECKS if c is not negative_data_rejection_bar_headers])
            case.path_parameters, case.body = original_params, original_body
    session.expire_all()
    assert ledger.verify() == []
