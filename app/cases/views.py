"""The case blueprint and its intake pages: an applicant's filing, a draft's editing, staff recording.

A refused submission answers 4xx and the request rolls back (see ``app.core.requests``),
so nothing of it is kept, evidence files included.

Routes of the same blueprint live in ``views_case`` (the case page, its actions, the
workflow page), ``views_list`` (lists, CSV), ``views_evidence`` (evidence files) and
``views_documents`` (issued PDFs), imported at the end.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.models import Role
from app.cases import services, workflow
from app.cases.enums import CaseKind, CaseState, Channel
from app.cases.forms import CaseForm, RecordForm
from app.cases.models import Case
from app.core.errors import ConflictError, ServiceError
from app.core.forms import AppForm, version_of
from app.core.permissions import centre_in_scope, roles_required
from app.core.views import field_error, render_form
from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus
from app.enterprises.services import create_enterprise_for_case, find_enterprise
from app.extensions import db

bp = Blueprint("cases", __name__)

RECORDING_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)
MAX_EVIDENCE_FILES = 20


def case_or_404(number: str):
    from app.cases.queries import get_case_by_number

    case = get_case_by_number(number, current_user)
    if case is None:
        abort(404)
    return case


@bp.app_template_global()
def may_issue_summary(case) -> bool:
    """The viewer may issue a case summary of ``case`` (a caseworker or supervisor, within scope)."""
    from app.cases.permissions import may_write

    return (
        current_user.is_authenticated
        and current_user.role in workflow.HANDLERS
        and may_write(current_user, case, "issue_document")
    )


@bp.app_template_filter("yuan")
def yuan(fen) -> str:
    """An amount kept in fen, shown in yuan with two decimals: 5000000 -> 50,000.00."""
    if fen is None:
        return ""
    return f"{Decimal(int(fen)) / 100:,.2f}"


# ---- evidence sent with a filing --------------------------------------------------------------------


class EvidenceRefused(Exception):
    """One file of a filing was refused: the whole submission is (413, 415 or 422)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _stage_evidence(form) -> EvidenceRefused | None:
    """Keep the files of a submitted form as staged uploads of the user, whatever else happens to
    the form, so a refused submission does not lose them; ``form.evidence.kept`` lists them all
    (those kept from an earlier try included). Files the user ticked "remove" are dropped. Returns
    the refusal of a file that failed the evidence checks (the others are kept), or None."""
    from app.cases import staged
    from app.cases.attachments import FileTooLarge, FileTypeRefused

    if form.csrf_token.errors:  # a forged or stale post keeps nothing
        form.evidence.kept = []
        return None
    removed = [t for t in request.form.getlist("unstage") if isinstance(t, str)][: staged.MAX_TOKENS]
    dropped = staged.discard(current_user, removed) if removed else []
    kept = staged.owned(current_user, staged.tokens_from(request.form))
    files = form.evidence_files()
    refusal, fresh = None, []
    if len(files) + len(kept) > MAX_EVIDENCE_FILES:
        refusal = EvidenceRefused(422, _("Send at most %(n)d files at once.", n=MAX_EVIDENCE_FILES))
        files = []
    for file_storage in files:
        try:
            fresh.append(staged.stage(current_user, file_storage))
        except FileTooLarge as exc:
            refusal = refusal or EvidenceRefused(413, str(exc.message))
        except FileTypeRefused as exc:
            refusal = refusal or EvidenceRefused(415, str(exc.message))
        except ServiceError as exc:
            refusal = refusal or EvidenceRefused(422, str(exc.message))
    if fresh or dropped:
        staged.keep(fresh, dropped)
    form.evidence.kept = kept + fresh
    return refusal


def _attach_kept(case: Case, form) -> None:
    """The staged files of the form become the case's evidence (within the filing's transaction)."""
    from app.cases import staged

    rows = getattr(form.evidence, "kept", [])
    if rows:
        staged.attach_all(case, current_user, rows)


def _kept_message(form) -> None:
    """Under a refused file: say that the other files are kept."""
    if getattr(form.evidence, "kept", None):
        form.evidence.errors = [*form.evidence.errors, _("The other files are kept; you need not choose them again.")]


def _evidence_refused(template: str, form, exc: EvidenceRefused, **context):
    db.session.rollback()
    form.evidence.errors = [*form.evidence.errors, exc.message]
    _kept_message(form)
    return render_template(template, form=form, **context), exc.status


# ---- filing (applicants) ----------------------------------------------------------------------------


