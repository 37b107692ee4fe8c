"""The vocabularies of a case, with display labels in both languages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.enums import LabelledEnum


class CaseKind(LabelledEnum):
    COMPLAINT = "complaint"
    ASSISTANCE = "assistance"
    CONSULTATION = "consultation"
    OVERSEAS = "overseas"

    @classmethod
    def _labels(cls):
        return {
            cls.COMPLAINT: _l("Complaint"),
            cls.ASSISTANCE: _l("Assistance request"),
            cls.CONSULTATION: _l("Consultation"),
            cls.OVERSEAS: _l("Overseas dispute"),
        }


class Channel(LabelledEnum):
    WEB = "web"
    HOTLINE = "hotline"
    WALK_IN = "walk_in"
    LETTER = "letter"
    EMAIL = "email"
    VISIT = "visit"
    TRANSFER = "transfer"
    PLATFORM = "platform"

    @classmethod
    def _labels(cls):
        return {
            cls.WEB: _l("Web portal"),
            cls.HOTLINE: _l("12330 hotline"),
            cls.WALK_IN: _l("At the desk"),
            cls.LETTER: _l("Letter"),
            cls.EMAIL: _l("E-mail message"),
            cls.VISIT: _l("On-site visit"),
            cls.TRANSFER: _l("Transfer from another centre"),
            cls.PLATFORM: _l("National platform"),
        }


class ComplainantType(LabelledEnum):
    """Who brings the case: a registered enterprise, a natural person, or an anonymous tip-off."""

    ENTERPRISE = "enterprise"
    INDIVIDUAL = "individual"
    ANONYMOUS = "anonymous"

    @classmethod
    def _labels(cls):
        return {
            cls.ENTERPRISE: _l("An enterprise"),
            cls.INDIVIDUAL: _l("A natural person"),
            cls.ANONYMOUS: _l("An anonymous tip-off"),
        }


class IPType(LabelledEnum):
    INVENTION_PATENT = "invention_patent"
    UTILITY_MODEL = "utility_model"
    DESIGN = "design"
    TRADEMARK = "trademark"
    COPYRIGHT = "copyright"
    GEOGRAPHICAL_INDICATION = "geographical_indication"
    TRADE_SECRET = "trade_secret"
    PLANT_VARIETY = "plant_variety"
    IC_LAYOUT = "ic_layout"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            cls.INVENTION_PATENT: _l("Invention patent"),
            cls.UTILITY_MODEL: _l("Utility model patent"),
            cls.DESIGN: _l("Design patent"),
            cls.TRADEMARK: _l("Trademark"),
            cls.COPYRIGHT: _l("Copyright"),
            cls.GEOGRAPHICAL_INDICATION: _l("Geographical indication"),
            cls.TRADE_SECRET: _l("Trade secret"),
            cls.PLANT_VARIETY: _l("Plant variety"),
            cls.IC_LAYOUT: _l("Integrated circuit layout design"),
            cls.OTHER: _l("Other"),
        }

    @property
    def is_patent(self) -> bool:
        return self in (IPType.INVENTION_PATENT, IPType.UTILITY_MODEL, IPType.DESIGN)


class CaseState(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    AWAITING_MATERIAL = "awaiting_material"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    @classmethod
    def _labels(cls):
        return {
            cls.DRAFT: _l("Draft"),
            cls.SUBMITTED: _l("Submitted"),
            cls.ACKNOWLEDGED: _l("Acknowledged"),
            cls.AWAITING_MATERIAL: _l("Awaiting material"),
            cls.ACCEPTED: _l("Accepted"),
            cls.DECLINED: _l("Declined"),
            cls.IN_PROGRESS: _l("In progress"),
            cls.RESOLVED: _l("Resolved"),
            cls.CLOSED: _l("Closed"),
            cls.WITHDRAWN: _l("Withdrawn"),
        }

    @property
    def is_open(self) -> bool:
        return self not in (CaseState.DECLINED, CaseState.CLOSED, CaseState.WITHDRAWN)


OPEN_STATES = tuple(s for s in CaseState if s.is_open)
# The cases whose running deadlines are on the escalation board: the open ones, and declined ones (a
# decline's feedback clock runs until the applicant is told). As SQL with the values written out, for
# the partial index that serves the board (``ix_cases_board``) and the board's query, which must match.
BOARD_STATES = (*OPEN_STATES, CaseState.DECLINED)
BOARD_STATES_SQL = "state IN ({})".format(", ".join(f"'{s.value}'" for s in BOARD_STATES))


class DeclineReason(LabelledEnum):
    OUT_OF_SCOPE = "out_of_scope"
    NOT_ELIGIBLE = "not_eligible"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence"
    OUTSIDE_JURISDICTION = "outside_jurisdiction"
    PENDING_ELSEWHERE = "pending_elsewhere"
    DUPLICATE = "duplicate"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            cls.OUT_OF_SCOPE: _l("Outside the centre's scope of assistance"),
            cls.NOT_ELIGIBLE: _l("The applicant is not eligible"),
            cls.INSUFFICIENT_EVIDENCE: _l("Facts and evidence are insufficient"),
            cls.OUTSIDE_JURISDICTION: _l("Outside the centre's jurisdiction"),
            cls.PENDING_ELSEWHERE: _l("Already before a court or an enforcement agency"),
            cls.DUPLICATE: _l("Duplicate of another case"),
            cls.OTHER: _l("Other reason"),
        }


class AcceptanceCondition(LabelledEnum):
    """The acceptance conditions of DOMAIN.md (12330 local practice); each must be confirmed."""

    REAL_NAME = "real_name"
    NAMED_RESPONDENT = "named_respondent"
    FACTS_AND_EVIDENCE = "facts_and_evidence"
    WITHIN_JURISDICTION = "within_jurisdiction"
    NOT_PENDING_ELSEWHERE = "not_pending_elsewhere"

    @classmethod
    def _labels(cls):
        return {
            cls.REAL_NAME: _l("The applicant gave their real name"),
            cls.NAMED_RESPONDENT: _l("There is a named respondent"),
            cls.FACTS_AND_EVIDENCE: _l("Concrete facts and evidence are given"),
            cls.WITHIN_JURISDICTION: _l("The matter is within the centre's jurisdiction"),
            cls.NOT_PENDING_ELSEWHERE: _l(
                "It is not already before a court or an enforcement agency (unless transferred by another centre)"
            ),
        }


class DocumentKind(LabelledEnum):
    ACCEPTANCE_NOTICE = "acceptance_notice"
    NON_ACCEPTANCE_NOTICE = "non_acceptance_notice"
    CASE_SUMMARY = "case_summary"
    # Documents of the tracks handled under a case (app.mediation, app.plans).
    MEDIATION_AGREEMENT = "mediation_agreement"
    MEDIATION_TERMINATION = "mediation_termination"
    PROTECTION_PLAN = "protection_plan"
    TRANSFER_LETTER = "transfer_letter"
    CHASE_LETTER = "chase_letter"
    # The record of an on-site visit (上门服务记录表, app.visits): a document of no case.
    VISIT_RECORD = "visit_record"
    # The overseas mutual-aid fund (app.fund): a request's decision or refusal, and a fund's statement
    # (a document of no case).
    FUND_DECISION = "fund_decision"
    FUND_REFUSAL = "fund_refusal"
    FUND_STATEMENT = "fund_statement"
    # Reports (app.reports): a centre's monthly report and its annual report on SME work (no case).
    MONTHLY_REPORT = "monthly_report"
    ANNUAL_REPORT = "annual_report"

    @classmethod
    def _labels(cls):
        return {
            cls.ACCEPTANCE_NOTICE: _l("Acceptance notice"),
            cls.NON_ACCEPTANCE_NOTICE: _l("Non-acceptance notice"),
            cls.CASE_SUMMARY: _l("Case summary"),
            cls.MEDIATION_AGREEMENT: _l("Mediation agreement"),
            cls.MEDIATION_TERMINATION: _l("Notice of termination of mediation"),
            cls.PROTECTION_PLAN: _l("Rights-protection plan"),
            cls.TRANSFER_LETTER: _l("Transfer letter"),
            cls.CHASE_LETTER: _l("Letter chasing the agency"),
            cls.VISIT_RECORD: _l("On-site service record"),
            cls.FUND_DECISION: _l("Fund support decision"),
            cls.FUND_REFUSAL: _l("Decision not to grant fund support"),
            cls.FUND_STATEMENT: _l("Fund statement"),
            cls.MONTHLY_REPORT: _l("Monthly report"),
            cls.ANNUAL_REPORT: _l("Annual report on SME work"),
        }


class HandoverKind(LabelledEnum):
    HANDOVER = "handover"  # to a named colleague of the same centre
    TRANSFER = "transfer"  # to another centre

    @classmethod
    def _labels(cls):
        return {cls.HANDOVER: _l("Handover"), cls.TRANSFER: _l("Transfer to another centre")}


class HandoverStatus(LabelledEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # the case closed or was withdrawn before anyone answered

    @classmethod
    def _labels(cls):
        return {
            cls.OFFERED: _l("Offered"),
            cls.ACCEPTED: _l("Accepted"),
            cls.DECLINED: _l("Declined"),
            cls.CANCELLED: _l("Cancelled"),
        }
