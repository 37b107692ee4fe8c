"""Random walks through the case workflow (Hypothesis stateful testing).

A state machine files a few cases (by applicants and by staff of different centres, with and
without a respondent, of every kind) and then lets random people take random actions with
random comments, data and versions, interleaved with steps that always pick an action the
page offers and give it valid input, so that walks reach the late states too. After every
step it checks:

- the outcome is exactly what an independent oracle predicts (the tables of
  ``test_workflow_matrix``, the scope rules of DOMAIN.md): success, 404, 409, 400, 403 or 422;
- every success matches the rule table: source among the action's sources, target as declared,
  one new version and an event recording the move;
- every refusal carries a reason and changes nothing anywhere (states, versions, events, numbers);
- a role refusal is ``forbidden``; a state or guard refusal is not;
- what ``available_actions`` offers agrees with what the door then does;
- every case's audit chain verifies and ends in its current state; numbers stay gapless.

Each example runs in a savepoint of the test's transaction, rolled back when it ends. What every
workflow's walks share (the savepoint, one attempt through the door and its checks) is
``tests.workflows.stateful.WorkflowMachine``; this module gives it the case's oracle and rules.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from app.auth.models import Role
from app.cases import services, workflow
from app.cases.enums import CaseState
from app.cases.models import Case, CaseAuditHead, CaseEvent, CaseSequence
from app.core.audit import GENESIS, verify_chain
from app.core.errors import ServiceError
from tests.cases.test_workflow_matrix import (
    ACTING,
    MOVES,
    OFFER_ACTIONS,
    ROLE_REASON,
    STATE_REASON,
    WHO,
    Standing,
    input_reasons,
    situation_reasons,
)
from tests.conftest import ACTION_INPUT, ALL_CONDITIONS, VALID_UTILITY_MODEL
from tests.workflows.stateful import VERSIONS, WorkflowMachine

SETTINGS = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# ---- people and where they stand -------------------------------------------------------------------

# name -> (role, centres whose cases they see) for staff; applicants see their firm's cases.
# The county CAC lies below the city CA; CA and the sibling city CB below the province PA.
STAFF_SCOPE = {
    "caseworker": ("caseworker", {"CA", "CAC"}),
    "supervisor": ("supervisor", {"CA", "CAC"}),
    "mediator": ("mediator", {"CA", "CAC"}),
    "fund_committee": ("fund_committee", {"CA", "CAC"}),
    "admin": ("admin", {"CA", "CAC"}),
    "province_supervisor": ("supervisor", {"PA", "CA", "CB", "CAC"}),
    "sibling_caseworker": ("caseworker", {"CB"}),
    "county_caseworker": ("caseworker", {"CAC"}),
}
# The centre each staff member works at.
HOME = {
    "caseworker": "CA",
    "supervisor": "CA",
    "mediator": "CA",
    "fund_committee": "CA",
    "admin": "CA",
    "province_supervisor": "PA",
    "sibling_caseworker": "CB",
    "county_caseworker": "CAC",
}
CENTRES = {"PA", "CA", "CAC", "CB", "PB"}
TRANSFER_ONLY = "Your centre may only answer the transfer offered to it."
FIRST_RESPONDER_ONLY = "The case is now another centre's: as first responder you confirm what the applicant was told."
MEMBER_OF = {"applicant": "city_firm", "other_applicant": "sibling_firm"}
PEOPLE = sorted(STAFF_SCOPE) + sorted(MEMBER_OF)

# How a case comes in: (filer, firm, the centre whose number it takes, draft).
FILINGS = [
    ("applicant", "city_firm", "CA", False),
    ("applicant", "city_firm", "CA", True),
    ("other_applicant", "sibling_firm", "CB", False),
    ("other_applicant", "sibling_firm", "CB", True),
    ("caseworker", "city_firm", "CA", False),
    ("caseworker", "county_firm", "CA", False),  # staff file under their own centre
    ("sibling_caseworker", "sibling_firm", "CB", False),
    ("province_supervisor", "sibling_firm", "PA", False),
]
# Filings the service must refuse without taking a number: (filer, firm, channel).
BAD_FILINGS = [
    ("mediator", "city_firm", "hotline"),  # role cannot file
    ("admin", "city_firm", "hotline"),
    ("fund_committee", "city_firm", "hotline"),
    ("applicant", "sibling_firm", "web"),  # not their firm
    ("applicant", "city_firm", "hotline"),  # applicants come through the web
    ("sibling_caseworker", "city_firm", "hotline"),  # firm outside their centre
    ("county_caseworker", "city_firm", "walk_in"),
]


@dataclass
class Model:
    """What the test believes about one case."""

    id: int
    number: str
    centre: str
    firm: str
    filer: str
    kind: str
    has_respondent: bool
    state: str
    informed: bool = False
    rated: bool = False
    first_responder: str | None = None
    owner: str | None = None
    # None, ("handover", person, offered_by) or ("transfer", centre code, offered_by).
    offer: tuple | None = None
    decision_untold: bool = False

    def standing(self, person: str) -> Standing:
        return Standing(
            role=acts_as(person),
            person=person,
            centre=HOME.get(person),
            first_responder=self.first_responder,
            owner=self.owner,
            offer=self.offer,
            decision_untold=self.decision_untold,
        )


def sees(person: str, case: Model) -> bool:
    if person in MEMBER_OF:
        return MEMBER_OF[person] == case.firm
    if case.state == "draft":  # a draft is its filer's alone
        return person == case.filer
    return case.centre in STAFF_SCOPE[person][1] or person == case.first_responder or offered_to(person, case)


def offered_to(person: str, case: Model) -> bool:
    """A transfer of the case waits for an answer from the person's centre."""
    return case.offer is not None and case.offer[0] == "transfer" and case.offer[1] == HOME.get(person)


