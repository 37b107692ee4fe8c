"""The pages of on-site visits (上门服务): the list of the subtree's visits, a visit's page with its
follow-ups, problems and actions, its photos and the record PDF. The forms that record a visit are in
``views_record``, those that plan one (and the pickers' suggestions) in ``views_plan``, the compliance
grid in ``views_compliance``.

Caseworkers and supervisors use these pages; a visit out of their subtree answers 404. Every
write goes through ``app.visits.services`` (the workflow actions through the one door).
"""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.models import Role
from app.cases.forms import ActionForm
from app.cases.models import Case
from app.cases.track_actions import run_action
from app.centres.models import Centre
from app.centres.queries import centre_filter_choices
from app.core.db import utcnow
from app.core.engine import ActionRefused, NotFound
from app.core.errors import ConflictError, ServiceError
from app.core.forms import version_of
from app.core.permissions import roles_required
from app.core.views import id_arg
from app.core.workdays import china_day
from app.extensions import db
from app.visits import queries, services, workflow
from app.visits.enums import Topic, VisitState
from app.visits.forms import (
    FilterForm,
    parse_month,
    resolve_enterprise,
)

bp = Blueprint("visits", __name__)

ACTORS = (Role.CASEWORKER, Role.SUPERVISOR)
STATE_BADGES = {
    VisitState.PLANNED: "text-bg-info",
    VisitState.DONE: "text-bg-warning",
    VisitState.CLOSED: "text-bg-success",
    VisitState.CANCELLED: "text-bg-secondary",
}
# Actions drawn by the page's own sections, not by the action panel.
OWN_SECTIONS = {"record", "replan", "complete_follow_up", "raise_case"}
SUGGESTIONS = 20
PAGE_SIZE = queries.PAGE_SIZE
DRAFT_SAVED = "visit_draft_saved"  # the draft (browser storage key) a successful save replaces
EVENT_LABELS = {
    "plan": _l("Visit planned"),
    "record": _l("Visit recorded"),
    "add_files": _l("Files added"),
    "issue_document": _l("Visit record issued"),
    "clock_due_soon": _l("Follow-up due soon"),
    "clock_breached": _l("Follow-up late"),
}


@bp.app_template_global()
def visit_badge(state) -> str:
    return STATE_BADGES.get(state, "text-bg-secondary")


@bp.app_template_global()
def visit_event(action: str) -> str:
    if action in EVENT_LABELS:
        return EVENT_LABELS[action]
    return workflow.VISITS[action].label if action in workflow.VISITS else _l("Visit updated")


@bp.app_template_global()
def visit_topic(value) -> str:
    try:
        return Topic(value).label
    except ValueError:
        return "—"


def today() -> date:
    return china_day(utcnow())


def visit_or_404(visit_id: int):
    visit = queries.get_visit(current_user, visit_id)
    if visit is None or not current_user.is_staff:
        abort(404)
    return visit


@bp.app_template_global()
def visits_my_work():
    """What "my work" lists of visits for the user: the planned visits they go on (None for those who
    do not visit); the follow-ups they own are clocks, among the deadlines they answer for."""
    from app.clocks import mywork

    if not current_user.is_authenticated or current_user.role not in ACTORS:
        return None
    planned = queries.planned_for(current_user, mywork.LIMIT + 1)
    return {"planned": planned[: mywork.LIMIT], "more": len(planned) > mywork.LIMIT}


@bp.app_template_global()
def enterprise_visits(enterprise):
    """The enterprise's visits the user may see: staff every visit of their scope, the enterprise's own
    people those done (their reads never load the internal notes)."""
    if not current_user.is_authenticated:
        return None
    return queries.enterprise_history(current_user, enterprise)


# ---- the list ------------------------------------------------------------------------------------------------


