"""The workflow matrix: state × action × role → allowed, or the reason it is refused.

The expectations below are an explicit table written from API.md ("Case actions") and
DOMAIN.md, not computed from ``app.cases.workflow.ACTIONS``: if the rule table drifts
(a role gains an action, a state gains an exit, a guard disappears), a cell here fails.
Every cell is checked twice: through ``available_actions`` (what the page shows) and
through ``transition`` (the one door), each attempt rolled back in a savepoint so the
case stays in the state under test; the generic machinery is ``tests.workflows.matrix``,
which this module feeds with the case's tables.

``test_workflow_stateful`` reuses these tables as its oracle.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.cases import services, workflow
from app.cases.enums import CaseState
from app.cases.models import Case, CaseEvent
from tests.conftest import ACTION_INPUT, ALL_CONDITIONS
from tests.workflows.matrix import WorkflowMatrix

# ---- the expected table ----------------------------------------------------------------------------

STAFF = frozenset({"caseworker", "supervisor"})
ACTING = STAFF | {"applicant"}

# Who may ever take each action (API.md "Case actions"); anyone else is refused for their role (403).
WHO = {
    "submit": ACTING,
    "acknowledge": STAFF,
    "request_material": STAFF,
    "provide_material": ACTING,
    "accept": STAFF,
    "decline": STAFF,
    "answer": STAFF,
    "start_handling": STAFF,
    "resolve": STAFF,
    "inform_outcome": STAFF,
    "close": STAFF,
    "withdraw": ACTING,
    "reopen": frozenset({"supervisor"}),
    "rate": frozenset({"applicant"}),
    # The first-responder rule (issue 4): telling a decision, handovers and transfers are staff's.
    "inform_decision": STAFF,
    "offer_handover": STAFF,
    "accept_handover": STAFF,
    "decline_handover": STAFF,
    "offer_transfer": STAFF,
    "accept_transfer": STAFF,
    "decline_transfer": STAFF,
}
OFFER_ACTIONS = (
    "offer_handover",
    "accept_handover",
    "decline_handover",
    "offer_transfer",
    "accept_transfer",
    "decline_transfer",
)

# From each state, the actions that lead on and the state they lead to; any other action is refused
# for the state (422). Guards below may still block a listed move.
MOVES = {
    "draft": {"submit": "submitted"},  # a draft is not withdrawn: it was never submitted
    "submitted": {"acknowledge": "acknowledged", "answer": "closed", "withdraw": "withdrawn"},
    "acknowledged": {
        "request_material": "awaiting_material",
        "accept": "accepted",
        "decline": "declined",
        "answer": "closed",
        "withdraw": "withdrawn",
    },
    "awaiting_material": {"provide_material": "acknowledged", "decline": "declined", "withdraw": "withdrawn"},
    "accepted": {"start_handling": "in_progress", "withdraw": "withdrawn", "inform_decision": "accepted"},
    "declined": {"inform_decision": "declined"},
    "in_progress": {"resolve": "resolved", "withdraw": "withdrawn", "inform_decision": "in_progress"},
    "resolved": {"inform_outcome": "resolved", "close": "closed", "withdraw": "withdrawn"},
    "closed": {"reopen": "in_progress", "rate": "closed"},
    "withdrawn": {},
}
# A case someone took up and that is still open may be handed over or transferred; the offer and
# its answer leave the state as it is.
for _state in ("acknowledged", "awaiting_material", "accepted", "in_progress", "resolved"):
    MOVES[_state].update({action: _state for action in OFFER_ACTIONS})

COMMENT_REQUIRED = frozenset(
    {
        "request_material",
        "provide_material",
        "decline",
        "answer",
        "resolve",
        "inform_outcome",
        "withdraw",
        "reopen",
        "inform_decision",
        "decline_handover",
        "offer_transfer",
        "decline_transfer",
    }
)
DECLINE_REASONS = frozenset(
    {
        "out_of_scope",
        "not_eligible",
        "insufficient_evidence",
        "outside_jurisdiction",
        "pending_elsewhere",
        "duplicate",
        "other",
    }
)
# The acceptance conditions and a phrase of each one's English label (the refusal names what is missing).
CONDITION_WORDS = {
    "real_name": "real name",
    "named_respondent": "named respondent",
    "facts_and_evidence": "facts and evidence",
    "within_jurisdiction": "jurisdiction",
    "not_pending_elsewhere": "not already before a court",
}
assert set(CONDITION_WORDS) == set(ALL_CONDITIONS)

# Phrases of the English reasons (reasons render in English outside a request).
ROLE_REASON = "Your role cannot take this action."
STATE_REASON = "Not possible while the case is"
CONSULTATION_NOT_DECIDED = "A consultation is answered, not accepted or declined."
ONLY_CONSULTATION = "Only a consultation can be answered"
NO_RESPONDENT = "names no respondent"
NOT_INFORMED = "Tell the applicant the outcome first"
ALREADY_INFORMED = "already been told the outcome"
ALREADY_RATED = "already been rated"
COMMENT_MISSING = "A comment is required"
CONDITIONS_MISSING = "Confirm each acceptance condition."
CONDITIONS_NOT_A_DICT = "must be given one by one"
NOT_CONFIRMED = "Not confirmed:"
REASON_MISSING = "Choose the reason for declining."
REASON_UNKNOWN = "Choose one of the listed reasons"
RATING_BAD = "Give a rating from 1 to 5."
DECISION_TOLD = "No decision of this case is waiting to be told"
METHOD_MISSING = "Choose how the applicant was told."
METHOD_UNKNOWN = "Choose one of the listed ways the applicant was told."
METHODS = ("phone", "sms", "email", "letter", "in_person", "other")
ONLY_FIRST_RESPONDER = "Only the first responder (or a supervisor) confirms"
OFFER_WAITING = "already waiting for an answer"
NOT_OWNER = "Only the case's owner, its first responder or a supervisor can hand it over."
NO_HANDOVER = "No handover of this case is offered to you."
NO_TRANSFER = "No transfer of this case is offered to your centre."
OWN_OFFER = "You cannot answer your own offer."


@dataclass(frozen=True)
class Standing:
    """Who the actor is to the case, and the open offer: what the first-responder guards read.
    ``offer`` is None or ``(kind, receiver, offered_by)`` with the receiver a person (handover)
    or a centre code (transfer)."""

    role: str | None = None
    person: str | None = None
    centre: str | None = None
    first_responder: str | None = None
    owner: str | None = None
    offer: tuple | None = None
    decision_untold: bool = False


def situation_reasons(action, *, kind, has_respondent, informed, rated, standing=Standing()) -> list[str]:
    """What blocks ``action`` because of the case itself (shown on the page before any input)."""
    reasons = []
    me = standing.person
    offer = standing.offer
    if action == "inform_decision" and not standing.decision_untold:
        reasons.append(DECISION_TOLD)
    if (
        action == "inform_outcome"
        and not informed
        and standing.first_responder not in (None, me)
        and standing.role != "supervisor"
    ):
        reasons.append(ONLY_FIRST_RESPONDER)
    if action in ("offer_handover", "offer_transfer"):
        if offer is not None:
            reasons.append(OFFER_WAITING)
        if me not in (standing.owner, standing.first_responder) and standing.role != "supervisor":
            reasons.append(NOT_OWNER)
    if action in ("accept_handover", "decline_handover") and not (
        offer is not None and offer[0] == "handover" and offer[1] == me
    ):
        reasons.append(NO_HANDOVER)
    if action in ("accept_transfer", "decline_transfer"):
        if not (offer is not None and offer[0] == "transfer" and offer[1] == standing.centre):
            reasons.append(NO_TRANSFER)
        elif offer[2] == me:
            reasons.append(OWN_OFFER)
    consultation = kind == "consultation"
    if action in ("request_material", "accept", "decline", "reopen") and consultation:
        reasons.append(CONSULTATION_NOT_DECIDED)
    if action == "answer" and not consultation:
        reasons.append(ONLY_CONSULTATION)
    if action == "accept" and kind in ("complaint", "assistance") and not has_respondent:
        reasons.append(NO_RESPONDENT)
    if action == "inform_outcome" and informed:
        reasons.append(ALREADY_INFORMED)
    if action == "close" and not informed:
        reasons.append(NOT_INFORMED)
    if action == "rate" and rated:
        reasons.append(ALREADY_RATED)
    return reasons


def input_reasons(action, comment, data) -> list[str]:
    """What blocks ``action`` because of what the user typed (checked only when they submit it)."""
    reasons = []
    data = data if isinstance(data, dict) else {}
    if action == "accept":
        given = data.get("conditions")
        if given is None:
            reasons.append(CONDITIONS_MISSING)
        elif not isinstance(given, dict):
            reasons.append(CONDITIONS_NOT_A_DICT)
        else:
            missing = [CONDITION_WORDS[c] for c in CONDITION_WORDS if given.get(c) is not True]
            if missing:
                reasons.append(NOT_CONFIRMED)
                reasons.extend(missing)
    if action == "decline":
        reason = data.get("reason")
        if reason is None or reason == "":
            reasons.append(REASON_MISSING)
        elif not isinstance(reason, str) or reason not in DECLINE_REASONS:
            reasons.append(REASON_UNKNOWN)
    if action == "rate":
        rating = data.get("rating")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            reasons.append(RATING_BAD)
    if action in ("inform_decision", "inform_outcome"):
        method = data.get("method")
        if method is None or method == "":
            reasons.append(METHOD_MISSING)
        elif not isinstance(method, str) or method not in METHODS:
            reasons.append(METHOD_UNKNOWN)
    if action in COMMENT_REQUIRED and not (comment if isinstance(comment, str) else "").strip():
        reasons.append(COMMENT_MISSING)
    return reasons


# ---- the people --------------------------------------------------------------------------------------

# Everyone who looks at a case of the city centre filed by the city firm's applicant.
ACTORS = [
    "applicant",
    "caseworker",
    "supervisor",
    "mediator",
    "fund_committee",
    "admin",
    "province_admin",
    "sibling_caseworker",
    "other_applicant",
]
# Who sees such a case once it is submitted (a draft is its filer's alone) and which role they act in.
SEES_SUBMITTED = {"applicant", "caseworker", "supervisor", "mediator", "fund_committee", "admin", "province_admin"}
ACTS_AS = {"applicant": "applicant", "caseworker": "caseworker", "supervisor": "supervisor"}


def actor_objects(world):
    return {
        "applicant": world.applicant,
        "caseworker": world.users["caseworker"],
        "supervisor": world.users["supervisor"],
        "mediator": world.users["mediator"],
        "fund_committee": world.users["fund_committee"],
        "admin": world.users["admin"],
        "province_admin": world.province_admin,
        "sibling_caseworker": world.sibling_caseworker,
        "other_applicant": world.other_applicant,
    }


# ---- the cases under test ----------------------------------------------------------------------------

# name -> (kind, actions from a draft, state, outcome told, rated). Applicant actions are marked.
SITUATIONS = {
    "complaint/draft": ("complaint", [], "draft", False, False),
    "complaint/submitted": ("complaint", ["submit"], "submitted", False, False),
    "complaint/acknowledged": ("complaint", ["submit", "acknowledge"], "acknowledged", False, False),
    "complaint/awaiting_material": (
        "complaint",
        ["submit", "acknowledge", "request_material"],
        "awaiting_material",
        False,
        False,
    ),
    "complaint/accepted": ("complaint", ["submit", "acknowledge", "accept"], "accepted", False, False),
    "complaint/declined": ("complaint", ["submit", "acknowledge", "decline"], "declined", False, False),
    "complaint/in_progress": (
        "complaint",
        ["submit", "acknowledge", "accept", "start_handling"],
        "in_progress",
        False,
        False,
    ),
    "complaint/resolved": (
        "complaint",
        ["submit", "acknowledge", "accept", "start_handling", "resolve"],
        "resolved",
        False,
        False,
    ),
    "complaint/resolved+told": (
        "complaint",
        ["submit", "acknowledge", "accept", "start_handling", "resolve", "inform_outcome"],
        "resolved",
        True,
        False,
    ),
    "complaint/closed": (
        "complaint",
        ["submit", "acknowledge", "accept", "start_handling", "resolve", "inform_outcome", "close"],
        "closed",
        True,
        False,
    ),
    "complaint/closed+rated": (
        "complaint",
        ["submit", "acknowledge", "accept", "start_handling", "resolve", "inform_outcome", "close", "rate"],
        "closed",
        True,
        True,
    ),
    "complaint/reopened": (
        "complaint",
        ["submit", "acknowledge", "accept", "start_handling", "resolve", "inform_outcome", "close", "reopen"],
        "in_progress",
        False,
        False,
    ),
    "complaint/withdrawn": ("complaint", ["submit", "withdraw"], "withdrawn", False, False),
    "consultation/draft": ("consultation", [], "draft", False, False),
    "consultation/submitted": ("consultation", ["submit"], "submitted", False, False),
    "consultation/acknowledged": ("consultation", ["submit", "acknowledge"], "acknowledged", False, False),
    "consultation/answered": ("consultation", ["submit", "answer"], "closed", True, False),
    "consultation/answered+rated": ("consultation", ["submit", "acknowledge", "answer", "rate"], "closed", True, True),
    "consultation/withdrawn": ("consultation", ["submit", "acknowledge", "withdraw"], "withdrawn", False, False),
}
APPLICANT_STEPS = {"submit", "withdraw", "rate"}


def build(world, make_case, session, kind, steps, *, respondent=True):
    """A case of the city firm filed by its applicant as a draft, then driven along ``steps``."""
    fields = {"kind": kind}
    if not respondent:
        fields["respondents"] = []
    case = make_case(world.applicant, world.enterprise, state="draft", **fields)
    for step in steps:
        actor = world.applicant if step in APPLICANT_STEPS else world.users["supervisor"]
        services.transition(case, step, actor, **ACTION_INPUT.get(step, {}))
    session.commit()
    return case


def sees(situation, actor_name) -> bool:
    """A draft is its filer's alone; a submitted case, those of ``SEES_SUBMITTED``."""
    state = SITUATIONS[situation][2]
    return actor_name == "applicant" if state == "draft" else actor_name in SEES_SUBMITTED


