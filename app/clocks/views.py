"""The clocks blueprint: "my work" for those who handle cases, and the supervisor's escalation
board with the on-time rates of a period.

The period travels in the query string (GET, no CSRF token: it changes nothing). A date that
does not parse, lies outside 1980..2999, ends before it starts or spans more than five years
is shown beside its field with a 422, and no rates are computed.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, ValidationError
from wtforms.validators import Optional

from app.auth.models import Role
from app.cases.views_list import STATE_BADGES, case_url
from app.clocks.display import STATES, clock_state, track_label, track_path
from app.clocks.models import QUICK_CLOCKS
from app.clocks.mywork import my_work
from app.clocks.queries import DUE_SOON, OVERDUE, due_states, escalation, on_time_rates
from app.core import recent
from app.core.db import utcnow
from app.core.forms import AppForm, DateRangeChecks
from app.core.i18n import DISPLAY_TZ, current_language
from app.core.permissions import roles_required

bp = Blueprint("clocks", __name__)

MAX_SPAN_DAYS = 5 * 366  # five years, leap days included


def duration(delta: timedelta | None) -> str:
    """A span as people read it on the board: "3 d 4 h", "5 h 20 min", "12 min"."""
    if delta is None:
        return ""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h", days=days, hours=hours)
    if hours:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    return _("%(minutes)d min", minutes=minutes)


def track_url(clock) -> str | None:
    """The page of the track a clock runs on (a mediation's), or None for a case's own clock."""
    path = track_path(clock)
    return f"{request.script_root}{path}" if path is not None else None


def _page_context() -> dict:
    return {
        "case_url": case_url,
        "track_url": track_url,
        "track_label": track_label,
        "state_badges": STATE_BADGES,
        "duration": duration,
        "OVERDUE": OVERDUE,
        "DUE_SOON": DUE_SOON,
        # The on-time rates are those of the three quick clocks of every case.
        "clock_names": list(QUICK_CLOCKS),
    }


# ---- my work -----------------------------------------------------------------------------------------


@bp.get("/my-work")
@roles_required(Role.CASEWORKER, Role.SUPERVISOR, Role.MEDIATOR)
def my_work_page():
    """The offers waiting for my answer, the cases I own, the cases I first took up, and the
    deadlines I answer for on what is handled under a case (a mediator's mediations)."""
    now = utcnow()
    work = my_work(current_user)
    cases = [offer.case for offer in work.offers] + work.owned + work.first_taken
    return render_template(
        "clocks/my_work.html",
        work=work,
        due=due_states(cases, now),
        track_states={row.clock.id: clock_state(row.clock, now) for row in work.tracks},
        clock_states=STATES,
        now=now,
        **_page_context(),
    )


# ---- escalation --------------------------------------------------------------------------------------


def current_month(today: date) -> tuple[date, date]:
    """The first and last days of ``today``'s calendar month."""
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


class PeriodForm(DateRangeChecks, AppForm):
    """The period of the on-time rates, read from the query string."""

    class Meta:
        csrf = False

    date_from = DateField(_l("Due from"), validators=[Optional()])
    date_to = DateField(_l("Due to"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, formdata=request.args, **kwargs)

    def validate_date_to(self, field):
        self._in_range(field)
        start = self.date_from.data
        if field.data is None or start is None or not self.EARLIEST <= start <= self.LATEST:
            return
        if field.data < start:
            raise ValidationError(_("The end date is before the start date."))
        if (field.data - start).days > MAX_SPAN_DAYS:
            raise ValidationError(_("Choose a period of at most five years."))

    def fill_defaults(self, today: date) -> None:
        """A missing end is the start's month end, a missing start the end's month start; with
        neither, the current month."""
        if self.date_from.data is None and self.date_to.data is None:
            self.date_from.data, self.date_to.data = current_month(today)
        elif self.date_to.data is None:
            self.date_to.data = current_month(self.date_from.data)[1]
        elif self.date_from.data is None:
            self.date_from.data = current_month(self.date_to.data)[0]


@bp.get("/escalation")
@roles_required(Role.SUPERVISOR)
def escalation_board():
    """Every overdue and due-soon clock of the supervisor's subtree, and the on-time rates of a
    period (by default the current month in China)."""
    now = utcnow()
    form = PeriodForm()
    valid = form.validate()
    rates = None
    rates_counted_at = None
    if valid:
        form.fill_defaults(now.astimezone(DISPLAY_TZ).date())
        first, last = form.date_from.data, form.date_to.data
        # The rates of a period may be a minute old (``app.core.recent``); the page says when they were counted.
        key = ("on_time_rates", current_user.centre_id, first, last, current_language())
        rates, rates_counted_at = recent.remembered(key, lambda: (on_time_rates(current_user, first, last, now), now))
    centre = _chosen_centre()
    board = escalation(current_user, now, after=request.args.get("after"), centre=centre)
    html = render_template(
        "clocks/escalation.html",
        form=form,
        board=board,
        rates=rates,
        rates_counted_at=rates_counted_at,
        now=now,
        centre=centre,
        first_page=not request.args.get("after"),
        labels=_board_labels(),
        **_page_context(),
    )
    return html, 200 if valid else 422


def _chosen_centre():
    """The centre whose subtree the board is narrowed to (``?centre=ID``): one of the viewer's centre's
    subtree; None for the whole subtree. Anything else is a 404, as another centre's page is."""
    from app.centres.models import Centre
    from app.extensions import db

    raw = request.args.get("centre")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        abort(404)
    chosen = db.session.get(Centre, int(raw))
    own = current_user.centre
    if chosen is None or own is None or not chosen.path.startswith(own.path):
        abort(404)
    return chosen if chosen.id != own.id else None


def _board_labels() -> dict:
    """What every row of the board repeats, translated once per page rather than once per row."""
    from app.cases.enums import CaseState
    from app.clocks.models import ClockName
    from app.core.workflow import REGISTRY

    return {
        "clock": _("Clock"),
        "due": _("Due"),
        "late_or_due": _("Late by / due in"),
        "responsible": _("Responsible"),
        "owner": _("Owner"),
        "first_responder": _("First responder"),
        "centre": _("Centre"),
        "nobody": _("Nobody"),
        "overdue": _("Overdue"),
        "due_soon": _("Due soon"),
        # Formatted per cell of the rates' tables (``|format``), translated once.
        "on_time_late": _("%(on_time)d on time, %(late)d late"),
        "clocks": {name: str(name.label) for name in ClockName},
        "states": {state: str(state.label) for state in CaseState},
        "tracks": {name: str(workflow.label) for name, workflow in REGISTRY.items()},
    }
