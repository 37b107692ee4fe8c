"""Approvals and payouts racing on one fund that has less money than they ask for: real threads, a
real database (SQLite, or PostgreSQL with ``TEST_DATABASE_URL``).

Each thread has its own app context, hence its own session, connection and transaction, as twenty
requests to the server would; they are released together by a barrier. The fund's committee members
press "approve" on fourteen requests waiting for the second approval, each for 100,000 yuan, while the
fund has 550,000 yuan available; caseworkers record two payouts of 60,000 yuan at once on each of three
granted requests of 100,000 yuan. Exactly five approvals and one payout per request can go through.

After the race: the fund never went below zero (its ledger replayed entry by entry), its row agrees
with its ledger (``ledger.verify() == []``), what was committed is at most what the fund had, and every
loser was told why as the API would tell it (422, the reason naming what is left), nothing of its
action kept. The race runs through the services (three rounds) and through the pages (twenty test
clients, each logged in as its person, posting the action's form). On PostgreSQL the movements queue on
the fund's row lock (``ledger.post``): without it the payouts' updates of the fund's row are lost
(StaleDataError, a 500) and these tests fail; on SQLite every write transaction queues on
``BEGIN IMMEDIATE`` already. The tests commit for real, so they run on a database of their own (marked
``e2e``, which keeps the per-test rollback fixture out); the ledger's triggers refuse any DELETE, so
that database is made afresh (its schema dropped) each run rather than cleaned.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.auth.models import Role, User
from app.core.errors import ServiceError
from app.core.money import yuan
from app.extensions import db
from app.fund import ledger, services
from app.fund.enums import Account, EntryKind, FundRequestState
from app.fund.models import Fund, FundRequest, LedgerEntry
from tests.fund.conftest import add_file

pytestmark = pytest.mark.e2e

S = FundRequestState
ASKED_FEN = 10_000_000  # each request may be granted 100,000 yuan (half of 200,000 yuan of costs)
WAITING = 14  # requests approved by a supervisor, waiting for a fund committee member
BEING_PAID = 3  # granted requests, each with two payouts racing
PAYOUT_FEN = 6_000_000  # two of them do not fit in one request's 100,000 yuan
# What the fund has left for new grants when the race starts: five and a half requests' worth.
AVAILABLE_FEN = 5 * ASKED_FEN + ASKED_FEN // 2
WINNERS = AVAILABLE_FEN // ASKED_FEN
ROUNDS = 3


@pytest.fixture(scope="module")
def race_app(tmp_path_factory, app):
    from tests.clocks.test_sla_scan import own_database_app

    yield from own_database_app(tmp_path_factory, app, "fundrace")


def _user(role, email, centre, password_hash="not-used"):
    person = User(
        email=email,
        name=email.split("@")[0],
        role=role,
        centre=centre if role is not Role.APPLICANT else None,
        password_hash=password_hash,
    )
    db.session.add(person)
    db.session.flush()
    return person


def seed(code: str, password_hash: str = "not-used") -> dict:
    """A province with a city; its fund (twelve requests a year, no yearly cap to speak of), one member
    enterprise paid up, four accepted cases with invoices, ``WAITING`` requests approved once and
    ``BEING_PAID`` granted; the fund holding ``AVAILABLE_FEN`` not yet committed. Commits; the ids."""
    from app.centres.models import Centre, CentreLevel
    from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus
    from app.enterprises.sme_size import Industry
    from tests.conftest import new_case
    from tests.helpers import valid_credit_code

    province = Centre(code=code, name_zh=f"{code}省中心", name_en=code, level=CentreLevel.PROVINCIAL, path="/")
    db.session.add(province)
    db.session.flush()
    province.assign_path()
    city = Centre(
        code=f"{code}C", name_zh=f"{code}市中心", name_en=f"{code}C", level=CentreLevel.MUNICIPAL, parent=province
    )
    city.path = "/"
    db.session.add(city)
    db.session.flush()
    city.assign_path()
    low = code.lower()
    admin = _user(Role.ADMIN, f"admin@{low}.cn", province)
    supervisor = _user(Role.SUPERVISOR, f"sv@{low}.cn", city)
    caseworkers = [_user(Role.CASEWORKER, f"cw{i}@{low}.cn", city, password_hash) for i in range(BEING_PAID * 2)]
    committee = [_user(Role.FUND_COMMITTEE, f"fund{i}@{low}.cn", province, password_hash) for i in range(WAITING)]
    applicant = _user(Role.APPLICANT, f"app@{low}.cn", None)
    credit_code = valid_credit_code()
    firm = Enterprise(
        credit_code=credit_code,
        region_code=credit_code[2:8],
        name=f"{code}出海科技有限公司",
        industry=Industry.INDUSTRY,
        staff_count=80,
        revenue_wan=Decimal("3000"),
        centre=city,
    )
    firm.refresh_size_class()
    db.session.add(firm)
    db.session.add(EnterpriseMember(enterprise=firm, user=applicant, status=MembershipStatus.ACTIVE))
    db.session.commit()

    fund = services.create_fund(
        admin,
        province,
        f"{code}海外知识产权维权互助基金",
        {"requests_per_enterprise_per_year": 12, "cap_per_year_fen": 10**13},
    )
    m = services.add_membership(
        admin, fund, firm, starts_on="2025-01-01", ends_on="2027-12-31", contribution_fen=5_000_000
    )
    services.record_contribution(admin, m, 5_000_000, occurred_on="2025-01-10", reference="回单 0001")
    services.record_income(
        admin,
        fund,
        "grant",
        AVAILABLE_FEN + BEING_PAID * ASKED_FEN - 5_000_000,
        occurred_on="2025-02-01",
        reference="省财政拨款",
    )
    db.session.commit()

    cases = [new_case(db.session, applicant, firm, state="accepted", staff=caseworkers[0]) for _ in range(4)]
    invoices = {}
    for case in cases:
        invoices[case.id] = add_file(db.session, case, applicant, "律师费发票.pdf", "application/pdf").id
    db.session.commit()

    def request(i: int, steps) -> FundRequest:
        case = cases[i % len(cases)]
        data = {
            "dispute_type": "litigation",
            "country": "DE",
            "forum": "杜塞尔多夫地区法院",
            "dispute_started_on": "2026-03-01",
            "costs": [
                {"kind": "lawyer", "currency": "CNY", "original_amount": "200000", "attachment": invoices[case.id]}
            ],
        }
        r = services.start_request(case, applicant, fund, data)
        for action, actor, extra in steps:
            r = services.transition(r, action, actor, **extra)
        db.session.commit()
        return r

    first = [("submit", applicant, {}), ("review", caseworkers[0], {}), ("approve", supervisor, {})]
    waiting = [request(i, first) for i in range(WAITING)]
    granted = [
        request(i, [*first, ("approve_second", admin, {"data": {"amount_fen": ASKED_FEN}})]) for i in range(BEING_PAID)
    ]
    assert all(r.state is S.APPROVED for r in waiting) and all(r.state is S.GRANTED for r in granted)
    fund = db.session.get(Fund, fund.id)
    assert (fund.available_fen, fund.committed_fen) == (AVAILABLE_FEN, BEING_PAID * ASKED_FEN)
    out = {
        "fund": fund.id,
        "available": fund.available_fen,
        "committed": fund.committed_fen,
        "balance": fund.balance_fen,
        "waiting": [r.id for r in waiting],
        "granted": [r.id for r in granted],
        "invoice": {r.id: invoices[r.case_id] for r in granted},
        "committee": [u.id for u in committee],
        "caseworkers": [u.id for u in caseworkers],
        "emails": {u.id: u.email for u in [*committee, *caseworkers]},
    }
    db.session.commit()
    return out


def answer(app, exc: ServiceError) -> tuple[int, list[str]]:
    """What the API answers for a refusal (its status and reasons, in English)."""
    from app.api.views import service_error_response

    with app.test_request_context("/api/v1/fund-requests"), force_locale("en"):
        response = service_error_response(exc)
        body = response.get_json()["error"]
    details = body.get("details") or {}
    return response.status_code, details.get("reasons") or [body["message"]]


def act(app, request_id, actor_id, action, data):
    """A committee member or a caseworker opening the request, then pressing at the same moment as the others."""

    def job(barrier):
        r = db.session.get(FundRequest, request_id)
        actor = db.session.get(User, actor_id)
        db.session.commit()  # the page was read; the press is a new request
        barrier.wait()
        try:
            services.transition(r, action, actor, data=data)
            db.session.commit()
            return ("won", action, request_id, data["amount_fen"])
        except ServiceError as exc:
            db.session.rollback()
            return ("refused", action, request_id, *answer(app, exc))

    return job


def run_at_once(app, jobs):
    """Each job(barrier) in its own thread and app context, all released together; their results."""
    barrier = threading.Barrier(len(jobs), timeout=120)

    def run(job):
        with app.app_context():
            try:
                return job(barrier)
            except Exception as exc:  # reported, never swallowed: the assertions show it
                db.session.rollback()
                return ("error", repr(exc))

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def replayed_never_below_zero(entries) -> list[str]:
    """The fund's accounts after each entry, in the order it was posted: every one not negative."""
    sums = {Account.BANK: 0, Account.AVAILABLE: 0, Account.COMMITTED: 0}
    problems = []
    for e in entries:
        for account, sign in ((e.debit, 1), (e.credit, -1)):
            sums[account] += sign * e.amount_fen if account is Account.BANK else -sign * e.amount_fen
        if any(v < 0 for v in sums.values()):
            problems.append(f"after entry {e.seq} ({e.kind.value}): {sums}")
    return problems


