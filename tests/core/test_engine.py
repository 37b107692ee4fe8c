"""The one door's signals and what hangs off them: clocks before the event, documents and
notifications after it, each written for the action's subject and centre."""

from __future__ import annotations

from sqlalchemy import select

from app.cases import services
from app.cases.models import Document
from app.core import engine
from app.notifications.models import Notification


def test_the_door_signals_before_and_after_recording(world, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="submitted")
    seen = []

    def before(workflow, applied):
        seen.append(("applying", applied.action.name, applied.event, applied.source.value, applied.target.value))

    def after(workflow, applied):
        seen.append(("applied", applied.action.name, applied.event.action, workflow.name))

    engine.applying.connect(before)
    engine.applied.connect(after)
    try:
        services.transition(case, "acknowledge", world.users["caseworker"])
    finally:
        engine.applying.disconnect(before)
        engine.applied.disconnect(after)
    assert seen == [
        ("applying", "acknowledge", None, "submitted", "acknowledged"),
        ("applied", "acknowledge", "acknowledge", "case"),
    ]


def test_documents_and_notifications_name_their_subject_and_centre(world, make_case, make_user, session):
    from app.auth.models import Role

    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    services.transition(case, "accept", worker, data={"conditions": {c: True for c in _conditions()}})
    notice = session.execute(select(Document).where(Document.case_id == case.id)).scalar_one()
    assert (notice.centre_id, notice.subject_type, notice.subject_id) == (case.centre_id, "case", case.id)

    colleague = make_user(Role.CASEWORKER, centre=world.city, email="subject-colleague@city.cn")
    services.transition(case, "offer_handover", worker, data={"to_user": colleague.email})
    offered = session.execute(select(Notification).where(Notification.user_id == colleague.id)).scalar_one()
    assert (offered.case_id, offered.subject_type, offered.subject_id, offered.kind) == (
        case.id,
        "case",
        case.id,
        "handover_offered",
    )


def _conditions():
    from app.cases.enums import AcceptanceCondition

    return [c.value for c in AcceptanceCondition]


def test_the_door_and_the_case_predicates_answer_writes_alike(world, make_case, session):
    """``Door.may_write`` (what a new process inherits) and the case pages' ``may_write`` agree, in
    scope and beyond it (a first responder whose case went to another centre writes nothing there)."""
    from app.cases.permissions import may_write

    worker, sibling = world.users["caseworker"], world.sibling_caseworker
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=worker)
    people = [worker, world.users["supervisor"], world.users["mediator"], world.applicant, sibling]
    before = {(p.email, what): services.DOOR.may_write(p, case, what) for p in people for what in ("note", "message")}
    assert before[(worker.email, "note")] and not before[(sibling.email, "note")]
    services.transition(case, "offer_transfer", worker, comment="移交", data={"to_centre": world.sibling.code})
    services.transition(case, "accept_transfer", sibling)
    for person in people:
        for what in ("note", "message", "add_evidence", "inform_decision"):
            assert services.DOOR.may_write(person, case, what) == may_write(person, case, what), (person.email, what)
    assert not services.DOOR.may_write(worker, case, "note")
    assert services.DOOR.may_write(worker, case, "inform_decision")  # an action their assignment opens
    assert services.DOOR.may_write(sibling, case, "note")
