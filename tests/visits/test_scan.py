"""A follow-up's reminder is a clock of no case: the sla-scan records its due-soon and breach once each in
the visit's own chain and tells the owner (and, when breached, the centre's supervisors); the
escalation board and "my work" list it without a query per row; a follow-up done in time is never
escalated; the chains stay valid."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.clocks.models import CaseClock
from app.clocks.mywork import my_work
from app.clocks.queries import escalation
from app.clocks.scan import scan
from app.core import chains
from app.core.chains import AuditEvent
from app.core.workdays import CHINA
from app.notifications.models import Notification
from app.notifications.services import text
from app.visits import services
from tests.visits.conftest import day


def china(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CHINA).astimezone(UTC)


def run(app, now):
    with app.app_context():
        return scan(now, deliver=False)


def marks(session, visit):
    session.expire_all()
    return [
        (e.action, e.data.get("follow_up"), e.actor_id)
        for e in session.execute(
            select(AuditEvent)
            .where(AuditEvent.chain_type == "visit", AuditEvent.chain_id == visit.id)
            .where(AuditEvent.action.in_(("clock_due_soon", "clock_breached")))
            .order_by(AuditEvent.seq)
        ).scalars()
    ]


def notified(session, kind):
    session.expire_all()
    return sorted(session.execute(select(Notification.user_id).where(Notification.kind == kind)).scalars())


@pytest.fixture
def visit(record, staff, session):
    """Recorded on Tuesday 10 March 2026: a follow-up for the caseworker due Thursday the 12th, one for
    the supervisor due on the 20th."""
    cw, sup = staff
    v = record(
        follow_ups=[
            {"text": "寄送专利快速预审政策材料", "owner": cw, "due_on": day(2)},
            {"text": "回访企业了解维权进展", "owner": sup, "due_on": day(10)},
        ]
    )
    session.commit()
    return v


def test_a_follow_up_is_warned_then_breached_once_in_the_visits_chain(app, world, visit, staff, session):
    cw, sup = staff
    assert not run(app, china(2026, 3, 11, 23, 59)).happened
    warned = run(app, china(2026, 3, 12, 9))
    assert (warned.due_soon, warned.breached) == (1, 0)
    assert marks(session, visit) == [("clock_due_soon", 0, None)]
    assert notified(session, "follow_up_due_soon") == [cw.id]
    assert not run(app, china(2026, 3, 12, 18)).happened, "due soon is recorded once"
    breached = run(app, china(2026, 3, 13, 9))
    assert (breached.due_soon, breached.breached) == (0, 1)
    assert marks(session, visit) == [("clock_due_soon", 0, None), ("clock_breached", 0, None)]
    assert notified(session, "follow_up_breached") == sorted([cw.id, sup.id])
    assert not run(app, china(2026, 3, 14, 9)).happened
    note = session.execute(select(Notification).where(Notification.kind == "follow_up_breached")).scalars().first()
    assert note.subject_type == "visit" and note.subject_id == visit.id and note.case_id is None
    with app.test_request_context():
        assert "寄送专利快速预审政策材料" in text(note) and "2026-03-09" in text(note)
    problems, _ = chains.verify()
    assert [p for p in problems if "visit" in str(p.chain)] == []


def test_a_follow_up_done_in_time_is_never_escalated(app, visit, staff, session):
    services.complete_follow_up(staff[0], visit.follow_ups[0], "已寄出")
    session.commit()
    assert run(app, china(2026, 3, 13, 9)).breached == 0
    assert marks(session, visit) == []


def test_the_board_and_my_work_list_follow_ups_without_a_query_per_row(
    app, world, record, staff, session, count_statements
):
    cw, sup = staff
    record(follow_ups=[{"text": "回访一", "owner": cw, "due_on": day(1)}])
    session.commit()
    now = china(2026, 3, 20, 9)
    with count_statements() as one:
        board = escalation(sup, now)
        work = my_work(cw)
    assert [r.subject.title for r in board.rows if r.case is None] == ["回访一"]
    assert board.overdue_count == 1
    assert [t.subject.title for t in work.tracks if t.case is None] == ["回访一"]
    for i in range(4):
        record(follow_ups=[{"text": f"回访{i + 2}", "owner": cw, "due_on": day(1)}])
    session.commit()
    with count_statements() as five:
        board = escalation(sup, now)
        work = my_work(cw)
    assert board.overdue_count == 5 and len([r for r in board.rows if r.case is None]) == 5
    assert len([t for t in work.tracks if t.case is None]) == 5
    assert len(five) == len(one)
    row = next(r for r in board.rows if r.case is None)
    follow_up = session.get(services.VisitFollowUp, row.clock.subject_id)
    assert row.subject.path == f"/visits/{follow_up.visit_id}"
    # A sibling city's staff see none of them.
    assert all(r.case is not None for r in escalation(world.sibling_admin, now).rows)


def test_the_escalation_and_my_work_pages_show_a_follow_up(app, world, record, staff, session, login):
    cw, sup = staff
    record(follow_ups=[{"text": "寄送政策材料给企业", "owner": cw, "due_on": day(1)}])
    session.commit()
    page = login(sup).get("/escalation")
    assert page.status_code == 200
    assert "寄送政策材料给企业" in page.get_data(as_text=True)
    page = login(cw).get("/my-work")
    assert page.status_code == 200
    assert "寄送政策材料给企业" in page.get_data(as_text=True)


def test_the_clock_runs_on_calendar_days_to_the_due_date(visit, session):
    clocks = (
        session.execute(select(CaseClock).where(CaseClock.subject_type == "visit_follow_up").order_by(CaseClock.id))
        .scalars()
        .all()
    )
    assert [c.due_at.astimezone(CHINA).date() for c in clocks] == [day(2), day(10)]


def test_a_visit_recorded_late_shows_a_follow_up_already_late_as_late(app, record, staff, session):
    """The reminder counts from the day of the visit: a follow-up due before the visit was written up
    is breached at the next scan, not due some days after the writing."""
    cw, sup = staff
    visit = record(visited_on=day(-10), follow_ups=[{"text": "补交材料清单", "owner": cw, "due_on": day(-5)}])
    session.commit()
    clock = session.execute(select(CaseClock).where(CaseClock.subject_type == "visit_follow_up")).scalar_one()
    assert clock.due_at.astimezone(CHINA).date() == day(-5)
    result = run(app, china(2026, 3, 10, 11))
    assert (result.due_soon, result.breached) == (0, 1)
    assert marks(session, visit) == [("clock_breached", 0, None)]
