"""Home page per role, language switch and health check."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.auth.forms import LanguageForm
from app.auth.models import Role, User
from app.auth.services import set_locale
from app.cases.views_list import STATE_BADGES, case_url
from app.cases.workflow import HANDLERS
from app.centres.models import Centre
from app.clocks.display import due_soon_until, missing_years, years_waited_for
from app.clocks.queries import DUE_SOON, OVERDUE
from app.clocks.views import duration
from app.core import recent
from app.core.db import utcnow
from app.core.i18n import remember_language
from app.core.scope import visible
from app.core.views import safe_next
from app.core.workdays import china_day
from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus
from app.extensions import db, limiter
from app.main.queries import applicant_home, centre_figures, handler_queue, latest_unread, overdue_board
from app.ops.health import liveness_response, readiness_response

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """The welcome page, or the signed-in user's home: the work waiting for their role."""
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    now = utcnow()
    notes = latest_unread(current_user)
    if current_user.role is Role.APPLICANT:
        return _applicant_home(notes)
    user = current_user._get_current_object()
    missing = missing_years(china_day(now))
    if (
        user.role is not Role.ADMIN
    ):  # administrators enter the calendar; others hear of it when it holds up their clocks
        missing = years_waited_for(user, missing)
    context = {"stats": _staff_stats(user, now), "missing_years": missing, "notes": notes}
    if user.role in HANDLERS:
        context["queue"] = handler_queue(user, now)
    if user.role is Role.SUPERVISOR:
        context["board"] = overdue_board(user, now)
        context["figures"] = centre_figures(user, now, china_day(now))
    return render_template(
        "main/home_staff.html",
        now=now,
        due_soon_until=due_soon_until(now),
        case_url=case_url,
        state_badges=STATE_BADGES,
        duration=duration,
        OVERDUE=OVERDUE,
        DUE_SOON=DUE_SOON,
        **context,
    )


def _applicant_home(notes):
    member = db.session.execute(
        select(EnterpriseMember).where(EnterpriseMember.user_id == current_user.id)
    ).scalar_one_or_none()
    pending = []
    work = None
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
        work = applicant_home(current_user)
    return render_template(
        "main/home_applicant.html",
        member=member,
        pending=pending,
        work=work,
        notes=notes,
        case_url=case_url,
        state_badges=STATE_BADGES,
    )


# The enterprises of a scope are counted up to this many: a national scope holds every enterprise of the
# country, and counting them all would read the whole table on every home page. Above it the home says
# "more than" (the list pages through them all).
ENTERPRISE_COUNT_CAP = 10_000


def _staff_stats(user, now) -> dict:
    """The four figures of the staff home: the enterprises (counted up to ``ENTERPRISE_COUNT_CAP``, one
    more telling the home there are more), the centres and the staff of the scope, in one statement
    kept a minute per centre (``app.core.recent``: at national scale they read ten thousand rows, and
    the page says when they were counted); the join requests awaiting approval, which the viewer acts
    on, always as of now."""

    def count():
        capped = visible(select(Enterprise.id), user, Enterprise).limit(ENTERPRISE_COUNT_CAP + 1).subquery()
        enterprises, centres, staff = db.session.execute(
            select(
                select(func.count()).select_from(capped).scalar_subquery(),
                visible(select(func.count(Centre.id)), user, Centre).scalar_subquery(),
                visible(select(func.count(User.id)), user, User).scalar_subquery(),
            )
        ).one()
        return (enterprises, centres, staff), now

    # The scope of these three is the viewer's centre and those below it, whoever the viewer is.
    (enterprises, centres, staff), counted_at = recent.remembered(("home_figures", user.centre_id), count)
    pending = db.session.execute(
        visible(
            select(func.count(EnterpriseMember.id)).where(EnterpriseMember.status == MembershipStatus.PENDING),
            user,
            EnterpriseMember,
        )
    ).scalar_one()
    return {
        "enterprises": min(enterprises, ENTERPRISE_COUNT_CAP),
        "enterprises_more": enterprises > ENTERPRISE_COUNT_CAP,
        "pending_members": pending,
        "centres": centres,
        "staff": staff,
        "counted_at": counted_at,
    }


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
@limiter.exempt
def health():
    """Liveness: the process answers (no database: its outage must not get healthy processes restarted)."""
    return liveness_response()


@bp.get("/readyz")
@limiter.exempt
def ready():
    """Readiness: database, Redis, storage and migrations (``app/ops/health.py``)."""
    return readiness_response()
