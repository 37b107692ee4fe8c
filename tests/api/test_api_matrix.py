"""API route × role → expected status, with the caller's own case and a sibling centre's case.

Every route of the API blueprint must appear here (a test checks that). The users are the
``world``'s, all at the city centre CA; "own" is a case of the city's enterprise (whose
applicant is ``world.applicant``), "other" a case of the sibling city CB: nobody here may
see it, so every route that takes it answers 404, exactly as for a number that does not exist.
"""

from __future__ import annotations

import io

import pytest

from tests.conftest import ALL_CONDITIONS
from tests.core.test_filetypes import sample_pdf

ROLES = ["anon", "applicant", "caseworker", "mediator", "supervisor", "fund_committee", "admin"]
STAFF = ["caseworker", "mediator", "supervisor", "fund_committee", "admin"]


def expect(default, **per_role):
    table = {role: default for role in ROLES}
    staff = per_role.pop("staff", None)
    if staff is not None:
        table.update({role: staff for role in STAFF})
    table.update(per_role)
    if "anon" not in per_role:
        table["anon"] = 401  # no token: nothing but the document itself
    return table


def pdf_upload():
    return {"data": {"file": (io.BytesIO(sample_pdf()), "evidence.pdf")}, "content_type": "multipart/form-data"}


# (endpoint, method, path of the world's objects, request kwargs, expected statuses)
MATRIX = [
    ("api.openapi_json", "GET", lambda o: "/api/v1/openapi.json", {}, expect(200, anon=200)),
    ("api.list_cases_endpoint", "GET", lambda o: "/api/v1/cases", {}, expect(200)),
    ("api.my_work_endpoint", "GET", lambda o: "/api/v1/my-work", {}, expect(200, applicant=403)),
    ("api.list_notifications", "GET", lambda o: "/api/v1/notifications", {}, expect(200)),
    ("api.list_notifications", "GET", lambda o: "/api/v1/notifications?cursor=x", {}, expect(422)),
    ("api.list_agencies", "GET", lambda o: "/api/v1/agencies", {}, expect(200, applicant=403)),
    ("api.list_agencies", "GET", lambda o: "/api/v1/agencies?cursor=x", {}, expect(422, applicant=403)),
    (
        "api.create_case_endpoint",
        "POST",
        lambda o: "/api/v1/cases",
        {"json": {}},
        expect(422, mediator=403, fund_committee=403, admin=403),
    ),
    # the monthly report (tests/api/test_reports.py): the caller's own centre, a sibling's, bad input
    (
        "api.monthly_report",
        "GET",
        lambda o: "/api/v1/reports/monthly?month=2026-10&format=json",
        {},
        expect(403, supervisor=200, admin=200),
    ),
    (
        "api.monthly_report",
        "GET",
        lambda o: "/api/v1/reports/monthly?centre=CB&month=2026-10&format=json",
        {},
        expect(403, supervisor=404, admin=404),
    ),
    (
        "api.monthly_report",
        "GET",
        lambda o: "/api/v1/reports/monthly?centre=CA&month=2026-13",
        {},
        expect(403, supervisor=422, admin=422),
    ),
    (
        "api.monthly_report_list",
        "GET",
        lambda o: "/api/v1/reports/monthly/list?centre=CA&month=2026-10&measure=cases.received",
        {},
        expect(403, supervisor=200, admin=200),
    ),
    (
        "api.monthly_report_list",
        "GET",
        lambda o: "/api/v1/reports/monthly/list?centre=CB&month=2026-10&measure=cases.received",
        {},
        expect(403, supervisor=404, admin=404),
    ),
    # the annual report (tests/reports/annual/test_api.py reads an issued one): none in this world yet
    (
        "api.annual_report",
        "GET",
        lambda o: "/api/v1/reports/annual?year=2025",
        {},
        expect(403, supervisor=404, admin=404),
    ),
    (
        "api.annual_report",
        "GET",
        lambda o: "/api/v1/reports/annual?centre=CB&year=2025",
        {},
        expect(403, supervisor=404, admin=404),
    ),
    (
        "api.annual_report",
        "GET",
        lambda o: "/api/v1/reports/annual?centre=CA&year=x",
        {},
        expect(403, supervisor=422, admin=422),
    ),
    ("api.get_case", "GET", lambda o: f"/api/v1/cases/{o['own'].number}", {}, expect(200)),
    ("api.get_case", "GET", lambda o: f"/api/v1/cases/{o['other'].number}", {}, expect(404)),
    ("api.case_actions", "GET", lambda o: f"/api/v1/cases/{o['own'].number}/actions", {}, expect(200)),
    ("api.case_actions", "GET", lambda o: f"/api/v1/cases/{o['other'].number}/actions", {}, expect(404)),
    (
        "api.take_action",
        "POST",
        lambda o: f"/api/v1/cases/{o['own'].number}/actions/withdraw",
        {"json": "own_version"},
        # no comment: the guard refuses those who may withdraw; the others may never act
        expect(422, mediator=403, fund_committee=403, admin=403),
    ),
    (
        "api.take_action",
        "POST",
        lambda o: f"/api/v1/cases/{o['other'].number}/actions/withdraw",
        {"json": "other_version"},
        expect(404),
    ),
    (
        "api.upload_attachment",
        "POST",
        lambda o: f"/api/v1/cases/{o['own'].number}/attachments",
        "upload",
        expect(201, mediator=403, fund_committee=403, admin=403),
    ),
    (
        "api.upload_attachment",
        "POST",
        lambda o: f"/api/v1/cases/{o['other'].number}/attachments",
        "upload",
        expect(404),
    ),
    ("api.list_documents", "GET", lambda o: f"/api/v1/cases/{o['own'].number}/documents", {}, expect(200)),
    ("api.list_documents", "GET", lambda o: f"/api/v1/cases/{o['other'].number}/documents", {}, expect(404)),
    # deleting: only a draft, only by its author (staff never see an applicant's draft); a submitted case is
    # withdrawn instead (422 for its filer, 403 for staff who see it but did not start it)
    ("api.delete_case", "DELETE", lambda o: f"/api/v1/cases/{o['own_draft'].ref}", {}, expect(404, applicant=204)),
    ("api.delete_case", "DELETE", lambda o: f"/api/v1/cases/{o['own'].number}", {}, expect(403, applicant=422)),
    ("api.delete_case", "DELETE", lambda o: f"/api/v1/cases/{o['other'].number}", {}, expect(404)),
    ("api.get_document_pdf", "GET", lambda o: f"/api/v1/documents/{o['own_document']}", {}, expect(200)),
    ("api.get_document_pdf", "GET", lambda o: f"/api/v1/documents/{o['other_document']}", {}, expect(404)),
    # mediations: the own case's (its mediator is the world's), the sibling city's (nobody here sees it)
    ("api.list_mediations_endpoint", "GET", lambda o: "/api/v1/mediations", {}, expect(200)),
    ("api.list_mediations_endpoint", "GET", lambda o: "/api/v1/mediations?cursor=x", {}, expect(422)),
    ("api.get_mediation", "GET", lambda o: f"/api/v1/mediations/{o['own_mediation'].id}", {}, expect(200)),
    ("api.get_mediation", "GET", lambda o: f"/api/v1/mediations/{o['other_mediation'].id}", {}, expect(404)),
    ("api.mediation_actions", "GET", lambda o: f"/api/v1/mediations/{o['own_mediation'].id}/actions", {}, expect(200)),
    (
        "api.mediation_actions",
        "GET",
        lambda o: f"/api/v1/mediations/{o['other_mediation'].id}/actions",
        {},
        expect(404),
    ),
    (
        "api.create_mediation",
        "POST",
        lambda o: f"/api/v1/cases/{o['own'].number}/mediations",
        {"json": {}},
        # one is under way already and the confirmation is missing: refused with reasons to those who start one
        expect(422, applicant=403, mediator=403, fund_committee=403, admin=403),
    ),
    (
        "api.create_mediation",
        "POST",
        lambda o: f"/api/v1/cases/{o['other'].number}/mediations",
        {"json": {}},
        expect(404),
    ),
    (
        "api.take_mediation_action",
        "POST",
        lambda o: f"/api/v1/mediations/{o['own_mediation'].id}/actions/withdraw",
        {"json": "own_mediation_version"},
        # no comment: the guard refuses those who may withdraw (the applicant, staff who act, the assigned mediator)
        expect(422, fund_committee=403, admin=403),
    ),
    (
        "api.take_mediation_action",
        "POST",
        lambda o: f"/api/v1/mediations/{o['other_mediation'].id}/actions/withdraw",
        {"json": "other_mediation_version"},
        expect(404),
    ),
    (
        "api.mediation_actions",
        "POST",
        lambda o: f"/api/v1/mediations/{o['own_mediation'].id}/actions",
        {"json": "own_mediation_version", "action": "withdraw"},
        expect(422, fund_committee=403, admin=403),
    ),
    (
        "api.mediation_actions",
        "POST",
        lambda o: f"/api/v1/mediations/{o['other_mediation'].id}/actions",
        {"json": "other_mediation_version", "action": "withdraw"},
        expect(404),
    ),
]