def beyond_scope(person: str, case: Model) -> set | None:
    """None for a case in the person's scope; else the only actions open to them there: the
    answer to a transfer offered to their centre, and a first responder's confirmations."""
    if person not in STAFF_SCOPE or case.centre in STAFF_SCOPE[person][1]:
        return None
    allowed = set()
    if person == case.first_responder:
        allowed |= {"inform_decision", "inform_outcome"}
    if offered_to(person, case):
        allowed |= {"accept_transfer", "decline_transfer"}
    return allowed


def receiver_reasons(action, data, person: str, case: Model, emails: dict) -> list[str]:
    """The refusal the handover or transfer guard gives for the colleague or centre named."""
    if data is None:  # no data is no colleague or centre named (the door reads it as ``{}``)
        data = {}
    if action not in ("offer_handover", "offer_transfer") or not isinstance(data, dict):
        return []
    if action == "offer_handover":
        value = data.get("to_user")
        if value is None or value == "":
            return ["Name the colleague"]
        receiver = next((p for p, e in emails.items() if isinstance(value, str) and e == value.strip().lower()), None)
        if receiver is None or receiver not in STAFF_SCOPE:
            return ["No staff account has that e-mail."]
        if receiver == person:
            return ["You cannot hand a case over to yourself."]
        # Staff of another centre get one answer, whatever their role (no name, no role told).
        if HOME[receiver] != case.centre:
            return ["does not work at this case's centre"]
        if STAFF_SCOPE[receiver][0] not in ("caseworker", "supervisor"):
            return ["is not a caseworker or supervisor"]
        if receiver == case.owner:
            return ["already owns this case"]
        return []
    value = data.get("to_centre")
    if value is None or value == "":
        return ["Choose the centre"]
    code = value.strip().upper() if isinstance(value, str) else None
    if code not in CENTRES:
        return ["There is no centre with that code."]
    if code == case.centre:
        return ["The case is already at this centre."]
    return []


def acts_as(person: str) -> str | None:
    role = "applicant" if person in MEMBER_OF else STAFF_SCOPE[person][0]
    return role if role in ACTING else None


# ---- random input ----------------------------------------------------------------------------------

