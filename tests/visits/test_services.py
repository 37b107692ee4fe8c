"""Visits through their services: plan, record (planned and unplanned), follow-ups to done and the
visit closed, a problem raised as a case, cancel; the visit's own chain verified; bad input refused
with the field named and nothing saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.cases.enums import CaseState, Channel
from app.cases.models import CaseEvent
from app.clocks.models import CaseClock, ClockName
from app.core import chains
from app.core.chains import AuditEvent
from app.core.engine import ActionRefused
from app.core.errors import ConflictError, ServiceError
from app.enterprises.models import Enterprise
from app.visits import services
from app.visits.enums import VisitState
from app.visits.models import Visit, VisitFollowUp, VisitProblem
from tests.helpers import valid_credit_code
from tests.visits.conftest import day


def events(session, visit):
    return [
        e.action
        for e in session.execute(
            select(AuditEvent)
            .where(AuditEvent.chain_type == "visit", AuditEvent.chain_id == visit.id)
            .order_by(AuditEvent.seq)
        ).scalars()
    ]


def verify_visits():
    problems, _ = chains.verify()
    return [p for p in problems if str(p.chain).startswith("visit")] if problems else []


def counts(session):
    return tuple(
        session.execute(select(func.count()).select_from(m)).scalar_one()
        for m in (Visit, VisitProblem, VisitFollowUp, Enterprise, CaseClock, AuditEvent)
    )


def test_an_unplanned_visit_is_recorded_as_done_with_a_reminder_per_follow_up(world, record, session, staff):
    visit = record()
    session.commit()
    assert visit.state is VisitState.DONE
    assert visit.visited_on == day(-1)
    assert [u.id for u in visit.staff] == [staff[0].id]
    assert [e.id for e in visit.enterprises] == [world.enterprise.id]
    assert visit.problems[0].right_number == "201830123456.6"
    (follow_up,) = visit.follow_ups
    (clock,) = session.execute(select(CaseClock).where(CaseClock.subject_type == "visit_follow_up")).scalars()
    assert clock.case_id is None and clock.subject_id == follow_up.id and clock.name is ClockName.FOLLOW_UP
    assert clock.responsible_id == staff[0].id and clock.centre_id == world.city.id
    assert clock.due_at is not None and clock.due_at.astimezone().date() >= day(5)
    assert events(session, visit) == ["record"]
    assert verify_visits() == []


def test_a_visit_without_follow_ups_closes_at_once(record, session):
    visit = record(follow_ups=[])
    assert visit.state is VisitState.CLOSED and visit.closed_at is not None
    assert events(session, visit) == ["record", "close"]


def test_follow_ups_done_close_the_visit_and_meet_their_clocks(world, record, session, staff):
    cw, sup = staff
    visit = record(
        follow_ups=[
            {"text": "寄送材料", "owner": cw, "due_on": day(3)},
            {"text": "回访企业", "owner": sup, "due_on": day(20)},
        ]
    )
    first, second = visit.follow_ups
    services.complete_follow_up(cw, first, "已寄出", version=visit.version)
    assert visit.state is VisitState.DONE and first.done_at is not None and first.done_note == "已寄出"
    with pytest.raises(ActionRefused):  # done already
        services.complete_follow_up(cw, first, "again")
    services.complete_follow_up(sup, second)
    assert visit.state is VisitState.CLOSED
    clocks = session.execute(select(CaseClock).where(CaseClock.subject_type == "visit_follow_up")).scalars().all()
    assert len(clocks) == 2 and all(c.met_at is not None for c in clocks)
    assert events(session, visit) == ["record", "complete_follow_up", "complete_follow_up", "close"]
    session.commit()
    assert verify_visits() == []


def test_a_planned_visit_is_recorded_through_the_door(world, at, record, session, staff):
    cw, sup = staff
    planned = services.plan_visit(
        sup, centre=world.city, planned_on=day(0), staff=[cw], enterprises=[world.enterprise], topics=["training"]
    )
    assert planned.state is VisitState.PLANNED and planned.planned_by_id == sup.id
    with pytest.raises(ConflictError):
        record(visit=planned, version=planned.version + 1)
    visit = record(visit=planned, visited_on=day(0), version=planned.version)
    assert visit is planned and visit.state is VisitState.DONE and visit.recorded_by_id == cw.id
    assert events(session, visit) == ["plan", "record"]
    session.commit()
    assert verify_visits() == []


def test_only_a_supervisor_plans_and_cancels(world, at, session, staff):
    cw, sup = staff
    with pytest.raises(ActionRefused):
        services.plan_visit(cw, centre=world.city, planned_on=day(1), staff=[cw], enterprises=[world.enterprise])
    planned = services.plan_visit(sup, centre=world.city, planned_on=day(1), staff=[cw], enterprises=[world.enterprise])
    with pytest.raises(ActionRefused):
        services.cancel_visit(cw, planned, "企业停产")
    with pytest.raises(ServiceError) as error:
        services.cancel_visit(sup, planned, "  ")
    assert error.value.field == "comment"
    services.cancel_visit(sup, planned, "企业停产")
    assert planned.state is VisitState.CANCELLED and planned.cancel_reason == "企业停产"


def test_replan_changes_staff_and_enterprises(world, at, session, staff):
    cw, sup = staff
    planned = services.plan_visit(sup, centre=world.city, planned_on=day(1), staff=[cw], enterprises=[world.enterprise])
    services.replan_visit(
        sup, planned, planned_on=day(2), staff=[sup, cw], enterprises=[world.county_enterprise, world.enterprise]
    )
    session.commit()
    session.expire_all()
    planned = session.get(Visit, planned.id)
    assert planned.planned_on == day(2)
    assert [u.id for u in planned.staff] == [sup.id, cw.id]
    assert [e.id for e in planned.enterprises] == [world.county_enterprise.id, world.enterprise.id]
    assert verify_visits() == []


def test_a_problem_becomes_a_case_of_the_visiting_caseworker(world, record, session, staff, make_user):
    cw, sup = staff
    visit = record(staff=[sup, cw])
    other_supervisor = make_user(Role.SUPERVISOR, centre=world.province)  # did not go
    case = services.raise_case(other_supervisor, visit, 0)
    assert case.channel is Channel.VISIT
    assert case.enterprise_id == world.enterprise.id
    assert case.first_responder_id == cw.id and case.owner_id == cw.id  # the caseworker who went, not the actor
    assert case.facts == visit.problems[0].text
    assert case.state is CaseState.ACKNOWLEDGED and case.number
    assert case.centre_id == visit.centre_id
    assert visit.problems[0].case_id == case.id
    handling = session.execute(
        select(CaseClock).where(CaseClock.case_id == case.id, CaseClock.name == ClockName.HANDLING)
    ).scalar_one()
    assert handling.met_at is None and handling.responsible_id == cw.id
    case_events = session.execute(select(CaseEvent.action).where(CaseEvent.case_id == case.id)).scalars().all()
    assert "from_visit" in case_events
    assert events(session, visit)[-1] == "raise_case"
    with pytest.raises(ActionRefused) as refused:
        services.raise_case(cw, visit, 0)
    assert "已" in str(refused.value.reasons[0]) or "already" in str(refused.value.reasons[0])
    session.commit()
    assert verify_visits() == []


def test_the_acting_caseworker_who_went_is_first_responder(world, record, staff, make_user):
    cw, sup = staff
    other = make_user(Role.CASEWORKER, centre=world.city)
    visit = record(staff=[other, cw])
    case = services.raise_case(cw, visit, visit.problems[0])
    assert case.first_responder_id == cw.id


def test_a_problem_without_its_right_cannot_become_a_case(record, staff):
    visit = record(problems=[{"text": "商标被抢注", "ip_type": ""}])
    with pytest.raises(ActionRefused):
        services.raise_case(staff[0], visit, 0)
    assert visit.problems[0].case_id is None


def test_an_enterprise_not_yet_registered_is_added_by_code_and_name(world, record, session):
    code = valid_credit_code()
    visit = record(
        enterprises=[],
        new_enterprises=[{"credit_code": code, "name": "新登记科技有限公司"}],
        problems=[{"text": "被仿冒", "ip_type": "trademark", "enterprise": code}],
    )
    firm = session.execute(select(Enterprise).where(Enterprise.credit_code == code)).scalar_one()
    assert firm.centre_id == world.city.id and [e.id for e in visit.enterprises] == [firm.id]
    assert visit.problems[0].enterprise_id == firm.id


def test_an_existing_code_uses_the_registered_enterprise(world, record, session):
    before = session.execute(select(func.count(Enterprise.id))).scalar_one()
    visit = record(enterprises=[], new_enterprises=[{"credit_code": world.county_enterprise.credit_code, "name": "x"}])
    assert [e.id for e in visit.enterprises] == [world.county_enterprise.id]
    assert session.execute(select(func.count(Enterprise.id))).scalar_one() == before


BAD = [
    ({"visited_on": "2026-03-11"}, "visited_on"),  # done, yet tomorrow
    ({"visited_on": "3/9/2026"}, "visited_on"),
    ({"staff": []}, "staff"),
    ({"enterprises": []}, "enterprises"),
    ({"topics": ["sightseeing"]}, "topics"),
    ({"follow_ups": [{"text": "回访", "owner": None, "due_on": "2026-03-20"}]}, "follow_ups-0-owner"),
    ({"follow_ups": [{"text": "回访", "owner": "OWNER", "due_on": "2026-03-01"}]}, "follow_ups-0-due_on"),
    ({"follow_ups": [{"text": "", "owner": "OWNER", "due_on": "2026-03-20"}]}, "follow_ups-0-text"),
    ({"problems": [{"text": "x", "ip_type": "design", "right_number": "201830123456.1"}]}, "problems-0-right_number"),
    ({"problems": [{"text": "x", "ip_type": "nonsense"}]}, "problems-0-ip_type"),
    ({"contact_phone": "call me"}, "contact_phone"),
    (
        {"new_enterprises": [{"credit_code": "91440300708461136X", "name": "坏代码有限公司"}]},
        "new_enterprises-0-credit_code",
    ),
    ({"new_enterprises": [{"credit_code": "NEWCODE", "name": ""}]}, "new_enterprises-0-name"),
]


@pytest.mark.parametrize(("change", "field"), BAD, ids=[f for _, f in BAD])
def test_bad_input_names_its_field_and_saves_nothing(world, record, session, staff, change, field):
    session.commit()
    before = counts(session)
    change = dict(change)
    for item in change.get("follow_ups", []):
        if item.get("owner") == "OWNER":
            item["owner"] = staff[0]
    for item in change.get("new_enterprises", []):
        if item.get("credit_code") == "NEWCODE":
            item["credit_code"] = valid_credit_code()
    with pytest.raises(ServiceError) as error:
        # A new enterprise with a good code first: it must not be left behind by the refusal.
        rows = change.pop("new_enterprises", [])
        if field != "enterprises":
            rows = rows + [{"credit_code": valid_credit_code(), "name": "先登记企业"}]
        record(new_enterprises=rows, **change)
    assert error.value.field == field
    assert str(error.value.message) and not str(error.value.message).startswith("<")
    assert counts(session) == before


def test_staff_and_enterprises_out_of_scope_are_refused(world, record, session, staff, make_user):
    sibling_cw = world.sibling_caseworker
    county_cw = make_user(Role.CASEWORKER, centre=world.county)
    for change, field in (
        ({"staff": [sibling_cw]}, "staff"),
        ({"staff": [county_cw]}, "staff"),  # a centre below the visit's does not see it
        ({"staff": [world.users["mediator"]]}, "staff"),
        ({"enterprises": [world.other_enterprise]}, "enterprises"),
        ({"enterprises": [world.far_enterprise.id]}, "enterprises"),
        (
            {"new_enterprises": [{"credit_code": world.far_enterprise.credit_code, "name": "x"}]},
            "new_enterprises-0-credit_code",
        ),
        ({"follow_ups": [{"text": "回访", "owner": sibling_cw, "due_on": day(2)}]}, "follow_ups-0-owner"),
        ({"problems": [{"text": "x", "enterprise": world.other_enterprise.id}]}, "problems-0-enterprise"),
    ):
        with pytest.raises(ServiceError) as error:
            record(**change)
        assert error.value.field == field, change


def test_a_county_visit_may_take_city_staff_and_county_enterprises(world, record, staff):
    visit = record(centre=world.county, enterprises=[world.county_enterprise])
    assert visit.centre_id == world.county.id
    with pytest.raises(ServiceError) as error:
        record(centre=world.county, enterprises=[world.enterprise])  # the city's enterprise is above the county
    assert error.value.field == "enterprises"


def test_who_may_record(world, record):
    with pytest.raises(ServiceError) as error:
        record(actor=world.sibling_caseworker)  # the city is not the sibling's to choose
    assert error.value.field == "centre"
    for role in ("mediator", "admin", "fund_committee", "applicant"):
        with pytest.raises(ActionRefused):
            record(actor=world.users[role])


def test_a_problem_of_another_visit_is_refused(record, staff):
    first, second = record(), record()
    with pytest.raises(ServiceError) as error:
        services.raise_case(staff[0], first, second.problems[0])
    assert error.value.field == "problem"
    assert first.problems[0].case_id is None and second.problems[0].case_id is None


def test_out_of_scope_staff_get_not_found(world, at, record, staff):
    visit = record()
    planned = services.plan_visit(
        staff[1], centre=world.city, planned_on=day(1), staff=[staff[0]], enterprises=[world.enterprise]
    )
    with pytest.raises(services.VisitNotFound):
        services.cancel_visit(world.sibling_caseworker, planned, "")
    with pytest.raises(services.VisitNotFound):
        services.raise_case(world.sibling_caseworker, visit, 0)
    with pytest.raises(services.VisitNotFound):
        services.complete_follow_up(world.sibling_caseworker, visit.follow_ups[0])
    with pytest.raises(services.VisitNotFound):
        record(actor=world.sibling_caseworker, visit=planned)
