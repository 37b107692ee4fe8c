"""The visit's workflow matrix: state × action × person → allowed (and where to), or refused and why.

The expectations are a table written by hand from DOMAIN.md ("On-site visits") and the issue, not
computed from ``app.visits.workflow.ACTIONS``: if the rule table drifts (a role gains an action, a state
an exit, a guard disappears), a cell fails. Every cell is checked twice by
``tests.workflows.matrix.WorkflowMatrix``: what the page offers and what the door does, each attempt
rolled back in a savepoint. Reasons are matched on their English text (the test forces English).

The people: the city's caseworker and supervisor (who act), its mediator, administrator and fund
committee member (who see visits and act on nothing), the applicant of the visited enterprise (who sees
a visit once it is done), another enterprise's applicant and a sibling city's caseworker (to whom it
does not exist).
"""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.core.chains import AuditEvent
from app.visits import services, workflow
from app.visits.enums import VisitState
from app.visits.models import Visit
from tests.visits.conftest import day
from tests.workflows.matrix import WorkflowMatrix

ROLE_REASON = "Your role cannot take this action."
STATE_REASON = "Not possible while the visit is"
OPEN_FOLLOW_UPS = "Some follow-ups of this visit are not done yet."

STAFF = frozenset({"caseworker", "supervisor"})
WHO = {
    "record": STAFF,
    "replan": frozenset({"supervisor"}),
    "cancel": frozenset({"supervisor"}),
    "complete_follow_up": STAFF,
    "close": STAFF,
    "raise_case": STAFF,
}
MOVES = {
    "planned": {"record": "done", "replan": "planned", "cancel": "cancelled"},
    "done": {"complete_follow_up": "done", "close": "closed", "raise_case": "done"},
    "closed": {"raise_case": "closed"},
    "cancelled": {},
}
SITUATIONS = {"planned": "planned", "done": "done", "closed": "closed", "cancelled": "cancelled"}
ACTORS = ["caseworker", "supervisor", "mediator", "admin", "fund_committee", "applicant", "other_applicant", "sibling"]
ACTS_AS = {name: name for name in ("caseworker", "supervisor", "mediator", "admin", "fund_committee", "applicant")}


@pytest.fixture
def english(app):
    with app.app_context(), force_locale("en"):
        yield


def sees(situation: str, actor: str) -> bool:
    if actor in ("other_applicant", "sibling"):
        return False
    if actor == "applicant":
        return SITUATIONS[situation] in ("done", "closed")
    return True


def blocked(situation, action, actor) -> list:
    return [OPEN_FOLLOW_UPS] if (situation, action) == ("done", "close") else []


def footprint(session, visit) -> tuple:
    events = (
        select(func.count(AuditEvent.id))
        .where(AuditEvent.chain_type == "visit", AuditEvent.chain_id == visit.id)
        .scalar_subquery()
    )
    return tuple(session.execute(select(Visit.state, Visit.version, events).where(Visit.id == visit.id)).one())


def build(world, situation, staff):
    cw, sup = staff
    if situation in ("planned", "cancelled"):
        visit = services.plan_visit(
            sup, centre=world.city, planned_on=day(1), staff=[cw], enterprises=[world.enterprise]
        )
        if situation == "cancelled":
            services.cancel_visit(sup, visit, "企业搬迁")
        return visit
    follow_ups = (
        []
        if situation == "closed"
        else [
            {"text": "寄送材料", "owner": cw, "due_on": day(2)},
            {"text": "回访", "owner": sup, "due_on": day(9)},
        ]
    )
    visit = services.record_visit(
        cw,
        centre=world.city,
        visited_on=day(-1),
        staff=[cw],
        enterprises=[world.enterprise],
        problems=[{"text": "产品外观被仿冒", "ip_type": "design", "right_number": "ZL201830123456.6"}],
        follow_ups=follow_ups,
    )
    if situation == "done":
        services.complete_follow_up(cw, visit.follow_ups[0], "已寄出")
    return visit


def matrix(world, visit) -> WorkflowMatrix:
    open_follow_up = next((f.id for f in visit.follow_ups if f.done_at is None), None)
    inputs = {
        "record": {
            "data": {
                "visited_on": day(0).isoformat(),
                "staff": [world.users["caseworker"].id],
                "enterprises": [world.enterprise.id],
                "topics": ["training"],
                "problems": [],
                "follow_ups": [],
            }
        },
        "replan": {
            "data": {
                "planned_on": day(3).isoformat(),
                "staff": [world.users["supervisor"].id],
                "enterprises": [world.enterprise.id],
            }
        },
        "cancel": {"comment": "企业停产"},
        "complete_follow_up": {"comment": "已回访", "data": {"follow_up": open_follow_up}},
        "close": {},
        "raise_case": {"data": {"problem": 0}},
    }
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
        inputs=inputs,
        transition=services.transition,
        available_actions=services.available_actions,
    )


def test_the_table_covers_every_action_and_state_of_the_rule_table(world):
    from types import SimpleNamespace

    stub = matrix(world, SimpleNamespace(follow_ups=[]))
    stub.assert_covers()
    assert set(WHO) == set(workflow.VISITS.actions)
    assert set(MOVES) == {s.value for s in VisitState}


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_matrix(english, world, at, staff, session, situation):
    visit = build(world, situation, staff)
    assert visit.state is VisitState(SITUATIONS[situation])
    people = {name: world.users[name] for name in ACTS_AS}
    people.update(other_applicant=world.other_applicant, sibling=world.sibling_caseworker)
    session.flush()
    mismatches = matrix(world, visit).check(session, situation, visit, people)
    assert not mismatches, "\n".join(mismatches)


BAD_RECORDS = [
    ({"visited_on": "2026-03-11"}, "A visit recorded as done cannot be dated in the future."),
    ({"staff": []}, "Name at least one member of staff who went."),
    ({"enterprises": []}, "Name at least one enterprise visited."),
    ({"follow_ups": [{"text": "x", "owner_id": None, "due_on": "2026-03-12"}]}, "Every follow-up needs an owner."),
    ({"follow_ups": [{"text": "x", "owner_id": 1, "due_on": "2026-03-01"}]}, "A follow-up cannot be due before"),
]


@pytest.mark.parametrize(("change", "reason"), BAD_RECORDS, ids=[r for _, r in BAD_RECORDS])
def test_the_door_itself_refuses_a_bad_record(english, world, at, staff, session, change, reason):
    """Whoever calls the door (not only the service, which checks first and names the field)."""
    visit = build(world, "planned", staff)
    data = {"visited_on": day(0).isoformat(), "staff": [staff[0].id], "enterprises": [world.enterprise.id]}
    data.update(change)
    before = footprint(session, visit)
    with pytest.raises(services.ActionRefused) as refused:
        services.transition(visit, "record", staff[0], data=data)
    assert any(reason in str(r) for r in refused.value.reasons), refused.value.reasons
    assert footprint(session, visit) == before
