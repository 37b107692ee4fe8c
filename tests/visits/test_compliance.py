"""The monthly minimum of visits: the compliance grid (centres of the subtree × months, in a fixed number
of statements), and the month-end breach the sla-scan records once per centre and month, notifying the
centre's supervisors, also when two scans run at once (PostgreSQL: two sessions racing)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.centres.models import CentreLevel, CentreSetting
from app.core.workdays import CHINA
from app.extensions import db
from app.notifications.models import Notification
from app.visits import compliance
from app.visits.compliance import IN_PROGRESS, MET, NOT_REQUIRED, SHORT, months_of_year
from app.visits.models import VisitBreach

LONG_AGO = datetime(2025, 6, 1, tzinfo=UTC)


def china(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CHINA).astimezone(UTC)


@pytest.fixture
def founded(world, session):
    """The world's centres existed long before 2026 (a centre owes visits from the month after it was set up)."""
    for centre in (world.province, world.city, world.county, world.sibling, world.other_province):
        centre.created_at = LONG_AGO
    session.commit()


def cells(grid, code):
    row = next(r for r in grid.rows if r.centre.code == code)
    return {c.month.month: (c.visits, c.required, c.status) for c in row.cells}


def test_the_grid_counts_done_visits_per_centre_and_month(world, founded, record, at, staff, session):
    at.set(2026, 3, 10)
    record(visited_on=date(2026, 1, 15))
    record(visited_on=date(2026, 1, 20), follow_ups=[])  # closed: counts too
    record(visited_on=date(2026, 3, 2), centre=world.county, enterprises=[world.county_enterprise])
    session.add(CentreSetting(centre_id=world.city.id, key="visits_per_month", value=2))
    session.commit()
    grid = compliance.compliance(world.users["supervisor"], months_of_year(2026), now=china(2026, 3, 10, 9))
    assert [r.centre.code for r in grid.rows] == ["CA", "CAC"]  # the city's subtree only
    city, county = cells(grid, "CA"), cells(grid, "CAC")
    assert city[1] == (2, 2, MET)
    assert city[2] == (0, 2, SHORT)
    assert city[3] == (0, 2, IN_PROGRESS)
    assert city[4][2] == "future"
    assert county[1] == (0, 2, SHORT)  # the county inherits the city's minimum
    assert county[3] == (1, 2, IN_PROGRESS)
    api = grid.as_list()
    assert {"centre": "CA", "month": "2026-01", "visits": 2, "required": 2, "met": True} in api


def test_months_before_a_centre_existed_are_not_required(world, record, at, session):
    world.city.created_at = china(2026, 2, 10)
    session.commit()
    grid = compliance.compliance(world.users["supervisor"], months_of_year(2026), now=china(2026, 5, 1, 9))
    city = cells(grid, "CA")
    assert city[1][2] == NOT_REQUIRED and city[2][2] == NOT_REQUIRED and city[3][2] == SHORT


def test_the_grid_takes_a_fixed_number_of_statements(
    world, founded, make_centre, record, at, session, count_statements
):
    sup = world.users["supervisor"]
    with count_statements() as few:
        compliance.compliance(sup, months_of_year(2026), now=china(2026, 3, 10))
    for i in range(6):
        centre = make_centre(f"W{i}", parent=world.city, level=CentreLevel.WORKSTATION)
        centre.created_at = LONG_AGO
    session.commit()
    record(visited_on=date(2026, 2, 3))
    with count_statements() as many:
        grid = compliance.compliance(sup, months_of_year(2026), now=china(2026, 3, 10))
    assert len(grid.rows) == 8
    assert len(many) == len(few) <= 3


def test_applicants_and_no_staff_get_an_empty_grid(world):
    assert compliance.compliance(world.applicant, months_of_year(2026)).rows == []


def breach_rows(session):
    session.expire_all()
    return sorted((b.centre_id, b.month, b.visits, b.required) for b in session.execute(select(VisitBreach)).scalars())