def blocked(situation, action, actor_name) -> list[str]:
    kind, _, state, informed, rated = SITUATIONS[situation]
    # ``build`` takes every staff step as the supervisor: they took the case up (first responder and
    # owner). Nobody reads or is told a decision on the way, so an accept or a decline is still
    # waiting to be told until the case is closed (which stops its clock).
    taken = state not in ("draft", "submitted")
    steps = SITUATIONS[situation][1]
    standing = Standing(
        role=ACTS_AS.get(actor_name),
        person=actor_name,
        centre="CA",
        first_responder="supervisor" if taken else None,
        owner="supervisor" if taken else None,
        decision_untold=bool({"accept", "decline"} & set(steps)) and "close" not in steps,
    )
    return situation_reasons(action, kind=kind, has_respondent=True, informed=informed, rated=rated, standing=standing)


def _footprint(session, case) -> tuple:
    """The case's state, version and number of events, as stored (pending changes are flushed first)."""
    events = select(func.count(CaseEvent.id)).where(CaseEvent.case_id == case.id).scalar_subquery()
    return tuple(session.execute(select(Case.state, Case.version, events).where(Case.id == case.id)).one())


MATRIX = WorkflowMatrix(
    door=services.DOOR,
    who=WHO,
    moves=MOVES,
    situations={name: situation[2] for name, situation in SITUATIONS.items()},
    actors=ACTORS,
    sees=sees,
    acts_as=ACTS_AS.get,
    blocked=blocked,
    footprint=_footprint,
    role_reason=ROLE_REASON,
    state_reason=STATE_REASON,
    inputs=ACTION_INPUT,
    transition=services.transition,
    available_actions=services.available_actions,
)
expected_cell = MATRIX.expected


