"""Two people acting on one case at once, and many filings at once: real threads, a real database.

Each thread has its own app context, hence its own session and connection, as two requests
would. On SQLite the write transactions queue on ``BEGIN IMMEDIATE`` and the busy timeout; on
PostgreSQL on the case's row lock (``SELECT … FOR UPDATE``) and the counter row of the numbers.
The tests commit for real, so they run on a database of their own (marked ``e2e``, which keeps
the per-test rollback fixture out).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.cases import services
from app.cases.enums import CaseState
from app.cases.models import Case, CaseEvent
from app.core.audit import verify_chain
from app.core.errors import ConflictError
from app.extensions import db
from tests.conftest import ALL_CONDITIONS, VALID_UTILITY_MODEL, own_database
from tests.helpers import valid_credit_code

pytestmark = pytest.mark.e2e

THREADS = 10


def seed_centre(code: str, parent=None) -> dict:
    """A centre with a caseworker, a supervisor and a firm with ``THREADS`` applicants; returns their ids.
    Call inside an app context; commits."""
    from app.centres.models import Centre, CentreLevel
    from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus
    from app.enterprises.sme_size import Industry

    centre = Centre(
        code=code,
        name_zh=f"{code}维权援助中心",
        name_en=f"{code} centre",
        level=CentreLevel.PROVINCIAL if parent is None else CentreLevel.MUNICIPAL,
        parent=parent,
        path="/",
    )
    db.session.add(centre)
    db.session.flush()
    centre.assign_path()

    def user(role, email):
        person = User(
            email=email,
            name=email.split("@")[0],
            role=role,
            centre=centre if role is not Role.APPLICANT else None,
            password_hash="not-used",
        )
        db.session.add(person)
        return person

    caseworker = user(Role.CASEWORKER, f"cw@{code.lower()}.cn")
    supervisor = user(Role.SUPERVISOR, f"sv@{code.lower()}.cn")
    applicants = [user(Role.APPLICANT, f"app{i}@{code.lower()}.cn") for i in range(THREADS)]
    credit_code = valid_credit_code()
    firm = Enterprise(
        credit_code=credit_code,
        region_code=credit_code[2:8],
        name=f"{code}并发测试有限公司",
        industry=Industry.INDUSTRY,
        staff_count=50,
        revenue_wan=Decimal("1000"),
        centre=centre,
    )
    firm.refresh_size_class()
    db.session.add(firm)
    for person in applicants:
        db.session.add(EnterpriseMember(enterprise=firm, user=person, status=MembershipStatus.ACTIVE))
    db.session.commit()
    return {
        "centre": centre.id,
        "code": code,
        "caseworker": caseworker.id,
        "supervisor": supervisor.id,
        "applicants": [a.id for a in applicants],
        "firm": firm.id,
    }


def file_case(actor_id: int, firm_id: int, channel: str = "hotline") -> Case:
    from app.enterprises.models import Enterprise

    return services.create_case(
        db.session.get(User, actor_id),
        enterprise=db.session.get(Enterprise, firm_id),
        kind="complaint",
        channel=channel,
        rights=[{"type": "utility_model", "number": VALID_UTILITY_MODEL, "title": "一种折叠式支架"}],
        respondents=[{"name": "某某科技有限公司"}],
        facts="被投诉人在电商平台销售与本专利相同的产品。",
    )


@pytest.fixture(scope="module")
def race_app(tmp_path_factory, app):
    """An app on a database of its own; the session app is put back as the fallback app afterwards."""
    with own_database(tmp_path_factory, app, "caseconc") as race:
        yield race


def run_at_once(app, jobs):
    """Run each job(barrier) in its own thread and app context, all released together; return results."""
    barrier = threading.Barrier(len(jobs), timeout=60)

    def run(job):
        with app.app_context():
            try:
                return job(barrier)
            except Exception as exc:  # reported, never swallowed: the assertions show it
                db.session.rollback()
                return f"error: {exc!r}"

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def decide(case_id, actor_id, action, with_version):
    """A caseworker opening the case, then pressing accept or decline at the same moment as another."""
    given = {
        "accept": {"data": {"conditions": ALL_CONDITIONS}},
        "decline": {"comment": "证据不足", "data": {"reason": "insufficient_evidence"}},
    }[action]

    def job(barrier):
        case = db.session.get(Case, case_id)
        actor = db.session.get(User, actor_id)
        version = case.version
        db.session.commit()  # the page was read; the press is a new request
        barrier.wait()
        try:
            services.transition(case, action, actor, expected_version=version if with_version else None, **given)
            db.session.commit()
            return ("won", action)
        except ConflictError:
            db.session.rollback()
            return ("conflict", action)
        except services.ActionRefused as exc:
            db.session.rollback()
            with force_locale("en"):
                return ("refused", action, [str(r) for r in exc.reasons], exc.forbidden)

    return job


def chain_of(app, case_id):
    with app.app_context():
        case = db.session.get(Case, case_id)
        events = list(
            db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).scalars()
        )
        problem = verify_chain(case.number, events)
        state = case.state
        summary = [(e.action, e.seq) for e in events]
        db.session.rollback()
    return state, summary, problem


@pytest.mark.parametrize("with_version", [True, False], ids=["version-sent", "no-version"])
def test_two_people_deciding_one_case_at_once_one_wins(race_app, with_version):
    code = "RV" if with_version else "RN"
    with race_app.app_context():
        people = seed_centre(code)
        case_ids = []
        for _ in range(3):  # a few rounds, each on a fresh acknowledged case
            case = file_case(people["caseworker"], people["firm"])
            assert case.state is CaseState.ACKNOWLEDGED
            case_ids.append(case.id)
        db.session.commit()

    for case_id in case_ids:
        results = run_at_once(
            race_app,
            [
                decide(case_id, people["caseworker"], "accept", with_version),
                decide(case_id, people["supervisor"], "decline", with_version),
            ],
        )
        outcomes = sorted(r[0] if isinstance(r, tuple) else r for r in results)
        if with_version:
            # The loser's version is stale once the winner commits: "changed meanwhile, reload".
            assert outcomes == ["conflict", "won"], results
        else:
            # Without a version the loser still waits for the winner, then finds the case decided.
            assert outcomes == ["refused", "won"], results
            refused = next(r for r in results if r[0] == "refused")
            assert any("Not possible while the case is" in t for t in refused[2]), refused
            assert refused[3] is False
        winner = next(r[1] for r in results if r[0] == "won")
        state, events, problem = chain_of(race_app, case_id)
        assert state is {"accept": CaseState.ACCEPTED, "decline": CaseState.DECLINED}[winner]
        assert problem is None
        moves = [action for action, _ in events if action in ("accept", "decline")]
        assert moves == [winner], "the loser left a trace in the audit trail"
        assert [seq for _, seq in events] == list(range(1, len(events) + 1))


def test_parallel_filings_take_gapless_numbers(race_app):
    with race_app.app_context():
        people = seed_centre("RF")
    firm, code = people["firm"], people["code"]

    def filer(applicant_id, give_up=False):
        def job(barrier):
            barrier.wait()
            case = file_case(applicant_id, firm, channel="web")
            taken = case.sequence
            if give_up:  # the request fails after taking a number: the number must come back
                db.session.rollback()
                return ("rolled back", taken)
            db.session.commit()
            return ("filed", case.sequence, case.number)

        return job

    # The first wave races to create the centre's counter for the year; the second finds it.
    first = run_at_once(race_app, [filer(a) for a in people["applicants"]])
    assert all(isinstance(r, tuple) and r[0] == "filed" for r in first), first
    second = run_at_once(race_app, [filer(a, give_up=i % 3 == 0) for i, a in enumerate(people["applicants"])])
    assert all(isinstance(r, tuple) for r in second), second
    filed = [r for r in first + second if r[0] == "filed"]

    with race_app.app_context():
        rows = db.session.execute(
            select(Case.sequence, Case.number, Case.year).where(Case.centre_id == people["centre"])
        ).all()
        year = rows[0].year
        db.session.rollback()
    assert sorted(r.sequence for r in rows) == list(range(1, len(filed) + 1))
    assert sorted(r.number for r in rows) == [f"{code}-{year}-{n:05d}" for n in range(1, len(filed) + 1)]
    assert sorted(f[2] for f in filed) == sorted(r.number for r in rows)


def test_a_case_filed_while_another_is_decided_keeps_both_chains_valid(race_app):
    """Writers on different rows of the same tables (numbers, events, heads) do not block each other for good."""
    with race_app.app_context():
        people = seed_centre("RM")
        case = file_case(people["caseworker"], people["firm"])
        db.session.commit()
        case_id = case.id

    def filing(applicant_id):
        def job(barrier):
            barrier.wait()
            filed = file_case(applicant_id, people["firm"], channel="web")
            db.session.commit()
            return ("filed", filed.id)

        return job

    jobs = [decide(case_id, people["supervisor"], "accept", True)] + [filing(a) for a in people["applicants"][:5]]
    results = run_at_once(race_app, jobs)
    assert results[0] == ("won", "accept"), results
    assert all(r[0] == "filed" for r in results[1:]), results
    for cid in [case_id] + [r[1] for r in results[1:]]:
        _, events, problem = chain_of(race_app, cid)
        assert problem is None and events
    with race_app.app_context():
        count = db.session.execute(select(func.count(Case.id)).where(Case.centre_id == people["centre"])).scalar()
        db.session.rollback()
    assert count == 6
