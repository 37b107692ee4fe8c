"""The SLA scan: a clock's due-soon and breach are recorded and notified exactly once each, to the
right people, however often and however many scans run at once; paused, met and stopped clocks are
never escalated; the audit chains stay valid."""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.cases import services
from app.cases.models import Case, CaseEvent
from app.clocks.models import CaseClock, ClockName
from app.clocks.scan import scan
from app.core.audit import verify_chain
from app.core.workdays import CHINA
from app.extensions import db
from app.notifications.models import Notification
from tests.conftest import VALID_UTILITY_MODEL, own_database

MARKS = ("clock_due_soon", "clock_breached")


def china(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CHINA).astimezone(UTC)


def run(app, now):
    """One scan at ``now``, as the command runs it (its own app context, commits per clock)."""
    with app.app_context():
        return scan(now)


def marks(session, case):
    session.expire_all()
    events = session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action.in_(MARKS)).order_by(CaseEvent.seq)
    ).scalars()
    return [(e.action, e.data["clock"], e.actor_id, e.from_state, e.to_state, e.visibility) for e in events]


def notified(session, case, kind):
    session.expire_all()
    return sorted(
        session.execute(
            select(Notification.user_id).where(Notification.case_id == case.id, Notification.kind == kind)
        ).scalars()
    )


def clock(session, case, name=ClockName.HANDLING):
    session.expire_all()
    return session.execute(select(CaseClock).where(CaseClock.case_id == case.id, CaseClock.name == name)).scalar_one()


def footprint(session):
    """Everything the scan writes: marks, events and notifications."""
    session.expire_all()
    return (
        session.execute(
            select(CaseClock.id, CaseClock.due_soon_recorded_at, CaseClock.breach_recorded_at).order_by(CaseClock.id)
        ).all(),
        session.execute(select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.action).order_by(CaseEvent.id)).all(),
        session.execute(
            select(Notification.user_id, Notification.case_id, Notification.kind, Notification.params).order_by(
                Notification.id
            )
        ).all(),
    )


@pytest.fixture
def handed(world, make_case, make_user, at, session):
    """A web complaint acknowledged by the city caseworker on Monday 2 March 2026 (its handling clock
    is due at the end of Thursday the 5th, due soon from that day's start), then handed over to a colleague:
    the caseworker stays first responder, the colleague owns it."""
    worker = world.users["caseworker"]
    colleague = make_user(Role.CASEWORKER, centre=world.city, email="colleague@city.cn", name="同事")
    at(2026, 3, 2, 10)
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    services.transition(case, "offer_handover", worker, data={"to_user": colleague.email})
    services.transition(case, "accept_handover", colleague)
    session.commit()
    handling = clock(session, case)
    assert (handling.warn_at, handling.due_at) == (china(2026, 3, 5), china(2026, 3, 5, 23, 59) + timedelta(seconds=59))
    return case, worker, colleague


def test_due_soon_then_breach_each_recorded_once_to_the_right_people(app, handed, world, session, make_user):
    case, worker, colleague = handed
    supervisor = world.users["supervisor"]
    make_user(Role.SUPERVISOR, centre=world.province, email="sv@province.cn")  # above a centre that has its own
    version = session.get(Case, case.id).version

    assert not run(app, china(2026, 3, 4, 23, 59)).happened
    assert marks(session, case) == []

    result = run(app, china(2026, 3, 5, 0, 0))
    assert (result.due_soon, result.breached, result.notifications) == (1, 0, 2)
    assert marks(session, case) == [("clock_due_soon", "handling", None, "acknowledged", "acknowledged", "internal")]
    assert notified(session, case, "clock_due_soon") == sorted([worker.id, colleague.id])
    assert clock(session, case).due_soon_recorded_at == china(2026, 3, 5)
    event = session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "clock_due_soon")
    ).scalar_one()
    assert datetime.fromisoformat(event.data["due_at"]) == clock(session, case).due_at

    assert not run(app, china(2026, 3, 5, 18)).happened, "due soon is recorded once"
    assert not run(app, china(2026, 3, 5, 23, 59)).happened

    result = run(app, china(2026, 3, 6, 0, 0))
    assert (result.due_soon, result.breached, result.notifications) == (0, 1, 3)
    assert [m[0] for m in marks(session, case)] == ["clock_due_soon", "clock_breached"]
    assert notified(session, case, "clock_breached") == sorted([worker.id, colleague.id, supervisor.id])
    assert notified(session, case, "clock_due_soon") == sorted([worker.id, colleague.id])
    assert clock(session, case).breach_recorded_at == china(2026, 3, 6)

    for later in (china(2026, 3, 6, 0, 1), china(2026, 3, 20), china(2026, 3, 5, 12)):
        assert not run(app, later).happened
    assert len(marks(session, case)) == 2
    params = session.execute(
        select(Notification.params).where(Notification.case_id == case.id, Notification.kind == "clock_breached")
    ).scalars()
    assert all(p == {"number": case.number, "clock": "handling", "due": event.data["due_at"]} for p in params)
    assert session.get(Case, case.id).version == version, "the scan never makes an API client's version stale"