CONDITIONS = st.one_of(
    st.just(ALL_CONDITIONS),
    st.just({**ALL_CONDITIONS, "extra": True}),
    st.sampled_from(sorted(ALL_CONDITIONS)).map(lambda k: {c: v for c, v in ALL_CONDITIONS.items() if c != k}),
    st.sampled_from(sorted(ALL_CONDITIONS)).map(lambda k: dict(ALL_CONDITIONS, **{k: False})),
    st.just({k: "true" for k in ALL_CONDITIONS}),
    st.just(sorted(ALL_CONDITIONS)),
    st.none(),
)
REASONS = st.sampled_from(["insufficient_evidence", "duplicate", "other", "", "bogus", None, 3, ["duplicate"], {}])
RATINGS = st.one_of(st.integers(-1, 7), st.booleans(), st.sampled_from(["5", 4.0, None]))
# A colleague is named by a person of the walk (turned into their e-mail when acting) or by junk.
TO_USERS = st.sampled_from(
    [
        "caseworker",
        "supervisor",
        "mediator",
        "sibling_caseworker",
        "county_caseworker",
        "province_supervisor",
        "applicant",
        "nobody@nowhere.cn",
        "",
        None,
        7,
    ]
)
TO_CENTRES = st.sampled_from(["CB", "cb", "CAC", "CA", "PA", "PB", "NOPE", "", None, 5])
DATA = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "conditions": CONDITIONS,
            "reason": REASONS,
            "rating": RATINGS,
            "to_user": TO_USERS,
            "to_centre": TO_CENTRES,
            "method": st.sampled_from(["phone", "letter", "in_person", "pigeon", "", None, 3]),
        },
    ),
    st.sampled_from(["not an object", ["rating", 5]]),
)
# NUL characters and lone surrogates never reach the door: the request hooks and the API refuse them first.
COMMENTS = st.one_of(
    st.sampled_from([None, "", "   ", "\u3000\n", "请补充证据", "已电话告知申请人", "x" * 10001, " y" * 5001, 42]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30),
)
ACTION_NAMES = st.sampled_from([*sorted(workflow.ACTIONS), "delete", "", "ACCEPT", None, ["accept"]])


def predicted(
    case: Model, person: str, action: str, comment, data, version_is_stale: bool, emails: dict
) -> tuple[set, list]:
    """The refusal categories that apply (empty: the action must succeed) and, for a plain
    refusal, the reasons it must give."""
    categories: set = set()
    known = isinstance(action, str) and action in WHO
    if not known:
        categories.add("unknown")
    if not sees(person, case):
        categories.add("not_found")
    if version_is_stale:
        categories.add("conflict")
    if (
        (data is not None and not isinstance(data, dict))
        or (comment is not None and not isinstance(comment, str))
        or (isinstance(comment, str) and len(comment.strip()) > 10000)
    ):
        categories.add("invalid")
    if known:
        role = acts_as(person)
        if role is None or role not in WHO[action]:
            categories.add("forbidden")
        elif beyond_scope(person, case) is not None and action not in beyond_scope(person, case):
            categories.add("forbidden")
    reasons: list = []
    if known:
        if action not in MOVES[case.state]:
            reasons = [STATE_REASON]
        else:
            reasons = (
                situation_reasons(
                    action,
                    kind=case.kind,
                    has_respondent=case.has_respondent,
                    informed=case.informed,
                    rated=case.rated,
                    standing=case.standing(person),
                )
                + input_reasons(action, comment, data)
                + receiver_reasons(action, data, person, case, emails)
            )
    if reasons:
        categories.add("refused")
    return categories, reasons


# ---- the machine ---------------------------------------------------------------------------------


