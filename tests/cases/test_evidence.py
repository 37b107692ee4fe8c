"""Evidence files: real documents are stored with their hash and an audit event; disguised,
oversized or empty files, closed cases and outsiders are refused, and a refusal leaves
neither a row nor a file behind. Downloads are attachments, only for those who see the case."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.cases.attachments import (
    EmptyFile,
    FileTooLarge,
    FileTypeRefused,
    add_attachment,
    can_add_evidence,
    get_attachment,
    list_attachments,
)
from app.cases.models import Attachment, CaseEvent
from app.cases.services import ActionRefused
from app.core.audit import verify_chain
from app.core.errors import ServiceError
from tests.core.test_filetypes import (
    ELF,
    sample_docx,
    sample_jpeg,
    sample_ole2,
    sample_pdf,
    sample_png,
    sample_text,
    sample_xlsx,
)
from tests.helpers import csrf_token

SAMPLES = {
    "pdf": ("起诉状.pdf", sample_pdf, "application/pdf"),
    "png": ("screenshot.png", sample_png, "image/png"),
    "jpeg": ("photo.jpeg", sample_jpeg, "image/jpeg"),
    "docx": ("comparison.docx", sample_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("sales.xlsx", sample_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "doc": ("legacy.doc", sample_ole2, "application/msword"),
    "text": ("notes.txt", sample_text, "text/plain; charset=utf-8"),
}


def stored_files(app) -> list[Path]:
    return sorted(p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file())


def attachments_of(session, case) -> list[Attachment]:
    session.expire_all()
    return list(session.execute(select(Attachment).where(Attachment.case_id == case.id)).scalars())


def events_of(session, case) -> list[CaseEvent]:
    return list(session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).scalars())


def upload(client, case, files, description="", token=None):
    """POST files (a list of (bytes, name)) to the case's evidence endpoint with a CSRF token."""
    data = {
        "csrf_token": token or csrf_token(client, "/"),
        "description": description,
        "file": [(io.BytesIO(content), name) for content, name in files],
    }
    return client.post(f"/cases/{case.number}/evidence", data=data, content_type="multipart/form-data")


def in_english(client):
    """Switch the client's interface to English, so that messages can be compared."""
    response = client.post("/language", data={"locale": "en", "next": "/", "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    return client


@pytest.fixture
def open_case(world, make_case):
    return make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])


# ---- uploads that are kept ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_applicant_uploads_a_real_file(kind, world, open_case, login, session, app):
    name, build, content_type = SAMPLES[kind]
    content = build()
    client = login(world.applicant)
    before = len(stored_files(app))

    response = upload(client, open_case, [(content, name)], description="购买凭证")

    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].endswith(f"/cases/{open_case.number}")
    [attachment] = attachments_of(session, open_case)
    assert attachment.filename == name
    assert attachment.content_type == content_type
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.uploaded_by_id == world.applicant.id
    assert attachment.description == "购买凭证"
    assert attachment.storage_path.startswith("evidence/")
    on_disk = Path(app.config["UPLOAD_FOLDER"]) / attachment.storage_path
    assert on_disk.read_bytes() == content
    assert len(stored_files(app)) == before + 1

    events = events_of(session, open_case)
    assert events[-1].action == "add_evidence"
    assert events[-1].actor_id == world.applicant.id
    assert events[-1].data == {"attachment": attachment.id, "filename": name, "sha256": attachment.sha256}
    assert verify_chain(open_case.number, events) is None


def test_staff_upload_several_files_at_once(world, open_case, login, session, app):
    client = login(world.users["caseworker"])
    response = upload(client, open_case, [(sample_pdf(), "a.pdf"), (sample_png(), "b.png")])
    assert response.status_code == 302
    assert sorted(a.filename for a in attachments_of(session, open_case)) == ["a.pdf", "b.png"]
    assert [e.action for e in events_of(session, open_case)][-2:] == ["add_evidence", "add_evidence"]


def test_a_pdf_under_another_name_is_kept_as_pdf_with_a_matching_extension(world, open_case, login, session):
    client = login(world.applicant)
    assert upload(client, open_case, [(sample_pdf(), "invoice.exe")]).status_code == 302
    [attachment] = attachments_of(session, open_case)
    assert attachment.content_type == "application/pdf"
    assert attachment.filename == "invoice.exe.pdf"


