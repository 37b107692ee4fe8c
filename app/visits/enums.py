"""The vocabularies of an on-site visit, with display labels in both languages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from app.core.enums import LabelledEnum


class VisitState(LabelledEnum):
    PLANNED = "planned"  # a supervisor planned it: which enterprises, who goes, when
    DONE = "done"  # recorded as done; some follow-ups are still open
    CLOSED = "closed"  # done and every follow-up done
    CANCELLED = "cancelled"  # a planned visit that will not take place

    @classmethod
    def _labels(cls):
        return {
            cls.PLANNED: lazy_pgettext("visit", "Planned"),
            cls.DONE: lazy_pgettext("visit", "Done, follow-ups open"),
            cls.CLOSED: lazy_pgettext("visit", "Closed"),
            cls.CANCELLED: lazy_pgettext("visit", "Cancelled"),
        }

    @property
    def counts(self) -> bool:
        """Whether a visit in this state counts toward the centre's monthly minimum."""
        return self in COUNTED_STATES


COUNTED_STATES = frozenset({VisitState.DONE, VisitState.CLOSED})
COUNTED_STATE_VALUES = tuple(sorted(s.value for s in COUNTED_STATES))


class Topic(LabelledEnum):
    POLICY_BRIEFING = "policy_briefing"
    IP_DIAGNOSIS = "ip_diagnosis"
    INFRINGEMENT_CHECK = "infringement_check"
    FUND_MEMBERSHIP = "fund_membership"
    TRAINING = "training"
    NEEDS_SURVEY = "needs_survey"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            cls.POLICY_BRIEFING: _l("Policy briefing"),
            cls.IP_DIAGNOSIS: _l("IP diagnosis"),
            cls.INFRINGEMENT_CHECK: _l("Infringement check"),
            cls.FUND_MEMBERSHIP: _l("Mutual-aid fund membership"),
            cls.TRAINING: _l("Training"),
            cls.NEEDS_SURVEY: _l("Needs survey"),
            cls.OTHER: lazy_pgettext("visit topic", "Other"),
        }