def test_the_table_covers_every_action_of_the_rule_table():
    """A new action in the rule table must be given its row here (and its cells below)."""
    MATRIX.assert_covers()
    assert set(workflow.ACTIONS) == set(WHO)
    assert set(MOVES) == {s.value for s in CaseState}


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_matrix(world, make_case, session, situation):
    kind, steps, state, informed, rated = SITUATIONS[situation]
    case = build(world, make_case, session, kind, steps)
    assert case.state is CaseState(state)
    assert MATRIX.check(session, situation, case, actor_objects(world)) == []


# ---- what the user types ----------------------------------------------------------------------------

_ONE_MISSING = [
    pytest.param({k: v for k, v in ALL_CONDITIONS.items() if k != name}, [NOT_CONFIRMED, word], id=f"without-{name}")
    for name, word in CONDITION_WORDS.items()
]
_ONE_FALSE = [
    pytest.param(dict(ALL_CONDITIONS, **{name: False}), [NOT_CONFIRMED, word], id=f"{name}-false")
    for name, word in CONDITION_WORDS.items()
]


@pytest.mark.parametrize(
    "conditions, reasons",
    [
        pytest.param(None, [CONDITIONS_MISSING], id="none"),
        pytest.param(["real_name", "named_respondent"], [CONDITIONS_NOT_A_DICT], id="list"),
        pytest.param("all", [CONDITIONS_NOT_A_DICT], id="text"),
        pytest.param({}, [NOT_CONFIRMED, *CONDITION_WORDS.values()], id="empty"),
        pytest.param({k: "true" for k in ALL_CONDITIONS}, [NOT_CONFIRMED, *CONDITION_WORDS.values()], id="strings"),
        pytest.param({k: 1 for k in ALL_CONDITIONS}, [NOT_CONFIRMED, *CONDITION_WORDS.values()], id="ones"),
        *_ONE_MISSING,
        *_ONE_FALSE,
    ],
)
def test_accept_needs_every_condition_confirmed(world, make_case, session, conditions, reasons):
    case = build(world, make_case, session, "complaint", ["submit", "acknowledge"])
    data = {} if conditions is None else {"conditions": conditions}
    _assert_refused(session, case, "accept", world.users["caseworker"], None, data, reasons)
    if len(reasons) == 2:  # one condition missing: only that one is named
        others = [w for w in CONDITION_WORDS.values() if w != reasons[1]]
        with pytest.raises(services.ActionRefused) as refused:
            services.transition(case, "accept", world.users["caseworker"], data=data)
        text = " ".join(str(r) for r in refused.value.reasons)
        assert not [w for w in others if w in text]


