"""A respondent's other cases, the earlier cases a letter lists, and the ranking: what matches, in
whose scope, and in a fixed number of statements."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import update

from app.cases.models import Case
from app.core.db import utcnow
from app.respondents.queries import Party, earlier_cases_for_letter, other_cases, ranking
from tests.helpers import valid_credit_code
from tests.respondents.conftest import ACME


def _numbers(rows):
    return {r.number for r in rows}


def test_matched_by_name_without_a_code(world, against):
    case = against(ACME)
    same = against("深圳市 某某科技有限责任公司")
    against("深圳市另一家科技有限公司")
    rows = other_cases(case, world.users["caseworker"])
    assert _numbers(rows) == {same.number}
    assert rows[0].respondent_names == ["深圳市 某某科技有限责任公司"] and not rows[0].by_code


def test_matched_by_credit_code_whatever_the_name(world, against):
    code = valid_credit_code()
    case = against((ACME, code))
    renamed = against(("深圳市新名字有限公司", code))
    uncoded = against(ACME)  # the same name without a code: matched by name
    other_code = against((ACME, valid_credit_code()))  # same name, another code: another company
    rows = other_cases(case, world.users["caseworker"])
    assert _numbers(rows) == {renamed.number, uncoded.number}
    assert {r.number: r.by_code for r in rows} == {renamed.number: True, uncoded.number: False}
    # an uncoded respondent matches every case of its name, coded or not
    assert _numbers(other_cases(uncoded, world.users["caseworker"])) == {case.number, other_code.number}


def test_any_respondent_of_the_case_matches(world, against):
    case = against("甲科技有限公司", "乙贸易有限公司")
    second = against("乙贸易有限责任公司")
    assert _numbers(other_cases(case, world.users["caseworker"])) == {second.number}
    # a referral names one respondent: only its cases
    assert other_cases(case, world.users["caseworker"], respondents=[Party("甲科技有限公司")]) == []


def test_newest_first_with_outcomes_and_limit(world, against, session):
    case = against(ACME)
    older, newer = against(ACME, state="declined"), against(ACME, state="closed")
    session.execute(update(Case).where(Case.id == older.id).values(created_at=utcnow() - timedelta(days=30)))
    session.commit()
    rows = other_cases(case, world.users["caseworker"])
    assert [r.number for r in rows] == [newer.number, older.number]
    assert rows[0].state.value == "closed" and rows[0].outcome == "双方达成和解"
    assert rows[1].decline_reason.value == "insufficient_evidence"
    assert [r.number for r in other_cases(case, world.users["caseworker"], limit=1)] == [newer.number]


def test_drafts_are_nobodys_case_yet(world, against):
    case = against(ACME)
    against(ACME, state="draft")
    assert other_cases(case, world.users["caseworker"]) == []


def test_a_caseworker_never_sees_a_sibling_centres_cases(world, against, make_user):
    from app.auth.models import Role

    city, county, sibling = against(ACME), against(ACME, who="county"), against(ACME, who="sibling")
    assert _numbers(other_cases(city, world.users["caseworker"])) == {county.number}
    assert _numbers(other_cases(sibling, world.sibling_caseworker)) == set()
    province = make_user(Role.SUPERVISOR, centre=world.province)
    assert _numbers(other_cases(city, province)) == {county.number, sibling.number}
    county_worker = make_user(Role.CASEWORKER, centre=world.county)
    assert _numbers(other_cases(county, county_worker)) == set()  # the city is above the county


def test_an_applicant_sees_only_their_own_enterprises_cases(world, against):
    mine_1, mine_2 = against(ACME), against(ACME)
    against(ACME, who="county")
    theirs = against(ACME, who="sibling")
    assert _numbers(other_cases(mine_1, world.applicant)) == {mine_2.number}
    assert _numbers(other_cases(mine_1, world.other_applicant)) == {theirs.number}  # their own only


def test_beyond_the_subtree_a_first_responder_still_sees_the_case(world, against, session):
    """After a transfer to the sibling city, the city's first responder still answers for the case."""
    from app.cases import services
    from tests.conftest import ACTION_INPUT

    case, moved = against(ACME), against(ACME)
    services.transition(moved, "offer_transfer", world.users["caseworker"], **ACTION_INPUT["offer_transfer"])
    services.transition(moved, "accept_transfer", world.sibling_caseworker, comment="接收")
    session.commit()
    assert moved.centre_id == world.sibling.id
    assert _numbers(other_cases(case, world.users["caseworker"])) == {moved.number}
    assert _numbers(other_cases(case, world.users["supervisor"])) == set()


