"""The audit chain: append-only events linked by HMAC-SHA256.

Each event's hash is HMAC(key, previous hash || canonical form of the event),
where the canonical form is sorted-key JSON of every recorded field, including
the event's position in its chain. Editing, deleting or reordering an event
breaks the chain from that point, and ``verify_chain`` names the first bad one.
The key comes from ``AUDIT_HMAC_KEY`` (falling back to ``SECRET_KEY``), so
someone with database access alone cannot forge a consistent chain.

Each event also seals a ``digest`` of its subject's audited fields as they stand once the
event is recorded (``record_digest``). Every change of those fields goes through an event, so
the subject's fields must always digest to what its chain last sealed: a field changed behind
the door (in SQL, say) is caught, not only a state.

The application only ever inserts events; nothing updates or deletes them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum

from flask import current_app, has_app_context

GENESIS = "0" * 64
# The key of the app created last, for code running outside an app context (tests, scripts).
_fallback_key: bytes | None = None


def configure(app) -> None:
    global _fallback_key
    _fallback_key = _app_key(app)


def _app_key(app) -> bytes:
    # Read once per app: verification asks for it for every one of hundreds of thousands of events.
    cached = app.extensions.get("audit_hmac_key")
    if cached is None:
        key = app.config.get("AUDIT_HMAC_KEY") or app.config["SECRET_KEY"]
        cached = app.extensions["audit_hmac_key"] = key.encode() if isinstance(key, str) else key
    return cached


def _key() -> bytes:
    if has_app_context():
        return _app_key(current_app)
    if _fallback_key is None:
        raise RuntimeError("the audit chain key is not configured")
    return _fallback_key


def _iso(value: datetime) -> str:
    """``%Y-%m-%dT%H:%M:%S.%fZ`` in UTC (formatted by hand: strftime is the slow part of verifying)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    v = value.astimezone(UTC)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}Z"


def plain(value):
    """A field's value as the digest sees it: enums by value, times in UTC ISO form."""
    if value is None or type(value) in (str, int, bool, float):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def record_digest(fields: dict) -> str:
    """SHA-256 of a subject's audited fields in canonical form (sealed into the event's HMAC)."""
    body = json.dumps(plain(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def canonical(event) -> bytes:
    body = {
        "chain": event.case_id,
        "seq": event.seq,
        "actor": event.actor_id,
        "action": event.action,
        "from": event.from_state,
        "to": event.to_state,
        "comment": event.comment or "",
        "data": event.data or {},
        "visibility": event.visibility,
        "at": _iso(event.created_at),
    }
    # Events recorded before digests were sealed have none; their canonical form stays as it was.
    if getattr(event, "digest", None) is not None:
        body["digest"] = event.digest
    # A track's event names its subject (the case's own events name none).
    if getattr(event, "subject_type", None) is not None:
        body["subject"] = [event.subject_type, event.subject_id]
    if getattr(event, "subject_digest", None) is not None:
        body["subject_digest"] = event.subject_digest
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def event_hash(prev_hash: str, event) -> str:
    return hmac.new(_key(), prev_hash.encode() + canonical(event), hashlib.sha256).hexdigest()


def seal(event, previous) -> None:
    """Give ``event`` its place and hash after ``previous`` (None for the first event)."""
    event.seq = 1 if previous is None else previous.seq + 1
    event.prev_hash = GENESIS if previous is None else previous.hash
    event.hash = event_hash(event.prev_hash, event)


def link(event, head, chain_id) -> None:
    """Seal ``event`` after the chain's ``head`` (a row with ``seq`` and ``hash``; ``seq`` 0 for an
    empty chain) and move the head on to it, with the head's own seal. The caller holds the head's
    row lock, so two appends to one chain queue."""

    class _Previous:
        seq = head.seq
        hash = head.hash

    seal(event, _Previous if head.seq else None)
    head.seq, head.hash = event.seq, event.hash
    head.seal = head_seal(chain_id, head.seq, head.hash)


def head_seal(chain_id, seq: int, last_hash: str) -> str:
    """Seal of a chain's head: without the key, a head cannot be moved back after a cut."""
    return hmac.new(_key(), f"head:{chain_id}:{seq}:{last_hash}".encode(), hashlib.sha256).hexdigest()


def head_is_valid(chain_id, seq: int, last_hash: str, seal_value: str) -> bool:
    return hmac.compare_digest(seal_value or "", head_seal(chain_id, seq, last_hash))


@dataclass
class ChainProblem:
    chain: object
    event_id: int | None
    seq: int
    problem: str

    def __str__(self) -> str:
        where = f"event id {self.event_id}" if self.event_id is not None else "a missing event"
        return f"chain {self.chain}: {where} (position {self.seq}): {self.problem}"


def verify_chain(chain_id: int, events) -> ChainProblem | None:
    """Check events in stored order (by id); return the first problem or None."""
    expected_prev = GENESIS
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            problem = f"deleted or reordered (expected position {expected_seq})"
            return ChainProblem(chain_id, event.id, event.seq, problem)
        if event.prev_hash != expected_prev:
            return ChainProblem(chain_id, event.id, event.seq, "does not follow the previous event")
        if not hmac.compare_digest(event.hash, event_hash(expected_prev, event)):
            return ChainProblem(chain_id, event.id, event.seq, "edited after it was recorded")
        expected_prev = event.hash
        expected_seq += 1
    return None