def test_accept_records_exactly_the_conditions_confirmed(world, make_case, session):
    case = build(world, make_case, session, "complaint", ["submit", "acknowledge"])
    services.transition(case, "accept", world.users["caseworker"], data={"conditions": dict(ALL_CONDITIONS)})
    event = _event_of(session, case, "accept")
    assert (event.action, event.from_state, event.to_state) == ("accept", "acknowledged", "accepted")
    assert event.data == {"conditions": ALL_CONDITIONS}


def test_accept_keeps_no_made_up_conditions_in_the_audit_trail(world, make_case, session):
    """The event is append-only: only the five real conditions go into it, whatever else a client sends."""
    case = build(world, make_case, session, "complaint", ["submit", "acknowledge"])
    conditions = {**ALL_CONDITIONS, "approved_by_director": True, "x" * 500: "anything"}
    services.transition(case, "accept", world.users["caseworker"], data={"conditions": conditions})
    event = _event_of(session, case, "accept")
    assert event.data == {"conditions": ALL_CONDITIONS}


@pytest.mark.parametrize(
    "comment, data, reasons",
    [
        pytest.param("证据不足", {}, [REASON_MISSING], id="no-reason"),
        pytest.param("证据不足", {"reason": ""}, [REASON_MISSING], id="empty-reason"),
        pytest.param("证据不足", {"reason": "bogus"}, [REASON_UNKNOWN], id="unknown-reason"),
        pytest.param("证据不足", {"reason": 3}, [REASON_UNKNOWN], id="number-reason"),
        pytest.param("证据不足", {"reason": "INSUFFICIENT_EVIDENCE"}, [REASON_UNKNOWN], id="upper-case-reason"),
        pytest.param("", {"reason": "duplicate"}, [COMMENT_MISSING], id="no-comment"),
        pytest.param("  \n ", {"reason": "duplicate"}, [COMMENT_MISSING], id="blank-comment"),
        pytest.param(None, {}, [REASON_MISSING, COMMENT_MISSING], id="nothing-every-reason-at-once"),
    ],
)
def test_decline_needs_a_listed_reason_and_a_comment(world, make_case, session, comment, data, reasons):
    case = build(world, make_case, session, "complaint", ["submit", "acknowledge"])
    _assert_refused(session, case, "decline", world.users["caseworker"], comment, data, reasons)