def test_path_traversal_and_control_characters_in_the_name_are_removed(world, open_case, login, session, app):
    client = login(world.applicant)
    response = upload(
        client, open_case, [(sample_pdf(), "../../etc/passwd.pdf"), (sample_pdf(), "evi\x07den\x1bce\x7f.pdf")]
    )
    assert response.status_code == 302
    names = sorted(a.filename for a in attachments_of(session, open_case))
    assert names == ["evidence.pdf", "passwd.pdf"]
    root = Path(app.config["UPLOAD_FOLDER"]).resolve()
    for attachment in attachments_of(session, open_case):
        assert root in (root / attachment.storage_path).resolve().parents
        assert "passwd" not in attachment.storage_path


# ---- refusals leave nothing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>", id="html"),
        pytest.param(ELF, id="elf"),
        pytest.param(b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00" + b"\x00" * 100, id="pe"),
    ],
)
def test_disguised_file_named_pdf_is_refused(content, world, open_case, login, session, app):
    client = in_english(login(world.applicant))
    before = stored_files(app)
    response = upload(client, open_case, [(content, "contract.pdf")])
    assert response.status_code == 415
    page = response.get_data(as_text=True)
    assert "contract.pdf is not a type of file we accept." in page
    assert f"/cases/{open_case.number}" in page  # a way back
    assert attachments_of(session, open_case) == []
    assert "add_evidence" not in [e.action for e in events_of(session, open_case)]
    assert stored_files(app) == before


def test_refusal_message_names_the_accepted_types(world, open_case, login):
    client = in_english(login(world.applicant))
    response = upload(client, open_case, [(ELF, "x.pdf")])
    assert response.status_code == 415
    page = response.get_data(as_text=True)
    assert "x.pdf is not a type of file we accept" in page
    for name in ("PDF", "JPEG", "PNG", "Word", "Excel", "plain text"):
        assert name in page


def test_one_bad_file_refuses_the_whole_upload(world, open_case, login, session, app):
    client = in_english(login(world.applicant))
    before = stored_files(app)
    response = upload(client, open_case, [(sample_pdf(), "good.pdf"), (ELF, "bad.pdf")])
    assert response.status_code == 415
    page = response.get_data(as_text=True)
    assert "bad.pdf is not a type of file we accept." in page and "None of the files were saved." in page
    assert attachments_of(session, open_case) == []
    assert stored_files(app) == before  # the good file stored first is removed with the rollback


def test_file_over_the_limit_is_refused_with_413(world, open_case, login, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 1000)
    client = in_english(login(world.applicant))
    before = stored_files(app)
    response = upload(client, open_case, [(b"x" * 1001, "long.txt")])
    assert response.status_code == 413
    assert "long.txt is larger than 1.0 KB" in response.get_data(as_text=True)
    assert attachments_of(session, open_case) == []
    assert stored_files(app) == before
    # exactly at the limit is fine
    assert upload(client, open_case, [(b"x" * 1000, "limit.txt")]).status_code == 302


def test_empty_file_is_refused(world, open_case, login, session, app):
    client = in_english(login(world.applicant))
    before = stored_files(app)
    response = upload(client, open_case, [(b"", "empty.pdf")])
    assert response.status_code == 422
    assert "empty.pdf is empty." in response.get_data(as_text=True)
    assert attachments_of(session, open_case) == []
    assert stored_files(app) == before


