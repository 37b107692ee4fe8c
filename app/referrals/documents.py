"""The documents a referral issues: the transfer letter (线索移送函) with its receipt slip, and the letter
chasing a silent agency (催办函).

Both go to a Chinese agency, so both are written in Chinese whatever the applicant's language;
both print the reply link of a token issued with them (``app.referrals.reply``), and are e-mailed
to the agency when the directory has its address. Numbered in the centre's series 移 and 催.
"""

from __future__ import annotations

from app.cases.documents import _CentreName, issue_document
from app.cases.enums import DocumentKind
from app.core.documents import DocumentSpec, register
from app.core.money import yuan
from app.core.pdf import language
from app.core.workdays import china_day
from app.referrals.enums import Ground
from app.referrals.reply import email_letter, fresh_token, reply_url


def _transfer_letter_of(r):
    """The transfer letter already issued (number and date), for the chase letter to refer to."""
    from sqlalchemy import select

    from app.cases.models import Document
    from app.extensions import db

    return db.session.execute(
        select(Document.number, Document.created_at)
        .where(
            Document.subject_type == "referral",
            Document.subject_id == r.id,
            Document.kind == DocumentKind.TRANSFER_LETTER,
        )
        .order_by(Document.id)
        .limit(1)
    ).first()


def _earlier(entry: dict) -> dict:
    from app.cases.enums import CaseState

    state = entry.get("state")
    try:
        label = CaseState(state).label if state else ""
    except ValueError:
        label = ""
    return {"number": entry.get("number", ""), "state_label": label}


def gather(r, kind, issued_at, actor) -> dict:
    """The plain context of a referral's letter (enum members and lazy strings become text in the
    document's language when rendered)."""
    case = r.case
    centre = case.centre
    agency = r.agency
    enterprise = case.enterprise
    handler = r.created_by
    raw = fresh_token(r)
    context = {
        "kind": DocumentKind(kind).value,
        "issued_at": issued_at,
        "centre": {
            "name": _CentreName(centre),
            "address": centre.address or "",
            "phone": centre.phone or "",
            "contact_person": centre.contact_person or "",
        },
        "case": {"number": case.number, "title": case.title},
        "agency": {"name": agency.name, "address": agency.address or "", "kind": agency.kind},
        "complainant": {
            "name": enterprise.name if enterprise is not None else case.complainant_label,
            "credit_code": enterprise.credit_code if enterprise is not None else "",
        },
        "respondent": {
            "name": r.respondent_name,
            "credit_code": r.respondent_credit_code,
            "address": r.respondent_address,
        },
        "right": {"type": r.ip_type, "number": r.right_number, "title": r.right_title},
        "referral": {
            "facts": r.facts,
            "grounds": r.grounds,
            "ground_kinds": [Ground(g) for g in (r.ground_kinds or []) if g in {x.value for x in Ground}],
            "legal_basis": r.legal_basis,
            "evidence": list(r.evidence or []),
            "earlier_cases": [_earlier(c) for c in (r.earlier_cases or [])],
            "decided_at": r.created_at,
            "sent_at": r.sent_at or issued_at,
            "chase_count": r.chase_count,
            "penalty": yuan(r.penalty_fen) if r.penalty_fen else "",
            "received_on": r.received_on,
            "opened": r.opened,
        },
        "reply_url": reply_url(raw) if raw else "",
        "handler": {
            "name": handler.name if handler is not None else "",
            "phone": (handler.phone or "") if handler is not None else "",
        },
        "prepared_by": actor.name if actor is not None else "",
    }
    if DocumentKind(kind) is DocumentKind.CHASE_LETTER:
        first = _transfer_letter_of(r)
        context["first_letter"] = {
            "number": first.number if first else "",
            "date": china_day(first.created_at) if first else china_day(r.sent_at or issued_at),
        }
        context["silent_days"] = (china_day(issued_at) - china_day(r.last_word_at or r.sent_at or issued_at)).days
    return context


def language_of(r) -> str:
    return language("zh_CN")


def issue(r, kind, actor):
    document = issue_document(r.case, kind, actor, subject=r)
    raw = fresh_token(r)
    if raw:
        email_letter(r, raw, document, chase=DocumentKind(kind) is DocumentKind.CHASE_LETTER)
    return document


# The letters print the agency's reply link: staff and the agency read them, the applicant's side never.
register(
    DocumentSpec(
        DocumentKind.TRANSFER_LETTER,
        "pdf/transfer_letter.html",
        gather,
        language_of,
        issue,
        series="移",
        staff_only=True,
    )
)
register(
    DocumentSpec(
        DocumentKind.CHASE_LETTER, "pdf/chase_letter.html", gather, language_of, issue, series="催", staff_only=True
    )
)