def test_every_listed_decline_reason_is_accepted(world, make_case, session):
    case = build(world, make_case, session, "complaint", ["submit", "acknowledge"])
    caseworker = world.users["caseworker"]
    for reason in sorted(DECLINE_REASONS):  # the guard, without issuing a notice for each
        check = workflow.check(
            case, workflow.ACTIONS["decline"], caseworker, {"comment": "不予受理", "data": {"reason": reason}}
        )
        assert check.allowed, (reason, [str(r) for r in check.reasons])
    services.transition(case, "decline", caseworker, comment="不予受理", data={"reason": "duplicate"})
    assert case.state is CaseState.DECLINED and case.decline_reason.value == "duplicate"
    assert _event_of(session, case, "decline").data == {"reason": "duplicate"}


def test_rating_must_be_a_whole_number_from_1_to_5(world, make_case, session):
    case = build(world, make_case, session, "complaint", SITUATIONS["complaint/closed"][1])
    for rating in [None, 0, 6, -1, True, False, "5", 4.0, [5]]:
        data = {} if rating is None else {"rating": rating}
        _assert_refused(session, case, "rate", world.applicant, None, data, [RATING_BAD])
    for rating in [1, 2, 3, 4, 5]:
        savepoint = session.begin_nested()
        services.transition(case, "rate", world.applicant, data={"rating": rating})
        assert case.rating == rating and case.state is CaseState.CLOSED
        assert _footprint(session, case)[0] is CaseState.CLOSED
        savepoint.rollback()
    services.transition(case, "rate", world.applicant, data={"rating": 4})
    _assert_refused(session, case, "rate", world.applicant, None, {"rating": 5}, [ALREADY_RATED])
    assert _event_of(session, case, "rate").data == {"rating": 4}


