"""The form that decides a referral on the case page (the actions use the one action form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Optional

from app.core.forms import AppForm, SelectField, SelectMultipleField, max_length, strip_filter
from app.referrals import workflow
from app.referrals.enums import Ground


class ReferForm(AppForm):
    agency = SelectField(_l("Agency"), id="referral-agency", validate_choice=False)
    grounds = TextAreaField(
        _l("Grounds for referring the lead"),
        id="referral-grounds",
        filters=[strip_filter],
        validators=[Optional(), max_length(workflow.MAX_TEXT)],
        render_kw={"rows": 4},
        description=_l(
            "Why the lead meets the agency's conditions for opening a case: what was found, since when, how much."
        ),
    )
    ground_kinds = SelectMultipleField(_l("Further grounds"), id="referral-ground-kinds", validate_choice=False)
    evidence = SelectMultipleField(_l("Evidence to send"), id="referral-evidence", validate_choice=False)
    override = TextAreaField(
        _l("Why this agency though it does not fit"),
        id="referral-override",
        filters=[strip_filter],
        validators=[Optional(), max_length(2000)],
        render_kw={"rows": 2},
        description=_l("Only when the agency chosen does not take the right or the region; the supervisor reads it."),
    )

    mediation = HiddenField()

    def fill_choices(self, agencies, attachments) -> ReferForm:
        self.agency.choices = [("", _l("— Choose —"))] + [
            (str(a.id), f"{a.name} · {a.kind.label}" + (f" ({'; '.join(str(m) for m in why)})" if why else ""))
            for a, why in agencies
        ]
        self.ground_kinds.choices = Ground.choices()
        self.evidence.choices = [(str(f.id), f.filename) for f in attachments]
        return self
