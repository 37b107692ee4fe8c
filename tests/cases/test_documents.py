"""Issued documents: notices on accept and decline, kept as generated, downloaded only by those who see the case."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.cases import documents, services
from app.cases.enums import DeclineReason, DocumentKind
from app.cases.models import CaseEvent, Document
from app.core import pdf, storage
from app.core.audit import verify_chain
from tests.helpers import post_form

ENTERPRISE = "本市企业有限公司"
RESPONDENT = "某某科技有限公司"
FACTS = "被投诉人在电商平台销售与本专利相同的产品。"


@pytest.fixture(autouse=True)
def _documents_use_this_app(app):
    """Services called outside a request render and store with the app of this test session."""
    documents.remember_app(app)


def text_of(data: bytes) -> str:
    """The PDF's text (pdftotext), without any whitespace so that line breaks do not matter."""
    assert data[:5] == b"%PDF-"
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return "".join(out.stdout.decode().split())


def squash(text: str) -> str:
    return "".join(text.split())


def docs_of(session, case) -> list[Document]:
    session.expire_all()
    return list(session.execute(select(Document).where(Document.case_id == case.id).order_by(Document.id)).scalars())


def events_of(session, case) -> list[CaseEvent]:
    return list(session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).scalars())


def stored_bytes(app, doc: Document) -> bytes:
    with app.app_context():
        return storage.absolute(doc.storage_path).read_bytes()


# ---- issuing on the workflow's actions ---------------------------------------------------------------


def test_accepting_issues_an_acceptance_notice_in_chinese(world, make_case, session, app):
    caseworker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker)
    [doc] = docs_of(session, case)
    assert doc.kind is DocumentKind.ACCEPTANCE_NOTICE
    assert doc.template == "pdf/acceptance_notice.html" and doc.language == "zh_CN"
    assert doc.created_by_id == caseworker.id
    text = text_of(documents.read_document(doc))
    assert case.number in text and ENTERPRISE in text and RESPONDENT in text
    assert "CA维权援助中心" in text  # the centre's Chinese name heads a Chinese document
    assert "年" in text and "月" in text  # dates written the Chinese way


def test_the_stored_file_matches_its_row(world, make_case, session, app):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    [doc] = docs_of(session, case)
    data = stored_bytes(app, doc)
    assert hashlib.sha256(data).hexdigest() == doc.sha256 and len(data) == doc.size > 0
    assert doc.storage_path.startswith("documents/")


def test_issuing_is_recorded_in_the_audit_chain(world, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    [doc] = docs_of(session, case)
    events = events_of(session, case)
    assert [e.action for e in events][-2:] == ["accept", "issue_document"]
    issued = events[-1]
    assert issued.data["document"] == "acceptance_notice" and issued.data["sha256"] == doc.sha256
    assert issued.actor_id == world.users["caseworker"].id and issued.visibility == "applicant"
    assert verify_chain(case.number, events) is None


def test_declining_issues_a_non_acceptance_notice_with_reason_and_explanation(world, make_case, session, app):
    case = make_case(world.applicant, world.enterprise, state="declined", staff=world.users["caseworker"])
    [doc] = docs_of(session, case)
    assert doc.kind is DocumentKind.NON_ACCEPTANCE_NOTICE and doc.template == "pdf/non_acceptance_notice.html"
    text = text_of(documents.read_document(doc))
    with app.test_request_context(), force_locale("zh_CN"):
        reason = DeclineReason.INSUFFICIENT_EVIDENCE.label  # whatever the catalog makes of it
    assert case.number in text and ENTERPRISE in text
    assert squash(reason) in text
    assert "证据不足" in text  # the caseworker's explanation (the decline comment)


@pytest.mark.parametrize("state", ["submitted", "acknowledged", "awaiting_material", "withdrawn"])
def test_other_actions_issue_nothing(state, world, make_case, session):
    case = make_case(world.applicant, world.enterprise, state=state, staff=world.users["caseworker"])
    assert docs_of(session, case) == []


def test_later_actions_do_not_issue_the_notice_again(world, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="in_progress", staff=world.users["caseworker"])
    assert [d.kind for d in docs_of(session, case)] == [DocumentKind.ACCEPTANCE_NOTICE]


def test_issuing_again_makes_a_new_row_and_leaves_the_first_untouched(world, make_case, session, app):
    caseworker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker)
    [first] = docs_of(session, case)
    first_bytes = stored_bytes(app, first)
    old_name = world.enterprise.name
    world.enterprise.name = "改名后的企业有限公司"
    session.commit()
    second = documents.issue_document(case, DocumentKind.ACCEPTANCE_NOTICE, caseworker)
    session.commit()
    rows = docs_of(session, case)
    assert [d.id for d in rows] == [first.id, second.id]
    assert second.storage_path != first.storage_path and second.sha256 != first.sha256
    # The first document is exactly as it was issued, with the name of that day.
    assert stored_bytes(app, rows[0]) == first_bytes and rows[0].sha256 == hashlib.sha256(first_bytes).hexdigest()
    assert old_name in text_of(first_bytes)
    assert "改名后的企业有限公司" in text_of(stored_bytes(app, rows[1]))


