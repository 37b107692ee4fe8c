"""Administration: centres of the admin's subtree, their settings, staff accounts, and the
working-day calendar of the years the installed calendar does not know."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.admin.forms import (
    CalendarYearForm,
    CentreForm,
    NewStaffForm,
    ResetPasswordForm,
    StaffForm,
    settings_form_class,
)
from app.auth.models import Role, User
from app.auth.services import create_staff, reset_password, set_active, update_staff
from app.centres.models import Centre, CentreLevel
from app.centres.queries import centre_choices
from app.centres.services import create_centre, save_settings, update_centre
from app.centres.settings import SETTINGS, UNIT_LABELS, effective_settings
from app.clocks.models import CalendarYear
from app.core.document_numbers import number_example
from app.core.errors import ServiceError
from app.core.forms import AppForm
from app.core.permissions import admin_required, is_national_admin
from app.core.scope import get_visible, visible
from app.core.views import field_error, id_arg, render_form
from app.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


def _centre_or_404(centre_id) -> Centre:
    centre = get_visible(Centre, centre_id, current_user)
    if centre is None:
        abort(404)
    return centre


def _parent_choices(exclude: Centre | None = None):
    choices = [(c_id, label) for c_id, label in centre_choices(current_user, active_only=False)]
    if exclude is not None:
        excluded = {
            c.id for c in db.session.execute(select(Centre).where(Centre.path.startswith(exclude.path))).scalars()
        }
        choices = [(c_id, label) for c_id, label in choices if c_id not in excluded]
    if current_user.centre.parent_id is None:
        choices.insert(0, (0, _("(none: national centre)")))
    return choices


def _centre_fields(form: CentreForm) -> dict:
    """The centre's own fields as the services take them."""
    return {
        "name_zh": form.name_zh.data,
        "name_en": form.name_en.data,
        "level": CentreLevel(form.level.data),
        "region": form.region.data or "",
        "address": form.address.data or "",
        "phone": form.phone.data or "",
        "contact_person": form.contact_person.data or "",
        "document_prefix": form.document_prefix.data or "",
        "document_pattern": form.document_pattern.data or "",
    }


@bp.route("/centres/new", methods=["GET", "POST"])
@admin_required
def centre_new():
    form = CentreForm()
    form.parent_id.choices = _parent_choices()
    if request.method == "GET":
        form.parent_id.data = id_arg("parent") or current_user.centre_id
    if form.validate_on_submit():
        parent = _centre_or_404(form.parent_id.data) if form.parent_id.data else None
        try:
            centre = create_centre(
                current_user,
                code=form.code.data,
                parent=parent,
                **_centre_fields(form),
            )
        except ServiceError as exc:
            field_error(form, exc)
        else:
            flash(_("Centre %(code)s has been created.", code=centre.code), "success")
            return redirect(url_for("centres.show", centre_id=centre.id))
    return render_form("admin/centre_form.html", form, centre=None)


@bp.route("/centres/<int:centre_id>/edit", methods=["GET", "POST"])
@admin_required
def centre_edit(centre_id: int):
    centre = _centre_or_404(centre_id)
    form = CentreForm(obj=centre)
    del form.code  # the code is part of case numbers and never changes
    form.parent_id.choices = _parent_choices(exclude=centre)
    if centre.parent_id is not None and centre.parent_id not in {c for c, _label in form.parent_id.choices}:
        # The parent is above the admin's reach: it can be kept but not chosen anew.
        form.parent_id.choices.insert(0, (centre.parent_id, centre.parent.name))
    if request.method == "GET":
        form.parent_id.data = centre.parent_id or 0
        form.level.data = centre.level.value
    if form.validate_on_submit():
        if form.parent_id.data == centre.parent_id:
            parent = centre.parent
        else:
            parent = _centre_or_404(form.parent_id.data) if form.parent_id.data else None
        try:
            update_centre(
                current_user,
                centre,
                parent=parent,
                is_active=form.is_active.data,
                **_centre_fields(form),
            )
        except ServiceError as exc:
            field_error(form, exc)
        else:
            flash(_("Centre %(code)s has been updated.", code=centre.code), "success")
            return redirect(url_for("centres.show", centre_id=centre.id))
    return render_form("admin/centre_form.html", form, centre=centre, number_example=number_example(centre))


