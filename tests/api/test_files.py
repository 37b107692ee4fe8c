"""Evidence files and issued documents through the API: 201 with the file's hash, 413 too large,
415 a refused type, 404 for another's case; documents listed and served as the PDF kept at issue."""

from __future__ import annotations

import hashlib
import io

import pytest

from tests.api.conftest import error_of
from tests.conftest import ALL_CONDITIONS
from tests.core.test_filetypes import ELF, sample_pdf, sample_png


def upload(client, number, content: bytes, filename="证据.pdf", **form):
    data = {"file": (io.BytesIO(content), filename), **form}
    return client.post(f"/api/v1/cases/{number}/attachments", data=data, content_type="multipart/form-data")


@pytest.fixture
def acknowledged(world, make_case):
    return make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])


def test_upload_answers_201_with_the_files_hash(api, world, acknowledged):
    content = sample_pdf()
    response = upload(api(world.applicant), acknowledged.number, content, description="购买凭证")
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"id", "filename", "size", "sha256", "content_type"}
    assert body["sha256"] == hashlib.sha256(content).hexdigest() and body["size"] == len(content)
    assert body["content_type"] == "application/pdf" and body["filename"] == "证据.pdf"

    case = api(world.users["caseworker"]).get(f"/api/v1/cases/{acknowledged.number}").get_json()
    assert case["events"][-1]["data"]["sha256"] == body["sha256"]


def test_refused_type_is_415_and_too_large_is_413(api, world, acknowledged, app):
    client = api(world.users["caseworker"])
    response = upload(client, acknowledged.number, ELF, filename="invoice.pdf")
    assert response.status_code == 415
    error = error_of(response)
    assert error["code"] == "unsupported_media_type" and set(error["details"]["fields"]) == {"file"}

    limit = app.config["EVIDENCE_MAX_BYTES"]
    app.config["EVIDENCE_MAX_BYTES"] = 1000
    try:
        response = upload(client, acknowledged.number, sample_png() + b"\x00" * 2000, filename="big.png")
    finally:
        app.config["EVIDENCE_MAX_BYTES"] = limit
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"

    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = upload(client, acknowledged.number, b"%PDF-" + b"x" * 5000)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413 and error_of(response)["code"] == "too_large"


def test_upload_input_problems(api, world, acknowledged):
    client = api(world.users["caseworker"])
    number = acknowledged.number
    response = client.post(f"/api/v1/cases/{number}/attachments", json={"file": "x"})
    assert response.status_code == 415
    response = client.post(f"/api/v1/cases/{number}/attachments", data={"description": "x"})
    assert response.status_code == 415, "a urlencoded form is not multipart"
    response = client.post(
        f"/api/v1/cases/{number}/attachments", data={"description": "x"}, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and set(error_of(response)["details"]["fields"]) == {"file"}
    response = upload(client, number, b"", filename="empty.pdf")
    assert response.status_code == 422
    response = upload(client, number, sample_pdf(), description="长" * 301)
    assert response.status_code == 422 and set(error_of(response)["details"]["fields"]) == {"description"}
    response = upload(client, number, sample_pdf(), description="a\x00b")
    assert response.status_code == 400


def test_upload_is_refused_to_outsiders_and_on_closed_cases(api, world, acknowledged, make_case):
    assert upload(api(world.other_applicant), acknowledged.number, sample_pdf()).status_code == 404
    assert upload(api(world.sibling_caseworker), acknowledged.number, sample_pdf()).status_code == 404
    assert upload(api(world.users["admin"]), acknowledged.number, sample_pdf()).status_code == 403
    withdrawn = make_case(world.applicant, world.enterprise, state="withdrawn")
    response = upload(api(world.applicant), withdrawn.number, sample_pdf())
    assert response.status_code == 422 and error_of(response)["details"]["reasons"]


def test_documents_are_listed_and_served_as_issued(api, world, acknowledged):
    caseworker = api(world.users["caseworker"])
    assert caseworker.get(f"/api/v1/cases/{acknowledged.number}/documents").get_json() == []
    response = caseworker.post(
        f"/api/v1/cases/{acknowledged.number}/actions/accept",
        json={"version": acknowledged.version, "data": {"conditions": ALL_CONDITIONS}},
    )
    assert response.status_code == 200, response.get_data(as_text=True)

    documents = caseworker.get(f"/api/v1/cases/{acknowledged.number}/documents").get_json()
    assert [d["kind"] for d in documents] == ["acceptance_notice"]
    document = documents[0]
    assert set(document) == {"id", "kind", "sha256", "created_at"}

    for who in (world.users["caseworker"], world.applicant, world.province_admin):
        response = api(who).get(f"/api/v1/documents/{document['id']}")
        assert response.status_code == 200, who.email
        assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
        assert hashlib.sha256(response.data).hexdigest() == document["sha256"]
        assert acknowledged.number in response.headers["Content-Disposition"]

    for who in (world.other_applicant, world.sibling_caseworker):
        response = api(who).get(f"/api/v1/documents/{document['id']}")
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    for path in ("/api/v1/documents/99999999", "/api/v1/documents/0", "/api/v1/documents/99999999999999"):
        assert caseworker.get(path).status_code == 404
