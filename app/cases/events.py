"""A case's audit chain: the one function that appends its events.

The case and everything handled under it (notices, evidence, the SLA scan's warnings, and
the tracks later processes add) write here, so the case's timeline is one verified story.
"""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.cases.models import Case, CaseAuditHead, CaseEvent
from app.core.audit import GENESIS, head_seal, seal
from app.core.db import utcnow
from app.extensions import db


def record_event(
    case: Case,
    actor: User | None,
    action: str,
    *,
    from_state=None,
    to_state=None,
    comment: str = "",
    data: dict | None = None,
    internal: bool = False,
) -> CaseEvent:
    """Append one event to the case's chain (the only way events are written)."""
    head = db.session.execute(
        select(CaseAuditHead).where(CaseAuditHead.case_id == case.id).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = CaseAuditHead(case_id=case.id, seq=0, hash=GENESIS, seal="")
        db.session.add(head)
    event = CaseEvent(
        case_id=case.id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        from_state=from_state.value if from_state is not None else None,
        to_state=to_state.value if to_state is not None else None,
        comment=comment or "",
        data=data or {},
        visibility="internal" if internal else "applicant",
        created_at=utcnow(),
    )

    class _Prev:  # the head stands in for the previous event
        seq = head.seq
        hash = head.hash

    seal(event, _Prev if head.seq else None)
    db.session.add(event)
    head.seq, head.hash = event.seq, event.hash
    head.seal = head_seal(case.id, head.seq, head.hash)
    db.session.flush()
    return event