@bp.get("/visits")
@roles_required(*ACTORS)
def index():
    """The visits of the user's centre and the centres below it, the latest first, filtered by month,
    centre, state and enterprise."""
    # The centre filter drills down as the case list's does: the user's centre, the centres below it
    # and the way to the one chosen (closed centres kept: their visits stay listed).
    choices = centre_filter_choices(current_user, id_arg("centre"), active_only=False)
    form = FilterForm(formdata=request.args).fill(choices)
    form.validate()
    problems = []
    month = parse_month(form.month.data)
    if form.month.data and month is None:
        problems.append(_("Give the month as YYYY-MM."))
    centre_ids = {str(i): i for i, _label in choices}
    centre_id = centre_ids.get(form.centre.data or "")
    if form.centre.data and centre_id is None:
        problems.append(_("Choose one of the centres listed."))
    state = form.state.data if form.state.data in VisitState._value2member_map_ else None
    if form.state.data and state is None:
        problems.append(_("Choose one of the states listed."))
    enterprise = resolve_enterprise(current_user, form.enterprise.data) if form.enterprise.data else None
    if form.enterprise.data and enterprise is None:
        problems.append(_("No enterprise of your scope has this name or credit code."))
    page = queries.list_visits(
        current_user,
        month=month,
        centre_id=centre_id,
        state=VisitState(state) if state else None,
        enterprise_id=enterprise.id if enterprise else None,
        cursor=request.args.get("cursor") or None,
        limit=PAGE_SIZE,
        shown_only=True,
    )
    args = {
        k: v
        for k, v in (
            ("month", month.strftime("%Y-%m") if month else ""),
            ("centre", str(centre_id) if centre_id else ""),
            ("state", state or ""),
            ("enterprise", form.enterprise.data if enterprise else ""),
        )
        if v
    }
    return (
        render_template(
            "visits/index.html",
            form=form,
            page=page,
            filter_args=args,
            problems=problems,
            this_month=today().strftime("%Y-%m"),
            centre=db.session.get(Centre, centre_id) if centre_id else None,
            month=month,
        ),
        422 if problems else 200,
    )


# ---- a visit's page ------------------------------------------------------------------------------------------


def render_visit(visit, status: int = 200, *, typed=None, conflict: bool = False):
    checks = services.available_actions(visit, current_user)
    panel = [c for c in checks if c.action.name not in OWN_SECTIONS]
    allowed = [c for c in panel if c.allowed]
    blocked = [
        c for c in panel if not c.allowed and not c.wrong_state and not c.role_refused and c.action.listed_when_blocked
    ]
    may_act = services.can_act_on_visit(current_user, visit)
    day = today()
    events = queries.visit_events(visit)
    case_ids = [p.case_id for p in visit.problems if p.case_id]
    cases = (
        dict(db.session.execute(select(Case.id, Case.number).where(Case.id.in_(case_ids))).all()) if case_ids else {}
    )
    context = {
        "v": visit,
        "allowed": allowed,
        "blocked": blocked,
        "typed": typed,
        "conflict": conflict,
        "may_act": may_act,
        "may_record": may_act and visit.state is VisitState.PLANNED,
        "may_replan": visit.state is VisitState.PLANNED and current_user.role is Role.SUPERVISOR and may_act,
        "may_follow_up": may_act and visit.state is VisitState.DONE,
        "may_raise": may_act and visit.state in (VisitState.DONE, VisitState.CLOSED),
        "raise_reasons": _raise_reasons(visit),
        "cases": cases,
        "today": day,
        "files": queries.visit_files(visit),
        "documents": queries.visit_documents(visit),
        "events": events,
        "actors": queries.actor_names(events),
        "choices": {},
        "helps": {},
        "clear_draft": session.pop(DRAFT_SAVED, None),
    }
    return render_template("visits/show.html", **context), status


def _raise_reasons(visit) -> dict:
    """Why each problem cannot become a case yet (the workflow's own guard), by position."""
    reasons = {}
    for p in visit.problems:
        if p.case_id is not None:
            continue
        if p.ip_type is None:
            reasons[p.position] = _("Say which type of right the problem concerns before raising a case.")
        elif p.ip_type.is_patent and not p.right_number:
            reasons[p.position] = _("Give the patent's number before raising a case.")
    return reasons


@bp.get("/visits/<int:visit_id>")
@login_required
def show(visit_id: int):
    return render_visit(visit_or_404(visit_id))


@bp.post("/visits/<int:visit_id>/actions/<action>")
@login_required
def act(visit_id: int, action: str):
    """The actions of the panel (cancel, close); the others have their own forms."""
    visit = visit_or_404(visit_id)
    if action in OWN_SECTIONS:
        abort(404)
    if action == "cancel":

        def transition(v, name, actor, *, comment, data, expected_version):
            return services.cancel_visit(actor, v, comment, version=expected_version)
    else:
        transition = services.transition
    return run_action(
        visit,
        action,
        workflow=workflow.VISITS,
        transition=transition,
        may_act=services.can_act_on_visit(current_user, visit),
        render=render_visit,
        reload=lambda: visit_or_404(visit_id),
        done_url=url_for("visits.show", visit_id=visit_id),
        actor=current_user,
    )


def _refused(visit, exc: Exception):
    """The page again after a refused write, with the reasons at the top (nothing was kept)."""
    db.session.rollback()
    visit = visit_or_404(visit.id)
    if isinstance(exc, ConflictError):
        return render_visit(visit, 409, conflict=True)
    if isinstance(exc, ActionRefused):
        reasons = [str(r) for r in exc.reasons]
    else:
        reasons = [str(getattr(exc, "message", exc))]
    return render_visit(visit, 422, typed={"action": "", "errors": reasons, "data": {}, "comment": ""})


