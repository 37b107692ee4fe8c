"""The case page, its workflow actions, notes, messages and related cases; the workflow page.

The page offers exactly what ``services.available_actions`` allows and lists the rest with
their reasons; every action goes through ``services.transition``. A refused action
re-renders the page with what was typed (422, or 409 when the case changed meanwhile).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.models import Role
from app.cases import services, workflow
from app.cases.enums import CaseState, Channel, DeclineReason, DocumentKind
from app.cases.forms import ActionForm, MessageForm, NoteForm, RelatedForm
from app.cases.models import Case, CaseEvent, CaseLink, Document
from app.cases.permissions import can_act_on_case, can_see_internal, may_write
from app.cases.tracks import panels_for
from app.cases.views import bp, case_or_404
from app.core.db import utcnow
from app.core.errors import ConflictError, ServiceError
from app.core.forms import version_of
from app.core.permissions import staff_required
from app.core.scope import visible
from app.core.views import field_error
from app.extensions import db
from app.privacy.access_log import log_read
from app.privacy.models import ReadKind

# ---- the case page ------------------------------------------------------------------------------


def _timeline(case: Case) -> list[CaseEvent]:
    stmt = (
        select(CaseEvent)
        .options(joinedload(CaseEvent.actor))  # with the events: one statement (a case has a few actors)
        .where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.seq)
    )
    if not can_see_internal(current_user):
        stmt = stmt.where(CaseEvent.visibility == "applicant")
    return list(db.session.execute(stmt).scalars())


def _related(case: Case) -> list[Case]:
    """Related cases the viewer may see themselves (staff only: a link may cross enterprises)."""
    if not current_user.is_staff:
        return []
    stmt = visible(
        select(Case)
        .join(CaseLink, CaseLink.related_id == Case.id)
        .where(CaseLink.case_id == case.id)
        .order_by(Case.created_at),
        current_user,
        Case,
    )
    return list(db.session.execute(stmt).scalars())


def _documents(case: Case) -> list[Document]:
    from app.cases.documents import documents_of_case, readable_by

    # Read with the tracks' own (the referral panel picks its letters from them): one statement.
    return readable_by(documents_of_case(case), current_user)


def _evidence_context(case: Case) -> dict:
    from app.cases.attachments import can_add_evidence, list_attachments

    return {"attachments": list_attachments(case), "can_upload": can_add_evidence(current_user, case)}


def _typed(action: str, form: ActionForm | None = None) -> dict:
    """What the user typed into an action's form (its comment and declared inputs), to show it
    again after a refusal."""
    spec = workflow.ACTIONS.get(action)
    return {
        "action": action,
        "comment": (form.comment.data if form is not None else request.form.get("comment")) or "",
        "data": spec.read_form(request.form) if spec is not None else {},
        "errors": [],
    }


def _input_context(case: Case, allowed) -> dict:
    """What each open action's fields offer (colleagues, centres, reasons…) and their help texts."""
    choices, helps = {}, {}
    for check in allowed:
        for inp in check.action.inputs:
            key = (check.action.name, inp.name)
            if inp.choices is not None:
                choices[key] = inp.choices(case, current_user)
            if inp.help is not None:
                helps[key] = inp.help(case, current_user, choices.get(key, []))
    return {"choices": choices, "helps": helps}


def _clock_context(case: Case) -> dict:
    """The clocks panel: each clock's state now, and the calendar years nobody has entered."""
    from app.clocks.display import clock_rows, due_soon_until, missing_years
    from app.clocks.services import clocks_of
    from app.core.workdays import china_day

    now = utcnow()
    # The case's own clocks; a track's (a mediation's deadlines…) are shown in its own panel and page.
    clocks = [c for c in clocks_of(case) if (c.subject_type or "case") == "case"]
    # The warning only where this case's own deadlines wait for a year nobody entered: a clock
    # that is not finished and whose due time could not be computed.
    waiting = {c.unknown_year for c in clocks if c.unknown_year and c.due_at is None and not (c.met_at or c.stopped_at)}
    return {
        "clocks": clock_rows(clocks, now),
        "now": now,
        "due_soon_until": due_soon_until(now),
        "missing_years": sorted(waiting & set(missing_years(china_day(now))))
        if current_user.is_staff and waiting
        else [],
    }