def test_a_tampered_file_is_not_served_as_the_document(world, make_case, session, app):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    [doc] = docs_of(session, case)
    with app.app_context():
        path = storage.absolute(doc.storage_path)
    path.write_bytes(path.read_bytes() + b"%tampered")
    with pytest.raises(documents.DocumentCorrupted):
        documents.read_document(doc)


# ---- language ----------------------------------------------------------------------------------------


def test_an_english_applicant_gets_an_english_document(world, make_case, session):
    world.applicant.locale = "en"
    session.commit()
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    [doc] = docs_of(session, case)
    assert doc.language == "en"
    text = text_of(documents.read_document(doc))
    assert "Acceptancenotice" in text and "Noticeisherebygiven." in text
    assert "CAcentre" in text and "CA维权援助中心" not in text  # the centre's English name
    assert "年" not in text  # an English date
    assert case.number in text and ENTERPRISE in text  # data stays as entered


def test_a_case_recorded_by_staff_uses_the_first_member_language(world, session):
    world.applicant.locale = "en-GB"
    session.commit()
    caseworker = world.users["caseworker"]
    case = services.create_case(
        caseworker,
        enterprise=world.enterprise,
        kind="complaint",
        channel="hotline",
        rights=[{"type": "utility_model", "number": "202320123456.1"}],
        respondents=[{"name": RESPONDENT}],
        facts=FACTS,
    )
    services.transition(case, "decline", caseworker, comment="不属于本中心受理范围", data={"reason": "out_of_scope"})
    session.commit()
    [doc] = docs_of(session, case)
    assert doc.language == "en" and doc.kind is DocumentKind.NON_ACCEPTANCE_NOTICE


def test_an_enterprise_without_a_language_gets_chinese(world, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    assert world.applicant.locale is None
    assert docs_of(session, case)[0].language == "zh_CN"


# ---- download ----------------------------------------------------------------------------------------


def _url(case, doc) -> str:
    return f"/cases/{case.number}/documents/{doc.id}"


def test_the_applicant_downloads_the_notice(world, make_case, session, login):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    [doc] = docs_of(session, case)
    response = login(world.applicant).get(_url(case, doc))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and f"{case.number}-acceptance_notice.pdf" in disposition
    assert "no-store" in response.headers["Cache-Control"]
    assert hashlib.sha256(response.data).hexdigest() == doc.sha256


@pytest.mark.parametrize("who", ["caseworker", "supervisor", "mediator", "admin"])
def test_staff_of_the_centre_download_it(who, world, make_case, session, login):
    case = make_case(world.applicant, world.enterprise, state="declined", staff=world.users["caseworker"])
    [doc] = docs_of(session, case)
    response = login(world.users[who]).get(_url(case, doc))
    assert response.status_code == 200 and response.data[:5] == b"%PDF-"


@pytest.mark.parametrize("who", ["other_applicant", "sibling_caseworker", "sibling_admin"])
def test_users_of_another_enterprise_or_centre_get_404(who, world, make_case, session, login):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    [doc] = docs_of(session, case)
    response = login(getattr(world, who)).get(_url(case, doc))
    assert response.status_code == 404
    assert response.data[:5] != b"%PDF-"


def test_a_document_of_another_case_is_not_found_under_this_one(world, make_case, session, login):
    caseworker = world.users["caseworker"]
    mine = make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker)
    theirs = make_case(world.other_applicant, world.other_enterprise, state="accepted", staff=world.sibling_caseworker)
    [their_doc] = docs_of(session, theirs)
    client = login(world.applicant)
    assert client.get(f"/cases/{mine.number}/documents/{their_doc.id}").status_code == 404
    assert client.get(f"/cases/{mine.number}/documents/999999").status_code == 404


