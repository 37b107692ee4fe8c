"""Login, logout, registration of applicants, own account."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from app.auth.forms import ChangePasswordForm, LoginForm, RegistrationForm
from app.auth.services import authenticate, change_password
from app.centres.queries import centre_choices
from app.core.errors import ServiceError
from app.core.i18n import remember_language
from app.core.identifiers import IdentifierError, normalise_credit_code
from app.core.views import field_error, render_form, safe_next
from app.enterprises.services import find_enterprise, register_applicant
from app.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _start_session(user, remember: bool = False):
    """A fresh session at login: nothing of the anonymous session survives."""
    session.clear()
    login_user(user, remember=remember)
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        result = authenticate(form.email.data, form.password.data)
        db.session.commit()  # failed attempts and lockouts are kept even though the form is shown again
        if result.user is None:
            form.form_errors.append(str(result.error))
            return render_form("auth/login.html", form)
        _start_session(result.user, remember=form.remember.data)
        response = redirect(safe_next(request.args.get("next"), url_for("main.home")))
        if result.user.locale:
            remember_language(response, result.user.locale)
        return response
    return render_form("auth/login.html", form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    form.centre_id.choices = [(0, _("— choose —"))] + centre_choices()
    existing = None
    if request.method == "POST":
        try:
            existing = find_enterprise(normalise_credit_code(request.form.get("credit_code", "")))
        except IdentifierError:
            existing = None
        if existing is not None:
            form.relax_for_existing_enterprise()
    if form.validate_on_submit():
        person = {
            "email": form.email.data,
            "name": form.full_name.data,
            "phone": form.phone.data or "",
            "password": form.password.data,
            "position": form.position.data or "",
        }
        try:
            user, member = register_applicant(
                person=person, credit_code=form.credit_code.data, enterprise=form.enterprise_data()
            )
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            field_error(form, exc)
        except IntegrityError:
            db.session.rollback()
            form.form_errors.append(
                _("This e-mail or enterprise was registered by someone else just now. Please check and try again.")
            )
        else:
            _start_session(user)
            if member.status.value == "pending":
                flash(
                    _(
                        "Your account is created. %(name)s is already registered: a member of the enterprise or your centre must approve your request before you can act for it.",
                        name=member.enterprise.name,
                    ),
                    "warning",
                )
            else:
                flash(_("Welcome! Your account and your enterprise are registered."), "success")
            return redirect(url_for("main.home"))
    return render_form("auth/register.html", form, existing=existing)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current_password.data, form.password.data)
        except ServiceError as exc:
            field_error(form, exc)
        else:
            # The password change rotated the session nonce: log in again on this device only.
            user = current_user._get_current_object()
            _start_session(user)
            flash(_("Your password has been changed. Other devices have been logged out."), "success")
            return redirect(url_for("auth.account"))
    return render_form("auth/account.html", form)
