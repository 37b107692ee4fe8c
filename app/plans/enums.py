"""The vocabularies of a rights-protection plan, with display labels in both languages.

The states carry the context "plan" (``lazy_pgettext``): "Approved" or "Issued" mean something
else for a fund request or a document.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from app.core.enums import LabelledEnum


class PlanState(LabelledEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    ISSUED = "issued"
    SUPERSEDED = "superseded"

    @classmethod
    def _labels(cls):
        return {
            cls.DRAFT: lazy_pgettext("plan", "Draft"),
            cls.IN_REVIEW: lazy_pgettext("plan", "In review"),
            cls.APPROVED: lazy_pgettext("plan", "Approved"),
            cls.ISSUED: lazy_pgettext("plan", "Issued"),
            cls.SUPERSEDED: lazy_pgettext("plan", "Superseded"),
        }

    @property
    def is_open(self) -> bool:
        """Being written or reviewed: not issued yet."""
        return self in OPEN_STATES

    @property
    def is_public(self) -> bool:
        """What the applicant's side may see: an issued plan and the ones it replaced."""
        return self in PUBLIC_STATES


OPEN_STATES = frozenset({PlanState.DRAFT, PlanState.IN_REVIEW, PlanState.APPROVED})
PUBLIC_STATES = frozenset({PlanState.ISSUED, PlanState.SUPERSEDED})


class Verdict(LabelledEnum):
    """How a feature of the accused product compares with the claim's (or the design's) feature."""

    IDENTICAL = "identical"
    EQUIVALENT = "equivalent"
    DIFFERENT = "different"
    UNDETERMINED = "undetermined"

    @classmethod
    def _labels(cls):
        return {
            cls.IDENTICAL: lazy_pgettext("comparison", "Identical"),
            cls.EQUIVALENT: lazy_pgettext("comparison", "Equivalent"),
            cls.DIFFERENT: lazy_pgettext("comparison", "Different"),
            cls.UNDETERMINED: lazy_pgettext("comparison", "Not yet determined"),
        }


class Route(LabelledEnum):
    """A way of enforcing the right that a plan may recommend (DOMAIN.md, Heilongjiang 12330)."""

    MEDIATION = "mediation"
    ADMINISTRATIVE_RULING = "administrative_ruling"
    PLATFORM_COMPLAINT = "platform_complaint"
    CUSTOMS_PROTECTION = "customs_protection"
    LITIGATION = "litigation"
    OVERSEAS_ACTION = "overseas_action"
    REFERRAL = "referral"

    @classmethod
    def _labels(cls):
        return {
            cls.MEDIATION: _l("Mediation"),
            cls.ADMINISTRATIVE_RULING: _l("Administrative ruling"),
            cls.PLATFORM_COMPLAINT: _l("Complaint to the e-commerce platform"),
            cls.CUSTOMS_PROTECTION: _l("Customs protection"),
            cls.LITIGATION: _l("Litigation"),
            cls.OVERSEAS_ACTION: _l("Action abroad"),
            cls.REFERRAL: _l("Referral to an enforcement agency"),
        }