def _material_context(case: Case, checks, extra: dict) -> dict:
    """The banner of a case awaiting material; the applicant answers there in one form (text and
    files), so their action panel leaves "provide the material" out."""
    from app.cases.queries import open_material_request

    material = open_material_request(case)
    can_answer = (
        material is not None
        and not current_user.is_staff
        and any(c.allowed and c.action.name == "provide_material" for c in checks)
    )
    return {
        "material": material,
        "can_answer_material": can_answer,
        "material_kept": extra.get("material_kept", []),
        "panel_skip": ("provide_material",) if can_answer else (),
    }


def _offer(case: Case):
    """The open handover or transfer offer, for staff (an internal matter)."""
    from app.cases.handovers import open_offer

    return open_offer(case) if current_user.is_staff else None


def _undelivered(case: Case) -> list:
    """Staff: notifications to the applicant a channel could not deliver (app.cases.feedback)."""
    from app.cases.feedback import undelivered

    return undelivered(case) if current_user.is_staff else []


def render_case(case: Case, status: int = 200, **extra):
    """The case page; ``extra`` carries a refused form (typed text, errors) to show again.

    An answer to a handover or transfer offer is shown only to whoever it is offered to, and
    "decision told" only while a decision waits to be told; neither is listed as blocked (every
    other staff member would see them on every case)."""
    from app.clocks.services import clocks_of

    # The case's clocks first: the guards (a decision's feedback still running), the clock panel and
    # the tracks' panels all read them, once (``kept``).
    clocks_of(case)
    checks = services.available_actions(case, current_user)
    # An offer waiting for this viewer's answer comes first: it is what they came for.
    allowed = sorted((c for c in checks if c.allowed), key=lambda c: not c.action.offer_answer)
    context = {
        "case": case,
        "allowed": allowed,
        "blocked": [
            c
            for c in checks
            if not c.allowed and not c.wrong_state and not c.role_refused and c.action.listed_when_blocked
        ],
        "offer": _offer(case),
        "undelivered": _undelivered(case),
        **_input_context(case, allowed),
        "events": _timeline(case),
        "related": _related(case),
        "documents": _documents(case),
        # Writes beside the workflow: within the viewer's scope only (``permissions.may_write``).
        "can_act": can_act_on_case(current_user, case) and may_write(current_user, case, "message"),
        "can_note": current_user.is_staff and may_write(current_user, case, "note"),
        "can_link": current_user.role in workflow.HANDLERS and may_write(current_user, case, "link_related"),
        "can_edit": case.state is CaseState.DRAFT and case.filed_by_id == current_user.id,
        "note_form": NoteForm(formdata=None),
        "message_form": MessageForm(formdata=None),
        "related_form": RelatedForm(formdata=None),
        "typed": None,
        "conflict": False,
        "action_labels": {name: a.label for name, a in workflow.ACTIONS.items()},
        "state_labels": {s.value: s.label for s in CaseState},
        "reason_labels": {r.value: r.label for r in DeclineReason},
        "channel_labels": {c.value: c.label for c in Channel},
        "document_labels": {k.value: k.label for k in DocumentKind},
        # The tracks handled under the case (a mediation, a plan…): each feature's own panel.
        "track_panels": panels_for(case, current_user),
        **_evidence_context(case),
        **_clock_context(case),
        **_material_context(case, checks, extra),
    }
    context.update(extra)
    # A staff member's read of the case's personal data is recorded (app.privacy.access_log).
    log_read(current_user, case, ReadKind.CASE_PAGE)
    return render_template("cases/show.html", **context), status


@bp.get("/cases/<number>")
@login_required
def show(number: str):
    case = case_or_404(number)
    if not current_user.is_staff:
        # The page shows the applicant every step: the notifications about it are read (and a
        # decision's feedback clock met, app.cases.feedback).
        from app.core.db import about_to_write
        from app.notifications.services import mark_read

        about_to_write()
        mark_read(current_user, case_id=case.id)
    return render_case(case)


