"""Forms of the agency directory: one agency, and the CSV file to import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, ValidationError, widgets
from wtforms.validators import Optional

from app.agencies.models import AgencyKind
from app.agencies.services import LIMITS
from app.cases.enums import IPType
from app.core.forms import (
    AppForm,
    SelectField,
    SelectMultipleField,
    email_format,
    lower_filter,
    max_length,
    required,
    strip_filter,
)


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AtLeastOne:
    field_flags = {"needed": True}

    def __call__(self, form, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one type of right the agency takes."))


class AgencyForm(AppForm):
    centre_id = SelectField(
        _l("Region"),
        coerce=int,
        validators=[required()],
        description=_l("The centre whose region the agency serves: a province's bureau on the provincial centre."),
    )
    name = StringField(
        _l("Agency name"),
        filters=[strip_filter],
        validators=[required(), max_length(LIMITS["name"])],
        description=_l("As it is addressed on a transfer letter, e.g. 深圳市市场监督管理局."),
    )
    kind = SelectField(_l("Kind of agency"), choices=AgencyKind.choices, validators=[required()])
    rights = CheckboxesField(_l("Types of right it takes"), choices=IPType.choices, validators=[AtLeastOne()])
    address = StringField(_l("Address"), filters=[strip_filter], validators=[Optional(), max_length(LIMITS["address"])])
    email = StringField(
        _l("E-mail"),
        filters=[lower_filter],
        validators=[Optional(), max_length(LIMITS["email"]), email_format()],
        description=_l("Transfer letters and the reply link are sent here when it is given."),
    )
    phone = StringField(_l("Phone"), filters=[strip_filter], validators=[Optional(), max_length(LIMITS["phone"])])
    contact = StringField(
        _l("Contact person"), filters=[strip_filter], validators=[Optional(), max_length(LIMITS["contact"])]
    )


class ImportForm(FlaskForm):
    """The CSV file and the region rows without a centre belong to (the file is read by the view)."""

    file = FileField(
        _l("CSV file"),
        description=_l(
            "Columns: centre, name, kind, rights, address, email, phone, contact. UTF-8 (with or without BOM) or "
            "GB18030 as saved by Excel; at most 2 MB and 2,000 rows."
        ),
    )
    centre_id = SelectField(
        _l("Region"),
        coerce=int,
        validators=[required()],
        description=_l("Rows with an empty centre column belong to this region; every row must be in it or below."),
    )
