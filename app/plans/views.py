"""The pages of the rights-protection plan: its panel on the case page, drafting one, its editor, its
own page with its actions, and a preview of its PDF for staff.

Every route finds the plan through its scope rule and ``services.can_see_plan``: one the user may
not see (another centre's, or a draft for the applicant's side) answers 404, exactly as an id that
does not exist; what the user's role may never do answers 403. Every action goes through
``services.transition`` and every edit through ``services.save_plan``; a refused one re-renders the
page with what was typed (422, or 409 when the plan changed meanwhile).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.cases.enums import DocumentKind
from app.cases.permissions import can_see_internal
from app.cases.track_actions import run_action
from app.cases.tracks import TrackPanel, register_panel
from app.cases.views import case_or_404
from app.core.engine import ActionRefused, NotFound
from app.core.enums import label_of, member_of
from app.core.errors import ConflictError, ServiceError
from app.core.forms import version_of
from app.extensions import db
from app.plans import queries, services, workflow
from app.plans.content import MAX_ROWS
from app.plans.enums import PlanState, Route, Verdict
from app.plans.forms import EditorState

bp = Blueprint("plans", __name__)

STATE_BADGES = {
    PlanState.DRAFT: "text-bg-secondary",
    PlanState.IN_REVIEW: "text-bg-info",
    PlanState.APPROVED: "text-bg-primary",
    PlanState.ISSUED: "text-bg-success",
    PlanState.SUPERSEDED: "text-bg-light border",
}
# Events of a plan that are not actions of its rule table.
EVENT_LABELS = {
    "create_plan": _l("Plan drafted"),
    "edit_plan": _l("Plan edited"),
    "issue_document": _l("Document issued: rights-protection plan"),
}


# ---- template globals: the words of a plan, for any page (the case's timeline among them) ---------------


@bp.app_template_global()
def plan_state_label(value) -> str:
    """A plan state's label; "—" for anything that is not one (never the raw value)."""
    return label_of(PlanState, value)


@bp.app_template_global()
def plan_state_badge(value) -> str:
    return STATE_BADGES.get(member_of(PlanState, value), "text-bg-secondary")


@bp.app_template_global()
def plan_event_label(name) -> str:
    """The label of a plan's action or event; a plain "updated" for one this code does not know."""
    return str(workflow.PLANS.label_of(name, EVENT_LABELS, _l("Plan updated")))


@bp.app_template_global()
def verdict_label(value) -> str:
    return label_of(Verdict, value)


@bp.app_template_global()
def route_label(value) -> str:
    return label_of(Route, value)


FIELD_LABELS = {
    "facts": _l("facts"),
    "right": _l("right relied on"),
    "comparison": _l("comparison"),
    "evidence_held": _l("evidence held"),
    "evidence_needed": _l("evidence needed"),
    "routes": _l("routes"),
    "damages": _l("damages estimate"),
}


@bp.app_template_global()
def plan_field_label(name) -> str:
    """The words for a content field an ``edit_plan`` event names."""
    return str(FIELD_LABELS.get(name, name))


# ---- the panel on the case page ------------------------------------------------------------------------


def panel_context(case, user):
    """The case page's plan panel: the plan in force and the one being written, every revision with its
    PDF, and for caseworkers and supervisors the button that drafts one (or why they cannot now). Left
    out where there is nothing to show: no plan the viewer may see, and no plan to draft."""
    plans = queries.visible_plans(case, user)
    may_draft = user.role in workflow.HANDLERS
    in_hand = case.state in services.HANDLING_CASE_STATES
    if not plans and not (may_draft and in_hand):
        return None
    issued, open_plan = queries.current_of(plans)
    draft = None
    if may_draft and not plans:
        kept = g.get("plan_start_errors")
        draft = {"eligibility": services.eligibility(case, user), "errors": kept or []}
    return {
        "plans": plans,
        "issued": issued,
        "open": open_plan,
        "documents": queries.documents_of(plans),
        "draft": draft,
        "staff": user.is_staff,
        "can_act": bool(plans) and services.can_act_on_plan(user, plans[0]),
    }


register_panel(TrackPanel("plan", "plans/_case_panel.html", panel_context, order=10))


@bp.post("/cases/<number>/plans")
@login_required
def start(number: str):
    """Draft a plan of the case (``services.create_plan``); the editor opens on it. Every reason it
    cannot be drafted now is shown on the case page."""
    from app.cases.views_case import render_case

    case = case_or_404(number)
    if current_user.role not in workflow.HANDLERS:
        abort(403)
    try:
        plan = services.create_plan(case, current_user)
    except ActionRefused as exc:
        if exc.forbidden:
            abort(403)
        errors = [str(r) for r in exc.reasons]
    except ServiceError as exc:
        errors = [str(exc.message)]
    else:
        flash(_("The plan was started from the case's facts. Complete it, then submit it for review."), "success")
        return redirect(url_for("plans.edit", plan_id=plan.id))
    db.session.rollback()
    g.plan_start_errors = errors
    return render_case(case_or_404(number), 422)


# ---- the plan page ---------------------------------------------------------------------------------------


def _plan_or_404(plan_id: int):
    plan = queries.get_plan(plan_id, current_user)
    if plan is None:
        abort(404)
    return plan