@pytest.mark.parametrize("action", sorted(COMMENT_REQUIRED - {"answer"}))
def test_actions_that_need_a_comment_refuse_without_one(world, make_case, session, action):
    source = next(s for s, moves in MOVES.items() if action in moves and s != "draft")
    case = build(world, make_case, session, "complaint", SITUATIONS[f"complaint/{source}"][1])
    actor = world.users["supervisor"]  # the one role that may take every staff action
    data = ACTION_INPUT.get(action, {}).get("data")
    for comment in [None, "", "   ", "\n\t\u3000"]:
        _assert_refused(session, case, action, actor, comment, data, [COMMENT_MISSING])


def test_answer_needs_the_answer(world, make_case, session):
    case = build(world, make_case, session, "consultation", ["submit"])
    _assert_refused(session, case, "answer", world.users["caseworker"], " ", None, [COMMENT_MISSING])


@pytest.mark.parametrize(
    "kind, allowed",
    [("complaint", False), ("assistance", False), ("overseas", True)],
)
def test_accept_needs_a_named_respondent_for_complaints_and_assistance(world, make_case, session, kind, allowed):
    case = build(world, make_case, session, kind, ["submit", "acknowledge"], respondent=False)
    shown = {c.action.name: c for c in services.available_actions(case, world.users["caseworker"])}
    assert shown["accept"].allowed is allowed
    if allowed:
        services.transition(case, "accept", world.users["caseworker"], data={"conditions": ALL_CONDITIONS})
        assert case.state is CaseState.ACCEPTED
    else:
        assert any(NO_RESPONDENT in str(r) for r in shown["accept"].reasons)
        _assert_refused(
            session, case, "accept", world.users["caseworker"], None, ACTION_INPUT["accept"]["data"], [NO_RESPONDENT]
        )