def _applicant_enterprise(user) -> Enterprise | None:
    """The enterprise the applicant actively acts for (one at most), or None."""
    return db.session.execute(
        select(Enterprise)
        .join(EnterpriseMember, EnterpriseMember.enterprise_id == Enterprise.id)
        .where(EnterpriseMember.user_id == user.id, EnterpriseMember.status == MembershipStatus.ACTIVE)
    ).scalar_one_or_none()


def _notice_similar(case: Case) -> None:
    """Tell an applicant that their enterprise already has an open case on the same right and respondent."""
    similar = services.find_duplicates(current_user, [case.ip_number], [case.respondent_name], exclude_id=case.id)
    if similar:
        flash(
            _(
                "Your enterprise already has an open case about the same right against the same respondent: "
                "%(numbers)s. The centre will see both; you may withdraw one if it repeats the other.",
                numbers=", ".join(c.number for c in similar),
            ),
            "warning",
        )


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new():
    """An applicant files a complaint, assistance request, consultation or overseas dispute."""
    if current_user.is_staff:
        if current_user.role in RECORDING_ROLES:
            return redirect(url_for("cases.record"))
        abort(403)
    enterprise = _applicant_enterprise(current_user)
    if enterprise is None:
        return render_template("cases/no_enterprise.html"), 200 if request.method == "GET" else 403
    form = CaseForm()
    if request.method == "GET" and request.args.get("kind") in CaseKind._value2member_map_:
        form.kind.data = request.args["kind"]
    valid = form.validate_on_submit()
    refused = _stage_evidence(form) if request.method == "POST" else None
    if refused is not None:
        return _evidence_refused(
            "cases/new.html", form, refused, enterprise=enterprise, acknowledge_days=_acknowledge_days(enterprise)
        )
    if valid:
        draft = request.form.get("intent") == "draft"
        try:
            case = services.create_case(
                current_user, enterprise=enterprise, channel=Channel.WEB.value, draft=draft, **form.case_data()
            )
            _attach_kept(case, form)
        except services.ActionRefused as exc:
            db.session.rollback()
            form.form_errors.extend(str(r) for r in exc.reasons)
        except ServiceError as exc:
            db.session.rollback()
            field_error(form, exc)
        else:
            if draft:
                flash(_("Your draft was saved. It takes its case number when you submit it."), "info")
            else:
                flash(
                    _("Your %(kind)s was sent to the centre as %(number)s.", kind=case.kind.label, number=case.number),
                    "success",
                )
            _notice_similar(case)
            return redirect(url_for("cases.show", number=case.ref))
    return render_form("cases/new.html", form, enterprise=enterprise, acknowledge_days=_acknowledge_days(enterprise))


def _acknowledge_days(enterprise) -> int:
    """The serving centre's own deadline for acknowledging a new case (a setting, inherited)."""
    from app.centres.settings import setting_value

    return setting_value(enterprise.centre, "acknowledge_working_days")


@bp.route("/cases/<number>/edit", methods=["GET", "POST"])
@login_required
def edit(number: str):
    """Whoever started a draft changes it, and may submit it from here."""
    case = case_or_404(number)
    if case.filed_by_id != current_user.id:
        abort(403)
    if case.state is not CaseState.DRAFT:
        flash(_("Only a draft can be edited."), "info")
        return redirect(url_for("cases.show", number=case.ref))
    form = CaseForm()
    if request.method == "GET":
        form.fill_from(case)
        form.version.data = case.version
    valid = form.validate_on_submit()
    refused = _stage_evidence(form) if request.method == "POST" else None
    if refused is not None:
        return _evidence_refused("cases/edit.html", form, refused, case=db.session.get(Case, case.id))
    if valid:
        data = form.case_data()
        # The form shows the first right and respondent; any others (given through the API) are kept.
        data["rights"] += [{"type": r.type.value, "number": r.number, "title": r.title} for r in case.rights[1:]]
        data["respondents"] += [
            {"name": r.name, "credit_code": r.credit_code, "address": r.address, "url": r.url}
            for r in case.respondents[1:]
        ]
        try:
            services.update_draft(current_user, case, version_of(form.version.data), **data)
            _attach_kept(case, form)
            if request.form.get("intent") == "submit":
                missing = workflow.facts_given(case, current_user, {})
                if missing is not None:  # the same guard as the door's, shown beside its field
                    field = "help_wanted" if case.kind is CaseKind.CONSULTATION else "facts"
                    raise ServiceError(missing, field=field)
                services.transition(case, "submit", current_user)
        except ConflictError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
            form.version.data = db.session.get(Case, case.id).version
            return render_template("cases/edit.html", form=form, case=db.session.get(Case, case.id)), 409
        except services.ActionRefused as exc:
            db.session.rollback()
            form.form_errors.extend(str(r) for r in exc.reasons)
        except ServiceError as exc:
            db.session.rollback()
            field_error(form, exc)
        else:
            if case.state is CaseState.DRAFT:
                flash(_("Your draft was saved."), "info")
            else:
                flash(
                    _("Your %(kind)s was sent to the centre as %(number)s.", kind=case.kind.label, number=case.number),
                    "success",
                )
                _notice_similar(case)
            return redirect(url_for("cases.show", number=case.ref))
    return render_form("cases/edit.html", form, case=case)


