"""A referral's clocks on the real working-day calendar, in the SLA scan and on the escalation board:
the 5 working days to send the letter (decided on Tuesday 10 March 2026: due at the end of Tuesday
17 March), and the 30 days after which a silent agency is chased, warned and escalated once each."""

# ruff: noqa: F811  (the fixtures ``at`` and ``people`` are imported from the mediation's matrix module)
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.cases import services as case_services
from app.cases.models import CaseEvent
from app.clocks.models import CaseClock, ClockName
from app.clocks.queries import OVERDUE, escalation
from app.clocks.scan import scan
from app.clocks.services import clocks_of
from app.core.audit import verify_chain
from app.core.workdays import china_day
from app.notifications.models import Notification
from app.referrals import services
from tests.mediation.test_workflow_matrix import china, people  # noqa: F401


@pytest.fixture
def at(monkeypatch):
    from tests.mediation.test_workflow_matrix import DoorTime

    clock = DoorTime()
    monkeypatch.setattr(case_services, "utcnow", clock)
    monkeypatch.setattr(services, "utcnow", clock)
    return clock.set


def _told(case, people):
    case_services.transition(
        case, "inform_decision", people["caseworker"], comment="已电话告知受理决定", data={"method": "phone"}
    )
    assert [c for c in clocks_of(case) if c.is_running and c.subject_type == "case"] == []


def _decided(world, people, make_case, agencies, session, at):
    from app.cases.models import Attachment

    at(2026, 3, 10)
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=people["caseworker"])
    f = Attachment(
        case_id=case.id,
        filename="证据.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        storage_path=f"evidence/scan-{case.id}.pdf",
    )
    session.add(f)
    session.flush()
    r = services.refer(case, people["caseworker"], agency=agencies["market"].id, grounds="理由", evidence=[f.id])
    _told(case, people)
    return r


def run(app, now):
    with app.app_context():
        return scan(now, deliver=False)


def marks(session, r):
    session.expire_all()
    return list(
        session.execute(
            select(CaseEvent)
            .where(CaseEvent.case_id == r.case_id, CaseEvent.action.in_(("clock_due_soon", "clock_breached")))
            .order_by(CaseEvent.seq)
        ).scalars()
    )


def test_the_send_clock_counts_working_days(app, world, people, make_case, agencies, session, at):
    r = _decided(world, people, make_case, agencies, session, at)
    send = services.referral_clocks(r)[0]
    assert send.name is ClockName.SEND and china_day(send.due_at) == date(2026, 3, 17)
    session.commit()
    assert run(app, china(2026, 3, 17, 9)).due_soon == 1
    assert run(app, china(2026, 3, 18, 9)).breached == 1
    assert [(e.action, e.data["clock"], e.data["subject"]["type"]) for e in marks(session, r)] == [
        ("clock_due_soon", "send", "referral"),
        ("clock_breached", "send", "referral"),
    ]


def test_a_silent_agency_is_chased_after_30_days(app, world, people, make_case, agencies, session, at):
    r = _decided(world, people, make_case, agencies, session, at)
    at(2026, 3, 11)
    services.transition(r, "approve", people["supervisor"])
    services.transition(r, "send", people["caseworker"], data={"method": "post"})
    chase = next(c for c in services.referral_clocks(r) if c.name is ClockName.CHASE)
    assert china_day(chase.due_at) == date(2026, 4, 10)
    session.commit()
    assert run(app, china(2026, 4, 9, 9)).breached == 0
    result = run(app, china(2026, 4, 11, 9))
    assert result.breached == 1
    assert run(app, china(2026, 4, 12, 9)).breached == 0  # once
    (breach,) = [e for e in marks(session, r) if e.action == "clock_breached"]
    assert breach.data["clock"] == "chase" and breach.data["subject"] == {"type": "referral", "id": r.id}
    told = {
        n.user_id
        for n in session.execute(
            select(Notification).where(Notification.case_id == r.case_id, Notification.kind == "clock_breached")
        ).scalars()
    }
    assert {people["caseworker"].id, people["supervisor"].id} <= told

    board = escalation(people["supervisor"], china(2026, 4, 11, 9))
    rows = [(x.clock.subject_type, x.clock.subject_id, x.clock.name, x.status) for x in board.rows]
    assert ("referral", r.id, ClockName.CHASE, OVERDUE) in rows

    # A chase letter restarts the 30 days: the new clock is due on 11 May.
    at(2026, 4, 11, 10)
    r = session.get(type(r), r.id)
    services.transition(r, "chase", people["caseworker"])
    running = [c for c in services.referral_clocks(r) if c.is_running]
    assert [c.name for c in running] == [ClockName.CHASE] and china_day(running[0].due_at) == date(2026, 5, 11)
    session.commit()
    events = list(
        session.execute(select(CaseEvent).where(CaseEvent.case_id == r.case_id).order_by(CaseEvent.seq)).scalars()
    )
    assert verify_chain(r.case.number, events) is None
    assert session.execute(select(CaseClock).where(CaseClock.subject_id == r.id)).first() is not None