@pytest.mark.parametrize(
    "kind, fields, reason",
    [
        ("complaint", {"facts": ""}, "Describe the facts of the infringement."),
        ("assistance", {"facts": "   "}, "Describe the facts of the infringement."),
        ("consultation", {"facts": "", "help_wanted": ""}, "Write your question."),
    ],
)
def test_a_draft_without_its_facts_cannot_be_submitted(world, make_case, session, kind, fields, reason):
    case = make_case(world.applicant, world.enterprise, state="draft", kind=kind, **fields)
    shown = {c.action.name: c for c in services.available_actions(case, world.applicant)}
    assert not shown["submit"].allowed and reason in [str(r) for r in shown["submit"].reasons]
    _assert_refused(session, case, "submit", world.applicant, None, None, [reason])


def test_a_consultation_with_only_a_question_can_be_submitted(world, make_case, session):
    case = make_case(
        world.applicant, world.enterprise, state="draft", kind="consultation", facts="", help_wanted="怎么办？"
    )
    services.transition(case, "submit", world.applicant)
    assert case.state is CaseState.SUBMITTED


def test_a_reopened_case_must_be_told_its_new_outcome_before_closing_again(world, make_case, session):
    case = build(world, make_case, session, "complaint", SITUATIONS["complaint/reopened"][1])
    supervisor = world.users["supervisor"]
    services.transition(case, "resolve", supervisor, comment="再次调解成功")
    _assert_refused(session, case, "close", supervisor, "结案", None, [NOT_INFORMED])
    services.transition(case, "inform_outcome", supervisor, comment="已告知", data={"method": "letter"})
    services.transition(case, "close", supervisor)
    assert case.state is CaseState.CLOSED


def _event_of(session, case, action):
    return session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == action)
    ).scalar_one()


def _assert_refused(session, case, action, actor, comment, data, reasons):
    before = _footprint(session, case)
    with pytest.raises(services.ActionRefused) as refused:
        services.transition(case, action, actor, comment=comment, data=data)
    assert not refused.value.forbidden
    texts = [str(r) for r in refused.value.reasons]
    assert [r for r in reasons if not any(r in t for t in texts)] == [], texts
    assert _footprint(session, case) == before


def test_roles_are_those_of_the_users(world):
    """The actor names above act in the roles they are named for."""
    actors = actor_objects(world)
    for name, role in ACTS_AS.items():
        assert actors[name].role is Role(role)
    assert {actors[n].role for n in ("mediator", "fund_committee", "admin", "province_admin")} == {
        Role.MEDIATOR,
        Role.FUND_COMMITTEE,
        Role.ADMIN,
    }
