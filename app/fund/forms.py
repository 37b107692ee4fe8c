"""The form of a request to the fund (new and edit): the dispute, the deductions and the cost rows.

Every check of substance is the service's (``services.start_request`` / ``update_request``); the form
only reads what was typed and keeps it for the page shown again. A cost row's invoice is one of the
case's files, or a file sent in the row itself (a phone's photograph), kept as a staged upload until
the request is saved.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, HiddenField, StringField, TextAreaField
from wtforms.validators import Optional

from app.core.forms import AppForm, SelectField, max_length, strip_filter
from app.fund.enums import CostKind, DisputeType

MAX_ROWS = 50
#: The currencies overseas costs are most often invoiced in, offered first.
COMMON_CURRENCIES = ("USD", "EUR", "JPY", "GBP", "KRW", "HKD", "CNY", "AUD", "CAD", "SGD", "CHF", "TWD", "MOP")


def currency_choices(locale: str) -> list[tuple[str, str]]:
    """The common currencies first, then every other in the order of their names."""
    from babel import Locale
    from babel.numbers import list_currencies

    names = Locale.parse(locale).currencies
    common = [(c, f"{c} · {names.get(c, c)}") for c in COMMON_CURRENCIES]
    rest = sorted(
        (c for c in list_currencies() if c not in COMMON_CURRENCIES and len(c) == 3 and c in names),
        key=lambda c: names.get(c, c),
    )
    return [*common, ("", "──────────"), *[(c, f"{c} · {names.get(c, c)}") for c in rest]]


class Needed:
    """Marks a field the service needs (the form macro shows it as required); the service judges it."""

    field_flags = {"needed": True}

    def __call__(self, form, field):
        return None


class CostForm(Form):
    """One cost row (a sub-form: its fields are named ``costs-<n>-<field>``)."""

    kind = SelectField(_l("What the cost is for"), validate_choice=False)
    description = StringField(_l("Description"), filters=[strip_filter], validators=[Optional(), max_length(300)])
    invoice_number = StringField(_l("Invoice number"), filters=[strip_filter], validators=[Optional(), max_length(100)])
    currency = SelectField(_l("Currency"), validate_choice=False, default="USD")
    original_amount = StringField(
        _l("Amount"), filters=[strip_filter], render_kw={"inputmode": "decimal", "autocomplete": "off"}
    )
    rate = StringField(
        _l("Exchange rate"),
        filters=[strip_filter],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    rate_on = StringField(_l("Rate date"), filters=[strip_filter], render_kw={"type": "date"})
    attachment = SelectField(_l("Invoice"), validate_choice=False)
    voucher = SelectField(_l("Payment voucher (optional)"), validate_choice=False)
    staged = HiddenField()

    def is_blank(self, has_file: bool) -> bool:
        """Nothing typed or chosen in the row (a spare row left empty is not a cost)."""
        typed = (
            self.description.data,
            self.invoice_number.data,
            self.original_amount.data,
            self.rate.data,
            self.rate_on.data,
            self.attachment.data,
            self.voucher.data,
            self.staged.data,
        )
        return not has_file and not any((v or "").strip() if isinstance(v, str) else v for v in typed)


class FundRequestForm(AppForm):
    fund = SelectField(_l("Fund"), id="fund", validate_choice=False)
    dispute_type = SelectField(_l("Kind of dispute"), id="dispute_type", validate_choice=False, validators=[Needed()])
    country = SelectField(
        _l("Country or region where it is heard"), id="country", validate_choice=False, validators=[Needed()]
    )
    forum = StringField(
        _l("Court, office or platform"),
        id="forum",
        filters=[strip_filter],
        validators=[Optional(), max_length(200)],
        description=_l("For example: the United States District Court for the Central District of California."),
    )
    dispute_started_on = StringField(
        _l("Date the dispute began"),
        id="dispute_started_on",
        filters=[strip_filter],
        validators=[Needed()],
        render_kw={"type": "date"},
    )
    description = TextAreaField(
        _l("What the dispute is about"),
        id="description",
        filters=[strip_filter],
        validators=[Optional(), max_length(5000)],
        render_kw={"rows": 4},
    )
    insurance = StringField(
        _l("Insurance paid (yuan)"), id="insurance", filters=[strip_filter], render_kw={"inputmode": "decimal"}
    )
    settlement = StringField(
        _l("Settlement or damages received (yuan)"),
        id="settlement",
        filters=[strip_filter],
        render_kw={"inputmode": "decimal"},
    )
    other_funding = StringField(
        _l("Other public funding received (yuan)"),
        id="other_funding",
        filters=[strip_filter],
        render_kw={"inputmode": "decimal"},
    )
    costs = FieldList(FormField(CostForm), min_entries=1, max_entries=MAX_ROWS)
    version = HiddenField()

    def fill_choices(self, funds, countries: dict[str, str], invoices, locale: str) -> FundRequestForm:
        self.fund.choices = [(str(f.id), f.name) for f in funds]
        self.dispute_type.choices = [("", _l("— Choose —"))] + DisputeType.choices()
        self.country.choices = [("", _l("— Choose —"))] + [
            (code, name) for code, name in sorted(countries.items(), key=lambda kv: kv[1])
        ]
        currencies = currency_choices(locale)
        files = [(str(i), name) for i, name in invoices]
        for row in self.costs:
            row.kind.choices = [("", _l("— Choose —"))] + CostKind.choices()
            row.currency.choices = currencies
            row.attachment.choices = [("", _l("— Choose a file of the case —"))] + files
            row.voucher.choices = [("", _l("None"))] + files
        return self
