"""``GET /api/v1/reports/annual?centre=CODE&year=YYYY``: the issued PDF (or its content as JSON), 404 with
a clear error before it is issued and for a centre out of the caller's scope; and the OpenAPI document."""

from __future__ import annotations

import hashlib

import pytest

from app.reports.annual import services
from tests.reports.annual.conftest import SECTIONS, YEAR


@pytest.fixture
def api(app, session):
    from app.api.services import issue_token

    def client_of(user):
        _token, value = issue_token(user, "tests")
        session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {value}", "Accept-Language": "en"}
        return lambda path, **kw: client.get(path, headers={**headers, **kw.pop("headers", {})}, **kw)

    return client_of


def test_the_issued_report(world, people, draft, api, session, make_case):
    from sqlalchemy import update

    from app.cases.models import Case
    from tests.reports.annual.conftest import china

    # a case received in the year (after the draft was made: the writer takes the figures again)
    case = make_case(world.applicant, world.enterprise)
    session.execute(update(Case).where(Case.id == case.id).values(submitted_at=china(YEAR, 6, 1)))
    services.refresh_figures(people["writer"], draft)
    assert draft.figures["values"]["current"]["all"]["cases.received"] == 1
    get = api(people["reviewer"])
    url = f"/api/v1/reports/annual?centre={world.city.code}&year={YEAR}"
    response = get(url)
    assert response.status_code == 404
    assert "not issued yet" in response.get_json()["error"]["message"]
    services.submit(people["writer"], draft, SECTIONS)
    services.approve(people["reviewer"], draft)
    session.commit()
    response = get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert hashlib.sha256(response.data).hexdigest() == draft.document.sha256
    body = get(url + "&format=json").get_json()
    assert body["sections"] == SECTIONS and body["year"] == YEAR
    assert body["issued"]["number"] == draft.document.number and body["centre"]["code"] == world.city.code
    assert body["figures"]["cases"]["received"] == 1
    # the writer's own centre, by default
    assert api(people["writer"])(f"/api/v1/reports/annual?year={YEAR}").status_code == 200


def test_scope_role_and_bad_input(world, people, draft, api):
    sibling = api(people["sibling"])
    response = sibling(f"/api/v1/reports/annual?centre={world.city.code}&year={YEAR}")
    assert response.status_code == 404 and response.get_json()["error"]["message"]
    assert api(people["caseworker"])(f"/api/v1/reports/annual?centre={world.city.code}&year={YEAR}").status_code == 403
    writer = api(people["writer"])
    assert writer(f"/api/v1/reports/annual?centre=NOPE&year={YEAR}").status_code == 404
    for bad in ("year=25", "year=abcd", "year=1999", "", f"year={YEAR}&format=docx", f"year={YEAR}&centre=%00"):
        response = writer(f"/api/v1/reports/annual?{bad}")
        assert response.status_code in (400, 422), (bad, response.status_code)
        assert response.get_json()["error"]["message"]


def test_the_operation_is_in_the_spec(app):
    from app.api.openapi import spec

    operation = spec()["paths"]["/api/v1/reports/annual"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"centre", "year", "format"} <= names
    assert set(operation["responses"]["200"]["content"]) == {"application/pdf", "application/json"}
