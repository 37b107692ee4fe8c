"""The reports' query layer against a recount done case by case.

A generated world (``tests.reports.gen``) has cases, clocks, mediations, referrals, visits and fund
requests at random times around a month; every figure of the month, of the month before and of the
same month a year before, for the province with its subtree and for each row of its breakdown, is
recounted here in Python from the rows themselves (days read in China time) and must equal what
``figures.compute`` counted in SQL. Each drill-down list must hold exactly the rows its figure counts.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from app.reports import figures
from app.reports.figures import CURRENT, PREVIOUS, YEAR_AGO
from tests.reports import gen

CHINA = ZoneInfo("Asia/Shanghai")


def day(t):
    return t.astimezone(CHINA).date() if t is not None else None


def inside(value, period) -> bool:
    if value is None:
        return False
    d = value if not hasattr(value, "astimezone") else day(value)
    return period.start <= d <= period.end


@pytest.fixture
def world(session, make_centre, make_user, make_enterprise):
    return gen.build(session, make_centre, make_user, make_enterprise)


def recount(world, period, centre_ids) -> tuple[dict, dict]:
    """{measure key: value} and {measure key: ids counted}, case by case."""
    from app.cases.enums import CaseKind
    from app.clocks.models import ClockName
    from app.fund.enums import EntryKind
    from app.fund.models import LedgerEntry
    from app.mediation.enums import MediationState
    from app.visits.enums import VisitState

    values: dict = defaultdict(int)
    ids: dict = defaultdict(set)

    def count(key, subject_id, amount=1):
        values[key] += amount
        ids[key].add(subject_id)

    for c in (c for c in world.cases if c.centre_id in centre_ids):
        if inside(c.submitted_at, period):
            count("cases.received", c.id)
            count(f"cases.channel.{c.channel.value}", c.id)
            count(f"cases.kind.{c.kind.value}", c.id)
            count(f"cases.ip_type.{c.ip_type.value if c.ip_type else 'none'}", c.id)
        if inside(c.decided_at, period):
            if c.decline_reason is not None:
                count("cases.declined", c.id)
            elif c.kind is CaseKind.CONSULTATION:
                count("cases.answered", c.id)
            else:
                count("cases.accepted", c.id)
        if inside(c.closed_at, period):
            count("cases.closed", c.id)
            if c.rating is not None:
                count("ratings.rated", c.id)
                count("ratings.sum", c.id, c.rating)
                count(f"ratings.stars.{c.rating}", c.id)
    for k in world.clocks:
        if k.centre_id not in centre_ids or k.stopped_at is not None or not inside(k.due_at, period):
            continue
        if k.met_at is None and (k.paused_at is not None or k.due_at >= gen.NOW):
            continue
        count(f"clocks.{ClockName(k.name).value}.counted", k.case_id)
        if k.met_at is not None and k.met_at <= k.due_at:
            count(f"clocks.{ClockName(k.name).value}.on_time", k.case_id)
    durations = []
    for m in (m for m in world.mediations if m.centre_id in centre_ids):
        if inside(m.opened_at, period):
            count("mediations.opened", m.case_id)
        if inside(m.ended_at, period):
            if m.agreed_at is not None:
                count("mediations.agreed", m.case_id)
                count("mediations.agreed_fen", m.case_id, m.amount_fen or 0)
            if m.state is MediationState.FAILED:
                count("mediations.failed", m.case_id)
            if m.opened_at is not None:
                durations.append((m.ended_at - m.opened_at).total_seconds() / 86400)
    for r in (r for r in world.referrals if r.centre_id in centre_ids):
        if inside(r.sent_at, period):
            count("referrals.sent", r.case_id)
        if inside(r.received_on, period):
            count("referrals.answered", r.case_id)
        if inside(r.decided_on, period):
            count("referrals.opened" if r.opened else "referrals.not_opened", r.case_id)
        if inside(r.police_transferred_on, period):
            count("referrals.police", r.case_id)
        if inside(r.outcome_on, period):
            count("referrals.concluded", r.case_id)
            count("referrals.penalty_fen", r.case_id, r.penalty_fen or 0)
    for v in (v for v in world.visits if v.centre_id in centre_ids):
        if v.state in (VisitState.DONE, VisitState.CLOSED) and inside(v.visited_on, period):
            count("visits.done", v.id)
    payouts = 0
    from app.extensions import db

    entries = db.session.query(LedgerEntry).filter(LedgerEntry.kind == EntryKind.PAYOUT).all()
    for r in (r for r in world.requests if r.centre_id in centre_ids):
        if inside(r.submitted_at, period):
            count("fund.submitted", r.case_id)
        if inside(r.second_approved_at, period):
            count("fund.granted", r.case_id)
            count("fund.granted_fen", r.case_id, r.approved_fen)
        if inside(r.rejected_at, period):
            count("fund.refused", r.case_id)
        paid = [e for e in entries if e.request_id == r.id and inside(e.occurred_on, period)]
        if paid:
            count("fund.paid", r.case_id)
            payouts += sum(e.amount_fen for e in paid)
    values["_median"] = round(statistics.median(durations), 1) if durations else None
    values["_payouts"] = payouts
    return values, ids


def test_every_figure_equals_a_recount_case_by_case(app, session, world):
    report = figures.compute(world.province, gen.MONTH, now=gen.NOW)
    subtree = {world.province.id, world.cities[0].id, world.cities[1].id, world.county.id}
    groups = {
        None: subtree,
        world.province.id: {world.province.id},
        world.cities[0].id: {world.cities[0].id},
        world.cities[1].id: {world.cities[1].id, world.county.id},
    }
    assert [g.centre_id for g in report.groups] == [world.province.id, world.cities[0].id, world.cities[1].id]
    checked = 0
    for period_key in (CURRENT, PREVIOUS, YEAR_AGO):
        period = report.periods[period_key]
        for group, centre_ids in groups.items():
            expected, _ids = recount(world, period, centre_ids)
            for key in figures.MEASURES:
                assert report.value(key, period_key, group) == expected.get(key, 0), (period_key, group, key)
                checked += 1
            assert report.medians[period_key].get(group) == expected["_median"], (period_key, group, "median")
        expected, _ids = recount(world, period, subtree)
        assert report.fund[period_key]["payouts_fen"] == expected["_payouts"]
    # The generated world has something to count in every section of the month (else the check is empty).
    current, _ids = recount(world, gen.MONTH, subtree)
    for key in (
        "cases.received",
        "cases.accepted",
        "cases.declined",
        "cases.closed",
        "ratings.rated",
        "clocks.response.counted",
        "clocks.response.on_time",
        "mediations.opened",
        "mediations.agreed",
        "referrals.sent",
        "referrals.answered",
        "visits.done",
        "fund.granted",
        "fund.paid",
    ):
        assert current.get(key), key
    assert checked > 800


def test_each_drill_down_lists_exactly_what_its_figure_counts(app, session, world):
    from app.extensions import db

    subtree = {world.province.id, world.cities[0].id, world.cities[1].id, world.county.id}
    _values, expected = recount(world, gen.MONTH, subtree)
    for key in figures.MEASURES:
        subject, stmt = figures.members(key, world.province, gen.MONTH, now=gen.NOW)
        listed = set(db.session.execute(stmt).scalars())
        assert listed == expected.get(key, set()), key
    # One row of the breakdown: the second city with the county below it.
    _values, expected = recount(world, gen.MONTH, {world.cities[1].id, world.county.id})
    subject, stmt = figures.members("cases.received", world.province, gen.MONTH, group=world.cities[1].id, now=gen.NOW)
    assert set(db.session.execute(stmt).scalars()) == expected["cases.received"]


def test_the_centre_alone_counts_its_own_rows_only(app, session, world):
    report = figures.compute(world.province, gen.MONTH, subtree=False, now=gen.NOW)
    expected, _ids = recount(world, gen.MONTH, {world.province.id})
    for key in figures.MEASURES:
        assert report.value(key) == expected.get(key, 0), key
    assert [g.centre_id for g in report.groups] == [world.province.id]


def test_the_statements_do_not_grow_with_the_centres(app, session, world, make_centre):
    """The figures' SQL is a fixed number of statements, whatever the number of centres below."""
    from app.extensions import db

    engine = db.session.get_bind()
    seen = []

    def counted(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", counted)
    try:
        figures.compute(world.province, gen.MONTH, now=gen.NOW)
        before = len(seen)
        for _ in range(6):
            city = make_centre(parent=world.province)
            make_centre(parent=city)
        seen.clear()
        figures.compute(world.province, gen.MONTH, now=gen.NOW)
        after = len(seen)
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    assert after == before
    assert before < 60


def test_a_year_without_its_calendar_says_which_clocks_it_could_not_count(app, session, world):
    report = figures.compute(world.province, gen.MONTH, now=gen.NOW)
    unknown = [k for k in world.clocks if k.unknown_year == 2099 and k.centre_id != world.other_province.id]
    assert unknown, "the generated world has clocks of a year without its calendar"
    assert sum(n for _name, year, n in report.not_counted if year == 2099) == len(unknown)
    from app.reports.periods import Period

    far = figures.compute(world.province, Period.month(2026, 11), now=gen.NOW, compare=False, trend=False)
    assert far.years_missing == []
