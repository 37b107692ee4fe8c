"""First responder, handover to a colleague and transfer to another centre."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from app.auth.models import Role
from app.cases import services
from app.cases.enums import HandoverStatus
from app.cases.models import Case, CaseEvent, CaseHandover
from app.cases.permissions import can_see_case
from app.cases.queries import get_case_by_number
from app.notifications.models import Notification


def act(case, action, actor, comment="", **data):
    return services.transition(case, action, actor, comment=comment, data=data)


def refused(case, action, actor, comment="", **data):
    with pytest.raises(services.ActionRefused) as exc:
        act(case, action, actor, comment, **data)
    return " ".join(str(r) for r in exc.value.reasons)


def footprint(session, case):
    session.flush()
    return (
        session.execute(select(Case.owner_id, Case.centre_id, Case.version).where(Case.id == case.id)).one(),
        session.execute(select(CaseHandover.id, CaseHandover.status).where(CaseHandover.case_id == case.id)).all(),
    )


@pytest.fixture
def taken(world, make_case, make_user):
    """An acknowledged web complaint first taken up by the city caseworker, and a colleague."""
    worker = world.users["caseworker"]
    colleague = make_user(Role.CASEWORKER, centre=world.city, email="colleague@city.cn", name="同事")
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    return case, worker, colleague


def test_whoever_acknowledges_a_web_case_is_its_first_responder_for_good(taken, world):
    case, worker, _ = taken
    assert case.first_responder_id == worker.id == case.owner_id
    event = [e for e in case_events(case) if e.action == "acknowledge"][0]
    assert event.actor_id == worker.id


def case_events(case):
    from app.extensions import db

    return list(
        db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).scalars()
    )


def test_a_handover_accepted_moves_the_work_but_not_the_first_responder(taken, session, world):
    case, worker, colleague = taken
    act(case, "offer_handover", worker, to_user="Colleague@City.cn")
    assert case.owner_id == worker.id  # nothing changes until it is accepted
    offered = session.execute(select(Notification).where(Notification.user_id == colleague.id)).scalars().all()
    assert [n.kind for n in offered] == ["handover_offered"]
    assert "No handover of this case is offered to you" in refused(case, "accept_handover", world.users["supervisor"])

    act(case, "accept_handover", colleague)
    assert (case.owner_id, case.first_responder_id) == (colleague.id, worker.id)
    offer = session.execute(select(CaseHandover).where(CaseHandover.case_id == case.id)).scalar_one()
    assert offer.status is HandoverStatus.ACCEPTED and offer.decided_by_id == colleague.id
    actions = [e.action for e in case_events(case)]
    assert actions[-2:] == ["offer_handover", "accept_handover"]
    assert [
        n.kind for n in session.execute(select(Notification).where(Notification.user_id == worker.id)).scalars()
    ] == ["handover_accepted"]
    # The first responder still answers for the case: they confirm the outcome reached the applicant.
    for step in ("accept", "start_handling", "resolve"):
        from tests.conftest import ACTION_INPUT

        services.transition(case, step, colleague, **ACTION_INPUT.get(step, {}))
    assert "Only the first responder" in refused(case, "inform_outcome", colleague, "已告知", method="phone")
    act(case, "inform_outcome", worker, "已电话告知申请人", method="phone")


def test_a_handover_declined_changes_nothing_but_the_offer(taken, session):
    case, worker, colleague = taken
    act(case, "offer_handover", worker, to_user=colleague.email)
    assert "A comment is required" in refused(case, "decline_handover", colleague)
    act(case, "decline_handover", colleague, "本周在外出差")
    assert case.owner_id == worker.id
    offer = session.execute(select(CaseHandover).where(CaseHandover.case_id == case.id)).scalar_one()
    assert offer.status is HandoverStatus.DECLINED and offer.decision_comment == "本周在外出差"
    # A new offer may follow once the first is answered.
    act(case, "offer_handover", worker, to_user=colleague.email)


@pytest.mark.parametrize(
    "to_user, reason",
    [
        ("caseworker@city.cn", "yourself"),
        ("cw@sibling.cn", "does not work at this case's centre"),
        ("mediator@city.cn", "not a caseworker or supervisor"),
        ("applicant@city.cn", "No staff account has that e-mail"),
        ("nobody@nowhere.cn", "No staff account has that e-mail"),
        ("", "Name the colleague"),
        ("x" * 300, "No staff account"),
    ],
)
def test_bad_handovers_are_refused_and_change_nothing(taken, session, to_user, reason):
    case, worker, _ = taken
    before = footprint(session, case)
    assert reason in refused(case, "offer_handover", worker, to_user=to_user)
    assert footprint(session, case) == before


def test_a_handover_to_a_deactivated_colleague_is_refused(taken, session):
    case, worker, colleague = taken
    colleague.is_active = False
    session.flush()
    assert "deactivated" in refused(case, "offer_handover", worker, to_user=colleague.email)


def test_only_the_owner_first_responder_or_a_supervisor_offers_and_one_offer_at_a_time(taken, world, make_user):
    case, worker, colleague = taken
    third = make_user(Role.CASEWORKER, centre=world.city, email="third@city.cn")
    assert "Only the case's owner" in refused(case, "offer_handover", colleague, to_user=third.email)
    act(case, "offer_handover", world.users["supervisor"], to_user=colleague.email)
    assert "already waiting for an answer" in refused(case, "offer_handover", worker, to_user=third.email)


def test_a_transfer_to_another_centre_is_accepted_there(taken, session, world):
    case, worker, _ = taken
    sibling = world.sibling_caseworker
    assert not can_see_case(sibling, case)
    act(case, "offer_transfer", worker, "属邻市管辖", to_centre="cb")
    # The receiving centre now sees the case it is offered, and nobody else of it more than that.
    assert can_see_case(sibling, case)
    assert get_case_by_number(case.number, sibling) is not None
    assert "No transfer of this case is offered to your centre" in refused(case, "accept_transfer", worker)
    act(case, "accept_transfer", sibling)
    assert (case.centre_id, case.owner_id, case.first_responder_id) == (world.sibling.id, sibling.id, worker.id)
    # The first responder follows the case beyond their centre's scope to the end.
    assert can_see_case(worker, case) and get_case_by_number(case.number, worker) is not None
    assert not can_see_case(world.users["supervisor"], case)


@pytest.mark.parametrize(
    "code, reason",
    [("NOPE", "There is no centre with that code"), ("CA", "already at this centre"), ("", "Choose the centre")],
)
def test_a_transfer_to_a_centre_that_does_not_exist_is_refused(taken, session, code, reason):
    case, worker, _ = taken
    before = footprint(session, case)
    assert reason in refused(case, "offer_transfer", worker, "移交", to_centre=code)
    assert footprint(session, case) == before


def test_withdrawing_cancels_the_open_offer(taken, session, world):
    case, worker, colleague = taken
    act(case, "offer_handover", worker, to_user=colleague.email)
    act(case, "withdraw", world.applicant, "不再需要")
    offer = session.execute(select(CaseHandover).where(CaseHandover.case_id == case.id)).scalar_one()
    assert offer.status is HandoverStatus.CANCELLED


def test_the_first_responder_cannot_be_changed_by_anyone(taken, session, world):
    case, worker, colleague = taken
    with pytest.raises(ValueError):
        case.first_responder_id = colleague.id
    # Nor behind the model's back: the database refuses it too.
    with pytest.raises(DBAPIError):
        with session.begin_nested():
            session.execute(update(Case).where(Case.id == case.id).values(first_responder_id=colleague.id))
    with pytest.raises(DBAPIError):
        with session.begin_nested():
            session.execute(text("UPDATE cases SET first_responder_id = NULL WHERE id = :id"), {"id": case.id})
    session.expire_all()
    assert session.get(Case, case.id).first_responder_id == worker.id


def test_a_centre_offered_a_transfer_may_only_answer_it(taken, session, world):
    case, worker, _ = taken
    act(case, "offer_transfer", worker, "属邻市管辖", to_centre="CB")
    sibling = world.sibling_caseworker
    shown = {c.action.name for c in services.available_actions(case, sibling)}
    assert shown == {"accept_transfer", "decline_transfer"}
    before = footprint(session, case)
    with pytest.raises(services.ActionRefused) as exc:
        act(case, "request_material", sibling, "请补充材料")
    assert exc.value.forbidden and "only answer the transfer" in str(exc.value.reasons[0])
    assert footprint(session, case) == before
    act(case, "decline_transfer", sibling, "不属本中心管辖")
    assert not can_see_case(sibling, case)
    assert get_case_by_number(case.number, sibling) is None


def test_after_a_transfer_the_first_responder_only_confirms_what_the_applicant_was_told(taken, session, world):
    case, worker, _ = taken
    act(case, "offer_transfer", worker, "属邻市管辖", to_centre="CB")
    act(case, "accept_transfer", world.sibling_caseworker)
    shown = {c.action.name for c in services.available_actions(case, worker)}
    assert shown == {"inform_decision", "inform_outcome"}
    with pytest.raises(services.ActionRefused) as exc:
        act(case, "accept", worker, conditions={})
    assert exc.value.forbidden and "as first responder you confirm" in str(exc.value.reasons[0])
    # The receiving centre handles it; the first responder confirms the outcome reached the applicant.
    from tests.conftest import ACTION_INPUT

    for step in ("accept", "start_handling", "resolve"):
        services.transition(case, step, world.sibling_caseworker, **ACTION_INPUT.get(step, {}))
    act(case, "inform_outcome", worker, "已电话告知申请人", method="phone")
    assert case.outcome_informed_at is not None
