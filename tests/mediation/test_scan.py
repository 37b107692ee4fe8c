"""A mediation's deadlines in the SLA scan, on the supervisors' escalation board, in "my work", and
out of the on-time rates.

- due soon and overdue, a mediation's clock is warned and escalated like a case's: once each, in its
  case's chain naming the mediation, to whoever has the case, to the mediator who answers for it, and
  on a breach to the supervisors; a suspended (paused) deadline never is;
- the board lists it with its label ("Mediation") linking to the mediation's page, the
  overdue first; "my work" lists a mediator's running deadlines;
- the on-time rates are those of the three quick clocks of a case: a mediation's clocks add no column
  and count nowhere there.
"""

# ruff: noqa: F811  (the fixtures ``at`` and ``people`` are imported from the matrix module)
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from app.cases import services as case_services
from app.cases.models import CaseEvent
from app.clocks.models import QUICK_CLOCKS, CaseClock, ClockName
from app.clocks.queries import OVERDUE, escalation, on_time_rates, period_rate
from app.clocks.scan import scan
from app.clocks.services import clocks_of
from app.core.audit import verify_chain
from app.mediation import services
from app.notifications.models import Notification
from app.notifications.services import text as notification_text
from tests.mediation.test_deadlines import DESIGN, UTILITY_MODEL, opened, served
from tests.mediation.test_workflow_matrix import (  # noqa: F401
    accepted_case,
    at,
    china,
    given,
    people,
    request,
)

MARKS = ("clock_due_soon", "clock_breached")


def told(*mediations, people):
    """The cases' decisions told to the applicant (their feedback clocks met): the case's own clocks
    are then all met, and only the mediations' deadlines are left to warn about."""
    for m in mediations:
        case_services.transition(
            m.case, "inform_decision", people["caseworker"], comment="已电话告知受理决定", data={"method": "phone"}
        )
        assert [c for c in clocks_of(m.case) if c.is_running and c.subject_type == "case"] == []


def english(client):
    """The interface in English, so the assertions read the msgids."""
    client.set_cookie("lang", "en")
    return client


def run(app, now, *, via_command=False):
    """One scan at ``now``, as the command runs it (its own app context, commits per clock)."""
    if via_command:
        local = now.astimezone(china(2026, 1, 1).tzinfo).isoformat()
        result = app.test_cli_runner().invoke(args=["sla-scan", "--now", local, "--no-mail", "--verbose"])
        assert result.exit_code == 0, result.output
        return result.output
    with app.app_context():
        return scan(now, deliver=False)


def marks(session, m):
    session.expire_all()
    return list(
        session.execute(
            select(CaseEvent).where(CaseEvent.case_id == m.case_id, CaseEvent.action.in_(MARKS)).order_by(CaseEvent.seq)
        ).scalars()
    )


def notified(session, m, kind) -> list[Notification]:
    session.expire_all()
    return list(
        session.execute(
            select(Notification)
            .where(Notification.case_id == m.case_id, Notification.kind == kind)
            .order_by(Notification.user_id)
        ).scalars()
    )


def test_a_mediation_deadline_is_warned_then_escalated_once_each_naming_the_mediation(app, world, people, session, at):
    """A design patent's mediation opened on 10 March is due at the end of the 20th: warned from the
    start of that day, breached after it; each recorded and notified once, however often the scan runs."""
    m = opened(world, people, at, DESIGN, date(2026, 3, 10))
    told(m, people=people)
    deadline = services.deadline_of(m)
    session.commit()
    caseworker, mediator, supervisor = people["caseworker"], people["mediator"], people["supervisor"]

    result = run(app, china(2026, 3, 20, 9, 0))
    assert (result.due_soon, result.breached) == (1, 0)
    assert run(app, china(2026, 3, 20, 18, 0)).due_soon == 0  # once
    (warning,) = marks(session, m)
    assert warning.action == "clock_due_soon" and warning.actor_id is None and warning.visibility == "internal"
    assert warning.data == {
        "clock": "mediation",
        "trigger": "mediation",
        "due_at": deadline.due_at.isoformat(),
        "subject": {"type": "mediation", "id": m.id},
    }
    soon = notified(session, m, "clock_due_soon")
    # The case's owner and first responder (the caseworker who accepted it) and the mediator; no supervisor yet.
    assert sorted(n.user_id for n in soon) == sorted({caseworker.id, mediator.id})
    assert {(n.subject_type, n.subject_id) for n in soon} == {("mediation", m.id)}

    output = run(app, china(2026, 3, 21, 0, 5), via_command=True)
    assert '"breached":1' in output
    assert run(app, china(2026, 3, 22)).breached == 0
    assert [e.action for e in marks(session, m)] == ["clock_due_soon", "clock_breached"]
    breach = notified(session, m, "clock_breached")
    assert sorted(n.user_id for n in breach) == sorted({caseworker.id, mediator.id, supervisor.id})
    assert {(n.subject_type, n.subject_id) for n in breach} == {("mediation", m.id)}
    assert "Mediation deadline" in notification_text(breach[0]) and m.case.number in notification_text(breach[0])
    session.expire_all()
    clock = session.get(CaseClock, deadline.id)
    assert clock.due_soon_recorded_at is not None and clock.breach_recorded_at is not None
    events = list(
        session.execute(select(CaseEvent).where(CaseEvent.case_id == m.case_id).order_by(CaseEvent.seq)).scalars()
    )
    assert verify_chain(m.case.number, events) is None


