"""Plain JSON of a fast mediation (``app.api.schemas_mediation`` declares its shape).

Times are ISO 8601 with offset, days ``YYYY-MM-DD``, money integer fen, enums their lower-case values. The
caller loads what the object shows (its clocks and documents, for a whole page at once) and passes it in with
the time "now" the clocks are judged at.
"""

from __future__ import annotations

from datetime import date, datetime

from app.api.serializers import action_check, clock, event, iso
from app.cases.models import CaseEvent, Document
from app.clocks.models import CaseClock
from app.mediation.enums import MediationState
from app.mediation.models import Mediation, MediationSession
from app.mediation.services import deadline_of

AGREED = (MediationState.AGREED, MediationState.PERFORMED, MediationState.UNPERFORMED)


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def deadline(m: Mediation, clocks: list[CaseClock], now: datetime) -> dict | None:
    c = deadline_of(m, clocks)
    if c is None:
        return None
    return {"name": c.name.value, "due_at": iso(c.due_at), "is_paused": c.is_paused, "is_overdue": c.is_overdue(now)}


def session(s: MediationSession, *, staff: bool) -> dict:
    data = {
        "id": s.id,
        "position": s.position,
        "starts_at": iso(s.starts_at),
        "duration_minutes": s.duration_minutes,
        "place": s.place,
        "online_url": s.online_url,
        "held_at": iso(s.held_at),
    }
    if staff:
        data["minutes"] = s.minutes
    return data


def agreement(m: Mediation) -> dict | None:
    if m.state not in AGREED or m.agreed_at is None:
        return None
    confirmation = None
    if m.confirmed_on is not None:
        confirmation = {"court": m.court, "confirmed_on": day(m.confirmed_on), "ruling_number": m.ruling_number}
    return {
        "terms": list(m.terms or []),
        "amount_fen": m.amount_fen,
        "perform_by": day(m.perform_by),
        "performance_method": m.performance_method,
        "costs_borne_by": m.costs_borne_by,
        "facts": m.facts,
        "disputed_issues": m.disputed_issues,
        "liability": m.liability,
        "agreed_at": iso(m.agreed_at),
        "performed_on": day(m.performed_on),
        "judicial_confirmation": confirmation,
    }


def document(d: Document) -> dict:
    return {"id": d.id, "kind": d.kind.value, "number": d.number, "sha256": d.sha256, "created_at": iso(d.created_at)}


def mediation_object(
    m: Mediation,
    *,
    clocks: list[CaseClock],
    documents: list[Document],
    now: datetime,
    staff: bool,
    events: list[CaseEvent] | None = None,
    checks=None,
) -> dict:
    """The mediation object; ``events`` and ``checks`` (the caller's available actions) are added when given
    (the detail answers, not the list). ``staff``: the caller is staff (sessions' minutes are then shown)."""
    data = {
        "id": m.id,
        "case": m.case.number,
        "centre": {"code": m.centre.code, "name": m.centre.name},
        "state": m.state.value,
        "version": m.version,
        "ip_type": m.ip_type.value,
        "right_number": m.right_number,
        "scope": m.scope.value,
        "requests": m.requests,
        "mediator": m.mediator.email if m.mediator is not None else None,
        "respondent": m.respondent_name,
        "served_on": day(m.served_on),
        "service_method": m.served_method.value if m.served_method is not None else None,
        "reply_received_on": day(m.reply_received_on),
        "reply_is_late": bool(m.reply_is_late),
        "opened_at": iso(m.opened_at),
        "ended_at": iso(m.ended_at),
        "next_route": m.next_route.value if m.next_route is not None else None,
        "deadline": deadline(m, clocks, now),
        "clocks": [clock(c, now) for c in clocks],
        "sessions": [session(s, staff=staff) for s in sorted(m.sessions, key=lambda s: s.position)],
        "agreement": agreement(m),
        "documents": [document(d) for d in documents],
        "created_at": iso(m.created_at),
        "updated_at": iso(m.updated_at),
    }
    if events is not None:
        data["events"] = [event(e) for e in events]
    if checks is not None:
        data["available_actions"] = [action_check(c) for c in checks]
    return data
