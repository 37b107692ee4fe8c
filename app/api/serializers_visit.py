"""Plain JSON of an on-site visit (``app.api.schemas_visit`` declares its shape).

Days ``YYYY-MM-DD``, times ISO 8601 with offset, enums their lower-case values. The caller loads what the
object shows beside the visit (the numbers of the cases its problems became, its documents, for staff its
events and their actors) and passes it in. For an applicant the internal notes, the reason of a
cancellation and the audit chain are left out (``staff`` false).
"""

from __future__ import annotations

from datetime import date

from app.api.serializers import action_check, iso, person
from app.cases.models import Document
from app.core.chains import AuditEvent
from app.visits.models import Visit


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def firm(enterprise) -> dict | None:
    if enterprise is None:
        return None
    return {"credit_code": enterprise.credit_code, "name": enterprise.name}


def visit_document(d: Document) -> dict:
    return {"id": d.id, "kind": d.kind.value, "number": d.number, "sha256": d.sha256, "created_at": iso(d.created_at)}


def visit_event(e: AuditEvent, actors: dict) -> dict:
    return {
        "seq": e.seq,
        "action": e.action,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "actor": person(actors.get(e.actor_id)),
        "comment": e.comment or "",
        "data": e.data or {},
        "created_at": iso(e.created_at),
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def visit_object(
    v: Visit,
    *,
    case_numbers: dict[int, str],
    documents: list[Document],
    staff: bool,
    events: list[AuditEvent] | None = None,
    actors: dict | None = None,
    checks=None,
) -> dict:
    """The visit object; ``events`` (staff only) and ``checks`` (the caller's available actions) are added when
    given (the detail answers, not the list)."""
    first = v.enterprises[0] if v.enterprises else None
    data = {
        "id": v.id,
        "centre": {"code": v.centre.code, "name": v.centre.name},
        "state": v.state.value,
        "version": v.version,
        "planned_on": day(v.planned_on),
        "visited_on": day(v.visited_on),
        "staff": [person(u) for u in v.staff],
        "enterprises": [firm(e) for e in v.enterprises],
        "topics": list(v.topics or []),
        "problems": [
            {
                "index": p.position,
                "text": p.text,
                "ip_type": p.ip_type.value if p.ip_type is not None else None,
                "right_number": p.right_number,
                "respondent_name": p.respondent_name,
                "enterprise": firm(p.enterprise if p.enterprise_id is not None else first),
                "case": case_numbers.get(p.case_id) if p.case_id is not None else None,
            }
            for p in v.problems
        ],
        "needs": v.needs,
        "follow_ups": [
            {
                "index": f.position,
                "text": f.text,
                "owner": person(f.owner),
                "due_on": day(f.due_on),
                "done": f.is_done,
                "done_at": iso(f.done_at),
                "done_by": person(f.done_by),
                "done_note": f.done_note,
            }
            for f in v.follow_ups
        ],
        "contact": {"name": v.contact_name, "title": v.contact_title, "phone": v.contact_phone},
        "documents": [visit_document(d) for d in documents],
        "recorded_at": iso(v.recorded_at),
        "closed_at": iso(v.closed_at),
        "created_at": iso(v.created_at),
        "updated_at": iso(v.updated_at),
    }
    if staff:
        data["notes"] = v.notes
        data["cancel_reason"] = v.cancel_reason or ""
        if events is not None:
            data["events"] = [visit_event(e, actors or {}) for e in events]
    if checks is not None:
        data["available_actions"] = [action_check(c) for c in checks]
    return data
