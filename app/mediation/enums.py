"""The vocabularies of a mediation, with display labels in both languages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from app.core.enums import LabelledEnum


class MediationState(LabelledEnum):
    REQUESTED = "requested"
    AWAITING_RESPONDENT = "awaiting_respondent"
    IN_MEDIATION = "in_mediation"
    SUSPENDED = "suspended"
    AGREED = "agreed"
    PERFORMED = "performed"
    UNPERFORMED = "unperformed"
    FAILED = "failed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"

    @classmethod
    def _labels(cls):
        return {
            cls.REQUESTED: lazy_pgettext("mediation", "Requested"),
            cls.AWAITING_RESPONDENT: lazy_pgettext("mediation", "Awaiting the respondent"),
            cls.IN_MEDIATION: lazy_pgettext("mediation", "In mediation"),
            cls.SUSPENDED: lazy_pgettext("mediation", "Suspended"),
            cls.AGREED: lazy_pgettext("mediation", "Agreed"),
            cls.PERFORMED: lazy_pgettext("mediation", "Performed"),
            cls.UNPERFORMED: lazy_pgettext("mediation", "Not performed"),
            cls.FAILED: lazy_pgettext("mediation", "Failed"),
            cls.REFUSED: lazy_pgettext("mediation", "Refused by the respondent"),
            cls.WITHDRAWN: lazy_pgettext("mediation", "Withdrawn"),
        }

    @property
    def is_open(self) -> bool:
        """Still being mediated (an agreement's performance is followed, but the mediation is over)."""
        return self in OPEN_STATES


OPEN_STATES = frozenset(
    {
        MediationState.REQUESTED,
        MediationState.AWAITING_RESPONDENT,
        MediationState.IN_MEDIATION,
        MediationState.SUSPENDED,
    }
)


class MediationScope(LabelledEnum):
    """What is mediated (Patent Law Implementing Rules art. 102)."""

    DAMAGES = "damages"
    OWNERSHIP = "ownership"
    INVENTORSHIP = "inventorship"
    REWARD = "reward"
    PRE_GRANT_USE = "pre_grant_use"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            cls.DAMAGES: _l("Infringement and damages"),
            cls.OWNERSHIP: _l("Ownership of the right to apply or of the patent"),
            cls.INVENTORSHIP: _l("Inventor or designer status"),
            cls.REWARD: _l("Reward or remuneration of an employee inventor"),
            cls.PRE_GRANT_USE: _l("Use between publication and grant"),
            cls.OTHER: _l("Other patent dispute"),
        }


class ServiceMethod(LabelledEnum):
    """How the respondent was served with the request."""

    POST = "post"
    EMAIL = "email"
    HAND = "hand"
    TELEPHONE = "telephone"
    PLATFORM = "platform"

    @classmethod
    def _labels(cls):
        return {
            cls.POST: _l("By registered post"),
            cls.EMAIL: _l("By e-mail"),
            cls.HAND: _l("By hand"),
            cls.TELEPHONE: _l("By telephone"),
            cls.PLATFORM: _l("Through the online platform"),
        }


class NextRoute(LabelledEnum):
    """Where the parties may go after a mediation that did not end in an agreement."""

    REFERRAL = "referral"
    ADMINISTRATIVE_RULING = "administrative_ruling"
    COURT = "court"

    @classmethod
    def _labels(cls):
        return {
            cls.REFERRAL: _l("Refer the lead to an enforcement agency"),
            cls.ADMINISTRATIVE_RULING: _l("Request an administrative ruling"),
            cls.COURT: _l("Bring the dispute before a court"),
        }
