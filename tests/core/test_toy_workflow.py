"""A second process on the engine, declared in a test: a review of a case.

It proves that a new process needs only its rule table and a small service (a ``Door`` of a few
lines): everything else (locking, versions, roles, states, guards and their reasons, effects,
recording, flushing, the ``applying``/``applied`` signals and their subscribers) is the engine's.

The review is a track rooted in a case: its events go to the case's audit chain, its
notifications name the case, and who may see and act on it is whoever may see and act on its
case. Its table lives on a ``MetaData`` of its own and is created on the test's connection at
the start of each test; the test's transaction is rolled back, so it vanishes with it.

The audit chain records a track's states in the event's data, not in ``from_state``/``to_state``
(``audit-verify`` reads those as the case's own states: see
``test_a_tracks_own_states_in_the_case_chain``).
"""

from __future__ import annotations

import inspect

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, MetaData, func, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.auth.models import Role
from app.cases.events import record_applied, record_event
from app.cases.models import Case, CaseEvent
from app.cases.permissions import actions_beyond_scope, can_act_on_case, can_see_case
from app.core import engine
from app.core.db import UTCDateTime, utcnow
from app.core.engine import ActionRefused, Door, NotFound, UnknownAction
from app.core.enums import LabelledEnum, enum_column_type
from app.core.errors import ConflictError
from app.core.workflow import REGISTRY, Action, Input, Notify, Workflow, guard
from app.notifications.models import Notification
from tests.workflows.matrix import WorkflowMatrix

# ---- the model (a table of the test's own) ----------------------------------------------------------


class ToyBase(DeclarativeBase):
    metadata = MetaData()


class ReviewState(LabelledEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"

    @classmethod
    def _labels(cls):
        return {cls.OPEN: "Open", cls.IN_REVIEW: "In review", cls.APPROVED: "Approved", cls.REJECTED: "Rejected"}


class Review(ToyBase):
    __tablename__ = "toy_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey(Case.__table__.c.id))
    state: Mapped[ReviewState] = mapped_column(enum_column_type(ReviewState, "toy_review_state"))
    version: Mapped[int] = mapped_column(default=1)
    centre_id: Mapped[int] = mapped_column()
    updated_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    case: Mapped[Case] = relationship(Case)

    __mapper_args__ = {"version_id_col": version}


# ---- the rule table ---------------------------------------------------------------------------------

# RULES-START
R = ReviewState
HANDLERS = frozenset({Role.CASEWORKER, Role.SUPERVISOR})


@guard(_l("its case is still open"))
def case_open(review, actor, ctx):
    return None if review.case.state.is_open else "The case is no longer open: its review is over."


@guard(_l("a score from 1 to 5 is given"), needs_input=True)
def score_given(review, actor, ctx):
    score = ctx.data.get("score")
    ok = isinstance(score, int) and not isinstance(score, bool) and 1 <= score <= 5
    return None if ok else "Give a score from 1 to 5."


def _approved(a):
    return {"score": a.data["score"]}


SCORE = Input("score", "Score", {"type": "integer", "minimum": 1, "maximum": 5}, "select", lambda f: f.get("score"))
TOLD = Notify("handover_offered", lambda a: [a.subject.case.first_responder_id], lambda a: {"by": a.actor.name})

REVIEWS = Workflow(
    "toy_review",
    list(R),
    (
        Action("start", frozenset({R.OPEN}), R.IN_REVIEW, HANDLERS, "Start the review", guards=(case_open,)),
        Action(
            "approve",
            frozenset({R.IN_REVIEW}),
            R.APPROVED,
            frozenset({Role.SUPERVISOR}),
            "Approve",
            guards=(case_open, score_given),
            inputs=(SCORE,),
            effects=_approved,
            notifies=(TOLD,),
        ),
        Action("reject", frozenset({R.IN_REVIEW}), R.REJECTED, HANDLERS, "Reject", comment_required=True),
        Action("reopen", frozenset({R.REJECTED}), R.OPEN, frozenset({Role.SUPERVISOR}), "Reopen", guards=(case_open,)),
    ),
    R.OPEN,
    register=False,  # a test's workflow: not listed by the app (``test_the_app_draws_it`` adds it)
)
# RULES-END


# ---- the service: the door to a review ------------------------------------------------------------


# SERVICE-START
class ReviewDoor(Door):
    workflow = REVIEWS
    model = Review

    def can_see(self, actor, review):
        return can_see_case(actor, review.case)

    def can_act(self, actor, review):
        return can_act_on_case(actor, review.case)

    def beyond_scope(self, actor, review):  # beyond their scope, nobody reviews (no assignment opens it)
        return None if actions_beyond_scope(actor, review.case) is None else frozenset()

    def record(self, a):  # the case's chain, naming the review, whose states these are
        return record_applied(a)


DOOR = ReviewDoor()
# SERVICE-END


def transition(review, action, actor, **kw):
    return engine.transition(DOOR, review, action, actor, **kw)


# ---- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def reviews(session):
    """The review table, created on the test's connection (rolled back with the test)."""
    ToyBase.metadata.create_all(session.connection())
    return session


@pytest.fixture
def accepted(world, make_case):
    return make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])


