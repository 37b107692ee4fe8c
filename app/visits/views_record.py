"""The record of a visit, planned or not, and the helpers the visit forms share.

The record form is made for a phone on the enterprise's premises: rows of staff, enterprises,
problems and follow-ups (a fixed number without script, more with ``visits.js``), photos from the
camera and documents. On any refusal nothing is saved and the form comes back with everything typed
and each message beside its field; the files chosen pass the checks of any evidence
(``app.cases.attachments.store_checked``) and are kept (``app.cases.staged``), so they need not be
chosen again. A photo that is not an image is refused by name.
"""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.cases import staged
from app.centres.queries import centres_in_scope
from app.core.engine import ActionRefused, NotFound
from app.core.errors import ConflictError, ServiceError
from app.core.forms import version_of
from app.core.permissions import roles_required
from app.extensions import db
from app.visits import queries, services
from app.visits.enums import VisitState
from app.visits.forms import (
    MAX_ROWS,
    SEPARATOR,
    RecordForm,
    enterprise_label,
    person_label,
    resolve_enterprise,
    resolve_staff,
)
from app.visits.views import ACTORS, DRAFT_SAVED, bp, today, visit_or_404

MAX_FILES = 20
ROW_FIELD = re.compile(r"^([a-z_]+)-(\d+)(?:-([a-z_]+))?$")


def draft_key(visit=None) -> str:
    """Where the browser keeps the form's draft: per user and visit (``visits.js``)."""
    return f"ipaid.visit-draft.{current_user.id}.{visit.id if visit is not None else 'new'}"


def put_error(form, field: str | None, message) -> None:
    """Show ``message`` beside the form's field named ``field`` (``follow_ups-0-owner``, ``staff``…),
    above the form when no field has that name."""
    target = None
    match = ROW_FIELD.match(field or "")
    if match:
        group, index, sub = match.group(1), int(match.group(2)), match.group(3)
        rows = getattr(form, group, None)
        if rows is not None and hasattr(rows, "entries") and index < len(rows.entries):
            entry = rows.entries[index]
            target = getattr(entry.form, sub, None) if sub else entry
    elif field:
        target = getattr(form, field, None)
        if target is not None and hasattr(target, "entries"):  # a list: the message by its first row
            target = target.entries[0] if target.entries else None
    if target is None or not hasattr(target, "errors"):
        form.form_errors.append(str(message))
        return
    if isinstance(target.errors, dict):  # a row of several fields: by its first
        first = next(iter(target.form))
        first.errors = list(first.errors) + [str(message)]
    else:
        target.errors = list(target.errors) + [str(message)]


def has_errors(field) -> bool:
    """Whether a field, or any field of its rows, carries a message (``form.errors`` is computed once,
    before the messages added after validation)."""
    if hasattr(field, "entries"):
        return any(has_errors(e) for e in field.entries)
    if hasattr(field, "form"):
        return any(has_errors(f) for f in field.form)
    return bool(field.errors)


def pad_rows(rows, wanted: int = 1) -> None:
    """At least ``wanted`` empty rows at the end, so a form without script can add one."""
    empty = sum(1 for e in rows.entries[-wanted:] if not _filled(e))
    while empty < wanted and len(rows.entries) < MAX_ROWS:
        rows.append_entry()
        empty += 1


def _filled(entry) -> bool:
    if hasattr(entry, "form"):
        return not entry.form.is_blank()
    return bool(entry.data)


def centres_of_user():
    return centres_in_scope(current_user, active_only=True)


def chosen_centre(form, centres, visit=None):
    if visit is not None:
        return visit.centre
    by_id = {str(c.id): c for c in centres}
    return by_id.get(form.centre.data or "") or current_user.centre


# ---- files: checked and kept across a refused form --------------------------------------------------------