def test_the_other_cases_read_a_fixed_number_of_statements(world, against, count_statements):
    case = against(ACME)
    against(ACME)
    with count_statements() as few:
        assert len(other_cases(case, world.users["caseworker"])) == 1
    for _ in range(6):
        against(ACME)
    with count_statements() as many:
        assert len(other_cases(case, world.users["caseworker"])) == 7
    assert len(many) == len(few) <= 5


def test_a_respondent_named_in_no_other_case_costs_one_statement(world, against, count_statements):
    case = against(ACME)
    against("深圳市另一家科技有限公司")
    with count_statements() as statements:
        assert other_cases(case, world.users["caseworker"]) == []
    assert len(statements) == 1


def test_a_respondent_named_in_many_cases_is_asked_for_in_the_scoped_statement(world, against, make_user, monkeypatch):
    """Above ``OTHER_CANDIDATES`` the candidates are not passed by id: the same cases, the same scope."""
    from app.auth.models import Role
    from app.respondents import queries

    monkeypatch.setattr(queries, "OTHER_CANDIDATES", 1)
    city, county, sibling = against(ACME), against(ACME, who="county"), against(ACME, who="sibling")
    against(ACME, state="draft")
    assert _numbers(other_cases(city, world.users["caseworker"])) == {county.number}
    province = make_user(Role.SUPERVISOR, centre=world.province)
    assert _numbers(other_cases(city, province)) == {county.number, sibling.number}


# ---- the transfer letter's earlier cases ------------------------------------------------------------------


def test_the_letter_lists_the_earlier_cases_of_the_centres_subtree(world, against, session):
    code = valid_credit_code()
    first = against((ACME, code), who="county")
    withdrawn = against(ACME, state="withdrawn")
    against(ACME, state="draft")
    against(ACME, who="sibling")  # not the city's subtree
    second = against(("深圳市某某科技有限责任公司", None))
    case = against((ACME, code))
    later = against(ACME)
    stamps = {first: 40, withdrawn: 30, second: 20, case: 10, later: 0}
    for c, days in stamps.items():
        session.execute(update(Case).where(Case.id == c.id).values(created_at=utcnow() - timedelta(days=days)))
    session.commit()
    session.refresh(case)
    listed = earlier_cases_for_letter(case)
    assert [c["number"] for c in listed] == [first.number, second.number]
    assert listed[0]["state"] == "acknowledged" and listed[0]["created_at"] < listed[1]["created_at"]
    assert json.loads(json.dumps(listed)) == listed  # what the referral keeps in its JSON column
    # the letter names one respondent by its code only: the coded case, and the uncoded one of its name
    assert [c["number"] for c in earlier_cases_for_letter(case, [Party("别名有限公司", code)])] == [first.number]
    assert earlier_cases_for_letter(first) == []


# ---- the ranking ------------------------------------------------------------------------------------------


def test_the_ranking_counts_cases_and_complainants(world, against, session):
    code = valid_credit_code()
    for who in ("city", "city", "county"):
        against((ACME, code), who=who)
    against(("深圳市某某科技有限责任公司", code))  # another spelling, one code
    against("乙贸易有限公司")
    against("乙 贸易有限责任公司", who="county")
    against("丙有限公司", who="sibling")
    against("丁有限公司", state="draft")
    top = ranking(world.users["supervisor"])
    assert [(r.key, r.cases, r.complainants) for r in top] == [
        (("code", code), 4, 2),
        (("name", "乙贸易"), 2, 2),
    ]
    assert top[0].name == ACME and top[0].credit_code == code  # the most common spelling
    assert top[1].name in ("乙贸易有限公司", "乙 贸易有限责任公司") and top[1].credit_code is None
    assert ranking(world.sibling_caseworker)[0].key == ("name", "丙")
    assert ranking(world.applicant) == []
    assert len(ranking(world.users["supervisor"], limit=1)) == 1


def test_the_ranking_period(world, against, session):
    old = against("旧公司")
    against("新公司")
    session.execute(update(Case).where(Case.id == old.id).values(created_at=utcnow() - timedelta(days=400)))
    session.commit()
    user = world.users["caseworker"]
    assert {r.name for r in ranking(user)} == {"旧公司", "新公司"}
    assert {r.name for r in ranking(user, since=utcnow() - timedelta(days=365))} == {"新公司"}
    assert {r.name for r in ranking(user, until=utcnow() - timedelta(days=365))} == {"旧公司"}


def test_the_ranking_reads_two_statements(world, against, count_statements):
    against("甲有限公司")
    with count_statements() as few:
        ranking(world.users["supervisor"])
    for i in range(8):
        against(f"乙{i}有限公司", f"丙{i}有限公司")
    with count_statements() as many:
        assert len(ranking(world.users["supervisor"])) == 17
    assert len(few) == len(many) == 2
