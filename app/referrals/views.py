"""The pages of referrals: the panel on the case page (the case's referrals, and for caseworkers and
supervisors the form that decides one, with the competent agencies proposed), a referral's page
with its actions, and the list of the subtree's referrals with how long each agency has been
silent. Every action goes through ``services.transition`` by the one track action endpoint
(``app.cases.track_actions``). A referral the user may not see answers 404.
"""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.auth.models import Role
from app.cases.attachments import list_attachments
from app.cases.documents import documents_of_case
from app.cases.permissions import can_see_internal
from app.cases.track_actions import action_inputs, run_action
from app.cases.tracks import TrackPanel, register_panel
from app.cases.views import case_or_404
from app.clocks.display import TRACK_PAGES, clock_rows
from app.clocks.services import clocks_of
from app.core.db import utcnow
from app.core.engine import ActionRefused
from app.core.enums import label_of, member_of
from app.core.errors import ServiceError
from app.core.money import yuan
from app.core.permissions import roles_required
from app.extensions import db
from app.referrals import queries, services, workflow
from app.referrals.enums import Ground, PoliceStep, ReferralState, ReplyChannel, SendMethod
from app.referrals.forms import ReferForm

bp = Blueprint("referrals", __name__)

STATE_BADGES = {
    ReferralState.PROPOSED: "text-bg-primary",
    ReferralState.APPROVED: "text-bg-info",
    ReferralState.SENT: "text-bg-info",
    ReferralState.RECEIVED: "text-bg-primary",
    ReferralState.CASE_OPENED: "text-bg-primary",
    ReferralState.NOT_OPENED: "text-bg-secondary",
    ReferralState.WITH_POLICE: "text-bg-warning",
    ReferralState.CONCLUDED: "text-bg-success",
    ReferralState.CLOSED: "text-bg-secondary",
    ReferralState.REFUSED: "text-bg-secondary",
    ReferralState.WITHDRAWN: "text-bg-secondary",
}
EVENT_LABELS = {"create_referral": _l("Referral decided"), "issue_document": _l("Document issued")}


@bp.app_template_global()
def referral_word(kind: str, value) -> str:
    """The words of a referral for any page: ``kind`` is ``state``, ``action``, ``method``, ``channel``,
    ``step`` or ``ground``; "—" (or a plain "updated") for a value this code does not know."""
    if kind == "action":
        return workflow.REFERRALS.label_of(value, EVENT_LABELS, _l("Referral updated"))
    enum_cls = {
        "state": ReferralState,
        "method": SendMethod,
        "channel": ReplyChannel,
        "step": PoliceStep,
        "ground": Ground,
    }.get(kind)
    return label_of(enum_cls, value) if enum_cls is not None else "—"


@bp.app_template_global()
def referral_badge(value) -> str:
    return STATE_BADGES.get(member_of(ReferralState, value), "text-bg-secondary")


@bp.app_template_global()
def referral_yuan(fen) -> str:
    return yuan(fen) if isinstance(fen, int) and not isinstance(fen, bool) else ""


# ---- the panel on the case page ------------------------------------------------------------------------


def panel_context(case, user):
    referrals = queries.case_referrals(case, user)
    may_start = user.role in services.STARTERS
    if not referrals and (not may_start or not case.state.is_open):
        return None
    now = utcnow()
    # The referrals' clocks run under the case: among the case's own, which the page reads anyway.
    clocks = defaultdict(list)
    for clock in clocks_of(case):
        if clock.subject_type == "referral":
            clocks[clock.subject_id].append(clock)
    # The referrals' letters (shown to staff only): among the case's documents, which the page reads anyway.
    documents = defaultdict(list)
    if user.is_staff:
        ids = {r.id for r in referrals}
        for document in documents_of_case(case):
            if document.subject_type == "referral" and document.subject_id in ids:
                documents[document.subject_id].append(document)
    items = [
        {
            "r": r,
            "deadline": queries.deadline(clocks.get(r.id, []), now) if user.is_staff else None,
            "silent": queries.silent_days(r, now),
            "documents": documents.get(r.id, []) if user.is_staff else [],
        }
        for r in referrals
    ]
    start = None
    if may_start and case.state.is_open:
        kept = g.get("referral_start")
        reasons = services.eligibility(case, user)
        if kept is not None:
            form, errors = kept["form"], kept["errors"]
        else:
            agencies = services.agency_choices(case) if not reasons else []
            form, errors = ReferForm(formdata=None).fill_choices(agencies, list_attachments(case)), []
            # Offered from a failed mediation: the referral says where the lead came from.
            wanted = request.args.get("mediation", "")
            if wanted.isascii() and wanted.isdigit() and len(wanted) <= 10:
                form.mediation.data = wanted
        # Opened at once when offered from a failed mediation or from a visit's problem (``?refer=y``).
        opened = bool(form.mediation.data) or request.args.get("refer") == "y"
        start = {"reasons": reasons, "form": form, "errors": errors, "open": opened}
    return {"referrals": items, "start": start, "staff": user.is_staff}


