"""A Hypothesis state machine that drives a workflow's one door against the feature's oracle.

``WorkflowMachine`` is what every workflow's random walks share: each example runs in a savepoint
of the test's transaction (rolled back at its end), and ``attempt`` takes one action through the
door and checks it:

- the outcome is one the feature's oracle (``predict``) allows: success, or which refusal (404,
  unknown action, 409, 400, 403, 422) answers first when several apply (``acceptable``);
- a refusal carries a reason, a role refusal is ``forbidden`` with one of ``forbidden_texts``, a
  state or guard refusal gives every reason the oracle predicts, and nothing anywhere changed;
- a success is the rule table's: the source among the action's sources, the target as declared
  and as the feature's ``moves`` says, a role that may take it, offered by the page; one new
  version, a new event recording the move, no other subject and nothing else touched.

A feature subclasses it with its rules (how subjects come in, who tries what), its invariants and
these hooks: ``subject(model)``, ``snapshot()``, ``predict(...)``, ``check_offered(...)``,
``event_at(model, seq)``, ``applied(...)`` (the model follows the move); ``moved(event)`` if its
events do not keep the move in ``from_state``/``to_state``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine

from app.core import engine
from app.core.engine import ActionRefused, Door, UnknownAction
from app.core.errors import ConflictError, ServiceError
from app.extensions import db

VERSIONS = st.sampled_from(["none", "current", "stale", "ahead"])


def category_of(exc: Exception, door: Door) -> str:
    if isinstance(exc, UnknownAction):
        return "unknown"
    if isinstance(exc, door.not_found):
        return "not_found"
    if isinstance(exc, ConflictError):
        return "conflict"
    if isinstance(exc, ActionRefused):
        return "forbidden" if exc.forbidden else "refused"
    return "invalid"


def acceptable(categories: set) -> set:
    """Which refusal may answer when several apply: never reveal a subject the person cannot see; a
    role that may never act is told so (403) rather than about the state; and so on."""
    if "not_found" in categories:
        return {"not_found", "unknown"}
    for first in (("unknown",), ("conflict", "invalid", "forbidden")):
        hit = categories.intersection(first)
        if hit:
            return hit
    return categories


class WorkflowMachine(RuleBasedStateMachine):
    """The generic part of a workflow's random walks (see the module's docstring)."""

    door: Door
    moves: Mapping[str, Mapping[str, str]]
    forbidden_texts: tuple = ()
    people: dict = {}
    done: Counter = Counter()  # how often each action went through, over every walk
    # The feature's own entry points, when it wraps the door (default: the door's); staticmethods.
    transition: Callable | None = None
    available_actions: Callable | None = None

    def __init__(self):
        super().__init__()
        self.session = db.session
        self.savepoint = self.session.begin_nested()
        self.models: dict = {}

    def teardown(self):
        self.savepoint.rollback()
        self.session.expire_all()

    # ---- the feature's hooks ----

    def subject(self, model):
        raise NotImplementedError

    def snapshot(self) -> tuple:
        """``(rows, rest)``: rows ``(id, state, version, events)`` of every subject, and whatever else
        no action may change (e.g. number counters)."""
        raise NotImplementedError

    def predict(self, model, person, action, comment, data, version_is_stale: bool) -> tuple[set, list]:
        """The refusal categories that apply (empty: the action must succeed) and, for a plain
        refusal, the reasons it must give."""
        raise NotImplementedError

    def check_offered(self, model, person, action, offered: dict) -> None:
        """Assert what ``available_actions`` offers ``person`` on the subject now."""
        raise NotImplementedError

    def event_at(self, model, seq: int):
        raise NotImplementedError

    def moved(self, event) -> tuple:
        """(action, from state, to state, actor id) an event recorded."""
        return (event.action, event.from_state, event.to_state, event.actor_id)

    def applied(self, model, person, action, comment, data, subject, event) -> None:
        """The model follows a move that went through (its ``state`` is already the target)."""

    # ---- one attempt ----

    def offered(self, subject, actor) -> dict:
        checks = (self.available_actions or self.door.available_actions)(subject, actor)
        return {c.action.name: c for c in checks}

    def _transition(self, subject, action, actor, **kw):
        if self.transition is not None:
            return self.transition(subject, action, actor, **kw)
        return engine.transition(self.door, subject, action, actor, **kw)

    def attempt(self, model, person, action, comment, data, version):
        subject = self.subject(model)
        actor = self.people[person]
        before = self.snapshot()
        row = next(r for r in before[0] if r[0] == model.id)
        current_version = row[2]
        expected_version = {
            "none": None,
            "current": current_version,
            "stale": current_version - 1,
            "ahead": current_version + 1,
        }[version]
        categories, reasons = self.predict(
            model, person, action, comment, data, version_is_stale=version in ("stale", "ahead")
        )
        offered = self.offered(subject, actor)
        self.check_offered(model, person, action, offered)

        source = model.state
        try:
            self._transition(subject, action, actor, comment=comment, data=data, expected_version=expected_version)
        except ServiceError as exc:
            got = category_of(exc, self.door)
            assert got in acceptable(categories), (
                f"{person} {action!r} on {model} gave {got} ({exc}); expected one of {acceptable(categories)}"
            )
            assert str(exc.message).strip()
            if isinstance(exc, ActionRefused):
                texts = [str(r) for r in exc.reasons]
                assert texts and all(t.strip() for t in texts)
                if exc.forbidden:
                    assert texts in [list(t) for t in self.forbidden_texts], texts
                else:
                    missing = [r for r in reasons if not any(r in t for t in texts)]
                    assert not missing, f"{action} on {model}: reasons {texts} lack {missing}"
            self.session.flush()
            assert self.snapshot() == before, f"refused {action!r} by {person} changed something"
            return None

        # It went through: the oracle agreed, and the move is the rule table's.
        assert not categories, f"{person} {action!r} on {model} went through; expected {categories} {reasons}"
        rule = self.door.workflow.actions[action]
        states = type(subject.state)
        assert states(source) in rule.sources
        target = rule.target.value if rule.target is not None else source
        assert subject.state.value == target == self.moves[source][action]
        assert actor.role in rule.roles
        assert offered[action].allowed, "the door let through what the page did not offer"
        after = self.snapshot()
        after_row = next(r for r in after[0] if r[0] == model.id)
        assert after_row[1:3] == (states(target), current_version + 1)
        assert after_row[3] > row[3]
        first_new = self.event_at(model, row[3] + 1)
        assert self.moved(first_new) == (action, source, target, actor.id)
        assert [r for r in after[0] if r[0] != model.id] == [r for r in before[0] if r[0] != model.id], (
            "acting on one subject changed another"
        )
        assert after[1] == before[1], "an action changed what no action may change"

        self.done[action] += 1
        model.state = target
        self.applied(model, person, action, comment, data, subject, first_new)
        return first_new
