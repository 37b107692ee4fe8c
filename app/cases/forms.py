"""Case forms: filing (applicant), recording (staff), workflow actions, notes, messages and links.

Identifiers are checked here as well as in the services so that every field's
message appears beside it at once; the services stay the last word.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import Optional

from app.cases.enums import CaseKind, Channel, ComplainantType, IPType
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
from app.core.identifiers import IdentifierError, normalise_right_number
from app.enterprises.forms import CreditCodeField
from app.enterprises.sme_size import Industry, needs_assets

MAX_AMOUNT_YUAN = Decimal("1000000000000")  # one trillion yuan: anything above is a typing error


def _ip_type_choices():
    return [("", _l("— Choose —")), *IPType.choices()]


def _industry_choices():
    return [("", _l("— Choose —")), *Industry.choices()]


class WebAddress:
    """A web address of a shop or page: a host name with a dot, no spaces; ``https://`` is assumed."""

    def __call__(self, form, field):
        text = (field.data or "").strip()
        if not text:
            return
        candidate = text if "://" in text else f"https://{text}"
        try:
            parts = urlsplit(candidate)
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or "." not in (parts.hostname or "")
            or any(ch.isspace() for ch in text)
        ):
            raise ValidationError(_l("Enter a web address, e.g. https://shop.example.com/item/123."))
        field.data = candidate


class NeededToSubmit:
    """Marks a field needed to submit (the form macro shows it as required); the form's own
    ``check_complete`` judges it, since what is needed depends on the kind of case."""

    field_flags = {"needed": True}

    def __call__(self, form, field):
        return None