def _take_files(errors: dict) -> list:
    """The files of this submission and those kept from an earlier try, checked and staged (committed
    now, so a refusal later keeps them). A file refused adds its message to ``errors`` (by input)."""
    from app.cases.attachments import EmptyFile, FileTooLarge, FileTypeRefused

    removed = staged.discard(current_user, request.form.getlist("unstage")[: staged.MAX_TOKENS])
    kept = staged.owned(current_user, staged.tokens_from(request.form))
    photos = [f for f in request.files.getlist("photos") if f and f.filename]
    documents = [f for f in request.files.getlist("documents") if f and f.filename]
    if len(kept) + len(photos) + len(documents) > MAX_FILES:
        errors.setdefault("photos", []).append(_("Add at most %(n)d photos and documents to a visit.", n=MAX_FILES))
        photos, documents = [], []
    fresh = []
    for field, files in (("photos", photos), ("documents", documents)):
        for file_storage in files:
            try:
                row = staged.stage(current_user, file_storage)
            except (EmptyFile, FileTooLarge, FileTypeRefused) as exc:
                if field == "photos" and isinstance(exc, FileTypeRefused):
                    message = _("%(name)s is not a photo: choose a picture (JPEG, PNG…).", name=_name(file_storage))
                else:
                    message = str(exc.message)
                errors.setdefault(field, []).append(message)
                continue
            if field == "photos" and not row.content_type.startswith("image/"):
                message = _("%(name)s is not a photo: choose a picture (JPEG, PNG…).", name=_name(file_storage))
                errors.setdefault(field, []).append(message)
                db.session.delete(row)
                db.session.flush()
                removed.append(row.storage_path)
                continue
            fresh.append(row)
    if fresh or removed:
        staged.keep(fresh, removed)
    return kept + fresh


def _name(file_storage) -> str:
    from app.core.storage import sanitise_filename

    return sanitise_filename(file_storage.filename or "", fallback="photo")


def _attach(visit, rows) -> None:
    if not rows:
        return
    files = [(row.checked(), "photo" if row.content_type.startswith("image/") else "document") for row in rows]
    services.attach_files(current_user, visit, files)
    for row in rows:
        db.session.delete(row)
    db.session.flush()


# ---- recording a visit ----------------------------------------------------------------------------------------


def _prefill(form, visit) -> None:
    """A planned visit's staff, enterprises, topics and notes; the date of today."""
    form.visited_on.data = today().isoformat()
    if visit is None:
        form.staff.entries[0].data = person_label(current_user)
        return
    form.staff.entries = []
    for user in visit.staff:
        form.staff.append_entry(person_label(user))
    form.enterprises.entries = []
    for enterprise in visit.enterprises:
        form.enterprises.append_entry(enterprise_label(enterprise))
    form.topics.data = list(visit.topics or [])
    form.notes.data = visit.notes or ""
    form.version.data = str(visit.version)


def _read(form, centre) -> tuple[dict, bool]:
    """The service's input from the form: staff and enterprises resolved within scope. Returns the
    input and whether every row could be read (otherwise the rows carry their messages)."""
    ok = True
    staff = []
    for entry in form.staff.entries:
        if not entry.data:
            continue
        user = resolve_staff(current_user, entry.data, centre)
        if user is None:
            put_error(
                form,
                entry.id,
                _("No caseworker or supervisor who may go has this name or e-mail: pick one from the list."),
            )
            ok = False
        else:
            staff.append(user)
    firms = {}
    for i, entry in enumerate(form.enterprises.entries):
        if not entry.data:
            continue
        firm = resolve_enterprise(current_user, entry.data)
        if firm is None:
            put_error(
                form,
                entry.id,
                _(
                    "No enterprise of your scope has this name or credit code: pick one from the list, or add it below as not yet registered."
                ),
            )
            ok = False
        else:
            firms[f"e{i}"] = firm
    new = [{"credit_code": r.form.credit_code.data or "", "name": r.form.name.data or ""} for r in form.new_enterprises]
    codes = {f"n{i}": item["credit_code"] for i, item in enumerate(new)}
    problems = []
    for row in form.problems:
        ref = row.form.enterprise.data or ""
        target = firms.get(ref)
        problems.append(
            {
                "text": row.form.text.data or "",
                "ip_type": row.form.ip_type.data or None,
                "right_number": row.form.right_number.data or "",
                "respondent_name": row.form.respondent_name.data or "",
                "enterprise": target.id if target is not None else (codes.get(ref) or None),
            }
        )
    follow_ups = []
    for row in form.follow_ups:
        owner_text = row.form.owner.data or ""
        owner = resolve_staff(current_user, owner_text, centre) if owner_text else None
        if owner_text and owner is None:
            put_error(
                form,
                row.form.owner.id,
                _("No caseworker or supervisor who may go has this name or e-mail: pick one from the list."),
            )
            ok = False
        follow_ups.append(
            {
                "text": row.form.text.data or "",
                "owner": owner.id if owner else None,
                "due_on": row.form.due_on.data or "",
            }
        )
    data = {
        "visited_on": form.visited_on.data or "",
        "staff": staff,
        "enterprises": list(firms.values()),
        "new_enterprises": new,
        "topics": list(form.topics.data or []),
        "problems": problems,
        "needs": form.needs.data or "",
        "follow_ups": follow_ups,
        "contact_name": form.contact_name.data or "",
        "contact_title": form.contact_title.data or "",
        "contact_phone": form.contact_phone.data or "",
        "notes": form.notes.data or "",
    }
    return data, ok


