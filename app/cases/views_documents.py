"""The documents a case issued: download, a staff preview, and issuing a case summary.

Routes of the ``cases`` blueprint (imported at the end of ``app.cases.views``). A document
is found only through its case, and the case only if the user may see it: anything else
answers 404, also a document id of another case.
"""

from __future__ import annotations

from io import BytesIO

from flask import abort, flash, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.models import Role
from app.cases import documents
from app.cases.enums import DocumentKind
from app.cases.models import Document
from app.cases.services import ActionRefused
from app.cases.views import bp, case_or_404
from app.core.permissions import roles_required, staff_required
from app.extensions import db
from app.privacy.access_log import log_read
from app.privacy.models import ReadKind

# Documents issued by a service called outside an app context (a script, a test) use this app.
bp.record_once(lambda state: documents.remember_app(state.app))


def _pdf_response(data: bytes, filename: str, as_attachment: bool):
    response = send_file(
        BytesIO(data),
        mimetype="application/pdf",
        as_attachment=as_attachment,
        download_name=filename,
        etag=False,
        conditional=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/cases/<number>/documents/<int:document_id>")
@login_required
def download_document(number: str, document_id: int):
    case = case_or_404(number)
    document = db.session.execute(
        documents.readable(
            select(Document).where(Document.id == document_id, Document.case_id == case.id), current_user
        )
    ).scalar_one_or_none()
    if document is None:
        abort(404)
    response = _pdf_response(documents.read_document(document), documents.download_name(case, document), True)
    log_read(current_user, case, ReadKind.DOCUMENT)  # a staff member's read (app.privacy.access_log)
    return response


@bp.get("/cases/<number>/documents/preview/<kind>")
@staff_required
def preview_document(number: str, kind: str):
    case = case_or_404(number)
    try:
        document_kind = DocumentKind(kind)
    except ValueError:
        abort(404)
    if document_kind not in documents.CASE_KINDS:  # a track's documents are previewed on its own page
        abort(404)
    data = documents.preview_pdf(case, document_kind, current_user)
    log_read(current_user, case, ReadKind.DOCUMENT)  # the preview shows what the document would (access log)
    return _pdf_response(data, f"{case.ref}-{document_kind.value}-preview.pdf", False)


@bp.post("/cases/<number>/summary")
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def issue_summary(number: str):
    case = case_or_404(number)
    try:
        documents.issue_case_summary(case, current_user)
    except ActionRefused:
        abort(403)
    flash(_("The case summary was issued."), "success")
    return redirect(url_for("cases.show", number=case.ref) + "#documents")
