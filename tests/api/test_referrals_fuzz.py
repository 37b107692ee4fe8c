"""The referrals' API operations, fuzzed by schemathesis from the OpenAPI document (valid and invalid input) and
aimed at a real referral sent to its agency (with its current version) and at an accepted case with evidence, as
a caseworker, a supervisor and the applicant: no server error, and every answer conforms to the document (the same
checks as ``tests/api/test_openapi.py``, which fuzzes every operation unaimed)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from app.agencies.models import Agency, AgencyKind
from app.api.openapi import spec
from app.referrals.models import Referral
from tests.api.referral_fixtures import act, body_for, refer, upload
from tests.api.test_openapi import CHECKS, POSITIVE_STATUSES, negative_data_rejection_bar_headers
from tests.helpers import examples

FUZZ = settings(max_examples=examples(25), deadline=None, database=None, suppress_health_check=list(HealthCheck))

schema = schemathesis.openapi.from_dict(spec()).include(path_regex="referrals")
schema.config.checks.positive_data_acceptance.expected_statuses = POSITIVE_STATUSES


@pytest.fixture
def aimed(app, api, world, token_for, make_case, session):
    """A referral sent to its agency and an accepted case with evidence to aim the operations at (made through the
    API, as a client would), and the callers' headers."""
    caseworker, supervisor = world.users["caseworker"], world.users["supervisor"]
    agency = Agency(
        centre_id=world.city.id, name="本市市场监督管理局", kind=AgencyKind.MARKET_REGULATION, rights=["utility_model"]
    )
    session.add(agency)
    session.commit()
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker)
    staff = api(caseworker)
    r = refer(staff, case, body_for(agency, [upload(staff, case.number)]))
    r = act(api(supervisor), r, "approve")
    r = act(staff, r, "send", data={"method": "post"})
    previous = app.config.get("API_RATE_LIMIT")
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    yield {
        "referral_id": r["id"],
        "number": case.number,
        "headers": [
            {"Authorization": f"Bearer {token_for(caseworker)}"},
            {"Authorization": f"Bearer {token_for(supervisor)}"},
            {"Authorization": f"Bearer {token_for(world.applicant)}"},
        ],
    }
    if previous is None:
        app.config.pop("API_RATE_LIMIT", None)
    else:
        app.config["API_RATE_LIMIT"] = previous


def _version(session, referral_id) -> int:
    session.expire_all()
    return session.execute(select(Referral.version).where(Referral.id == referral_id)).scalar_one()


@schema.parametrize()
@FUZZ
def test_the_referral_operations_conform_to_the_document(case, app, aimed, session):
    for headers in aimed["headers"]:
        response = case.call(headers=headers, app=app)
        case.validate_response(response, checks=CHECKS)
        params = dict(case.path_parameters or {})
        if "id" in params or "number" in params:
            original_params, original_body = case.path_parameters, case.body
            target = {"id": aimed["referral_id"]} if "id" in params else {"number": aimed["number"]}
            case.path_parameters = {**params, **target}
            if isinstance(case.body, dict) and "version" in case.body:
                case.body = {**case.body, "version": _version(session, aimed["referral_id"])}
            response = case.call(headers=headers, app=app)
            # The aimed variant may have replaced the very value schemathesis made invalid (a path parameter).
            case.validate_response(response, checks=[c for c in CHECKS if c is not negative_data_rejection_bar_headers])
            case.path_parameters, case.body = original_params, original_body