@pytest.mark.timeout(600)
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_approvals_and_payouts_racing_never_take_the_fund_below_zero(race_app, round_):
    with race_app.app_context():
        seeded = seed(f"FR{round_}")
    jobs = [
        act(race_app, rid, seeded["committee"][i], "approve_second", {"amount_fen": ASKED_FEN})
        for i, rid in enumerate(seeded["waiting"])
    ]
    for i, rid in enumerate(seeded["granted"]):
        for j in range(2):
            payer = seeded["caseworkers"][2 * i + j]
            data = {"amount_fen": PAYOUT_FEN, "attachment": seeded["invoice"][rid], "reference": f"转账 {i}-{j}"}
            jobs.append(act(race_app, rid, payer, "pay", data))
    assert len(jobs) == 20
    results = run_at_once(race_app, jobs)

    errors = [r for r in results if r[0] not in ("won", "refused")]
    assert not errors, errors
    won = [r for r in results if r[0] == "won"]
    approvals = [r for r in won if r[1] == "approve_second"]
    payouts = [r for r in won if r[1] == "pay"]
    committed = sum(r[3] for r in approvals)
    assert len(approvals) == WINNERS, results
    assert committed <= seeded["available"]
    assert sorted(r[2] for r in payouts) == sorted(seeded["granted"]), results  # one payout per request

    left = seeded["available"] - committed
    for r in results:
        if r[0] != "refused":
            continue
        _, action, request_id, status, reasons = r
        assert status in (409, 422), r
        text = " ".join(reasons)
        assert text.strip(), r
        with race_app.app_context(), force_locale("en"):
            if action == "approve_second":  # what the fund still has
                assert yuan(left) in text, (r, yuan(left))
            else:  # what the request still has committed and not paid
                assert yuan(ASKED_FEN - PAYOUT_FEN) in text, r

    with race_app.app_context():
        fund = db.session.get(Fund, seeded["fund"])
        assert fund.available_fen == left >= 0
        assert fund.committed_fen == seeded["committed"] + committed - len(payouts) * PAYOUT_FEN >= 0
        assert fund.balance_fen == seeded["balance"] - len(payouts) * PAYOUT_FEN >= 0
        entries = list(
            db.session.execute(
                select(LedgerEntry).where(LedgerEntry.fund_id == fund.id).order_by(LedgerEntry.seq)
            ).scalars()
        )
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
        assert replayed_never_below_zero(entries) == []
        raced = [e for e in entries if e.seq > fund.ledger_seq - len(won)]
        assert sorted(e.kind for e in raced) == sorted([EntryKind.COMMITMENT] * WINNERS + [EntryKind.PAYOUT] * 3)
        assert ledger.verify() == []
        # The losers' requests are as they were: still waiting, or granted with one payout.
        winners = {r[2] for r in approvals}
        for rid in seeded["waiting"]:
            r = db.session.get(FundRequest, rid)
            assert r.state is (S.GRANTED if rid in winners else S.APPROVED), r.id
            assert r.approved_fen == (ASKED_FEN if rid in winners else 0)
        for rid in seeded["granted"]:
            r = db.session.get(FundRequest, rid)
            assert (r.state, r.paid_fen, r.outstanding_fen) == (S.GRANTED, PAYOUT_FEN, ASKED_FEN - PAYOUT_FEN)
        db.session.rollback()


