"""Administration forms: centres, staff accounts, settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional

from app.auth.forms import NewPasswordMixin
from app.auth.models import STAFF_ROLES
from app.centres.models import CentreLevel
from app.core.forms import AppForm, email_format, lower_filter, max_length, required, strip_filter


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
        message = _l("Enter a whole number from %(lo)d to %(hi)d.", lo=d.minimum, hi=d.maximum)
        setattr(
            SettingsForm,
            d.key,
            IntegerField(d.label, validators=[Optional(), NumberRange(min=d.minimum, max=d.maximum, message=message)]),
        )
    return SettingsForm
