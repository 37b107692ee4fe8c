"""The pages of the annual reports on SME work: the list of the reports in the viewer's scope (year,
centre, state, deadline), a report's page (its figures, its five sections written while it is a draft,
the action panel, the issued PDF) and the PDF itself.

Supervisors and administrators use these pages; a report out of their subtree answers 404. Every write
goes through ``app.reports.annual.services`` (the workflow's actions, through the one door).
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.models import Role
from app.cases.track_actions import run_action
from app.core.db import utcnow
from app.core.permissions import roles_required
from app.core.workdays import china_day
from app.reports.annual import queries, services, workflow
from app.reports.annual.documents import figure_tables
from app.reports.annual.models import SECTIONS, AnnualState

bp = Blueprint("annual_reports", __name__)

VIEWERS = (Role.SUPERVISOR, Role.ADMIN)
# Actions drawn by the sections' own form, not by the action panel.
OWN_FORM = ("save", "submit")
STATE_BADGES = {
    AnnualState.DRAFT: "text-bg-warning",
    AnnualState.SUBMITTED: "text-bg-info",
    AnnualState.ISSUED: "text-bg-success",
}
EVENT_LABELS = {
    "prepare": _l("Draft prepared with the year's figures"),
    "issue_document": _l("Report issued (PDF)"),
    "clock_due_soon": _l("Deadline near"),
    "clock_breached": _l("Deadline passed"),
}


@bp.app_template_global()
def annual_badge(state) -> str:
    return STATE_BADGES.get(state, "text-bg-secondary")


@bp.app_template_global()
def annual_event(action: str) -> str:
    if action in EVENT_LABELS:
        return EVENT_LABELS[action]
    return workflow.ANNUAL[action].label if action in workflow.ANNUAL else _l("Report updated")


def report_or_404(report_id: int):
    report = queries.get_report(current_user, report_id)
    if report is None:
        abort(404)
    return report


# ---- the list ------------------------------------------------------------------------------------------------


@bp.get("/reports/annual")
@roles_required(*VIEWERS)
def index():
    """The reports of one year (the latest by default) of the viewer's centre and the centres below it."""
    years = queries.years(current_user)
    problems = []
    year = years[0] if years else china_day(utcnow()).year - 1
    asked = (request.args.get("year") or "").strip()
    if asked:
        if asked.isdigit() and len(asked) == 4:
            year = int(asked)
        else:
            problems.append(_("Give the year as four digits, for example 2025."))
    state = None
    asked_state = (request.args.get("state") or "").strip()
    if asked_state:
        try:
            state = AnnualState(asked_state)
        except ValueError:
            problems.append(_("Choose a state from the list."))
    rows = queries.list_reports(current_user, year, state)
    return (
        render_template(
            "reports/annual/index.html",
            rows=rows,
            years=years,
            year=year,
            state=state,
            states=list(AnnualState),
            problems=problems,
            now=utcnow(),
        ),
        422 if problems else 200,
    )


# ---- a report's page -----------------------------------------------------------------------------------------


def render_report(report, status: int = 200, *, typed=None, conflict: bool = False):
    checks = services.available_actions(report, current_user)
    by_name = {c.action.name: c for c in checks}
    panel = [c for c in checks if c.action.name not in OWN_FORM]
    allowed = [c for c in panel if c.allowed]
    # The reasons a submission is blocked (an empty section) are said in the panel too.
    blocked = [
        c for c in checks if not c.allowed and not c.wrong_state and not c.role_refused and c.action.listed_when_blocked
    ]
    may_write = "save" in by_name and by_name["save"].allowed
    may_submit = "submit" in by_name and not by_name["submit"].wrong_state
    events = queries.events(report)
    texts = dict(report.sections)
    if typed and typed.get("action") in OWN_FORM:
        # What was typed is shown again (a refusal or a conflict loses nothing).
        texts.update({k: v for k, v in (typed.get("data") or {}).items() if isinstance(v, str)})
    context = {
        "r": report,
        "allowed": allowed,
        "blocked": blocked,
        "typed": typed,
        "conflict": conflict,
        "may_write": may_write,
        "may_submit": may_submit,
        "sections": SECTIONS,
        "texts": texts,
        "figures": figure_tables(report.figures),
        "clock": queries.clock_of(report),
        "now": utcnow(),
        "events": events,
        "actors": queries.actor_names(events),
        "is_reviewer": services.is_reviewer(current_user, report),
        "choices": {},
        "helps": {},
    }
    return render_template("reports/annual/show.html", **context), status


@bp.get("/reports/annual/<int:report_id>")
@roles_required(*VIEWERS)
def show(report_id: int):
    return render_report(report_or_404(report_id))


@bp.post("/reports/annual/<int:report_id>/actions/<action>")
@roles_required(*VIEWERS)
def act(report_id: int, action: str):
    """Every action of the report: the sections' form (save, submit) and the panel's."""
    report = report_or_404(report_id)
    return run_action(
        report,
        action,
        workflow=workflow.ANNUAL,
        transition=services.transition,
        may_act=True,  # which actions are open to whom is the door's (403 with the reason)
        render=render_report,
        reload=lambda: report_or_404(report_id),
        done_url=url_for("annual_reports.show", report_id=report_id),
        actor=current_user,
    )


@bp.get("/reports/annual/<int:report_id>/pdf")
@roles_required(*VIEWERS)
def pdf(report_id: int):
    """The PDF kept when the report was issued."""
    from app.cases.documents import read_document
    from app.cases.views_documents import _pdf_response

    report = report_or_404(report_id)
    if report.document is None:
        abort(404)
    name = f"annual-report-{report.centre.code}-{report.year}.pdf"
    return _pdf_response(read_document(report.document), name, True)