def test_the_reply_window_breaches_to_the_mediator_and_the_supervisors(app, world, people, session, at):
    m = served(world, people, at, UTILITY_MODEL, date(2026, 3, 2))  # due at the end of the 17th
    told(m, people=people)
    session.commit()
    result = run(app, china(2026, 3, 18, 8, 0))  # first found already breached: only the breach
    assert (result.due_soon, result.breached) == (0, 1)
    (breach,) = marks(session, m)
    assert (breach.action, breach.data["clock"], breach.data["subject"]) == (
        "clock_breached",
        "reply",
        {"type": "mediation", "id": m.id},
    )
    assert {people["mediator"].id, people["supervisor"].id} <= {
        n.user_id for n in notified(session, m, "clock_breached")
    }


def test_a_suspended_mediation_is_never_escalated_and_runs_on_when_resumed(app, world, people, session, at):
    m = opened(world, people, at, DESIGN, date(2026, 3, 10))  # due on the 20th
    at(2026, 3, 13)
    services.transition(m, "suspend", people["mediator"], **given("suspend"))
    told(m, people=people)
    session.commit()
    result = run(app, china(2026, 3, 25))  # past the first due day, but paused
    assert (result.due_soon, result.breached) == (0, 0) and marks(session, m) == []
    at(2026, 3, 23)
    m = session.get(type(m), m.id)
    services.transition(m, "resume", people["mediator"], **given("resume"))  # 7 days left: due on the 30th
    session.commit()
    assert run(app, china(2026, 3, 29)).breached == 0
    assert run(app, china(2026, 3, 31)).breached == 1
    assert [e.data["clock"] for e in marks(session, m)] == ["mediation"]


def test_the_mediator_assigned_later_is_the_one_told(app, world, people, session, at):
    """The running deadline is the new mediator's to answer for: the breach goes to them, not to the
    mediator replaced."""
    m = opened(world, people, at, DESIGN, date(2026, 3, 10))
    services.transition(m, "assign_mediator", people["supervisor"], data={"mediator": "other-mediator@city.cn"})
    assert services.deadline_of(m).responsible_id == people["other_mediator"].id
    session.commit()
    run(app, china(2026, 3, 21))
    told = {n.user_id for n in notified(session, m, "clock_breached")}
    assert people["other_mediator"].id in told and people["mediator"].id not in told


# ---- the escalation board -------------------------------------------------------------------------------------


def test_the_board_lists_mediation_deadlines_linked_to_the_mediation_the_overdue_first(
    world, people, session, at, login, monkeypatch
):
    late = opened(world, people, at, DESIGN, date(2026, 3, 10))  # due 20 March
    soon = served(world, people, at, UTILITY_MODEL, date(2026, 3, 12))  # reply due 27 March
    told(late, soon, people=people)
    session.commit()
    now = china(2026, 3, 27, 9, 0)
    board = escalation(people["supervisor"], now)
    rows = [(r.clock.subject_type, r.clock.subject_id, r.clock.name, r.status) for r in board.rows]
    assert rows[0] == ("mediation", late.id, ClockName.MEDIATION, OVERDUE)
    assert ("mediation", soon.id, ClockName.REPLY, "due_soon") in rows
    assert [r.status for r in board.rows] == sorted((r.status for r in board.rows), key=lambda s: s != OVERDUE)
    assert board.rows[0].clock.responsible.name == people["mediator"].name

    import app.clocks.views as views

    monkeypatch.setattr(views, "utcnow", lambda: now)
    client = english(login(people["supervisor"]))
    html = client.get("/escalation").get_data(as_text=True)
    board_html = html[html.index('id="board-heading"') : html.index('id="rates-heading"')]
    link = f'<a href="/mediations/{late.id}">Mediation</a>'
    assert link in board_html and f'<a href="/mediations/{soon.id}">Respondent&#39;s reply</a>' in board_html
    assert "Fast mediation" in board_html
    assert board_html.index(link) < board_html.index(f"/mediations/{soon.id}")
    assert client.get(f"/mediations/{late.id}").status_code == 200
    # The rates below are the quick clocks' only.
    rates_html = html[html.index('id="rates-heading"') :]
    assert "Quick response" in rates_html
    for name in (ClockName.REPLY, ClockName.MEDIATION, ClockName.CONFIRMATION, ClockName.PERFORMANCE):
        assert str(name.label) not in rates_html, name


