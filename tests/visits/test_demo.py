"""The demo visits (``app.admin.demo_visits``) show what issue 12 asks of the demo: a year of visits,
one centre red for two past months with the month-end breaches recorded, problems that became cases
(channel visit), follow-ups done and late on the Shenzhen caseworker's "my work" and the supervisor's
escalation board, and a visit planned for the caseworker this month. Real calendar, no pinned clock."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.core.db import utcnow
from app.core.workdays import china_day


@pytest.fixture
def demo(app, session):
    from app.admin.demo import seed_demo

    with app.app_context():
        created = seed_demo()
        session.commit()
    users = {u.email: u for u in session.execute(select(User).where(User.email.like("%@demo.ipaid.cn"))).scalars()}
    return created, users


def check_a_year_of_visits_with_one_centre_short_two_months(demo, session):
    from app.admin.demo_visits import SHORT_CENTRE, SHORT_OFFSETS, _months
    from app.visits import compliance
    from app.visits.models import VisitBreach

    created, users = demo
    assert created["visits"] >= 70
    today = china_day(utcnow())
    months = _months(today)
    grid = compliance.compliance(users["supervisor.gd@demo.ipaid.cn"], months)
    rows = {row.centre.code: row for row in grid.rows}
    assert set(rows) >= {"GD", "GZ", "GZHZ", "SZ", "SZLG", "SZHQB"}
    short = {code: [c.month for c in row.cells if c.is_short] for code, row in rows.items()}
    missed = sorted(months[-1 - back] for back in SHORT_OFFSETS)
    assert short == {code: (missed if code == SHORT_CENTRE else []) for code in rows}
    # every past month of every other centre met: the grid is green but for the two red cells
    for code, row in rows.items():
        for cell in row.cells[:-1]:
            assert cell.status == ("short" if code == SHORT_CENTRE and cell.month in missed else "met"), (code, cell)
    # the month-end scan recorded exactly those two, and would record nothing more
    breaches = session.execute(select(VisitBreach)).scalars().all()
    assert sorted((b.centre.code, b.month, b.visits, b.required) for b in breaches) == [
        (SHORT_CENTRE, m, 0, 1) for m in missed
    ]
    assert set(compliance.breaches(users[SUPERVISOR], months)) == {(rows[SHORT_CENTRE].centre.id, m) for m in missed}


SUPERVISOR = "supervisor@demo.ipaid.cn"
CASEWORKER = "caseworker@demo.ipaid.cn"


def check_problems_became_cases_of_channel_visit(demo, session):
    from app.cases.models import Case
    from app.visits.models import VisitProblem

    _created, _users = demo
    raised = session.execute(select(VisitProblem).where(VisitProblem.case_id.is_not(None))).scalars().all()
    assert len(raised) >= 2
    for problem in raised:
        case = session.get(Case, problem.case_id)
        assert case.channel.value == "visit" and case.centre_id == problem.visit.centre_id
        assert case.first_responder in problem.visit.staff
        assert case.state.value == "acknowledged"
    # a problem noted without becoming a case too
    assert session.execute(select(VisitProblem).where(VisitProblem.case_id.is_(None))).first() is not None


def check_follow_ups_done_and_late_in_my_work_and_on_the_board(demo, session):
    from app.clocks.queries import escalation
    from app.visits import queries
    from app.visits.models import VisitFollowUp

    _created, users = demo
    cw, sup = users[CASEWORKER], users[SUPERVISOR]
    today = china_day(utcnow())
    mine = queries.follow_ups_for(cw)
    late = [f for f in mine if f.due_on < today]
    assert len(late) >= 2 and any(f.due_on >= today for f in mine)
    done = session.execute(select(VisitFollowUp).where(VisitFollowUp.done_at.is_not(None))).scalars().all()
    assert len(done) >= 3 and any(f.owner_id == cw.id for f in done)
    board = escalation(sup, utcnow())
    overdue = [row for row in board.overdue if row.case is None]
    assert len(overdue) >= len(late)
    assert {row.subject.owner_name for row in overdue} >= {cw.name}
    planned = queries.planned_for(cw)
    assert [v.planned_on.replace(day=1) for v in planned] == [today.replace(day=1)]
    assert planned[0].planned_by_id == sup.id


def check_the_demo_chains_verify_and_the_grid_page_shows_the_red_months(demo, session, app):
    from app.admin.demo import DEMO_PASSWORD
    from app.core.chains import verify
    from tests.conftest import post_form

    with app.app_context():  # the chains are sealed with this app's key (not the last app made in the process)
        problems, chains = verify()
    assert problems == [] and chains >= 80
    from app.admin.demo_visits import SHORT_CENTRE, SHORT_OFFSETS, _months
    from app.centres.models import Centre

    months = _months(china_day(utcnow()))
    missed = [months[-1 - back] for back in SHORT_OFFSETS]
    centre = session.execute(select(Centre).where(Centre.code == SHORT_CENTRE)).scalar_one()
    client = app.test_client()
    post_form(client, "/login", {"email": SUPERVISOR, "password": DEMO_PASSWORD})
    for year in {m.year for m in missed}:
        html = client.get(f"/visits/compliance?year={year}").get_data(as_text=True)
        row = html.split(f'id="centre-{centre.id}"', 1)[1].split("</tr>", 1)[0]
        red = '<td class="short"><a '
        assert row.count(red) == html.count(red) == sum(m.year == year for m in missed)


def test_the_demo_visits(demo, session, app):
    """The demo is seeded once (several seconds) for the four checks."""
    check_a_year_of_visits_with_one_centre_short_two_months(demo, session)
    check_problems_became_cases_of_channel_visit(demo, session)
    check_follow_ups_done_and_late_in_my_work_and_on_the_board(demo, session)
    check_the_demo_chains_verify_and_the_grid_page_shows_the_red_months(demo, session, app)
