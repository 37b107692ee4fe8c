"""Reads of visits: scoped to the centre's subtree for staff and to their own enterprise's done visits for
an applicant, who never gets the internal notes (the column is not even loaded); keyset pages; the
enterprise's history and "my work" lists; no lazy loads; a field changed behind the door is caught by
the chain verification."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from app.core import chains
from app.visits import queries, services
from app.visits.enums import VisitState
from app.visits.models import Visit
from tests.visits.conftest import day


@pytest.fixture
def visits(world, record, at, staff, session):
    cw, sup = staff
    done = record()
    closed = record(visited_on=day(-3), follow_ups=[])
    county = record(centre=world.county, enterprises=[world.county_enterprise], follow_ups=[])
    planned = services.plan_visit(sup, centre=world.city, planned_on=day(2), staff=[cw], enterprises=[world.enterprise])
    session.commit()
    return {"done": done, "closed": closed, "county": county, "planned": planned}


def ids(rows):
    return {v.id for v in rows}


def test_staff_see_their_subtree(world, visits, make_user):
    from app.auth.models import Role

    everyone = ids(visits.values())
    assert ids(queries.list_visits(world.users["supervisor"]).rows) == everyone
    assert ids(queries.list_visits(world.users["mediator"]).rows) == everyone
    county_cw = make_user(Role.CASEWORKER, centre=world.county)
    assert ids(queries.list_visits(county_cw).rows) == {visits["county"].id}
    assert queries.list_visits(world.sibling_caseworker).rows == []
    assert queries.get_visit(world.sibling_caseworker, visits["done"].id) is None
    assert queries.get_visit(world.users["caseworker"], visits["county"].id) is not None


def test_an_applicant_sees_the_done_visits_of_their_enterprise_without_notes(world, visits, session):
    rows = queries.list_visits(world.applicant).rows
    assert ids(rows) == {visits["done"].id, visits["closed"].id}  # not the plan, not the county's
    for visit in rows:
        assert visit.notes == ""
    session.expunge_all()
    visit = queries.get_visit(world.applicant, visits["done"].id)
    assert visit is not None and visit.notes == "" and visit.problems and visit.follow_ups
    assert queries.get_visit(world.applicant, visits["planned"].id) is None
    assert queries.get_visit(world.other_applicant, visits["done"].id) is None
    # The staff's object still has its notes (the applicant's copy was never loaded with them).
    session.expunge_all()
    assert queries.get_visit(world.users["caseworker"], visits["done"].id).notes == "内部：企业对维权意愿强烈"


def test_the_notes_column_is_never_read_for_an_applicant(world, visits, session, count_statements):
    session.expunge_all()
    with count_statements() as statements:
        queries.get_visit(world.applicant, visits["done"].id)
        queries.list_visits(world.applicant)
        queries.enterprise_history(world.applicant, world.enterprise)
    assert statements and not any("notes" in s for s in statements)


def test_filters_and_keyset_pages(world, visits, record, session):
    sup = world.users["supervisor"]
    march = queries.list_visits(sup, month=date(2026, 3, 1))
    assert ids(march.rows) == ids(visits.values())
    assert queries.list_visits(sup, month=date(2026, 2, 1)).rows == []
    assert ids(queries.list_visits(sup, centre_id=world.county.id).rows) == {visits["county"].id}
    assert len(queries.list_visits(sup, centre_id=world.city.id, subtree=True).rows) == 4
    assert ids(queries.list_visits(sup, state="planned").rows) == {visits["planned"].id}
    assert ids(queries.list_visits(sup, state=VisitState.CLOSED).rows) == {visits["closed"].id, visits["county"].id}
    assert ids(queries.list_visits(sup, enterprise_id=world.county_enterprise.id).rows) == {visits["county"].id}
    seen, cursor = [], None
    while True:
        page = queries.list_visits(sup, cursor=cursor, limit=3)
        seen += [v.id for v in page.rows]
        if not page.has_next:
            break
        cursor = page.next_cursor.encode()
    full = [v.id for v in queries.list_visits(sup).rows]
    assert seen == full and len(seen) == 4
    days = [queries.get_visit(sup, i).day for i in full]
    assert days == sorted(days, reverse=True)
    assert queries.list_visits(sup, cursor="nonsense").cursor is None


def test_lists_load_what_they_show_in_a_fixed_number_of_statements(world, visits, record, session, count_statements):
    sup = world.users["supervisor"]
    session.expire_all()
    with count_statements() as few:
        rows = queries.list_visits(sup).rows
        _ = [
            (v.centre.code, [u.name for u in v.staff], [e.name for e in v.enterprises], len(v.follow_ups)) for v in rows
        ]
    for _ in range(5):
        record(follow_ups=[])
    session.commit()
    session.expire_all()
    with count_statements() as many:
        rows = queries.list_visits(sup).rows
        _ = [
            (v.centre.code, [u.name for u in v.staff], [e.name for e in v.enterprises], len(v.follow_ups)) for v in rows
        ]
    assert len(rows) == 9 and len(many) == len(few)


def test_my_work_lists(world, visits, staff, session):
    cw, sup = staff
    assert [v.id for v in queries.planned_for(cw)] == [visits["planned"].id]
    assert queries.planned_for(sup) == []
    assert [f.text for f in queries.follow_ups_for(cw)] == ["寄送专利快速预审政策材料"]
    assert queries.follow_ups_for(world.applicant) == []


def test_choices_are_what_the_services_accept(world, visits, make_user):
    from app.auth.models import Role

    county_cw = make_user(Role.CASEWORKER, centre=world.county)
    staff_ids = {u.id for u in services.db.session.execute(queries.staff_choices(world.county)).scalars()}
    assert {world.users["caseworker"].id, world.users["supervisor"].id, county_cw.id} <= staff_ids
    assert world.users["mediator"].id not in staff_ids and world.sibling_caseworker.id not in staff_ids
    firms = {e.id for e in services.db.session.execute(queries.enterprise_choices(world.city)).scalars()}
    assert {world.enterprise.id, world.county_enterprise.id} == firms
    found = list(services.db.session.execute(queries.enterprise_choices(world.city, q="县级")).scalars())
    assert [e.id for e in found] == [world.county_enterprise.id]
    assert list(services.db.session.execute(queries.enterprise_choices(world.city, q="%")).scalars()) == []


def test_a_field_changed_behind_the_door_is_caught(world, visits, session):
    visit = visits["done"]
    assert [p for p in chains.verify()[0] if "visit" in str(p.chain)] == []
    session.execute(update(Visit).where(Visit.id == visit.id).values(notes="改过了"))
    session.commit()
    problems = [p for p in chains.verify()[0] if str(p.chain) == f"visit {visit.id}"]
    assert problems and "changed" in problems[0].problem
