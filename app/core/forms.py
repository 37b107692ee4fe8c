"""Form building blocks shared by features: a base form and validators with translatable messages."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from markupsafe import Markup, escape
from wtforms import DecimalField, ValidationError
from wtforms import SelectField as _SelectField
from wtforms import SelectMultipleField as _SelectMultipleField
from wtforms.validators import Email, InputRequired, Length, NumberRange, StopValidation
from wtforms.widgets import Select

from app.core.identifiers import IdentifierError, normalise_credit_code


class AppForm(FlaskForm):
    """The base of every form without file fields.

    Flask-WTF mixes uploaded files into the form data; a file sent where text is
    expected would then reach the text validators as an object. Forms that take
    no files read the text fields only, so such a request is simply missing them.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is _Auto:
                return request.form if _is_submitted() else None
            return formdata


class FastSelect(Select):
    """WTForms' select, its plain options written directly: WTForms builds each option's attributes
    through ``html_params`` (sorting, escaping and joining them one by one), and a filter of every
    centre of the country (497 options) cost a list page 60 ms on two cores. The output is the same,
    character for character; an option with attributes of its own is left to WTForms."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        label = escape(choice.label or choice.value)
        return Markup(f'<option {"selected " if choice.selected else ""}value="{escape(value)}">{label}</option>')


class SelectField(_SelectField):
    """A select (``FastSelect``): every form of the app takes it from here."""

    widget = FastSelect()


class SelectMultipleField(_SelectMultipleField):
    """A multiple select (``FastSelect``): every form of the app takes it from here."""

    widget = FastSelect(multiple=True)


class Required(InputRequired):
    """Present, and for text not only spaces (0 is a valid number)."""

    def __init__(self, message=None):
        super().__init__(message=message or _l("This field is required."))

    def __call__(self, form, field):
        super().__call__(form, field)
        if isinstance(field.data, str) and not field.data.strip():
            field.errors[:] = []
            raise StopValidation(self.message)


def required():
    return Required()


def max_length(n: int):
    return Length(max=n, message=_l("Use at most %(max)d characters."))


def email_format():
    return Email(message=_l("Enter a valid e-mail address."), check_deliverability=False)


def not_negative():
    return NumberRange(min=0, message=_l("The figure cannot be negative."))


class FigureField(DecimalField):
    """A finite amount with two decimals below ``max_value`` (NaN, infinities and overflow are refused)."""

    def __init__(self, label=None, validators=None, max_value: Decimal = Decimal("1000000000000"), **kwargs):
        kwargs.setdefault("places", 2)
        kwargs.setdefault("rounding", ROUND_HALF_UP)
        super().__init__(label, validators, **kwargs)
        self.max_value = max_value

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            value = Decimal(valuelist[0].strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            self.data = None
            raise ValueError(_l("Enter a number, e.g. 1200 or 35.5.")) from None
        if not value.is_finite():
            self.data = None
            raise ValueError(_l("Enter a number, e.g. 1200 or 35.5."))
        if value.adjusted() >= 15 or abs(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) >= self.max_value:
            self.data = None
            raise ValueError(_l("This figure is too large."))
        self.data = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class CreditCode:
    """Checks a unified social credit code and stores the normalised form back."""

    def __call__(self, form, field):
        if field.data is None:
            return
        try:
            field.data = normalise_credit_code(field.data)
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from None


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


def lower_filter(value):
    return value.strip().lower() if isinstance(value, str) else value


def version_of(value) -> int | None:
    """The version number a form sent back, or None when it is missing or not a plain number."""
    text = str(value if value is not None else "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    return None


__all__ = [
    "AppForm",
    "CreditCode",
    "FigureField",
    "Required",
    "email_format",
    "lower_filter",
    "max_length",
    "not_negative",
    "required",
    "strip_filter",
    "version_of",
]


class DateRangeChecks:
    """A filter form's ``date_from``/``date_to`` pair: each date within the years a search makes sense
    in (``EARLIEST``…``LATEST``), and the end not before the start."""

    EARLIEST, LATEST = date(1980, 1, 1), date(2999, 12, 31)

    def _in_range(self, field):
        if field.data is not None and not self.EARLIEST <= field.data <= self.LATEST:
            raise ValidationError(
                _(
                    "Enter a date between %(first)s and %(last)s.",
                    first=self.EARLIEST.isoformat(),
                    last=self.LATEST.isoformat(),
                )
            )

    def validate_date_from(self, field):
        self._in_range(field)

    def validate_date_to(self, field):
        self._in_range(field)
        if field.data is not None and self.date_from.data is not None and field.data < self.date_from.data:
            raise ValidationError(_("The end date is before the start date."))
