"""Audit chains of subjects that are their own root: a visit, a fund's ledger, a report.

A case and every track handled under it share the case's chain (``app.cases.events``); a
subject that belongs to no case keeps a chain of its own here, keyed by its workflow's name
and its id, sealed the same way (``app.core.audit``: each event's HMAC over the previous one,
a sealed head, the digest of the subject's audited fields). A feature's door records into it
with ``record_applied`` and tells ``verify`` how to read its subjects' current state and fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.audit import GENESIS, ChainProblem, head_is_valid, link, record_digest, verify_chain
from app.core.db import Base, UTCDateTime, utcnow
from app.extensions import db


class AuditEvent(Base):
    """One append-only event of a root subject's chain (never updated or deleted)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("chain_type", "chain_id", "seq", name="uq_audit_events_chain_seq"),
        CheckConstraint("visibility IN ('internal', 'applicant')", name="visibility_values"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_type: Mapped[str] = mapped_column(String(30))
    chain_id: Mapped[int] = mapped_column()
    seq: Mapped[int] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    visibility: Mapped[str] = mapped_column(String(10), default="internal")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str | None] = mapped_column(String(64))

    @property
    def case_id(self):  # ``audit.canonical`` names the chain by this
        return f"{self.chain_type}:{self.chain_id}"


class AuditHead(Base):
    """The last link of a root subject's chain; appending locks it, and its seal needs the key."""

    __tablename__ = "audit_heads"

    chain_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    chain_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
    seal: Mapped[str] = mapped_column(String(64), default="")


def record(
    chain_type: str,
    chain_id: int,
    actor,
    action: str,
    *,
    from_state=None,
    to_state=None,
    comment: str = "",
    data: dict | None = None,
    internal: bool = True,
    fields: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain of ``chain_type`` ``chain_id``; ``fields`` are the subject's
    audited fields as they stand now (their digest is sealed with the event)."""
    head = db.session.execute(
        select(AuditHead).where(AuditHead.chain_type == chain_type, AuditHead.chain_id == chain_id).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(chain_type=chain_type, chain_id=chain_id, seq=0, hash=GENESIS, seal="")
        db.session.add(head)
    event = AuditEvent(
        chain_type=chain_type,
        chain_id=chain_id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        from_state=from_state.value if from_state is not None else None,
        to_state=to_state.value if to_state is not None else None,
        comment=comment or "",
        data=data or {},
        visibility="internal" if internal else "applicant",
        created_at=utcnow(),
        digest=record_digest(fields) if fields is not None else None,
    )

    link(event, head, event.case_id)
    db.session.add(event)
    db.session.flush()
    return event


def record_applied(applied, fields: dict | None = None) -> AuditEvent:
    """Record an action the one door applied to a root subject in the subject's own chain."""
    return record(
        applied.workflow.name,
        applied.subject.id,
        applied.actor,
        applied.action.name,
        from_state=applied.source,
        to_state=applied.target,
        comment=applied.comment,
        data=applied.recorded,
        internal=not applied.action.visible_to_applicant,
        fields=fields,
    )


@dataclass(frozen=True)
class RootKind:
    """How ``verify`` reads the subjects of one kind of chain: ``current(ids)`` -> {id: (state
    value, audited fields)} for the subjects that exist."""

    chain_type: str
    current: Callable[[list[int]], dict]


ROOT_KINDS: dict[str, RootKind] = {}


def register_root(kind: RootKind) -> RootKind:
    ROOT_KINDS[kind.chain_type] = kind
    return kind


def verify(batch: int = 2000) -> tuple[list, int]:
    """Check every root chain: links, head, the subject's state and fields against what the chain
    last sealed, and a chain for a subject that no longer exists. Returns (problems, chains)."""
    heads = {(h.chain_type, h.chain_id): h for h in db.session.execute(select(AuditHead)).scalars()}
    stream = db.session.execute(
        select(*AuditEvent.__table__.c)
        .order_by(AuditEvent.chain_type, AuditEvent.chain_id, AuditEvent.id)
        .execution_options(yield_per=batch)
    )
    problems, chains, seen = [], 0, set()
    for chain_type, by_type in groupby(stream, key=lambda e: e.chain_type):
        groups = [(cid, list(events)) for cid, events in groupby(by_type, key=lambda e: e.chain_id)]
        kind = ROOT_KINDS.get(chain_type)
        current = kind.current([cid for cid, _ in groups]) if kind is not None else {}
        for chain_id, events in groups:
            chains += 1
            seen.add((chain_type, chain_id))
            name = f"{chain_type} {chain_id}"
            problem = verify_chain(name, [_Row(e) for e in events])
            last = events[-1]
            head = heads.get((chain_type, chain_id))
            key = f"{chain_type}:{chain_id}"
            if problem is None and (
                head is None
                or (head.seq, head.hash) != (last.seq, last.hash)
                or not head_is_valid(key, head.seq, head.hash, head.seal)
            ):
                problem = ChainProblem(name, None, last.seq + 1, "events after this point were removed")
            if problem is None and kind is not None:
                if chain_id not in current:
                    problem = ChainProblem(name, last.id, last.seq, f"the {chain_type} it records no longer exists")
                else:
                    state, fields = current[chain_id]
                    recorded = next((e.to_state for e in reversed(events) if e.to_state is not None), None)
                    sealed = next((e for e in reversed(events) if e.digest is not None), None)
                    if recorded is not None and state != recorded:
                        problem = ChainProblem(
                            name,
                            last.id,
                            last.seq,
                            f"its state ({state}) is not the state its chain recorded ({recorded})",
                        )
                    elif sealed is not None and sealed.digest != record_digest(fields):
                        problem = ChainProblem(
                            name,
                            sealed.id,
                            sealed.seq,
                            "its fields were changed after this event (not through the workflow)",
                        )
            if problem is not None:
                problems.append(problem)
    for key in heads:
        if key not in seen:
            problems.append(ChainProblem(f"{key[0]} {key[1]}", None, 1, "its events were removed"))
    return problems, chains


class _Row:
    """A streamed row as ``audit.canonical`` reads an event (the chain named as when it was sealed)."""

    def __init__(self, row):
        self._row = row
        self.case_id = f"{row.chain_type}:{row.chain_id}"

    def __getattr__(self, name):
        return getattr(self._row, name)
