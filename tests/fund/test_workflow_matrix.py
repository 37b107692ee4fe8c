"""The fund request's workflow matrix: state × action × person → allowed (and where to), or refused and why.

The expectations are a table written by hand from DOMAIN.md ("Overseas mutual-aid fund") and issue 13,
not computed from ``app.fund.workflow.ACTIONS``: if the rule table drifts (a role gains an action, a
state an exit, the two-person rule loses a guard), a cell fails. Every cell is checked twice by
``tests.workflows.matrix.WorkflowMatrix``: what the page offers and what ``services.transition`` does,
each attempt rolled back in a savepoint; a refusal must leave the request, its case's chain and the
fund's ledger as they were. Every situation is reached through the door from ``start_request``.

The people: the case's applicant, the city's caseworker (who reviews and pays), supervisor (who approves
first), fund committee member (who approves second), administrator (either approval, never both) and
mediator (who sees the request and acts on nothing), a sibling city's caseworker and another enterprise's
applicant (to whom it does not exist). Reasons are matched on their English text.

``test_workflow_stateful`` reuses these tables as its oracle.
"""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.cases.models import CaseEvent
from app.core.engine import ActionRefused
from app.fund import services, workflow
from app.fund.enums import FundRequestState
from app.fund.models import Fund, FundRequest
from tests.fund.conftest import request_data
from tests.workflows.matrix import WorkflowMatrix

ROLE_REASON = "Your role cannot take this action."
STATE_REASON = "Not possible while the fund request is"
SUBMITTED_IT = "You submitted this request; someone else approves it."
REVIEWED_IT = "You reviewed this request; someone else approves it."
APPROVED_IT = "You approved this request already"
ONLY_SUPERVISOR_RELEASES = "only a supervisor releases what was not paid"
COMMENT_MISSING = "A comment is required for this action."

# ---- the expected table -----------------------------------------------------------------------------

