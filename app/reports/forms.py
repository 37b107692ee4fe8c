"""The reports' forms: the month picker of the monthly report and the statistics page's filters, read
from the query string (no CSRF: they change nothing)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Optional

from app.cases.enums import CaseKind, IPType
from app.core.forms import AppForm, SelectField, max_length, strip_filter

SCOPES = ("subtree", "alone")


def _scope_choices():
    return [("subtree", _l("With the centres below it")), ("alone", _l("The centre alone"))]


class MonthForm(AppForm):
    class Meta:
        csrf = False

    centre = SelectField(_l("Centre"), validate_choice=False)
    month = StringField(_l("Month"), filters=[strip_filter], validators=[Optional(), max_length(7)])
    scope = SelectField(_l("Covers"), validate_choice=False)

    def fill(self, centres) -> MonthForm:
        self.centre.choices = [(c.code, c.name) for c in centres]
        self.scope.choices = _scope_choices()
        return self


class StatisticsForm(AppForm):
    class Meta:
        csrf = False

    centre = SelectField(_l("Centre"), validate_choice=False)
    date_from = StringField(_l("From"), filters=[strip_filter], render_kw={"type": "date"})
    date_to = StringField(_l("To"), filters=[strip_filter], render_kw={"type": "date"})
    kind = SelectField(_l("Kind of case"), validate_choice=False)
    ip_type = SelectField(_l("Type of right"), validate_choice=False)
    scope = SelectField(_l("Covers"), validate_choice=False)

    def fill(self, centres) -> StatisticsForm:
        self.centre.choices = [(c.code, c.name) for c in centres]
        self.kind.choices = [("", _l("Every kind"))] + CaseKind.choices()
        self.ip_type.choices = [("", _l("Every type of right"))] + IPType.choices()
        self.scope.choices = _scope_choices()
        return self


def parse_day(text) -> date | None:
    """A ``YYYY-MM-DD`` day, or None when it is missing or malformed."""
    try:
        return date.fromisoformat((text or "").strip()) if len((text or "").strip()) == 10 else None
    except ValueError:
        return None