class CaseWorkflow(WorkflowMachine):
    """Set up by ``test_random_walks_through_the_workflow`` (``people``, ``firms``)."""

    door = services.DOOR
    moves = MOVES
    forbidden_texts = ((ROLE_REASON,), (TRANSFER_ONLY,), (FIRST_RESPONDER_ONLY,))
    transition = staticmethod(services.transition)
    available_actions = staticmethod(services.available_actions)
    people: dict = {}
    firms: dict = {}

    cases = Bundle("cases")

    # -- filing --

    def _file(self, filing, kind, with_respondent):
        filer, firm, centre, draft = filing
        actor = self.people[filer]
        case = services.create_case(
            actor,
            enterprise=self.firms[firm],
            kind=kind,
            channel="web" if filer in MEMBER_OF else "hotline",
            rights=[{"type": "utility_model", "number": VALID_UTILITY_MODEL, "title": "一种折叠式支架"}],
            respondents=[{"name": "某某科技有限公司"}] if with_respondent else [],
            facts="被投诉人在电商平台销售与本专利相同的产品。",
            draft=draft,
        )
        state = "draft" if draft else ("acknowledged" if filer not in MEMBER_OF else "submitted")
        assert case.state.value == state
        if draft:  # a draft takes its number when it is submitted
            assert case.number is None and case.ref == f"draft-{case.id}"
        else:
            assert case.number.startswith(f"{centre}-")
        model = Model(case.id, case.number, centre, firm, filer, kind, with_respondent, state)
        if filer in STAFF_SCOPE:  # whoever records a case takes it up
            model.first_responder = model.owner = filer
        self.models[case.id] = model
        return model

    @initialize(
        target=cases,
        filing=st.sampled_from(FILINGS),
        kind=st.sampled_from(["complaint", "assistance", "consultation", "overseas"]),
        with_respondent=st.booleans(),
    )
    def first_case(self, filing, kind, with_respondent):
        return self._file(filing, kind, with_respondent)

    @precondition(lambda self: len(self.models) < 3)
    @rule(
        target=cases,
        filing=st.sampled_from(FILINGS),
        kind=st.sampled_from(["complaint", "assistance", "consultation", "overseas"]),
        with_respondent=st.booleans(),
    )
    def another_case(self, filing, kind, with_respondent):
        return self._file(filing, kind, with_respondent)

    @rule(filing=st.sampled_from(BAD_FILINGS))
    def refused_filing(self, filing):
        filer, firm, channel = filing
        before = self.snapshot()
        try:
            services.create_case(
                self.people[filer],
                enterprise=self.firms[firm],
                kind="complaint",
                channel=channel,
                rights=[{"type": "utility_model", "number": VALID_UTILITY_MODEL}],
                respondents=[{"name": "某某科技有限公司"}],
                facts="事实",
            )
        except ServiceError as exc:
            assert str(exc.message).strip()
            if filer in ("mediator", "admin", "fund_committee"):
                assert isinstance(exc, services.ActionRefused) and exc.forbidden
        else:
            raise AssertionError(f"{filer} filed for {firm} through {channel}")
        assert self.snapshot() == before

    # -- acting --

    @rule(
        case=cases,
        person=st.sampled_from(PEOPLE),
        action=ACTION_NAMES,
        comment=COMMENTS,
        data=DATA,
        version=VERSIONS,
    )
    def anyone_tries_anything(self, case, person, action, comment, data, version):
        if isinstance(data, dict) and data.get("to_user") in self.people:  # a person of the walk: their e-mail
            data = {**data, "to_user": self.people[data["to_user"]].email}
        self.attempt(case, person, action, comment, data, version)

    @rule(case=cases, picks=st.lists(st.integers(0, 10_000), min_size=1, max_size=5))
    def people_take_offered_actions(self, case, picks):
        """A few steps, each by someone who may act, taking an action the page offers them with valid
        input. Ending moves (withdraw, decline) are picked less often, so that walks reach late states."""
        for pick in picks:
            offers = []
            for person in PEOPLE:
                for check in services.available_actions(self.subject(case), self.people[person]):
                    if check.allowed:
                        offers.append((person, check.action.name))
            # Handovers and transfers have a rule of their own (below): here the case moves on.
            onward = [o for o in offers if o[1] not in ("withdraw", "decline", *OFFER_ACTIONS)]
            choices = onward if onward and pick % 6 else offers
            if not choices:
                return
            person, action = choices[pick % len(choices)]
            given = ACTION_INPUT.get(action, {})
            self.attempt(case, person, action, given.get("comment"), given.get("data"), "current")

    @rule(
        case=cases,
        receiver=st.sampled_from(["caseworker", "supervisor", "county_caseworker", "sibling_caseworker"]),
        transfer=st.booleans(),
        accept=st.booleans(),
    )
    def work_is_handed_over_and_answered(self, case, receiver, transfer, accept):
        """An offer with valid input by someone the page offers it to, then its answer by someone
        the page offers that to, so that walks go through handovers and transfers too."""
        kind = "transfer" if transfer else "handover"
        offer = f"offer_{kind}"
        data = {"to_centre": HOME[receiver]} if transfer else {"to_user": self.people[receiver].email}
        offerer = self._offered_to_someone(case, offer)
        if offerer is not None:
            self.attempt(case, offerer, offer, ACTION_INPUT.get(offer, {}).get("comment"), data, "current")
        answer = f"{'accept' if accept else 'decline'}_{kind}"
        answerer = self._offered_to_someone(case, answer)
        if answerer is not None:
            given = ACTION_INPUT.get(answer, {})
            self.attempt(case, answerer, answer, given.get("comment"), given.get("data"), "current")

    def _offered_to_someone(self, model, action):
        for person in PEOPLE:
            for check in services.available_actions(self.subject(model), self.people[person]):
                if check.allowed and check.action.name == action:
                    return person
        return None

    # -- the checks --

    def subject(self, model: Model) -> Case:
        return self.session.get(Case, model.id)

    def snapshot(self):
        rows = self.session.execute(select(Case.id, Case.state, Case.version).order_by(Case.id)).all()
        events = dict(
            self.session.execute(select(CaseEvent.case_id, func.count(CaseEvent.id)).group_by(CaseEvent.case_id)).all()
        )
        counters = self.session.execute(
            select(CaseSequence.centre_id, CaseSequence.year, CaseSequence.last_value).order_by(
                CaseSequence.centre_id, CaseSequence.year
            )
        ).all()
        numbered = {
            (c, y): n
            for c, y, n in self.session.execute(
                select(Case.number_centre_id, Case.year, func.count(Case.id))
                .where(Case.number.is_not(None))
                .group_by(Case.number_centre_id, Case.year)
            ).all()
        }
        # A submission takes a number for its case (the counter and the numbered cases move together); nothing
        # else may take one: what a counter gave out beyond its numbered cases never changes.
        numbers = [(c, y, last - numbered.get((c, y), 0)) for c, y, last in counters]
        numbers = [row for row in numbers if row[2]]  # a counter a submission just opened accounts for its case
        return [(r.id, r.state, r.version, events.get(r.id, 0)) for r in rows], numbers

    def predict(self, model, person, action, comment, data, version_is_stale):
        emails = {name: p.email.lower() for name, p in self.people.items()}
        return predicted(model, person, action, comment, data, version_is_stale=version_is_stale, emails=emails)

    def check_offered(self, model, person, action, offered):
        role = acts_as(person)
        if not sees(person, model) or role is None:
            assert offered == {}, f"{person} is offered {sorted(offered)}"
            return
        may = {a for a, roles in WHO.items() if role in roles}
        if beyond_scope(person, model) is not None:
            may &= beyond_scope(person, model)
        assert set(offered) == may
        if isinstance(action, str) and action in offered:
            on_page = not (
                action not in MOVES[model.state]
                or situation_reasons(
                    action,
                    kind=model.kind,
                    has_respondent=model.has_respondent,
                    informed=model.informed,
                    rated=model.rated,
                    standing=model.standing(person),
                )
            )
            assert offered[action].allowed is on_page, (action, model, offered[action].reasons)
            assert offered[action].allowed or offered[action].reasons

    def event_at(self, model, seq):
        return self.session.execute(
            select(CaseEvent).where(CaseEvent.case_id == model.id, CaseEvent.seq == seq)
        ).scalar_one()

    def applied(self, model, person, action, comment, data, case, first_new):
        """The model follows the move (the door's checks of it are ``WorkflowMachine.attempt``'s)."""
        target = model.state
        if action == "acknowledge" and model.first_responder is None:
            model.first_responder = model.owner = person
        elif action == "offer_handover":
            receiver = next(
                p for p, p_obj in self.people.items() if p_obj.email.lower() == data["to_user"].strip().lower()
            )
            model.offer = ("handover", receiver, person)
        elif action == "offer_transfer":
            model.offer = ("transfer", data["to_centre"].strip().upper(), person)
        elif action in ("accept_handover", "accept_transfer"):
            if action == "accept_transfer":
                model.centre = model.offer[1]
            model.owner = person
            model.offer = None
        elif action in ("decline_handover", "decline_transfer"):
            model.offer = None
        elif action in ("accept", "decline"):
            model.decision_untold = True  # nobody reads it in these walks: staff must record telling them
        elif action == "inform_decision":
            model.decision_untold = False
        if target in ("withdrawn", "closed"):  # an unanswered offer and the running clocks stop with the case
            model.offer = None
            model.decision_untold = False
        if action in ("answer", "inform_outcome"):
            model.informed = True
        elif action == "reopen":
            model.informed = False
        elif action == "rate":
            model.rated = True
            assert case.rating == data["rating"]
        elif action == "accept":
            assert first_new.data == {"conditions": ALL_CONDITIONS}
        elif action == "decline":
            assert case.decline_reason.value == data["reason"] == first_new.data["reason"]

    # -- after every step --

    @invariant()
    def every_case_is_where_the_model_says_and_its_chain_holds(self):
        for model in self.models.values():
            state, number = self.session.execute(select(Case.state, Case.number).where(Case.id == model.id)).one()
            assert isinstance(state, CaseState) and state.value == model.state
            events = list(
                self.session.execute(
                    select(CaseEvent).where(CaseEvent.case_id == model.id).order_by(CaseEvent.id)
                ).scalars()
            )
            assert verify_chain(number, events) is None
            head = self.session.get(CaseAuditHead, model.id)
            assert (head.seq, head.hash) == ((events[-1].seq, events[-1].hash) if events else (0, GENESIS))
            # The state never changes without an event saying so.
            assert events[-1].to_state == model.state
            for earlier, later in zip(events, events[1:], strict=False):
                if later.from_state is not None:
                    assert later.from_state == earlier.to_state, (earlier.action, later.action)

    @invariant()
    def the_first_responder_never_changes_and_the_owner_and_centre_are_the_models(self):
        """Whoever took a case up first stays its first responder, whoever acted after them."""
        codes = {p.centre.code: p.centre_id for p in self.people.values() if p.centre is not None}
        for model in self.models.values():
            first, owner, centre = self.session.execute(
                select(Case.first_responder_id, Case.owner_id, Case.centre_id).where(Case.id == model.id)
            ).one()
            expected_first = self.people[model.first_responder].id if model.first_responder else None
            expected_owner = self.people[model.owner].id if model.owner else None
            assert (first, owner) == (expected_first, expected_owner), model
            if model.centre in codes:
                assert centre == codes[model.centre], model

    @invariant()
    def numbers_are_gapless(self):
        rows = self.session.execute(
            select(Case.number_centre_id, Case.year, Case.sequence).where(Case.number.is_not(None))
        ).all()
        counters = {(c.centre_id, c.year): c.last_value for c in self.session.execute(select(CaseSequence)).scalars()}
        by_centre: dict = {}
        for centre_id, year, sequence in rows:
            by_centre.setdefault((centre_id, year), []).append(sequence)
        for key, sequences in by_centre.items():
            assert sorted(sequences) == list(range(1, len(sequences) + 1))
            assert counters[key] == len(sequences)


