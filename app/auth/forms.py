"""Account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired, EqualTo, Optional

from app.auth.passwords import MAX_LENGTH, password_problems
from app.core.forms import AppForm, SelectField, email_format, lower_filter, max_length, required, strip_filter
from app.enterprises.forms import CreditCodeField, EnterpriseFieldsMixin


class NewPasswordMixin:
    password = PasswordField(
        _l("Password"),
        validators=[required(), max_length(MAX_LENGTH)],
        description=_l("At least 8 characters; common passwords are refused."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[required(), EqualTo("password", message=_l("The two passwords do not match."))],
    )

    def validate_password(self, field):
        email = getattr(getattr(self, "email", None), "data", "") or ""
        problems = password_problems(field.data or "", email=email)
        if problems:
            raise ValidationError(" ".join(str(p) for p in problems))


class LoginForm(AppForm):
    email = EmailField(_l("E-mail"), filters=[lower_filter], validators=[required(), max_length(254)])
    password = PasswordField(_l("Password"), validators=[required(), max_length(MAX_LENGTH)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class PersonFieldsMixin:
    full_name = StringField(_l("Your name"), filters=[strip_filter], validators=[required(), max_length(100)])
    email = EmailField(_l("E-mail"), filters=[lower_filter], validators=[required(), max_length(254), email_format()])
    phone = StringField(_l("Phone"), filters=[strip_filter], validators=[Optional(), max_length(30)])


class RegistrationForm(PersonFieldsMixin, NewPasswordMixin, EnterpriseFieldsMixin, AppForm):
    """An applicant registers together with their enterprise.

    The form asks for the same details whatever the credit code, so that it tells no one which
    enterprises are registered. When the credit code belongs to an enterprise already
    registered, the enterprise details given are ignored and the person asks to join it instead.
    """

    position = StringField(
        _l("Your position in the enterprise"), filters=[strip_filter], validators=[Optional(), max_length(100)]
    )
    credit_code = CreditCodeField()
    privacy_consent = BooleanField(
        _l("I have read the privacy notice and agree to my personal information being processed as it describes."),
        validators=[DataRequired(message=_l("Please read the privacy notice and tick the box to agree to it."))],
    )

    def validate_centre_id(self, field):
        if field.data == 0:
            raise ValidationError(_l("Choose the assistance centre serving your enterprise."))


class ChangePasswordForm(NewPasswordMixin, AppForm):
    current_password = PasswordField(_l("Current password"), validators=[required(), max_length(MAX_LENGTH)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.password.label.text = _l("New password")
        self.confirm.label.text = _l("Repeat the new password")


class LanguageForm(AppForm):
    locale = SelectField(choices=[("zh_CN", "简体中文"), ("en", "English")])
    next = StringField()
