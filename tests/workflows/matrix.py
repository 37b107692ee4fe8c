"""The workflow matrix: state × action × role → allowed (and where to), or refused and why.

A feature declares its expected table by hand, independent of its rule table (if the rule table
drifts, a cell fails), and hands it to ``WorkflowMatrix``:

- ``who``: action → the roles that may ever take it (anyone else: refused for their role, 403);
- ``moves``: state → {action: target state} (any other action: refused for the state, 422);
- ``situations``: name → the state its subject is in (the feature's builder puts a subject there);
- ``sees(situation, actor)`` and ``acts_as(actor)`` → the role, or None for one that takes no action;
- ``blocked(situation, action, actor)`` → the reasons (phrases) the subject itself blocks a listed
  move with (its guards, before any input);
- ``inputs``: action → the ``comment``/``data`` an attempt gives;
- ``footprint(session, subject)`` → (state, version, number of events in its audit chain).

``check(session, situation, subject, actors)`` then tries every action × actor on the subject twice:
what ``door.available_actions`` offers, and what ``transition`` does, each attempt in a savepoint
rolled back after it is looked at. An allowed move must reach its target with one new version and
a new event; a refusal must change nothing. It returns the cells that differ.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core import engine
from app.core.engine import ActionRefused, Door
from app.core.errors import ConflictError, ServiceError


@dataclass
class WorkflowMatrix:
    door: Door
    who: Mapping[str, frozenset]
    moves: Mapping[str, Mapping[str, str]]
    situations: Mapping[str, str]
    actors: Sequence[str]
    sees: Callable[[str, str], bool]
    acts_as: Callable[[str], str | None]
    blocked: Callable[[str, str, str], list]
    footprint: Callable[[Any, Any], tuple]
    role_reason: str
    state_reason: str
    inputs: Mapping[str, dict] = field(default_factory=dict)
    # The feature's own entry points, when it wraps the door (default: the door's).
    transition: Callable | None = None
    available_actions: Callable | None = None
    # (situation, action, actor) -> the reason of a refusal for who the actor is, when it is not
    # ``role_reason`` (a workflow whose door opens actions by the actor's centre, not their role).
    forbidden_reason: Callable[[str, str, str], str] | None = None

    # ---- the table ----

    def assert_covers(self):
        """Every action of the rule table has a row in ``who``, every state one in ``moves``."""
        workflow = self.door.workflow
        assert set(workflow.actions) == set(self.who), set(workflow.actions) ^ set(self.who)
        assert set(self.moves) == {s.value for s in workflow.states}, set(self.moves) ^ {
            s.value for s in workflow.states
        }
        assert set(self.situations.values()) <= set(self.moves)

    def expected(self, situation: str, action: str, actor: str) -> tuple:
        """("allowed", target) | ("not_found",) | ("forbidden", reason) | ("refused", [reasons])."""
        state = self.situations[situation]
        if not self.sees(situation, actor):
            return ("not_found",)
        role = self.acts_as(actor)
        if role is None or role not in self.who[action]:
            reason = self.forbidden_reason(situation, action, actor) if self.forbidden_reason else None
            return ("forbidden", reason or self.role_reason)
        if action not in self.moves[state]:
            return ("refused", [self.state_reason])
        reasons = self.blocked(situation, action, actor)
        if reasons:
            return ("refused", reasons)
        return ("allowed", self.moves[state][action])

    # ---- the subject ----

    def _offered(self, subject, actor) -> dict:
        offered = (self.available_actions or self.door.available_actions)(subject, actor)
        return {c.action.name: c for c in offered}

    def _attempt(self, subject, action, actor):
        given = self.inputs.get(action, {})
        if self.transition is not None:
            self.transition(subject, action, actor, **given)
        else:
            engine.transition(self.door, subject, action, actor, **given)

    def check(self, session, situation: str, subject, actors: Mapping[str, Any]) -> list[str]:
        """Every action × actor on ``subject`` (in ``situation``); the cells that differ from the table."""
        state = self.situations[situation]
        assert subject.state.value == state, f"{situation}: the subject is {subject.state.value}, not {state}"
        before = self.footprint(session, subject)
        mismatches = []
        for actor_name in self.actors:
            actor = actors[actor_name]
            shown = self._offered(subject, actor)
            for action in self.who:
                expected = self.expected(situation, action, actor_name)
                where = f"{situation} × {action} × {actor_name}"
                mismatches += self._page_differs(where, expected, shown.get(action))
                outcome, after = self._door(session, subject, action, actor)
                mismatches += self._door_differs(where, expected, outcome, before, after)
                assert subject.state.value == state, f"{where}: the savepoint did not restore the subject"
        return mismatches

    def _page_differs(self, where, expected, check) -> list[str]:
        """What the page offers."""
        if expected[0] in ("not_found", "forbidden"):
            return [f"{where}: offered although {expected[0]}"] if check is not None else []
        if check is None:
            return [f"{where}: not offered, expected {expected}"]
        texts = [str(r) for r in check.reasons]
        if check.allowed != (expected[0] == "allowed"):
            return [f"{where}: page says allowed={check.allowed} {texts}, expected {expected}"]
        if expected[0] == "refused":
            missing = [r for r in expected[1] if not any(r in t for t in texts)]
            if missing:
                return [f"{where}: page reasons {texts} lack {missing}"]
        return []

    def _door(self, session, subject, action, actor):
        """What the door does, looked at before the savepoint is rolled back (the subject stays in its state)."""
        savepoint = session.begin_nested()
        try:
            try:
                self._attempt(subject, action, actor)
                outcome = ("allowed", subject.state.value)
            except self.door.not_found:
                outcome = ("not_found",)
            except ActionRefused as exc:
                outcome = ("forbidden" if exc.forbidden else "refused", [str(r) for r in exc.reasons])
            except (ConflictError, ServiceError) as exc:
                outcome = ("error", type(exc).__name__, str(exc))
            after = self.footprint(session, subject)
        finally:
            savepoint.rollback()
        return outcome, after

    def _door_differs(self, where, expected, outcome, before, after) -> list[str]:
        out = []
        if outcome[0] != expected[0]:
            out.append(f"{where}: door gave {outcome}, expected {expected}")
        elif expected[0] == "allowed" and outcome[1] != expected[1]:
            out.append(f"{where}: led to {outcome[1]}, expected {expected[1]}")
        elif expected[0] == "forbidden" and outcome[1] != [expected[1]]:
            out.append(f"{where}: forbidden with {outcome[1]}")
        elif expected[0] == "refused":
            missing = [r for r in expected[1] if not any(r in t for t in outcome[1])]
            if missing:
                out.append(f"{where}: reasons {outcome[1]} lack {missing}")
        if outcome[0] == "allowed":
            if after[0].value != outcome[1] or after[1] != before[1] + 1 or after[2] <= before[2]:
                out.append(f"{where}: allowed, but the row is {after} (was {before})")
        elif after != before:
            out.append(f"{where}: a refusal changed the subject: {before} -> {after}")
        return out
