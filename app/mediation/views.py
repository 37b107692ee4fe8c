"""The pages of the fast mediation: its panel on the case page, starting one, its own page with its
actions, the lists (mine for mediators, the centre's for caseworkers and supervisors) and a
session's calendar file.

Every route finds the mediation through the one door's rule (``services.can_see_mediation``):
one the user may not see answers 404, exactly as an id that does not exist; an action the user's
role may never take answers 403. Every action goes through ``services.transition``; a refused one
re-renders the page with what was typed (422, or 409 when the mediation changed meanwhile).
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import BooleanField, ValidationError

from app.auth.models import Role
from app.cases.enums import DocumentKind
from app.cases.permissions import can_see_internal
from app.cases.track_actions import action_inputs, run_action
from app.cases.tracks import TrackPanel, register_panel
from app.cases.views import case_or_404
from app.clocks.display import clock_rows
from app.core.db import utcnow
from app.core.engine import ActionRefused
from app.core.enums import label_of, member_of
from app.core.errors import ServiceError
from app.core.forms import AppForm, SelectField
from app.core.i18n import DISPLAY_TZ
from app.core.money import yuan, yuan_in_capitals
from app.core.permissions import roles_required
from app.extensions import db
from app.mediation import queries, services, workflow
from app.mediation.calendar import download_name, session_calendar
from app.mediation.enums import MediationScope, MediationState, NextRoute, ServiceMethod
from app.mediation.forms import StartMediationForm

bp = Blueprint("mediation", __name__)

STATE_BADGES = {
    MediationState.REQUESTED: "text-bg-primary",
    MediationState.AWAITING_RESPONDENT: "text-bg-info",
    MediationState.IN_MEDIATION: "text-bg-primary",
    MediationState.SUSPENDED: "text-bg-warning",
    MediationState.AGREED: "text-bg-success",
    MediationState.PERFORMED: "text-bg-success",
    MediationState.UNPERFORMED: "text-bg-danger",
    MediationState.FAILED: "text-bg-secondary",
    MediationState.REFUSED: "text-bg-secondary",
    MediationState.WITHDRAWN: "text-bg-secondary",
}
LIST_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)

# Events of a mediation that are not actions of its rule table.
EVENT_LABELS = {
    "request_mediation": _l("Fast mediation requested"),
    "issue_document": _l("Document issued"),
}


# ---- template globals: the words of a mediation, for any page (the case's timeline among them) ------------


@bp.app_template_global()
def mediation_state_label(value) -> str:
    """A mediation state's label; "—" for anything that is not one (never the raw value)."""
    return label_of(MediationState, value)


@bp.app_template_global()
def mediation_state_badge(value) -> str:
    return STATE_BADGES.get(member_of(MediationState, value), "text-bg-secondary")


@bp.app_template_global()
def mediation_action_label(name):
    """The label of a mediation action or event; a plain "updated" for one this code does not know."""
    return workflow.MEDIATIONS.label_of(name, EVENT_LABELS, _l("Mediation updated"))


@bp.app_template_global()
def mediation_route_label(value) -> str:
    return label_of(NextRoute, value)


@bp.app_template_global()
def mediation_method_label(value) -> str:
    return label_of(ServiceMethod, value)


@bp.app_template_global()
def mediation_document_label(value) -> str:
    return label_of(DocumentKind, value)


@bp.app_template_global()
def mediation_person(email) -> str:
    """The name of the staff member an event names by e-mail (the mediator assigned), else the address."""
    user = services.mediator_by_email(email)
    return user.name if user is not None and user.is_staff else (email if isinstance(email, str) else "—")


