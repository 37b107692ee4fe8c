"""Random walks through fund requests on one small fund (Hypothesis stateful testing).

A province's fund starts with 80,000 yuan (a member's contribution and a grant) and takes up to twelve
requests a year per enterprise; each walk starts requests of one accepted case (each asks half of
USD 100,000 at 7.1234 and 20,000 yuan, less a random insurance payment), lets random people take random
actions with valid and invalid input, random comments and versions: the applicant, the city's caseworker,
two supervisors, two fund committee members, its administrator and mediator, another enterprise's
applicant and a sibling city's caseworker. Committee members grant what the rules allow, a random amount
or too much; payouts and claw-backs are of random amounts; a second member pays its contribution in
random parts and the province adds grants, so the fund runs dry and fills again. After every step:

- the outcome is what the oracle (the hand-written tables of ``test_workflow_matrix`` and the model's
  money) predicts, and a refusal changes nothing (``tests.workflows.stateful.WorkflowMachine``; each
  attempt runs in a savepoint rolled back on a refusal, as a request's transaction is);
- the fund's row equals what its ledger sums to (``ledger.sums_by_fund``) and what the model expects;
  money held is available plus committed, nothing is negative;
- each request's amounts are the model's and its movements' (``ledger.verify() == []``);
- the two-person rule holds for every request approved: its approvers neither submitted nor reviewed it,
  and the second approver is not the first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, initialize, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from app.auth.models import Role
from app.cases.models import CaseEvent
from app.core.errors import ServiceError
from app.fund import ledger, services
from app.fund.models import Fund, FundMembership, FundRequest
from tests.fund import test_workflow_matrix as table
from tests.fund.conftest import request_data
from tests.fund.test_workflow_matrix import english  # noqa: F401  (fixture)
from tests.workflows.stateful import VERSIONS, WorkflowMachine

# Derandomized, as the visits' machine: the check that every action was walked through (at the end) must
# not fail by chance ("pay in full" went unwalked in about one developer run in three).
SETTINGS = settings(
    derandomize=True,
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

SHARE_FEN = 36_617_000  # half of USD 100,000.00 at 7.1234 and 20,000 yuan
START_CONTRIBUTION_FEN = 5_000_000
START_GRANT_FEN = 3_000_000
SECOND_MEMBER_OWES_FEN = 20_000_000
INSURANCE = [0, 0, 30_000_000, SHARE_FEN]  # the last leaves nothing to grant
PEOPLE = [
    "applicant",
    "caseworker",
    "supervisor",
    "second_supervisor",
    "fund_committee",
    "second_committee",
    "admin",
    "mediator",
    "other_applicant",
    "sibling",
]
ACTS_AS = {**table.ACTS_AS, "second_supervisor": "supervisor", "second_committee": "fund_committee"}
# Who may take which step of the way on (the walks' offered steps pick one who may).
ALONG = ["submit", "review", "approve", "approve_second", "pay", "resubmit", "claw_back", "close", "ask_documents"]
AMOUNTS = st.sampled_from(["none", "all", "part", "part", "over", "zero", "text"])
COMMENTS = st.sampled_from(["given", "given", "blank", "spaces"])
ATTACHMENTS = st.sampled_from(["invoice", "invoice", "invoice", "word", "none", "elsewhere"])

NOT_MORE_THAN = "The amount is more than"
ZERO = "The amount must be more than zero."
DECIMALS = "Give the amount in yuan, with at most two decimals."
NO_AMOUNT = "Give the amount in yuan."
NOTHING_GRANTABLE = "Nothing may be granted under the fund's rules now"
CHOOSE_INVOICE = "Choose the invoice or voucher the payment is made against."
NOT_EVIDENCE = "Choose a file of this case's evidence."
NOT_PDF = "An invoice or a voucher must be a PDF or an image."
GIVE_REASON = "Give the reason for the claw-back"
SAY_WHY = "Say why the"


@dataclass
class Model:
    """What the test believes about one request."""

    id: int
    after_fen: int  # what the rules allow before the fund's money is looked at
    state: str = "draft"
    version: int = 1
    submitted_by: str | None = None
    reviewed_by: str | None = None
    approved_by: str | None = None
    approved_fen: int = 0
    paid_fen: int = 0
    released_fen: int = 0
    clawed_back_fen: int = 0

    @property
    def outstanding(self) -> int:
        return self.approved_fen - self.paid_fen - self.released_fen

    def __repr__(self) -> str:
        return f"<request {self.id} {self.state} granted={self.approved_fen} paid={self.paid_fen}>"


class FundWorkflow(WorkflowMachine):
    """Set up by ``test_random_walks_through_fund_requests`` (``staff``, ``setup``)."""

    door = services.DOOR
    moves = table.MOVES
    forbidden_texts = ((table.ROLE_REASON,),)
    transition = staticmethod(services.transition)
    available_actions = staticmethod(services.available_actions)
    staff: dict = {}
    setup: dict = {}

    requests = Bundle("requests")

    def __init__(self):
        super().__init__()
        self.people = dict(self.staff)
        self.input_reasons: list = []
        fund = self.session.get(Fund, self.setup["fund"])
        self.money = {"balance": fund.balance_fen, "available": fund.available_fen, "committed": fund.committed_fen}
        self.owed = SECOND_MEMBER_OWES_FEN

    # ---- requests ----

    def _start(self, insurance: int) -> Model:
        case, invoices = self.setup["case"], self.setup["invoices"]
        r = services.start_request(
            case, self.people["applicant"], self.setup["fund_object"], request_data(invoices, insurance_fen=insurance)
        )
        self.session.flush()
        model = Model(r.id, min(max(0, SHARE_FEN - insurance), self.setup["cap"]))
        self.models[r.id] = model
        return model

    @initialize(
        target=requests, insurance=st.sampled_from(INSURANCE[:3]), situation=st.sampled_from(sorted(table.SITUATIONS))
    )
    def a_request(self, insurance, situation):
        """A request driven through the door to one of the matrix's situations, each step checked."""
        model = self._start(insurance)
        given = table.inputs(self.setup["invoices"]["lawyer"].id)
        for step in table.SITUATIONS[situation]:
            action, person = step if isinstance(step, tuple) else (step, table.STEP_ACTOR[step])
            self.input_reasons = []
            self.attempt(model, person, action, given[action].get("comment", ""), given[action].get("data"), "current")
        return model

    @precondition(lambda self: len(self.models) < 4)
    @rule(target=requests, insurance=st.sampled_from(INSURANCE))
    def another_request(self, insurance):
        return self._start(insurance)

    # ---- the oracle ----

    def grantable(self, model: Model) -> int:
        return max(0, min(model.after_fen, self.money["available"]))

    def _blocked(self, model: Model, person: str, action: str) -> list:
        """What the request and the fund block ``action`` with, before any input."""
        reasons = []
        if action in ("approve", "approve_second"):
            if model.submitted_by == person:
                reasons.append(table.SUBMITTED_IT)
            elif model.reviewed_by == person:
                reasons.append(table.REVIEWED_IT)
            if action == "approve_second" and model.approved_by == person:
                reasons.append(table.APPROVED_IT)
            if self.grantable(model) <= 0:
                reasons.append(NOTHING_GRANTABLE)
        if action == "close" and model.outstanding > 0 and ACTS_AS.get(person) == "caseworker":
            reasons.append(table.ONLY_SUPERVISOR_RELEASES)
        return reasons

    def predict(self, model, person, action, comment, data, version_is_stale):
        categories: set = set()
        if not table.sees(model.state, person):
            categories.add("not_found")
        if version_is_stale:
            categories.add("conflict")
        role = ACTS_AS.get(person)
        if role is None or role not in table.WHO[action]:
            categories.add("forbidden")
        if action not in table.MOVES[model.state]:
            reasons = [table.STATE_REASON]
        else:
            reasons = self._blocked(model, person, action) + self.input_reasons
        if reasons:
            categories.add("refused")
        return categories, reasons

    def check_offered(self, model, person, action, offered):
        role = ACTS_AS.get(person)
        if not table.sees(model.state, person) or role is None:
            assert offered == {}, f"{person} is offered {sorted(offered)}"
            return
        assert set(offered) == {a for a, roles in table.WHO.items() if role in roles}
        for name, check in offered.items():
            open_now = name in table.MOVES[model.state] and not self._blocked(model, person, name)
            assert check.allowed is open_now, (name, model, person, [str(r) for r in check.reasons])

    # ---- input ----

    def _amount(self, kind: str, ceiling: int, *, required: bool):
        """An amount of ``kind`` against ``ceiling`` and the reason it must be refused with (or None)."""
        if kind == "none":
            return None, (NO_AMOUNT if required else None)
        if kind == "zero":
            return 0, ZERO
        if kind == "text":
            return "5000.00", DECIMALS
        if kind == "over" or ceiling <= 0:
            return ceiling + 1, NOT_MORE_THAN
        if kind == "all":
            return ceiling, None
        return max(1, ceiling * 3 // 7), None

    def _input(self, model: Model, person: str, action, amount: str, comment_kind: str, attachment: str):
        """(comment, data) of an attempt; sets ``input_reasons``: what the input alone is refused for."""
        reasons = []
        comment = {"given": "经核查属实", "blank": "", "spaces": " \u3000 "}[comment_kind]
        data: dict = {}
        if action in ("ask_documents", "reject") and comment_kind != "given":
            reasons.append(table.COMMENT_MISSING)
        elif action == "approve_second":
            value, reason = self._amount(amount, self.grantable(model), required=False)
            if value is not None:
                data["amount_fen"] = value
            if reason:
                reasons.append(reason)
        elif action == "pay":
            ceiling = model.outstanding
            if amount == "all" or ceiling == 1:  # paying the rest closes the request: ``pay_the_rest``
                amount = "over"
            value, reason = self._amount(amount, ceiling, required=True)
            if value is not None:
                data["amount_fen"] = value
            if reason:
                reasons.append(reason)
            if attachment != "none":
                data["attachment"] = {
                    "invoice": self.setup["invoices"]["lawyer"].id,
                    "word": self.setup["invoices"]["word"].id,
                    "elsewhere": self.setup["elsewhere"],
                }[attachment]
            reasons.append(
                {"invoice": None, "word": NOT_PDF, "none": CHOOSE_INVOICE, "elsewhere": NOT_EVIDENCE}[attachment]
            )
        elif action == "close" and model.outstanding > 0 and comment_kind != "given":
            reasons.append(SAY_WHY)
        elif action == "claw_back":
            value, reason = self._amount(amount, model.paid_fen - model.clawed_back_fen, required=True)
            if value is not None:
                data["amount_fen"] = value
            if reason:
                reasons.append(reason)
            if comment_kind == "given":
                data["reason"] = "同一费用已获商业保险赔付"
            else:
                reasons.append(GIVE_REASON)
        self.input_reasons = [r for r in reasons if r]
        return comment, data

    # ---- acting ----

    def _transition(self, subject, action, actor, **kw):
        """As a request does: everything of a refused action is rolled back (the money moves after the
        door has recorded the move, so a refusal there leaves the move flushed until then)."""
        savepoint = self.session.begin_nested()
        try:
            result = services.transition(subject, action, actor, **kw)
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()
        return result

    @rule(
        m=requests,
        person=st.sampled_from(PEOPLE),
        action=st.sampled_from(sorted(table.WHO)),
        amount=AMOUNTS,
        comment=COMMENTS,
        attachment=ATTACHMENTS,
        version=VERSIONS,
    )
    def anyone_tries_anything(self, m, person, action, amount, comment, attachment, version):
        comment, data = self._input(m, person, action, amount, comment, attachment)
        self.attempt(m, person, action, comment, data, version)

    @rule(m=requests, pick=st.integers(0, 10_000), amount=st.sampled_from(["none", "all", "part"]))
    def the_request_moves_along(self, m, pick, amount):
        """The furthest step open now, by someone who may take it, with valid input."""
        steps = [a for a in ALONG if a in table.MOVES[m.state]]
        endings = [a for a in ("reject", "withdraw") if a in table.MOVES[m.state]]
        if pick % 8 == 0 and endings:  # now and then a request ends before it is granted
            steps = endings
        if not steps:
            return
        action = steps[pick // 8 % len(steps)]
        who = [
            p
            for p in PEOPLE
            if ACTS_AS.get(p) in table.WHO[action] and table.sees(m.state, p) and not self._blocked(m, p, action)
        ]
        if not who:
            return
        person = who[pick % len(who)]
        comment, data = self._input(m, person, action, amount, "given", "invoice")
        if self.input_reasons:
            return  # nothing valid to give (nothing paid to claw back, one fen left to pay)
        self.attempt(m, person, action, comment, data, "current")

    @precondition(lambda self: any(m.state == "granted" and m.outstanding > 0 for m in self.models.values()))
    @rule(pick=st.integers(0, 100))
    def the_rest_is_paid(self, pick):
        """Paying what is left closes the request at once (two moves, two events)."""
        chosen = [m for m in self.models.values() if m.state == "granted" and m.outstanding > 0]
        m = chosen[pick % len(chosen)]
        r = self.subject(m)
        rest = m.outstanding
        data = {"amount_fen": rest, "attachment": self.setup["invoices"]["court"].id, "reference": "尾款"}
        r = self._transition(r, "pay", self.people["caseworker"], data=data)
        self.session.flush()
        assert (r.state.value, r.version, r.paid_fen, r.released_fen) == (
            "closed",
            m.version + 2,
            m.paid_fen + rest,
            m.released_fen,
        )
        m.state, m.version = "closed", m.version + 2
        m.paid_fen += rest
        self.money["committed"] -= rest
        self.money["balance"] -= rest
        self.done["pay in full"] += 1

    @rule(m=requests, pick=st.integers(0, 10_000), amount=st.sampled_from(["none", "all", "part"]))
    def the_request_moves_along_again(self, m, pick, amount):
        """(Twice as likely as any other step: the walks get to payouts, claw-backs and closing.)"""
        self.the_request_moves_along(m, pick, amount)

    # ---- money in ----

    @rule(kind=st.sampled_from(["contribution", "grant"]), amount=st.integers(1, 30_000_000), by_province=st.booleans())
    def money_comes_in(self, kind, amount, by_province):
        """A contribution of the second member (at most what it owes; a city's supervisor cannot record
        it), or a grant of the province."""
        before = dict(self.money)
        by = "province_admin" if by_province else "supervisor"
        savepoint = self.session.begin_nested()
        try:
            if kind == "contribution":
                m = self.session.get(FundMembership, self.setup["membership"])
                services.record_contribution(self.people[by], m, amount, occurred_on="2026-03-02", reference="回单")
            else:
                services.record_income(
                    self.people[by], self.setup["fund_object"], "grant", amount, occurred_on="2026-03-02"
                )
        except ServiceError as exc:
            savepoint.rollback()
            assert not by_province or (kind == "contribution" and amount > self.owed), (kind, by, amount, str(exc))
            assert self.money == before
            return
        savepoint.commit()
        assert by_province and (kind == "grant" or amount <= self.owed)
        if kind == "contribution":
            self.owed -= amount
        self.money["balance"] += amount
        self.money["available"] += amount
        self.done[kind] += 1

    # ---- the hooks ----

    def subject(self, model: Model) -> FundRequest:
        return self.session.get(FundRequest, model.id)

    def snapshot(self):
        rows = self.session.execute(
            select(FundRequest.id, FundRequest.state, FundRequest.version).order_by(FundRequest.id)
        ).all()
        events = dict(
            self.session.execute(
                select(CaseEvent.subject_id, func.count(CaseEvent.id))
                .where(CaseEvent.subject_type == "fund_request")
                .group_by(CaseEvent.subject_id)
            ).all()
        )
        return [(r.id, r.state, r.version, events.get(r.id, 0)) for r in rows], ()

    def event_at(self, model, seq):
        """The request's ``seq``-th event (its events are among its case's)."""
        return self.session.execute(
            select(CaseEvent)
            .where(CaseEvent.subject_type == "fund_request", CaseEvent.subject_id == model.id)
            .order_by(CaseEvent.seq)
            .offset(seq - 1)
            .limit(1)
        ).scalar_one()

    def applied(self, model, person, action, comment, data, subject, event):
        data = data or {}
        model.version += 1
        if action == "submit" and model.submitted_by is None:
            model.submitted_by = person
        elif action == "review":
            model.reviewed_by = person
        elif action == "approve":
            model.approved_by = person
        elif action == "approve_second":
            amount = data.get("amount_fen") or self.grantable(model)
            model.approved_fen = amount
            self.money["available"] -= amount
            self.money["committed"] += amount
        elif action == "pay":
            model.paid_fen += data["amount_fen"]
            self.money["committed"] -= data["amount_fen"]
            self.money["balance"] -= data["amount_fen"]
        elif action == "close":
            released = model.outstanding
            model.released_fen += released
            self.money["committed"] -= released
            self.money["available"] += released
        elif action == "claw_back":
            model.clawed_back_fen += data["amount_fen"]
            self.money["balance"] += data["amount_fen"]
            self.money["available"] += data["amount_fen"]

    # ---- after every step ----

    @invariant()
    def the_fund_row_its_ledger_and_the_model_agree(self):
        fund = self.session.get(Fund, self.setup["fund"])
        self.session.refresh(fund)
        row = {"balance": fund.balance_fen, "available": fund.available_fen, "committed": fund.committed_fen}
        sums = ledger.sums_by_fund([fund.id])[fund.id]
        assert row == {"balance": sums.balance_fen, "available": sums.available_fen, "committed": sums.committed_fen}
        assert row == self.money, (row, self.money)
        assert fund.balance_fen == fund.available_fen + fund.committed_fen
        assert min(row.values()) >= 0 and fund.ledger_seq == sums.entries
        assert ledger.verify() == []

    @invariant()
    def every_request_is_where_the_model_says_and_two_people_approved_it(self):
        staff_ids = {name: getattr(p, "id", None) for name, p in self.people.items()}
        for m in self.models.values():
            r = self.session.get(FundRequest, m.id)
            self.session.refresh(r)
            assert (r.state.value, r.version) == (m.state, m.version), m
            amounts = (r.approved_fen, r.paid_fen, r.released_fen, r.clawed_back_fen)
            assert amounts == (m.approved_fen, m.paid_fen, m.released_fen, m.clawed_back_fen), m
            assert min(amounts) >= 0 and r.outstanding_fen >= 0 and r.clawed_back_fen <= r.paid_fen
            assert r.submitted_by_id == staff_ids.get(m.submitted_by)
            if r.approved_by_id is not None:
                assert r.approved_by_id not in (r.submitted_by_id, r.reviewed_by_id), m
            if r.second_approved_by_id is not None:
                assert r.second_approved_by_id not in (r.submitted_by_id, r.reviewed_by_id, r.approved_by_id), m
            if m.state in ("granted", "closed"):
                assert None not in (r.approved_by_id, r.second_approved_by_id), m


@pytest.mark.timeout(900)
def test_random_walks_through_fund_requests(english, world, overseas_case, invoices, people, make_case, session):  # noqa: F811
    from tests.fund.conftest import add_file

    admin = world.province_admin
    fund = services.create_fund(
        admin,
        world.province,
        "本省小额海外维权互助基金",
        {"requests_per_enterprise_per_year": 12, "cap_per_year_fen": 10**13},
    )
    first = services.add_membership(
        admin,
        fund,
        world.enterprise,
        starts_on="2025-01-01",
        ends_on="2027-12-31",
        contribution_fen=START_CONTRIBUTION_FEN,
    )
    services.record_contribution(admin, first, START_CONTRIBUTION_FEN, occurred_on="2025-01-10", reference="回单 0001")
    services.record_income(admin, fund, "grant", START_GRANT_FEN, occurred_on="2025-02-01", reference="省财政拨款")
    second = services.add_membership(
        admin,
        fund,
        world.other_enterprise,
        starts_on="2026-01-01",
        ends_on="2026-12-31",
        contribution_fen=SECOND_MEMBER_OWES_FEN,
    )
    other_case = make_case(world.other_applicant, world.other_enterprise, state="submitted")
    elsewhere = add_file(session, other_case, world.other_applicant, "他案发票.pdf", "application/pdf")
    session.commit()
    FundWorkflow.staff = {
        "applicant": world.applicant,
        "caseworker": people["caseworker"],
        "supervisor": people["supervisor"],
        "second_supervisor": world.users.get("second_supervisor")
        or _second(world, Role.SUPERVISOR, "sv2@city.cn", session),
        "fund_committee": people["committee"],
        "second_committee": people["second_committee"],
        "admin": people["admin"],
        "mediator": world.users["mediator"],
        "other_applicant": world.other_applicant,
        "sibling": world.sibling_caseworker,
        "province_admin": admin,
    }
    FundWorkflow.setup = {
        "fund": fund.id,
        "fund_object": fund,
        "cap": fund.cap_per_request_fen,
        "case": overseas_case,
        "invoices": invoices,
        "membership": second.id,
        "elsewhere": elsewhere.id,
    }
    FundWorkflow.done = Counter()
    session.commit()
    try:
        run_state_machine_as_test(FundWorkflow, settings=SETTINGS)
        done = FundWorkflow.done
        missing = [a for a in [*table.WHO, "pay in full", "contribution", "grant"] if not done[a]]
        assert not missing, f"no walk went through {missing}: {dict(done)}"
    finally:
        FundWorkflow.staff, FundWorkflow.setup = {}, {}


def _second(world, role, email, session):
    from tests.conftest import new_user

    return new_user(session, "not-used", role, centre=world.city, email=email)
