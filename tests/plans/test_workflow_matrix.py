"""The plan's workflow matrix: state × action × person → allowed (and where to), or refused and why.

The expectations are a table written by hand from DOMAIN.md ("Rights-protection plan") and API.md ("Plans"),
not computed from ``app.plans.workflow.ACTIONS``: if the rule table drifts (a role gains an action, a state
gains an exit, a guard disappears), a cell here fails. Every cell is checked twice by
``tests.workflows.matrix.WorkflowMatrix``: what the door offers (``available_actions``) and what the plan's
service does through the one door (``services.transition``: a revision drafted, the plan a revision replaces
superseded), each attempt rolled back in a savepoint so the plan stays in the state under test.

The people: the caseworker who drafted the plan, the case centre's supervisor and a second supervisor, its
mediator, administrator and fund committee member (who read plans only), the case's applicant (who sees a
plan once it is issued), another enterprise's applicant and a sibling centre's caseworker (to whom it does
not exist).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseEvent
from app.plans import services
from tests.workflows.matrix import WorkflowMatrix

HANDLERS = frozenset({"caseworker", "supervisor"})

# Who may ever take each action (API.md "Plans"); anyone else is refused for their role (403).
WHO = {
    "submit_for_review": HANDLERS,
    "approve": frozenset({"supervisor"}),
    "return_for_changes": frozenset({"supervisor"}),
    "issue": HANDLERS,
    "revise": HANDLERS,
    "supersede": HANDLERS,
}
# From each state, the actions that lead on and where to; any other action is refused for the state (422).
MOVES = {
    "draft": {"submit_for_review": "in_review"},
    "in_review": {"approve": "approved", "return_for_changes": "draft"},
    "approved": {"issue": "issued"},
    "issued": {"revise": "issued", "supersede": "superseded"},
    "superseded": {},
}
# Each situation: the state its plan is in, and how it is made (``make_plan``'s arguments).
SITUATIONS = {
    "draft": ("draft", {}),
    "draft_incomplete": ("draft", {"data": {"facts": "", "right": None}}),
    "in_review": ("in_review", {}),
    "in_review_own": ("in_review", {"drafter": "supervisor", "approver": "other_supervisor"}),
    "approved": ("approved", {}),
    "issued": ("issued", {}),
    "revising": ("issued", {"revising": True}),
    "superseded": ("superseded", {}),
}
ACTORS = (
    "caseworker",
    "supervisor",
    "other_supervisor",
    "mediator",
    "admin",
    "fund_committee",
    "applicant",
    "other_applicant",
    "sibling_caseworker",
)
CITY_STAFF = frozenset({"caseworker", "supervisor", "other_supervisor", "mediator", "admin", "fund_committee"})
PUBLIC = frozenset({"issued", "revising", "superseded"})

ROLE_REASON = "Your role cannot take this action."
STATE_REASON = "Not possible while the plan is"
FOUR_EYES = "four-eyes rule"
NOT_REPLACED = "only once the revision that replaces it is issued"
REVISING = "Revision 2 of this plan is already being drafted."
INCOMPLETE = ["Write the facts.", "Choose the right relied on.", "Recommend at least one route."]


def sees(situation: str, actor: str) -> bool:
    if actor in CITY_STAFF:
        return True
    return actor == "applicant" and situation in PUBLIC


def acts_as(actor: str) -> str:
    return {"other_supervisor": "supervisor", "other_applicant": "applicant", "sibling_caseworker": "caseworker"}.get(
        actor, actor
    )


def blocked(situation: str, action: str, actor: str) -> list:
    if situation == "draft_incomplete" and action == "submit_for_review":
        return INCOMPLETE
    if situation == "in_review_own" and action == "approve" and actor == "supervisor":
        return [FOUR_EYES]
    if action == "supersede":
        return [NOT_REPLACED]
    if situation == "revising" and action == "revise":
        return [REVISING]
    return []


def footprint(session, plan) -> tuple:
    events = session.execute(select(func.count(CaseEvent.id)).where(CaseEvent.case_id == plan.case_id)).scalar_one()
    return plan.state, plan.version, events


MATRIX = WorkflowMatrix(
    door=services.DOOR,
    who=WHO,
    moves=MOVES,
    situations={name: state for name, (state, _how) in SITUATIONS.items()},
    actors=ACTORS,
    sees=sees,
    acts_as=acts_as,
    blocked=blocked,
    footprint=footprint,
    role_reason=ROLE_REASON,
    state_reason=STATE_REASON,
    inputs={"return_for_changes": {"comment": "请补充专利权评价报告"}},
    transition=services.transition,
)


def test_the_table_covers_the_rule_table():
    MATRIX.assert_covers()


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_every_action_by_everyone(situation, accepted, people, make_plan, session):
    state, how = SITUATIONS[situation]
    how = dict(how)
    revising = how.pop("revising", False)
    for who in ("drafter", "approver"):
        if who in how:
            how[who] = getattr(people, how[who])
    plan = make_plan(accepted, "revising" if revising else state, **how)
    actors = {name: getattr(people, name) for name in ACTORS}
    mismatches = MATRIX.check(session, situation, plan, actors)
    assert not mismatches, "\n".join(mismatches)
