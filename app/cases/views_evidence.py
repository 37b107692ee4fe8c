"""Evidence files on the case page: uploading (one or several files at once) and downloading.

An upload is all or nothing: when one file of several is refused, the page answers
with a 4xx status, the request rolls back and every file it stored is removed.
Downloads are always attachments with the detected type, ``nosniff`` and a
sandboxing CSP, so no uploaded file is ever rendered as a page of this site.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.routing import BuildError
from wtforms import StringField
from wtforms.validators import Optional

from app.cases.attachments import (
    MAX_DESCRIPTION,
    FileTooLarge,
    FileTypeRefused,
    add_attachment,
    check_may_add,
    get_attachment,
    human_size,
    open_attachment,
)
from app.cases.permissions import can_see_case
from app.cases.services import ActionRefused
from app.cases.views import bp, case_or_404
from app.core import filetypes
from app.core.errors import ServiceError
from app.core.forms import AppForm, max_length, strip_filter
from app.privacy.access_log import log_read
from app.privacy.models import ReadKind

MAX_FILES_PER_UPLOAD = 20


class EvidenceForm(AppForm):
    """The text part of an upload (CSRF token, description). The files are read from
    ``request.files["file"]`` by the view; as an AppForm, a file sent in the description's
    place never reaches the text validators."""

    description = StringField(
        _l("Description"), filters=[strip_filter], validators=[Optional(), max_length(MAX_DESCRIPTION)]
    )


def case_url(number: str) -> str:
    try:
        return url_for("cases.show", number=number)
    except BuildError:  # the case page is not registered (yet)
        return f"/cases/{number}"


@bp.app_template_filter("filesize")
def _filesize(size) -> str:
    return human_size(int(size or 0))


@bp.app_template_filter("filetype_label")
def _filetype_label(content_type) -> str:
    return str(filetypes.type_label(content_type or ""))


@bp.app_template_global("evidence_limits")
def evidence_limits() -> dict:
    """What the upload form tells the browser and the user."""
    return {
        "accept": filetypes.ACCEPT,
        "max_size": human_size(int(current_app.config["EVIDENCE_MAX_BYTES"])),
        "accepted_text": filetypes.ACCEPTED_TYPES_TEXT,
        "max_files": MAX_FILES_PER_UPLOAD,
    }


def _status_of(exc: ServiceError) -> int:
    if isinstance(exc, FileTooLarge):
        return 413
    if isinstance(exc, FileTypeRefused):
        return 415
    if isinstance(exc, ActionRefused) and exc.forbidden:
        return 403
    return 422


def _refuse(case, messages, status: int):
    return (
        render_template(
            "cases/evidence_error.html", case=case, messages=[str(m) for m in messages], case_url=case_url(case.ref)
        ),
        status,
    )


@bp.post("/cases/<number>/evidence")
@login_required
def upload_evidence(number: str):
    """Add the posted files to the case; any refusal answers 4xx and nothing is kept."""
    case = case_or_404(number)
    try:
        check_may_add(current_user, case)  # first: the answer does not depend on the files sent
    except ActionRefused as exc:
        return _refuse(case, exc.reasons, _status_of(exc))
    form = EvidenceForm()
    if not form.validate_on_submit():
        messages = [error for errors in form.errors.values() for error in errors]
        return _refuse(case, messages or [_("The form could not be read. Please try again.")], 422)
    files = [f for f in request.files.getlist("file") if f and f.filename]
    if not files:
        return _refuse(case, [_("Choose at least one file to upload.")], 422)
    if len(files) > MAX_FILES_PER_UPLOAD:
        return _refuse(case, [_("Upload at most %(n)d files at once.", n=MAX_FILES_PER_UPLOAD)], 422)
    try:
        for file_storage in files:
            add_attachment(case, current_user, file_storage, form.description.data or "")
    except ServiceError as exc:
        reasons = exc.reasons if isinstance(exc, ActionRefused) else [exc.message]
        if len(files) > 1:
            reasons = [*reasons, _("None of the files were saved.")]
        return _refuse(case, reasons, _status_of(exc))
    flash(ngettext("%(num)d file was added.", "%(num)d files were added.", len(files)), "success")
    return redirect(case_url(case.ref))


@bp.get("/cases/<number>/evidence/<int:attachment_id>")
@login_required
def download_evidence(number: str, attachment_id: int):
    """The file as a download, to those who may see the case; 404 for anything else."""
    case = case_or_404(number)
    if not can_see_case(current_user, case):
        abort(404)
    attachment = get_attachment(case, attachment_id)
    if attachment is None:
        abort(404)
    path = open_attachment(attachment)
    if not path.is_file():
        current_app.logger.error("Evidence file missing: attachment %s at %s", attachment.id, attachment.storage_path)
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        conditional=True,
        etag=attachment.sha256,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    log_read(current_user, case, ReadKind.EVIDENCE)  # a staff member's read (app.privacy.access_log)
    return response


# ---- the answer to a request for material: the text and the files in one form ---------------------------


@bp.post("/cases/<number>/material")
@login_required
def provide_material(number: str):
    """ "Provide the material" with its files: the files pass the checks of any upload and are kept
    (staged) when the submit is refused, so the page shown again lists them instead of asking for
    them again; on success the action is applied and the files become the case's evidence."""
    from app.cases import services, staged
    from app.cases.forms import ActionForm
    from app.cases.views_case import _typed, render_case
    from app.core.errors import ConflictError
    from app.core.forms import version_of
    from app.extensions import db

    case = case_or_404(number)
    form = ActionForm()
    typed = _typed("provide_material", form)
    check = next(
        (c for c in services.available_actions(case, current_user) if c.action.name == "provide_material"), None
    )
    if check is None or check.role_refused:
        abort(403)
    try:
        check_may_add(current_user, case)
    except ActionRefused as exc:
        if exc.forbidden:
            abort(403)
    if not check.allowed:  # not awaiting material (any more): nothing is kept
        typed["errors"] = [str(r) for r in check.reasons]
        return render_case(case, 422, typed=typed)
    valid = form.validate_on_submit()
    if form.csrf_token.errors:
        typed["errors"] = [str(e) for e in form.csrf_token.errors]
        return render_case(case, 422, typed=typed)
    errors = [str(e) for name, errs in form.errors.items() if name != "csrf_token" for e in errs]
    if not (form.comment.data or "").strip():
        errors.append(_("Write what you provide."))
    # Keep the files first, whatever becomes of the rest (the refused request rolls back).
    removed = staged.discard(current_user, request.form.getlist("unstage")[: staged.MAX_TOKENS])
    kept = staged.owned(current_user, staged.tokens_from(request.form))
    files = [f for f in request.files.getlist("file") if f and f.filename]
    status, fresh = 422, []
    if len(files) + len(kept) > MAX_FILES_PER_UPLOAD:
        errors.append(_("Upload at most %(n)d files at once.", n=MAX_FILES_PER_UPLOAD))
        files = []
    for file_storage in files:
        try:
            fresh.append(staged.stage(current_user, file_storage))
        except ServiceError as exc:
            errors.append(str(exc.message))
            status = max(status, _status_of(exc))
    if fresh or removed:
        staged.keep(fresh, removed)
    kept = kept + fresh
    if errors or not valid:
        if kept:
            errors.append(_("The files listed as kept are saved; you need not choose them again."))
        typed["errors"] = errors
        return render_case(case, status, typed=typed, material_kept=kept)
    try:
        services.transition(
            case,
            "provide_material",
            current_user,
            comment=form.comment.data or "",
            data={},
            expected_version=version_of(form.version.data),
        )
        staged.attach_all(case, current_user, kept)
    except ConflictError:
        db.session.rollback()
        return render_case(case_or_404(number), 409, typed=typed, conflict=True, material_kept=kept)
    except ActionRefused as exc:
        if exc.forbidden:
            abort(403)
        db.session.rollback()
        typed["errors"] = [str(r) for r in exc.reasons]
        return render_case(case_or_404(number), 422, typed=typed, material_kept=kept)
    except ServiceError as exc:
        db.session.rollback()
        typed["errors"] = [str(exc.message)]
        return render_case(case_or_404(number), 422, typed=typed, material_kept=kept)
    message = _("Done: %(action)s.", action=services.workflow.ACTIONS["provide_material"].label)
    if kept:
        message += " " + ngettext("%(num)d file was added.", "%(num)d files were added.", len(kept))
    flash(message, "success")
    return redirect(case_url(case.ref))
