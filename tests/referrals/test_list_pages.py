"""The supervisors' referral list page by page: the overdue first, then the agency silent the longest,
those not sent yet last (newest first); keyset pages that neither repeat nor skip a row, a filter kept
from page to page, and a malformed cursor answered with the top of the list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.clocks.models import CaseClock, ClockName, ClockUnit
from app.core.db import utcnow
from app.referrals import queries
from app.referrals.enums import ReferralState as S
from app.referrals.models import Referral

NEXT = re.compile(r'rel="next" href="([^"]+)"')


@pytest.fixture
def listed(world, accepted, agencies, session):
    """Eight referrals of one case, named by where they come in the list."""
    now = utcnow()
    made = {}

    def add(name, state, *, sent=None, word=None, due=None):
        r = Referral(
            case_id=accepted.id,
            centre_id=accepted.centre_id,
            agency_id=agencies["market"].id,
            state=state,
            ip_type="utility_model",
            respondent_name=f"被投诉人{name}",
            sent_at=None if sent is None else now - timedelta(days=sent),
            last_word_at=None if word is None else now - timedelta(days=word),
            created_by_id=world.users["caseworker"].id,
            approved_by_id=None if state is S.PROPOSED else world.users["supervisor"].id,
            chase_count=0,
            police_steps=[],
        )
        session.add(r)
        session.flush()
        if due is not None:  # the running chase clock, due ``due`` days from now (negative: overdue)
            session.add(
                CaseClock(
                    case_id=accepted.id,
                    subject_type="referral",
                    subject_id=r.id,
                    name=ClockName.CHASE,
                    trigger="chase",
                    centre_id=accepted.centre_id,
                    amount=30,
                    unit=ClockUnit.CALENDAR_DAYS,
                    started_at=now + timedelta(days=due - 30),
                    due_at=now + timedelta(days=due),
                    pauses=[],
                )
            )
        made[name] = r

    add("late_long", S.SENT, sent=40, due=-10)
    add("late_short", S.RECEIVED, sent=35, word=5, due=-1)
    add("silent_20_first", S.SENT, sent=20, due=10)
    add("heard_3", S.RECEIVED, sent=10, word=3, due=27)
    add("silent_20_second", S.SENT, sent=20, due=10)  # as silent as the first: the older comes first
    add("proposed_first", S.PROPOSED)
    add("proposed_second", S.PROPOSED)
    add("closed", S.CLOSED, sent=60, word=30)
    session.commit()
    return made


ORDER = ["late_long", "late_short", "silent_20_first", "silent_20_second", "heard_3"]
ORDER += ["proposed_second", "proposed_first"]


def _walk(client, path):
    """Every page from ``path`` on, following the "next page" links: the referral names in order."""
    names, pages = [], []
    while path is not None:
        response = client.get(path)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        pages.append(html)
        names += re.findall(r"被投诉人(\w+)</td>", html)
        found = NEXT.search(html)
        path = found.group(1).replace("&amp;", "&") if found else None
    return names, pages


def test_the_pages_follow_the_list_order_without_repeating_or_skipping(world, listed, login, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    names, pages = _walk(login(world.users["supervisor"]), "/referrals")
    assert names == ORDER
    assert len(pages) == 3
    assert "cursor=" not in pages[0].split('id="referral-list"')[0]
    assert all('href="/referrals"' in html for html in pages[1:])  # the first page, from every later one
    assert 'id="counts-age"' in pages[0]  # the page says how old its counts may be (a cache, issue 16)


def test_a_filter_is_kept_from_page_to_page(world, listed, login, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    client = login(world.users["supervisor"])
    assert _walk(client, "/referrals?state=sent")[0] == ["late_long", "silent_20_first", "silent_20_second"]
    assert _walk(client, "/referrals?overdue=y")[0] == ["late_long", "late_short"]
    every = _walk(client, "/referrals?all=y")[0]
    assert sorted(every) == sorted([*ORDER, "closed"]) and len(every) == len(set(every))


@pytest.mark.parametrize("cursor", ["nonsense", "10.-.5", "21.5.5", "00.12.0", "11." + "9" * 30 + ".1", "01.5.5"])
def test_a_malformed_cursor_shows_the_top_of_the_list(world, listed, login, monkeypatch, cursor):
    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    response = login(world.users["supervisor"]).get(f"/referrals?cursor={cursor}")
    assert response.status_code == 200
    assert re.findall(r"被投诉人(\w+)</td>", response.get_data(as_text=True)) == ORDER[:3]


def test_the_cursor_reads_back_what_it_wrote():
    now = utcnow()
    for cursor in (queries.Cursor(1, 0, now, 7), queries.Cursor(0, 1, None, 12)):
        assert queries.Cursor.decode(cursor.encode()) == cursor


def test_the_counts_are_kept_until_a_referral_changes(world, listed, accepted, session, monkeypatch):
    from sqlalchemy import event

    from app.referrals import services

    supervisor = world.users["supervisor"]
    expected = {S.SENT: 3, S.RECEIVED: 2, S.PROPOSED: 2, S.CLOSED: 1}
    assert queries.state_counts(supervisor) == expected
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(session.get_bind(), "before_cursor_execute", count)
    try:
        assert queries.state_counts(supervisor) == expected
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", count)
    assert len(statements) == 1  # only the newest change of a referral, to know the counts still hold
    services.transition(listed["proposed_first"], "approve", supervisor)
    session.commit()
    assert queries.state_counts(supervisor) == {**expected, S.PROPOSED: 1, S.APPROVED: 1}

    accepted.centre_id = world.other_province.id  # moved out of the supervisor's sight, no referral touched
    session.commit()
    assert queries.state_counts(supervisor)[S.SENT] == 3  # for COUNTS_SECONDS at most
    monkeypatch.setattr(queries, "COUNTS_SECONDS", 0)
    assert queries.state_counts(supervisor) == {}


def test_with_nothing_overdue_the_list_starts_with_the_longest_silent(world, listed):
    long_ago = utcnow() - timedelta(days=400)  # before any clock was due: none is late
    keys = queries.page_keys(world.users["supervisor"], long_ago, open_only=True, limit=50)
    names = ["late_long", "silent_20_first", "silent_20_second", "late_short", "heard_3", *ORDER[5:]]
    assert [k.id for k in keys] == [listed[name].id for name in names]
    assert {(k.late, k.unheard) for k in keys} == {(0, 0), (0, 1)}
    assert queries.page_keys(world.users["supervisor"], long_ago, overdue=True) == []