def test_no_file_chosen_is_refused(world, open_case, login, session):
    client = login(world.applicant)
    response = client.post(
        f"/cases/{open_case.number}/evidence",
        data={"csrf_token": csrf_token(client, "/"), "description": "x"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert attachments_of(session, open_case) == []


def test_upload_without_csrf_token_is_refused(world, open_case, login, session, app):
    client = login(world.applicant)
    before = stored_files(app)
    response = client.post(
        f"/cases/{open_case.number}/evidence",
        data={"file": (io.BytesIO(sample_pdf()), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert attachments_of(session, open_case) == []
    assert stored_files(app) == before


@pytest.mark.parametrize("state", ["closed", "withdrawn", "declined"])
def test_no_upload_once_the_case_is_finished(state, world, make_case, login, session, app):
    case = make_case(world.applicant, world.enterprise, state=state, staff=world.users["caseworker"])
    before = stored_files(app)
    for user in (world.applicant, world.users["caseworker"]):
        client = in_english(login(user))
        for files in ([(sample_pdf(), "late.pdf")], []):
            response = upload(client, case, files)
            assert response.status_code == 422
            assert "Files can no longer be added" in response.get_data(as_text=True)
    assert attachments_of(session, case) == []
    assert stored_files(app) == before


def test_outsiders_cannot_upload(world, open_case, login, session, app):
    before = stored_files(app)
    for outsider in (world.other_applicant, world.sibling_caseworker):
        assert upload(login(outsider), open_case, [(sample_pdf(), "a.pdf")]).status_code == 404
    # a mediator of the centre sees the case but takes no workflow actions: 403 whatever is sent
    mediator = login(world.users["mediator"])
    assert upload(mediator, open_case, [(sample_pdf(), "a.pdf")]).status_code == 403
    assert upload(mediator, open_case, []).status_code == 403
    assert attachments_of(session, open_case) == []
    assert stored_files(app) == before


def test_anonymous_upload_goes_to_login(open_case, client):
    response = client.post(f"/cases/{open_case.number}/evidence", data={})
    assert response.status_code in (302, 400)  # login redirect, or the CSRF check before it


# ---- downloads ----------------------------------------------------------------------------------------


@pytest.fixture
def uploaded(world, open_case, login, session):
    content = sample_pdf()
    assert upload(login(world.applicant), open_case, [(content, "invoice.exe")]).status_code == 302
    [attachment] = attachments_of(session, open_case)
    return open_case, attachment, content


@pytest.mark.parametrize("who", ["applicant", "caseworker", "supervisor", "mediator"])
def test_download_by_those_who_see_the_case(who, uploaded, world, login):
    case, attachment, content = uploaded
    response = login(world.users[who]).get(f"/cases/{case.number}/evidence/{attachment.id}")
    assert response.status_code == 200
    assert response.get_data() == content
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "invoice.exe.pdf" in disposition
    assert "no-store" in response.headers["Cache-Control"]


def test_download_uses_a_safe_header_for_chinese_names(world, open_case, login, session):
    client = login(world.applicant)
    assert upload(client, open_case, [(sample_pdf(), "起诉状.pdf")]).status_code == 302
    [attachment] = attachments_of(session, open_case)
    response = client.get(f"/cases/{open_case.number}/evidence/{attachment.id}")
    assert response.status_code == 200
    assert "filename*=UTF-8''%E8%B5%B7%E8%AF%89%E7%8A%B6.pdf" in response.headers["Content-Disposition"]


def test_outsiders_get_404(uploaded, world, login, client):
    case, attachment, _ = uploaded
    url = f"/cases/{case.number}/evidence/{attachment.id}"
    for outsider in (world.other_applicant, world.sibling_caseworker):
        assert login(outsider).get(url).status_code == 404
    assert client.get(url).status_code == 302  # anonymous: to the login page


def test_attachment_of_another_case_is_not_found_under_this_one(uploaded, world, make_case, login):
    case, attachment, _ = uploaded
    other = make_case(world.applicant, world.enterprise)
    client = login(world.applicant)
    assert client.get(f"/cases/{case.number}/evidence/{attachment.id}").status_code == 200
    assert client.get(f"/cases/{other.number}/evidence/{attachment.id}").status_code == 404
    assert client.get(f"/cases/{case.number}/evidence/{attachment.id + 1000}").status_code == 404


# ---- the service on its own ---------------------------------------------------------------------------


def _file(content: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=name)


def test_service_errors_are_service_errors():
    for error in (FileTooLarge, FileTypeRefused, EmptyFile):
        assert issubclass(error, ServiceError)


def test_service_removes_a_refused_file_itself(world, open_case, app):
    """Outside a request (the API or a CLI) no rollback hook cleans up: the service must."""
    with app.app_context():
        before = stored_files(app)
        with pytest.raises(FileTypeRefused):
            add_attachment(open_case, world.applicant, _file(ELF, "x.pdf"))
        with pytest.raises(EmptyFile):
            add_attachment(open_case, world.applicant, _file(b"", "x.pdf"))
        app.config["EVIDENCE_MAX_BYTES"], limit = 10, app.config["EVIDENCE_MAX_BYTES"]
        try:
            with pytest.raises(FileTooLarge):
                add_attachment(open_case, world.applicant, _file(b"y" * 11, "x.txt"))
        finally:
            app.config["EVIDENCE_MAX_BYTES"] = limit
        assert stored_files(app) == before


def test_service_removes_the_file_when_the_row_fails(world, open_case, app, monkeypatch):
    from app.cases import attachments

    def broken(*args, **kwargs):
        raise RuntimeError("audit chain unavailable")

    monkeypatch.setattr(attachments, "record_event", broken)
    with app.app_context():
        before = stored_files(app)
        with pytest.raises(RuntimeError):
            add_attachment(open_case, world.applicant, _file(sample_pdf(), "a.pdf"))
        assert stored_files(app) == before


def test_service_refuses_finished_cases_and_non_actors(world, make_case, app):
    caseworker = world.users["caseworker"]
    closed = make_case(world.applicant, world.enterprise, state="withdrawn", staff=caseworker)
    opened = make_case(world.applicant, world.enterprise, state="submitted")
    with app.app_context():
        with pytest.raises(ActionRefused) as refused:
            add_attachment(closed, caseworker, _file(sample_pdf(), "a.pdf"))
        assert not refused.value.forbidden
        with pytest.raises(ActionRefused) as refused:
            add_attachment(opened, world.users["mediator"], _file(sample_pdf(), "a.pdf"))
        assert refused.value.forbidden
        with pytest.raises(ActionRefused):
            add_attachment(opened, world.other_applicant, _file(sample_pdf(), "a.pdf"))
    assert can_add_evidence(world.applicant, opened) and can_add_evidence(caseworker, opened)
    assert not can_add_evidence(world.applicant, closed)
    assert not can_add_evidence(world.users["mediator"], opened)


def test_get_attachment_is_scoped_to_its_case(world, make_case, app):
    case = make_case(world.applicant, world.enterprise)
    other = make_case(world.applicant, world.enterprise)
    with app.app_context():
        attachment = add_attachment(case, world.applicant, _file(sample_text(), "a.txt"), description="  说明 ")
        assert attachment.description == "说明"
        assert get_attachment(case, attachment.id) is attachment
        assert get_attachment(other, attachment.id) is None
        assert get_attachment(case, "abc") is None
        assert get_attachment(case, 2**40) is None
        assert list_attachments(case) == [attachment]
        assert list_attachments(other) == []


# ---- the partial on the case page ---------------------------------------------------------------------


def test_evidence_partial_lists_files_and_offers_the_form(world, open_case, app, session):
    from flask import render_template
    from flask_login import login_user

    with app.test_request_context("/"):
        attachment = add_attachment(open_case, world.applicant, _file(sample_pdf(), "证据.pdf"), "发票")
        attachments = list_attachments(open_case)
        login_user(world.users["caseworker"])
        html = render_template("cases/_evidence.html", case=open_case, attachments=attachments, can_upload=True)
    with app.test_request_context("/"):
        login_user(world.applicant)
        without_form = render_template(
            "cases/_evidence.html", case=open_case, attachments=attachments, can_upload=False
        )
    assert "证据.pdf" in html and "发票" in html
    assert f"/cases/{open_case.number}/evidence/{attachment.id}" in html
    assert attachment.sha256[:12] in html  # staff see the checksum, to verify a file
    assert attachment.sha256[:12] not in without_form and "SHA" not in without_form  # applicants do not
    assert f"{attachment.size / 1024:.1f} KB" in html
    assert world.applicant.name in html
    assert 'enctype="multipart/form-data"' in html and 'accept=".pdf,' in html
    assert 'name="csrf_token"' in html and "20.0 MB" in html
    assert "<script" not in html
    assert "证据.pdf" in without_form and "<form" not in without_form


def test_case_page_lists_files_and_offers_the_form_while_open(world, open_case, make_case, login):
    client = login(world.applicant)
    assert upload(client, open_case, [(sample_png(), "店铺截图.png")]).status_code == 302
    page = client.get(f"/cases/{open_case.number}").get_data(as_text=True)
    assert "店铺截图.png" in page and f"/cases/{open_case.number}/evidence/" in page
    assert f'action="/cases/{open_case.number}/evidence"' in page

    closed = make_case(world.applicant, world.enterprise, state="closed", staff=world.users["caseworker"])
    page = client.get(f"/cases/{closed.number}").get_data(as_text=True)
    assert 'id="evidence"' in page and f'action="/cases/{closed.number}/evidence"' not in page