def new_review(session, case, state=R.OPEN) -> Review:
    review = Review(case=case, case_id=case.id, state=state, centre_id=case.centre_id)
    session.add(review)
    session.flush()
    return review


def chain(session, case) -> list[CaseEvent]:
    return list(
        session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).scalars()
    )


ROLE_REASON = "Your role cannot take this action."


# ---- through the door ------------------------------------------------------------------------------


def test_the_table_is_created_on_the_tests_connection_and_rolled_back_with_it(reviews, accepted):
    review = new_review(reviews, accepted)
    assert reviews.get(Review, review.id).state is R.OPEN and review.version == 1


def test_the_table_is_gone_after_the_test(session):
    from sqlalchemy import inspect as inspect_db

    assert "toy_reviews" not in inspect_db(session.connection()).get_table_names()


def test_a_review_moves_through_the_door_into_its_cases_chain(app, reviews, world, accepted):
    supervisor, caseworker = world.users["supervisor"], world.users["caseworker"]
    review = new_review(reviews, accepted)
    events_before = len(chain(reviews, accepted))
    case_state = accepted.state

    transition(review, "start", caseworker, expected_version=1)
    assert (review.state, review.version) == (R.IN_REVIEW, 2)
    transition(review, "reject", supervisor, comment="依据不足")
    transition(review, "reopen", supervisor)
    transition(review, "start", supervisor)
    transition(review, "approve", supervisor, data={"score": 4}, expected_version=review.version)
    assert (review.state, review.version) == (R.APPROVED, 6)
    assert reviews.execute(select(Review.state, Review.version).where(Review.id == review.id)).one() == (
        R.APPROVED,
        6,
    )

    new = chain(reviews, accepted)[events_before:]
    assert [(e.action, e.actor_id, e.from_state, e.to_state) for e in new] == [
        ("start", caseworker.id, "open", "in_review"),
        ("reject", supervisor.id, "in_review", "rejected"),
        ("reopen", supervisor.id, "rejected", "open"),
        ("start", supervisor.id, "open", "in_review"),
        ("approve", supervisor.id, "in_review", "approved"),
    ]
    assert new[1].comment == "依据不足" and new[-1].data == {"score": 4}
    assert {(e.subject_type, e.subject_id) for e in new} == {("toy_review", review.id)}
    assert accepted.state is case_state  # the case stays where it was

    # The chains, not the files (the notice may have been stored by another test app of the session).
    result = app.test_cli_runner().invoke(args=["audit-verify", "--no-files"])
    assert result.exit_code == 0, result.output
    assert "audit chains verified" in result.output


def test_a_guard_refuses_with_its_reason_and_changes_nothing(reviews, world, accepted):
    supervisor = world.users["supervisor"]
    review = new_review(reviews, accepted, R.IN_REVIEW)
    before = (review.version, len(chain(reviews, accepted)))
    for data in (None, {"score": 0}, {"score": True}, {"score": "5"}):
        with pytest.raises(ActionRefused) as refused:
            transition(review, "approve", supervisor, data=data)
        assert not refused.value.forbidden and [str(r) for r in refused.value.reasons] == ["Give a score from 1 to 5."]
    # A guard about the subject itself: the case was withdrawn meanwhile (both reasons at once).
    from app.cases import services

    services.transition(accepted, "withdraw", world.applicant, comment="撤回")
    before = (review.version, len(chain(reviews, accepted)))
    with pytest.raises(ActionRefused) as refused:
        transition(review, "approve", supervisor)
    assert [str(r) for r in refused.value.reasons] == [
        "The case is no longer open: its review is over.",
        "Give a score from 1 to 5.",
    ]
    reviews.flush()
    assert (review.version, len(chain(reviews, accepted))) == before and review.state is R.IN_REVIEW
    # What the page shows leaves out the guard that needs input.
    shown = {c.action.name: c for c in DOOR.available_actions(review, supervisor)}
    assert not shown["approve"].allowed
    assert [str(r) for r in shown["approve"].reasons] == ["The case is no longer open: its review is over."]
    assert [g.description for g in REVIEWS["approve"].guards] == [
        "its case is still open",
        "a score from 1 to 5 is given",
    ]


