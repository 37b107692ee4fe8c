"""The vocabularies of a referral, with display labels in both languages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from app.core.enums import LabelledEnum


class ReferralState(LabelledEnum):
    PROPOSED = "proposed"  # decided by a caseworker, awaiting a supervisor's approval
    APPROVED = "approved"  # approved, the transfer letter not yet sent
    SENT = "sent"  # the letter is sent; the agency has not confirmed receipt
    RECEIVED = "received"  # the agency confirmed receipt
    CASE_OPENED = "case_opened"  # the agency opened a case (立案)
    NOT_OPENED = "not_opened"  # the agency decided not to open a case
    WITH_POLICE = "with_police"  # the agency transferred the matter to public security
    CONCLUDED = "concluded"  # the agency reported its outcome
    CLOSED = "closed"
    REFUSED = "refused"  # the supervisor did not approve the referral
    WITHDRAWN = "withdrawn"

    @classmethod
    def _labels(cls):
        return {
            cls.PROPOSED: lazy_pgettext("referral", "Awaiting approval"),
            cls.APPROVED: lazy_pgettext("referral", "Approved, to be sent"),
            cls.SENT: lazy_pgettext("referral", "Sent, receipt awaited"),
            cls.RECEIVED: lazy_pgettext("referral", "Received by the agency"),
            cls.CASE_OPENED: lazy_pgettext("referral", "Case opened by the agency"),
            cls.NOT_OPENED: lazy_pgettext("referral", "No case opened"),
            cls.WITH_POLICE: lazy_pgettext("referral", "Transferred to public security"),
            cls.CONCLUDED: lazy_pgettext("referral", "Outcome reported"),
            cls.CLOSED: lazy_pgettext("referral", "Closed"),
            cls.REFUSED: lazy_pgettext("referral", "Not approved"),
            cls.WITHDRAWN: lazy_pgettext("referral", "Withdrawn"),
        }

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATES

    @property
    def is_sent(self) -> bool:
        """With the agency: the letter is out and the referral is not over."""
        return self in WITH_AGENCY


OPEN_STATES = frozenset(
    {
        ReferralState.PROPOSED,
        ReferralState.APPROVED,
        ReferralState.SENT,
        ReferralState.RECEIVED,
        ReferralState.CASE_OPENED,
        ReferralState.NOT_OPENED,
        ReferralState.WITH_POLICE,
        ReferralState.CONCLUDED,
    }
)
# The letter is out and the agency has more to say: what the chase clock and the reply link serve.
WITH_AGENCY = frozenset(
    {ReferralState.SENT, ReferralState.RECEIVED, ReferralState.CASE_OPENED, ReferralState.WITH_POLICE}
)
OPEN_STATE_VALUES = tuple(sorted(s.value for s in OPEN_STATES))


class SendMethod(LabelledEnum):
    POST = "post"
    EMAIL = "email"
    PLATFORM = "platform"
    HAND = "hand"

    @classmethod
    def _labels(cls):
        return {
            cls.POST: _l("By post (registered mail)"),
            cls.EMAIL: _l("By e-mail"),
            cls.PLATFORM: _l("Through the online platform"),
            cls.HAND: _l("Delivered by hand"),
        }


class ReplyChannel(LabelledEnum):
    """How the agency's word reached the centre."""

    LINK = "link"  # the agency itself, through the signed link of the letter
    PHONE = "phone"
    LETTER = "letter"
    EMAIL = "email"

    @classmethod
    def _labels(cls):
        return {
            cls.LINK: _l("through the reply link of the letter"),
            cls.PHONE: _l("by telephone"),
            cls.LETTER: _l("by letter"),
            cls.EMAIL: _l("by e-mail"),
        }


class PoliceStep(LabelledEnum):
    """The steps of the State Council regulation on transferring suspected crimes (rev. 2020) that the
    agency reports and the case mirrors."""

    RECEIVED = "received"  # the police signed the receipt
    OPENED = "opened"  # the police opened a case
    NOT_OPENED = "not_opened"  # the police decided not to open a case
    RECONSIDERATION_ASKED = "reconsideration_asked"  # the agency asked for reconsideration (3 days)
    RECONSIDERATION_ANSWERED = "reconsideration_answered"  # the police answered it (3 days)

    @classmethod
    def _labels(cls):
        return {
            cls.RECEIVED: _l("The police signed the receipt"),
            cls.OPENED: _l("The police opened a case"),
            cls.NOT_OPENED: _l("The police decided not to open a case"),
            cls.RECONSIDERATION_ASKED: _l("The agency asked for reconsideration"),
            cls.RECONSIDERATION_ANSWERED: _l("The police answered the reconsideration"),
        }


class Ground(LabelledEnum):
    """Grounds a referral may state beside its facts."""

    REPEAT = "repeat"  # repeated infringement (the respondent's earlier cases are listed)
    WILFUL = "wilful"  # wilful infringement
    LARGE_SCALE = "large_scale"
    PUBLIC_INTEREST = "public_interest"

    @classmethod
    def _labels(cls):
        return {
            cls.REPEAT: _l("Repeated infringement"),
            cls.WILFUL: _l("Wilful infringement"),
            cls.LARGE_SCALE: _l("Large scale or large sums"),
            cls.PUBLIC_INTEREST: _l("Harm to the public interest"),
        }
