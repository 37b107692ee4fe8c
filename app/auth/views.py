"""Login, logout, registration of applicants, own account."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from app.auth.forms import ChangePasswordForm, LoginForm, RegistrationForm
from app.auth.services import authenticate, change_password, find_user_by_email
from app.centres.queries import centre_choices
from app.core.errors import ServiceError
from app.core.i18n import remember_language
from app.core.views import field_error, render_form, safe_next
from app.enterprises.services import register_applicant, warn_of_registration_attempt
from app.extensions import db, limiter
from app.privacy.notice import record_consent

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
        result = authenticate(form.email.data, form.password.data, address=get_remote_address())
        db.session.commit()
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
    # End the session on the server too: rotating the nonce makes every login cookie issued to this
    # user (this one, copies of it, other devices, "keep me logged in") worthless from now on.
    current_user._get_current_object().end_sessions()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Register an applicant with their enterprise.

    Nothing here tells a visitor whether an enterprise is registered or an e-mail address has
    an account: the form asks for the same details whatever the credit code, an enterprise
    already registered turns the registration into a join request (decided by its members or
    centre) without showing its details, and an address that has an account creates nothing,
    tells its owner, and is answered with a neutral message.
    """
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    form.centre_id.choices = [(0, _("— choose —"))] + centre_choices()
    if form.validate_on_submit():
        owner = find_user_by_email(form.email.data)
        if owner is not None:
            warn_of_registration_attempt(owner)
            db.session.commit()
            flash(
                _(
                    "We have received your registration. If this e-mail address already has an account, log in with it; your centre can reset a forgotten password."
                ),
                "info",
            )
            return redirect(url_for("auth.login"))
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
            record_consent(user)  # the form refuses a registration without it
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
                        "Your account is created. Your request to act for the enterprise with credit code %(code)s has been sent: a member of the enterprise or your centre must approve it before you can act for it.",
                        code=member.enterprise.credit_code,
                    ),
                    "warning",
                )
            else:
                flash(_("Welcome! Your account and your enterprise are registered."), "success")
            return redirect(url_for("main.home"))
    return render_form("auth/register.html", form)


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