@bp.post("/visits/<int:visit_id>/follow-ups/<int:follow_up_id>/done")
@login_required
def follow_up_done(visit_id: int, follow_up_id: int):
    """Mark a follow-up done, with what was done; the visit closes with its last follow-up."""
    visit = visit_or_404(visit_id)
    follow_up = next((f for f in visit.follow_ups if f.id == follow_up_id), None)
    if follow_up is None:
        abort(404)
    if not services.can_act_on_visit(current_user, visit):
        abort(403)
    form = ActionForm()
    if not form.validate_on_submit():
        return _refused(visit, ServiceError(" ".join(str(e) for es in form.errors.values() for e in es)))
    try:
        services.complete_follow_up(
            current_user, follow_up, form.comment.data or "", version=version_of(form.version.data)
        )
    except NotFound:
        abort(404)
    except ActionRefused as exc:
        if exc.forbidden:
            abort(403)
        return _refused(visit, exc)
    except ServiceError as exc:
        return _refused(visit, exc)
    flash(_("The follow-up is marked done."), "success")
    return redirect(url_for("visits.show", visit_id=visit_id, _anchor="follow-ups"))


@bp.post("/visits/<int:visit_id>/problems/<int:problem_id>/case")
@login_required
def raise_case(visit_id: int, problem_id: int):
    """Turn a problem into a case in one step, then open the case."""
    visit = visit_or_404(visit_id)
    problem = next((p for p in visit.problems if p.id == problem_id), None)
    if problem is None:
        abort(404)
    if not services.can_act_on_visit(current_user, visit):
        abort(403)
    form = ActionForm()
    if not form.validate_on_submit():
        return _refused(visit, ServiceError(" ".join(str(e) for es in form.errors.values() for e in es)))
    try:
        case = services.raise_case(current_user, visit, problem.position, version=version_of(form.version.data))
    except NotFound:
        abort(404)
    except ActionRefused as exc:
        if exc.forbidden:
            abort(403)
        return _refused(visit, exc)
    except ServiceError as exc:
        return _refused(visit, exc)
    flash(_("Case %(number)s was raised from the visit; you answer for it first.", number=case.number), "success")
    return redirect(url_for("cases.show", number=case.number))


# ---- files and the visit record (PDF) ------------------------------------------------------------------------


@bp.get("/visits/<int:visit_id>/files/<int:file_id>")
@login_required
def download_file(visit_id: int, file_id: int):
    """A photo or document of the visit, as a download (never rendered as a page of the site)."""
    from app.core import storage

    visit = visit_or_404(visit_id)
    kept = queries.get_visit_file(visit, file_id)
    if kept is None:
        abort(404)
    path = storage.absolute(kept.storage_path)
    if not path.is_file():
        current_app.logger.error("Visit file missing: %s at %s", kept.id, kept.storage_path)
        abort(404)
    response = send_file(
        path, mimetype=kept.content_type, as_attachment=True, download_name=kept.filename, etag=kept.sha256
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/visits/<int:visit_id>/documents")
@roles_required(*ACTORS)
def issue_record(visit_id: int):
    """Issue the visit record (上门服务记录表) for the contact to sign; the visit's page lists it."""
    from app.visits import documents

    visit = visit_or_404(visit_id)
    if not services.can_act_on_visit(current_user, visit):
        abort(403)
    form = ActionForm()
    if not form.validate_on_submit():
        return _refused(visit, ServiceError(" ".join(str(e) for es in form.errors.values() for e in es)))
    try:
        documents.issue_record(current_user, visit)
    except ActionRefused as exc:
        if exc.forbidden:
            abort(403)
        return _refused(visit, exc)
    except ServiceError as exc:
        return _refused(visit, exc)
    flash(_("The visit record was issued."), "success")
    return redirect(url_for("visits.show", visit_id=visit.id, _anchor="documents"))


@bp.get("/visits/<int:visit_id>/documents/<int:document_id>")
@login_required
def download_document(visit_id: int, document_id: int):
    from app.cases.documents import read_document
    from app.cases.views_documents import _pdf_response

    visit = visit_or_404(visit_id)
    document = next((d for d in queries.visit_documents(visit) if d.id == document_id), None)
    if document is None:
        abort(404)
    return _pdf_response(read_document(document), f"visit-{visit.id}-{document.kind.value}-{document.id}.pdf", True)


from app.visits import views_compliance, views_plan, views_record  # noqa: E402,F401  (routes on ``bp``)