def test_a_wrong_role_a_wrong_state_a_stale_version_an_unknown_action_and_no_sight(reviews, world, accepted):
    caseworker, supervisor = world.users["caseworker"], world.users["supervisor"]
    review = new_review(reviews, accepted, R.IN_REVIEW)
    with pytest.raises(ActionRefused) as refused:
        transition(review, "approve", caseworker, data={"score": 5})
    assert refused.value.forbidden and [str(r) for r in refused.value.reasons] == [ROLE_REASON]
    with pytest.raises(ActionRefused) as refused:
        transition(review, "reopen", supervisor)
    assert not refused.value.forbidden and str(refused.value.reasons[0]) == "Not possible while it is “In review”."
    with pytest.raises(ConflictError):
        transition(review, "reject", supervisor, comment="否", expected_version=review.version - 1)
    with pytest.raises(UnknownAction):
        transition(review, "delete", supervisor)
    for outsider in (world.sibling_caseworker, world.other_applicant):
        with pytest.raises(NotFound):
            transition(review, "reject", outsider, comment="否")
        assert DOOR.available_actions(review, outsider) == []
    with pytest.raises(ActionRefused) as refused:  # the applicant sees the case, and takes no review action
        transition(review, "reject", world.applicant, comment="否")
    assert refused.value.forbidden
    reviews.flush()
    assert reviews.execute(select(Review.state, Review.version).where(Review.id == review.id)).one() == (
        R.IN_REVIEW,
        1,
    )


def test_its_notification_names_the_case_and_its_subscribers_hear_it(reviews, world, accepted):
    supervisor = world.users["supervisor"]
    review = new_review(reviews, accepted, R.IN_REVIEW)
    heard = []

    def subscriber(workflow, applied):
        heard.append((workflow, applied.action.name, applied.subject, applied.source, applied.target, applied.event))

    with engine.applied.connected_to(subscriber):
        transition(review, "approve", supervisor, data={"score": 5})
    assert len(heard) == 1
    workflow, action, subject, source, target, event = heard[0]
    assert (workflow, action, subject, source, target) == (REVIEWS, "approve", review, R.IN_REVIEW, R.APPROVED)
    assert (event.case_id, event.subject_type, event.subject_id) == (accepted.id, "toy_review", review.id)

    note = reviews.execute(select(Notification).where(Notification.kind == "handover_offered")).scalar_one()
    assert note.user_id == accepted.first_responder_id == world.users["caseworker"].id
    assert note.case_id == accepted.id and note.params == {"by": supervisor.name, "number": accepted.number}
    assert (note.subject_type, note.subject_id) == ("toy_review", review.id)


def test_the_app_draws_it(app, monkeypatch):
    """Declared, a workflow is one of the app's: ``flask workflow graph --workflow toy_review`` draws it."""
    monkeypatch.setitem(REGISTRY, REVIEWS.name, REVIEWS)
    result = app.test_cli_runner().invoke(args=["workflow", "graph", "--workflow", "toy_review"])
    assert result.exit_code == 0, result.output
    assert "in_review          --approve--> approved" in result.output
    assert "guards: case_open, score_given" in result.output


def test_the_door_is_not_copied():
    """The service is a few small methods on ``Door``; locking, checking, applying and recording are the engine's."""
    own = {name for name in vars(ReviewDoor) if not name.startswith("__")}
    assert own == {"workflow", "model", "can_see", "can_act", "beyond_scope", "record"}
    assert ReviewDoor.lock is Door.lock and ReviewDoor.available_actions is Door.available_actions
    assert len(inspect.getsource(ReviewDoor).splitlines()) <= 20