@bp.post("/cases/<number>/delete")
@login_required
def delete_draft(number: str):
    """Whoever started a draft deletes it (with its files); nothing of it was submitted."""
    case = case_or_404(number)
    if case.filed_by_id != current_user.id:
        abort(403)
    if not AppForm().validate_on_submit():
        abort(400)
    try:
        services.delete_draft(current_user, case)
    except services.ActionRefused as exc:
        if exc.forbidden:
            abort(403)
        db.session.rollback()
        flash(" ".join(str(r) for r in exc.reasons), "danger")
        return redirect(url_for("cases.show", number=case.ref), code=303)
    except ConflictError as exc:
        db.session.rollback()
        flash(str(exc.message), "warning")
        return redirect(url_for("cases.show", number=number), code=303)
    flash(_("The draft was deleted."), "success")
    return redirect(url_for("cases.index"), code=303)


# ---- recording (staff) -----------------------------------------------------------------------------


_RECORD_FIELDS = {"name": "enterprise_name", "enterprise": "credit_code", "call": "channel"}


def _record_field_error(form: RecordForm, exc: ServiceError) -> None:
    exc.field = _RECORD_FIELDS.get(exc.field, exc.field)
    field_error(form, exc)


@bp.route("/cases/record", methods=["GET", "POST"])
@roles_required(*RECORDING_ROLES)
def record():
    """A caseworker or supervisor records a case from any channel; they become its first responder.

    An enterprise not registered yet is created from the same form at the recorder's centre;
    one served outside their scope is refused. A case that looks like an open one (same right
    number, same respondent) is first shown as a warning with the choice to link or go on.
    """
    form = RecordForm()
    context = {"duplicates": [], "new_enterprise": False}
    valid = form.validate_on_submit()
    refused = _stage_evidence(form) if request.method == "POST" else None
    if refused is not None:
        return _evidence_refused("cases/record.html", form, refused, **context)
    if valid:
        enterprise = find_enterprise(form.credit_code.data) if form.for_enterprise else None
        context["new_enterprise"] = form.for_enterprise and enterprise is None
        if enterprise is not None and not centre_in_scope(current_user, enterprise.centre):
            form.credit_code.errors = [
                _(
                    "This enterprise is served by %(centre)s, outside your centre's scope. "
                    "Ask that centre to record the case, or have the case transferred to it.",
                    centre=enterprise.centre.name,
                )
            ]
            return render_template("cases/record.html", form=form, **context), 403
        if context["new_enterprise"] and form.missing_enterprise_fields():
            return render_template("cases/record.html", form=form, **context), 422
        choice = request.form.get("duplicates")
        if choice not in ("link", "ignore"):
            duplicates = services.find_duplicates(current_user, [form.ip_number.data], [form.respondent_name.data])
            if duplicates:
                context["duplicates"] = duplicates
                return render_template("cases/record.html", form=form, **context)
        try:
            if context["new_enterprise"]:
                enterprise = create_enterprise_for_case(current_user, form.enterprise_data())
            case = services.create_case(
                current_user,
                enterprise=enterprise,
                channel=form.channel.data,
                complainant=form.complainant_data(),
                call=form.call_data(),
                **form.case_data(),
            )
            _attach_kept(case, form)
            linked = []
            if choice == "link":
                for other in services.find_duplicates(
                    current_user, [case.ip_number], [case.respondent_name], exclude_id=case.id
                ):
                    services.link_related(case, other, current_user)
                    linked.append(other.number)
        except ServiceError as exc:
            db.session.rollback()
            _record_field_error(form, exc)
        else:
            flash(_("Case %(number)s was recorded; you are its first responder.", number=case.number), "success")
            if linked:
                flash(_("Linked as related to %(numbers)s.", numbers=", ".join(linked)), "info")
            return redirect(url_for("cases.show", number=case.ref))
    elif request.method == "POST":
        context["new_enterprise"] = any(
            f.errors for f in (form.enterprise_name, form.industry, form.staff_count, form.revenue_wan)
        )
    return render_form("cases/record.html", form, **context)


# The other route modules of this blueprint register their routes on ``bp`` when imported.
from app.cases import views_case, views_documents, views_evidence, views_list  # noqa: E402,F401