class CaseFields(FlaskForm):
    """What an applicant files and staff record: the right, the respondent, the facts and evidence.

    The evidence field takes files; every other field reads only the text part of the request,
    so a file sent in place of text is simply missing (as ``AppForm`` does for forms without files).
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is _Auto:
                if not _is_submitted():
                    return None
                data = MultiDict(request.form)
                data.setlist("evidence", request.files.getlist("evidence"))
                return data
            return formdata

    kind = SelectField(_l("Kind of case"), choices=CaseKind.choices, validators=[required()])
    ip_type = SelectField(_l("Type of right"), choices=_ip_type_choices, default="", validators=[NeededToSubmit()])
    ip_number = StringField(
        _l("Number of the right"),
        filters=[strip_filter],
        validators=[max_length(60)],
        description=_l(
            "Patent application or grant number, e.g. 201710601862.3 or ZL201710601862.3; trademark registration number."
        ),
    )
    ip_title = StringField(
        _l("Name of the right"),
        filters=[strip_filter],
        validators=[max_length(200)],
        description=_l("Title of the patent, the trademark, the work…"),
    )
    respondent_name = StringField(
        _l("Respondent"),
        filters=[strip_filter],
        validators=[max_length(200)],
        description=_l("The enterprise or person you complain about."),
    )
    respondent_credit_code = StringField(
        _l("Respondent's unified social credit code"),
        filters=[strip_filter],
        validators=[Optional(), CreditCode()],
        description=_l("Optional; 18 characters, if you know it."),
    )
    respondent_address = StringField(
        _l("Respondent's address"), filters=[strip_filter], validators=[Optional(), max_length(300)]
    )
    respondent_url = StringField(
        _l("Respondent's web shop or page"),
        filters=[strip_filter],
        validators=[Optional(), max_length(500), WebAddress()],
    )
    title = StringField(
        _l("Subject"),
        filters=[strip_filter],
        validators=[max_length(200)],
        description=_l("A short title; left empty, the name of the right is used."),
    )
    facts = TextAreaField(
        _l("Facts"),
        filters=[strip_filter],
        validators=[max_length(20000), NeededToSubmit()],
        description=_l("What happened, where and since when; what the infringing product or use is."),
        render_kw={"rows": 6},
    )
    help_wanted = TextAreaField(
        _l("Help wanted"),
        filters=[strip_filter],
        validators=[max_length(5000)],
        description=_l("E.g. mediation, advice on evidence, a referral to the enforcement agency."),
        render_kw={"rows": 3},
    )
    claimed_amount = FigureField(
        _l("Amount claimed (yuan)"),
        validators=[Optional(), not_negative()],
        max_value=MAX_AMOUNT_YUAN,
        description=_l("Optional; in yuan with at most two decimals, e.g. 50000 or 12800.50."),
    )
    evidence = MultipleFileField(
        _l("Evidence files"),
        description=_l("Photos, purchase receipts, screenshots, certificates (PDF, images, Office documents)."),
    )

    def validate_ip_type(self, field):
        if not field.data and self.ip_number.data:
            raise ValidationError(_l("Choose the type of right."))

    def validate_ip_number(self, field):
        ip_type = self.ip_type.data
        if not field.data or ip_type not in IPType._value2member_map_:
            return
        try:
            field.data = normalise_right_number(field.data, ip_type)
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from None

    #: Whether the form saves a draft (then the facts may wait); the filing form reads the button.
    saves_draft = False

    def validate(self, extra_validators=None) -> bool:
        """Every field's own checks and what the case needs as a whole, all reported at once (the
        services check the same again, one at a time, and stay the last word)."""
        valid = super().validate(extra_validators)
        return self.check_complete() and valid

    def check_complete(self) -> bool:
        """Mark each field the case still needs (a right unless a consultation, a patent's number,
        the facts or the question unless a draft); True when nothing is missing."""
        kind = self.kind.data
        missing = []
        if kind in CaseKind._value2member_map_ and kind != CaseKind.CONSULTATION.value:
            if not self.ip_type.data and not self.ip_type.errors:
                missing.append((self.ip_type, _l("Name the right that was infringed.")))
            elif (
                self.ip_type.data in IPType._value2member_map_
                and IPType(self.ip_type.data).is_patent
                and not self.ip_number.data
                and not self.ip_number.errors
            ):
                missing.append((self.ip_number, _l("Enter the patent number.")))
            if not self.saves_draft and not self.facts.data and not self.facts.errors:
                missing.append((self.facts, _l("Describe the facts of the infringement.")))
        elif kind == CaseKind.CONSULTATION.value and not self.saves_draft:
            if not (self.facts.data or self.help_wanted.data) and not self.help_wanted.errors:
                missing.append((self.help_wanted, _l("Write your question.")))
        for field, message in missing:
            field.errors = [*field.errors, str(message)]
        return not missing

    def evidence_files(self) -> list:
        """The files actually chosen (a browser sends one empty part when none is)."""
        return [f for f in (self.evidence.data or []) if getattr(f, "filename", "")]

    def amount_fen(self) -> int | None:
        value = self.claimed_amount.data
        return None if value is None else int(value * 100)

    def case_data(self) -> dict:
        """The case's fields as ``services.create_case`` and ``update_draft`` take them."""
        rights = []
        if self.ip_type.data:
            rights.append({"type": self.ip_type.data, "number": self.ip_number.data or "", "title": self.ip_title.data})
        respondent = {
            "name": self.respondent_name.data or "",
            "credit_code": self.respondent_credit_code.data or None,
            "address": self.respondent_address.data or None,
            "url": self.respondent_url.data or None,
        }
        respondents = [respondent] if any(respondent.values()) else []
        return {
            "kind": self.kind.data,
            "title": self.title.data or "",
            "rights": rights,
            "respondents": respondents,
            "facts": self.facts.data or "",
            "help_wanted": self.help_wanted.data or "",
            "claimed_amount_fen": self.amount_fen(),
        }

    def fill_from(self, case) -> None:
        """Show a draft's values (its first right and respondent) in the form."""
        self.kind.data = case.kind.value
        right = case.rights[0] if case.rights else None
        self.ip_type.data = right.type.value if right else ""
        self.ip_number.data = right.number if right else ""
        self.ip_title.data = right.title if right else ""
        respondent = case.respondents[0] if case.respondents else None
        self.respondent_name.data = respondent.name if respondent else ""
        self.respondent_credit_code.data = (respondent.credit_code or "") if respondent else ""
        self.respondent_address.data = (respondent.address or "") if respondent else ""
        self.respondent_url.data = (respondent.url or "") if respondent else ""
        self.title.data = case.title
        self.facts.data = case.facts
        self.help_wanted.data = case.help_wanted
        self.claimed_amount.data = (
            None
            if case.claimed_amount_fen is None
            else (Decimal(case.claimed_amount_fen) / 100).quantize(Decimal("0.01"))
        )


