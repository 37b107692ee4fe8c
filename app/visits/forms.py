"""The forms of the visit pages: the filters of the list, the supervisor's month plan and the record
of a visit (phone first: rows of staff, enterprises, problems and follow-ups, a fixed number of
each without script, more added by ``visits.js``).

Staff and enterprises are typed into text fields fed by a ``<datalist>`` ("name · e-mail", "name ·
credit code"); ``resolve_staff`` and ``resolve_enterprise`` read them back within what the user
may see. An empty row is skipped; a row half filled is refused beside its fields.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import Optional

from app.cases.enums import IPType
from app.core.forms import AppForm, SelectField, SelectMultipleField, max_length, strip_filter
from app.visits.enums import Topic, VisitState

MAX_ROWS = 30  # rows of one kind a form takes (a phone adds them one by one)
TEXT_MAX = 5000
SEPARATOR = " · "
CREDIT_CODE_IN = re.compile(r"([0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})\s*$", re.IGNORECASE)


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes: large touch targets on a phone, no script."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def day_field(label):
    """A date picked with the phone's own date picker; read as text (``YYYY-MM-DD``) and judged by the
    service, whose message names the field."""
    return StringField(
        label, filters=[strip_filter], validators=[Optional(), max_length(10)], render_kw={"type": "date"}
    )


def _rows(form_class, n: int):
    return FieldList(FormField(form_class), min_entries=n, max_entries=MAX_ROWS)


def _person_rows(label, n: int):
    return FieldList(
        StringField(label, filters=[strip_filter], validators=[Optional(), max_length(300)]),
        min_entries=n,
        max_entries=MAX_ROWS,
    )


# ---- the list ---------------------------------------------------------------------------------------------


class FilterForm(AppForm):
    """The list's filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    month = StringField(_l("Month"), filters=[strip_filter], validators=[Optional(), max_length(7)])
    centre = SelectField(_l("Centre"), validate_choice=False)
    state = SelectField(_l("State"), validate_choice=False)
    enterprise = StringField(_l("Enterprise"), filters=[strip_filter], validators=[Optional(), max_length(300)])

    def fill(self, centres: list[tuple[int, str]]) -> FilterForm:
        """``centres``: (id, label) of the centre filter (``centre_filter_choices``)."""
        self.centre.choices = [("", _l("Every centre in your scope"))] + [(str(i), label) for i, label in centres]
        self.state.choices = [("", _l("Every state"))] + VisitState.choices()
        return self


def parse_month(text: str | None) -> date | None:
    """The first day of a ``YYYY-MM`` month, or None."""
    text = (text or "").strip()
    if not re.fullmatch(r"\d{4}-\d{2}", text):
        return None
    year, month = int(text[:4]), int(text[5:])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


# ---- the plan of the month --------------------------------------------------------------------------------


class PlanRow(Form):
    """One planned visit: when, where, who."""

    planned_on = day_field(_l("Date"))
    enterprise = StringField(_l("Enterprise"), filters=[strip_filter], validators=[Optional(), max_length(300)])
    staff = StringField(_l("Who goes"), filters=[strip_filter], validators=[Optional(), max_length(300)])
    staff2 = StringField(_l("With"), filters=[strip_filter], validators=[Optional(), max_length(300)])

    def is_blank(self) -> bool:
        return not (self.planned_on.data or self.enterprise.data or self.staff.data or self.staff2.data)


class PlanForm(AppForm):
    centre = SelectField(_l("Centre"), validate_choice=False)
    rows = _rows(PlanRow, 4)


class ReplanForm(AppForm):
    """A planned visit changed: its day, who goes, which enterprises, notes for the staff."""

    planned_on = day_field(_l("Date"))
    staff = _person_rows(_l("Who goes"), 2)
    enterprises = _person_rows(_l("Enterprise"), 1)
    notes = TextAreaField(
        _l("Notes for the staff who go"),
        filters=[strip_filter],
        validators=[Optional(), max_length(TEXT_MAX)],
        render_kw={"rows": 2},
    )
    version = HiddenField()


# ---- the record of a visit --------------------------------------------------------------------------------