def render_plan(plan, status: int = 200, *, typed=None, conflict: bool = False):
    checks = services.available_actions(plan, current_user)
    allowed = [c for c in checks if c.allowed]
    blocked = [
        c for c in checks if not c.allowed and not c.wrong_state and not c.role_refused and c.action.listed_when_blocked
    ]
    history = queries.visible_plans(plan.case, current_user)
    context = {
        "plan": plan,
        "case": plan.case,
        "staff": current_user.is_staff,
        "internal": can_see_internal(current_user),
        "allowed": allowed,
        "blocked": blocked,
        "choices": {},
        "helps": {},
        "typed": typed,
        "conflict": conflict,
        "can_edit": plan.state is PlanState.DRAFT and services.can_act_on_plan(current_user, plan),
        "history": history,
        "documents": queries.documents_of(history),
        "events": queries.events_of(plan, current_user),
        "revised_by": next((p for p in history if p.supersedes_id == plan.id), None),
    }
    return render_template("plans/show.html", **context), status


@bp.get("/plans/<int:plan_id>")
@login_required
def show(plan_id: int):
    return render_plan(_plan_or_404(plan_id))


@bp.post("/plans/<int:plan_id>/actions/<action>")
@login_required
def act(plan_id: int, action: str):
    """Apply one action of the plan's rule table through the one door."""
    plan = _plan_or_404(plan_id)

    def done(result):
        if action != "revise":
            return None
        flash(
            _(
                "Revision %(n)d was started from the issued plan. Change it, then submit it for review.",
                n=result.revision,
            ),
            "success",
        )
        return redirect(url_for("plans.edit", plan_id=result.id))

    return run_action(
        plan,
        action,
        workflow=workflow.PLANS,
        transition=services.transition,
        may_act=services.can_act_on_plan(current_user, plan),
        render=render_plan,
        reload=lambda: _plan_or_404(plan_id),
        done_url=url_for("plans.show", plan_id=plan_id),
        actor=current_user,
        hidden=workflow.INTERNAL_ACTIONS,
        done=done,
    )


@bp.get("/plans/<int:plan_id>/preview.pdf")
@login_required
def preview(plan_id: int):
    """The plan's PDF as it would be issued now, for staff (not saved, no number taken)."""
    from app.cases.documents import preview_pdf
    from app.cases.views_documents import _pdf_response

    plan = _plan_or_404(plan_id)
    if not current_user.is_staff:
        abort(403)
    data = preview_pdf(plan.case, DocumentKind.PROTECTION_PLAN, current_user, subject=plan)
    return _pdf_response(data, f"{plan.case.ref}-protection_plan-{plan.revision}-preview.pdf", False)


# ---- the editor ------------------------------------------------------------------------------------------


def _editable_or_abort(plan):
    if not services.can_act_on_plan(current_user, plan):
        abort(403)


def render_editor(
    plan, state: EditorState, status: int = 200, *, version=None, errors=None, conflict=False, unsaved=False
):
    problems = errors or {}
    return (
        render_template(
            "plans/edit.html",
            plan=plan,
            case=plan.case,
            s=state,
            version=plan.version if version is None else version,
            errors=state.errors_by_field(problems) if problems else {},
            reasons=list(problems.values()),
            conflict=conflict,
            unsaved=unsaved,
            routes=list(Route),
            verdicts=list(Verdict),
            max_rows=MAX_ROWS,
        ),
        status,
    )


@bp.get("/plans/<int:plan_id>/edit")
@login_required
def edit(plan_id: int):
    plan = _plan_or_404(plan_id)
    _editable_or_abort(plan)
    if plan.state is not PlanState.DRAFT:
        flash(_("Only a draft can be changed; this plan is “%(state)s”.", state=plan.state.label), "warning")
        return redirect(url_for("plans.show", plan_id=plan.id))
    return render_editor(plan, EditorState.from_plan(plan))


@bp.post("/plans/<int:plan_id>/edit")
@login_required
def save(plan_id: int):
    """Save the draft, or only change the form (add a row, move one): nothing is saved then."""
    plan = _plan_or_404(plan_id)
    _editable_or_abort(plan)
    state = EditorState.from_form(request.form)
    posted = version_of(request.form.get("version"))
    op = request.form.get("op") or "save"
    if plan.state is not PlanState.DRAFT:  # submitted or returned meanwhile: what was typed is shown again
        reason = _("Only a draft can be changed; this plan is “%(state)s”.", state=plan.state.label)
        return render_editor(plan, state, 409, version=posted, errors={"plan": reason})
    if op == "add_row":
        state.add_row()
        return render_editor(plan, state, version=posted, unsaved=True)
    if op.startswith(("up-", "down-")):
        direction, _sep, index = op.partition("-")
        if index.isascii() and index.isdigit() and len(index) < 4:
            state.move(int(index), -1 if direction == "up" else 1)
        return render_editor(plan, state, version=posted, unsaved=True)
    data = state.content()
    try:
        services.save_plan(plan, current_user, data, posted)
    except NotFound:
        abort(404)
    except ConflictError:
        db.session.rollback()
        fresh = _plan_or_404(plan_id)
        return render_editor(fresh, state, 409, conflict=True)
    except services.PlanInputError as exc:
        db.session.rollback()
        return render_editor(_plan_or_404(plan_id), state, 422, version=posted, errors=exc.problems)
    except ActionRefused as exc:
        if exc.forbidden:
            abort(403)
        db.session.rollback()
        return render_editor(_plan_or_404(plan_id), state, 422, version=posted, errors={"plan": exc.reasons[0]})
    except ServiceError as exc:
        db.session.rollback()
        return render_editor(_plan_or_404(plan_id), state, 422, version=posted, errors={"plan": exc.message})
    flash(_("The plan was saved."), "success")
    if op == "save_close":
        return redirect(url_for("plans.show", plan_id=plan_id))
    return redirect(url_for("plans.edit", plan_id=plan_id))
