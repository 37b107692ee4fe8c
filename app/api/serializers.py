"""Plain JSON of the API's objects (``app.api.schemas`` declares their shapes).

Times are ISO 8601 with their offset (stored and given in UTC), money is integer
fen, enums are their lower-case values. ``clocks`` lists every clock of the case
(running, met or stopped), oldest first; the caller loads them (``app.api.queries.clocks_by_case``
for a page of cases in one statement) and passes them in with the time "now" they are judged at.
"""

from __future__ import annotations

from datetime import datetime

from app.cases.models import Attachment, Case, CaseEvent, CaseHandover, Document
from app.clocks.models import CaseClock, ClockUnit
from app.core.db import utcnow


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def person(user) -> dict | None:
    if user is None:
        return None
    return {"email": user.email, "name": user.name}


def right(r) -> dict:
    return {"type": r.type.value, "number": r.number or None, "title": r.title or None}


def respondent(r) -> dict:
    return {"name": r.name, "credit_code": r.credit_code, "address": r.address, "url": r.url}


def clock(c: CaseClock, now: datetime) -> dict:
    """One clock: API.md's ``{name, due_at, met_at, is_paused, is_overdue}`` and what explains them."""
    return {
        "name": c.name.value,
        "trigger": c.trigger,
        "working_days": c.working_days,
        "amount": c.amount,
        "unit": (c.unit or ClockUnit.WORKING_DAYS).value,
        "started_at": iso(c.started_at),
        "due_at": iso(c.due_at),
        "warn_at": iso(c.warn_at),
        "met_at": iso(c.met_at),
        "stopped_at": iso(c.stopped_at),
        "paused_at": iso(c.paused_at),
        "is_running": c.is_running,
        "is_paused": c.is_paused,
        "is_overdue": c.is_overdue(now),
        "is_due_soon": c.is_due_soon(now),
        "unknown_year": c.unknown_year,
    }


def case_object(
    case: Case,
    events: list[CaseEvent] | None = None,
    *,
    clocks: list[CaseClock],
    now: datetime | None = None,
    staff: bool = False,
) -> dict:
    """The case object; ``events`` is added when given (the detail answers, not the list).
    ``clocks`` are the case's clocks, judged at ``now`` (due soon, overdue). ``staff``: the caller is
    staff (a hotline call's details are then included)."""
    now = now or utcnow()
    rights = [right(r) for r in case.rights]
    respondents = [respondent(r) for r in case.respondents]
    firm = case.enterprise
    data = {
        "number": case.number,
        "ref": case.ref,
        "title": case.title,
        "kind": case.kind.value,
        "channel": case.channel.value,
        "state": case.state.value,
        "version": case.version,
        "complainant": {
            "type": case.complainant_type.value,
            "name": firm.name if firm is not None else case.complainant_name,
            "phone": case.complainant_phone,
        },
        "enterprise": (
            {"credit_code": firm.credit_code, "name": firm.name, "size_class": firm.size_class.value}
            if firm is not None
            else None
        ),
        "ip_right": rights[0] if rights else None,
        "ip_rights": rights,
        "respondent": respondents[0] if respondents else None,
        "respondents": respondents,
        "facts": case.facts,
        "help_wanted": case.help_wanted,
        "claimed_amount_fen": case.claimed_amount_fen,
        "priority": case.priority,
        "decline_reason": case.decline_reason.value if case.decline_reason is not None else None,
        "outcome": case.outcome,
        "first_responder": person(case.first_responder),
        "owner": person(case.owner),
        "centre": {"code": case.centre.code, "name": case.centre.name},
        "created_at": iso(case.created_at),
        "submitted_at": iso(case.submitted_at),
        "acknowledged_at": iso(case.acknowledged_at),
        "decided_at": iso(case.decided_at),
        "resolved_at": iso(case.resolved_at),
        "closed_at": iso(case.closed_at),
        "updated_at": iso(case.updated_at),
        "next_due_at": iso(case.next_due_at),
        "clocks": [clock(c, now) for c in clocks],
    }
    if staff and (case.caller_name or case.caller_phone or case.called_at or case.call_ticket):
        data["call"] = {
            "caller_name": case.caller_name,
            "caller_phone": case.caller_phone,
            "called_at": iso(case.called_at),
            "ticket": case.call_ticket,
        }
    if events is not None:
        data["events"] = [event(e) for e in events]
    return data


def event(e: CaseEvent) -> dict:
    return {
        "seq": e.seq,
        "action": e.action,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "actor": person(e.actor),
        "comment": e.comment,
        "data": e.data or {},
        "visibility": e.visibility,
        "created_at": iso(e.created_at),
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def offer(o: CaseHandover) -> dict:
    """A handover (to a colleague) or transfer (to a centre) waiting for an answer."""
    return {
        "id": o.id,
        "kind": o.kind.value,
        "case": o.case.number,
        "from_user": person(o.from_user),
        "from_centre": {"code": o.from_centre.code, "name": o.from_centre.name},
        "to_user": person(o.to_user),
        "to_centre": {"code": o.to_centre.code, "name": o.to_centre.name} if o.to_centre is not None else None,
        "offered_at": iso(o.offered_at),
        "comment": o.comment,
    }


def action_check(check) -> dict:
    data = {
        "action": check.action.name,
        "label": str(check.action.label),
        "allowed": check.allowed,
        "comment_required": check.action.comment_required,
        "data_fields": list(check.action.data_fields),
    }
    if check.reasons:
        data["reasons"] = [str(r) for r in check.reasons]
    return data


def attachment(a: Attachment) -> dict:
    return {"id": a.id, "filename": a.filename, "size": a.size, "sha256": a.sha256, "content_type": a.content_type}


def document(d: Document) -> dict:
    return {"id": d.id, "kind": d.kind.value, "sha256": d.sha256, "created_at": iso(d.created_at)}
