"""Home page per role, language switch and health check."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select, text

from app.auth.forms import LanguageForm
from app.auth.models import Role, User
from app.auth.services import set_locale
from app.centres.models import Centre
from app.core.i18n import remember_language
from app.core.scope import visible
from app.core.views import safe_next
from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus
from app.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    if current_user.role is Role.APPLICANT:
        member = db.session.execute(
            select(EnterpriseMember).where(EnterpriseMember.user_id == current_user.id)
        ).scalar_one_or_none()
        pending = []
        if member is not None and member.status is MembershipStatus.ACTIVE:
            pending = (
                db.session.execute(
                    select(EnterpriseMember).where(
                        EnterpriseMember.enterprise_id == member.enterprise_id,
                        EnterpriseMember.status == MembershipStatus.PENDING,
                    )
                )
                .scalars()
                .all()
            )
        return render_template("main/home_applicant.html", member=member, pending=pending)
    stats = {
        "centres": db.session.scalar(visible(select(func.count(Centre.id)), current_user, Centre)),
        "enterprises": db.session.scalar(visible(select(func.count(Enterprise.id)), current_user, Enterprise)),
        "staff": db.session.scalar(visible(select(func.count(User.id)), current_user, User)),
        "pending_members": db.session.scalar(
            visible(
                select(func.count(EnterpriseMember.id)).where(EnterpriseMember.status == MembershipStatus.PENDING),
                current_user,
                EnterpriseMember,
            )
        ),
    }
    from app.clocks.display import missing_years
    from app.core.db import utcnow
    from app.core.workdays import china_day

    return render_template("main/home_staff.html", stats=stats, missing_years=missing_years(china_day(utcnow())))


@bp.post("/language")
def switch_language():
    form = LanguageForm()
    target = safe_next(request.form.get("next"), url_for("main.home"))
    response = redirect(target)
    if form.validate_on_submit():
        locale = form.locale.data
        remember_language(response, locale)
        if current_user.is_authenticated:
            set_locale(current_user, locale)
    return response


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