def test_a_clock_found_already_breached_gets_only_the_breach(app, handed, session):
    case, worker, colleague = handed
    result = run(app, china(2026, 3, 9, 9))
    assert (result.due_soon, result.breached) == (0, 1)
    assert [m[0] for m in marks(session, case)] == ["clock_breached"]
    handling = clock(session, case)
    assert handling.due_soon_recorded_at == handling.breach_recorded_at == china(2026, 3, 9, 9)
    assert notified(session, case, "clock_due_soon") == []
    assert not run(app, china(2026, 3, 5, 12)).happened, "the warning never follows the breach"


def test_running_the_scan_again_changes_nothing(app, handed, session):
    for moment in (china(2026, 3, 5, 8), china(2026, 3, 6, 8)):
        run(app, moment)
        once = footprint(session)
        again = run(app, moment)
        assert not again.happened
        assert footprint(session) == once


def test_breaches_go_to_the_nearest_centre_with_supervisors(app, world, make_user, at, session):
    county_worker = make_user(Role.CASEWORKER, centre=world.county, email="cw@county.cn")
    make_user(Role.SUPERVISOR, centre=world.county, email="gone@county.cn", is_active=False)
    make_user(Role.SUPERVISOR, centre=world.province, email="sv@province.cn")
    at(2026, 3, 2, 10)
    case = services.create_case(
        county_worker,
        enterprise=world.county_enterprise,
        kind="complaint",
        channel="hotline",
        rights=[{"type": "utility_model", "number": VALID_UTILITY_MODEL}],
        respondents=[{"name": "某某科技有限公司"}],
        facts="被投诉人在电商平台销售与本专利相同的产品。",
    )
    session.commit()
    run(app, china(2026, 3, 6))
    # Nobody active supervises the county: the city's supervisor hears of it, not the province's.
    assert notified(session, case, "clock_breached") == sorted([county_worker.id, world.users["supervisor"].id])


def test_paused_met_and_stopped_clocks_are_never_escalated(app, world, make_case, at, session):
    worker = world.users["caseworker"]
    at(2026, 3, 2, 10)
    paused = make_case(world.applicant, world.enterprise, state="awaiting_material", staff=worker)
    decided = make_case(world.applicant, world.enterprise, state="accepted", staff=worker)
    services.transition(decided, "inform_decision", worker, comment="已电话告知", data={"method": "phone"})
    withdrawn = make_case(world.applicant, world.enterprise, state="withdrawn")
    at(2026, 3, 5, 9)
    met_late = make_case(world.applicant, world.enterprise, state="submitted")
    at(2026, 3, 9, 9)  # acknowledged after the response clock was due: met late, but met
    services.transition(met_late, "acknowledge", worker)
    services.transition(met_late, "request_material", worker, comment="请补充证据")
    session.commit()
    assert clock(session, paused).is_paused and clock(session, met_late, ClockName.RESPONSE).met_at is not None

    for moment in (china(2026, 3, 5, 12), china(2026, 6, 1)):
        result = run(app, moment)
        assert (result.due_soon, result.breached) == (0, 0), moment
    for case in (paused, decided, withdrawn, met_late):
        assert marks(session, case) == [], case.number
        assert notified(session, case, "clock_breached") == notified(session, case, "clock_due_soon") == []

    # Once the material arrives the clock runs again, and only then can it be escalated.
    at(2026, 6, 1, 10)
    services.transition(paused, "provide_material", world.applicant, comment="已补充")
    session.commit()
    assert run(app, china(2026, 7, 1)).breached == 1
    assert [m[1] for m in marks(session, paused)] == ["handling"]