# ---- the same race through the pages: twenty people logged in, each pressing the button ------------------


def logged_in(app, email):
    """A test client logged in through the real login form (the login limit is reset before each: twenty
    people log in from one address in a second)."""
    from app.extensions import limiter
    from tests.helpers import PASSWORD, post_form

    with app.app_context():
        limiter.reset()
    client = app.test_client()
    response = post_form(client, "/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def press(client, request_id, action, form):
    """Open the request's page (its form's token), wait for the others, press the action's button."""
    from tests.helpers import csrf_token

    def job(barrier):
        token = csrf_token(client, f"/fund-requests/{request_id}")
        barrier.wait()
        response = client.post(f"/fund-requests/{request_id}/actions/{action}", data={**form, "csrf_token": token})
        return (response.status_code, action, request_id, response.get_data(as_text=True))

    return job


@pytest.mark.timeout(600)
def test_the_same_race_through_the_pages(race_app, password_hash):
    """Fourteen committee members and six caseworkers, each logged in on a page of their own, press at once:
    five grants and one payout a request are done (302), every other press answers 422 with the page saying
    what is left, and the ledger agrees."""
    with race_app.app_context():
        seeded = seed("FP", password_hash)
    emails = seeded["emails"]
    jobs = []
    for i, rid in enumerate(seeded["waiting"]):
        client = logged_in(race_app, emails[seeded["committee"][i]])
        jobs.append(press(client, rid, "approve_second", {"comment": "", "amount_fen": yuan(ASKED_FEN)}))
    for i, rid in enumerate(seeded["granted"]):
        for j in range(2):
            client = logged_in(race_app, emails[seeded["caseworkers"][2 * i + j]])
            form = {"amount_fen": yuan(PAYOUT_FEN), "attachment": str(seeded["invoice"][rid]), "reference": f"转账{j}"}
            jobs.append(press(client, rid, "pay", form))
    barrier = threading.Barrier(len(jobs), timeout=120)

    def run(job):
        try:
            return job(barrier)
        except Exception as exc:  # reported, never swallowed
            return (None, repr(exc), None, "")

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(run, jobs))

    statuses = [(r[0], r[1]) for r in results]
    assert all(status in (302, 409, 422) for status, _ in statuses), statuses
    granted = [r for r in results if r[0] == 302 and r[1] == "approve_second"]
    paid = [r for r in results if r[0] == 302 and r[1] == "pay"]
    assert len(granted) == WINNERS and sorted(r[2] for r in paid) == sorted(seeded["granted"]), statuses
    left = seeded["available"] - WINNERS * ASKED_FEN
    for status, action, _rid, page in results:
        if status == 302:
            continue
        # The reasons the action's form shows (in the page's language; the amount as it is written).
        shown = re.search(rf'id="action-{action}-errors">(.*?)</div></div>', page, re.S)
        assert shown is not None, (status, action, page[:300])
        assert (yuan(left) if action == "approve_second" else yuan(ASKED_FEN - PAYOUT_FEN)) in shown.group(1), (
            status,
            action,
            shown.group(1),
        )
    with race_app.app_context():
        fund = db.session.get(Fund, seeded["fund"])
        assert (fund.available_fen, fund.committed_fen) == (
            left,
            seeded["committed"] + WINNERS * ASKED_FEN - len(paid) * PAYOUT_FEN,
        )
        assert ledger.verify() == []
        db.session.rollback()
