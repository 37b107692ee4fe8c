"""The OpenAPI document is valid and true: schemathesis generates requests from it (valid and invalid)
and every answer must be no server error and conform to it (status code, content type, body schema),
for a caseworker's token and an applicant's, on made-up and on real cases and documents."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from app.api.openapi import spec
from tests.conftest import ALL_CONDITIONS

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_document_is_valid_openapi(client):
    from openapi_spec_validator import validate

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document == spec(), "the served document is the one the tests fuzz with"


def test_every_route_is_described_and_nothing_else(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    described = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = rule.rule.replace("<int:document_id>", "{id}").replace("<", "{").replace(">", "}")
            routed |= {(path, m) for m in rule.methods if m not in ("HEAD", "OPTIONS")}
    assert described == routed


def test_every_error_response_uses_the_error_schema(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["$ref"].startswith("#/components/responses/E"), (path, method, status)


class Callers:
    """Who schemathesis calls as, and real objects to aim some of its requests at."""

    def __init__(self, headers, number, document_id, session, credit_code):
        self.headers = headers
        self.number = number
        self.credit_code = credit_code
        self.document_id = document_id
        self.session = session

    def version(self) -> int:
        from app.cases.models import Case

        self.session.expire_all()
        return self.session.execute(select(Case.version).where(Case.number == self.number)).scalar_one()


@pytest.fixture
def callers(app, world, token_for, make_case, session):
    from app.cases import services
    from app.cases.models import Document

    caseworker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    accepted = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    services.transition(accepted, "accept", caseworker, data={"conditions": ALL_CONDITIONS})
    session.commit()
    document_id = session.execute(select(Document.id).where(Document.case_id == accepted.id)).scalar_one()
    headers = [
        {"Authorization": f"Bearer {token_for(caseworker)}"},
        {"Authorization": f"Bearer {token_for(world.applicant)}"},
    ]
    previous = app.config.get("API_RATE_LIMIT")
    app.config["API_RATE_LIMIT"] = "100000 per minute"  # the fuzzing is not an abuse to throttle
    yield Callers(headers, case.number, document_id, session, world.enterprise.credit_code)
    if previous is None:
        app.config.pop("API_RATE_LIMIT", None)
    else:
        app.config["API_RATE_LIMIT"] = previous


schema = schemathesis.openapi.from_dict(spec())


def _variants(case, callers):
    """The generated request, then the same aimed at a real enterprise, case or document (with its current
    version), so the fuzzing also reaches past the lookups."""
    yield
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("enterprise"), dict):
        case.body = {**body, "enterprise": {**body["enterprise"], "credit_code": callers.credit_code}}
        yield
        case.body = body
    params = dict(case.path_parameters or {})
    if "number" in params:
        case.path_parameters = {**params, "number": callers.number}
        body = case.body
        if isinstance(body, dict) and "version" in body:
            case.body = {**body, "version": callers.version()}
        yield
        case.body = body
        case.path_parameters = params
    if "id" in params:
        case.path_parameters = {**params, "id": callers.document_id}
        yield
        case.path_parameters = params


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_document(case, app, callers):
    for headers in callers.headers:
        for _ in _variants(case, callers):
            response = case.call(headers=headers, app=app)
            case.validate_response(response, checks=CHECKS)