def test_the_audit_chain_stays_valid_and_the_command_is_quiet_unless_something_happened(app, handed, session):
    case, _, _ = handed
    runner = app.test_cli_runner()
    quiet = runner.invoke(args=["sla-scan", "--now", "2026-03-04T12:00:00+08:00"])
    assert (quiet.exit_code, quiet.output) == (0, "")

    warned = runner.invoke(args=["sla-scan", "--now", "2026-03-05T08:00"])  # without an offset: China time
    assert warned.exit_code == 0, warned.output
    (line,) = warned.output.splitlines()
    summary = json.loads(line)
    assert (summary["due_soon"], summary["breached"], summary["notifications"], summary["errors"]) == (1, 0, 2, 0)
    assert datetime.fromisoformat(summary["now"]) == china(2026, 3, 5, 8)

    breached = runner.invoke(args=["sla-scan", "--now", "2026-03-06T00:00:00Z"])
    assert breached.exit_code == 0 and json.loads(breached.output)["breached"] == 1
    again = runner.invoke(args=["sla-scan", "--now", "2026-03-06T00:00:00Z"])
    assert (again.exit_code, again.output) == (0, "")
    verbose = runner.invoke(args=["sla-scan", "--now", "2026-03-06T00:00:00Z", "--verbose"])
    assert verbose.exit_code == 0 and json.loads(verbose.output)["breached"] == 0
    assert runner.invoke(args=["sla-scan", "--now", "next tuesday"]).exit_code == 2

    verified = runner.invoke(args=["audit-verify"])
    assert verified.exit_code == 0, verified.output
    events = list(
        session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).scalars()
    )
    assert verify_chain(case.number, events) is None
    assert [e.action for e in events][-2:] == ["clock_due_soon", "clock_breached"]
    # A later action follows the scan's events in the same chain.
    services.transition(
        session.get(Case, case.id), "request_material", session.get(User, case.owner_id), comment="补充"
    )
    session.commit()
    assert runner.invoke(args=["audit-verify"]).exit_code == 0


def test_clocks_are_claimed_recorded_and_committed_in_batches(
    app, world, make_case, at, session, monkeypatch, count_statements
):
    """Each batch claims its clocks in one statement; every clock is still recorded once, to the same
    people, in a valid chain."""
    import app.clocks.scan as scan_module

    worker = world.users["caseworker"]
    at(2026, 3, 2, 10)
    cases = [make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker) for _ in range(5)]
    session.commit()
    now = china(2026, 3, 20)
    session.expire_all()
    due = session.execute(
        select(CaseClock.id).where(
            CaseClock.case_id.in_([c.id for c in cases]), CaseClock.met_at.is_(None), CaseClock.due_at < now
        )
    ).all()
    assert len(due) >= 5
    monkeypatch.setattr(scan_module, "BATCH", 2)
    with count_statements() as statements:
        result = run(app, now)
    assert (result.breached, result.due_soon, result.errors) == (len(due), 0, 0)
    claims = [s for s in statements if s.lstrip().upper().startswith("UPDATE CASE_CLOCKS")]
    assert len(claims) == -(-len(due) // 2)  # one claim per batch of two, not one per clock
    for case in cases:
        recorded = session.execute(
            select(func.count(CaseClock.id)).where(
                CaseClock.case_id == case.id, CaseClock.breach_recorded_at.is_not(None)
            )
        ).scalar()
        assert recorded >= 1 and [m[0] for m in marks(session, case)] == ["clock_breached"] * recorded
        assert notified(session, case, "clock_breached") == sorted({worker.id, world.users["supervisor"].id})
        events = session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
        assert verify_chain(case.number, list(events.scalars())) is None
    assert run(app, now).breached == 0


# ---- scans at the same time, on a database of their own ---------------------------------------------

SCANS = 4
CASES = 3


def own_database_app(tmp_path_factory, app, name, url_suffix: str = ""):
    """An app on a database of its own (the scans commit for real) for a module's tests."""
    with own_database(tmp_path_factory, app, name, url_suffix) as other:
        yield other


@pytest.fixture(scope="module")
def race_app(tmp_path_factory, app):
    yield from own_database_app(tmp_path_factory, app, "slarace")


def _seed(code: str) -> dict:
    """A centre with a caseworker and a supervisor, and ``CASES`` hotline cases the caseworker filed
    (acknowledged at once, so each has a running handling clock). Call in an app context; commits."""
    from app.centres.models import Centre, CentreLevel
    from app.enterprises.models import Enterprise
    from app.enterprises.sme_size import Industry
    from tests.helpers import valid_credit_code

    centre = Centre(code=code, name_zh=f"{code}中心", name_en=f"{code} centre", level=CentreLevel.PROVINCIAL, path="/")
    db.session.add(centre)
    db.session.flush()
    centre.assign_path()
    worker = User(email=f"cw@{code.lower()}.cn", name="cw", role=Role.CASEWORKER, centre=centre, password_hash="x")
    chief = User(email=f"sv@{code.lower()}.cn", name="sv", role=Role.SUPERVISOR, centre=centre, password_hash="x")
    credit_code = valid_credit_code()
    firm = Enterprise(
        credit_code=credit_code,
        region_code=credit_code[2:8],
        name=f"{code}扫描测试有限公司",
        industry=Industry.INDUSTRY,
        staff_count=50,
        revenue_wan=Decimal("1000"),
        centre=centre,
    )
    firm.refresh_size_class()
    db.session.add_all([worker, chief, firm])
    db.session.flush()
    case_ids = []
    for _ in range(CASES):
        case = services.create_case(
            worker,
            enterprise=firm,
            kind="complaint",
            channel="hotline",
            rights=[{"type": "utility_model", "number": VALID_UTILITY_MODEL}],
            respondents=[{"name": "某某科技有限公司"}],
            facts="被投诉人在电商平台销售与本专利相同的产品。",
        )
        case_ids.append(case.id)
    db.session.commit()
    handling = db.session.execute(
        select(CaseClock).where(CaseClock.case_id.in_(case_ids), CaseClock.name == ClockName.HANDLING)
    ).scalars()
    warn_at = max(c.warn_at for c in handling)
    db.session.commit()
    return {"cases": case_ids, "people": sorted([worker.id, chief.id]), "worker": worker.id, "warn_at": warn_at}


def _scans_at_once(app, now, deliver=False) -> list:
    barrier = threading.Barrier(SCANS, timeout=60)

    def job(_):
        with app.app_context():
            try:
                barrier.wait()
                return scan(now, deliver=deliver)
            except Exception as exc:  # shown by the assertion, never swallowed
                db.session.rollback()
                return f"error: {exc!r}"

    with ThreadPoolExecutor(max_workers=SCANS) as pool:
        return list(pool.map(job, range(SCANS)))


@pytest.mark.e2e
def test_scans_running_at_once_record_each_mark_once(race_app):
    with race_app.app_context():
        seeded = _seed("SR")
    due_day = seeded["warn_at"]

    warned = _scans_at_once(race_app, due_day + timedelta(hours=1))
    assert all(not isinstance(r, str) for r in warned), warned
    assert sum(r.due_soon for r in warned) == CASES and sum(r.breached for r in warned) == 0
    assert sum(r.errors for r in warned) == 0

    breached = _scans_at_once(race_app, due_day + timedelta(days=2))
    assert all(not isinstance(r, str) for r in breached), breached
    assert sum(r.breached for r in breached) == CASES and sum(r.due_soon for r in breached) == 0

    with race_app.app_context():
        for case_id in seeded["cases"]:
            case = db.session.get(Case, case_id)
            events = list(
                db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))
                .scalars()
                .all()
            )
            assert verify_chain(case.number, events) is None
            assert [e.action for e in events if e.action in MARKS] == ["clock_due_soon", "clock_breached"]
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
            rows = db.session.execute(
                select(Notification.kind, Notification.user_id).where(Notification.case_id == case_id)
            ).all()
            assert sorted(u for k, u in rows if k == "clock_due_soon") == [seeded["worker"]]
            assert sorted(u for k, u in rows if k == "clock_breached") == seeded["people"]
        from app.cases.cli import verify_all_chains

        problems, chains = verify_all_chains()
        assert problems == [] and chains == CASES
        db.session.rollback()