@bp.app_template_global()
def mediation_when(value) -> str:
    """A time (a datetime, or as an event's data keeps it: ISO text) in China time, minute precision."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return ""
    if not isinstance(value, datetime):
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=DISPLAY_TZ)
    return value.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M")


@bp.app_template_global()
def mediation_amount(fen) -> dict | None:
    """An amount in fen as the pages write it: figures and capitals (大写)."""
    if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0:
        return None
    return {"figures": yuan(fen), "capitals": yuan_in_capitals(fen)}


# ---- the panel on the case page ------------------------------------------------------------------------


def _summaries(case, mediations) -> list[dict]:
    now = utcnow()
    ids = [m.id for m in mediations]
    clocks = queries.clocks_by_mediation(ids)
    documents = queries.documents_by_mediation(case.id, ids)
    return [
        {
            "m": m,
            "deadline": queries.deadline(m, clocks.get(m.id, []), now),
            "next_session": queries.next_session(m),
            "documents": documents.get(m.id, []),
        }
        for m in mediations
    ]


def panel_context(case, user):
    """The case page's mediation panel: the case's mediations, and for caseworkers and supervisors
    the form that starts one (or the reasons it cannot start now). Left out for the roles that
    never start one when the case has none."""
    mediations = queries.case_mediations(case)
    may_start = user.role in services.STARTERS
    if not mediations and (not may_start or not case.state.is_open):
        return None
    start = None
    kept = g.get("mediation_start")
    # Nothing to start on a case no longer open, nor beside a mediation under way.
    if may_start and (kept is not None or (case.state.is_open and not any(m.is_open for m in mediations))):
        eligibility = services.eligibility(case, user, mediations=mediations)
        if kept is not None:
            form, errors = kept["form"], kept["errors"]
        elif eligibility.allowed:
            form, errors = StartMediationForm(formdata=None).fill_choices(services.mediator_choices(case)), []
        else:  # the panel shows only why it cannot start: no form, and no mediators read for it
            form, errors = None, []
        start = {"eligibility": eligibility, "form": form, "errors": errors}
    return {"mediations": _summaries(case, mediations), "start": start, "staff": user.is_staff}


register_panel(TrackPanel("mediation", "mediation/_case_panel.html", panel_context, order=20))


@bp.post("/cases/<number>/mediations")
@login_required
def start(number: str):
    """Start a fast mediation of the case (``services.request_mediation``): every reason it cannot
    start is shown at once, with what was typed kept."""
    from app.cases.views_case import render_case

    case = case_or_404(number)
    if current_user.role not in services.STARTERS:
        abort(403)
    form = StartMediationForm().fill_choices(services.mediator_choices(case))
    if form.validate_on_submit():
        try:
            m = services.request_mediation(
                case,
                current_user,
                mediator=form.mediator.data or None,
                scope=form.scope.data,
                requests=form.requests.data or "",
                not_in_court=bool(form.not_in_court.data),
            )
        except ActionRefused as exc:
            if exc.forbidden:
                abort(403)
            errors = [str(r) for r in exc.reasons]
        except ServiceError as exc:
            errors = [str(exc.message)]
        else:
            flash(_("The fast mediation was started."), "success")
            return redirect(url_for("mediation.show", mediation_id=m.id))
    else:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    db.session.rollback()
    g.mediation_start = {"form": form, "errors": errors}
    return render_case(case_or_404(number), 422)


# ---- the mediation page -------------------------------------------------------------------------------


def _mediation_or_404(mediation_id: int):
    m = queries.get_mediation(mediation_id, current_user)
    if m is None:
        abort(404)
    return m


def render_mediation(m, status: int = 200, *, typed=None, conflict: bool = False):
    now = utcnow()
    checks = services.available_actions(m, current_user)
    allowed = [c for c in checks if c.allowed]
    blocked = [
        c for c in checks if not c.allowed and not c.wrong_state and not c.role_refused and c.action.listed_when_blocked
    ]
    clocks = services.mediation_clocks(m)
    staff = current_user.is_staff
    context = {
        "m": m,
        "case": m.case,
        "staff": staff,
        "internal": can_see_internal(current_user),
        "allowed": allowed,
        "blocked": blocked,
        **action_inputs(m, allowed, current_user),
        "typed": typed,
        "conflict": conflict,
        "clocks": clock_rows(clocks, now),
        "deadline": queries.deadline(m, clocks, now),
        "sessions": sorted(m.sessions, key=lambda s: s.position),
        "documents": queries.mediation_documents(m),
        "events": queries.mediation_events(m, current_user),
        "routes": list(NextRoute),
        "scope_labels": {s: s.label for s in MediationScope},
    }
    return render_template("mediation/show.html", **context), status


@bp.get("/mediations/<int:mediation_id>")
@login_required
def show(mediation_id: int):
    return render_mediation(_mediation_or_404(mediation_id))


@bp.post("/mediations/<int:mediation_id>/actions/<action>")
@login_required
def act(mediation_id: int, action: str):
    """Apply one action of the mediation's rule table through the one door."""
    m = _mediation_or_404(mediation_id)
    return run_action(
        m,
        action,
        workflow=workflow.MEDIATIONS,
        transition=services.transition,
        may_act=services.can_act_on_mediation(current_user, m),
        render=render_mediation,
        reload=lambda: _mediation_or_404(mediation_id),
        done_url=url_for("mediation.show", mediation_id=mediation_id),
        actor=current_user,
    )


@bp.get("/mediations/<int:mediation_id>/sessions/<int:session_id>.ics")
@login_required
def session_ics(mediation_id: int, session_id: int):
    """One session as a calendar file (RFC 5545), for whoever may see the mediation."""
    from app.core.document_numbers import public_base_url

    m = _mediation_or_404(mediation_id)
    session = queries.get_session(m, session_id)
    if session is None:
        abort(404)
    page = public_base_url() + url_for("mediation.show", mediation_id=m.id)
    response = Response(session_calendar(m, session, page), content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name(m, session)}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---- the lists ----------------------------------------------------------------------------------------


class MediationFilterForm(AppForm):
    """The list's filters, read from the query string."""

    class Meta:
        csrf = False

    state = SelectField(_l("State"), default="", validate_choice=False)
    overdue = BooleanField(_l("Overdue only"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.state.choices = [("", _l("Every state")), *MediationState.choices()]

    def validate_state(self, field):
        if field.data and field.data not in {s.value for s in MediationState}:
            raise ValidationError(_l("Choose one of the states listed."))


def _page_number() -> int:
    """The page asked for; one that does not parse starts again at the first."""
    value = request.args.get("page", "")
    return int(value) if value.isascii() and value.isdigit() and 0 < len(value) <= 5 and int(value) > 0 else 1


def _list_page(template: str, *, mine: bool):
    form = MediationFilterForm(request.args)
    now = utcnow()
    if request.args and not form.validate():
        page, status = queries.Page([], 1, False), 422
    else:
        page = queries.mediation_list(
            current_user,
            now,
            mine=mine,
            states=[MediationState(form.state.data)] if form.state.data else None,
            overdue=bool(form.overdue.data),
            page=_page_number(),
        )
        status = 200
    args = {k: v for k, v in (("state", form.state.data), ("overdue", "y" if form.overdue.data else "")) if v}
    return render_template(template, form=form, page=page, filter_args=args, invalid=status == 422, now=now), status


@bp.get("/mediations")
@roles_required(*LIST_ROLES)
def index():
    """Every mediation of the user's centre and the centres below it, the overdue first."""
    return _list_page("mediation/index.html", mine=False)


@bp.get("/mediations/mine")
@roles_required(Role.MEDIATOR)
def mine():
    """The mediations assigned to me: the open ones first, the overdue first among them."""
    return _list_page("mediation/mine.html", mine=True)