register_panel(TrackPanel("referral", "referrals/_case_panel.html", panel_context, order=30))
TRACK_PAGES["referral"] = "/referrals/%d"  # a referral's clocks on the board and in "my work" link to its page


@bp.post("/cases/<number>/referrals")
@login_required
def start(number: str):
    """Decide a referral of the case (``services.refer``): every reason it cannot be decided is shown
    at once, with what was typed kept."""
    from app.cases.views_case import render_case

    case = case_or_404(number)
    if current_user.role not in services.STARTERS:
        abort(403)
    form = ReferForm().fill_choices(services.agency_choices(case), list_attachments(case))
    if form.validate_on_submit():
        try:
            r = services.refer(
                case,
                current_user,
                agency=form.agency.data or None,
                grounds=form.grounds.data or "",
                evidence=list(form.evidence.data or []),
                ground_kinds=list(form.ground_kinds.data or []),
                override=form.override.data or "",
                mediation_id=form.mediation.data or None,
            )
        except ActionRefused as exc:
            if exc.forbidden:
                abort(403)
            errors = [str(x) for x in exc.reasons]
        except ServiceError as exc:
            errors = [str(exc.message)]
        else:
            flash(_("The referral was decided; a supervisor approves it before the letter is sent."), "success")
            return redirect(url_for("referrals.show", referral_id=r.id))
    else:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    db.session.rollback()
    g.referral_start = {"form": form, "errors": errors}
    return render_case(case_or_404(number), 422)


# ---- the referral page --------------------------------------------------------------------------------


def _referral_or_404(referral_id: int):
    r = queries.get_referral(referral_id, current_user)
    if r is None or not current_user.is_authenticated:
        abort(404)
    return r


def render_referral(r, status: int = 200, *, typed=None, conflict: bool = False):
    from app.respondents.queries import Party, other_cases

    now = utcnow()
    checks = services.available_actions(r, current_user)
    allowed = [c for c in checks if c.allowed]
    blocked = [
        c for c in checks if not c.allowed and not c.wrong_state and not c.role_refused and c.action.listed_when_blocked
    ]
    clocks = services.referral_clocks(r)
    staff = current_user.is_staff
    context = {
        "r": r,
        "case": r.case,
        "staff": staff,
        "internal": can_see_internal(current_user),
        "allowed": allowed,
        "blocked": blocked,
        **action_inputs(r, allowed, current_user),
        "typed": typed,
        "conflict": conflict,
        "clocks": clock_rows(clocks, now) if staff else [],
        "deadline": queries.deadline(clocks, now),
        "silent": queries.silent_days(r, now),
        "documents": queries.referral_documents(r) if staff else [],
        "events": queries.referral_events(r, current_user),
        "others": other_cases(
            r.case, current_user, respondents=[Party(r.respondent_name, r.respondent_credit_code or None)]
        )
        if staff
        else [],
    }
    return render_template("referrals/show.html", **context), status


@bp.get("/referrals/<int:referral_id>")
@login_required
def show(referral_id: int):
    return render_referral(_referral_or_404(referral_id))


@bp.post("/referrals/<int:referral_id>/actions/<action>")
@login_required
def act(referral_id: int, action: str):
    r = _referral_or_404(referral_id)
    return run_action(
        r,
        action,
        workflow=workflow.REFERRALS,
        transition=services.transition,
        may_act=services.can_act_on_referral(current_user, r),
        render=render_referral,
        reload=lambda: _referral_or_404(referral_id),
        done_url=url_for("referrals.show", referral_id=referral_id),
        actor=current_user,
    )


# ---- the list --------------------------------------------------------------------------------------------


@bp.get("/referrals")
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def index():
    """Every referral of the user's centre and the centres below it: the overdue first, then the
    longest silent."""
    state = request.args.get("state", "")
    states = [ReferralState(state)] if state in {s.value for s in ReferralState} else None
    invalid = bool(state) and states is None
    overdue = request.args.get("overdue") == "y"
    every = not states and request.args.get("all") == "y"  # closed ones too: kept from page to page
    now = utcnow()
    page = queries.referral_list(
        current_user,
        now,
        states=states,
        open_only=not states and not every,
        overdue=overdue,
        cursor=request.args.get("cursor"),
    )
    args = {k: v for k, v in (("state", state if states else ""), ("overdue", "y" if overdue else "")) if v}
    args.update({"all": "y"} if every else {})
    return (
        render_template(
            "referrals/index.html",
            page=page,
            state=state if states else "",
            overdue=overdue,
            filter_args=args,
            states=list(ReferralState),
            counts=queries.state_counts(current_user),
            now=now,
            invalid=invalid,
        ),
        422 if invalid else 200,
    )
