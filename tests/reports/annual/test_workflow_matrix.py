"""The annual report's workflow matrix: state × action × person → allowed (and where to), or refused and why.

Written by hand from the issue, not computed from ``app.reports.annual.workflow.ACTIONS``: if the rule table
or the door's rule of who acts drifts, a cell fails. Every cell is checked twice by
``tests.workflows.matrix.WorkflowMatrix``: what the page offers and what the door does, each attempt rolled
back in a savepoint. The people are named by what they are to the city's report: its ``writer`` (a
supervisor of the city), its ``reviewer`` (a supervisor of the province above), the city's and the
province's administrators (who read it and act on nothing), and three to whom it does not exist (the city's
caseworker, the county's supervisor below, the sibling city's supervisor).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.chains import AuditEvent
from app.reports.annual import services, workflow
from app.reports.annual.models import AnnualReport, AnnualState
from tests.reports.annual.conftest import SECTIONS
from tests.workflows.matrix import WorkflowMatrix

ROLE_REASON = "Your role cannot take this action."
STATE_REASON = "Not possible while the report is"
EMPTY = "Write every section before submitting. Still empty:"
TO_REVIEWERS = "Only a supervisor of the centre above approves or returns this report."
TO_WRITERS = "Only the supervisors of the report's centre write and submit it."
TO_OTHERS = "Only the supervisors of the report's centre write it, and a supervisor of the centre above approves it."

WHO = {
    "save": frozenset({"writer"}),
    "refresh_figures": frozenset({"writer"}),
    "submit": frozenset({"writer"}),
    "return": frozenset({"reviewer"}),
    "approve": frozenset({"reviewer"}),
}
MOVES = {
    "draft": {"save": "draft", "refresh_figures": "draft", "submit": "submitted"},
    "submitted": {"return": "draft", "approve": "issued"},
    "issued": {},
}
SITUATIONS = {"draft_empty": "draft", "draft_written": "draft", "submitted": "submitted", "issued": "issued"}
ACTORS = ["writer", "reviewer", "city_admin", "province_admin", "caseworker", "county", "sibling"]
ACTS_AS = {"writer": "writer", "reviewer": "reviewer", "city_admin": "other", "province_admin": "other"}
INPUTS = {
    "save": {"data": {"situation": "新的情况"}},
    "submit": {},  # the sections as saved
    "return": {"comment": "请补充数据"},
}


def sees(situation: str, actor: str) -> bool:
    return actor in ACTS_AS


def blocked(situation, action, actor) -> list:
    return [EMPTY] if (situation, action) == ("draft_empty", "submit") else []


def forbidden_reason(situation, action, actor) -> str:
    if actor == "writer":
        return TO_REVIEWERS
    if actor == "reviewer":
        return TO_WRITERS
    return TO_OTHERS


def footprint(session, report) -> tuple:
    events = (
        select(func.count(AuditEvent.id))
        .where(AuditEvent.chain_type == "annual_report", AuditEvent.chain_id == report.id)
        .scalar_subquery()
    )
    return tuple(
        session.execute(
            select(AnnualReport.state, AnnualReport.version, events).where(AnnualReport.id == report.id)
        ).one()
    )


def build(draft, people, situation):
    if situation != "draft_empty":
        services.save(people["writer"], draft, SECTIONS)
    if situation in ("submitted", "issued"):
        services.submit(people["writer"], draft)
    if situation == "issued":
        services.approve(people["reviewer"], draft)
    return draft


def matrix() -> WorkflowMatrix:
    return WorkflowMatrix(
        door=services.DOOR,
        who=WHO,
        moves=MOVES,
        situations=SITUATIONS,
        actors=ACTORS,
        sees=sees,
        acts_as=ACTS_AS.get,
        blocked=blocked,
        footprint=footprint,
        role_reason=ROLE_REASON,
        state_reason=STATE_REASON,
        inputs=INPUTS,
        transition=services.transition,
        available_actions=services.available_actions,
        forbidden_reason=forbidden_reason,
    )


def test_the_table_covers_every_action_and_state_of_the_rule_table():
    matrix().assert_covers()
    assert set(WHO) == set(workflow.ANNUAL.actions)
    assert set(MOVES) == {s.value for s in AnnualState}


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_matrix(english, people, draft, session, situation):
    report = build(draft, people, situation)
    session.flush()
    mismatches = matrix().check(session, situation, report, people)
    assert not mismatches, "\n".join(mismatches)
