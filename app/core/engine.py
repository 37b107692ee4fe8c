"""The one door through which every subject's state changes, for every process.

``transition(door, subject, action, actor, …)`` works on any subject that has an id, a
state, a version, a centre and an audit chain. A ``Door`` binds a ``Workflow`` (the pure
rule table) to its subject: the model to lock, who may see and act on it, who answers for
it beyond their scope, the facts its guards read, and how its events are recorded.

The door locks, checks, applies and records; then it sends two signals, and whatever
else an action means hangs off them (Indico's ``signals`` are the model):

- ``applying``: the effects are set, the event is not yet recorded and nothing is flushed;
  subscribers may change the subject's own fields (the clocks keep its next due time), so
  its row is written once and its version moves by one;
- ``applied``: the event is recorded and flushed; documents are issued and notifications
  written here.

The door imports none of its subscribers: each feature connects its own
(``app.clocks.subscribers``, ``app.core.documents``, ``app.notifications.subscribers``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.db import utcnow
from app.core.errors import ConflictError, ServiceError
from app.core.workflow import Action, Check, GuardContext, Workflow
from app.extensions import db

signals = Namespace()
#: Sent with the ``Applied`` record before the event is recorded (no flush allowed).
applying = signals.signal("workflow-applying")
#: Sent with the ``Applied`` record after the event is recorded and flushed.
applied = signals.signal("workflow-applied")

MAX_COMMENT = 10000


class NotFound(ServiceError):
    """The subject does not exist or is not the actor's to see (both answer 404)."""


class UnknownAction(ServiceError):
    pass


class ActionRefused(ServiceError):
    """A workflow action the actor may not take now; ``reasons`` says why.

    ``forbidden`` is True when the actor's role may never take it (403), False when a
    state or guard blocks it (422).
    """

    def __init__(self, reasons, forbidden: bool = False):
        super().__init__(reasons[0] if reasons else _l("This action is not possible."))
        self.reasons = list(reasons)
        self.forbidden = forbidden


@dataclass
class Applied:
    """One action being applied: what subscribers and an action's effects read."""

    door: Door
    action: Action
    subject: Any
    actor: Any
    source: Any
    target: Any
    comment: str
    data: dict
    ctx: GuardContext
    now: datetime
    recorded: dict = field(default_factory=dict)
    event: Any = None

    @property
    def facts(self):
        return self.ctx.facts

    @property
    def workflow(self) -> Workflow:
        return self.door.workflow


class Door:
    """How the one door reaches a process's subject. A feature subclasses it once (a few small
    methods) and calls ``transition``; it copies nothing of the door."""

    workflow: Workflow
    model: type
    not_found: type[NotFound] = NotFound
    not_found_text = _l("Not found.")
    conflict_text = _l("Someone else changed this meanwhile.")

    def can_see(self, actor, subject) -> bool:
        raise NotImplementedError

    def can_act(self, actor, subject) -> bool:
        return self.can_see(actor, subject)

    def beyond_scope(self, actor, subject) -> frozenset | None:
        """``None`` when the subject is in the actor's scope (their role's actions apply);
        otherwise the only actions open to them there."""
        return None

    def beyond_scope_reason(self, actor, subject):
        return _l("Your role cannot take this action.")

    def now(self) -> datetime:
        """The time the door acts at (a feature's tests may set it)."""
        return utcnow()

    def case_of(self, subject):
        """The case the subject is handled under (its clocks are listed and escalated there);
        ``None`` for a subject of no case."""
        return getattr(subject, "case", None)

    def facts(self, subject, data: dict | None = None):
        """The typed facts the guards read beside the subject (``workflow.facts``)."""
        return None

    def record(self, applied: Applied):
        """Append the action's event to the subject's audit chain; returns the event."""
        raise NotImplementedError

    def lock(self, subject):
        """Reload the subject under a row lock so two people acting at once cannot both win."""
        return db.session.execute(
            select(self.model)
            .where(self.model.id == subject.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()

    # ---- what a page or the API shows ----

    def available_actions(self, subject, actor) -> list[Check]:
        """What ``actor`` may do on ``subject`` now, and why the rest is blocked."""
        if not self.can_act(actor, subject):
            return []
        ctx = GuardContext(facts=self.facts(subject), now=self.now())
        checks = self.workflow.available_actions(subject, actor, ctx)
        limited = self.beyond_scope(actor, subject)
        if limited is not None:
            checks = [c for c in checks if c.action.name in limited]
        return checks

    def may_write(self, actor, subject, what: str) -> bool:
        """A write beside the workflow (``what``: an upload, a note, a message, a document, a link)
        is open within the actor's scope only; beyond it, only what the one beyond-scope rule
        lists (``beyond_scope``), which names workflow actions. Which roles may write what is
        the feature's own check."""
        if not self.can_see(actor, subject):
            return False
        limited = self.beyond_scope(actor, subject)
        return limited is None or what in limited


def transition(
    door: Door,
    subject,
    action_name: str,
    actor,
    *,
    comment: str | None = None,
    data: dict | None = None,
    expected_version: int | None = None,
):
    """Apply one workflow action: the only code that assigns a subject's ``state``.

    Locks the subject, refuses unknown actions, a version that moved, bad input, roles and
    objects out of reach and blocked guards (every reason at once); then sets the effects
    and the state, records the event and flushes. The request commits once at its end."""
    workflow = door.workflow
    if action_name not in workflow:
        raise UnknownAction(_l("There is no such action."))
    action = workflow.actions[action_name]
    if not door.can_see(actor, subject):
        raise door.not_found(door.not_found_text)
    subject = door.lock(subject)
    if expected_version is not None and expected_version != subject.version:
        raise ConflictError(door.conflict_text)
    if data is not None and not isinstance(data, dict):
        raise ServiceError(_l("The action's data must be an object."), field="data")
    if comment is not None and not isinstance(comment, str):
        raise ServiceError(_l("The comment must be text."), field="comment")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ServiceError(_l("The comment is too long (at most %(n)d characters).", n=MAX_COMMENT), field="comment")
    data = dict(data or {})
    if not door.can_act(actor, subject):
        raise ActionRefused([_l("Your role cannot take this action.")], forbidden=True)
    limited = door.beyond_scope(actor, subject)
    if limited is not None and action_name not in limited:
        raise ActionRefused([door.beyond_scope_reason(actor, subject)], forbidden=True)
    now = door.now()
    ctx = GuardContext(comment=comment, data=data, facts=door.facts(subject, data), now=now)
    result = workflow.check(subject, action, actor, ctx)
    if not result.allowed:
        raise ActionRefused(list(result.reasons), forbidden=result.role_refused)

    record = Applied(door, action, subject, actor, subject.state, action.target_for(subject), comment, data, ctx, now)
    # Nothing is flushed until the event is recorded, so the subject's row is written once.
    with db.session.no_autoflush:
        if action.effects is not None:
            record.recorded.update(action.effects(record) or {})
        subject.state = record.target
        subject.updated_at = now
        applying.send(workflow, applied=record)
    record.event = door.record(record)
    db.session.flush()
    applied.send(workflow, applied=record)
    return subject
