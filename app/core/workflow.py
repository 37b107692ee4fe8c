"""The workflow engine's rule tables: pure Python, no request and no database.

Every process with states (cases, and the plans, mediations, referrals, visits, fund
requests and reports built on the same engine) declares a ``Workflow``: its states and
its ``Action``s. An action declares everything it means in one place:

- where it may start (``sources``) and where it leads (``target``; ``None`` keeps the state),
- who may take it (``roles``) and the ``guards`` that say why it is blocked,
- what it sets on its subject (``effects``) and the data it keeps in the audit event,
- its clock operations (``clocks``), the document it ``issues``, whom it ``notifies``,
- its input (``inputs``: what the form, the API and the spec ask for) and its labels.

``app.core.engine.transition`` is the one door that applies an action to a subject;
subscribers of its signals (clocks, documents, notifications) read the declarations
here, so the door imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from flask_babel import lazy_gettext as _l


class _NotGiven:
    """The value of an input nobody gave (distinct from one given that names nothing)."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN = _NotGiven()

# ---- guards ------------------------------------------------------------------------------------------


@dataclass
class GuardContext:
    """What a guard reads beside the subject and the actor: the comment and input given, and the
    workflow's typed ``facts`` (e.g. a case's open handover offer)."""

    comment: str = ""
    data: Mapping = field(default_factory=dict)
    facts: Any = None
    # The time the door acts at (``Door.now``), for guards about dates; None outside the door.
    now: Any = None


@dataclass(frozen=True, eq=False)
class Guard:
    """A condition an action needs, with its description in words (for the diagram and the rule
    page). ``needs_input``: it judges input the form asks for, so a page listing the actions
    open now leaves it out. Calling it returns the reason it blocks, or ``None``; never any
    side effect."""

    check: Callable[[Any, Any, GuardContext], object]
    description: object
    needs_input: bool = False

    @property
    def __name__(self) -> str:  # the rule table's text form names guards by their function
        return self.check.__name__

    def __call__(self, subject, actor, ctx: GuardContext):
        return self.check(subject, actor, ctx)


def guard(description, *, needs_input: bool = False) -> Callable[[Callable], Guard]:
    """Declare a guard function with its description: ``@guard(_l("not for a consultation"))``."""

    def wrap(function: Callable) -> Guard:
        return Guard(function, description, needs_input)

    return wrap