@bp.route("/centres/<int:centre_id>/settings", methods=["GET", "POST"])
@admin_required
def centre_settings(centre_id: int):
    centre = _centre_or_404(centre_id)
    effective = effective_settings(centre)
    # What applies when this centre sets nothing: the parent's effective value, else the default.
    inherited = effective_settings(centre.parent) if centre.parent is not None else None
    form = settings_form_class(SETTINGS)()
    if request.method == "GET":
        for key, eff in effective.items():
            getattr(form, key).data = eff.own_value
    if form.validate_on_submit():
        try:
            save_settings(current_user, centre, {d.key: getattr(form, d.key).data for d in SETTINGS})
        except ServiceError as exc:
            field_error(form, exc)
        else:
            flash(_("The settings of %(code)s have been saved.", code=centre.code), "success")
            return redirect(url_for("centres.show", centre_id=centre.id))
    return render_form(
        "admin/centre_settings.html",
        form,
        centre=centre,
        effective=effective,
        inherited=inherited,
        settings=SETTINGS,
        unit_labels=UNIT_LABELS,
    )


@bp.get("/users")
@admin_required
def users():
    q = (request.args.get("q") or "").strip()[:100]
    after = id_arg("after")
    stmt = visible(select(User).options(selectinload(User.centre)), current_user, User)
    if q:
        stmt = stmt.where(or_(User.name.ilike(f"%{q}%"), User.email.ilike(f"%{q}%")))
    if after:
        stmt = stmt.where(User.id > after)
    rows = db.session.execute(stmt.order_by(User.id).limit(PAGE_SIZE + 1)).scalars().all()
    next_after = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return render_template("admin/users.html", users=rows[:PAGE_SIZE], next_after=next_after, q=q)