def test_a_tracks_own_states_in_the_case_chain(app, reviews, world, accepted, session):
    """A track's event names its subject, so its states are its own, not the case's; the subject is
    sealed into the event's hash, so relabelling it is caught."""
    review = new_review(reviews, accepted)
    event = record_event(
        accepted,
        world.users["caseworker"],
        "start",
        from_state=R.OPEN,
        to_state=R.IN_REVIEW,
        subject_type="toy_review",
        subject_id=review.id,
    )
    review.state = R.IN_REVIEW
    result = app.test_cli_runner().invoke(args=["audit-verify", "--no-files"])
    assert result.exit_code == 0, result.output
    session.execute(text("UPDATE case_events SET subject_type = NULL WHERE id = :id"), {"id": event.id})
    session.commit()
    session.expire_all()
    result = app.test_cli_runner().invoke(args=["audit-verify", "--no-files"])
    assert result.exit_code != 0 and "edited after it was recorded" in result.output, result.output


# ---- the toy in the generic matrix -----------------------------------------------------------------

STAFF = frozenset({"caseworker", "supervisor"})
WHO = {"start": STAFF, "approve": frozenset({"supervisor"}), "reject": STAFF, "reopen": frozenset({"supervisor"})}
MOVES = {
    "open": {"start": "in_review"},
    "in_review": {"approve": "approved", "reject": "rejected"},
    "approved": {},
    "rejected": {"reopen": "open"},
}
# name -> (the review's state, whether its case is still open)
SITUATIONS = {
    "open": ("open", True),
    "in_review": ("in_review", True),
    "approved": ("approved", True),
    "rejected": ("rejected", True),
    "open/case withdrawn": ("open", False),
    "in_review/case withdrawn": ("in_review", False),
    "rejected/case withdrawn": ("rejected", False),
}
ACTORS = ["applicant", "caseworker", "supervisor", "mediator", "admin", "sibling_caseworker", "other_applicant"]
SEES = {"applicant", "caseworker", "supervisor", "mediator", "admin"}
ACTS_AS = {"applicant": "applicant", "caseworker": "caseworker", "supervisor": "supervisor"}
CASE_CLOSED = "The case is no longer open"


def blocked(situation, action, actor):
    return [] if SITUATIONS[situation][1] or action not in ("start", "approve", "reopen") else [CASE_CLOSED]


def review_footprint(session, review) -> tuple:
    events = select(func.count(CaseEvent.id)).where(CaseEvent.case_id == review.case_id).scalar_subquery()
    return tuple(session.execute(select(Review.state, Review.version, events).where(Review.id == review.id)).one())


MATRIX = WorkflowMatrix(
    door=DOOR,
    who=WHO,
    moves=MOVES,
    situations={name: s[0] for name, s in SITUATIONS.items()},
    actors=ACTORS,
    sees=lambda situation, actor: actor in SEES,
    acts_as=ACTS_AS.get,
    blocked=blocked,
    footprint=review_footprint,
    role_reason=ROLE_REASON,
    state_reason="Not possible while it is",
    inputs={"approve": {"data": {"score": 3}}, "reject": {"comment": "不予通过"}},
)


def test_the_toy_table_covers_its_rule_table():
    MATRIX.assert_covers()


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_toy_matrix(reviews, world, accepted, situation):
    state, case_open_ = SITUATIONS[situation]
    if not case_open_:
        from app.cases import services

        services.transition(accepted, "withdraw", world.applicant, comment="撤回")
    review = new_review(reviews, accepted, ReviewState(state))
    actors = {
        "applicant": world.applicant,
        "caseworker": world.users["caseworker"],
        "supervisor": world.users["supervisor"],
        "mediator": world.users["mediator"],
        "admin": world.users["admin"],
        "sibling_caseworker": world.sibling_caseworker,
        "other_applicant": world.other_applicant,
    }
    assert MATRIX.check(reviews, situation, review, actors) == []


def test_lines_of_the_toy():
    """What a new process needed here: its rule table and its service (the door), counted."""
    source = inspect.getsource(inspect.getmodule(test_lines_of_the_toy)).splitlines()

    def between(start, end):
        return [line for line in source[source.index(start) + 1 : source.index(end)] if line.strip()]

    rules, service = between("# RULES-START", "# RULES-END"), between("# SERVICE-START", "# SERVICE-END")
    assert len(service) <= 20 and len(rules) <= 60, (len(rules), len(service))