@bp.post("/cases/<number>/actions/<action>")
@login_required
def act(number: str, action: str):
    """Apply one workflow action through the one door."""
    case = case_or_404(number)
    if action not in workflow.ACTIONS:
        abort(404)
    spec = workflow.ACTIONS[action]
    form = ActionForm()
    typed = _typed(action, form)
    if not form.validate_on_submit():
        typed["errors"] = [str(e) for errors in form.errors.values() for e in errors]
        return render_case(case, 422, typed=typed)
    data = typed["data"]  # judged by the workflow's guards
    try:
        services.transition(
            case,
            action,
            current_user,
            comment=form.comment.data or "",
            data=data,
            expected_version=version_of(form.version.data),
        )
    except (services.CaseNotFound, services.UnknownAction):
        abort(404)
    except ConflictError:
        db.session.rollback()
        return render_case(case_or_404(number), 409, typed=typed, conflict=True)
    except services.ActionRefused as exc:
        if exc.forbidden:
            abort(403)
        db.session.rollback()
        typed["errors"] = [str(r) for r in exc.reasons]
        return render_case(case_or_404(number), 422, typed=typed)
    except ServiceError as exc:
        db.session.rollback()
        typed["errors"] = [str(exc.message)]
        return render_case(case_or_404(number), 422, typed=typed)
    flash(_("Done: %(action)s.", action=spec.label), "success")
    return redirect(url_for("cases.show", number=case.ref))


@bp.post("/cases/<number>/notes")
@login_required
def add_note(number: str):
    """An internal note (staff only; the applicant never sees it)."""
    case = case_or_404(number)
    if not current_user.is_staff or not may_write(current_user, case, "note"):
        abort(403)
    return _write_on_timeline(case, NoteForm(), services.add_note, _("The note was added."), "note_form")


@bp.post("/cases/<number>/messages")
@login_required
def send_message(number: str):
    """A message on the case's timeline, between the centre and the applicant."""
    case = case_or_404(number)
    if not can_act_on_case(current_user, case) or not may_write(current_user, case, "message"):
        abort(403)
    return _write_on_timeline(case, MessageForm(), services.send_message, _("The message was sent."), "message_form")


def _write_on_timeline(case, form, write, done: str, form_name: str):
    """Validate a note or message form, write it through ``write``, and go back to the timeline;
    a refusal re-renders the case page (422) with the text kept."""
    if form.validate_on_submit():
        try:
            write(case, current_user, form.text.data)
        except services.ActionRefused:
            abort(403)
        except ServiceError as exc:
            field_error(form, exc)
        else:
            flash(done, "success")
            return redirect(url_for("cases.show", number=case.ref, _anchor="timeline"))
    return render_case(case, 422, **{form_name: form})


@bp.post("/cases/<number>/related")
@login_required
def link_related(number: str):
    """Mark another case of the user's scope as related, by its number."""
    from app.cases.queries import get_case_by_number

    case = case_or_404(number)
    if current_user.role not in workflow.HANDLERS or not may_write(current_user, case, "link_related"):
        abort(403)
    form = RelatedForm()
    if form.validate_on_submit():
        other = get_case_by_number(form.number.data.upper(), current_user)
        if other is None:
            form.number.errors = [_("There is no case with this number in your scope.")]
        else:
            try:
                services.link_related(case, other, current_user)
            except services.ActionRefused:
                abort(403)
            except ServiceError as exc:
                field_error(form, exc)
            else:
                flash(_("%(number)s is now marked as related.", number=other.number), "success")
                return redirect(url_for("cases.show", number=case.ref, _anchor="related"))
    return render_case(case, 422, related_form=form)


# ---- the workflow, readable ------------------------------------------------------------------------


@bp.get("/workflow", endpoint="workflow")
@staff_required
def workflow_page():
    """The rule table as a page and a diagram drawn on the server (inline SVG, no script)."""
    from app.cases.diagram import guard_text, workflow_svg

    rows = []
    for action in workflow.ACTIONS.values():
        rows.append(
            {
                "action": action,
                "sources": [s for s in CaseState if s in action.sources],
                "target": action.target,
                "roles": [r for r in Role if r in action.roles],
                "guards": [guard_text(g) for g in action.guards],
            }
        )
    return render_template("cases/workflow.html", rows=rows, states=list(CaseState), svg=workflow_svg())
