"""Imports every model and scope rule so metadata and scoping are complete."""

from app.agencies import scope as _agencies_scope  # noqa: F401,E402
from app.agencies.models import Agency  # noqa: F401,E402
from app.api.models import ApiToken  # noqa: F401,E402
from app.auth import scope as _auth_scope  # noqa: F401,E402
from app.auth.models import Role, User  # noqa: F401
from app.cases import scope as _cases_scope  # noqa: F401,E402
from app.cases.models import (  # noqa: F401
    Attachment,
    Case,
    CaseAuditHead,
    CaseEvent,
    CaseHandover,
    CaseLink,
    CaseRespondent,
    CaseRight,
    CaseSequence,
    Document,
)
from app.cases.staged import StagedUpload  # noqa: F401
from app.centres import scope as _centres_scope  # noqa: F401,E402
from app.centres.models import Centre, CentreLevel, CentreSetting  # noqa: F401
from app.clocks.models import CalendarDay, CalendarYear, CaseClock  # noqa: F401
from app.core.chains import AuditEvent, AuditHead  # noqa: F401
from app.core.document_numbers import DocumentSequence  # noqa: F401
from app.enterprises import scope as _enterprises_scope  # noqa: F401,E402
from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus  # noqa: F401
from app.fund import scope as _fund_scope  # noqa: F401,E402
from app.fund.models import Fund, FundCost, FundMembership, FundRequest, LedgerEntry  # noqa: F401,E402
from app.mediation import scope as _mediation_scope  # noqa: F401,E402
from app.mediation.models import Mediation, MediationSession  # noqa: F401,E402
from app.notifications.models import Notification  # noqa: F401
from app.plans import scope as _plans_scope  # noqa: F401,E402
from app.plans.models import Plan  # noqa: F401,E402
from app.privacy import access_log as _privacy_scope  # noqa: F401,E402
from app.privacy.models import PersonalDataRead  # noqa: F401,E402
from app.referrals import scope as _referrals_scope  # noqa: F401,E402
from app.referrals.models import Referral, ReferralReplyToken  # noqa: F401,E402
from app.reports.annual.models import AnnualReport  # noqa: F401,E402
from app.reports.models import MonthlyReport  # noqa: F401,E402
from app.respondents.keys import register_listeners as _register_respondent_keys  # noqa: E402
from app.visits import compliance as _visits_compliance  # noqa: F401,E402
from app.visits import reminders as _visits_reminders  # noqa: F401,E402
from app.visits import scope as _visits_scope  # noqa: F401,E402
from app.visits.models import (  # noqa: F401,E402
    Visit,
    VisitBreach,
    VisitEnterprise,
    VisitFile,
    VisitFollowUp,
    VisitProblem,
    VisitStaff,
)

_register_respondent_keys()  # respondents' name keys kept on every ORM write