def test_the_on_time_rates_count_the_quick_clocks_only(world, people, session, at):
    """The reply window met late (answer recorded after the 15 days) and a mediation deadline breached
    are a mediation's to show: the on-time rates of March count the cases' quick clocks only."""
    m = served(world, people, at, UTILITY_MODEL, date(2026, 3, 2))
    told(m, people=people)
    design = opened(world, people, at, DESIGN, date(2026, 3, 10))
    told(design, people=people)
    at(2026, 3, 20)
    services.transition(m, "respondent_agrees", people["caseworker"], data={"received_on": "2026-03-19"})
    session.flush()
    assert services.deadline_of(design).due_at < china(2026, 3, 31)
    late_mediation_clocks = [
        c for c in session.execute(select(CaseClock)).scalars() if c.is_overdue(china(2026, 3, 31))
    ]
    assert {c.subject_type for c in late_mediation_clocks} == {"mediation"}

    supervisor = people["supervisor"]
    rates = on_time_rates(supervisor, date(2026, 3, 1), date(2026, 3, 31), china(2026, 3, 31, 23))
    assert list(rates.by_clock) == list(QUICK_CLOCKS)
    assert all(list(row.by_clock) == list(QUICK_CLOCKS) for row in [*rates.centres, *rates.people])
    quick = [
        c
        for c in session.execute(select(CaseClock).where(CaseClock.name.in_(QUICK_CLOCKS))).scalars()
        if c.stopped_at is None and c.due_at is not None and c.met_at is not None
    ]
    assert rates.total.total == len(quick) > 0 and rates.total.late == 0
    assert all(row.key != people["mediator"].id for row in rates.people)
    figure = period_rate(supervisor, date(2026, 3, 1), date(2026, 3, 31), china(2026, 3, 31, 23))
    assert (figure.on_time, figure.late) == (rates.total.on_time, rates.total.late)


# ---- my work ------------------------------------------------------------------------------------------------


def test_my_work_shows_a_mediator_the_deadlines_of_their_mediations(world, people, session, at, login, monkeypatch):
    import app.clocks.views as views

    first = opened(world, people, at, DESIGN, date(2026, 3, 10))
    second = served(world, people, at, UTILITY_MODEL, date(2026, 3, 12))
    session.commit()
    monkeypatch.setattr(views, "utcnow", lambda: china(2026, 3, 20, 9, 0))
    response = english(login(people["mediator"])).get("/my-work")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    section = html[html.index('id="tracks-heading"') :]
    assert f'<a href="/mediations/{first.id}">Mediation</a>' in section
    assert f'<a href="/mediations/{second.id}">Respondent&#39;s reply</a>' in section
    assert first.case.number in section and second.case.number in section
    states = re.findall(r'<tr data-clock="(\w+)" data-state="(\w+)"(?: class="(table-\w+)")?>', section)
    assert states == [("mediation", "due_soon", "table-warning"), ("reply", "running", "")]
    # The earliest first: the design's 20 March before the reply due on the 27th.
    assert section.index(f"/mediations/{first.id}") < section.index(f"/mediations/{second.id}")
    assert "Cases I own" not in html  # a mediator owns no case
    assert "我负责的时限" in login(people["mediator"]).get("/my-work").get_data(as_text=True)  # the default language
    assert re.search(r'id="tracks-heading">[^<]*<span class="badge[^"]*">2</span>', html)
    # Another mediator of the centre answers for none of them.
    other = english(login(people["other_mediator"])).get("/my-work").get_data(as_text=True)
    assert f"/mediations/{first.id}" not in other and "No deadline of yours is running." in other
    # The caseworker's page is what it was: the cases they own (whose next due time is the earliest of all).
    mine = english(login(people["caseworker"])).get("/my-work").get_data(as_text=True)
    assert "Cases I own" in mine and first.case.number in mine and 'id="tracks-heading"' not in mine


def test_a_mediation_without_a_mediator_is_its_case_owners_to_answer_for(world, people, session, at, login):
    at(2026, 3, 10)
    m = request(world, mediator=None)
    services.transition(m, "serve_respondent", people["caseworker"], **given("serve_respondent"))
    assert services.deadline_of(m).responsible_id == m.case.owner_id == people["caseworker"].id
    session.commit()
    html = english(login(people["caseworker"])).get("/my-work").get_data(as_text=True)
    assert f'<a href="/mediations/{m.id}">Respondent&#39;s reply</a>' in html[html.index('id="tracks-heading"') :]
    assert timedelta(0) <= services.deadline_of(m).due_at - china(2026, 3, 25) < timedelta(days=1)
