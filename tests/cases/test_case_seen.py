"""``case_seen``, the scope rule of what belongs to a case (referrals, plans, mediations, fund requests):
the same cases whichever form the breadth of the scope picks (the ids of a narrow scope read first,
a correlated EXISTS for a wide one), the cases answered for beyond the scope included."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.auth.models import Role
from app.cases.enums import HandoverKind, HandoverStatus
from app.cases.models import Case, CaseHandover
from app.extensions import db


def reachable(user, *, answers_for=True) -> tuple[set[int], str]:
    """The ids of the cases the rule lets ``user`` reach, and the SQL of the rule."""
    from app.cases.scope import case_seen

    outer = aliased(Case)  # the rule correlates to the row's case id, never to a ``cases`` of the list
    clause = case_seen(outer.id, user, answers_for=answers_for)
    return set(db.session.execute(select(outer.id).where(clause)).scalars()), str(clause)


@pytest.fixture
def cases(world, make_case, make_user, session):
    """Cases at the city, at the county below it, at the sibling city, and three in the other province:
    one the city's caseworker was first responder of, one offered to the city as a transfer, one of
    neither; and the applicant's draft at the city."""
    caseworker = world.users["caseworker"]
    w = world
    w.province_staff = make_user(Role.CASEWORKER, centre=w.province, email="cw@province.cn")
    colleague = make_user(Role.CASEWORKER, centre=w.city, email="cw2@city.cn")  # first responder of the rest
    made = {}
    for name, centre in (
        ("city", w.city),
        ("county", w.county),
        ("sibling", w.sibling),
        ("answered_for", w.other_province),
        ("offered", w.other_province),
        ("far", w.other_province),
    ):
        staff = caseworker if name == "answered_for" else colleague
        case = make_case(w.applicant, w.enterprise, state="acknowledged", staff=staff)
        assert case.first_responder_id == staff.id
        case.centre_id = centre.id
        made[name] = case
    made["draft"] = make_case(w.applicant, w.enterprise, state="draft")
    session.add(
        CaseHandover(
            case_id=made["offered"].id,
            kind=HandoverKind.TRANSFER,
            status=HandoverStatus.OFFERED,
            from_centre_id=w.other_province.id,
            to_centre_id=w.city.id,
        )
    )
    session.commit()
    return {name: case.id for name, case in made.items()}


def test_a_narrow_scope_reads_its_cases_ids_and_reaches_the_same_cases(world, cases, monkeypatch):
    from app.cases import scope

    city = world.users["caseworker"]
    found, sql = reachable(city)
    assert "EXISTS" not in sql.upper()  # a municipal scope: its case ids, read first
    assert found == {cases["city"], cases["county"], cases["answered_for"], cases["offered"]}
    assert reachable(city, answers_for=False)[0] == {cases["city"], cases["county"]}

    # More cases than a narrow scope is meant to hold: the EXISTS form, and the same cases.
    monkeypatch.setattr(scope, "NARROW_ROWS", 1)
    found, sql = reachable(city)
    assert "EXISTS" in sql.upper()
    assert found == {cases["city"], cases["county"], cases["answered_for"], cases["offered"]}
    assert reachable(city, answers_for=False)[0] == {cases["city"], cases["county"]}


def test_a_wide_scope_checks_each_rows_case(world, cases):
    found, sql = reachable(world.province_staff)
    assert "EXISTS" in sql.upper()
    assert found == {cases["city"], cases["county"], cases["sibling"]}
    assert cases["draft"] not in found  # the applicant's draft is theirs alone


@pytest.mark.parametrize("who", ["city", "province"])
def test_a_list_that_joins_the_rows_case_itself_still_reads_the_rule_on_its_own(world, cases, who):
    """The rule never correlates to a ``cases`` of the outer statement (here the handover's own case)."""
    from app.cases.scope import case_seen

    user = world.users["caseworker"] if who == "city" else world.province_staff
    stmt = (
        select(CaseHandover.case_id)
        .join(Case, Case.id == CaseHandover.case_id)
        .where(case_seen(CaseHandover.case_id, user), Case.state == "acknowledged")
    )
    expected = {cases["offered"]} if who == "city" else set()
    assert set(db.session.execute(stmt).scalars()) == expected


def test_a_narrow_scopes_rows_are_read_once_until_anything_is_written(world, cases, session, count_statements):
    from app.cases.scope import case_seen

    city = world.users["caseworker"]

    def handovers():
        return set(session.execute(select(CaseHandover.id).where(case_seen(CaseHandover.case_id, city))).scalars())

    before = handovers()
    with count_statements() as statements:
        assert handovers() == before  # the rows of the scope kept: one statement, the list's own
    assert len(statements) == 1
    added = CaseHandover(
        case_id=cases["city"],
        kind=HandoverKind.TRANSFER,
        status=HandoverStatus.OFFERED,
        from_centre_id=world.city.id,
        to_centre_id=world.sibling.id,
    )
    session.add(added)
    session.flush()
    assert handovers() == before | {added.id}  # written since: read again
