"""The OpenAPI document is valid and true: schemathesis generates requests from it (valid and invalid)
and every answer must be no server error and conform to it (status code, content type, body schema,
headers), for a caseworker's token and an applicant's, on made-up and on real cases and documents.
Input the document calls invalid is refused (4xx), input it calls valid is never refused as malformed
(400, 413: only on its meaning), and an undeclared method answers 405 with Allow."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from sqlalchemy import select

from app.api.openapi import spec
from tests.conftest import ALL_CONDITIONS
from tests.helpers import examples


def negative_data_rejection_bar_headers(ctx, response, case):
    """``negative_data_rejection``, but not for requests made invalid only in their headers or by query
    parameters the operation does not know: these tests send an Authorization header of their own (replacing
    a removed or mangled one), the one header the document declares, Accept-Language, is read leniently
    (anything else answers in the default language), no HTTP server refuses a header it does not know, and
    unknown query parameters are ignored. (schemathesis exempts the last two itself, but not when the same
    request also has a header or a multipart body marked invalid.)"""
    meta = case.meta
    if meta is not None:
        data = meta.phase.data
        mutations = getattr(data, "mutations", None) or ()
        if mutations:
            left = [m for m in mutations if m.parameter_location != ParameterLocation.HEADER]
            if all(
                m.parameter_location == ParameterLocation.QUERY and "additionalProperties" in m.keywords for m in left
            ):
                return None
        else:
            negated = {getattr(data, "parameter_location", None)} - {None}
            if not negated:
                negated = {location for location, component in meta.components.items() if component.mode.is_negative}
            if negated == {ParameterLocation.HEADER}:
                return None
    return negative_data_rejection(ctx, response, case)


# Every built-in check but ``ignored_auth``: it re-sends requests with the generated credentials, and these
# tests send real tokens of their own (the 401s are tested in test_tokens.py).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection_bar_headers,
    positive_data_acceptance,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
]
# Valid-looking input may still be refused on its meaning (422: a credit code whose check character is wrong, a
# cursor this API never gave out, an action the workflow's guards block; 415: an evidence file whose content is of
# a type not accepted), never as malformed (400, 413).
POSITIVE_STATUSES = ["2xx", "401", "403", "404", "409", "415", "422", "429"]


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
    renamed = {
        "<int:document_id>": "{id}",
        "<int:fund_id>": "{id}",
        "<int:fund_request_id>": "{id}",
        "<fund_request_action>": "{action}",
        "<int:mediation_id>": "{id}",
        "<mediation_action>": "{action}",
        "<int:plan_id>": "{id}",
        "<int:referral_id>": "{id}",
        "<referral_action>": "{action}",
        "<int:visit_id>": "{id}",
        "<visit_action>": "{action}",
        "<int:visit_document_id>": "{document_id}",
    }
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = rule.rule
            for flask, openapi in renamed.items():
                path = path.replace(flask, openapi)
            path = path.replace("<", "{").replace(">", "}")
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

    def __init__(self, headers, number, document_id, session, credit_code, mediation_id=None, numbers=None):
        self.headers = headers
        self.number = number
        # The case to aim an operation's ``{number}`` at when it is not ``number`` (by the operation's path).
        self.numbers = numbers or {}
        self.credit_code = credit_code
        self.document_id = document_id
        self.session = session
        self.mediation_id = mediation_id

    def version(self) -> int:
        from app.cases.models import Case

        self.session.expire_all()
        return self.session.execute(select(Case.version).where(Case.number == self.number)).scalar_one()

    def mediation_version(self) -> int:
        from app.mediation.models import Mediation

        self.session.expire_all()
        return self.session.execute(select(Mediation.version).where(Mediation.id == self.mediation_id)).scalar_one()


@pytest.fixture
def callers(app, world, token_for, make_case, session):
    from app.cases import services
    from app.cases.models import Document
    from app.mediation.services import request_mediation

    caseworker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    accepted = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    services.transition(accepted, "accept", caseworker, data={"conditions": ALL_CONDITIONS})
    session.commit()
    document_id = session.execute(select(Document.id).where(Document.case_id == accepted.id)).scalar_one()
    mediation = request_mediation(accepted, caseworker, mediator=world.users["mediator"].email, not_in_court=True)
    # An accepted case with no mediation yet, for requesting one (the first request that is valid succeeds).
    free = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    services.transition(free, "accept", caseworker, data={"conditions": ALL_CONDITIONS})
    session.commit()
    headers = [
        {"Authorization": f"Bearer {token_for(caseworker)}"},
        {"Authorization": f"Bearer {token_for(world.applicant)}"},
    ]
    previous = app.config.get("API_RATE_LIMIT")
    app.config["API_RATE_LIMIT"] = "100000 per minute"  # the fuzzing is not an abuse to throttle
    numbers = {"/api/v1/cases/{number}/mediations": free.number}
    yield Callers(headers, case.number, document_id, session, world.enterprise.credit_code, mediation.id, numbers)
    if previous is None:
        app.config.pop("API_RATE_LIMIT", None)
    else:
        app.config["API_RATE_LIMIT"] = previous


# The referral, visit, fund and report operations are fuzzed by their own modules (test_referrals_fuzz.py,
# test_visits_fuzz.py, test_fund_fuzz.py, test_reports_fuzz.py) with the same checks, aimed at real objects
# of theirs; running them here as well only doubled the time.
schema = schemathesis.openapi.from_dict(spec()).exclude(path_regex="referrals|visits|fund|reports")
schema.config.checks.positive_data_acceptance.expected_statuses = POSITIVE_STATUSES


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
        case.path_parameters = {**params, "number": callers.numbers.get(case.operation.path, callers.number)}
        body = case.body
        if isinstance(body, dict) and "version" in body:
            case.body = {**body, "version": callers.version()}
        yield
        case.body = body
        case.path_parameters = params
    if "id" in params and case.operation.path.startswith("/api/v1/mediations/"):
        case.path_parameters = {**params, "id": callers.mediation_id}
        body = case.body
        if isinstance(body, dict) and "version" in body:
            case.body = {**body, "version": callers.mediation_version()}
        yield
        case.body = body
        case.path_parameters = params
    elif "id" in params:
        case.path_parameters = {**params, "id": callers.document_id}
        yield
        case.path_parameters = params


@schema.parametrize()
@settings(max_examples=examples(25), deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_document(case, app, callers):
    for headers in callers.headers:
        for index, _ in enumerate(_variants(case, callers)):
            response = case.call(headers=headers, app=app)
            # An aimed variant may have replaced the very value schemathesis made invalid (a path parameter).
            checks = CHECKS if index == 0 else [c for c in CHECKS if c is not negative_data_rejection_bar_headers]
            case.validate_response(response, checks=checks)


def test_the_action_body_comes_from_the_workflow():
    """Each action's ``data`` in the document is its inputs' JSON schemas, as the workflow's table declares them."""
    from app.cases.workflow import CASES

    body = spec()["components"]["schemas"]["ActionRequest"]
    assert set(body["x-actions"]) == set(CASES.actions)
    for name, action in CASES.actions.items():
        declared = body["x-actions"][name]
        assert declared["comment_required"] is action.comment_required
        assert declared["data"]["properties"] == {i.name: i.schema for i in action.inputs}
        assert declared["data"]["required"] == [i.name for i in action.inputs if i.required]
        assert f"- `{name}`:" in body["description"]
    data = spec()["components"]["schemas"]["ActionData"]["properties"]
    assert set(data) == {i.name for a in CASES.actions.values() for i in a.inputs}


