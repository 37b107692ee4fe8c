"""The drafts of 1 January: ``flask reports annual-drafts`` makes one draft per active centre and year,
however often and however many at once it runs; its deadline is on the escalation board and in the sla-scan."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.centres.models import Centre
from app.clocks.models import CaseClock
from app.core import chains
from app.extensions import db
from app.notifications.models import Notification
from app.reports.annual import services
from app.reports.annual.models import AnnualReport
from tests.reports.annual.conftest import LONG_AGO, SECTIONS, YEAR, china


def counts(session) -> dict[int, int]:
    return dict(
        session.execute(
            select(AnnualReport.centre_id, func.count())
            .where(AnnualReport.year == YEAR)
            .group_by(AnnualReport.centre_id)
        ).all()
    )


def test_twice_makes_one_draft_per_active_centre(world, people, session, make_centre):
    late = make_centre("NEW1", parent=world.city)  # created after the year: owes no report of it
    closed = make_centre("OLD1", parent=world.city)
    closed.created_at, closed.is_active = LONG_AGO, False
    session.flush()
    now = china(YEAR + 1, 1, 1, 0, 5)
    first = services.prepare_drafts(now=now)
    assert first.year == YEAR
    expected = {world.province.id, world.city.id, world.county.id, world.sibling.id, world.other_province.id}
    assert set(counts(session)) >= expected and late.id not in counts(session) and closed.id not in counts(session)
    assert all(n == 1 for n in counts(session).values())
    second = services.prepare_drafts(YEAR, now=now)
    assert second.created == [] and second.existing == len(first.created)
    assert all(n == 1 for n in counts(session).values())
    clocks = session.execute(
        select(func.count(CaseClock.id)).where(CaseClock.subject_type == "annual_report")
    ).scalar_one()
    assert clocks == len(first.created)
    assert not chains.verify()[0]


def test_the_command(app, world, people, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "annual-drafts", "--year", str(YEAR)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["year"] == YEAR and out["created"] >= 5
    again = json.loads(runner.invoke(args=["reports", "annual-drafts", "--year", str(YEAR)]).output)
    assert again == {"year": YEAR, "created": 0, "existing": out["created"] + out["existing"]}
    bad = runner.invoke(args=["reports", "annual-drafts", "--year", "2999"])
    assert bad.exit_code == 2 and "--year" in bad.output and "2000" in bad.output  # (in the default language)
    bad = runner.invoke(args=["reports", "annual-drafts", "--year", "last"])
    assert bad.exit_code == 2 and "2000" in bad.output


def test_the_deadline_on_the_board_and_in_the_scan(world, people, draft, session, login, monkeypatch):
    from app.clocks.scan import scan

    # On 28 January it is not due yet: not on the board.
    monkeypatch.setattr("app.clocks.views.utcnow", lambda: china(YEAR + 1, 1, 28))
    client = login(people["writer"])
    page = client.get("/escalation").get_data(as_text=True)
    assert f"/reports/annual/{draft.id}" not in page
    # After the deadline: on the board of the city and of the province, with the centre's name and a link.
    monkeypatch.setattr("app.clocks.views.utcnow", lambda: china(YEAR + 1, 2, 3))
    page = client.get("/escalation").get_data(as_text=True)
    assert f'href="/reports/annual/{draft.id}"' in page and world.city.name_zh in page
    reviewer = login(people["reviewer"])
    assert f"/reports/annual/{draft.id}" in reviewer.get("/escalation").get_data(as_text=True)
    # The scan records the breach once, in the report's chain, and tells the writers and the reviewers.
    result = scan(china(YEAR + 1, 2, 3), deliver=False)
    again = scan(china(YEAR + 1, 2, 3, 11), deliver=False)
    told = sorted(
        session.execute(select(Notification.user_id).where(Notification.kind == "annual_report_breached")).scalars()
    )
    assert told == sorted([people["writer"].id, people["colleague"].id, people["reviewer"].id])
    assert result is not None and again is not None
    events = session.execute(
        select(chains.AuditEvent.action).where(
            chains.AuditEvent.chain_type == "annual_report", chains.AuditEvent.chain_id == draft.id
        )
    ).scalars()
    assert list(events).count("clock_breached") == 1
    # Met on submission: off the board.
    services.submit(people["writer"], draft, SECTIONS)
    session.flush()
    assert f"/reports/annual/{draft.id}" not in client.get("/escalation").get_data(as_text=True)
    assert not chains.verify()[0]


@pytest.fixture(scope="module")
def race_app(tmp_path_factory, app):
    from tests.clocks.test_sla_scan import own_database_app

    yield from own_database_app(tmp_path_factory, app, "annualrace")


RACERS = 4


@pytest.mark.e2e
def test_runs_at_once_make_each_draft_once(race_app):
    """Several crons at the same moment (PostgreSQL: real concurrent transactions; SQLite serialises them)."""
    from app.centres.models import CentreLevel

    with race_app.app_context():
        ids = []
        parent = None
        for code in ("RA", "RB", "RC", "RD"):
            centre = Centre(
                code=code,
                name_zh=f"{code}中心",
                name_en=code,
                level=CentreLevel.PROVINCIAL if parent is None else CentreLevel.MUNICIPAL,
                parent=parent,
                path="/",
                created_at=LONG_AGO,
            )
            db.session.add(centre)
            db.session.flush()
            centre.assign_path()
            parent = parent or centre
            ids.append(centre.id)
        db.session.commit()
    barrier = threading.Barrier(RACERS, timeout=60)

    def job(_):
        with race_app.app_context():
            try:
                barrier.wait()
                return len(services.prepare_drafts(YEAR, now=china(YEAR + 1, 1, 1, 0, 1)).created)
            except Exception as exc:  # shown by the assertion, never swallowed
                db.session.rollback()
                return f"error: {exc!r}"

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        results = list(pool.map(job, range(RACERS)))
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == len(ids)
    with race_app.app_context():
        rows = db.session.execute(select(AnnualReport.centre_id, func.count()).group_by(AnnualReport.centre_id)).all()
        assert sorted(rows) == sorted((i, 1) for i in ids)
        clocks = db.session.execute(
            select(func.count(CaseClock.id)).where(CaseClock.subject_type == "annual_report")
        ).scalar_one()
        assert clocks == len(ids)
        problems, _n = chains.verify()
        assert not problems
        db.session.rollback()
