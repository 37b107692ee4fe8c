"""The form that starts a fast mediation from the case page.

It reads what was typed; the service (``services.request_mediation``) judges it and gives every
reason it cannot start at once, so the form checks only what a browser could send wrong by itself
(lengths) and keeps what was typed for the page to show again.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Optional

from app.core.forms import AppForm, SelectField, max_length, strip_filter
from app.mediation import workflow
from app.mediation.enums import MediationScope


class StartMediationForm(AppForm):
    mediator = SelectField(
        _l("Mediator"),
        id="mediation-mediator",
        validate_choice=False,  # the service names a mediator who is not one (every reason at once)
        description=_l("A mediator of this centre or of a centre above it; you may also assign one later."),
    )
    scope = SelectField(_l("What is to be mediated"), id="mediation-scope", validate_choice=False)
    requests = TextAreaField(
        _l("The requester's requests"),
        id="mediation-requests",
        filters=[strip_filter],
        validators=[Optional(), max_length(workflow.MAX_TEXT)],
        render_kw={"rows": 3},
        description=_l("What the requester asks of the respondent, e.g. to stop selling and to pay damages."),
    )
    not_in_court = BooleanField(
        _l("The dispute is not before a court and no arbitration agreement covers it."),
        id="mediation-not-in-court",
    )

    def fill_choices(self, mediators: list[tuple[str, str]]) -> StartMediationForm:
        self.mediator.choices = [("", _l("— Assign later —")), *mediators]
        self.scope.choices = MediationScope.choices()
        if not self.scope.data:
            self.scope.data = MediationScope.DAMAGES.value
        return self
