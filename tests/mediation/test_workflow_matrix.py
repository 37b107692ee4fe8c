"""The mediation's workflow matrix: state × action × person → allowed (and where to), or refused and why.

The expectations below are a table written by hand from DOMAIN.md ("Fast mediation") and API.md
("Mediations"), not computed from ``app.mediation.workflow.ACTIONS``: if the rule table drifts (a role
gains an action, a state gains an exit, a guard disappears), a cell here fails. Every cell is checked
twice by ``tests.workflows.matrix.WorkflowMatrix``: what the page offers (``available_actions``) and
what the one door does, each attempt rolled back in a savepoint so the mediation stays in the state
under test. Every situation is reached through the door, from a request on an accepted case.

The people: the case's applicant, a caseworker and a supervisor of its centre, the mediator assigned,
another mediator of the same centre (who sees the mediation, being in scope, but takes no action on
it), an administrator and a fund committee member of the centre (who see it and act on nothing), a
caseworker of a sibling centre and another enterprise's applicant (to whom it does not exist).

The input each action is given, valid and not, is the ``INPUTS`` catalogue below (each with the
reasons it must be refused with), which ``test_workflow_stateful`` reuses as its oracle.

The doors' time is fixed (``at``): the mediation's door reads ``app.mediation.services.utcnow``, the
case's ``app.cases.services.utcnow``; it moves on a millisecond each time it is read, as time does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.cases import services as case_services
from app.cases.models import CaseEvent
from app.clocks.models import ClockName
from app.core.engine import ActionRefused
from app.core.workdays import CHINA
from app.extensions import db
from app.mediation import services, workflow
from app.mediation.enums import MediationState
from app.mediation.models import Mediation
from tests.conftest import new_case
from tests.workflows.matrix import WorkflowMatrix

# ---- the time the doors act at ------------------------------------------------------------------------


def china(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CHINA).astimezone(UTC)


# The matrix and the walks act on Tuesday 10 March 2026, 10:00 in China.
TODAY = date(2026, 3, 10)
NOW = china(2026, 3, 10)


class DoorTime:
    """What ``utcnow`` of the case and mediation services return: the time set, plus a millisecond
    each time it is read (two actions never happen at the same instant)."""

    def __init__(self):
        self.base = NOW
        self.ticks = 0

    def set(self, y, m, d, hh=10, mm=0) -> datetime:
        self.base, self.ticks = china(y, m, d, hh, mm), 0
        return self.base

    def __call__(self) -> datetime:
        self.ticks += 1
        return self.base + timedelta(milliseconds=self.ticks)


@pytest.fixture
def at(monkeypatch):
    """``at(2026, 3, 10, 9, 30)``: from now on both doors act at that China time (returned in UTC).
    Until it is called, they act at ``NOW``."""
    clock = DoorTime()
    monkeypatch.setattr(case_services, "utcnow", clock)
    monkeypatch.setattr(services, "utcnow", clock)
    return clock.set


# ---- the expected table -----------------------------------------------------------------------------

STAFF = frozenset({"caseworker", "mediator", "supervisor"})
MEDIATORS = frozenset({"mediator", "supervisor"})

# Who may ever take each action (API.md "Mediations"); anyone else is refused for their role (403).
WHO = {
    "assign_mediator": frozenset({"caseworker", "supervisor"}),
    "serve_respondent": STAFF,
    "respondent_agrees": STAFF,
    "respondent_refuses": STAFF,
    "schedule_session": MEDIATORS,
    "record_session": MEDIATORS,
    "suspend": MEDIATORS,
    "resume": MEDIATORS,
    "record_agreement": MEDIATORS,
    "record_failure": MEDIATORS,
    "withdraw": STAFF | {"applicant"},
    "record_performance": STAFF,
    "record_non_performance": STAFF,
    "record_judicial_confirmation": STAFF,
    "advise_next_route": STAFF,
}

# From each state, the actions that lead on and where to; any other action is refused for the state (422).
MOVES = {
    "requested": {
        "assign_mediator": "requested",
        "serve_respondent": "awaiting_respondent",
        "withdraw": "withdrawn",
    },
    "awaiting_respondent": {
        "assign_mediator": "awaiting_respondent",
        "respondent_agrees": "in_mediation",
        "respondent_refuses": "refused",
        "withdraw": "withdrawn",
    },
    "in_mediation": {
        "assign_mediator": "in_mediation",
        "schedule_session": "in_mediation",
        "record_session": "in_mediation",
        "suspend": "suspended",
        "record_agreement": "agreed",
        "record_failure": "failed",
        "withdraw": "withdrawn",
    },
    "suspended": {
        "assign_mediator": "suspended",
        "resume": "in_mediation",
        "record_failure": "failed",
        "withdraw": "withdrawn",
    },
    "agreed": {
        "record_performance": "performed",
        "record_non_performance": "unperformed",
        "record_judicial_confirmation": "agreed",
    },
    "performed": {"record_judicial_confirmation": "performed"},
    "unperformed": {"record_judicial_confirmation": "unperformed"},
    "failed": {"advise_next_route": "failed"},
    "refused": {"advise_next_route": "refused"},
    "withdrawn": {},
}
OPEN = frozenset({"requested", "awaiting_respondent", "in_mediation", "suspended"})

# The actions a closed case blocks (the mediation itself is no longer handled); what follows an
# agreement (its performance, its confirmation) and the advice after a failure still may be recorded,
# and the request may always be withdrawn.
NEED_OPEN_CASE = frozenset(
    {
        "assign_mediator",
        "serve_respondent",
        "respondent_agrees",
        "respondent_refuses",
        "schedule_session",
        "record_session",
        "suspend",
        "resume",
        "record_agreement",
        "record_failure",
    }
)
COMMENT_REQUIRED = frozenset(
    {"respondent_refuses", "suspend", "resume", "record_failure", "withdraw", "record_non_performance"}
)

# Phrases of the English reasons (reasons render in English outside a request).
ROLE_REASON = "Your role cannot take this action."
STATE_REASON = "Not possible while the mediation is"
CASE_CLOSED = "The case is no longer open."
ALREADY_CONFIRMED = "The judicial confirmation is already recorded."
COMMENT_MISSING = "A comment is required"
CHOOSE_MEDIATOR = "Choose a mediator."
NO_SUCH_MEDIATOR = "There is no active mediator with that e-mail address."
MEDIATOR_CENTRE = "must belong to the case's centre or to a centre above it"
SERVED_DATE = "Give the date the respondent was served"
SERVED_FUTURE = "cannot have been served on a day still to come"
SERVED_BEFORE_REQUEST = "cannot have been served before the mediation was requested"
SERVICE_METHOD = "Choose how the respondent was served."
ANSWER_DATE = "Give the day the answer arrived"
ANSWER_FUTURE = "An answer cannot arrive on a day still to come."
ANSWER_BEFORE_SERVICE = "The answer cannot arrive before the respondent was served."
STARTS_MISSING = "Give the date and time the session starts."
STARTS_PAST = "must start in the future"
PLACE_MISSING = "Give the place of the session or its online link."
PLACE_NOT_TEXT = "The place and the link must be text."
LINK_UNSAFE = "must be a web address starting with https://"
DURATION_BAD = "A session lasts from 15 minutes to 12 hours."
HELD_MISSING = "Give the date and time the session was held."
HELD_FUTURE = "cannot be recorded as held at a time still to come"
MINUTES_MISSING = "Write what happened at the session."
SESSION_UNKNOWN = "Choose one of the sessions scheduled and not yet held."
TERMS_MISSING = "Write the terms agreed, one per line."
TERMS_ON_VALIDITY = "The validity or ownership of the patent cannot be a term"
AMOUNT_NOT_A_SUM = "The amount must be a sum in yuan"
AMOUNT_NEGATIVE = "The amount cannot be negative."
AMOUNT_TOO_LARGE = "The amount is too large."
PERFORM_BY_MISSING = "Give the date by which the agreement is performed"
PERFORM_BY_PAST = "cannot be performed by a day already past"
PERFORM_BY_FAR = "Give a performance date within two years."
FACTS_MISSING = "Write the main facts."
ISSUES_MISSING = "Write the disputed issues."
LIABILITY_MISSING = "Write each party's liability."
METHOD_MISSING = "Write how it is performed."
COSTS_MISSING = "Write who bears the costs."
PERFORMED_DATE = "Give the day the agreement was performed"
PERFORMED_FUTURE = "cannot have been performed on a day still to come"
COURT_MISSING = "Name the court."
RULING_DATE = "Give the date of the ruling"
RULING_FUTURE = "The ruling cannot be dated in the future."
RULING_BEFORE_AGREEMENT = "The ruling cannot come before the agreement."
RULING_NUMBER_MISSING = "Give the ruling's number."
ROUTE_MISSING = "Choose the route the parties were advised to take."


def day(offset: int) -> str:
    """``TODAY`` moved by ``offset`` days, as a form sends it."""
    return (TODAY + timedelta(days=offset)).isoformat()


AGREEMENT = {
    "facts": "被请求人在电商平台销售与本专利相同的折叠式支架",
    "disputed_issues": "是否构成侵权及赔偿数额",
    "liability": "被请求人承担停止侵权和赔偿责任",
    "terms": ["被请求人立即停止销售侵权产品", "被请求人赔偿请求人人民币壹万伍仟元"],
    "amount_fen": 1_500_000,
    "perform_by": day(31),
    "performance_method": "银行转账",
    "costs_borne_by": "调解费用由各方自行承担",
}
_NO_AGREEMENT_TEXT = [FACTS_MISSING, ISSUES_MISSING, LIABILITY_MISSING, METHOD_MISSING, COSTS_MISSING]

# action -> [(comment, data, the reasons the input alone is refused with)]; the first is the valid input
# a step of the matrix gives. Every reason is checked on a mediation in a state the action leads on from,
# on the same day (``TODAY``), served ``TODAY`` and agreed ``TODAY`` (see ``test_each_input``).
INPUTS = {
    "assign_mediator": [
        (None, {"mediator": "mediator@city.cn"}, []),
        (None, {"mediator": " Mediator@City.cn "}, []),
        (None, {"mediator": "other-mediator@city.cn"}, []),  # another mediator of the case's centre
        (None, {"mediator": "mediator@province.cn"}, []),  # one of a centre above
        (None, {}, [CHOOSE_MEDIATOR]),
        (None, {"mediator": ""}, [CHOOSE_MEDIATOR]),
        (None, {"mediator": "caseworker@city.cn"}, [NO_SUCH_MEDIATOR]),
        (None, {"mediator": "nobody@nowhere.cn"}, [NO_SUCH_MEDIATOR]),
        (None, {"mediator": "retired-mediator@city.cn"}, [NO_SUCH_MEDIATOR]),
        (None, {"mediator": "mediator@sibling.cn"}, [MEDIATOR_CENTRE]),
        (None, {"mediator": 7}, [NO_SUCH_MEDIATOR]),
        (None, {"mediator": ["mediator@city.cn"]}, [NO_SUCH_MEDIATOR]),
    ],
    "serve_respondent": [
        (None, {"served_on": day(0), "method": "post"}, []),
        (None, {"served_on": day(-1), "method": "email"}, []),  # the day before it was recorded here
        (None, {"served_on": day(1), "method": "post"}, [SERVED_FUTURE]),
        (None, {"served_on": day(-9), "method": "hand"}, [SERVED_BEFORE_REQUEST]),
        (None, {"served_on": "10/03/2026", "method": "post"}, [SERVED_DATE]),
        (None, {"served_on": "2026-02-30", "method": "post"}, [SERVED_DATE]),
        (None, {"served_on": day(0), "method": "pigeon"}, [SERVICE_METHOD]),
        (None, {"served_on": day(0), "method": "POST"}, [SERVICE_METHOD]),
        (None, {}, [SERVED_DATE, SERVICE_METHOD]),
        (None, {"served_on": 20260310, "method": ["post"]}, [SERVED_DATE, SERVICE_METHOD]),
    ],
    "respondent_agrees": [
        ("被请求人同意调解", {}, []),
        (None, {"received_on": day(0)}, []),
        (None, {"received_on": ""}, []),  # empty: today
        (None, {"received_on": day(1)}, [ANSWER_FUTURE]),
        (None, {"received_on": day(-2)}, [ANSWER_BEFORE_SERVICE]),  # served today or yesterday
        (None, {"received_on": "yesterday"}, [ANSWER_DATE]),
        (None, {"received_on": ["2026-03-10"]}, [ANSWER_DATE]),
    ],
    "respondent_refuses": [
        ("被请求人书面表示不同意调解", {}, []),
        ("期满未答复", {"received_on": day(0)}, []),
        (None, {}, [COMMENT_MISSING]),
        ("  \n ", {"received_on": day(1)}, [ANSWER_FUTURE, COMMENT_MISSING]),
        ("拒绝", {"received_on": day(-2)}, [ANSWER_BEFORE_SERVICE]),
    ],
    "schedule_session": [
        (None, {"starts_at": "2026-03-12T14:00:00+08:00", "place": "中心二楼调解室"}, []),
        (
            None,
            {"starts_at": "2026-03-13T09:30", "online_url": "https://meet.example.cn/r/1", "duration_minutes": "90"},
            [],
        ),
        (None, {"starts_at": "2026-03-12T14:00:00Z", "place": "调解室", "duration_minutes": 720}, []),
        (None, {"starts_at": "2026-03-09T14:00:00+08:00", "place": "调解室"}, [STARTS_PAST]),
        (None, {"starts_at": "2026-03-12 14:00", "place": " ", "online_url": ""}, [PLACE_MISSING]),
        (None, {"starts_at": "2026-03-12T14:00", "online_url": "javascript:alert(1)"}, [LINK_UNSAFE]),
        (None, {"starts_at": "2026-03-12T14:00", "place": ["调解室"]}, [PLACE_NOT_TEXT]),
        (None, {"starts_at": "2026-03-12T14:00", "place": "调解室", "duration_minutes": 5}, [DURATION_BAD]),
        (None, {"starts_at": "2026-03-12T14:00", "place": "调解室", "duration_minutes": "²"}, [DURATION_BAD]),
        (None, {"starts_at": "2026-03-12T14:00", "place": "调解室", "duration_minutes": True}, [DURATION_BAD]),
        (None, {"starts_at": "3000-01-01T10:00", "place": "调解室"}, [STARTS_MISSING]),
        (None, {}, [STARTS_MISSING, PLACE_MISSING]),
    ],
    "record_session": [
        (None, {"held_at": "2026-03-10T09:00:00+08:00", "minutes": "双方陈述意见，约定再次协商"}, []),
        (None, {"held_at": "2026-03-10T10:03", "minutes": "达成初步意向", "session": ""}, []),
        (None, {"held_at": "2026-03-11T09:00:00+08:00", "minutes": "双方陈述意见"}, [HELD_FUTURE]),
        (None, {"held_at": "2026-03-10T09:00:00+08:00", "minutes": "   "}, [MINUTES_MISSING]),
        (None, {"held_at": "2026-03-10T09:00", "minutes": "纪要", "session": "999999"}, [SESSION_UNKNOWN]),
        (None, {"held_at": "2026-03-10T09:00", "minutes": "纪要", "session": {"id": 1}}, [SESSION_UNKNOWN]),
        (None, {}, [HELD_MISSING, MINUTES_MISSING]),
    ],
    "suspend": [
        ("被请求人已就涉案专利向国家知识产权局提出无效宣告请求并获受理", None, []),
        (None, None, [COMMENT_MISSING]),
    ],
    "resume": [
        ("国家知识产权局维持专利权有效", None, []),
        ("", None, [COMMENT_MISSING]),
    ],
    "record_agreement": [
        (None, AGREEMENT, []),
        (None, dict(AGREEMENT, terms="被请求人停止销售\n被请求人赔偿一万元", amount_fen=None), []),
        (None, dict(AGREEMENT, amount_fen=0, perform_by=day(0)), []),
        (None, dict(AGREEMENT, terms=["双方确认涉案专利权有效"]), [TERMS_ON_VALIDITY]),
        (None, dict(AGREEMENT, terms=["The patent shall be invalid."]), [TERMS_ON_VALIDITY]),
        (None, dict(AGREEMENT, terms=[]), [TERMS_MISSING]),
        (None, dict(AGREEMENT, terms=["赔偿", 3]), [TERMS_MISSING]),
        (None, dict(AGREEMENT, amount_fen=-1), [AMOUNT_NEGATIVE]),
        (None, dict(AGREEMENT, amount_fen="15000.555"), [AMOUNT_NOT_A_SUM]),
        (None, dict(AGREEMENT, amount_fen=1.5), [AMOUNT_NOT_A_SUM]),
        (None, dict(AGREEMENT, amount_fen=10**15), [AMOUNT_TOO_LARGE]),
        (None, dict(AGREEMENT, perform_by=day(-1)), [PERFORM_BY_PAST]),
        (None, dict(AGREEMENT, perform_by=day(800)), [PERFORM_BY_FAR]),
        (None, dict(AGREEMENT, perform_by="next month"), [PERFORM_BY_MISSING]),
        (None, dict(AGREEMENT, facts=" "), [FACTS_MISSING]),
        (None, {}, [TERMS_MISSING, PERFORM_BY_MISSING, *_NO_AGREEMENT_TEXT]),
    ],
    "record_failure": [
        ("双方对赔偿数额分歧过大", None, []),
        (None, None, [COMMENT_MISSING]),
    ],
    "withdraw": [
        ("请求人与被请求人已自行和解", None, []),
        ("\u3000", None, [COMMENT_MISSING]),
    ],
    "record_performance": [
        (None, {}, []),
        (None, {"performed_on": day(0)}, []),
        (None, {"performed_on": day(1)}, [PERFORMED_FUTURE]),
        (None, {"performed_on": "10.03.2026"}, [PERFORMED_DATE]),
    ],
    "record_non_performance": [
        ("被请求人逾期未支付赔偿款，已告知请求人可申请强制执行", None, []),
        (None, None, [COMMENT_MISSING]),
    ],
    "record_judicial_confirmation": [
        (None, {"court": "某市中级人民法院", "confirmed_on": day(0), "ruling_number": "（2026）某01民特1号"}, []),
        (
            None,
            {"court": "某市中级人民法院", "confirmed_on": day(1), "ruling_number": "（2026）某01民特1号"},
            [RULING_FUTURE],
        ),
        (
            None,
            {"court": "某市中级人民法院", "confirmed_on": day(-1), "ruling_number": "（2026）某01民特1号"},
            [RULING_BEFORE_AGREEMENT],
        ),
        (None, {"court": " ", "confirmed_on": day(0), "ruling_number": ""}, [COURT_MISSING, RULING_NUMBER_MISSING]),
        (None, {}, [COURT_MISSING, RULING_DATE, RULING_NUMBER_MISSING]),
    ],
    "advise_next_route": [
        ("建议请求行政裁决", {"route": "administrative_ruling"}, []),
        (None, {"route": "court"}, []),
        (None, {"route": "referral"}, []),
        (None, {"route": "arbitration"}, [ROUTE_MISSING]),
        (None, {"route": ["court"]}, [ROUTE_MISSING]),
        (None, {}, [ROUTE_MISSING]),
    ],
}


def given(action: str, index: int = 0) -> dict:
    """The ``comment``/``data`` keywords of ``INPUTS[action][index]``."""
    comment, data, _ = INPUTS[action][index]
    return {"comment": comment, "data": data}


# ---- the people --------------------------------------------------------------------------------------

ACTORS = [
    "applicant",
    "caseworker",
    "supervisor",
    "mediator",
    "other_mediator",
    "admin",
    "fund_committee",
    "sibling_caseworker",
    "other_applicant",
]
# Who sees a mediation of a case of the city centre filed by the city firm, and in which role they act.
SEES = frozenset(ACTORS) - {"sibling_caseworker", "other_applicant"}
ACTS_AS = {"applicant": "applicant", "caseworker": "caseworker", "supervisor": "supervisor", "mediator": "mediator"}


@pytest.fixture
def people(world, make_user):
    """Everyone of ``ACTORS`` (the assigned mediator is the city's ``mediator@city.cn``), and the
    mediators the inputs name beside them."""
    make_user(Role.MEDIATOR, centre=world.province, email="mediator@province.cn")
    make_user(Role.MEDIATOR, centre=world.sibling, email="mediator@sibling.cn")
    make_user(Role.MEDIATOR, centre=world.city, email="retired-mediator@city.cn", is_active=False)
    return {
        "applicant": world.applicant,
        "caseworker": world.users["caseworker"],
        "supervisor": world.users["supervisor"],
        "mediator": world.users["mediator"],
        "other_mediator": make_user(Role.MEDIATOR, centre=world.city, email="other-mediator@city.cn"),
        "admin": world.users["admin"],
        "fund_committee": world.users["fund_committee"],
        "sibling_caseworker": world.sibling_caseworker,
        "other_applicant": world.other_applicant,
    }


# ---- the mediations under test ------------------------------------------------------------------------

# Who takes each step when a situation is built (any of its roles would do).
STEP_ACTOR = {
    "serve_respondent": "caseworker",
    "respondent_agrees": "caseworker",
    "respondent_refuses": "caseworker",
    "schedule_session": "mediator",
    "record_session": "mediator",
    "suspend": "mediator",
    "resume": "mediator",
    "record_agreement": "mediator",
    "record_failure": "mediator",
    "withdraw": "applicant",
    "record_performance": "caseworker",
    "record_non_performance": "caseworker",
    "record_judicial_confirmation": "caseworker",
    "advise_next_route": "caseworker",
}
SERVED = ["serve_respondent"]
OPENED = [*SERVED, "respondent_agrees"]
AGREED = [*OPENED, "record_agreement"]
WITHDRAW_CASE = "withdraw the case"

# name -> the steps from a request (``WITHDRAW_CASE``: the applicant withdraws the case itself).
SITUATIONS = {
    "requested": [],
    "awaiting_respondent": SERVED,
    "in_mediation": OPENED,
    "in_mediation/session scheduled": [*OPENED, "schedule_session"],
    "in_mediation/resumed": [*OPENED, "suspend", "resume"],
    "suspended": [*OPENED, "suspend"],
    "agreed": AGREED,
    "agreed/confirmed": [*AGREED, "record_judicial_confirmation"],
    "performed": [*AGREED, "record_performance"],
    "performed/confirmed": [*AGREED, "record_performance", "record_judicial_confirmation"],
    "unperformed": [*AGREED, "record_non_performance"],
    "failed": [*OPENED, "record_failure"],
    "failed/while suspended": [*OPENED, "suspend", "record_failure"],
    "refused": [*SERVED, "respondent_refuses"],
    "withdrawn": [*SERVED, "withdraw"],
    # A case withdrawn takes the mediation under way with it; an agreed one stays agreed.
    "withdrawn/with its case, requested": [WITHDRAW_CASE],
    "withdrawn/with its case, in mediation": [*OPENED, WITHDRAW_CASE],
    "withdrawn/with its case, suspended": [*OPENED, "suspend", WITHDRAW_CASE],
    "agreed/case withdrawn": [*AGREED, WITHDRAW_CASE],
}
STATES = {name: name.split("/")[0] for name in SITUATIONS}


def request(world, case=None, *, mediator="mediator@city.cn", by="caseworker") -> Mediation:
    """A fast mediation of ``case`` (by default a new accepted case of the city firm), requested by a
    caseworker with the city's mediator assigned."""
    if case is None:
        case = accepted_case(world)
    return services.request_mediation(
        case, world.users[by], mediator=mediator, scope="damages", requests="请求停止侵权并赔偿损失", not_in_court=True
    )


def accepted_case(world, **fields):
    """A complaint of the city firm, accepted by a caseworker of the city centre."""
    return new_case(
        db.session, world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"], **fields
    )


def drive(m: Mediation, steps, people) -> Mediation:
    """Take ``steps`` through the doors, each with its first (valid) input."""
    for step in steps:
        if step == WITHDRAW_CASE:
            case_services.transition(m.case, "withdraw", people["applicant"], comment="申请人撤回投诉")
        else:
            services.transition(m, step, people[STEP_ACTOR[step]], **given(step))
    return m


def build(world, people, session, situation) -> Mediation:
    m = drive(request(world), SITUATIONS[situation], people)
    session.commit()
    return m


def case_open(situation) -> bool:
    return WITHDRAW_CASE not in SITUATIONS[situation]


def confirmed(situation) -> bool:
    return "record_judicial_confirmation" in SITUATIONS[situation]


def situation_reasons(action, *, case_is_open: bool, is_confirmed: bool) -> list[str]:
    """What blocks ``action`` because of the mediation and its case (shown on the page before any input)."""
    reasons = []
    if action in NEED_OPEN_CASE and not case_is_open:
        reasons.append(CASE_CLOSED)
    if action == "record_judicial_confirmation" and is_confirmed:
        reasons.append(ALREADY_CONFIRMED)
    return reasons


def blocked(situation, action, actor) -> list[str]:
    return situation_reasons(action, case_is_open=case_open(situation), is_confirmed=confirmed(situation))


# ---- the clocks a state runs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Track:
    """What a mediation went through: served, opened, agreed, judicial confirmation recorded."""

    served: bool = False
    opened: bool = False
    agreed: bool = False
    confirmed: bool = False


def clock_problems(clocks, state: str, history: Track, with_deadline: bool) -> list[str]:
    """How a mediation's clocks differ from what its state and history run: the reply clock only while
    the respondent is awaited; the mediation clock only in mediation or suspended (paused then), and
    none for a right without a fast deadline; confirmation and performance only after an agreement,
    performance until it is recorded, confirmation until the court's ruling is. One clock of each
    name at most, started once."""
    expected: set = set()
    if state == "awaiting_respondent":
        expected = {ClockName.REPLY}
    elif state in ("in_mediation", "suspended") and with_deadline:
        expected = {ClockName.MEDIATION}
    elif state in ("agreed", "performed", "unperformed"):
        expected = set() if history.confirmed else {ClockName.CONFIRMATION}
        if state == "agreed":
            expected.add(ClockName.PERFORMANCE)
    problems = []
    running = Counter(c.name for c in clocks if c.is_running)
    if set(running) != expected:
        problems.append(f"running {sorted(running)}, expected {sorted(expected)}")
    paused = {c.name for c in clocks if c.is_paused}
    if paused != ({ClockName.MEDIATION} if state == "suspended" and with_deadline else set()):
        problems.append(f"paused {sorted(paused)} while {state}")
    started = Counter(c.name for c in clocks)
    wanted = {
        ClockName.REPLY: int(history.served),
        ClockName.MEDIATION: int(history.opened and with_deadline),
        ClockName.CONFIRMATION: int(history.agreed),
        ClockName.PERFORMANCE: int(history.agreed),
    }
    if {name: started[name] for name in wanted} != wanted:
        problems.append(f"started {dict(started)}, expected {wanted}")
    return problems


def footprint(session, m) -> tuple:
    """The mediation's state and version, and the length of its case's chain, as stored."""
    events = select(func.count(CaseEvent.id)).where(CaseEvent.case_id == m.case_id).scalar_subquery()
    return tuple(session.execute(select(Mediation.state, Mediation.version, events).where(Mediation.id == m.id)).one())


MATRIX = WorkflowMatrix(
    door=services.DOOR,
    who=WHO,
    moves=MOVES,
    situations=STATES,
    actors=ACTORS,
    sees=lambda situation, actor: actor in SEES,
    acts_as=ACTS_AS.get,
    blocked=blocked,
    footprint=footprint,
    role_reason=ROLE_REASON,
    state_reason=STATE_REASON,
    inputs={action: given(action) for action in INPUTS},
    transition=services.transition,
    available_actions=services.available_actions,
)


def test_the_table_covers_every_action_and_state_of_the_rule_table():
    """A new action or state of the rule table must be given its row here (and its cells below)."""
    MATRIX.assert_covers()
    assert set(INPUTS) == set(WHO) == set(workflow.MEDIATIONS.actions)
    assert set(MOVES) == {s.value for s in MediationState}
    assert {s for s, moves in MOVES.items() if "withdraw" in moves} == OPEN
    assert {name.split("/")[0] for name in SITUATIONS} == set(MOVES)
    assert all(not reasons for action in INPUTS for c, d, reasons in INPUTS[action][:1])


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_matrix(world, people, session, at, situation):
    m = build(world, people, session, situation)
    assert m.state is MediationState(STATES[situation])
    assert m.case.state.is_open is case_open(situation)
    assert MATRIX.check(session, situation, m, people) == []


def history_of(situation) -> Track:
    steps = SITUATIONS[situation]
    return Track(
        served="serve_respondent" in steps,
        opened="respondent_agrees" in steps,
        agreed="record_agreement" in steps,
        confirmed="record_judicial_confirmation" in steps,
    )


@pytest.mark.parametrize("right", ["utility_model", "trademark"])
@pytest.mark.parametrize("situation", [s for s in SITUATIONS if "withdrawn" not in s or s == "withdrawn"])
def test_the_running_clocks_match_the_state(world, people, session, at, situation, right):
    """Each situation's clocks, for a right with a fast deadline and one without."""
    rights = {
        "utility_model": [{"type": "utility_model", "number": "202320123456.1", "title": "一种折叠式支架"}],
        "trademark": [{"type": "trademark", "number": "12345678", "title": "某某"}],
    }[right]
    m = drive(request(world, accepted_case(world, rights=rights)), SITUATIONS[situation], people)
    assert m.ip_type.value == right
    clocks = services.mediation_clocks(m)
    assert clock_problems(clocks, m.state.value, history_of(situation), right == "utility_model") == []
    assert {(c.subject_type, c.subject_id, c.case_id) for c in clocks} <= {("mediation", m.id, m.case_id)}
    assert all(c.responsible_id == people["mediator"].id for c in clocks)


def test_the_people_are_who_they_are_named_for(world, people, session, at):
    m = request(world)
    assert {name: p.role.value for name, p in people.items() if name in ACTS_AS} == ACTS_AS
    assert m.mediator_id == people["mediator"].id != people["other_mediator"].id
    assert people["other_mediator"].role is Role.MEDIATOR and people["other_mediator"].centre_id == m.case.centre_id
    # The mediator not assigned sees the mediation (their centre's) and is offered nothing on it.
    assert services.can_see_mediation(people["other_mediator"], m)
    assert services.available_actions(m, people["other_mediator"]) == []
    for outsider in ("sibling_caseworker", "other_applicant"):
        assert not services.can_see_mediation(people[outsider], m)


# ---- what the user gives --------------------------------------------------------------------------------

# A state each action leads on from, and the steps that bring a mediation there.
SOURCE_STEPS = {
    "requested": [],
    "awaiting_respondent": SERVED,
    "in_mediation": OPENED,
    "suspended": [*OPENED, "suspend"],
    "agreed": AGREED,
    "failed": [*OPENED, "record_failure"],
}
SOURCE_OF = {action: next(s for s in SOURCE_STEPS if s in MOVES and action in MOVES[s]) for action in INPUTS}


@pytest.mark.parametrize(
    "action, index",
    [pytest.param(a, i, id=f"{a}-{i}") for a in INPUTS for i in range(len(INPUTS[a]))],
)
def test_each_input(world, people, session, at, action, index):
    """Each input of the catalogue on a mediation the action leads on from, by a supervisor (who may
    take every staff action): valid input goes through, any other is refused with every reason at
    once and changes nothing."""
    m = drive(request(world), SOURCE_STEPS[SOURCE_OF[action]], people)
    session.commit()
    comment, data, reasons = INPUTS[action][index]
    before = footprint(session, m)
    actor = people["supervisor"]
    if not reasons:
        services.transition(m, action, actor, comment=comment, data=data)
        assert m.state.value == MOVES[SOURCE_OF[action]][action]
        session.flush()
        assert footprint(session, m)[1] == before[1] + 1
        return
    with pytest.raises(ActionRefused) as refused:
        services.transition(m, action, actor, comment=comment, data=data)
    texts = [str(r) for r in refused.value.reasons]
    assert not refused.value.forbidden
    assert [r for r in reasons if not any(r in t for t in texts)] == [], texts
    session.flush()
    assert footprint(session, m) == before


def test_a_session_scheduled_is_the_one_recorded_as_held(world, people, session, at):
    m = drive(request(world), [*OPENED, "schedule_session"], people)
    scheduled = m.sessions[0]
    offered = {c.action.name: c for c in services.available_actions(m, people["mediator"])}
    assert offered["record_session"].allowed
    at(2026, 3, 12, 17, 0)
    services.transition(
        m,
        "record_session",
        people["mediator"],
        data={"session": str(scheduled.id), "held_at": "2026-03-12T14:00:00+08:00", "minutes": "双方陈述意见"},
    )
    assert len(m.sessions) == 1 and scheduled.is_held and scheduled.sequence == 1
    with pytest.raises(ActionRefused) as refused:  # held once: no longer to be chosen
        services.transition(
            m,
            "record_session",
            people["mediator"],
            data={"session": str(scheduled.id), "held_at": "2026-03-12T16:00:00+08:00", "minutes": "再次"},
        )
    assert SESSION_UNKNOWN in " ".join(str(r) for r in refused.value.reasons)