def test_what_the_server_reads_is_what_the_document_declares(api, world):
    """The list's parameters as declared: ``overdue`` is true, false or empty (not 0/1), a cursor is base64url
    text of at most 200 characters, a credit code 18 characters of its alphabet; a NUL in the query is 400."""
    document = spec()
    params = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/cases"]["get"]["parameters"]}
    assert params["overdue"]["enum"] == ["true", "false", ""]
    assert params["cursor"]["pattern"] and params["cursor"]["maxLength"] == 200
    enterprise = document["components"]["schemas"]["NewEnterprise"]["properties"]["credit_code"]
    assert enterprise["pattern"] and enterprise["maxLength"] == 40
    for operations in document["paths"].values():
        for operation in operations.values():
            assert "400" in operation["responses"]

    client = api(world.users["caseworker"])
    for query in ("overdue=1", "overdue=0", "overdue=TRUE", "cursor=a%2Bb", "cursor=" + "A" * 201):
        response = client.get(f"/api/v1/cases?{query}")
        assert response.status_code == 422, query
    assert client.get("/api/v1/cases?overdue=&state=").status_code == 200
    assert client.get("/api/v1/cases?q=%00").status_code == 400


@pytest.mark.parametrize(
    "code, language, words",
    [
        ("91440300708461136I", "en", "cannot contain"),
        ("1234", "en", "18 characters"),
        ("１２３", "zh-CN", "统一社会信用代码"),
    ],
)
def test_a_credit_code_is_refused_with_the_services_words(api, world, code, language, words):
    from tests.api.test_cases import new_case

    body = new_case(world.enterprise, enterprise={"credit_code": code})
    response = api(world.users["caseworker"], language=language).post("/api/v1/cases", json=body)
    assert response.status_code == 422
    assert words in response.get_json()["error"]["details"]["fields"]["enterprise.credit_code"]


def test_a_credit_code_may_be_spaced_and_lower_case(api, world):
    from tests.api.test_cases import new_case

    code = world.enterprise.credit_code
    spaced = f" {code[:6]} {code[6:]} ".lower()
    body = new_case(world.enterprise, enterprise={"credit_code": spaced})
    response = api(world.users["caseworker"]).post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["enterprise"]["credit_code"] == code


def test_every_field_problem_is_named_at_once_in_the_request_language(api, world):
    from tests.api.test_cases import new_case

    body = new_case(world.enterprise, kind=None, facts=5, claimed_amount_fen=-1, priority=1)
    body["ip_rights"] = [{"type": "design"}]
    body["ip_right"] = {"type": "design"}
    response = api(world.users["caseworker"], language="zh-CN").post("/api/v1/cases", json=body)
    fields = response.get_json()["error"]["details"]["fields"]
    assert set(fields) == {"kind", "facts", "claimed_amount_fen", "priority", "ip_rights"}
    assert all(any("\u4e00" <= c <= "\u9fff" for c in message) for message in fields.values()), fields
