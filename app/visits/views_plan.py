"""The supervisor's plan of the month (which enterprises, who goes, when), changing a planned visit,
and the suggestions the staff and enterprise fields of the visit forms ask for as they are typed
(a ``<datalist>`` filled by ``visits.js``; only what may be chosen for the centre, within the user's
scope). Routes of the ``visits`` blueprint; a refused form comes back as typed, each message by its row.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.auth.models import Role
from app.core.engine import ActionRefused, NotFound
from app.core.errors import ConflictError, ServiceError
from app.core.forms import version_of
from app.core.permissions import roles_required
from app.extensions import db
from app.visits import queries, services
from app.visits.enums import VisitState
from app.visits.forms import (
    PlanForm,
    ReplanForm,
    enterprise_label,
    person_label,
    resolve_enterprise,
    resolve_staff,
)
from app.visits.views import ACTORS, bp, today, visit_or_404
from app.visits.views_record import centres_of_user, chosen_centre, enterprise_options, has_errors, pad_rows, put_error

SUGGESTIONS = 20

# ---- the plan of the month -------------------------------------------------------------------------------------

PLAN_FIELDS = {"planned_on": "planned_on", "staff": "staff", "enterprises": "enterprise", "topics": "enterprise"}


@bp.route("/visits/plan", methods=["GET", "POST"])
@roles_required(Role.SUPERVISOR)
def plan():
    """A supervisor plans visits of a centre of their subtree: on each row a day, an enterprise and who
    goes. All rows are planned, or none (every refusal beside its row)."""
    centres = centres_of_user()
    form = PlanForm()
    form.centre.choices = [(str(c.id), c.name) for c in centres]
    if request.method == "GET":
        form.centre.data = str(current_user.centre_id)
        return _plan_page(form, centres, 200)
    centre = chosen_centre(form, centres)
    if form.validate_on_submit():
        planned = _plan_rows(form, centre)
        if planned:
            flash(ngettext("%(num)d visit was planned.", "%(num)d visits were planned.", len(planned)), "success")
            first = min(v.planned_on for v in planned)
            return redirect(url_for("visits.index", month=first.strftime("%Y-%m"), state="planned"))
    db.session.rollback()
    return _plan_page(form, centres, 422)


def _plan_rows(form, centre) -> list:
    """Plan every filled row (``services.plan_visit``); an empty list when any row is refused (the
    caller rolls back), the rows carrying the messages."""
    rows = [(i, row) for i, row in enumerate(form.rows) if not row.form.is_blank()]
    if not rows:
        form.form_errors.append(_("Fill in at least one row: the day, the enterprise and who goes."))
        return []
    wanted = []
    for i, row in rows:
        firm = resolve_enterprise(current_user, row.form.enterprise.data) if row.form.enterprise.data else None
        if row.form.enterprise.data and firm is None:
            put_error(
                form,
                f"rows-{i}-enterprise",
                _("No enterprise of your scope has this name or credit code: pick one from the list."),
            )
        people = []
        for name in ("staff", "staff2"):
            text = getattr(row.form, name).data
            user = resolve_staff(current_user, text, centre) if text else None
            if text and user is None:
                put_error(
                    form,
                    f"rows-{i}-{name}",
                    _("No caseworker or supervisor who may go has this name or e-mail: pick one from the list."),
                )
            elif user is not None and user not in people:
                people.append(user)
        wanted.append((i, row.form.planned_on.data or "", people, [firm] if firm else []))
    if form.form_errors or any(has_errors(f) for f in form):
        return []
    planned = []
    for i, day, people, firms in wanted:
        try:
            planned.append(
                services.plan_visit(current_user, centre=centre, planned_on=day, staff=people, enterprises=firms)
            )
        except ActionRefused as exc:
            if exc.forbidden:
                abort(403)
            form.form_errors.extend(str(r) for r in exc.reasons)
            return []
        except ServiceError as exc:
            field = PLAN_FIELDS.get(exc.field or "")
            put_error(form, f"rows-{i}-{field}" if field else "centre" if exc.field == "centre" else None, exc.message)
            return []
    return planned


def _plan_page(form, centres, status: int):
    centre = chosen_centre(form, centres)
    pad_rows(form.rows)
    staff_options = db.session.execute(queries.staff_choices(centre, limit=200)).scalars()
    month = today().replace(day=1)
    page = queries.list_visits(current_user, month=month, state=VisitState.PLANNED)
    return (
        render_template(
            "visits/plan.html",
            form=form,
            centres=centres,
            centre=centre,
            staff_options=[person_label(u) for u in staff_options],
            enterprise_options=enterprise_options(centre, None),
            planned=page.rows,
            month=month,
            invalid=status >= 400,
            today=today(),
        ),
        status,
    )


# ---- changing a plan ---------------------------------------------------------------------------------------------


@bp.route("/visits/<int:visit_id>/replan", methods=["GET", "POST"])
@roles_required(Role.SUPERVISOR)
def replan(visit_id: int):
    """A supervisor changes a planned visit: its day, who goes, which enterprises (``replan``)."""
    visit = visit_or_404(visit_id)
    if visit.state is not VisitState.PLANNED:
        flash(_("This visit is already recorded or was cancelled."), "info")
        return redirect(url_for("visits.show", visit_id=visit.id))
    if not services.can_act_on_visit(current_user, visit):
        abort(403)
    form = ReplanForm()
    if request.method == "GET":
        form.planned_on.data = visit.planned_on.isoformat()
        form.staff.entries = []
        for user in visit.staff:
            form.staff.append_entry(person_label(user))
        form.enterprises.entries = []
        for enterprise in visit.enterprises:
            form.enterprises.append_entry(enterprise_label(enterprise))
        form.notes.data = visit.notes or ""
        form.version.data = str(visit.version)
        return _replan_page(form, visit, 200)
    if form.validate_on_submit():
        people, firms = [], []
        for entry in form.staff.entries:
            user = resolve_staff(current_user, entry.data, visit.centre) if entry.data else None
            if entry.data and user is None:
                put_error(
                    form,
                    entry.id,
                    _("No caseworker or supervisor who may go has this name or e-mail: pick one from the list."),
                )
            elif user is not None:
                people.append(user)
        for entry in form.enterprises.entries:
            firm = resolve_enterprise(current_user, entry.data) if entry.data else None
            if entry.data and firm is None:
                put_error(
                    form,
                    entry.id,
                    _("No enterprise of your scope has this name or credit code: pick one from the list."),
                )
            elif firm is not None:
                firms.append(firm)
        if not any(has_errors(f) for f in form):
            try:
                services.replan_visit(
                    current_user,
                    visit,
                    planned_on=form.planned_on.data or "",
                    staff=people,
                    enterprises=firms,
                    topics=list(visit.topics or []),
                    notes=form.notes.data or "",
                    version=version_of(form.version.data),
                )
            except NotFound:
                abort(404)
            except ConflictError:
                form.form_errors.append(
                    _(
                        "Someone else changed this visit meanwhile. What you typed is kept below: check it and save again."
                    )
                )
            except ActionRefused as exc:
                if exc.forbidden:
                    abort(403)
                form.form_errors.extend(str(r) for r in exc.reasons)
            except ServiceError as exc:
                put_error(form, exc.field, exc.message)
            else:
                flash(_("The plan was changed."), "success")
                return redirect(url_for("visits.show", visit_id=visit.id))
    db.session.rollback()
    return _replan_page(form, visit_or_404(visit_id), 422)


def _replan_page(form, visit, status: int):
    pad_rows(form.staff)
    pad_rows(form.enterprises)
    staff_options = db.session.execute(queries.staff_choices(visit.centre, limit=200)).scalars()
    return (
        render_template(
            "visits/replan.html",
            form=form,
            visit=visit,
            staff_options=[person_label(u) for u in staff_options],
            enterprise_options=enterprise_options(visit.centre, visit),
            invalid=status >= 400,
            today=today(),
        ),
        status,
    )


# ---- suggestions for the forms' staff and enterprise fields ----------------------------------------------------


@bp.get("/visits/search/enterprises")
@roles_required(*ACTORS)
def search_enterprises():
    """Enterprises a visit of the centre chosen (by default the user's) may visit, whose name or credit
    code contains ``q``: "name · code"."""
    q = (request.args.get("q") or "").strip()[:100]
    centre = _centre_arg()
    if len(q) < 2 or centre is None:
        return jsonify([])
    stmt = queries.enterprise_choices(centre, q, SUGGESTIONS)
    return jsonify([{"value": enterprise_label(e)} for e in db.session.execute(stmt).scalars()])


@bp.get("/visits/search/staff")
@roles_required(*ACTORS)
def search_staff():
    """Staff who may go on a visit of the centre chosen (by default the user's): "name · e-mail"."""
    q = (request.args.get("q") or "").strip()[:100]
    centre = _centre_arg()
    if not q or centre is None:
        return jsonify([])
    stmt = queries.staff_choices(centre, q, SUGGESTIONS)
    return jsonify([{"value": person_label(u)} for u in db.session.execute(stmt).scalars()])


def _centre_arg():
    raw = request.args.get("centre", "")
    if not raw:
        return current_user.centre
    from app.centres.models import Centre
    from app.core.scope import get_visible

    return get_visible(Centre, raw if raw.isascii() and raw.isdigit() and len(raw) <= 10 else None, current_user)
