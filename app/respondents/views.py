"""Repeat infringers on the pages: the panel of a respondent's other cases on the case page, and the
ranking of the respondents named most often in the user's subtree (``/respondents``).

The panel is shown to staff only. An applicant's scope is their own enterprise's cases, which their
case list already shows; the panel would tell them nothing new, and the states of mediations and
referrals it carries are the centre's working detail. It is left out where there is nothing to show.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, ValidationError
from wtforms.validators import Optional

from app.auth.models import Role
from app.cases.queries import MAX_QUERY, china_day_start
from app.cases.tracks import TrackPanel, register_panel
from app.core import recent
from app.core.db import utcnow
from app.core.forms import AppForm, DateRangeChecks, SelectField
from app.core.i18n import DISPLAY_TZ
from app.core.permissions import roles_required
from app.respondents import queries
from app.respondents.keys import BRANCH, COMPANY_FORMS_EN, COMPANY_FORMS_ZH

bp = Blueprint("respondents", __name__)

RANKING_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)
PANEL_LIMIT = 10
RANKING_LIMIT = 50
PERIODS = ("all", "12m", "custom")


# ---- the panel on the case page ------------------------------------------------------------------------


@bp.app_template_global()
def other_case_badge(state) -> str:
    """The badge class of a case state in the other-cases table (the case list's colours)."""
    from app.cases.views_list import STATE_BADGES

    return STATE_BADGES.get(state, "text-bg-secondary")


def panel_context(case, user):
    """The case page's panel of the other cases against this case's respondents that ``user`` may
    see (staff only; None when there are none)."""
    if not user.is_staff or not case.respondents:
        return None
    rows = queries.other_cases(case, user, limit=PANEL_LIMIT + 1)
    if not rows:
        return None
    return {"rows": rows[:PANEL_LIMIT], "more": len(rows) > PANEL_LIMIT, "search_url": _search_url(case.respondents[0])}


register_panel(TrackPanel("respondents", "respondents/_case_panel.html", panel_context, order=15))


def search_phrase(name: str, credit_code: str | None = None) -> str:
    """What the case list's search is given to find a respondent's cases: its credit code, else its
    name without the company form (so 有限公司 and 有限责任公司 spellings are both found)."""
    if credit_code:
        return credit_code
    phrase = " ".join((name or "").split())
    form = next((f for f in COMPANY_FORMS_ZH if phrase.endswith(f)), "")
    if form and len(phrase) > len(form) and not phrase.endswith(BRANCH):
        phrase = phrase[: -len(form)].rstrip()
    words = phrase.split(" ")
    while len(words) > 1 and re.sub(r"\W", "", words[-1].casefold()) in COMPANY_FORMS_EN:
        words.pop()
    phrase = " ".join(words).rstrip(" ,.")
    return phrase[:MAX_QUERY].strip()


def _search_url(respondent, date_from: date | None = None, date_to: date | None = None) -> str:
    args = {"q": search_phrase(respondent.name, respondent.credit_code)}
    if date_from or date_to:
        args["date_field"] = "created"
        if date_from:
            args["date_from"] = date_from.isoformat()
        if date_to:
            args["date_to"] = date_to.isoformat()
    return url_for("cases.index", **args)


# ---- the ranking -----------------------------------------------------------------------------------------


class PeriodForm(DateRangeChecks, AppForm):
    """The ranking's period, read from the query string."""

    class Meta:
        csrf = False

    # The last 12 months unless asked otherwise: what is going on now, and a national supervisor's
    # page then reads a year of respondents, not every one of the country (bench/respondents.py).
    period = SelectField(_l("Period"), default="12m", validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, formdata=request.args, **kwargs)
        self.period.choices = [
            ("all", _("All time")),
            ("12m", _("The last 12 months")),
            ("custom", _("From – to")),
        ]

    def validate_period(self, field):
        if field.data not in PERIODS:
            raise ValidationError(_("Choose one of the periods listed."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Not a validator of the field: Optional() stops every validator of an empty one.
        given = any(self.date_from.raw_data or ()) or any(self.date_to.raw_data or ())
        if self.period.data == "custom" and not given:
            self.date_from.errors = [*self.date_from.errors, _("Give the first day, the last day, or both.")]
            valid = False
        return valid

    def days(self, today: date) -> tuple[date | None, date | None]:
        """The first and last day (in China) the ranking counts cases of; None: no bound."""
        if self.period.data == "12m":
            return _a_year_before(today) + timedelta(days=1), today
        if self.period.data == "custom":
            return self.date_from.data, self.date_to.data
        return None, None


def _a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@bp.get("/respondents")
@roles_required(*RANKING_ROLES)
def ranking():
    """The respondents named most often in the cases of the user's centre and the centres below it."""
    form = PeriodForm()
    if request.args and not form.validate():
        return render_template("respondents/ranking.html", form=form, rows=[], invalid=True, period=(None, None)), 422
    first, last = form.days(utcnow().astimezone(DISPLAY_TZ).date())
    since = china_day_start(first) if first else None
    until = china_day_start(last + timedelta(days=1)) if last and last < PeriodForm.LATEST else None
    # Counting reads every case of the period in the subtree (a year of the country's, for its
    # supervisors): the counts may be a minute old (``app.core.recent``) and the page says when they were
    # counted. They depend on the subtree and the period alone (drafts are nobody's case against anyone).
    now = utcnow()
    key = ("respondent_ranking", current_user.centre_id, since, until, RANKING_LIMIT)
    ranked, counted_at = recent.remembered(
        key, lambda: (queries.ranking(current_user, since=since, until=until, limit=RANKING_LIMIT), now)
    )
    rows = [{"r": r, "url": _search_url(r, first, last)} for r in ranked]
    return render_template(
        "respondents/ranking.html",
        form=form,
        rows=rows,
        invalid=False,
        period=(first, last),
        counted_at=counted_at if counted_at < now else None,
    )