APPLICANT_OR_STAFF = frozenset({"applicant", "caseworker", "supervisor"})
REVIEWERS = frozenset({"caseworker", "supervisor"})
WHO = {
    "submit": APPLICANT_OR_STAFF,
    "ask_documents": REVIEWERS,
    "resubmit": APPLICANT_OR_STAFF,
    "review": REVIEWERS,
    "approve": frozenset({"supervisor", "admin"}),
    "approve_second": frozenset({"fund_committee", "admin"}),
    "reject": frozenset({"caseworker", "supervisor", "fund_committee", "admin"}),
    "withdraw": APPLICANT_OR_STAFF,
    "pay": frozenset({"caseworker", "supervisor", "admin"}),
    "close": frozenset({"caseworker", "supervisor", "admin"}),
    "claw_back": frozenset({"supervisor", "fund_committee", "admin"}),
}
MOVES = {
    "draft": {"submit": "submitted", "withdraw": "withdrawn"},
    "submitted": {
        "ask_documents": "more_info",
        "review": "reviewed",
        "reject": "rejected",
        "withdraw": "withdrawn",
    },
    "more_info": {"resubmit": "submitted", "reject": "rejected", "withdraw": "withdrawn"},
    "reviewed": {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn"},
    "approved": {"approve_second": "granted", "reject": "rejected", "withdraw": "withdrawn"},
    "granted": {"pay": "granted", "close": "closed", "claw_back": "granted"},
    "closed": {"claw_back": "closed"},
    "rejected": {},
    "withdrawn": {},
}
# Who takes each step on the way to a situation (the two-person rule: four different people).
STEP_ACTOR = {
    "submit": "applicant",
    "ask_documents": "caseworker",
    "resubmit": "applicant",
    "review": "caseworker",
    "approve": "supervisor",
    "approve_second": "fund_committee",
    "reject": "supervisor",
    "withdraw": "applicant",
    "pay": "caseworker",
    "close": "supervisor",
    "claw_back": "supervisor",
}
PAID_FEN = 1_000_000  # the first payout on the way to "granted": something to claw back
TO_GRANTED = ["submit", "review", "approve", "approve_second", "pay"]
SITUATIONS = {
    "draft": [],
    "submitted": ["submit"],
    "more_info": ["submit", "ask_documents"],
    "reviewed": ["submit", "review"],
    "reviewed/submitted by supervisor": [("submit", "supervisor"), "review"],
    "reviewed/by supervisor": ["submit", ("review", "supervisor")],
    "approved": ["submit", "review", "approve"],
    "approved/by admin": ["submit", "review", ("approve", "admin")],
    "granted": TO_GRANTED,
    "closed": [*TO_GRANTED, "close"],
    "rejected": ["submit", "reject"],
    "withdrawn": ["withdraw"],
}
STATES = {name: name.split("/")[0] for name in SITUATIONS}
ACTORS = ["applicant", "caseworker", "supervisor", "mediator", "admin", "fund_committee", "other_applicant", "sibling"]
ACTS_AS = {name: name for name in ("applicant", "caseworker", "supervisor", "mediator", "admin", "fund_committee")}
ACTS_AS["mediator"] = None  # sees the request (staff of the case's centre), acts on nothing
COMMENTS = {"ask_documents": "请补充付款凭证", "reject": "争议发生在入会之前", "close": "企业撤诉，余款不再支付"}


def inputs(invoice_id: int) -> dict:
    """The comment and data each action is given in the matrix (valid input)."""
    out = {action: {"comment": COMMENTS.get(action, "")} for action in WHO}
    out["pay"] = {"data": {"amount_fen": PAID_FEN, "attachment": invoice_id, "reference": "转账 B"}}
    out["claw_back"] = {"data": {"amount_fen": 100_000, "reason": "同一费用已获商业保险赔付"}}
    return out


def sees(situation: str, actor: str) -> bool:
    return actor not in ("other_applicant", "sibling")


def blocked(situation: str, action: str, actor: str) -> list:
    """What the request itself blocks a listed move with, before any input: the two-person rule and
    the release of what was not paid."""
    steps = dict(step if isinstance(step, tuple) else (step, STEP_ACTOR[step]) for step in SITUATIONS[situation])
    if action in ("approve", "approve_second"):
        if steps.get("submit") == actor:
            return [SUBMITTED_IT]
        if steps.get("review") == actor:
            return [REVIEWED_IT]
        if action == "approve_second" and steps.get("approve") == actor:
            return [APPROVED_IT]
    if action == "close" and actor == "caseworker":
        return [ONLY_SUPERVISOR_RELEASES]
    return []


# ---- the requests under test -------------------------------------------------------------------------


@pytest.fixture
def english(app):
    with app.app_context(), force_locale("en"):
        yield


def actors_of(world, people) -> dict:
    return {
        "applicant": world.applicant,
        "caseworker": people["caseworker"],
        "supervisor": people["supervisor"],
        "mediator": world.users["mediator"],
        "admin": people["admin"],
        "fund_committee": people["committee"],
        "other_applicant": world.other_applicant,
        "sibling": world.sibling_caseworker,
    }


def drive(r: FundRequest, steps, actors, invoice_id: int) -> FundRequest:
    given = inputs(invoice_id)
    for step in steps:
        action, person = step if isinstance(step, tuple) else (step, STEP_ACTOR[step])
        r = services.transition(r, action, actors[person], **given[action])
    return r


def build(overseas_case, fund, invoices, actors, situation) -> FundRequest:
    r = services.start_request(overseas_case, actors["applicant"], fund, request_data(invoices))
    return drive(r, SITUATIONS[situation], actors, invoices["lawyer"].id)


def footprint(session, r) -> tuple:
    """(state, version, events in its case's chain, the fund's ledger: its last entry and sums)."""
    events = select(func.count(CaseEvent.id)).where(CaseEvent.case_id == r.case_id).scalar_subquery()
    row = session.execute(select(FundRequest.state, FundRequest.version, events).where(FundRequest.id == r.id)).one()
    money = session.execute(
        select(Fund.ledger_seq, Fund.balance_fen, Fund.available_fen, Fund.committed_fen).where(Fund.id == r.fund_id)
    ).one()
    return (*row, *money)


def matrix(invoice_id: int) -> WorkflowMatrix:
    return WorkflowMatrix(
        door=services.DOOR,
        who=WHO,
        moves=MOVES,
        situations=STATES,
        actors=ACTORS,
        sees=sees,
        acts_as=ACTS_AS.get,
        blocked=blocked,
        footprint=footprint,
        role_reason=ROLE_REASON,
        state_reason=STATE_REASON,
        inputs=inputs(invoice_id),
        transition=services.transition,
        available_actions=services.available_actions,
    )


def test_the_table_covers_every_action_and_state_of_the_rule_table():
    matrix(0).assert_covers()
    assert set(WHO) == set(workflow.FUND_REQUESTS.actions)
    assert set(MOVES) == {s.value for s in FundRequestState}
    assert set(STATES.values()) == set(MOVES)


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_matrix(english, world, overseas_case, fund, invoices, people, session, situation):
    actors = actors_of(world, people)
    r = build(overseas_case, fund, invoices, actors, situation)
    assert r.state is FundRequestState(STATES[situation])
    session.flush()
    mismatches = matrix(invoices["lawyer"].id).check(session, situation, r, actors)
    assert not mismatches, "\n".join(mismatches)


# ---- what the input alone refuses -----------------------------------------------------------------------


def refused_with(r, action, actor, **given) -> str:
    with pytest.raises(ActionRefused) as refused:
        services.transition(r, action, actor, **given)
    assert not refused.value.forbidden
    return " ".join(str(x) for x in refused.value.reasons)


BAD_INPUT = [
    # (situation, action, person, comment, data, phrase of the reason)
    ("submitted", "ask_documents", "caseworker", " ", None, COMMENT_MISSING),
    ("approved", "reject", "fund_committee", "", None, COMMENT_MISSING),
    ("approved", "approve_second", "fund_committee", "", {"amount_fen": 10**9}, "more than what may be granted"),
    ("approved", "approve_second", "fund_committee", "", {"amount_fen": 0}, "must be more than zero"),
    ("approved", "approve_second", "fund_committee", "", {"amount_fen": "5000"}, "at most two decimals"),
    ("granted", "pay", "caseworker", "", {"amount_fen": 10**9, "attachment": "lawyer"}, "not yet paid"),
    ("granted", "pay", "caseworker", "", {"amount_fen": 100, "attachment": "word"}, "must be a PDF or an image"),
    ("granted", "pay", "caseworker", "", {"amount_fen": 100}, "Choose the invoice or voucher"),
    ("granted", "pay", "caseworker", "", {"amount_fen": 100, "attachment": 10**9}, "this case's evidence"),
    ("granted", "close", "supervisor", "", None, "Say why the"),
    ("granted", "claw_back", "supervisor", "", {"amount_fen": PAID_FEN + 1, "reason": "重复资助"}, "not yet recovered"),
    ("granted", "claw_back", "fund_committee", "", {"amount_fen": 100, "reason": "  "}, "Give the reason"),
    ("closed", "claw_back", "admin", "", {"amount_fen": 100}, "Give the reason"),
]


@pytest.mark.parametrize(
    ("situation", "action", "person", "comment", "data", "phrase"),
    BAD_INPUT,
    ids=[f"{row[1]}-{row[5][:20]}" for row in BAD_INPUT],
)
def test_bad_input_is_refused_with_its_reason_and_changes_nothing(
    english, world, overseas_case, fund, invoices, people, session, situation, action, person, comment, data, phrase
):
    actors = actors_of(world, people)
    r = build(overseas_case, fund, invoices, actors, situation)
    if data is not None and data.get("attachment") in invoices:
        data = {**data, "attachment": invoices[data["attachment"]].id}
    session.commit()
    before = footprint(session, r)
    assert phrase in refused_with(r, action, actors[person], comment=comment, data=data)
    session.rollback()
    assert footprint(session, r) == before
