"""A case's audit chain: the one function that appends its events.

The case and everything handled under it (notices, evidence, the SLA scan's warnings, and
the tracks later processes add) write here, so the case's timeline is one verified story.
"""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.cases.models import Case, CaseAuditHead, CaseEvent
from app.core.audit import GENESIS, link, record_digest
from app.core.db import utcnow
from app.extensions import db

# What the chain vouches for: every field of a case that means something, but not what is derived
# (search text, next due time) or bookkeeping (version, updated_at).
AUDITED_FIELDS = (
    "number",
    "centre_id",
    "number_centre_id",
    "year",
    "sequence",
    "kind",
    "channel",
    "state",
    "enterprise_id",
    "filed_by_id",
    "first_responder_id",
    "owner_id",
    "title",
    "ip_type",
    "ip_number",
    "respondent_name",
    "facts",
    "help_wanted",
    "claimed_amount_fen",
    "priority",
    "decline_reason",
    "outcome",
    "rating",
    "rating_comment",
    "created_at",
    "submitted_at",
    "acknowledged_at",
    "decided_at",
    "resolved_at",
    "outcome_informed_at",
    "closed_at",
)
# Audited too, but sealed only when they differ from their default: the digests of cases recorded before
# these fields existed stay as they were sealed.
AUDITED_WHEN_SET = {
    "complainant_type": "enterprise",
    "complainant_name": "",
    "complainant_phone": "",
    "caller_name": "",
    "caller_phone": "",
    "called_at": None,
    "call_ticket": "",
    "anonymised_at": None,  # the retention period's anonymisation (app.privacy.retention)
}
# The digest of each kind of track's audited fields, by its workflow's name: ``(subject or row) -> str``.
# A feature registers its own (``register_track_digest``), with the model ``audit-verify`` reads it from.
TRACK_DIGESTS: dict = {}


def register_track_digest(subject_type: str, model, digest) -> None:
    TRACK_DIGESTS[subject_type] = (model, digest)


def track_digest(subject_type: str | None, subject) -> str | None:
    entry = TRACK_DIGESTS.get(subject_type) if subject_type else None
    return entry[1](subject) if entry is not None and subject is not None else None


RIGHT_FIELDS = ("position", "type", "number", "title")
RESPONDENT_FIELDS = ("position", "name", "credit_code", "address", "url")


def case_digest(case, rights=None, respondents=None) -> str:
    """The digest of a case's audited fields, its rights and its respondents. ``case`` may be the
    model or a row of ``cases``; ``rights``/``respondents`` default to the case's own."""
    rights = case.rights if rights is None else rights
    respondents = case.respondents if respondents is None else respondents
    fields = {name: getattr(case, name) for name in AUDITED_FIELDS}
    for name, default in AUDITED_WHEN_SET.items():
        value = getattr(case, name, default)
        if value is not None and value != default:
            fields[name] = value
    fields["rights"] = sorted([getattr(r, f) for f in RIGHT_FIELDS] for r in rights)
    fields["respondents"] = sorted([getattr(r, f) for f in RESPONDENT_FIELDS] for r in respondents)
    return record_digest(fields)


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
    subject_type: str | None = None,
    subject_id: int | None = None,
    subject=None,
    head: CaseAuditHead | None = None,
    flush: bool = True,
) -> CaseEvent:
    """Append one event to the case's chain (the only way events are written). A track handled
    under the case names itself (``subject_type``, ``subject_id``); its states are then its own, and
    the event seals the digest of ``subject``'s audited fields beside the case's.

    ``head``: the chain's head, already locked by the caller (the SLA scan locks a batch's heads in
    one statement); ``flush=False`` leaves the insert to the caller's next flush."""
    if head is None:
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
        digest=case_digest(case),
        subject_type=subject_type if subject_type not in (None, "case") else None,
        subject_id=subject_id if subject_type not in (None, "case") else None,
        subject_digest=track_digest(subject_type, subject) if subject_type not in (None, "case") else None,
    )

    link(event, head, case.id)
    db.session.add(event)
    if flush:
        db.session.flush()
    return event


def record_applied(applied) -> CaseEvent:
    """Record an action the one door applied (``app.core.engine.Applied``) in the chain of the case
    its subject is handled under; a track's event names the track (its workflow and id)."""
    subject = applied.subject
    track = applied.workflow.name != "case"
    return record_event(
        applied.door.case_of(subject),
        applied.actor,
        applied.action.name,
        from_state=applied.source,
        to_state=applied.target,
        comment=applied.comment,
        data=applied.recorded,
        internal=not applied.action.visible_to_applicant,
        subject_type=applied.workflow.name if track else None,
        subject_id=subject.id if track else None,
        subject=subject if track else None,
    )
