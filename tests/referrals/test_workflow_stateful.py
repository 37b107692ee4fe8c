"""Random walks through the referral workflow (Hypothesis stateful testing).

Two accepted cases with evidence are filed once; each walk decides referrals of their leads (to a
competent agency, or to one that does not fit, kept with a comment) and lets random people take random
actions with valid and invalid input (the catalogue of ``test_workflow_matrix``), random comments, ways
the agency's word came and versions: staff of the centre, the supervisor who proposed and another, the
agency through its newest reply link (``reply.AgencyActor``, the pseudo-role ``Party.AGENCY``) and the
agency of another referral, the applicant, outsiders. Steps that take an action the page offers with
valid input lead the walks on to the agency's answers, the police and the outcome; the applicant
sometimes withdraws a case. After every step it checks:

- the outcome is what the oracle (the hand-written tables of ``test_workflow_matrix``) predicts, a
  refusal changes nothing (``tests.workflows.stateful.WorkflowMachine``); the agency's word is recorded
  as the agency's (through its link) or as staff's (and how it came);
- every applied action adds its event to the case's chain (and one for the letter it issues); the
  chain verifies;
- the send clock runs (once) exactly while the referral awaits sending, the chase clock (one at most)
  exactly while it is with the agency; none once it is over; the case is next due at its earliest clock;
- a reply link is live exactly while the referral is with the agency (none before the letter; one per
  letter); ``penalty_fen`` is None or not negative; ``sent_at`` is set exactly once the letter is sent.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, initialize, invariant, multiple, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from app.cases import services as case_services
from app.cases.models import Attachment, Case, CaseAuditHead, CaseEvent
from app.clocks.models import CaseClock
from app.core.audit import verify_chain
from app.core.errors import ServiceError
from app.referrals import reply, services
from app.referrals.models import Referral, ReferralReplyToken
from tests.referrals import test_workflow_matrix as table
from tests.referrals.test_workflow_matrix import at, ctx, people  # noqa: F401  (fixtures)
from tests.workflows.stateful import VERSIONS, WorkflowMachine

SETTINGS = settings(
    max_examples=15,
    stateful_step_count=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

CASES = ("first", "second")
STAFF_PEOPLE = ["caseworker", "supervisor", "second_supervisor"]
ACTING = [*STAFF_PEOPLE, "agency"]
PEOPLE = [*ACTING, "applicant", "mediator", "admin", "sibling_caseworker", "other_applicant", "other_agency"]
ENDED = {"closed", "refused", "withdrawn"}
ISSUING = {"send", "chase"}  # each issues a letter (its own event follows the action's)
# The way on, in order (the walks' offered steps mostly take the furthest): the police before the outcome.
ALONG = ["approve", "send", "chase", "record_receipt", "record_decision", "record_outcome", "record_police_transfer"]
ALONG += ["record_police_step"]
ENDINGS = {"refuse", "withdraw", "record_no_case", "close"}
# Where a walk starts: the matrix's situations, and one further on with the police.
SITUATIONS = {
    **table.SITUATIONS,
    "with_police/received by the police": [*table.SITUATIONS["with_police"], "record_police_step"],
}
# The regulation's order of the police's steps: each after one of these.
POLICE_ORDER = {
    "received": set(),
    "opened": {"received"},
    "not_opened": {"received"},
    "reconsideration_asked": {"not_opened"},
    "reconsideration_answered": {"reconsideration_asked"},
}


@dataclass
class Model:
    """What the test believes about one referral."""

    id: int
    case: str
    proposer: str
    mismatch: bool
    state: str = "proposed"
    version: int = 1
    sent: bool = False
    letters: int = 0
    steps: list = field(default_factory=list)
    penalty: int | None = None

    def __repr__(self) -> str:
        return f"<Model {self.id} {self.case} {self.state} by {self.proposer} mismatch={self.mismatch}>"


def blank(comment) -> bool:
    return not (comment if isinstance(comment, str) else "").strip()


def police_reasons(done: list, data: dict) -> list:
    """Why a police step is refused, from the regulation's order (the guard gives its first problem);
    every step is reported on ``TODAY``, the day the letter went."""
    step, on, note = data.get("step"), data.get("on"), data.get("note")
    if not isinstance(step, str) or step not in POLICE_ORDER:
        return [table.CHOOSE_STEP]
    if step in done:
        return [table.STEP_DONE]
    if step in ("opened", "not_opened") and {"opened", "not_opened"} & set(done):
        return [table.POLICE_DECIDED]
    if POLICE_ORDER[step] and not POLICE_ORDER[step] & set(done):
        return [table.EARLIER_STEP]
    if not isinstance(on, str) or len(on) != 10 or on[4] != "-":
        return [table.DATE_BAD]
    if on != table.TODAY.isoformat():
        return [table.FUTURE if on > table.TODAY.isoformat() else table.BEFORE_SENT]
    if isinstance(note, str) and len(note) > 2000:
        return [table.NOTE_LONG]
    return []


def next_steps(done: list) -> list:
    return [s for s in POLICE_ORDER if not police_reasons(done, {"step": s, "on": table.TODAY.isoformat()})]


KEEP = object()  # the comment the catalogue gives with its input
NO_CHANNEL = object()
COMMENTS = st.one_of(
    st.just(KEEP),
    st.sampled_from([None, "", "  ", "\u3000\n", "版权局已同意受理", "x" * 10001, 42, ["理由"]]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12),
)
# A list as an action never reaches the services (pages and the API name actions in their paths).
ACTIONS = st.sampled_from([*sorted(table.WHO), "delete", "", "APPROVE", None])
DATA_KINDS = st.sampled_from(["catalogue", "catalogue", "catalogue", "none", "empty", "not an object", "a list"])
CHANNEL_DRAWS = st.sampled_from([NO_CHANNEL, *table.CHANNELS])
NO_INPUT = {action: next(r for c, d, r in rows if d in ({}, None)) for action, rows in table.INPUTS.items()}


def drawn_input(model, person, action, kind, index, comment, channel):
    """The comment and data of an attempt, and the reasons the input alone must be refused with."""
    known = isinstance(action, str) and action in table.INPUTS
    if kind == "catalogue" and known:
        given_comment, data, reasons = table.INPUTS[action][index % len(table.INPUTS[action])]
    else:
        given_comment, data = None, {"none": None, "empty": {}, "not an object": "sent", "a list": ["post"]}.get(kind)
        reasons = NO_INPUT[action] if known else []
    comment = given_comment if comment is KEEP else comment
    reasons = [r for r in reasons if r != table.COMMENT_MISSING]
    if not known:
        return comment, data, reasons
    if action in table.COMMENT_REQUIRED and blank(comment):
        reasons.append(table.COMMENT_MISSING)
    if action in table.AGENCY_ACTIONS:
        if isinstance(data, dict) and channel is not NO_CHANNEL:
            data = {**data, "channel": channel}
        said = isinstance(data, dict) and table.CHANNELS.get(data.get("channel"), False)
        if table.ACTS_AS.get(person) in ("caseworker", "supervisor") and not said:
            reasons.append(table.CHANNEL)
    if action == "record_police_step":
        police = police_reasons(model.steps, data if isinstance(data, dict) else {})
        reasons = [r for r in reasons if r == table.CHANNEL] + police
    return comment, data, reasons


class ReferralWorkflow(WorkflowMachine):
    """Set up by ``test_random_walks_through_the_referral_workflow`` (``staff``, ``cases``, ``agencies``)."""

    door = services.DOOR
    moves = table.MOVES
    forbidden_texts = ((table.ROLE_REASON,),)
    transition = staticmethod(services.transition)
    available_actions = staticmethod(services.available_actions)
    staff: dict = {}
    cases: dict = {}  # name -> (case id, evidence ids)
    agencies: dict = {}  # "fits" / "does not fit" -> agency id

    referrals = Bundle("referrals")

    def __init__(self):
        super().__init__()
        self.people = dict(self.staff)
        self.case_open = dict.fromkeys(self.cases, True)
        self.chain = {name: self._chain_length(name) for name in self.cases}

    def _chain_length(self, name) -> int:
        case_id = self.cases[name][0]
        return self.session.execute(select(func.count(CaseEvent.id)).where(CaseEvent.case_id == case_id)).scalar_one()

    def _as(self, model: Model) -> None:
        """The agency of ``model``'s referral (its newest link) and the agency of another referral."""
        others = [m.id for m in self.models.values() if m.id != model.id]
        self.people["agency"] = table.agency_of(self.subject(model))
        self.people["other_agency"] = reply.AgencyActor(others[0] if others else -1, "外省市场监督管理局", 0)

    def act(self, model, person, action, comment, data, version="current"):
        self._as(model)
        return self.attempt(model, person, action, comment, data, version)

    # -- deciding referrals --

    def _refer(self, name, by, fits=True):
        case = self.session.get(Case, self.cases[name][0])
        # One open referral of a case to an agency at a time (until it is closed, refused or withdrawn).
        under_way = any(
            m.case == name and m.mismatch is not fits and m.state not in ENDED for m in self.models.values()
        )
        before = self.snapshot()
        try:
            r = services.refer(
                case,
                self.people[by],
                agency=self.agencies["fits" if fits else "does not fit"],
                grounds="被请求人持续销售侵权产品",
                evidence=self.cases[name][1],
                override="" if fits else "该局已同意受理本线索",
            )
        except ServiceError as exc:
            texts = [str(r) for r in getattr(exc, "reasons", [exc.message])]
            if by == "mediator":
                assert exc.forbidden, texts
            else:
                assert (not self.case_open[name] or under_way) and not exc.forbidden and texts, texts
            self.session.flush()
            assert self.snapshot() == before
            return None
        assert by != "mediator" and self.case_open[name] and not under_way
        assert (r.state.value, r.version, r.sent_at) == ("proposed", 1, None)
        self.chain[name] += 1
        model = Model(r.id, name, by, not fits)
        self.models[r.id] = model
        return model

    def _withdraw_case(self, name):
        case = self.session.get(Case, self.cases[name][0])
        case_services.transition(case, "withdraw", self.people["applicant"], comment="申请人撤回投诉")
        self.case_open[name] = False
        self.chain[name] += 1

    @initialize(target=referrals, name=st.sampled_from(CASES), situation=st.sampled_from(sorted(SITUATIONS)))
    def first_referral(self, name, situation):
        """A referral driven through the door to one of the matrix's situations, each step checked."""
        by = "supervisor" if situation == "proposed/by supervisor" else "caseworker"
        model = self._refer(name, by, fits=situation != "proposed/agency does not fit")
        for step in SITUATIONS[situation]:
            if step == table.CASE_WITHDRAWN:
                self._withdraw_case(name)
                continue
            person = table.STEP_ACTOR[step]
            values = table.given(step, channel=None if person == "agency" else "phone")
            self.input_reasons = []
            self.act(model, person, step, values["comment"], values["data"])
        return model

    @precondition(lambda self: len(self.models) < 3)
    @rule(
        target=referrals,
        name=st.sampled_from(CASES),
        by=st.sampled_from([*STAFF_PEOPLE, "mediator"]),
        fits=st.booleans(),
    )
    def another_referral(self, name, by, fits):
        model = self._refer(name, by, fits)
        return model if model is not None else multiple()

    @precondition(lambda self: any(self.case_open.values()))
    @rule(name=st.sampled_from(CASES))
    def the_applicant_withdraws_a_case(self, name):
        """A case ends while its referrals go on: approving and sending need it open, the rest does not."""
        if self.case_open[name]:
            self._withdraw_case(name)

    # -- acting --

    @rule(
        m=referrals,
        person=st.sampled_from(PEOPLE),
        action=ACTIONS,
        kind=DATA_KINDS,
        index=st.integers(0, 100),
        comment=COMMENTS,
        channel=CHANNEL_DRAWS,
        version=VERSIONS,
    )
    def anyone_tries_anything(self, m, person, action, kind, index, comment, channel, version):
        if action == "approve" and m.mismatch and not blank(comment):
            comment = ""  # the page never offers it (``test_workflow_matrix``, the xfail): keep page and door alike
        comment, data, self.input_reasons = drawn_input(m, person, action, kind, index, comment, channel)
        self.act(m, person, action, comment, data, version)

    @precondition(lambda self: any(m.state in table.WITH_AGENCY for m in self.models.values()))
    @rule(
        which=st.integers(0, 10),
        person=st.sampled_from([*ACTING, "mediator", "applicant"]),
        pick=st.integers(0, 100),
        row=st.integers(0, 100),
        channel=CHANNEL_DRAWS,
    )
    def the_agencys_word_comes(self, which, person, pick, row, channel):
        """The agency answers, or staff record its word, on a referral with the agency: one of the answers
        open now, with any input of the catalogue and any way of saying how it came."""
        chosen = [m for m in self.models.values() if m.state in table.WITH_AGENCY]
        m = chosen[which % len(chosen)]
        answers = [a for a in table.MOVES[m.state] if a in table.AGENCY_ACTIONS]
        action = answers[pick % len(answers)]
        if m.state == "with_police" and pick % 4:  # the police's steps, mostly, before the outcome
            action = "record_police_step"
        comment, data, self.input_reasons = drawn_input(m, person, action, "catalogue", row, KEEP, channel)
        steps = next_steps(m.steps)
        if action == "record_police_step" and row % 2 and steps:  # a step the police may take next
            data = {**data, "step": steps[row // 2 % len(steps)], "on": table.TODAY.isoformat()}
            data.pop("note", None)
            self.input_reasons = [r for r in self.input_reasons if r == table.CHANNEL]
        self.act(m, person, action, comment, data)

    @rule(m=referrals, picks=st.lists(st.integers(0, 10_000), min_size=1, max_size=8))
    def people_take_offered_actions(self, m, picks):
        """A few steps, each by someone the page offers an action to, with valid input: mostly the one
        furthest on the way, sometimes another on it or another that does not end the referral, seldom an
        ending."""
        for pick in picks:
            self._as(m)
            subject = self.subject(m)
            offers = [
                (person, check.action.name)
                for person in ACTING
                for check in services.available_actions(subject, self.people[person])
                if check.allowed and (check.action.name != "record_police_step" or next_steps(m.steps))
            ]
            if not offers:
                return
            onward = [o for o in offers if o[1] in ALONG]
            going_on = [o for o in offers if o[1] not in ENDINGS]
            if pick % 25 == 0 or not going_on:
                person, action = offers[pick // 25 % len(offers)]
            elif pick % 4 == 0 or not onward:
                person, action = going_on[pick // 4 % len(going_on)]
            elif pick % 4 == 1:
                person, action = onward[pick // 4 % len(onward)]
            else:
                person, action = max(onward, key=lambda o: (ALONG.index(o[1]), o[0]))
            values = table.given(action, channel=None if person == "agency" else ("phone", "letter", "email")[pick % 3])
            comment, data = values["comment"], values["data"]
            if action == "record_police_step":
                steps = next_steps(m.steps)
                data = {**data, "step": steps[pick % len(steps)]}
            if action == "approve" and m.mismatch:
                comment = "版权局已同意受理"
            self.input_reasons = []
            self.act(m, person, action, comment, data)

    # -- the oracle --

    def subject(self, model: Model) -> Referral:
        return self.session.get(Referral, model.id)

    def snapshot(self):
        rows = self.session.execute(
            select(Referral.id, Referral.state, Referral.version, Referral.penalty_fen).order_by(Referral.id)
        ).all()
        events = dict(
            self.session.execute(
                select(CaseEvent.subject_id, func.count(CaseEvent.id))
                .where(CaseEvent.subject_type == "referral")
                .group_by(CaseEvent.subject_id)
            ).all()
        )
        tokens = Counter(
            (t.referral_id, t.revoked_at is None)
            for t in self.session.execute(select(ReferralReplyToken.referral_id, ReferralReplyToken.revoked_at))
        )
        cases = self.session.execute(select(Case.id, Case.state).order_by(Case.id)).all()
        return [
            (r.id, r.state, r.version, events.get(r.id, 0), r.penalty_fen, tokens[(r.id, True)], tokens[(r.id, False)])
            for r in rows
        ], [tuple(c) for c in cases]

    def _situation(self, model, action, person, comment="", *, for_page=False) -> list:
        """Why ``action`` is blocked beside its state; ``for_page``: as the page shows it, without the
        guards that judge the input (the comment that keeps an agency that does not fit)."""
        reasons = []
        if action in table.NEED_OPEN_CASE and not self.case_open[model.case]:
            reasons.append(table.CASE_CLOSED)
        if action == "approve" and person == model.proposer:
            reasons.append(table.NOT_PROPOSER)
        if action == "approve" and model.mismatch and blank(comment) and not for_page:
            reasons.append(table.MISMATCH)
        return reasons

    def predict(self, model, person, action, comment, data, version_is_stale):
        categories: set = set()
        known = isinstance(action, str) and action in table.WHO
        if not known:
            categories.add("unknown")
        if not table.sees(person, model.sent):
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
            role = table.ACTS_AS.get(person)
            if role is None or role not in table.WHO[action]:
                categories.add("forbidden")
            if action not in table.MOVES[model.state]:
                reasons = [table.STATE_REASON]
            else:
                reasons = self._situation(model, action, person, comment) + self.input_reasons
        if reasons:
            categories.add("refused")
        return categories, reasons

    def check_offered(self, model, person, action, offered):
        role = table.ACTS_AS.get(person)
        if not table.sees(person, model.sent) or role is None:
            assert offered == {}, f"{person} is offered {sorted(offered)}"
            return
        assert set(offered) == {a for a, roles in table.WHO.items() if role in roles}
        for name, check in offered.items():
            open_now = name in table.MOVES[model.state] and not self._situation(model, name, person, for_page=True)
            assert check.allowed is open_now, (name, model, person, [str(r) for r in check.reasons])
            assert check.allowed or check.reasons

    def event_at(self, model, seq):
        return self.session.execute(
            select(CaseEvent)
            .where(CaseEvent.subject_type == "referral", CaseEvent.subject_id == model.id)
            .order_by(CaseEvent.seq)
            .offset(seq - 1)
            .limit(1)
        ).scalar_one()

    def applied(self, model, person, action, comment, data, subject, event):
        name = model.case
        new = self.session.execute(
            select(CaseEvent.action, CaseEvent.subject_type, CaseEvent.subject_id)
            .where(CaseEvent.case_id == self.cases[name][0])
            .order_by(CaseEvent.seq)
            .offset(self.chain[name])
        ).all()
        expected = [(action, "referral", model.id)]
        if action in ISSUING:
            expected.append(("issue_document", "referral", model.id))
        assert [tuple(e) for e in new] == expected, (action, new)
        self.chain[name] += len(expected)
        model.version += 1
        if action in table.AGENCY_ACTIONS:  # whose word it is, and how it came
            said = ("agency", "link") if person == "agency" else ("staff", data["channel"])
            assert (event.data["by"], event.data["via"]) == said, event.data
            self.done["by the agency" if person == "agency" else "by staff for the agency"] += 1
        if action in ISSUING:
            model.sent, model.letters = True, model.letters + 1
        elif action == "record_police_step":
            model.steps.append(data["step"])
        elif action == "record_outcome":
            penalty = data.get("penalty_fen")
            model.penalty = penalty if penalty not in (None, "") else None

    # -- after every step --

    @invariant()
    def every_referral_is_where_the_model_says_with_its_clocks_and_links(self):
        for model in self.models.values():
            r = self.session.execute(select(Referral).where(Referral.id == model.id)).scalar_one()
            assert (r.state.value, r.version, r.penalty_fen) == (model.state, model.version, model.penalty), model
            assert (r.sent_at is not None) is model.sent, model
            assert [s["step"] for s in r.police_steps or []] == model.steps
            assert table.track_problems(self.session, r, model.letters) == [], model

    @invariant()
    def each_chain_grows_by_what_went_through_and_verifies(self):
        for name, (case_id, _) in self.cases.items():
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
    def each_case_is_next_due_at_its_earliest_running_clock(self):
        for case_id, _ in self.cases.values():
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


def evidence_of(session, case, uploader) -> list[int]:
    files = []
    for i in (1, 2):
        data = f"{case.number} photo {i}".encode()
        files.append(
            Attachment(
                case_id=case.id,
                uploaded_by_id=uploader.id,
                filename=f"侵权产品照片{i}.png",
                content_type="image/png",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                storage_path=f"evidence/walk-{case.id}-{i}.png",
            )
        )
    session.add_all(files)
    session.flush()
    return [f.id for f in files]


# A failing walk is shrunk to a minimal one before it is reported; give that time to finish.
@pytest.mark.timeout(600)
def test_random_walks_through_the_referral_workflow(ctx, world, people, agencies, make_case, session, at):  # noqa: F811
    cases = {
        name: make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
        for name in CASES
    }
    ReferralWorkflow.cases = {
        name: (c.id, evidence_of(session, c, world.users["caseworker"])) for name, c in cases.items()
    }
    ReferralWorkflow.agencies = {"fits": agencies["market"].id, "does not fit": agencies["copyright"].id}
    ReferralWorkflow.staff = people
    ReferralWorkflow.done = Counter()
    session.commit()
    try:
        run_state_machine_as_test(ReferralWorkflow, settings=SETTINGS)
        done = ReferralWorkflow.done
        wanted = ("approve", "send", "record_receipt", "record_decision", "record_police_step", "record_outcome")
        missing = [a for a in [*wanted, "by the agency", "by staff for the agency"] if not done[a]]
        assert not missing, f"no walk went through {missing}: {dict(done)}"
    finally:
        ReferralWorkflow.staff, ReferralWorkflow.cases, ReferralWorkflow.agencies = {}, {}, {}
