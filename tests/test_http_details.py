"""HTTP details: a 405 says which methods the URL allows (``Allow``, RFC 9110 §15.5.6), whichever
error page answers it; a text download names exactly one charset, the file's own."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.cases.test_evidence import upload


def _allowed(response) -> set[str]:
    assert len(response.headers.getlist("Allow")) == 1
    return {method.strip() for method in response.headers["Allow"].split(",")}


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("delete", "/login", {"GET", "POST"}),
        ("put", "/", {"GET"}),
        ("post", "/admin/calendar", {"GET"}),
        ("delete", "/api/v1/cases", {"GET", "POST"}),
    ],
)
def test_every_405_names_the_allowed_methods(client, method, path, allowed):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert allowed <= _allowed(response)
    assert method.upper() not in _allowed(response)


def test_a_405_as_json_names_them_too(client):
    response = client.delete("/login", headers={"Accept": "application/json"})
    assert response.status_code == 405 and response.is_json
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert {"GET", "POST"} <= _allowed(response)


def _charsets(response) -> list[str]:
    params = [part.strip() for part in response.headers["Content-Type"].split(";")[1:]]
    return [p.partition("=")[2].lower() for p in params if p.lower().startswith("charset=")]


def test_the_csv_export_names_one_charset(world, login):
    response = login(world.users["caseworker"]).get("/cases/export.csv")
    assert response.status_code == 200
    assert response.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]
    assert _charsets(response) == ["utf-8"]


@pytest.mark.parametrize(
    "content, charset",
    [
        ("侵权链接：某电商平台店铺\n".encode("gb18030"), "gb18030"),
        ("购买凭证\r\n".encode("utf-16"), "utf-16"),
        ("购买凭证：淘宝订单 123456\n".encode(), "utf-8"),
    ],
)
def test_a_text_evidence_download_names_its_own_charset_once(world, make_case, login, session, content, charset):
    from app.cases.models import Attachment

    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    client = login(world.applicant)
    assert upload(client, case, [(content, "notes.txt")]).status_code == 302
    attachment = session.execute(select(Attachment).where(Attachment.case_id == case.id)).scalar_one()
    response = client.get(f"/cases/{case.number}/evidence/{attachment.id}")
    assert response.status_code == 200 and response.data == content
    assert response.headers.getlist("Content-Type") == [f"text/plain; charset={charset}"]
    assert _charsets(response) == [charset]


@pytest.mark.parametrize(
    "given, expected",
    [
        ("text/plain; charset=gb18030; charset=utf-8", "text/plain; charset=gb18030"),
        ("text/csv; charset=utf-8; charset=utf-8", "text/csv; charset=utf-8"),
        ("text/csv;charset=UTF-8;  Charset=utf-8; header=present", "text/csv; charset=UTF-8; header=present"),
        ("text/csv; charset=utf-8", "text/csv; charset=utf-8"),
        ("application/pdf", "application/pdf"),
    ],
)
def test_one_charset(given, expected):
    from app.core.requests import one_charset

    assert one_charset(given) == expected