class NewEnterpriseRow(Form):
    credit_code = StringField(
        _l("Unified social credit code"),
        filters=[strip_filter],
        validators=[Optional(), max_length(30)],
        render_kw={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"},
    )
    name = StringField(_l("Enterprise name"), filters=[strip_filter], validators=[Optional(), max_length(200)])

    def is_blank(self) -> bool:
        return not (self.credit_code.data or self.name.data)


class ProblemRow(Form):
    text = TextAreaField(
        _l("Problem found"),
        filters=[strip_filter],
        validators=[Optional(), max_length(TEXT_MAX)],
        render_kw={"rows": 2},
    )
    ip_type = SelectField(_l("Type of right"), validate_choice=False)
    right_number = StringField(
        _l("Number of the right"),
        filters=[strip_filter],
        validators=[Optional(), max_length(60)],
        description=_l("Needed for a patent before the problem can become a case."),
    )
    respondent_name = StringField(
        _l("Suspected infringer"), filters=[strip_filter], validators=[Optional(), max_length(200)]
    )
    # Which enterprise row it concerns: "e0", "e1"… (registered), "n0"… (not yet registered).
    enterprise = SelectField(_l("Enterprise concerned"), validate_choice=False)

    def is_blank(self) -> bool:
        return not (self.text.data or self.right_number.data or self.respondent_name.data or self.ip_type.data)


class FollowUpRow(Form):
    text = TextAreaField(
        _l("Follow-up promised"),
        filters=[strip_filter],
        validators=[Optional(), max_length(TEXT_MAX)],
        render_kw={"rows": 2},
    )
    owner = StringField(_l("Owner"), filters=[strip_filter], validators=[Optional(), max_length(300)])
    due_on = day_field(_l("Due by"))

    def is_blank(self) -> bool:
        return not (self.text.data or self.owner.data or self.due_on.data)


class RecordForm(AppForm):
    """A visit as recorded on the spot; the files come from ``request.files`` (``photos``, ``documents``)."""

    centre = SelectField(_l("Centre"), validate_choice=False)
    visited_on = day_field(_l("Date of the visit"))
    staff = _person_rows(_l("Staff who went"), 2)
    enterprises = _person_rows(_l("Enterprise visited"), 2)
    new_enterprises = _rows(NewEnterpriseRow, 1)
    topics = CheckboxesField(_l("Topics"), choices=Topic.choices, validate_choice=False)
    problems = _rows(ProblemRow, 2)
    needs = TextAreaField(
        _l("The enterprise's needs"),
        filters=[strip_filter],
        validators=[Optional(), max_length(TEXT_MAX)],
        render_kw={"rows": 3},
        description=_l("The needs list (需求清单): what the enterprise asks the centre for."),
    )
    follow_ups = _rows(FollowUpRow, 2)
    contact_name = StringField(_l("Name"), filters=[strip_filter], validators=[Optional(), max_length(100)])
    contact_title = StringField(_l("Position"), filters=[strip_filter], validators=[Optional(), max_length(100)])
    contact_phone = StringField(
        _l("Telephone"),
        filters=[strip_filter],
        validators=[Optional(), max_length(30)],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    notes = TextAreaField(
        _l("Internal notes"),
        filters=[strip_filter],
        validators=[Optional(), max_length(TEXT_MAX)],
        render_kw={"rows": 3},
        description=_l("Seen by staff only, never by the enterprise."),
    )
    version = HiddenField()

    def fill(self, centres, enterprise_labels: list[str] | None = None) -> RecordForm:
        """Choices: the centres the visit may belong to, the types of right, and the enterprise rows a
        problem may point at (their labels are what was typed; ``visits.js`` keeps them current)."""
        self.centre.choices = [(str(c.id), c.name) for c in centres]
        ip_choices = [("", _l("— Not known yet —"))] + IPType.choices()
        labels = enterprise_labels or []
        targets = [
            (f"e{i}", labels[i] if i < len(labels) and labels[i] else _l("Enterprise %(n)d", n=i + 1))
            for i in range(len(self.enterprises))
        ] + [
            (f"n{i}", row.form.name.data or _l("New enterprise %(n)d", n=i + 1))
            for i, row in enumerate(self.new_enterprises)
        ]
        for row in self.problems:
            row.form.ip_type.choices = ip_choices
            row.form.enterprise.choices = targets
        return self


def person_label(user) -> str:
    return f"{user.name}{SEPARATOR}{user.email}"


def enterprise_label(enterprise) -> str:
    return f"{enterprise.name}{SEPARATOR}{enterprise.credit_code}"


def resolve_enterprise(user, text: str):
    """The enterprise ``text`` names (its credit code, "name · code", or its exact name when that is
    unique) among those ``user`` may see; None when there is none (or several)."""
    from app.core.scope import visible
    from app.enterprises.models import Enterprise
    from app.extensions import db

    text = (text or "").strip()
    if not text:
        return None
    match = CREDIT_CODE_IN.search(text)
    if match:
        stmt = select(Enterprise).where(Enterprise.credit_code == match.group(1).upper())
    else:
        stmt = select(Enterprise).where(Enterprise.name == text).limit(2)
    found = db.session.execute(visible(stmt, user, Enterprise)).scalars().all()
    return found[0] if len(found) == 1 else None


def resolve_staff(user, text: str, centre):
    """The member of staff ``text`` names ("name · e-mail", an e-mail, or an exact name that is unique)
    among those who may go on a visit of ``centre``; None when there is none (or several)."""
    from app.auth.models import User
    from app.extensions import db

    text = (text or "").strip()
    if not text or centre is None:
        return None
    email = next((part.strip() for part in reversed(text.split(SEPARATOR.strip())) if "@" in part), None)
    from app.visits.queries import staff_choices

    stmt = staff_choices(centre)
    if email:
        stmt = stmt.where(func.lower(User.email) == email.lower())
    else:
        stmt = stmt.where(User.name == text).limit(2)
    found = db.session.execute(stmt).scalars().all()
    return found[0] if len(found) == 1 else None
