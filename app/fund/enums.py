"""The overseas mutual-aid fund's words: a request's states, the disputes and costs it covers, and
the ledger's kinds of movement and accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.enums import LabelledEnum


class FundRequestState(LabelledEnum):
    DRAFT = "draft"  # the applicant (or a caseworker for them) is putting it together
    SUBMITTED = "submitted"  # waiting for a caseworker's review; the review clock runs
    MORE_INFO = "more_info"  # documents asked for; the review clock is paused
    REVIEWED = "reviewed"  # reviewed; waiting for a supervisor's approval
    APPROVED = "approved"  # approved by a supervisor; waiting for a fund committee member
    GRANTED = "granted"  # approved twice: the amount is committed; paid out against invoices
    CLOSED = "closed"  # paid, or the rest released
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @classmethod
    def _labels(cls):
        return {
            cls.DRAFT: _l("Draft"),
            cls.SUBMITTED: _l("Submitted, under review"),
            cls.MORE_INFO: _l("More documents asked for"),
            cls.REVIEWED: _l("Reviewed, awaiting approval"),
            cls.APPROVED: _l("Approved, awaiting the fund committee"),
            cls.GRANTED: _l("Granted, being paid"),
            cls.CLOSED: _l("Closed"),
            cls.REJECTED: _l("Not granted"),
            cls.WITHDRAWN: _l("Withdrawn"),
        }

    @property
    def is_open(self) -> bool:
        return self not in (FundRequestState.CLOSED, FundRequestState.REJECTED, FundRequestState.WITHDRAWN)


S = FundRequestState
#: Before the second approval: what may still be withdrawn or refused.
UNDECIDED = frozenset({S.DRAFT, S.SUBMITTED, S.MORE_INFO, S.REVIEWED, S.APPROVED})
#: What counts against the rule "approved requests per enterprise per fund year".
COUNTED = frozenset({S.GRANTED, S.CLOSED})
OPEN_STATES = frozenset(s for s in S if s.is_open)


class DisputeType(LabelledEnum):
    LITIGATION = "litigation"
    INVALIDATION = "invalidation"
    CUSTOMS = "customs"
    TRADE_FAIR = "trade_fair"
    PLATFORM = "platform"
    SQUATTING = "squatting"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            cls.LITIGATION: _l("Overseas litigation"),
            cls.INVALIDATION: _l("Invalidation or opposition proceedings"),
            cls.CUSTOMS: _l("Customs detention"),
            cls.TRADE_FAIR: _l("Trade-fair complaint"),
            cls.PLATFORM: _l("E-commerce platform takedown"),
            cls.SQUATTING: _l("Trademark squatting"),
            cls.OTHER: _l("Other overseas dispute"),
        }


class CostKind(LabelledEnum):
    LAWYER = "lawyer"
    COURT = "court"
    OFFICIAL = "official"
    TRANSLATION = "translation"
    NOTARISATION = "notarisation"
    INVESTIGATION = "investigation"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            cls.LAWYER: _l("Lawyers' fees"),
            cls.COURT: _l("Court or arbitration fees"),
            cls.OFFICIAL: _l("Official fees"),
            cls.TRANSLATION: _l("Translation"),
            cls.NOTARISATION: _l("Notarisation and legalisation"),
            cls.INVESTIGATION: _l("Investigation and evidence"),
            cls.OTHER: _l("Other costs"),
        }


class Account(LabelledEnum):
    """The fund's three accounts: the money held (an asset) is always what is committed to granted
    requests plus what is still available (the fund's own money)."""

    BANK = "bank"
    AVAILABLE = "available"
    COMMITTED = "committed"

    @classmethod
    def _labels(cls):
        return {
            cls.BANK: _l("Money held"),
            cls.AVAILABLE: _l("Available"),
            cls.COMMITTED: _l("Committed"),
        }


class EntryKind(LabelledEnum):
    CONTRIBUTION = "contribution"  # a member's contribution
    GRANT = "grant"  # a government grant or donation
    OTHER_INCOME = "other_income"  # interest, money returned
    COMMITMENT = "commitment"  # a request granted: its amount set aside
    RELEASE = "release"  # what a closed request did not use, back to available
    PAYOUT = "payout"  # money paid against an invoice of a granted request
    CLAW_BACK = "claw_back"  # money recovered (fraud, double funding)

    @classmethod
    def _labels(cls):
        return {
            cls.CONTRIBUTION: _l("Member's contribution"),
            cls.GRANT: _l("Grant or donation"),
            cls.OTHER_INCOME: _l("Other income"),
            cls.COMMITMENT: _l("Commitment"),
            cls.RELEASE: _l("Release of a commitment"),
            cls.PAYOUT: _l("Payout"),
            cls.CLAW_BACK: _l("Claw-back"),
        }

    @property
    def is_income(self) -> bool:
        return self in INCOME


INCOME = frozenset({EntryKind.CONTRIBUTION, EntryKind.GRANT, EntryKind.OTHER_INCOME})
A = Account
#: Each kind of movement moves money from one account to another: (debit, credit).
POSTINGS = {
    EntryKind.CONTRIBUTION: (A.BANK, A.AVAILABLE),
    EntryKind.GRANT: (A.BANK, A.AVAILABLE),
    EntryKind.OTHER_INCOME: (A.BANK, A.AVAILABLE),
    EntryKind.CLAW_BACK: (A.BANK, A.AVAILABLE),
    EntryKind.COMMITMENT: (A.AVAILABLE, A.COMMITTED),
    EntryKind.RELEASE: (A.COMMITTED, A.AVAILABLE),
    EntryKind.PAYOUT: (A.COMMITTED, A.BANK),
}
#: The movements of a request (each names it).
REQUEST_KINDS = frozenset({EntryKind.COMMITMENT, EntryKind.RELEASE, EntryKind.PAYOUT, EntryKind.CLAW_BACK})