# A failing walk is shrunk to a minimal one before it is reported; give that time to finish.
@pytest.mark.timeout(900)
def test_random_walks_through_the_workflow(world, make_user):
    people = {
        "applicant": world.applicant,
        "other_applicant": world.other_applicant,
        "caseworker": world.users["caseworker"],
        "supervisor": world.users["supervisor"],
        "mediator": world.users["mediator"],
        "fund_committee": world.users["fund_committee"],
        "admin": world.users["admin"],
        "province_supervisor": make_user(Role.SUPERVISOR, centre=world.province),
        "sibling_caseworker": world.sibling_caseworker,
        "county_caseworker": make_user(Role.CASEWORKER, centre=world.county),
    }
    assert {p.centre.code for n, p in people.items() if n in STAFF_SCOPE} == {"CA", "PA", "CB", "CAC"}
    firms = {
        "city_firm": world.enterprise,
        "sibling_firm": world.other_enterprise,
        "county_firm": world.county_enterprise,
    }
    CaseWorkflow.people, CaseWorkflow.firms = people, firms
    CaseWorkflow.done = Counter()
    try:
        run_state_machine_as_test(CaseWorkflow, settings=SETTINGS)
        # The walks went through the late and the first-responder steps, not only their refusals.
        done = CaseWorkflow.done
        missing = [a for a in ("accept", "resolve", "offer_handover", "offer_transfer") if not done[a]]
        assert not missing, f"no walk went through {missing}: {dict(done)}"
        assert done["accept_handover"] + done["decline_handover"] and done["accept_transfer"] + done["decline_transfer"]
    finally:
        CaseWorkflow.people, CaseWorkflow.firms = {}, {}