class CaseForm(CaseFields):
    """An applicant's complaint, request or question (also the form that edits a draft)."""

    version = HiddenField()

    @property
    def saves_draft(self) -> bool:
        return request.form.get("intent") == "draft"


class CreditCodeOfEnterprise:
    """The enterprise's credit code: required (and checked) when an enterprise complains, left empty for a
    person or an anonymous tip-off."""

    def __call__(self, form, field):
        if form.complainant_type.data in (ComplainantType.INDIVIDUAL.value, ComplainantType.ANONYMOUS.value):
            if (field.data or "").strip():
                raise ValidationError(_l("A person or an anonymous tip-off names no enterprise: leave this empty."))
            field.data = None
            return
        if not (field.data or "").strip():
            raise ValidationError(_l("This field is required."))
        CreditCode()(form, field)


class RecordForm(CaseFields):
    """Staff record a case from any channel for an enterprise given by its credit code, or for a natural
    person or an anonymous tip-off; a hotline case with its call.

    An enterprise not registered yet needs its name; its figures (industry, staff, revenue and, where
    the industry needs them, assets) come together or not at all: without them its size class is
    unknown until they are given (see ``missing_enterprise_fields``).
    """

    channel = SelectField(
        _l("Channel"), choices=Channel.choices, default=Channel.HOTLINE.value, validators=[required()]
    )
    complainant_type = SelectField(
        _l("Who complains"), choices=ComplainantType.choices, default=ComplainantType.ENTERPRISE.value
    )
    credit_code = CreditCodeField(_l("Enterprise's unified social credit code"), validators=[CreditCodeOfEnterprise()])
    enterprise_name = StringField(
        _l("Enterprise name"), filters=[strip_filter], validators=[Optional(), max_length(200)]
    )
    industry = SelectField(_l("Industry"), choices=_industry_choices, default="")
    staff_count = IntegerField(_l("Staff (persons)"), validators=[Optional(), not_negative()])
    revenue_wan = FigureField(_l("Operating revenue last year (10k yuan)"), validators=[Optional(), not_negative()])
    assets_wan = FigureField(
        _l("Total assets (10k yuan)"),
        validators=[Optional(), not_negative()],
        description=_l("Needed for construction, real-estate development, leasing and business services."),
    )
    is_specialised_new = BooleanField(_l("Recognised as a “specialised and new” SME"))
    is_little_giant = BooleanField(_l("Recognised as a “little giant” enterprise"))
    is_in_hardship = BooleanField(_l("In economic hardship"))
    complainant_name = StringField(
        _l("Complainant's name"),
        filters=[strip_filter],
        validators=[max_length(100)],
        description=_l("Required for a natural person; optional for an anonymous tip-off."),
    )
    complainant_phone = StringField(_l("Complainant's phone"), filters=[strip_filter], validators=[max_length(40)])
    caller_name = StringField(_l("Caller's name"), filters=[strip_filter], validators=[max_length(100)])
    caller_phone = StringField(_l("Caller's phone"), filters=[strip_filter], validators=[max_length(40)])
    called_at = DateTimeLocalField(
        _l("Time of the call"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        validators=[Optional()],
        description=_l("China time."),
    )
    call_ticket = StringField(_l("12330 ticket number"), filters=[strip_filter], validators=[max_length(40)])

    def validate_staff_count(self, field):
        if field.data is not None and field.data > 10_000_000:
            raise ValidationError(_l("This figure is too large."))

    def validate_complainant_name(self, field):
        if self.complainant_type.data == ComplainantType.INDIVIDUAL.value and not field.data:
            raise ValidationError(_l("Give the name of the person who complains."))

    @property
    def for_enterprise(self) -> bool:
        return self.complainant_type.data not in (ComplainantType.INDIVIDUAL.value, ComplainantType.ANONYMOUS.value)

    def missing_enterprise_fields(self) -> bool:
        """Mark the fields a new enterprise needs (its name; its figures all or none); True when one is missing."""
        message = _l("The enterprise is not registered yet: this field is needed to register it.")
        together = _l(
            "Give the industry, staff and revenue together, or none of them (the size class is then unknown)."
        )
        missing = False
        figures = [self.industry, self.staff_count, self.revenue_wan, self.assets_wan]
        needed = [(self.enterprise_name, message)]
        if any(f.data not in (None, "") for f in figures):
            needed += [(f, together) for f in figures[:3]]
            if self.industry.data in Industry._value2member_map_ and needs_assets(Industry(self.industry.data)):
                needed.append((self.assets_wan, message))
        for field, text in needed:
            if field.data in (None, "") and not field.errors:
                field.errors = [*field.errors, str(text)]
                missing = True
        return missing

    def enterprise_data(self) -> dict:
        return {
            "credit_code": self.credit_code.data,
            "name": self.enterprise_name.data,
            "industry": self.industry.data,
            "staff_count": self.staff_count.data,
            "revenue_wan": self.revenue_wan.data,
            "assets_wan": self.assets_wan.data,
            "is_specialised_new": bool(self.is_specialised_new.data),
            "is_little_giant": bool(self.is_little_giant.data),
            "is_in_hardship": bool(self.is_in_hardship.data),
        }

    def complainant_data(self) -> dict | None:
        """A person or tip-off as ``services.create_case`` takes it (None: the enterprise complains)."""
        if self.for_enterprise:
            return None
        return {
            "type": self.complainant_type.data,
            "name": self.complainant_name.data or "",
            "phone": self.complainant_phone.data or "",
        }

    def call_data(self) -> dict | None:
        """The call as ``services.create_case`` takes it; China time made aware."""
        from zoneinfo import ZoneInfo

        called_at = self.called_at.data
        if called_at is not None:
            called_at = called_at.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
        call = {
            "caller_name": self.caller_name.data or "",
            "caller_phone": self.caller_phone.data or "",
            "called_at": called_at,
            "ticket": self.call_ticket.data or "",
        }
        return call if any(v not in (None, "") for v in call.values()) else None


class ActionForm(AppForm):
    """A workflow action: the version the page showed and a comment. The action's own data
    (conditions, reason, rating) is read by the view and judged by the workflow's guards."""

    version = HiddenField()
    comment = TextAreaField(_l("Comment"), validators=[Optional(), max_length(10000)])


class NoteForm(AppForm):
    text = TextAreaField(
        _l("Internal note"),
        id="note-text",
        filters=[strip_filter],
        validators=[required(), max_length(10000)],
        description=_l("Only staff see internal notes."),
        render_kw={"rows": 3},
    )


class MessageForm(AppForm):
    text = TextAreaField(
        _l("Message"),
        id="message-text",
        filters=[strip_filter],
        validators=[required(), max_length(10000)],
        render_kw={"rows": 3},
    )


class RelatedForm(AppForm):
    number = StringField(
        _l("Number of the related case"),
        id="related-number",
        filters=[strip_filter],
        validators=[required(), max_length(40)],
        description=_l("E.g. CA-2026-00012"),
    )
