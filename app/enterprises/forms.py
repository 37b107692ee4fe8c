"""Enterprise forms: registration details, figures for the size class, flags."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, StringField, ValidationError
from wtforms.validators import Optional

from app.core.forms import (
    AppForm,
    CreditCode,
    FigureField,
    SelectField,
    max_length,
    not_negative,
    required,
    strip_filter,
)
from app.enterprises.sme_size import Industry, needs_assets


class EnterpriseFieldsMixin:
    """The enterprise's own fields, shared by registration and editing."""

    name = StringField(_l("Enterprise name"), filters=[strip_filter], validators=[required(), max_length(200)])
    address = StringField(_l("Address"), filters=[strip_filter], validators=[Optional(), max_length(300)])
    region = StringField(
        _l("Region"),
        filters=[strip_filter],
        validators=[Optional(), max_length(100)],
        description=_l("Province, city and district, e.g. 广东省深圳市南山区"),
    )
    industry = SelectField(_l("Industry"), choices=Industry.choices, validators=[required()])
    staff_count = IntegerField(_l("Staff (persons)"), validators=[required(), not_negative()])
    revenue_wan = FigureField(_l("Operating revenue last year (10k yuan)"), validators=[required(), not_negative()])
    assets_wan = FigureField(
        _l("Total assets (10k yuan)"),
        validators=[Optional(), not_negative()],
        description=_l("Needed for construction, real-estate development, leasing and business services."),
    )
    centre_id = SelectField(_l("Assistance centre serving the enterprise"), coerce=int, validators=[required()])
    is_specialised_new = BooleanField(_l("Recognised as a “specialised and new” SME"))
    is_little_giant = BooleanField(_l("Recognised as a “little giant” enterprise"))
    is_in_hardship = BooleanField(_l("In economic hardship"))

    def enterprise_data(self) -> dict:
        """The enterprise's fields as the services take them (see ENTERPRISE_FIELDS)."""
        from app.enterprises.services import ENTERPRISE_FIELDS

        fields = (*ENTERPRISE_FIELDS, "centre_id") if "centre_id" in self else ENTERPRISE_FIELDS
        return {name: getattr(self, name).data for name in fields}

    def validate_assets_wan(self, field):
        if self.industry.data in Industry._value2member_map_ and needs_assets(Industry(self.industry.data)):
            if field.data is None:
                raise ValidationError(_l("Total assets are needed to classify this industry."))

    def validate_staff_count(self, field):
        if field.data is not None and field.data > 10_000_000:
            raise ValidationError(_l("This figure is too large."))


class EnterpriseForm(EnterpriseFieldsMixin, AppForm):
    """Editing an enterprise. Staff decide which centre serves it: the view removes ``centre_id``
    for applicants."""

    version = HiddenField()


class CreditCodeField(StringField):
    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("filters", [strip_filter])
        kwargs.setdefault("validators", [required(), CreditCode()])
        kwargs.setdefault("description", _l("18 characters, printed on the business licence"))
        super().__init__(label or _l("Unified social credit code"), **kwargs)
