"""The documents a fund request issues: the decision to grant support (资助决定书) and the decision not
to (不予资助决定书).

Issued by the one door's document subscriber when ``approve_second`` or ``reject`` is applied, through
the cases' issuing code, in the applicant's language, numbered in the centre's series 资 and 资否. The
decision states the amount in figures and in Chinese capitals, and the working behind it.
"""

from __future__ import annotations

from app.cases.documents import _CentreName, document_language_of, issue_document
from app.cases.enums import DocumentKind
from app.core.documents import DocumentSpec, register
from app.core.money import yuan, yuan_in_capitals
from app.core.workdays import china_day


def _cost(c) -> dict:
    from decimal import Decimal

    return {
        "kind": c.kind,
        "description": c.description,
        "invoice_number": c.invoice_number,
        "currency": c.currency,
        "original": f"{Decimal(c.original_cents) / 100:,.2f}",
        "rate": f"{Decimal(c.rate_millionths) / 1_000_000:.6f}".rstrip("0").rstrip("."),
        "rate_on": c.rate_on,
        "amount": yuan(c.amount_fen),
        "eligible": c.eligible,
        "excluded_reason": c.excluded_reason,
    }


def gather(r, kind, issued_at, actor) -> dict:
    """The plain context of a request's decision (enum members and lazy strings become text in the
    document's language when rendered)."""
    from app.fund.rules import Working
    from app.fund.services import country_names

    case = r.case
    centre = case.centre
    enterprise = r.enterprise
    handler = r.reviewed_by or actor
    working = Working.from_dict(r.working)
    return {
        "kind": DocumentKind(kind).value,
        "issued_at": issued_at,
        "centre": {
            "name": _CentreName(centre),
            "address": centre.address or "",
            "phone": centre.phone or "",
            "contact_person": centre.contact_person or "",
        },
        "case": {"number": case.number, "title": case.title},
        "fund": {"name": r.fund.name},
        "enterprise": {"name": enterprise.name, "credit_code": enterprise.credit_code},
        "request": {
            "dispute_type": r.dispute_type,
            "country": country_names("zh_Hans_CN").get(r.country, r.country),
            "country_en": country_names("en").get(r.country, r.country),
            "forum": r.forum,
            "dispute_started_on": r.dispute_started_on,
            "submitted_on": china_day(r.submitted_at) if r.submitted_at else None,
            "claimed": yuan(r.claimed_fen),
            "deductions": yuan(r.deductions_fen),
            "approved": yuan(r.approved_fen),
            "approved_capitals": yuan_in_capitals(r.approved_fen),
            "fund_year": r.fund_year,
            "share_percent": (r.rules or {}).get("share_percent"),
            "reason": r.rejection_reason,
        },
        "costs": [_cost(c) for c in r.costs],
        "steps": [{"label": s.label, "amount": yuan(s.fen), "binding": s.binding} for s in working.steps()]
        if working is not None
        else [],
        "handler": {
            "name": handler.name if handler is not None else "",
            "phone": (getattr(handler, "phone", "") or "") if handler is not None else "",
        },
        "prepared_by": actor.name if actor is not None else "",
    }


def language_of(r) -> str:
    return document_language_of(r.case)


def issue(r, kind, actor):
    return issue_document(r.case, kind, actor, subject=r)


register(DocumentSpec(DocumentKind.FUND_DECISION, "pdf/fund_decision.html", gather, language_of, issue, series="资"))
register(DocumentSpec(DocumentKind.FUND_REFUSAL, "pdf/fund_refusal.html", gather, language_of, issue, series="资否"))

# The fund statement (资金收支报表): a document of no case, the fund's and its centre's (app/fund/statement.py).
from app.fund import statement as _statement  # noqa: E402

register(
    DocumentSpec(
        DocumentKind.FUND_STATEMENT,
        "pdf/fund_statement.html",
        _statement.gather,
        _statement.language_of,
        _statement.issue,
        series="基",
    )
)
