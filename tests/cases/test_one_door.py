"""The one door: states, numbers, first responder, refusals and the audit chain."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases import services
from app.cases.enums import CaseState
from app.cases.models import CaseEvent
from app.core.audit import verify_chain
from app.core.errors import ConflictError
from tests.conftest import ACTION_INPUT, PATH_TO_STATE


def _events(session, case):
    return list(session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).scalars())


@pytest.mark.parametrize("state", sorted(PATH_TO_STATE))
def test_every_state_is_reached_through_the_door_with_a_valid_chain(world, make_case, session, state):
    case = make_case(world.applicant, world.enterprise, state=state, staff=world.users["caseworker"])
    assert case.state is CaseState(state)
    events = _events(session, case)
    # Accepting or declining also issues its notice, recorded as an event of its own.
    assert [e.action for e in events if e.action != "issue_document"] == ["create", *PATH_TO_STATE[state]]
    notices = [e.data["document"] for e in events if e.action == "issue_document"]
    expected = {"accepted": 1, "in_progress": 1, "resolved": 1, "closed": 1, "declined": 1}.get(state, 0)
    assert len(notices) == expected
    assert verify_chain(case.number, events) is None


def test_numbers_are_sequential_per_centre_and_year(world, make_case):
    first = make_case(world.applicant, world.enterprise)
    second = make_case(world.applicant, world.enterprise)
    prefix, year, seq = first.number.split("-")
    assert prefix == "CA" and len(seq) == 5
    assert second.number == f"CA-{year}-{int(seq) + 1:05d}"


def test_first_responder_is_whoever_acknowledges_and_never_changes(world, make_case, make_user):
    caseworker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    assert case.first_responder_id == caseworker.id and case.owner_id == caseworker.id
    services.transition(case, "request_material", world.users["supervisor"], comment="补充材料")
    services.transition(case, "provide_material", world.applicant, comment="已补充")
    assert case.first_responder_id == caseworker.id


def test_staff_recording_takes_up_the_case_at_once(world, session):
    caseworker = world.users["caseworker"]
    case = services.create_case(
        caseworker,
        enterprise=world.county_enterprise,
        kind="complaint",
        channel="hotline",
        rights=[{"type": "trademark", "number": "12345678"}],
        respondents=[{"name": "某商贸行"}],
        facts="电话反映商标被假冒",
    )
    assert case.state is CaseState.ACKNOWLEDGED
    assert case.first_responder_id == caseworker.id
    assert case.number.startswith("CA-")
    assert [e.action for e in _events(session, case)] == ["create", "submit", "acknowledge"]


def test_accept_needs_every_condition_and_changes_nothing_when_refused(world, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    before = len(_events(session, case))
    conditions = dict(ACTION_INPUT["accept"]["data"]["conditions"], within_jurisdiction=False)
    with pytest.raises(services.ActionRefused) as refused:
        services.transition(case, "accept", world.users["caseworker"], data={"conditions": conditions})
    assert not refused.value.forbidden
    assert any("管辖" in str(r) or "jurisdiction" in str(r) for r in refused.value.reasons)
    assert case.state is CaseState.ACKNOWLEDGED and len(_events(session, case)) == before


def test_role_and_state_refusals(world, make_case):
    case = make_case(world.applicant, world.enterprise, state="submitted")
    with pytest.raises(services.ActionRefused) as by_applicant:
        services.transition(case, "acknowledge", world.applicant)
    assert by_applicant.value.forbidden
    with pytest.raises(services.ActionRefused) as wrong_state:
        services.transition(case, "close", world.users["caseworker"], comment="x")
    assert not wrong_state.value.forbidden
    with pytest.raises(services.CaseNotFound):
        services.transition(case, "acknowledge", world.sibling_caseworker)


def test_stale_version_is_a_conflict(world, make_case):
    case = make_case(world.applicant, world.enterprise, state="submitted")
    stale = case.version - 1
    with pytest.raises(ConflictError):
        services.transition(case, "acknowledge", world.users["caseworker"], expected_version=stale)
    assert case.state is CaseState.SUBMITTED


def test_staff_do_not_see_an_applicants_draft(world, make_case):
    from app.cases.permissions import can_see_case

    case = make_case(world.applicant, world.enterprise, state="draft")
    assert can_see_case(world.applicant, case)
    assert not can_see_case(world.users["supervisor"], case)
