"""Forms of the privacy pages: agreeing to the notice, closing one's account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired

from app.auth.passwords import MAX_LENGTH
from app.core.forms import AppForm, max_length, required


class ConsentForm(AppForm):
    """Only the CSRF token: the button is the agreement."""


class CloseAccountForm(AppForm):
    password = PasswordField(_l("Your password"), validators=[required(), max_length(MAX_LENGTH)])
    confirm = BooleanField(
        _l("I understand that my account is closed for good and that I can no longer log in."),
        validators=[DataRequired(message=_l("Tick the box to confirm that you want to close your account."))],
    )