@pytest.fixture
def objects(world, make_case, session):
    from sqlalchemy import select

    from app.cases import services
    from app.cases.models import Document

    own = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    other = make_case(
        world.other_applicant, world.other_enterprise, state="acknowledged", staff=world.sibling_caseworker
    )
    services.transition(own, "accept", world.users["caseworker"], data={"conditions": ALL_CONDITIONS})
    services.transition(other, "accept", world.sibling_caseworker, data={"conditions": ALL_CONDITIONS})
    session.commit()

    def document_of(case):
        return session.execute(select(Document.id).where(Document.case_id == case.id)).scalar_one()

    own_draft = make_case(world.applicant, world.enterprise, state="draft")
    from app.mediation.services import request_mediation

    mediator = world.users["mediator"].email
    own_mediation = request_mediation(own, world.users["caseworker"], mediator=mediator, not_in_court=True)
    other_mediation = request_mediation(other, world.sibling_caseworker, not_in_court=True)
    session.commit()
    return {
        "own": own,
        "other": other,
        "own_draft": own_draft,
        "own_document": document_of(own),
        "other_document": document_of(other),
        "own_mediation": own_mediation,
        "other_mediation": other_mediation,
    }


@pytest.mark.parametrize("role", ROLES)
def test_api_route_role_matrix(role, world, objects, app, token_for, session):
    client = app.test_client()
    headers = {} if role == "anon" else {"Authorization": f"Bearer {token_for(world.users[role])}"}
    wrong = []
    for _endpoint, method, path_of, kwargs, expected in MATRIX:
        path = path_of(objects)
        if kwargs == "upload":
            kwargs = pdf_upload()
        elif kwargs.get("json") in ("own_version", "other_version"):
            case = objects["own" if kwargs["json"] == "own_version" else "other"]
            session.refresh(case)
            kwargs = {"json": {"version": case.version}}
        elif kwargs.get("json") in ("own_mediation_version", "other_mediation_version"):
            mediation = objects[kwargs["json"].removesuffix("_version")]
            session.refresh(mediation)
            body = {"version": mediation.version}
            if "action" in kwargs:  # the action named in the body
                body["action"] = kwargs["action"]
            kwargs = {"json": body}
        response = client.open(path, method=method, headers=headers, **kwargs)
        if response.status_code != expected[role]:
            wrong.append(f"{method} {path}: expected {expected[role]}, got {response.status_code}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_every_api_route_is_in_the_matrix(app):
    from tests.api.test_fund_matrix import ENDPOINTS as FUND_ENDPOINTS  # as have the fund's
    from tests.api.test_referrals_matrix import ENDPOINTS as REFERRAL_ENDPOINTS  # as have the referrals'
    from tests.api.test_visits_matrix import ENDPOINTS as VISIT_ENDPOINTS  # as have the visits'
    from tests.plans.test_api_matrix import ENDPOINTS as PLAN_ENDPOINTS  # the plans' routes have their own matrix

    routed = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    others = PLAN_ENDPOINTS | REFERRAL_ENDPOINTS | VISIT_ENDPOINTS | FUND_ENDPOINTS
    assert routed == {endpoint for endpoint, *_ in MATRIX} | others