def test_the_month_end_breach_is_recorded_once_and_told_to_the_supervisors(
    app, world, founded, record, at, staff, make_user, session
):
    at.set(2026, 3, 5)
    record(visited_on=date(2026, 3, 4), follow_ups=[])  # the city visited in March; the others did not
    county_sup = make_user(Role.SUPERVISOR, centre=world.county)
    session.commit()
    # Before midnight of 1 April (Beijing) March is still running: only February is looked at.
    compliance.month_end_breaches(china(2026, 3, 31, 23, 59))
    february = {row[0] for row in breach_rows(session) if row[1] == date(2026, 2, 1)}
    assert world.city.id in february
    assert not any(row[1] == date(2026, 3, 1) for row in breach_rows(session))
    recorded = compliance.month_end_breaches(china(2026, 4, 1, 0, 1))
    march = [row for row in breach_rows(session) if row[1] == date(2026, 3, 1)]
    centres = {row[0] for row in march}
    assert world.city.id not in centres
    assert {world.county.id, world.sibling.id, world.province.id, world.other_province.id} <= centres
    assert recorded == len(march)
    assert (world.county.id, date(2026, 3, 1), 0, 1) in march
    assert compliance.month_end_breaches(china(2026, 4, 1, 0, 2)) == 0
    assert compliance.month_end_breaches(china(2026, 4, 20, 9)) == 0
    assert len(breach_rows(session)) == len(set((r[0], r[1]) for r in breach_rows(session)))
    told = session.execute(
        select(Notification.user_id, Notification.subject_id).where(
            Notification.kind == "visits_missed", Notification.params["month"].as_string() == "2026-03"
        )
    ).all()
    assert (county_sup.id, world.county.id) in told
    # The county has a supervisor of its own: the city's supervisor is not told of the county's month.
    assert (world.users["supervisor"].id, world.county.id) not in told
    # The sibling city has none: its month goes to the province's supervisors (none here) — nobody.
    assert not [t for t in told if t[1] == world.city.id]


def test_the_sla_scan_records_the_month_end_breach(app, world, founded, session):
    from app.clocks.scan import scan

    with app.app_context():
        result = scan(china(2026, 4, 1, 0, 1), deliver=False)
    assert result.others["visit_breaches"] >= 4 and result.happened
    assert result.as_dict()["visit_breaches"] == result.others["visit_breaches"]
    with app.app_context():
        assert scan(china(2026, 4, 1, 0, 2), deliver=False).others["visit_breaches"] == 0


# ---- two scans at once, on a database of their own ------------------------------------------------------

RACERS = 4


@pytest.fixture(scope="module")
def race_app(tmp_path_factory, app):
    from tests.clocks.test_sla_scan import own_database_app

    yield from own_database_app(tmp_path_factory, app, "visitrace")


@pytest.mark.e2e
def test_scans_at_once_record_each_breach_once(race_app):
    from app.auth.models import User
    from app.centres.models import Centre

    with race_app.app_context():
        ids = []
        for code in ("VA", "VB", "VC"):
            centre = Centre(
                code=code,
                name_zh=f"{code}中心",
                name_en=code,
                level=CentreLevel.PROVINCIAL,
                path="/",
                created_at=LONG_AGO,
            )
            db.session.add(centre)
            db.session.flush()
            centre.assign_path()
            db.session.add(
                User(email=f"sv@{code.lower()}.cn", name="sv", role=Role.SUPERVISOR, centre=centre, password_hash="x")
            )
            ids.append(centre.id)
        db.session.commit()
    barrier = threading.Barrier(RACERS, timeout=60)

    def job(_):
        with race_app.app_context():
            try:
                barrier.wait()
                return compliance.month_end_breaches(china(2026, 4, 1, 0, 1))
            except Exception as exc:  # shown by the assertion, never swallowed
                db.session.rollback()
                return f"error: {exc!r}"

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        results = list(pool.map(job, range(RACERS)))
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 3
    with race_app.app_context():
        rows = db.session.execute(select(VisitBreach.centre_id, func.count()).group_by(VisitBreach.centre_id)).all()
        assert sorted(rows) == sorted((i, 1) for i in ids)
        told = db.session.execute(
            select(func.count(Notification.id)).where(Notification.kind == "visits_missed")
        ).scalar_one()
        assert told == 3
        db.session.rollback()