# ---- input, clocks, notifications --------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """One piece of input an action asks for, besides the comment.

    ``from_form`` reads it from a submitted form (a ``MultiDict``); ``schema`` is its JSON schema
    (the API's spec); ``widget`` names the template partial's field that asks for it, and
    ``choices`` (subject, actor) -> [(value, label)] gives what a select may offer; a required
    choice with nothing to offer disables the action's button."""

    name: str
    label: object
    schema: dict
    widget: str
    from_form: Callable[[Any], Any]
    choices: Callable[[Any, Any], list] | None = None
    required: bool = True
    # The field's id on the page (stable for tests and labels), and (subject, actor, choices) -> help text.
    dom_id: str | None = None
    help: Callable[[Any, Any, list], object] | None = None


@dataclass(frozen=True)
class ClockOp:
    """One clock operation of an action, applied by the clocks' subscriber to the door.

    ``op``: ``start`` (a clock ``clock``, with ``trigger``; ``once``: only if the subject never
    had one; ``met_if(subject)``: met at once when true), ``meet`` / ``pause`` / ``resume``
    (running clocks named ``clock``, of ``triggers`` when given), ``meet_all`` / ``stop_all``."""

    op: str
    clock: str | None = None
    trigger: str | None = None
    triggers: tuple[str, ...] | None = None
    once: bool = False
    met_if: Callable[[Any], bool] | None = None


def start(clock: str, *, trigger: str | None = None, once: bool = False, met_if=None) -> ClockOp:
    return ClockOp("start", clock, trigger=trigger, once=once, met_if=met_if)


def meet(clock: str, *, triggers: Iterable[str] | None = None) -> ClockOp:
    return ClockOp("meet", clock, triggers=tuple(triggers) if triggers is not None else None)


def pause(clock: str) -> ClockOp:
    return ClockOp("pause", clock)


def resume(clock: str) -> ClockOp:
    return ClockOp("resume", clock)


MEET_ALL = ClockOp("meet_all")
STOP_ALL = ClockOp("stop_all")


@dataclass(frozen=True)
class Notify:
    """A notification an action sends once applied: ``kind`` (a text of the notifications),
    ``recipients(applied)`` the user ids, ``params(applied)`` the text's values."""

    kind: str | Callable[[Any], str]
    recipients: Callable[[Any], Iterable]
    params: Callable[[Any], dict] | None = None
    # The feedback the notification carries to its reader (e.g. the trigger of a feedback clock that
    # is met once it is read or delivered); None for a plain notification.
    informs: str | None = None

    def kind_for(self, applied) -> str:
        return self.kind(applied) if callable(self.kind) else self.kind


# ---- actions -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset
    target: Any
    roles: frozenset
    label: object
    guards: tuple[Guard, ...] = ()
    comment_required: bool = False
    # Whether the applicant's timeline shows the event (internal actions stay with staff).
    visible_to_applicant: bool = True
    style: str = "primary"
    inputs: tuple[Input, ...] = ()
    # An answer to an offer: pages show it only to whoever it is offered to.
    offer_answer: bool = False
    # Pages show it only when it is open (never as a blocked button on every subject).
    quiet_when_blocked: bool = False
    # (applied) -> the data kept in the audit event; sets the subject's fields. Never flushes.
    effects: Callable[[Any], dict | None] | None = None
    clocks: tuple[ClockOp, ...] = ()
    # The kind of document the action issues once applied (a registered document spec).
    issues: Any = None
    notifies: tuple[Notify, ...] = ()
    # The label of the comment box, the comment box shown even when optional, a question to confirm.
    comment_label: object = None
    comment_shown: bool = False
    confirm: object = None

    @property
    def data_fields(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    @property
    def listed_when_blocked(self) -> bool:
        return not (self.offer_answer or self.quiet_when_blocked)

    def target_for(self, subject):
        return self.target if self.target is not None else subject.state

    def read_form(self, form) -> dict:
        """The action's input from a submitted form (values are judged by its guards)."""
        return {i.name: i.from_form(form) for i in self.inputs}


@dataclass(frozen=True)
class Check:
    """Why an action is or is not open to a user now."""

    action: Action
    allowed: bool
    reasons: tuple = ()
    # True when the role may never take the action (403 rather than 422).
    role_refused: bool = False
    wrong_state: bool = False


# ---- the workflow ------------------------------------------------------------------------------------

#: Every workflow declared, by name (the ``workflow graph`` command lists them).
REGISTRY: dict[str, Workflow] = {}


class Workflow:
    """A process's rule table: its states, its actions and what they mean.

    ``facts`` is the dataclass of what its guards read beside the subject (built per subject by
    the process's service), so guards get a typed context, not a dict of magic keys."""

    def __init__(
        self,
        name: str,
        states,
        actions: Iterable[Action],
        initial,
        *,
        label=None,
        facts=None,
        wrong_state=None,
        register: bool = True,
    ):
        self.name = name
        # (state) -> why nothing is possible in it; the process words it ("while the case is …").
        self.wrong_state = wrong_state or (lambda state: _l("Not possible while it is “%(state)s”.", state=state.label))
        self.states = list(states)
        self.initial = initial
        self.label = label or name
        self.facts = facts
        self.actions: dict[str, Action] = {}
        for action in actions:
            if action.name in self.actions:
                raise ValueError(f"{name}: action {action.name!r} declared twice")
            unknown = set(action.sources) - set(self.states)
            if unknown or (action.target is not None and action.target not in self.states):
                raise ValueError(f"{name}: action {action.name!r} names states outside the workflow")
            self.actions[action.name] = action
        if register:  # a workflow declared in a test stays out of the app's list
            REGISTRY[name] = self

    def __repr__(self) -> str:
        return f"<Workflow {self.name}>"

    def __getitem__(self, name: str) -> Action:
        return self.actions[name]

    def label_of(self, name, events: dict | None = None, fallback=None):
        """The label of an action of the table, or of an event recorded beside them (``events``:
        name -> label); ``fallback`` for a name this code does not know (never the raw name)."""
        if events and name in events:
            return events[name]
        if name in self:
            return self.actions[name].label
        return fallback if fallback is not None else "—"

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name in self.actions

    @property
    def guards(self) -> list[Guard]:
        seen: dict[int, Guard] = {}
        for action in self.actions.values():
            for g in action.guards:
                seen.setdefault(id(g), g)
        return list(seen.values())

    def context(self, ctx=None) -> GuardContext:
        """A ``GuardContext`` from one, or from a mapping ``{"comment", "data", **facts}``."""
        if isinstance(ctx, GuardContext):
            return ctx
        values = dict(ctx or {})
        comment = values.pop("comment", "") or ""
        data = values.pop("data", None) or {}
        facts = None
        if self.facts is not None:
            known = {f.name for f in fields(self.facts)}
            facts = self.facts(**{k: v for k, v in values.items() if k in known})
        return GuardContext(comment=comment, data=data, facts=facts)

    def check(self, subject, action: Action, actor, ctx=None, *, for_display: bool = False) -> Check:
        """Evaluate one action for ``actor`` on ``subject``.

        ``for_display`` leaves out guards that judge input not yet given (the form asks for it)."""
        ctx = self.context(ctx)
        if actor.role not in action.roles:
            return Check(action, False, (_l("Your role cannot take this action."),), role_refused=True)
        if subject.state not in action.sources:
            return Check(
                action,
                False,
                (self.wrong_state(subject.state),),
                wrong_state=True,
            )
        reasons = []
        for g in action.guards:
            if for_display and g.needs_input:
                continue
            reason = g(subject, actor, ctx)
            if reason is not None:
                reasons.append(reason)
        if not for_display and action.comment_required and not (ctx.comment or "").strip():
            reasons.append(_l("A comment is required for this action."))
        return Check(action, not reasons, tuple(reasons))

    def available_actions(self, subject, actor, ctx=None) -> list[Check]:
        """Every action the user's role may take, allowed or with the reasons it is blocked."""
        ctx = self.context(ctx)
        return [
            self.check(subject, a, actor, ctx, for_display=True) for a in self.actions.values() if actor.role in a.roles
        ]

    # ---- the rule table drawn ----

    def _ordered_sources(self, action: Action) -> list:
        return [s for s in self.states if s in action.sources]

    def graph_lines(self) -> list[str]:
        """The rule table as text, one line per action and source state."""
        lines = []
        for action in self.actions.values():
            roles = ", ".join(sorted(r.value for r in action.roles))
            guards = ", ".join(g.__name__ for g in action.guards) or "-"
            for source in self._ordered_sources(action):
                target = action.target.value if action.target else source.value
                lines.append(f"{source.value:<18} --{action.name}--> {target:<18} [{roles}] guards: {guards}")
        return lines

    def graph_dot(self) -> str:
        """Graphviz source of the state diagram."""
        out = [f"digraph {self.name}_workflow {{", "  rankdir=LR;"]
        for action in self.actions.values():
            for source in action.sources:
                target = action.target.value if action.target else source.value
                out.append(f'  {source.value} -> {target} [label="{action.name}"];')
        out.append("}")
        return "\n".join(out)
