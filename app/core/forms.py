"""Form building blocks shared by features: validators with translatable messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import ValidationError
from wtforms.validators import Email, InputRequired, Length, NumberRange

from app.core.identifiers import IdentifierError, normalise_credit_code


def required():
    return InputRequired(message=_l("This field is required."))


def max_length(n: int):
    return Length(max=n, message=_l("Use at most %(max)d characters."))


def email_format():
    return Email(message=_l("Enter a valid e-mail address."), check_deliverability=False)


def not_negative():
    return NumberRange(min=0, message=_l("The figure cannot be negative."))


class CreditCode:
    """Checks a unified social credit code and stores the normalised form back."""

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            field.data = normalise_credit_code(field.data)
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from None


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


def lower_filter(value):
    return value.strip().lower() if isinstance(value, str) else value
