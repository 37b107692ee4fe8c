"""The forms of the fund administration pages: a fund set up and its rules, a member added, a
contribution or other income recorded, a statement issued.

The fields are text as typed; amounts are yuan (``app.core.money.fen_from_text`` makes them fen) and
the services check every value (bounds, dates, what is owed) and name the field they refuse, which the
page shows beside it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import AppForm, SelectField, SelectMultipleField, max_length, required, strip_filter
from app.core.money import fen_from_text, yuan
from app.fund.enums import DisputeType, EntryKind
from app.fund.models import RULE_BOUNDS

MONEY_RULES = ("cap_per_request_fen", "cap_per_year_fen")
WHOLE_RULES = (
    "share_percent",
    "requests_per_enterprise_per_year",
    "year_start_month",
    "year_start_day",
    "review_working_days",
)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def fen_of(text):
    """Yuan as typed → fen; None when empty; anything else as typed (the service refuses it). A
    figure too large for two decimals (``1e400``) is refused too, not an error."""
    try:
        return fen_from_text(text)
    except ArithmeticError:
        return text


def _whole(text):
    """A whole number as typed, or the text itself (the service refuses it, naming the rule's bounds)."""
    text = (text or "").strip() if isinstance(text, str) else text
    if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 15:
        return int(text)
    return text


def _bound(name: str) -> str:
    low, high = RULE_BOUNDS[name]
    if name in MONEY_RULES:
        return _l("From %(low)s to %(high)s yuan.", low=yuan(low), high=yuan(high))
    return _l("A whole number from %(low)d to %(high)d.", low=low, high=high)


class RulesMixin:
    share_percent = StringField(_l("Support share (%)"), filters=[strip_filter], render_kw={"inputmode": "numeric"})
    cap_per_request_fen = StringField(
        _l("Cap per request (yuan)"), filters=[strip_filter], render_kw={"inputmode": "decimal"}
    )
    cap_per_year_fen = StringField(
        _l("Cap per fund year (yuan)"), filters=[strip_filter], render_kw={"inputmode": "decimal"}
    )
    requests_per_enterprise_per_year = StringField(
        _l("Requests granted per enterprise per fund year"), filters=[strip_filter], render_kw={"inputmode": "numeric"}
    )
    dispute_types = CheckboxesField(_l("Disputes covered"), validate_choice=False)
    year_start_month = StringField(
        _l("Fund year starts (month)"), filters=[strip_filter], render_kw={"inputmode": "numeric"}
    )
    year_start_day = StringField(
        _l("Fund year starts (day)"), filters=[strip_filter], render_kw={"inputmode": "numeric"}
    )
    review_working_days = StringField(
        _l("Review within (working days)"), filters=[strip_filter], render_kw={"inputmode": "numeric"}
    )

    def fill_rules(self, rules: dict | None = None):
        """Choices and each rule's bound as its help; ``rules`` (fen, ints) as the values shown."""
        self.dispute_types.choices = DisputeType.choices()
        for name in (*MONEY_RULES, *WHOLE_RULES):
            getattr(self, name).description = _bound(name)
        if rules is not None:
            for name in MONEY_RULES:
                getattr(self, name).data = f"{rules[name] / 100:.2f}".removesuffix(".00")
            for name in WHOLE_RULES:
                getattr(self, name).data = str(rules[name])
            self.dispute_types.data = list(rules["dispute_types"])
        return self

    def rule_values(self) -> dict:
        """The rules as the services take them (fen; whole numbers; unparsable text as typed)."""
        out = {}
        for name in MONEY_RULES:
            fen = fen_of(getattr(self, name).data)
            out[name] = "" if fen is None else fen
        for name in WHOLE_RULES:
            out[name] = _whole(getattr(self, name).data)
        out["dispute_types"] = list(self.dispute_types.data or [])
        return out


class NewFundForm(RulesMixin, AppForm):
    centre = SelectField(_l("Centre"), validate_choice=False)
    name = StringField(_l("Name of the fund"), filters=[strip_filter], validators=[required(), max_length(200)])


class RulesForm(RulesMixin, AppForm):
    is_active = BooleanField(_l("The fund takes new requests"))
    version = HiddenField()


class MemberForm(AppForm):
    enterprise = StringField(
        _l("Enterprise"),
        filters=[strip_filter],
        validators=[required(), max_length(300)],
        description=_l("Type its name or credit code and pick it from the list."),
    )
    starts_on = StringField(_l("Member from"), filters=[strip_filter], render_kw={"type": "date"})
    ends_on = StringField(_l("Member until"), filters=[strip_filter], render_kw={"type": "date"})
    contribution = StringField(
        _l("Contribution due (yuan)"), filters=[strip_filter], render_kw={"inputmode": "decimal"}
    )
    note = TextAreaField(
        _l("Note"), filters=[strip_filter], validators=[Optional(), max_length(2000)], render_kw={"rows": 2}
    )


class ContributionForm(AppForm):
    amount = StringField(_l("Amount received (yuan)"), filters=[strip_filter], render_kw={"inputmode": "decimal"})
    occurred_on = StringField(_l("Date received"), filters=[strip_filter], render_kw={"type": "date"})
    reference = StringField(
        _l("Reference (bank voucher)"), filters=[strip_filter], validators=[Optional(), max_length(100)]
    )


class IncomeForm(AppForm):
    kind = SelectField(_l("Kind of income"), validate_choice=False)
    amount = StringField(_l("Amount received (yuan)"), filters=[strip_filter], render_kw={"inputmode": "decimal"})
    occurred_on = StringField(_l("Date received"), filters=[strip_filter], render_kw={"type": "date"})
    reference = StringField(
        _l("Reference (bank voucher)"), filters=[strip_filter], validators=[Optional(), max_length(100)]
    )
    note = TextAreaField(
        _l("From whom, what for"),
        filters=[strip_filter],
        validators=[Optional(), max_length(2000)],
        render_kw={"rows": 2},
    )

    def fill(self):
        self.kind.choices = [(k.value, k.label) for k in (EntryKind.GRANT, EntryKind.OTHER_INCOME)]
        return self


class StatementForm(AppForm):
    date_from = StringField(_l("From"), filters=[strip_filter], render_kw={"type": "date"})
    date_to = StringField(_l("To"), filters=[strip_filter], render_kw={"type": "date"})
    language = SelectField(_l("Language"), validate_choice=False)

    def fill(self):
        self.language.choices = [("zh_CN", "中文"), ("en", "English")]
        return self