def test_anonymous_users_are_sent_to_login(world, make_case, session, client):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    [doc] = docs_of(session, case)
    response = client.get(_url(case, doc))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---- case summary and preview ------------------------------------------------------------------------


def test_a_caseworker_issues_a_case_summary(world, make_case, session, login):
    caseworker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker)
    services.add_note(case, caseworker, "内部备注不给申请人看")
    session.commit()
    client = login(caseworker)
    response = post_form(client, f"/cases/{case.number}/summary", {}, token_url=f"/cases/{case.number}")
    assert response.status_code == 302
    assert response.headers["Location"].split("#")[0] == f"/cases/{case.number}"
    docs = docs_of(session, case)
    assert [d.kind for d in docs] == [DocumentKind.ACCEPTANCE_NOTICE, DocumentKind.CASE_SUMMARY]
    summary = docs[-1]
    assert summary.created_by_id == caseworker.id and summary.template == "pdf/case_summary.html"
    text = text_of(documents.read_document(summary))
    assert case.number in text and ENTERPRISE in text and RESPONDENT in text and FACTS in text
    assert "202320123456.1" in text and docs[0].sha256 in text  # rights and the notice issued before
    assert "内部备注不给申请人看" not in text  # internal notes stay out of the timeline
    assert events_of(session, case)[-1].data["document"] == "case_summary"


@pytest.mark.parametrize("who", ["applicant", "mediator", "admin"])
def test_others_cannot_issue_a_summary(who, world, make_case, session, login):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    client = login(world.users[who])
    response = post_form(client, f"/cases/{case.number}/summary", {}, token_url="/")
    assert response.status_code == 403
    assert len(docs_of(session, case)) == 1


def test_a_caseworker_of_another_centre_cannot_issue_a_summary(world, make_case, session, login):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    response = post_form(login(world.sibling_caseworker), f"/cases/{case.number}/summary", {}, token_url="/")
    assert response.status_code == 404
    assert len(docs_of(session, case)) == 1


def test_issuing_a_summary_needs_the_csrf_token(world, make_case, session, login):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    response = login(world.users["caseworker"]).post(f"/cases/{case.number}/summary")
    assert response.status_code == 400
    assert len(docs_of(session, case)) == 1


