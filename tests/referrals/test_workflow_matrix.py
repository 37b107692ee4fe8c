"""The referral's workflow matrix: state × action × person → allowed (and where to), or refused and why.

The expectations are a table written by hand from DOMAIN.md ("Referral to administrative enforcement")
and API.md ("Referrals"), not computed from ``app.referrals.workflow.ACTIONS``: if the rule table drifts
(a role gains an action, a state an exit, a guard disappears), a cell fails. Every cell is checked twice
by ``tests.workflows.matrix.WorkflowMatrix``: what the page offers and what ``services.transition`` does,
each attempt rolled back in a savepoint. Every situation is reached through the door from ``refer``.

The people: the case's applicant (who sees a referral once its letter is sent), a caseworker (who
proposes), the centre's supervisor and a second one, its mediator, administrator and fund committee
member (who see it and act on nothing), a sibling centre's caseworker and another enterprise's
applicant (to whom it does not exist), the agency acting through its reply link (the pseudo-role
``Party.AGENCY``: ``reply.AgencyActor`` of the referral's newest token, or bound to the referral before
any token exists) and the agency of another referral (to whom this one does not exist). Whether a
link still works is the reply page's check (``test_replies``); the door sees the pseudo-role.

The input each action is given, valid and not, is ``INPUTS`` below (each row with the reasons it is
refused with), which ``test_workflow_stateful`` reuses as its oracle. Reasons are matched on phrases of
their Chinese text (services run in the app's context, in its default language). The door acts at a
fixed time (``at``): the letter is sent, and everything answered, on ``TODAY``.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.cases import services as case_services
from app.cases.models import CaseEvent
from app.clocks.models import CaseClock
from app.core.engine import ActionRefused
from app.core.workdays import CHINA
from app.referrals import reply, services, workflow
from app.referrals.enums import ReferralState
from app.referrals.models import Referral, ReferralReplyToken
from tests.workflows.matrix import WorkflowMatrix

TODAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=CHINA).astimezone(UTC)


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


class DoorTime:
    """``utcnow`` of the referral and case services: the time set, plus a millisecond per reading."""

    def __init__(self):
        self.base, self.ticks = NOW, 0

    def set(self, y, m, d, hh=10, mm=0) -> datetime:
        self.base, self.ticks = datetime(y, m, d, hh, mm, tzinfo=CHINA).astimezone(UTC), 0
        return self.base

    def __call__(self) -> datetime:
        self.ticks += 1
        return self.base + timedelta(milliseconds=self.ticks)


@pytest.fixture
def ctx(app):
    """The app's context: the services' reasons read in its default language, Chinese."""
    with app.app_context():
        yield


@pytest.fixture
def at(monkeypatch):
    clock = DoorTime()
    monkeypatch.setattr(case_services, "utcnow", clock)
    monkeypatch.setattr(services, "utcnow", clock)
    return clock.set


# ---- the expected table -----------------------------------------------------------------------------

STAFF = frozenset({"caseworker", "supervisor"})
STAFF_OR_AGENCY = STAFF | {"agency"}
WHO = {
    "approve": frozenset({"supervisor"}),
    "refuse": frozenset({"supervisor"}),
    "send": STAFF,
    "record_receipt": STAFF_OR_AGENCY,
    "record_decision": STAFF_OR_AGENCY,
    "record_no_case": STAFF_OR_AGENCY,
    "record_outcome": STAFF_OR_AGENCY,
    "record_police_transfer": STAFF_OR_AGENCY,
    "record_police_step": STAFF_OR_AGENCY,
    "chase": STAFF,
    "close": STAFF,
    "withdraw": STAFF,
}
AGENCY_ACTIONS = frozenset(a for a, roles in WHO.items() if "agency" in roles)
MOVES = {
    "proposed": {"approve": "approved", "refuse": "refused", "withdraw": "withdrawn"},
    "approved": {"send": "sent", "withdraw": "withdrawn"},
    "sent": {
        "record_receipt": "received",
        "record_decision": "case_opened",
        "record_no_case": "not_opened",
        "chase": "sent",
        "close": "closed",
        "withdraw": "withdrawn",
    },
    "received": {
        "record_decision": "case_opened",
        "record_no_case": "not_opened",
        "record_police_transfer": "with_police",
        "chase": "received",
        "close": "closed",
        "withdraw": "withdrawn",
    },
    "case_opened": {
        "record_outcome": "concluded",
        "record_police_transfer": "with_police",
        "chase": "case_opened",
        "close": "closed",
        "withdraw": "withdrawn",
    },
    "with_police": {
        "record_outcome": "concluded",
        "record_police_step": "with_police",
        "chase": "with_police",
        "close": "closed",
    },
    "not_opened": {"close": "closed"},
    "concluded": {"close": "closed"},
    "closed": {},
    "refused": {},
    "withdrawn": {},
}
WITH_AGENCY = frozenset({"sent", "received", "case_opened", "with_police"})
NOT_SENT = frozenset({"proposed", "approved", "refused"})
OVER = frozenset({"closed", "withdrawn", "concluded", "not_opened", "refused"})
NEED_OPEN_CASE = frozenset({"approve", "send"})
COMMENT_REQUIRED = frozenset({"refuse", "close", "withdraw"})

# Phrases of the Chinese reasons.
ROLE_REASON = "您的角色无权执行此操作。"
STATE_REASON = "状态，不能进行此操作"
CASE_CLOSED = "该案件已办结"
NOT_PROPOSER = "须由另一名负责人审批"
MISMATCH = "如仍要移送该部门，请在意见中说明理由"
COMMENT_MISSING = "此操作须填写意见"
CHOOSE_METHOD = "请选择移送函的送达方式"
NO_EMAIL = "名录中没有该部门的电子邮箱"
CHANNEL = "请说明执法部门的告知方式"
DATE_BAD = "日期（YYYY-MM-DD）"
FUTURE = "日期不能晚于今天"
BEFORE_SENT = "日期不能早于发函日期"
NUMBER_LONG = "执法部门立案号不超过100字"
REASON_MISSING = "请填写执法部门不予立案的理由"
REASON_LONG = "理由过长"
NOT_A_SUM = "罚款金额须为以元为单位的数字"
NEGATIVE = "罚款金额不能为负数"
TOO_LARGE = "罚款金额过大"
SUMMARY_MISSING = "请简要说明执法部门的处理决定"
SUMMARY_LONG = "处理结果说明过长"
GOODS_LONG = "查扣物品说明不超过2,000字"
STOP_BAD = "请说明执法部门是否责令停止侵权"
CHOOSE_STEP = "请选择执法部门告知的办理环节"
STEP_DONE = "该环节已记录"
POLICE_DECIDED = "公安机关的立案决定已记录"
EARLIER_STEP = "请先记录前一环节"
STEP_FLOOR = "该步骤不能早于移送或上一步骤"
NOTE_LONG = "备注不超过2,000字"

OUTCOME = {"summary": "责令停止侵权并罚款五万元", "penalty_fen": 5_000_000}
# action -> [(comment, data, the reasons the input alone is refused with)], the data as the agency gives
# it (staff add how its word reached them: ``CHANNELS``); the first row is valid. Each row holds on a
# referral in a state the action leads on from, sent ``TODAY`` to an agency with an e-mail address, no
# police step recorded yet (``test_each_input``).
INPUTS = {
    # approved with a comment (which keeps an agency that does not fit), or without one
    "approve": [("同意移送：该局对此类线索有管辖权", {}, []), (None, None, [])],
    "refuse": [("线索证据不足，暂不移送", None, []), (None, None, [COMMENT_MISSING]), (" \n", {}, [COMMENT_MISSING])],
    "send": [
        (None, {"method": "post"}, []),
        (None, {"method": "email"}, []),
        ("当面递交", {"method": "hand"}, []),
        (None, {}, [CHOOSE_METHOD]),
        (None, {"method": "pigeon"}, [CHOOSE_METHOD]),
        (None, {"method": "POST"}, [CHOOSE_METHOD]),
        (None, {"method": ["post"]}, [CHOOSE_METHOD]),
    ],
    "record_receipt": [
        (None, {}, []),
        (None, {"received_on": day(0)}, []),
        (None, {"received_on": ""}, []),
        (None, {"received_on": day(1)}, [FUTURE]),
        (None, {"received_on": day(-1)}, [BEFORE_SENT]),
        (None, {"received_on": "2026/03/10"}, [DATE_BAD]),
        (None, {"received_on": 20260310}, [DATE_BAD]),
    ],
    "record_decision": [
        (None, {"agency_case_number": "市监处〔2026〕88号"}, []),
        (None, {}, []),
        (None, {"decided_on": day(0), "agency_case_number": ""}, []),
        (None, {"decided_on": day(1)}, [FUTURE]),
        (None, {"decided_on": day(-3)}, [BEFORE_SENT]),
        (None, {"agency_case_number": "号" * 101}, [NUMBER_LONG]),
        (None, {"agency_case_number": 88, "decided_on": "明天"}, [NUMBER_LONG, DATE_BAD]),
    ],
    "record_no_case": [
        (None, {"reason": "证据不足以证明侵权"}, []),
        (None, {"reason": "不属于本部门管辖", "decided_on": day(0)}, []),
        (None, {}, [REASON_MISSING]),
        (None, {"reason": " \u3000"}, [REASON_MISSING]),
        (None, {"reason": ["证据不足"]}, [REASON_MISSING]),
        (None, {"reason": "理" * 5001}, [REASON_LONG]),
        (None, {"reason": "证据不足", "decided_on": day(2)}, [FUTURE]),
    ],
    "record_outcome": [
        (None, OUTCOME, []),
        (
            None,
            {"summary": "责令停止侵权", "penalty_fen": None, "stop_ordered": "y", "goods_seized": "侵权产品200件"},
            [],
        ),
        (None, {"summary": "警告", "penalty_fen": 0, "outcome_on": day(0), "stop_ordered": False}, []),
        (None, {"summary": "罚款", "penalty_fen": -100}, [NEGATIVE]),
        (None, {"summary": "罚款", "penalty_fen": "100"}, [NOT_A_SUM]),
        (None, {"summary": "罚款", "penalty_fen": 1.5}, [NOT_A_SUM]),
        (None, {"summary": "罚款", "penalty_fen": True}, [NOT_A_SUM]),
        (None, {"summary": "罚款", "penalty_fen": 10**13 + 1}, [TOO_LARGE]),
        (None, {}, [SUMMARY_MISSING]),
        (None, {"summary": "结" * 5001, "penalty_fen": -1}, [SUMMARY_LONG, NEGATIVE]),
        (None, {"summary": "查扣", "goods_seized": "货" * 2001, "stop_ordered": "maybe"}, [GOODS_LONG, STOP_BAD]),
        (None, {"summary": "罚款", "outcome_on": day(1)}, [FUTURE]),
        (None, {"summary": "罚款", "outcome_on": day(-1)}, [BEFORE_SENT]),
    ],
    "record_police_transfer": [
        (None, {"transferred_on": day(0)}, []),
        (None, {}, [DATE_BAD]),
        (None, {"transferred_on": "yesterday"}, [DATE_BAD]),
        (None, {"transferred_on": day(1)}, [FUTURE]),
        (None, {"transferred_on": day(-1)}, [BEFORE_SENT]),
    ],
    "record_police_step": [
        (None, {"step": "received", "on": day(0)}, []),
        (None, {"step": "received", "on": day(0), "note": "公安机关签收移送材料"}, []),
        (None, {"step": "opened", "on": day(0)}, [EARLIER_STEP]),
        (None, {"step": "reconsideration_asked", "on": day(0)}, [EARLIER_STEP]),
        (None, {"step": "arrested", "on": day(0)}, [CHOOSE_STEP]),
        (None, {}, [CHOOSE_STEP]),
        (None, {"step": "received"}, [DATE_BAD]),
        (None, {"step": "received", "on": day(1)}, [FUTURE]),
        (None, {"step": "received", "on": day(-1)}, [BEFORE_SENT]),
        (None, {"step": "received", "on": day(0), "note": "注" * 2001}, [NOTE_LONG]),
    ],
    "chase": [(None, None, []), ("已电话催办", {}, [])],
    "close": [("执法部门已作出处理，本次移送办结", None, []), (None, None, [COMMENT_MISSING])],
    "withdraw": [("双方已和解，撤回移送", None, []), ("", {}, [COMMENT_MISSING])],
}
CHANNELS = {"phone": True, "letter": True, "email": True, "link": False, "fax": False, None: False}


def given(action: str, index: int = 0, channel="phone") -> dict:
    """The ``comment``/``data`` keywords of ``INPUTS[action][index]``, with ``channel`` for staff."""
    comment, data, _ = INPUTS[action][index]
    if action in AGENCY_ACTIONS and channel is not None:
        data = {**(data or {}), "channel": channel}
    return {"comment": comment, "data": data}


# ---- the people ----------------------------------------------------------------------------------------

ACTORS = [
    "applicant",
    "caseworker",
    "supervisor",
    "second_supervisor",
    "mediator",
    "admin",
    "fund_committee",
    "sibling_caseworker",
    "other_applicant",
    "agency",
    "other_agency",
]
CITY_STAFF = frozenset({"caseworker", "supervisor", "second_supervisor", "mediator", "admin", "fund_committee"})
ACTS_AS = {
    "caseworker": "caseworker",
    "supervisor": "supervisor",
    "second_supervisor": "supervisor",
    "agency": "agency",
}


def sees(person: str, sent: bool) -> bool:
    if person in CITY_STAFF or person == "agency":
        return True
    return person == "applicant" and sent


@pytest.fixture
def people(world, second_supervisor):
    return {
        "applicant": world.applicant,
        "caseworker": world.users["caseworker"],
        "supervisor": world.users["supervisor"],
        "second_supervisor": second_supervisor,
        "mediator": world.users["mediator"],
        "admin": world.users["admin"],
        "fund_committee": world.users["fund_committee"],
        "sibling_caseworker": world.sibling_caseworker,
        "other_applicant": world.other_applicant,
    }


def agency_of(r: Referral) -> reply.AgencyActor:
    """The agency acting on ``r`` through its newest link (bound to ``r`` before any link exists)."""
    token = (
        services.db.session.execute(
            select(ReferralReplyToken)
            .where(ReferralReplyToken.referral_id == r.id)
            .order_by(ReferralReplyToken.id.desc())
        )
        .scalars()
        .first()
    )
    if token is not None:
        return reply.AgencyActor.of(token)
    return reply.AgencyActor(r.id, r.agency.name, 0, name=r.agency.name)


# ---- the referrals under test -------------------------------------------------------------------------

STEP_ACTOR = {
    "approve": "supervisor",
    "refuse": "supervisor",
    "send": "caseworker",
    "record_receipt": "agency",
    "record_decision": "caseworker",
    "record_no_case": "agency",
    "record_outcome": "agency",
    "record_police_transfer": "caseworker",
    "record_police_step": "agency",
    "chase": "caseworker",
    "close": "caseworker",
    "withdraw": "caseworker",
}
CASE_WITHDRAWN = "the applicant withdraws the case"
SENT = ["approve", "send"]
SITUATIONS = {
    "proposed": [],
    "proposed/by supervisor": [],
    "proposed/agency does not fit": [],
    "proposed/case withdrawn": [CASE_WITHDRAWN],
    "approved": ["approve"],
    "approved/case withdrawn": ["approve", CASE_WITHDRAWN],
    "sent": SENT,
    "sent/chased": [*SENT, "chase"],
    "sent/case withdrawn": [*SENT, CASE_WITHDRAWN],
    "received": [*SENT, "record_receipt"],
    "case_opened": [*SENT, "record_receipt", "record_decision"],
    "with_police": [*SENT, "record_receipt", "record_police_transfer"],
    "not_opened": [*SENT, "record_no_case"],
    "concluded": [*SENT, "record_decision", "record_outcome"],
    "closed": [*SENT, "record_decision", "record_outcome", "close"],
    "refused": ["refuse"],
    "withdrawn": ["withdraw"],
    "withdrawn/after sending": [*SENT, "record_receipt", "withdraw"],
}
STATES = {name: name.split("/")[0] for name in SITUATIONS}


def refer(world, case, agencies, evidence, *, by="caseworker", agency="market", people=None):
    """A referral of ``case`` decided by ``by`` (``agency``: the key of the ``agencies`` fixture)."""
    actor = (people or {}).get(by) or world.users[by]
    override = "该局已同意受理本线索" if agency != "market" else ""
    return services.refer(
        case,
        actor,
        agency=agencies[agency].id,
        grounds="被请求人持续销售侵权产品",
        evidence=[f.id for f in evidence],
        override=override,
    )


def drive(r: Referral, steps, people) -> Referral:
    for step in steps:
        if step == CASE_WITHDRAWN:
            case_services.transition(r.case, "withdraw", people["applicant"], comment="申请人撤回投诉")
        else:
            person = STEP_ACTOR[step]
            actor = agency_of(r) if person == "agency" else people[person]
            services.transition(r, step, actor, **given(step, channel=None if person == "agency" else "phone"))
    return r


def build(world, accepted, agencies, evidence, people, situation) -> Referral:
    by = "supervisor" if situation == "proposed/by supervisor" else "caseworker"
    agency = "copyright" if situation == "proposed/agency does not fit" else "market"
    return drive(refer(world, accepted, agencies, evidence, by=by, agency=agency), SITUATIONS[situation], people)


def blocked(situation, action, actor) -> list:
    reasons = []
    if action in NEED_OPEN_CASE and CASE_WITHDRAWN in SITUATIONS[situation]:
        reasons.append(CASE_CLOSED)
    if action == "approve" and situation == "proposed/by supervisor" and actor == "supervisor":
        reasons.append(NOT_PROPOSER)
    return reasons


def footprint(session, r) -> tuple:
    events = select(func.count(CaseEvent.id)).where(CaseEvent.case_id == r.case_id).scalar_subquery()
    return tuple(session.execute(select(Referral.state, Referral.version, events).where(Referral.id == r.id)).one())


def track_problems(session, r: Referral, letters: int) -> list[str]:
    """How a referral's clocks, reply links and sending differ from what its state says: the send clock
    (started once) runs while it awaits sending, one chase clock while it is with the agency, none
    once it is over; one link per letter (none before the first), live exactly while it is with the
    agency; sent from its sending on; a penalty never negative."""
    state = r.state.value
    where = (CaseClock.subject_type == "referral", CaseClock.subject_id == r.id)
    fresh = {"populate_existing": True}  # links are revoked in bulk, past the session's objects
    clocks = list(session.execute(select(CaseClock).where(*where).execution_options(**fresh)).scalars())
    running = Counter(c.name.value for c in clocks if c.is_running)
    expected = {"send": 1} if state in ("proposed", "approved") else {"chase": 1} if state in WITH_AGENCY else {}
    problems = [f"running {dict(running)}, expected {expected}"] if running != Counter(expected) else []
    if state in OVER and running or sum(c.name.value == "send" for c in clocks) != 1:
        problems.append(f"clocks {[(c.name.value, c.is_running) for c in clocks]} while {state}")
    links = select(ReferralReplyToken).where(ReferralReplyToken.referral_id == r.id).execution_options(**fresh)
    tokens = list(session.execute(links).scalars())
    with_agency = state in WITH_AGENCY
    if len(tokens) != letters:
        problems.append(f"{len(tokens)} reply links after {letters} letters")
    if any(reply.is_live(t) is not with_agency or (t.revoked_at is None) is not with_agency for t in tokens):
        problems.append(f"reply links {[(t.id, t.revoked_at) for t in tokens]} while {state}")
    sent = r.sent_at is not None
    if (state in NOT_SENT and sent) or (state in WITH_AGENCY | {"not_opened", "concluded", "closed"} and not sent):
        problems.append(f"sent at {r.sent_at} while {state}")
    if r.penalty_fen is not None and r.penalty_fen < 0:
        problems.append(f"a penalty of {r.penalty_fen} fen")
    return problems


MATRIX = WorkflowMatrix(
    door=services.DOOR,
    who=WHO,
    moves=MOVES,
    situations=STATES,
    actors=ACTORS,
    sees=lambda situation, actor: sees(actor, STATES[situation] not in NOT_SENT and situation != "withdrawn"),
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
    MATRIX.assert_covers()
    assert set(INPUTS) == set(WHO) == set(workflow.REFERRALS.actions)
    assert AGENCY_ACTIONS == set(workflow.AGENCY_ACTIONS)
    assert set(MOVES) == {s.value for s in ReferralState}
    assert {name.split("/")[0] for name in SITUATIONS} == set(MOVES)
    assert all(not rows[0][2] for rows in INPUTS.values())


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_matrix(ctx, world, accepted, agencies, evidence, people, session, at, situation):
    other = refer(world, accepted, agencies, evidence, agency="far")  # the referral the other agency answers
    r = build(world, accepted, agencies, evidence, people, situation)
    assert r.state is ReferralState(STATES[situation])
    letters = sum(step in ("send", "chase") for step in SITUATIONS[situation])
    assert track_problems(session, r, letters) == []
    actors = dict(people, agency=agency_of(r), other_agency=agency_of(other))
    session.flush()
    mismatches = MATRIX.check(session, situation, r, actors)
    assert not mismatches, "\n".join(mismatches)


# ---- what the user gives ---------------------------------------------------------------------------------

SOURCE_STEPS = {
    "proposed": [],
    "approved": ["approve"],
    "sent": SENT,
    "received": [*SENT, "record_receipt"],
    "case_opened": [*SENT, "record_decision"],
    "with_police": [*SENT, "record_receipt", "record_police_transfer"],
    "concluded": [*SENT, "record_decision", "record_outcome"],
}
SOURCE_OF = {action: next(s for s in SOURCE_STEPS if action in MOVES[s]) for action in WHO}


def attempt_each_input(session, r, action, actor, *, staff: bool) -> list[str]:
    """Every row of ``INPUTS[action]`` by ``actor`` on ``r``, each in a savepoint rolled back after it:
    how they differ from the catalogue (staff say how the agency's word came, else are refused for
    that too)."""
    problems = []
    source = r.state.value
    for index, (comment, data, reasons) in enumerate(INPUTS[action]):
        where = f"{action}[{index}] by {'staff' if staff else 'the agency'}"
        before = footprint(session, r)
        wanted = list(reasons)
        if staff and action in AGENCY_ACTIONS:
            wanted.append(CHANNEL)  # the row's data says nothing of how the word came
        attempts = [((comment, data), wanted)]
        if not reasons:  # a valid row goes through: by staff, saying how the word came
            attempts.insert(0, (tuple(given(action, index, channel="letter" if staff else None).values()), []))
        for (comment_given, data_given), expected in attempts:
            savepoint = session.begin_nested()
            try:
                services.transition(r, action, actor, comment=comment_given, data=data_given)
                session.flush()
                after = footprint(session, r)
                if expected:
                    problems.append(f"{where}: went through, expected {expected}")
                elif (after[0].value, after[1]) != (MOVES[source][action], before[1] + 1):
                    problems.append(f"{where}: led to {after}")
            except ActionRefused as exc:
                texts = [str(x) for x in exc.reasons]
                missing = [x for x in expected if not any(x in t for t in texts)]
                if not expected or exc.forbidden or missing:
                    problems.append(f"{where}: refused with {texts}, expected {expected}")
                session.flush()
                if footprint(session, r) != before:
                    problems.append(f"{where}: a refusal changed the referral")
            finally:
                savepoint.rollback()
    return problems


@pytest.mark.parametrize("action", list(INPUTS))
def test_each_input(ctx, world, accepted, agencies, evidence, people, session, at, action):
    """Each input of the catalogue on a referral the action leads on from, by a supervisor who did not
    propose it and by the agency (its actions only): valid input goes through, any other is refused
    with every reason at once and changes nothing."""
    r = drive(refer(world, accepted, agencies, evidence), SOURCE_STEPS[SOURCE_OF[action]], people)
    session.flush()
    problems = attempt_each_input(session, r, action, people["supervisor"], staff=True)
    if action in AGENCY_ACTIONS:
        problems += attempt_each_input(session, r, action, agency_of(r), staff=False)
    assert not problems, "\n".join(problems)


def refused_with(r, action, actor, **given) -> str:
    with pytest.raises(ActionRefused) as refused:
        services.transition(r, action, actor, **given)
    assert not refused.value.forbidden
    return " ".join(str(x) for x in refused.value.reasons)


def test_police_steps_come_in_order_and_in_time(ctx, world, accepted, agencies, evidence, people, session, at):
    """Sent on 10 March, transferred to the police on the 12th, reported on the 16th: each step once,
    one decision of the police, reconsideration only after a refusal, no step dated before the transfer
    or the step before it."""
    r = drive(refer(world, accepted, agencies, evidence), [*SENT, "record_receipt"], people)
    at(2026, 3, 16)
    agency = agency_of(r)
    step = lambda name, on, **kw: {"data": {"step": name, "on": f"2026-03-{on}", **kw}}  # noqa: E731
    assert BEFORE_SENT in refused_with(r, "record_police_transfer", agency, data={"transferred_on": "2026-03-09"})
    services.transition(r, "record_police_transfer", agency, data={"transferred_on": "2026-03-12"})
    assert STEP_FLOOR in refused_with(r, "record_police_step", agency, **step("received", 11))
    assert FUTURE in refused_with(r, "record_police_step", agency, **step("received", 17))
    services.transition(r, "record_police_step", agency, **step("received", 13))
    assert STEP_DONE in refused_with(r, "record_police_step", agency, **step("received", 14))
    assert EARLIER_STEP in refused_with(r, "record_police_step", agency, **step("reconsideration_asked", 14))
    assert STEP_FLOOR in refused_with(r, "record_police_step", agency, **step("not_opened", 12))
    services.transition(r, "record_police_step", people["caseworker"], **step("not_opened", 14, channel="phone"))
    assert POLICE_DECIDED in refused_with(r, "record_police_step", agency, **step("opened", 15))
    assert EARLIER_STEP in refused_with(r, "record_police_step", agency, **step("reconsideration_answered", 15))
    services.transition(r, "record_police_step", agency, **step("reconsideration_asked", 15))
    services.transition(r, "record_police_step", agency, **step("reconsideration_answered", 16, note="维持不予立案"))
    assert [(s["step"], s["on"]) for s in r.police_steps] == [
        ("received", "2026-03-13"),
        ("not_opened", "2026-03-14"),
        ("reconsideration_asked", "2026-03-15"),
        ("reconsideration_answered", "2026-03-16"),
    ]
    assert r.state is ReferralState.WITH_POLICE and r.version == 9


def test_a_letter_goes_by_e_mail_only_to_an_agency_with_an_address(
    ctx, world, accepted, agencies, evidence, people, session, at
):
    agencies["market"].email = ""
    r = drive(refer(world, accepted, agencies, evidence), ["approve"], people)
    assert NO_EMAIL in refused_with(r, "send", people["caseworker"], data={"method": "email"})
    services.transition(r, "send", people["caseworker"], data={"method": "post"})
    assert r.state is ReferralState.SENT and r.sent_method.value == "post"


def test_an_agency_that_does_not_fit_is_kept_only_with_the_approvers_comment(
    ctx, world, accepted, agencies, evidence, people, session, at
):
    r = refer(world, accepted, agencies, evidence, agency="copyright")
    assert MISMATCH in refused_with(r, "approve", people["supervisor"], comment="  ")
    services.transition(r, "approve", people["supervisor"], comment="版权局已同意受理")
    assert r.state is ReferralState.APPROVED and r.override_comment == "版权局已同意受理"


def test_the_page_offers_to_keep_an_agency_that_does_not_fit(ctx, world, accepted, agencies, evidence, people, at):
    r = refer(world, accepted, agencies, evidence, agency="copyright")
    offered = {c.action.name: c for c in services.available_actions(r, people["supervisor"])}
    assert offered["approve"].allowed, [str(x) for x in offered["approve"].reasons]
