"""The privacy blueprint: the notice, an applicant's consent to it, one's own data, closing one's account.

Every route here works on the logged-in user alone: none takes a user id, so no request can reach
another account's data or close another account.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.core.errors import ServiceError
from app.core.views import field_error, render_form, safe_next
from app.extensions import db
from app.privacy.closure import ClosureRefused, close_account, may_close, unfinished_cases
from app.privacy.forms import CloseAccountForm, ConsentForm
from app.privacy.notice import MINIMUM_RETENTION_YEARS, NOTICE_VERSION, needs_consent, record_consent

bp = Blueprint("privacy", __name__)

# Pages an applicant reaches before agreeing to the notice: the notice itself, leaving, the language.
OPEN_ENDPOINTS = frozenset(
    {"static", "privacy.notice", "privacy.consent", "auth.logout", "main.switch_language", "main.health"}
)
# The API (bearer tokens, no pages) and the operators' health and readiness checks.
OPEN_BLUEPRINTS = frozenset({"api", "ops"})


@bp.before_app_request
def _ask_for_consent():
    """Until an applicant agrees to the current notice, every page leads to the consent page."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in OPEN_ENDPOINTS or request.blueprint in OPEN_BLUEPRINTS:
        return None
    if endpoint.endswith(("healthz", "readyz", "health", "ready")):
        return None
    if not needs_consent(current_user):
        return None
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("privacy.consent", next=target), code=303)


def _notice_context() -> dict:
    return {"notice_version": NOTICE_VERSION, "minimum_years": MINIMUM_RETENTION_YEARS}


@bp.get("/privacy")
def notice():
    """The privacy notice, for everyone."""
    return render_template("privacy/notice.html", **_notice_context())


@bp.route("/privacy/consent", methods=["GET", "POST"])
@login_required
def consent():
    """Asked once of an applicant whose account was not created by their own registration."""
    home = url_for("main.home")
    target = safe_next(request.args.get("next"), home)
    if not needs_consent(current_user):
        return redirect(target)
    form = ConsentForm()
    if form.validate_on_submit():
        record_consent(current_user._get_current_object())
        db.session.commit()
        flash(_("Thank you: your agreement to the privacy notice is recorded."), "success")
        return redirect(target)
    return render_form("privacy/consent.html", form, **_notice_context())


# ---- one's own data -------------------------------------------------------------------------------


@bp.get("/account/data")
@login_required
def my_data():
    """What the download holds, and the two formats."""
    return render_template("privacy/data.html", for_applicant=not current_user.is_staff)


def _stamp() -> str:
    from app.core.db import utcnow

    return utcnow().strftime("%Y%m%d")


@bp.get("/account/data.json")
@login_required
def my_data_json():
    from app.privacy.export import as_json, gather

    body = as_json(gather())
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="personal-data-{_stamp()}.json"'},
    )


@bp.get("/account/data.pdf")
@login_required
def my_data_pdf():
    from app.core.pdf import document_language, language, render_pdf
    from app.privacy.export import gather

    lang = language(str(get_locale() or "zh_CN"))
    with document_language(lang):
        data = gather()
        centre = (
            current_user.centre.name if current_user.centre is not None else _("IP rights-protection assistance centre")
        )
        context = {
            **data,
            "centre": {"name": centre, "address": "", "phone": "", "contact_person": ""},
            "case": {"number": ""},
            "stamp": {"number": data["account"]["name"]},  # the line under the title: whose copy
            "handler": {"name": "", "phone": ""},
            "issued_at": data["generated_at"],
        }
    body = render_pdf("privacy_export.html", context, lang)
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="personal-data-{_stamp()}.pdf"'},
    )


# ---- closing one's account ---------------------------------------------------------------------------


@bp.route("/account/close", methods=["GET", "POST"])
@login_required
def close():
    """Close one's own account (applicants; staff ask their administrator)."""
    user = current_user._get_current_object()
    if not may_close(user):
        if request.method == "POST":
            abort(403)
        return render_template("privacy/close.html", form=None, unfinished=[])
    form = CloseAccountForm()
    if form.validate_on_submit():
        try:
            close_account(user, form.password.data)
        except ClosureRefused as exc:
            form.form_errors.append(str(exc.message))
        except ServiceError as exc:
            field_error(form, exc)
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(
                _(
                    "Your account is closed and your personal details have been removed from it. The centre keeps "
                    "the records of your cases for its retention period."
                ),
                "info",
            )
            return redirect(url_for("auth.login"), code=303)
    return render_form("privacy/close.html", form, unfinished=unfinished_cases(user))