def test_the_summary_service_refuses_non_handlers(world, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    with pytest.raises(services.ActionRefused):
        documents.issue_case_summary(case, world.applicant)
    with pytest.raises(services.ActionRefused):
        documents.issue_case_summary(case, world.sibling_caseworker)


def test_staff_preview_a_document_without_saving_it(world, make_case, session, login):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    client = login(world.users["caseworker"])
    response = client.get(f"/cases/{case.number}/documents/preview/acceptance_notice")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert case.number in text_of(response.data) and ENTERPRISE in text_of(response.data)
    assert client.get(f"/cases/{case.number}/documents/preview/case_summary").status_code == 200
    assert client.get(f"/cases/{case.number}/documents/preview/no_such_kind").status_code == 404
    assert docs_of(session, case) == []


def test_applicants_cannot_preview(world, make_case, session, login):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    response = login(world.applicant).get(f"/cases/{case.number}/documents/preview/acceptance_notice")
    assert response.status_code == 403


def test_the_documents_list_links_each_download(world, make_case, session, app):
    from flask import render_template
    from flask_login import login_user

    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    [doc] = docs_of(session, case)
    with app.test_request_context("/"):
        login_user(world.applicant)
        html = render_template("cases/_documents.html", case=case, documents=[doc])
    assert f'href="/cases/{case.number}/documents/{doc.id}"' in html
    assert doc.number and doc.number in html  # the applicant sees the document's number…
    assert doc.sha256[:12] not in html  # …and no checksum (the verification page has it)
    assert "/summary" not in html  # applicants get no button to issue a summary
    with app.test_request_context("/"):
        login_user(world.users["caseworker"])
        staff_html = render_template("cases/_documents.html", case=case, documents=[doc])
    assert f"/cases/{case.number}/summary" in staff_html and "preview/acceptance_notice" in staff_html
    assert doc.sha256[:12] in staff_html and doc.sha256 not in staff_html.replace(f'title="{doc.sha256}"', "")


# ---- the renderer ------------------------------------------------------------------------------------


def test_chinese_is_drawn_with_embedded_cjk_fonts(world, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    data = documents.read_document(docs_of(session, case)[0])
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    lines = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert lines and all(" yes yes yes " in line for line in lines)  # embedded, subset, with ToUnicode
    assert any("CJK" in line or "IPAid" in line for line in lines)


def test_the_url_fetcher_serves_only_static_files(app, tmp_path):
    fetcher = pdf.static_url_fetcher(app)
    css = Path(app.static_folder, "pdf", "print.css").resolve()
    response = fetcher.fetch(css.as_uri())
    assert response.read().startswith(b"/*") and response.content_type == "text/css"
    outside = tmp_path / "secret.css"
    outside.write_text("body{}")
    for url in (
        "http://example.com/x.css",
        "https://127.0.0.1/x.png",
        "ftp://example.com/x",
        "data:text/css,body{}",
        "file:///etc/passwd",
        outside.as_uri(),
        css.as_uri().replace("/pdf/print.css", "/pdf/../../../config.py"),
        "file://evil.example/" + str(css),
    ):
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)
    # The images the renderer made for one document (its QR codes) are served to that document only.
    png = b"\x89PNG\r\n\x1a\n made for this document"
    made = pdf.static_url_fetcher(app, {"qr-1": png})
    response = made.fetch("ipaid-image:qr-1")
    assert response.read() == png and response.content_type == "image/png"
    for other, url in ((made, "ipaid-image:qr-2"), (made, "ipaid-image:"), (fetcher, "ipaid-image:qr-1")):
        with pytest.raises(pdf.RefusedURL):
            other.fetch(url)


def test_the_renderer_takes_plain_values_only(world, app):
    with app.app_context():
        with pytest.raises(TypeError, match="plain values"):
            pdf.render_pdf("acceptance_notice.html", {"enterprise": world.enterprise}, "zh_CN")
        for name in ("../base.html", "cases/show.html", "pdf/../base.html", "x.txt"):
            with pytest.raises(ValueError):
                pdf.render_pdf(name, {}, "zh_CN")
    assert pdf.template_path("acceptance_notice.html") == pdf.template_path("pdf/acceptance_notice.html")
    assert pdf.language("en_US") == "en" and pdf.language("zh_Hans_CN") == "zh_CN" and pdf.language(None) == "zh_CN"


def test_a_preview_renders_the_current_data_without_storing(world, make_case, session, app):
    case = make_case(world.applicant, world.enterprise, state="declined", staff=world.users["caseworker"])
    with app.app_context():
        before = sorted(p.name for p in storage.root().rglob("*") if p.is_file())
    data = documents.preview_pdf(case, DocumentKind.NON_ACCEPTANCE_NOTICE, world.users["caseworker"])
    assert case.number in text_of(data) and "证据不足" in text_of(data)
    with app.app_context():
        assert sorted(p.name for p in storage.root().rglob("*") if p.is_file()) == before
    assert len(docs_of(session, case)) == 1


def test_a_failure_after_rendering_leaves_no_file(world, make_case, session, app, monkeypatch):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    with app.app_context():
        before = sorted(p.name for p in storage.root().rglob("*") if p.is_file())

    def audit_fails(*args, **kwargs):
        raise RuntimeError("the audit chain is unavailable")

    monkeypatch.setattr(documents, "record_event", audit_fails)  # where issuing writes its event
    with pytest.raises(RuntimeError):
        documents.issue_document(case, DocumentKind.CASE_SUMMARY, world.users["caseworker"])
    session.rollback()
    with app.app_context():
        assert sorted(p.name for p in storage.root().rglob("*") if p.is_file()) == before


def test_the_case_page_shows_the_documents(world, make_case, session, login):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    [doc] = docs_of(session, case)
    html = login(world.applicant).get(f"/cases/{case.number}").get_data(as_text=True)
    assert f'href="/cases/{case.number}/documents/{doc.id}"' in html and doc.number in html
    assert doc.sha256[:12] not in html
    staff_html = login(world.users["caseworker"]).get(f"/cases/{case.number}").get_data(as_text=True)
    assert doc.sha256[:12] in staff_html
    assert f'action="/cases/{case.number}/summary"' in staff_html