@pytest.fixture(scope="module")
def lock_app(tmp_path_factory, app):
    """An app whose connections give up waiting for a row lock after 300 ms (PostgreSQL)."""
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("a lock timeout on one row needs PostgreSQL (SQLite locks the whole database)")
    yield from own_database_app(tmp_path_factory, app, "slalock", "?options=-c%20lock_timeout%3D300")


@pytest.mark.e2e
def test_a_batch_held_up_by_a_locked_case_is_recorded_clock_by_clock(lock_app):
    """A case locked by someone else makes its batch fail: the batch is retried clock by clock, the
    other cases' marks are recorded, the locked one's is left to the next scan, which records it."""
    with lock_app.app_context():
        seeded = _seed("SL")
    later = seeded["warn_at"] + timedelta(days=2)
    engine = lock_app.extensions["db_engine"]
    holder = engine.connect()
    holder.exec_driver_sql("SET lock_timeout = 0")
    holder.execute(select(Case.id).where(Case.id == seeded["cases"][1]).with_for_update())
    try:
        with lock_app.app_context():
            held = scan(later, deliver=False)
    finally:
        holder.rollback()
        holder.close()
    assert (held.breached, held.errors) == (CASES - 1, 1)
    with lock_app.app_context():
        again = scan(later, deliver=False)
        assert (again.breached, again.errors) == (1, 0)
        from app.cases.cli import verify_all_chains

        problems, chains = verify_all_chains()
        assert problems == [] and chains == CASES
        assert (
            db.session.execute(select(func.count(CaseEvent.id)).where(CaseEvent.action == "clock_breached")).scalar()
            == CASES
        )
        db.session.rollback()