def _user_or_404(user_id) -> User:
    user = get_visible(User, user_id, current_user)
    if user is None:
        abort(404)
    return user


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    form = NewStaffForm()
    form.centre_id.choices = centre_choices(current_user)
    if request.method == "GET":
        form.centre_id.data = current_user.centre_id
    if form.validate_on_submit():
        centre = _centre_or_404(form.centre_id.data)
        try:
            user = create_staff(
                current_user,
                email=form.email.data,
                name=form.full_name.data,
                role=Role(form.role.data),
                centre=centre,
                password=form.password.data,
                phone=form.phone.data or "",
            )
        except ServiceError as exc:
            field_error(form, exc)
        else:
            flash(_("The account of %(name)s has been created.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_form("admin/user_form.html", form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    user = _user_or_404(user_id)
    if not user.is_staff:
        abort(404)
    form = StaffForm(obj=user)
    del form.email  # the e-mail is the login name; it is shown, not edited
    form.centre_id.choices = centre_choices(current_user)
    if request.method == "GET":
        form.full_name.data = user.name
        form.role.data = user.role.value
    if form.validate_on_submit():
        centre = _centre_or_404(form.centre_id.data)
        try:
            update_staff(
                current_user,
                user,
                name=form.full_name.data,
                role=Role(form.role.data),
                centre=centre,
                phone=form.phone.data or "",
            )
        except ServiceError as exc:
            field_error(form, exc)
        else:
            flash(_("The account of %(name)s has been updated.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_form("admin/user_form.html", form, user=user, reset_form=ResetPasswordForm(prefix="reset"))


@bp.post("/users/<int:user_id>/password")
@admin_required
def user_password(user_id: int):
    user = _user_or_404(user_id)
    if not user.is_staff:
        abort(404)
    form = ResetPasswordForm(prefix="reset")
    edit_form = StaffForm(obj=user)
    del edit_form.email
    edit_form.centre_id.choices = centre_choices(current_user)
    edit_form.full_name.data = user.name
    edit_form.role.data = user.role.value
    if form.validate_on_submit():
        try:
            reset_password(current_user, user, form.password.data)
        except ServiceError as exc:
            field_error(form, exc)
        else:
            flash(_("The password of %(name)s has been reset; their sessions have ended.", name=user.name), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_form.html", form=edit_form, user=user, reset_form=form), 422


@bp.post("/users/<int:user_id>/<any(activate, deactivate):action>")
@admin_required
def user_active(user_id: int, action: str):
    user = _user_or_404(user_id)
    if not AppForm().validate_on_submit():
        abort(400)
    try:
        set_active(current_user, user, action == "activate")
    except ServiceError as exc:
        flash(str(exc.message), "danger")
        return redirect(url_for("admin.users"), code=303)
    if action == "activate":
        flash(_("%(name)s can log in again.", name=user.name), "success")
    else:
        flash(_("%(name)s has been deactivated and logged out everywhere.", name=user.name), "success")
    return redirect(url_for("admin.users"))


# ---- the working-day calendar ----------------------------------------------------------------------


@bp.get("/calendar")
@admin_required
def calendar():
    """The years the calendar knows (installed, entered) and those running clocks wait for."""
    from app.admin import calendar as cal
    from app.clocks.display import missing_years
    from app.core.db import utcnow
    from app.core.workdays import china_day

    today = china_day(utcnow())
    known = cal.package_years()
    return render_template(
        "admin/calendar.html",
        package_first=known.start,
        package_last=known.stop - 1,
        entered=cal.entered_years(),
        waiting=cal.waiting_years(),
        missing=missing_years(today),
        this_year=today.year,
        first_year=cal.FIRST_YEAR,
        last_year=cal.LAST_YEAR,
        can_edit=is_national_admin(current_user),
        national_only=cal.NATIONAL_ONLY,
    )


@bp.route("/calendar/edit", methods=["GET", "POST"])
@admin_required
def calendar_edit():
    """Enter or correct one year: both lists are saved in one go, then waiting clocks are recomputed."""
    from app.admin import calendar as cal

    # The calendar holds for the whole country: other administrators may read a year, not change it.
    can_edit = is_national_admin(current_user)
    if request.method == "POST" and not can_edit:
        abort(403)
    form = CalendarYearForm()
    year = form.year.data if request.method == "POST" else id_arg("year")
    year = year if isinstance(year, int) and cal.FIRST_YEAR <= year <= cal.LAST_YEAR else None
    source = None  # where the prefilled days come from
    if request.method == "GET" and year is not None:
        form.year.data = year
        days = cal.entered_days(year)
        source = "entered" if days is not None else None
        if days is None:
            days = cal.package_days(year)
            source = "package" if days is not None else None
        if days is not None:
            form.holidays.data, form.workdays.data = cal.lines_of(days[0]), cal.lines_of(days[1])
        entry = db.session.get(CalendarYear, year) if source == "entered" else None
        form.note.data = entry.note if entry is not None else ""
    if form.validate_on_submit():
        try:
            result = cal.enter_year(
                current_user,
                form.year.data,
                form.parsed_holidays.days,
                form.parsed_workdays.days,
                form.note.data or "",
            )
        except ServiceError as exc:
            field_error(form, exc)
        else:
            current_app.logger.info(
                "calendar %s entered by user %s: %s holidays, %s make-up days, %s clocks recomputed",
                result.year,
                current_user.id,
                result.holidays,
                result.workdays,
                result.recomputed,
            )
            flash(_calendar_saved_message(result), "success")
            return redirect(url_for("admin.calendar"))
    waiting = cal.waiting_years()
    return render_form(
        "admin/calendar_form.html",
        form,
        year=year,
        source=source,
        waiting=waiting.get(year, 0) if year is not None else 0,
        can_edit=can_edit,
        national_only=cal.NATIONAL_ONLY,
    )


def _calendar_saved_message(result) -> str:
    parts = [
        _(
            "The working-day calendar of %(year)d was saved by %(name)s (public holidays on weekdays: %(holidays)d; "
            "make-up working days: %(workdays)d).",
            year=result.year,
            name=current_user.name,
            holidays=result.holidays,
            workdays=result.workdays,
        )
    ]
    if result.recomputed:
        given = result.recomputed - result.still_waiting
        parts.append(
            ngettext("%(num)d waiting clock now has a due time.", "%(num)d waiting clocks now have a due time.", given)
        )
        if result.still_waiting:
            parts.append(
                ngettext(
                    "%(num)d reaches a later year that is not known yet.",
                    "%(num)d reach a later year that is not known yet.",
                    result.still_waiting,
                )
            )
    else:
        parts.append(_("No clock was waiting for this year."))
    if result.weekend_holidays:
        parts.append(
            ngettext(
                "%(num)d holiday fell on a weekend, a day off anyway, and was not stored.",
                "%(num)d holidays fell on a weekend, days off anyway, and were not stored.",
                result.weekend_holidays,
            )
        )
    return " ".join(parts)
