"""Administration forms: centres, staff accounts, settings, the working-day calendar."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, IntegerField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional, ValidationError

from app.auth.forms import NewPasswordMixin
from app.auth.models import STAFF_ROLES
from app.centres.models import CentreLevel
from app.core.forms import AppForm, SelectField, email_format, lower_filter, max_length, required, strip_filter


class CentreForm(AppForm):
    code = StringField(
        _l("Code"),
        filters=[strip_filter],
        validators=[required(), max_length(12)],
        description=_l("Short code used in case numbers, e.g. SZ. It cannot be changed later."),
    )
    name_zh = StringField(_l("Name (Chinese)"), filters=[strip_filter], validators=[required(), max_length(200)])
    name_en = StringField(_l("Name (English)"), filters=[strip_filter], validators=[required(), max_length(200)])
    level = SelectField(_l("Level"), choices=CentreLevel.choices, validators=[required()])
    parent_id = SelectField(_l("Parent centre"), coerce=int)
    region = StringField(_l("Region"), filters=[strip_filter], validators=[Optional(), max_length(100)])
    address = StringField(_l("Address"), filters=[strip_filter], validators=[Optional(), max_length(300)])
    phone = StringField(_l("Phone"), filters=[strip_filter], validators=[Optional(), max_length(30)])
    contact_person = StringField(
        _l("Contact person"),
        filters=[strip_filter],
        validators=[Optional(), max_length(100)],
        description=_l("Named on the documents the centre issues, with its address and telephone."),
    )
    document_prefix = StringField(
        _l("Document number prefix"),
        filters=[strip_filter],
        validators=[Optional(), max_length(20)],
        description=_l("The centre's short name in its document numbers, e.g. 深知援. Empty: the centre's code."),
    )
    document_pattern = StringField(
        _l("Document number pattern"),
        filters=[strip_filter],
        validators=[Optional(), max_length(60)],
        description=_l(
            "How document numbers are written, with {prefix}, {series} (e.g. 受 for acceptance notices), {year} "
            "and {n}, e.g. {prefix}{series}〔{year}〕{n}号. Empty: the parent centre's pattern."
        ),
    )
    is_active = BooleanField(_l("Active"), default=True)


class StaffForm(AppForm):
    full_name = StringField(_l("Name"), filters=[strip_filter], validators=[required(), max_length(100)])
    email = EmailField(_l("E-mail"), filters=[lower_filter], validators=[required(), max_length(254), email_format()])
    phone = StringField(_l("Phone"), filters=[strip_filter], validators=[Optional(), max_length(30)])
    role = SelectField(_l("Role"), choices=lambda: [(r.value, r.label) for r in STAFF_ROLES], validators=[required()])
    centre_id = SelectField(_l("Centre"), coerce=int, validators=[required()])


class NewStaffForm(NewPasswordMixin, StaffForm):
    pass


class ResetPasswordForm(NewPasswordMixin, AppForm):
    pass


def settings_form_class(definitions):
    """A form with one optional whole-number field per setting; empty means "inherit"."""

    class SettingsForm(AppForm):
        pass

    for d in definitions:
        setattr(SettingsForm, d.key, IntegerField(d.label, validators=[Optional(), _within_bounds(d)]))
    return SettingsForm


def _within_bounds(definition):
    """The setting's bounds, with the rule of law a value below its minimum breaks, when there is one."""

    def check(form, field):
        refused = definition.range_error(field.data) if field.data is not None else None
        if refused is not None:
            raise ValidationError(str(refused))

    return check


class CalendarYearForm(AppForm):
    """A year of the working-day calendar: its public holidays and its make-up working days, one
    ``YYYY-MM-DD name`` per line (see ``app.admin.calendar.parse_days``)."""

    year = IntegerField(
        _l("Year"),
        validators=[
            required(),
            NumberRange(min=2000, max=2100, message=_l("Enter a year from %(lo)d to %(hi)d.", lo=2000, hi=2100)),
        ],
    )
    holidays = TextAreaField(
        _l("Public holidays"),
        validators=[required(), max_length(20000)],
        description=_l(
            "One day per line: the date as YYYY-MM-DD and the holiday's name, e.g. “2027-10-01 国庆节”. "
            "A range is written “2027-10-01..2027-10-07 国庆节”; its weekend days are days off anyway."
        ),
        render_kw={"rows": 12, "spellcheck": "false"},
    )
    workdays = TextAreaField(
        _l("Make-up working days (调休)"),
        validators=[Optional(), max_length(20000)],
        description=_l("Saturdays and Sundays on which people work, one per line, e.g. “2027-09-26 国庆节调休”."),
        render_kw={"rows": 6, "spellcheck": "false"},
    )
    note = StringField(
        _l("Source"),
        filters=[strip_filter],
        validators=[Optional(), max_length(300)],
        description=_l("E.g. the State Council notice on the year's holidays, with its number."),
    )

    def validate(self, extra_validators=None) -> bool:
        """Each field's own checks, then the days read against the year and against each other."""
        from app.admin.calendar import check_lists, parse_days

        valid = super().validate(extra_validators)
        year = self.year.data if not self.year.errors else None
        self.parsed_holidays = parse_days(self.holidays.data, year)
        self.parsed_workdays = parse_days(self.workdays.data, year)
        holiday_errors, workday_errors = check_lists(self.parsed_holidays, self.parsed_workdays)
        holiday_errors = self.parsed_holidays.errors + holiday_errors
        workday_errors = self.parsed_workdays.errors + workday_errors
        if not self.holidays.errors and not self.parsed_holidays.days and not holiday_errors:
            holiday_errors.append(str(_l("Enter the public holidays of the year.")))
        if holiday_errors and not self.holidays.errors:
            self.holidays.errors = [*self.holidays.errors, *holiday_errors]
        if workday_errors and not self.workdays.errors:
            self.workdays.errors = [*self.workdays.errors, *workday_errors]
        return valid and not holiday_errors and not workday_errors and year is not None
