"""Random walks through the mediation workflow (Hypothesis stateful testing).

Three accepted cases (a utility model's, a design patent's, a trademark's) are filed once; each walk
requests mediations on them and lets random people take random actions with valid and invalid input
(the catalogue of ``test_workflow_matrix``), random comments and random versions, interleaved with
steps that take an action the page offers with valid input (so walks reach agreements, performance
and confirmation), further requests and the applicant withdrawing a case. After every step it checks:

- the outcome is what the oracle (the hand-written tables of ``test_workflow_matrix``) predicts:
  success, 404, 409, 400, 403 or 422 with every reason; a refusal changes nothing
  (``tests.workflows.stateful.WorkflowMachine`` does this part for every workflow);
- a state only changes through an allowed move, and the version moves by one per applied action;
- every applied action adds exactly one event to its case's chain (and one more for the document it
  issues), refusals none; the chain verifies;
- one open mediation per case at most;
- the running clocks match the state: the reply clock only while awaiting the respondent; the
  mediation clock only in mediation or suspended (paused when suspended, and none for a trademark);
  confirmation and performance only after an agreement, performance until it is recorded,
  confirmation until it is; the case's next due time is its earliest running, unpaused clock.

The walks are derandomised and short (the suite's Hypothesis profile decides whether the examples
are the same each run): a few seconds per database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from app.cases import services as case_services
from app.cases.models import Case, CaseAuditHead, CaseEvent
from app.clocks.models import CaseClock
from app.core.audit import verify_chain
from app.core.errors import ServiceError
from app.mediation import services
from app.mediation.models import Mediation
from tests.mediation.test_workflow_matrix import (  # noqa: F401  (``at``, ``people``: fixtures)
    COMMENT_MISSING,
    COMMENT_REQUIRED,
    INPUTS,
    MOVES,
    ROLE_REASON,
    SEES,
    SITUATIONS,
    STATE_REASON,
    STEP_ACTOR,
    WHO,
    WITHDRAW_CASE,
    Track,
    accepted_case,
    at,
    clock_problems,
    people,
    situation_reasons,
)
from tests.workflows.stateful import VERSIONS, WorkflowMachine

SETTINGS = settings(
    max_examples=15,
    stateful_step_count=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

OPEN = ("requested", "awaiting_respondent", "in_mediation", "suspended")
# The cases the walks mediate on: the right each names, as ``make_case`` takes it.
CASES = {
    "utility_model": [{"type": "utility_model", "number": "202320123456.1", "title": "一种折叠式支架"}],
    "design": [{"type": "design", "number": "202330123456.7", "title": "包装盒"}],
    "trademark": [{"type": "trademark", "number": "12345678", "title": "某某"}],
}
# The rights with a fast deadline (DOMAIN.md: design 10 days, utility model and invention a month).
WITH_DEADLINE = {"utility_model", "design"}
# Actions that issue a document once applied (its own event follows the action's in the chain).
ISSUING = {"record_agreement", "record_failure"}
# Those who may ever act on a mediation (the others are refused or do not see it).
ACTING = ["applicant", "caseworker", "supervisor", "mediator", "other_mediator"]
PEOPLE = [*ACTING, "admin", "fund_committee", "sibling_caseworker", "other_applicant"]
EMAILS = {"mediator@city.cn": "mediator", "other-mediator@city.cn": "other_mediator"}
# What ends a mediation, or its follow-up, short of a confirmed agreement.
ENDINGS = {"withdraw", "record_failure", "respondent_refuses", "record_non_performance"}
# The way to a confirmed agreement, in order (what the walks' offered steps mostly follow).
ALONG = [
    "schedule_session",
    "record_session",
    "suspend",
    "resume",
    "serve_respondent",
    "respondent_agrees",
    "record_agreement",
    "record_performance",
    "record_judicial_confirmation",
]


@dataclass
class Model:
    """What the test believes about one mediation."""

    id: int
    case: str
    state: str = "requested"
    mediator: str | None = "mediator"
    served: bool = False
    opened: bool = False
    agreed: bool = False
    confirmed: bool = False
    version: int = 1
    scheduled: list = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<Model {self.id} {self.case} {self.state} mediator={self.mediator} confirmed={self.confirmed}>"


def acts_as(person: str, model: Model) -> str | None:
    """The role a person acts in on the mediation: a mediator only on the one assigned to them; the
    administrator and the fund committee member on none."""
    if person in ("mediator", "other_mediator"):
        return "mediator" if model.mediator == person else None
    return person if person in ("applicant", "caseworker", "supervisor") else None


def blank(comment) -> bool:
    return not (comment if isinstance(comment, str) else "").strip()


KEEP = object()  # the comment the catalogue gives with its input
# NUL characters and lone surrogates never reach the door: the request hooks and the API refuse them first.
COMMENTS = st.one_of(
    st.just(KEEP),
    st.sampled_from([None, "", "   ", "\u3000\n", "双方意见分歧较大", "x" * 10001, " y" * 5001, 42, ["理由"]]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20),
)
ACTIONS = st.sampled_from([*sorted(WHO), "delete", "", "WITHDRAW", None, ["withdraw"]])
DATA_KINDS = st.sampled_from(["catalogue", "catalogue", "catalogue", "none", "empty", "not an object", "a list"])
NO_INPUT = {action: next((r for c, d, r in rows if d in ({}, None)), []) for action, rows in INPUTS.items()}


def drawn_input(action, kind: str, index: int, comment):
    """The comment and data of an attempt, and the reasons the input alone must be refused with."""
    known = isinstance(action, str) and action in INPUTS
    if kind == "catalogue" and known:
        given_comment, data, reasons = INPUTS[action][index % len(INPUTS[action])]
    else:
        given_comment, data = None, {"none": None, "empty": {}, "not an object": "served", "a list": ["post"]}.get(kind)
        reasons = NO_INPUT[action] if known else []
    comment = given_comment if comment is KEEP else comment
    reasons = [r for r in reasons if r != COMMENT_MISSING]
    if known and action in COMMENT_REQUIRED and blank(comment):
        reasons.append(COMMENT_MISSING)
    return comment, data, reasons


class MediationWorkflow(WorkflowMachine):
    """Set up by ``test_random_walks_through_the_mediation_workflow`` (``people``, ``cases``)."""

    door = services.DOOR
    moves = MOVES
    forbidden_texts = ((ROLE_REASON,),)
    transition = staticmethod(services.transition)
    available_actions = staticmethod(services.available_actions)
    people: dict = {}
    cases: dict = {}  # name -> case id

    mediations = Bundle("mediations")

    def __init__(self):
        super().__init__()
        self.case_open = dict.fromkeys(self.cases, True)
        self.chain = {name: self._chain_length(name) for name in self.cases}

    def _chain_length(self, name) -> int:
        return self.session.execute(
            select(func.count(CaseEvent.id)).where(CaseEvent.case_id == self.cases[name])
        ).scalar_one()

    # -- requests --

    def _request(self, name, by):
        """A request by ``by`` on case ``name``: through when the case is handled and has no open
        mediation (a caseworker or supervisor asking), refused with every reason otherwise."""
        case = self.session.get(Case, self.cases[name])
        open_here = [m for m in self.models.values() if m.case == name and m.state in OPEN]
        reasons = []
        if not self.case_open[name]:
            reasons.append("The case must be accepted before a mediation starts.")
        if open_here:
            reasons.append("A mediation of this case is already under way.")
        before = self.snapshot()
        try:
            m = services.request_mediation(
                case, self.people[by], mediator="mediator@city.cn", requests="请求赔偿", not_in_court=True
            )
        except ServiceError as exc:
            texts = [str(r) for r in getattr(exc, "reasons", [exc.message])]
            if by == "mediator":
                assert exc.forbidden, texts
            else:
                assert reasons and not exc.forbidden and all(any(r in t for t in texts) for r in reasons), texts
            self.session.flush()
            assert self.snapshot() == before
            return None
        assert by != "mediator" and not reasons, (by, name, reasons)
        assert (m.state.value, m.version, m.mediator_id) == ("requested", 1, self.people["mediator"].id)
        self.chain[name] += 1
        model = Model(m.id, name)
        self.models[m.id] = model
        return model

    @initialize(target=mediations, name=st.sampled_from(sorted(CASES)), situation=st.sampled_from(sorted(SITUATIONS)))
    def first_mediation(self, name, situation):
        """A mediation driven through the door to one of the matrix's situations (its case withdrawn,
        for some), each step checked like any other: the walk goes on from there."""
        model = self._request(name, "caseworker")
        for step in SITUATIONS[situation]:
            if step == WITHDRAW_CASE:
                self._withdraw_case(name)
            else:
                comment, data, self.input_reasons = drawn_input(step, "catalogue", 0, KEEP)
                self.attempt(model, STEP_ACTOR[step], step, comment, data, "current")
        return model

    @precondition(lambda self: len(self.models) < 5)
    @rule(
        target=mediations,
        name=st.sampled_from(sorted(CASES)),
        by=st.sampled_from(["caseworker", "supervisor", "mediator"]),
    )
    def another_request(self, name, by):
        model = self._request(name, by)
        return model if model is not None else multiple()

    def _open_ones(self, states=OPEN, case_open=True):
        return [m for m in self.models.values() if m.state in states and self.case_open[m.case] is case_open]

    @precondition(lambda self: self._open_ones())
    @rule(index=st.integers(0, 10), person=st.sampled_from(ACTING))
    def a_case_ends_while_its_mediation_is_open(self, index, person):
        """The applicant withdraws a case under mediation: the mediation falls with it (withdrawn through
        its own door); ``person`` then tries the move that was next, which its state now refuses."""
        chosen = self._open_ones()
        m = chosen[index % len(chosen)]
        before = m.state
        self._withdraw_case(m.case)
        assert m.state == "withdrawn"
        action = next(a for a in MOVES[before] if a != "assign_mediator")
        comment, data, self.input_reasons = drawn_input(action, "catalogue", 0, KEEP)
        self.attempt(m, person, action, comment, data, "current")

    def _withdraw_case(self, name):
        case = self.session.get(Case, self.cases[name])
        case_services.transition(case, "withdraw", self.people["applicant"], comment="申请人撤回投诉")
        self.case_open[name] = False
        self.chain[name] += 1
        for model in self.models.values():  # the mediation under way falls with the complaint
            if model.case == name and model.state in OPEN:
                model.state = "withdrawn"
                model.version += 1
                self.chain[name] += 1

    # -- acting --

    @precondition(lambda self: self._open_ones(("in_mediation",)))
    @rule(index=st.integers(0, 10), back=st.booleans(), person=st.sampled_from(ACTING))
    def a_mediation_is_suspended(self, index, back, person):
        """An invalidation request before CNIPA suspends a mediation (its deadline pauses), and it
        resumes or not; ``person`` tries to suspend it, whether or not they may, and its mediator
        resumes it."""
        chosen = self._open_ones(("in_mediation",))
        m = chosen[index % len(chosen)]
        comment, data, self.input_reasons = drawn_input("suspend", "catalogue", 0, KEEP)
        self.attempt(m, person, "suspend", comment, data, "current")
        if back and m.state == "suspended":
            comment, data, self.input_reasons = drawn_input("resume", "catalogue", 0, KEEP)
            self.attempt(m, m.mediator if m.mediator in ACTING else "supervisor", "resume", comment, data, "none")

    @rule(
        m=mediations,
        person=st.sampled_from(PEOPLE),
        action=ACTIONS,
        kind=DATA_KINDS,
        index=st.integers(0, 100),
        comment=COMMENTS,
        version=VERSIONS,
    )
    def anyone_tries_anything(self, m, person, action, kind, index, comment, version):
        comment, data, self.input_reasons = drawn_input(action, kind, index, comment)
        self.attempt(m, person, action, comment, data, version)

    @rule(m=mediations, picks=st.lists(st.integers(0, 10_000), min_size=1, max_size=8))
    def people_take_offered_actions(self, m, picks):
        """A few steps, each by someone the page offers an action to, with valid input: mostly the one
        that goes furthest along the way to a confirmed agreement, sometimes any other that does not
        end it, seldom an ending, so that walks reach the late states too."""
        for pick in picks:
            subject = self.subject(m)
            offers = [
                (person, check.action.name)
                for person in ACTING
                for check in services.available_actions(subject, self.people[person])
                if check.allowed
            ]
            onward = [o for o in offers if o[1] in ALONG]
            going_on = [o for o in offers if o[1] not in ENDINGS]
            if not offers:
                return
            if pick % 25 == 0 or not going_on:
                person, action = offers[pick // 25 % len(offers)]
            elif pick % 3 == 0 or not onward:
                person, action = going_on[pick // 3 % len(going_on)]
            elif pick % 3 == 1:
                person, action = onward[pick // 3 % len(onward)]
            else:
                person, action = max(onward, key=lambda o: (ALONG.index(o[1]), o[0]))
            comment, data, self.input_reasons = drawn_input(action, "catalogue", 0, KEEP)
            if action == "record_session" and m.scheduled and pick % 2:
                data = dict(data, session=str(m.scheduled[0]), held_at="2026-03-10T09:30:00+08:00")
            elif action == "assign_mediator":
                comment, data, self.input_reasons = drawn_input(action, "catalogue", pick % 3, KEEP)
            self.attempt(m, person, action, comment, data, "current")

    # -- the oracle --

    def subject(self, model: Model) -> Mediation:
        return self.session.get(Mediation, model.id)

    def snapshot(self):
        rows = self.session.execute(
            select(Mediation.id, Mediation.state, Mediation.version).order_by(Mediation.id)
        ).all()
        events = dict(
            self.session.execute(
                select(CaseEvent.subject_id, func.count(CaseEvent.id))
                .where(CaseEvent.subject_type == "mediation")
                .group_by(CaseEvent.subject_id)
            ).all()
        )
        # A mediation's action never changes its case's state.
        cases = self.session.execute(select(Case.id, Case.state).order_by(Case.id)).all()
        return [(r.id, r.state, r.version, events.get(r.id, 0)) for r in rows], [tuple(c) for c in cases]

    def predict(self, model, person, action, comment, data, version_is_stale):
        categories: set = set()
        known = isinstance(action, str) and action in WHO
        if not known:
            categories.add("unknown")
        if person not in SEES:
            categories.add("not_found")
        if version_is_stale:
            categories.add("conflict")
        if (
            (data is not None and not isinstance(data, dict))
            or (comment is not None and not isinstance(comment, str))
            or (isinstance(comment, str) and len(comment.strip()) > 10000)
        ):
            categories.add("invalid")
        reasons: list = []
        if known:
            role = acts_as(person, model)
            if role is None or role not in WHO[action]:
                categories.add("forbidden")
            if action not in MOVES[model.state]:
                reasons = [STATE_REASON]
            else:
                reasons = self._situation(model, action) + self.input_reasons
        if reasons:
            categories.add("refused")
        return categories, reasons

    def _situation(self, model, action) -> list:
        return situation_reasons(action, case_is_open=self.case_open[model.case], is_confirmed=model.confirmed)

    def check_offered(self, model, person, action, offered):
        role = acts_as(person, model)
        if person not in SEES or role is None:
            assert offered == {}, f"{person} is offered {sorted(offered)}"
            return
        assert set(offered) == {a for a, roles in WHO.items() if role in roles}
        for name, check in offered.items():
            open_now = name in MOVES[model.state] and not self._situation(model, name)
            assert check.allowed is open_now, (name, model, [str(r) for r in check.reasons])
            assert check.allowed or check.reasons

    def event_at(self, model, seq):
        """The ``seq``-th event of the mediation in its case's chain."""
        return self.session.execute(
            select(CaseEvent)
            .where(CaseEvent.subject_type == "mediation", CaseEvent.subject_id == model.id)
            .order_by(CaseEvent.seq)
            .offset(seq - 1)
            .limit(1)
        ).scalar_one()

    def applied(self, model, person, action, comment, data, subject, event):
        name = model.case
        new = list(
            self.session.execute(
                select(CaseEvent.action, CaseEvent.subject_type, CaseEvent.subject_id)
                .where(CaseEvent.case_id == self.cases[name])
                .order_by(CaseEvent.seq)
                .offset(self.chain[name])
            ).all()
        )
        expected = [(action, "mediation", model.id)]
        if action in ISSUING:
            expected.append(("issue_document", "mediation", model.id))
        assert [tuple(e) for e in new] == expected, (action, new)
        self.chain[name] += len(expected)
        model.version += 1
        if action == "assign_mediator":
            model.mediator = EMAILS.get(data["mediator"].strip().lower(), data["mediator"].strip().lower())
            assert subject.mediator.email.lower() == data["mediator"].strip().lower()
        elif action == "serve_respondent":
            model.served = True
        elif action == "respondent_agrees":
            model.opened = True
        elif action == "schedule_session":
            model.scheduled.append(subject.sessions[-1].id)
        elif action == "record_session" and data.get("session") not in (None, ""):
            model.scheduled.remove(int(data["session"]))
        elif action == "record_agreement":
            model.agreed = True
            assert subject.agreed_at is not None and subject.terms
        elif action == "record_judicial_confirmation":
            model.confirmed = True

    # -- after every step --

    @invariant()
    def every_mediation_is_where_the_model_says(self):
        for model in self.models.values():
            state, version = self.session.execute(
                select(Mediation.state, Mediation.version).where(Mediation.id == model.id)
            ).one()
            assert (state.value, version) == (model.state, model.version), model

    @invariant()
    def one_open_mediation_per_case(self):
        rows = self.session.execute(
            select(Mediation.case_id, func.count(Mediation.id))
            .where(Mediation.state.in_(OPEN))
            .group_by(Mediation.case_id)
        ).all()
        assert all(count == 1 for _, count in rows), rows

    @invariant()
    def each_chain_grows_by_the_events_of_what_went_through_and_verifies(self):
        for name, case_id in self.cases.items():
            number = self.session.execute(select(Case.number).where(Case.id == case_id)).scalar_one()
            events = list(
                self.session.execute(
                    select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
                ).scalars()
            )
            assert len(events) == self.chain[name], (name, [e.action for e in events[-3:]])
            assert verify_chain(number, events) is None
            head = self.session.get(CaseAuditHead, case_id)
            assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)

    @invariant()
    def the_running_clocks_match_the_state(self):
        clocks = list(self.session.execute(select(CaseClock).where(CaseClock.subject_type == "mediation")).scalars())
        for model in self.models.values():
            own = [c for c in clocks if c.subject_id == model.id]
            assert {c.case_id for c in own} <= {self.cases[model.case]}
            history = Track(model.served, model.opened, model.agreed, model.confirmed)
            assert clock_problems(own, model.state, history, model.case in WITH_DEADLINE) == [], model
            # Its running deadlines are its mediator's to answer for, whoever was assigned when they started.
            mediator_id = self.session.execute(select(Mediation.mediator_id).where(Mediation.id == model.id)).scalar()
            assert {c.responsible_id for c in own if c.is_running} <= {mediator_id}, model

    @invariant()
    def each_case_is_next_due_at_its_earliest_running_clock(self):
        for case_id in self.cases.values():
            dues = self.session.execute(
                select(CaseClock.due_at).where(
                    CaseClock.case_id == case_id,
                    CaseClock.met_at.is_(None),
                    CaseClock.stopped_at.is_(None),
                    CaseClock.paused_at.is_(None),
                    CaseClock.due_at.is_not(None),
                )
            ).scalars()
            next_due = self.session.execute(select(Case.next_due_at).where(Case.id == case_id)).scalar_one()
            assert next_due == min(dues, default=None)


# A failing walk is shrunk to a minimal one before it is reported; give that time to finish.
@pytest.mark.timeout(600)
def test_random_walks_through_the_mediation_workflow(world, people, session, at):  # noqa: F811
    cases = {name: accepted_case(world, rights=rights) for name, rights in CASES.items()}
    assert {name: c.rights[0].type.value for name, c in cases.items()} == {n: n for n in CASES}
    session.commit()
    MediationWorkflow.people = people
    MediationWorkflow.cases = {name: c.id for name, c in cases.items()}
    MediationWorkflow.done = Counter()
    try:
        run_state_machine_as_test(MediationWorkflow, settings=SETTINGS)
        done = MediationWorkflow.done
        # The walks went through the whole way, not only its refusals.
        wanted = (
            "respondent_agrees",
            "suspend",
            "record_agreement",
            "record_performance",
            "record_judicial_confirmation",
        )
        missing = [a for a in wanted if not done[a]]
        assert not missing, f"no walk went through {missing}: {dict(done)}"
    finally:
        MediationWorkflow.people, MediationWorkflow.cases = {}, {}