def _record_page(form, visit, status: int, kept=(), file_errors=None):
    centres = centres_of_user() if visit is None else [visit.centre]
    centre = chosen_centre(form, centres, visit)
    labels = [e.data.split(SEPARATOR)[0] if e.data else "" for e in form.enterprises.entries]
    for rows in (form.staff, form.enterprises, form.new_enterprises, form.problems, form.follow_ups):
        pad_rows(rows)
    form.fill(centres, labels)
    staff_options = db.session.execute(queries.staff_choices(centre, limit=200)).scalars()
    return (
        render_template(
            "visits/record.html",
            form=form,
            visit=visit,
            centre=centre,
            centres=centres,
            staff_options=[person_label(u) for u in staff_options],
            enterprise_options=enterprise_options(centre, visit),
            kept=list(kept),
            file_errors=file_errors or {},
            draft_key=draft_key(visit),
            restore=request.method != "POST",
            invalid=status >= 400,
            today=today(),
        ),
        status,
    )


def enterprise_options(centre, visit) -> list[str]:
    """A few enterprises to suggest before anything is typed: the plan's, then those the centre
    visited last (the rest come from the search as the user types)."""
    labels = [enterprise_label(e) for e in visit.enterprises] if visit is not None else []
    for enterprise in queries.recent_enterprises(centre, limit=20) if hasattr(queries, "recent_enterprises") else []:
        label = enterprise_label(enterprise)
        if label not in labels:
            labels.append(label)
    return labels


@bp.route("/visits/new", methods=["GET", "POST"])
@roles_required(*ACTORS)
def record_new():
    """Record a visit that was not planned (it is saved as done)."""
    return _record(None)


@bp.route("/visits/<int:visit_id>/record", methods=["GET", "POST"])
@roles_required(*ACTORS)
def record(visit_id: int):
    """Record a planned visit as done."""
    visit = visit_or_404(visit_id)
    if visit.state is not VisitState.PLANNED:
        flash(_("This visit is already recorded or was cancelled."), "info")
        return redirect(url_for("visits.show", visit_id=visit.id))
    if not services.can_act_on_visit(current_user, visit):
        abort(403)
    return _record(visit)


def _record(visit):
    form = RecordForm()
    if request.method == "GET":
        _prefill(form, visit)
        return _record_page(form, visit, 200)
    file_errors: dict = {}
    kept = _take_files(file_errors)
    centres = centres_of_user() if visit is None else [visit.centre]
    centre = chosen_centre(form, centres, visit)
    valid = form.validate_on_submit()
    if visit is None and (form.centre.data or "") not in {str(c.id) for c in centres}:
        put_error(form, "centre", _("Choose a centre of your scope."))
        valid = False
    data, read = _read(form, centre)
    if not valid or not read or file_errors:
        db.session.rollback()
        if kept:
            form.form_errors.append(_("The files listed as kept are saved; you need not choose them again."))
        return _record_page(form, visit, 422, kept, file_errors)
    try:
        saved = services.record_visit(
            current_user,
            visit,
            centre=None if visit is not None else centre,
            version=version_of(form.version.data) if visit is not None else None,
            **data,
        )
        _attach(saved, kept)
    except NotFound:
        abort(404)
    except ConflictError:
        db.session.rollback()
        form.form_errors.append(
            _("Someone else changed this visit meanwhile. What you typed is kept below: check it and save again.")
        )
        fresh = visit_or_404(visit.id)
        form.version.data = str(fresh.version)
        return _record_page(form, fresh, 409, kept)
    except ActionRefused as exc:
        if exc.forbidden:
            abort(403)
        db.session.rollback()
        for reason in exc.reasons:
            form.form_errors.append(str(reason))
        return _record_page(form, visit_or_404(visit.id) if visit else None, 422, kept)
    except ServiceError as exc:
        db.session.rollback()
        put_error(form, exc.field, exc.message)
        return _record_page(form, visit_or_404(visit.id) if visit else None, 422, kept)
    session[DRAFT_SAVED] = draft_key(visit)
    message = _("The visit was saved.")
    if kept:
        message += " " + ngettext("%(num)d file was added.", "%(num)d files were added.", len(kept))
    flash(message, "success")
    return redirect(url_for("visits.show", visit_id=saved.id))
