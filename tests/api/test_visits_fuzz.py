"""The visits' API operations, fuzzed by schemathesis from the OpenAPI document (valid and invalid input) and
aimed at a real visit done (with its current version and an issued record), as a caseworker, a supervisor and the
applicant of the visited enterprise: no server error, and every answer conforms to the document (the same checks
as ``tests/api/test_openapi.py``, which fuzzes every operation unaimed)."""

# ruff: noqa: F811  (the fixtures imported from tests.api.visit_fixtures)
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from app.api.openapi import spec
from app.visits.models import Visit
from tests.api.test_openapi import CHECKS, POSITIVE_STATUSES, negative_data_rejection_bar_headers
from tests.api.visit_fixtures import at, day  # noqa: F401
from tests.helpers import examples

FUZZ = settings(max_examples=examples(25), deadline=None, database=None, suppress_health_check=list(HealthCheck))

schema = schemathesis.openapi.from_dict(spec()).include(path_regex="visits")
schema.config.checks.positive_data_acceptance.expected_statuses = POSITIVE_STATUSES


@pytest.fixture
def aimed(app, world, at, token_for, session):
    """A visit of the city done, with an issued record, and the callers' headers."""
    from app.visits import services
    from app.visits.documents import issue_record

    cw, sup = world.users["caseworker"], world.users["supervisor"]
    visit = services.record_visit(
        cw,
        None,
        centre=world.city,
        visited_on=day(-1),
        staff=[cw, sup],
        enterprises=[world.enterprise],
        problems=[
            {"text": "仿冒外观设计", "ip_type": "design", "right_number": "ZL201830123456.6"},
            {"text": "商标管理制度缺失", "ip_type": "trademark"},
        ],
        follow_ups=[
            {"text": "寄送材料", "owner": cw, "due_on": day(3)},
            {"text": "回访", "owner": sup, "due_on": day(9)},
        ],
    )
    document = issue_record(cw, visit, language="zh_CN")
    session.commit()
    previous = app.config.get("API_RATE_LIMIT")
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    yield {
        "visit_id": visit.id,
        "document_id": document.id,
        "headers": [
            {"Authorization": f"Bearer {token_for(cw)}"},
            {"Authorization": f"Bearer {token_for(sup)}"},
            {"Authorization": f"Bearer {token_for(world.applicant)}"},
        ],
    }
    if previous is None:
        app.config.pop("API_RATE_LIMIT", None)
    else:
        app.config["API_RATE_LIMIT"] = previous


def _version(session, visit_id) -> int:
    session.expire_all()
    return session.execute(select(Visit.version).where(Visit.id == visit_id)).scalar_one()


@schema.parametrize()
@FUZZ
def test_the_visit_operations_conform_to_the_document(case, app, aimed, session):
    for headers in aimed["headers"]:
        response = case.call(headers=headers, app=app)
        case.validate_response(response, checks=CHECKS)
        params = dict(case.path_parameters or {})
        if "id" in params:
            original_params, original_body = case.path_parameters, case.body
            target = {"id": aimed["visit_id"]}
            if "document_id" in params:
                target["document_id"] = aimed["document_id"]
            case.path_parameters = {**params, **target}
            if isinstance(case.body, dict) and "version" in case.body:
                case.body = {**case.body, "version": _version(session, aimed["visit_id"])}
            response = case.call(headers=headers, app=app)
            # The aimed variant may have replaced the very value schemathesis made invalid (a path parameter).
            case.validate_response(response, checks=[c for c in CHECKS if c is not negative_data_rejection_bar_headers])
            case.path_parameters, case.body = original_params, original_body
