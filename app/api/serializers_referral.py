"""Plain JSON of a referral to an enforcement agency (``app.api.schemas_referral`` declares its shape).

Times are ISO 8601 with offset, days ``YYYY-MM-DD``, money integer fen, enums their lower-case values. The
caller loads what the object shows (its clocks and, for staff, documents, for a whole page at once) and passes
it in with the time "now" the clocks are judged at.

The applicant's side reads a referral as their timeline tells it: to which agency it went, when, and what the
agency said. What staff wrote for the agency and the supervisor (grounds, the respondent's other cases, why
an agency that does not fit was kept), the letters (they carry the agency's reply link) and the audit trail
are staff's only.
"""

from __future__ import annotations

from datetime import date, datetime

from app.api.serializers import action_check, clock, event, iso
from app.api.serializers_mediation import document
from app.cases.models import CaseEvent, Document
from app.clocks.models import CaseClock
from app.referrals.models import Referral


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def referral_event(e: CaseEvent) -> dict:
    """An event of the referral, saying whose word it records: the agency's through its link, or staff's."""
    data = event(e)
    data["by"] = "agency" if (e.data or {}).get("by") == "agency" and e.actor is None else "staff"
    return data


def _earlier(entry: dict) -> dict:
    return {
        "number": str(entry.get("number") or ""),
        "state": entry.get("state") or None,
        "filed_on": entry.get("filed_on") or None,
    }


def _staff_fields(r: Referral, documents: list[Document]) -> dict:
    return {
        "facts": r.facts,
        "grounds": r.grounds,
        "ground_kinds": list(r.ground_kinds or []),
        "legal_basis": r.legal_basis,
        "evidence": [
            {"id": e["id"], "filename": e["filename"], "sha256": e["sha256"], "size": e["size"]}
            for e in (r.evidence or [])
        ],
        "earlier_cases": [_earlier(c) for c in (r.earlier_cases or [])],
        "mismatch": [str(m) for m in (r.mismatch or [])],
        "override_comment": r.override_comment,
        "mediation": r.mediation_id,
        "created_by": r.created_by.email if r.created_by is not None else None,
        "approved_by": r.approved_by.email if r.approved_by is not None else None,
        "approved_at": iso(r.approved_at),
        "police_steps": [
            {"step": s.get("step"), "on": s.get("on"), "note": s.get("note") or ""} for s in (r.police_steps or [])
        ],
        "chase_count": r.chase_count,
        "last_chased_at": iso(r.last_chased_at),
        "documents": [document(d) for d in documents],
    }


def referral_object(
    r: Referral,
    *,
    clocks: list[CaseClock],
    documents: list[Document],
    now: datetime,
    staff: bool,
    events: list[CaseEvent] | None = None,
    checks=None,
) -> dict:
    """The referral object; ``staff``: the caller is staff (the staff-only fields are then included).
    ``events`` (staff only) and ``checks`` (the caller's available actions) are added when given (the detail
    answers, not the list)."""
    data = {
        "id": r.id,
        "case": r.case.number,
        "centre": {"code": r.centre.code, "name": r.centre.name},
        "agency": {"id": r.agency.id, "name": r.agency.name, "kind": r.agency.kind.value},
        "state": r.state.value,
        "version": r.version,
        "ip_type": r.ip_type.value,
        "right_number": r.right_number,
        "right_title": r.right_title,
        "respondent": {
            "name": r.respondent_name,
            "credit_code": r.respondent_credit_code,
            "address": r.respondent_address,
        },
        "sent_at": iso(r.sent_at),
        "sent_method": r.sent_method.value if r.sent_method is not None else None,
        "received_on": day(r.received_on),
        "opened": r.opened,
        "decided_on": day(r.decided_on),
        "agency_case_number": r.agency_case_number,
        "not_opened_reason": r.not_opened_reason,
        "penalty_fen": r.penalty_fen,
        "goods_seized": r.goods_seized,
        "stop_ordered": bool(r.stop_ordered),
        "outcome_summary": r.outcome_summary,
        "outcome_on": day(r.outcome_on),
        "police_transferred_on": day(r.police_transferred_on),
        "last_word_at": iso(r.last_word_at),
        "clocks": [clock(c, now) for c in clocks],
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
        "closed_at": iso(r.closed_at),
    }
    if staff:
        data.update(_staff_fields(r, documents))
        if events is not None:
            data["events"] = [referral_event(e) for e in events]
    if checks is not None:
        data["available_actions"] = [action_check(c) for c in checks]
    return data
