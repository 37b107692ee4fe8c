"""Plain JSON of the overseas mutual-aid fund: funds with their rules and sums, memberships, ledger entries and
requests with their costs (``app.api.schemas_fund`` declares the shapes).

Money is integer fen; a foreign amount and an exchange rate are decimal text, exactly as kept (hundredths and
millionths, never floats); days ``YYYY-MM-DD``, times ISO 8601 with offset, enums their lower-case values.

The applicant's side reads its request as the case's timeline tells it: the amounts, the costs and the working;
who reviewed and approved it, the letters as documents of the request and the audit trail are staff's only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.api.serializers import action_check, event, iso, person
from app.api.serializers_mediation import document
from app.cases.models import CaseEvent, Document
from app.fund.models import Fund, FundCost, FundMembership, FundRequest, LedgerEntry


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def scaled(value: int, places: int) -> str:
    """An integer of hundredths (two places kept) or millionths (trailing zeros dropped) as decimal text:
    (10_000_000, 2) -> "100000.00", (7_123_400, 6) -> "7.1234", (1_000_000, 6) -> "1"."""
    text = format(Decimal(value).scaleb(-places), "f")
    if places > 2 and "." in text:
        whole, _, part = text.partition(".")
        part = part.rstrip("0")
        text = f"{whole}.{part}" if part else whole
    return text


def fund_rules(f: Fund) -> dict:
    return {
        "share_percent": f.share_percent,
        "cap_per_request_fen": f.cap_per_request_fen,
        "cap_per_year_fen": f.cap_per_year_fen,
        "requests_per_enterprise_per_year": f.requests_per_enterprise_per_year,
        "dispute_types": list(f.dispute_types or []),
        "year_start": f"{f.year_start_month:02d}-{f.year_start_day:02d}",
        "review_working_days": f.review_working_days,
    }


def fund_object(f: Fund) -> dict:
    return {
        "id": f.id,
        "name": f.name,
        "centre": f.centre.code,
        "centre_name": f.centre.name,
        "is_active": bool(f.is_active),
        "version": f.version,
        "balance_fen": f.balance_fen,
        "committed_fen": f.committed_fen,
        "available_fen": f.available_fen,
        "rules": fund_rules(f),
        "created_at": iso(f.created_at),
        "updated_at": iso(f.updated_at),
    }


def enterprise_ref(e) -> dict:
    return {"credit_code": e.credit_code or "", "name": e.name}


def membership_object(m: FundMembership, today: date) -> dict:
    return {
        "id": m.id,
        "fund": m.fund_id,
        "enterprise": enterprise_ref(m.enterprise),
        "starts_on": day(m.starts_on),
        "ends_on": day(m.ends_on),
        "contribution_fen": m.contribution_fen,
        "paid_fen": m.paid_fen,
        "in_good_standing": m.in_good_standing(today),
        "note": m.note or "",
        "created_at": iso(m.created_at),
    }


def entry_object(e: LedgerEntry) -> dict:
    return {
        "seq": e.seq,
        "kind": e.kind.value,
        "debit": e.debit.value,
        "credit": e.credit.value,
        "amount_fen": e.amount_fen,
        "occurred_on": day(e.occurred_on),
        "request": e.request_id,
        "case": e.request.case.number if e.request is not None else None,
        "membership": e.membership_id,
        "enterprise": e.enterprise.credit_code if e.enterprise is not None else None,
        "attachment": e.attachment_id,
        "reference": e.reference or "",
        "reason": e.reason or "",
        "recorded_by": e.recorded_by.email if e.recorded_by is not None else None,
        "created_at": iso(e.created_at),
    }


def cost_object(c: FundCost) -> dict:
    return {
        "position": c.position,
        "kind": c.kind.value,
        "description": c.description or "",
        "invoice_number": c.invoice_number or "",
        "currency": c.currency,
        "original_amount": scaled(c.original_cents, 2),
        "rate": scaled(c.rate_millionths, 6),
        "rate_on": day(c.rate_on),
        "amount_fen": c.amount_fen,
        "attachment": c.invoice_id,
        "voucher": c.voucher_id,
        "eligible": bool(c.eligible),
        "excluded_reason": c.excluded_reason or "",
    }


def request_object(
    r: FundRequest,
    *,
    working: dict | None,
    staff: bool,
    documents: list[Document] | None = None,
    events: list[CaseEvent] | None = None,
    checks=None,
) -> dict:
    """The request object; ``working`` as the caller worked it out (``app.api.fund``); ``staff``: the caller is
    staff (the people and the letters are then included); ``events`` (staff) and ``checks`` (the caller's
    available actions) are added when given (the detail answers, not the list)."""
    data = {
        "id": r.id,
        "case": r.case.number,
        "fund": r.fund_id,
        "fund_name": r.fund.name,
        "centre": r.centre.code,
        "enterprise": enterprise_ref(r.enterprise),
        "state": r.state.value,
        "version": r.version,
        "dispute_type": r.dispute_type.value,
        "country": r.country,
        "forum": r.forum or "",
        "dispute_started_on": day(r.dispute_started_on),
        "description": r.description or "",
        "claimed_fen": r.claimed_fen,
        "insurance_fen": r.insurance_fen,
        "settlement_fen": r.settlement_fen,
        "other_funding_fen": r.other_funding_fen,
        "deductions_fen": r.deductions_fen,
        "eligible_fen": r.eligible_fen,
        "approved_fen": r.approved_fen,
        "paid_fen": r.paid_fen,
        "released_fen": r.released_fen,
        "clawed_back_fen": r.clawed_back_fen,
        "outstanding_fen": max(0, r.outstanding_fen),
        "fund_year": r.fund_year,
        "costs": [cost_object(c) for c in r.costs],
        "working": working,
        "rejection_reason": r.rejection_reason or "",
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
        "submitted_at": iso(r.submitted_at),
        "reviewed_at": iso(r.reviewed_at),
        "approved_at": iso(r.approved_at),
        "second_approved_at": iso(r.second_approved_at),
        "closed_at": iso(r.closed_at),
    }
    if staff:
        data.update(
            {
                "submitted_by": person(r.submitted_by),
                "reviewed_by": person(r.reviewed_by),
                "approved_by": person(r.approved_by),
                "second_approved_by": person(r.second_approved_by),
                "documents": [document(d) for d in (documents or [])],
            }
        )
        if events is not None:
            data["events"] = [event(e) for e in events]
    if checks is not None:
        data["available_actions"] = [action_check(c) for c in checks]
    return data
