"""The public verification page: the QR code printed on an issued PDF leads to a page that vouches for
that very file, tells nothing personal, answers a plain "not found" and throttles guessing."""

from __future__ import annotations

import hashlib
import io
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import select

from app.cases import documents
from app.cases.enums import DocumentKind
from app.cases.models import Document
from app.core import document_numbers
from tests.helpers import csrf_token

ENTERPRISE = "本市企业有限公司"
RESPONDENT = "某某科技有限公司"
PDFIMAGES_COLUMNS = ("page", "num", "type", "width", "height", "color", "comp", "bpc", "enc", "interp")


@pytest.fixture(autouse=True)
def _documents_use_this_app(app):
    documents.remember_app(app)


def text_of(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return "".join(out.stdout.decode().split())


def qr_urls(data: bytes) -> list[str]:
    """Every QR code of the PDF, read from 200 dpi images of its pages (pdftoppm, then zbar)."""
    from pyzbar.pyzbar import ZBarSymbol, decode

    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-png", "-r", "200", "-", f"{folder}/page"], input=data, check=True)
        found = []
        for page in sorted(Path(folder).glob("page*.png")):
            found += [s.data.decode() for s in decode(Image.open(page), symbols=[ZBarSymbol.QRCODE])]
    return found


def main_of(page: str) -> str:
    return page[page.index('id="content"') : page.index("</main>")]


def notice_of(session, case, kind=DocumentKind.ACCEPTANCE_NOTICE) -> Document:
    session.expire_all()
    return session.execute(select(Document).where(Document.case_id == case.id, Document.kind == kind)).scalar_one()


@pytest.fixture
def accepted(world, make_case, session):
    centre = world.city  # the enterprise's centre, which the case belongs to
    centre.address = "深圳市福田区深南大道6008号"
    centre.phone = "0755-83070000"
    centre.contact_person = "刘海涛"
    centre.document_prefix = "深知援"
    session.commit()
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    return case, notice_of(session, case)


def test_the_qr_code_of_an_issued_pdf_leads_to_the_page_of_that_very_file(accepted, client, world):
    case, doc = accepted
    data = documents.read_document(doc)
    [url] = qr_urls(data)
    # Issued outside a request, with no PUBLIC_BASE_URL: the development server's address.
    assert url == f"http://127.0.0.1:5000/verify/{document_numbers.grouped(doc.verification_code)}"
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert hashlib.sha256(data).hexdigest() in page
    assert doc.number in page and "受理通知书" in page
    assert world.city.name_zh in page
    # Nothing personal: not the enterprise, the applicant, the respondent, the caseworker or the case number.
    for private in (ENTERPRISE, world.applicant.name, RESPONDENT, world.users["caseworker"].name, case.number):
        assert private not in page


def test_the_qr_code_is_one_sharp_image_of_whole_modules(accepted, tmp_path, app):
    """The QR code is a PNG the renderer made for the document, eight pixels a module, drawn without
    smoothing: the modules stay sharp at any zoom and in any printer."""
    import segno

    _case, doc = accepted
    path = tmp_path / "notice.pdf"
    path.write_bytes(documents.read_document(doc))
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    [image] = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    columns = dict(zip(PDFIMAGES_COLUMNS, image[: len(PDFIMAGES_COLUMNS)], strict=True))
    with app.app_context():
        url = document_numbers.verify_url(doc.verification_code)
    modules = segno.make(url, error="m").symbol_size(border=2)[0]
    assert columns["type"] == "image" and columns["interp"] == "no" and columns["color"] == "gray"
    assert int(columns["width"]) == int(columns["height"]) == 8 * modules


def test_the_pdf_shows_its_number_code_and_the_centres_particulars(accepted, world):
    case, doc = accepted
    text = text_of(documents.read_document(doc))
    assert doc.number == f"深知援受〔{doc.year}〕1号" and doc.series == "受" and doc.sequence == 1
    for shown in (
        doc.number,
        document_numbers.grouped(doc.verification_code),
        "深圳市福田区深南大道6008号",
        "0755-83070000",
        "联系人：刘海涛",
        "127.0.0.1:5000/verify",
        "（盖章）",
        "下一步",
        "3个工作日内",  # the centre setting of the next step (default 3 working days)
    ):
        assert "".join(shown.split()) in text, shown
    assert world.users["caseworker"].name in text
    # An unsigned document says nothing about a signature.
    assert "签名" not in text and "签章" not in text
    assert doc.is_signed is False


def test_the_base_url_is_the_configured_public_address(world, make_case, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://ipaid.example.cn/")
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    doc = notice_of(session, case)
    [url] = qr_urls(documents.read_document(doc))
    assert url == f"https://ipaid.example.cn/verify/{document_numbers.grouped(doc.verification_code)}"


def test_a_code_is_read_without_case_dashes_or_spaces(accepted, client):
    _case, doc = accepted
    code = doc.verification_code
    for spelling in (code.lower(), " ".join(document_numbers.grouped(code).split("-")), code):
        assert client.get(f"/verify/{spelling}").status_code == 200, spelling


def test_not_found_is_plain_and_the_same_for_a_near_miss(accepted, client):
    _case, doc = accepted
    code = doc.verification_code
    near = code[:-1] + ("2" if code[-1] != "2" else "3")
    far = "ABCDEFGHJKLMNPQR" if code != "ABCDEFGHJKLMNPQR" else "ZZZZZZZZZZZZZZZZ"
    answers = [client.get(f"/verify/{c}") for c in (near, far, "x", "0" * 16, code + "A")]
    assert {r.status_code for r in answers} == {404}
    bodies = {main_of(r.get_data(as_text=True)) for r in answers}  # the page around it names the URL asked
    assert len(bodies) == 1
    [body] = bodies
    assert "未找到" in body and doc.sha256 not in body and doc.number not in body


def test_json_answers(accepted, client, world):
    _case, doc = accepted
    found = client.get(f"/verify/{doc.verification_code}", headers={"Accept": "application/json"})
    assert found.status_code == 200
    body = found.get_json()
    assert body["status"] == "genuine" and body["sha256"] == doc.sha256 and body["number"] == doc.number
    assert body["kind"] == "acceptance_notice" and body["centre"]["code"] == world.city.code
    assert set(body) == {
        "status",
        "kind",
        "kind_label",
        "number",
        "centre",
        "issued_on",
        "sha256",
        "size",
        "signed",
        "code",
    }
    missing = client.get("/verify/ABCD-EFGH-JKLM-NPQR", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.get_json() == {"status": "not_found"}


def test_guessing_is_throttled(accepted, client, app, monkeypatch):
    _case, doc = accepted
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "3 per minute")
    statuses = [client.get(f"/verify/ABCD-EFGH-JKLM-NP{c}Q").status_code for c in "2345"]
    assert statuses == [404, 404, 404, 429]
    # The real code too: the limit is per address, whatever it asks.
    assert client.get(f"/verify/{doc.verification_code}").status_code == 429


def test_a_visitor_compares_the_file_they_hold(accepted, client):
    _case, doc = accepted
    data = documents.read_document(doc)
    url = f"/verify/{doc.verification_code}"

    def compare(content: bytes):
        token = csrf_token(client, url)
        return client.post(
            url,
            data={"csrf_token": token, "file": (io.BytesIO(content), "notice.pdf")},
            content_type="multipart/form-data",
        )

    same = compare(data)
    assert same.status_code == 200 and "您的文件与签发的文件完全一致" in same.get_data(as_text=True)
    changed = compare(data + b"\n%changed")
    assert changed.status_code == 200 and "指纹不同" in changed.get_data(as_text=True)
    token = csrf_token(client, url)
    empty = client.post(url, data={"csrf_token": token}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "请选择" in empty.get_data(as_text=True)


def test_a_preview_takes_no_number_and_carries_no_code(world, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    data = documents.preview_pdf(case, DocumentKind.ACCEPTANCE_NOTICE)
    assert qr_urls(data) == []
    text = text_of(data)
    assert "预览" in text and "验证码：" not in text
    accepted = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    assert notice_of(session, accepted).sequence == 1  # the preview took none


def test_a_typed_code_goes_to_its_page(accepted, client):
    _case, doc = accepted
    assert "XXXX-XXXX-XXXX-XXXX" in client.get("/verify").get_data(as_text=True)
    typed = client.get("/verify", query_string={"code": doc.verification_code.lower()})
    assert typed.status_code == 303
    assert typed.headers["Location"].endswith(f"/verify/{document_numbers.grouped(doc.verification_code)}")
    assert client.get(typed.headers["Location"]).status_code == 200
