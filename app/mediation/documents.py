"""The documents a mediation issues: the agreement (调解协议书) and the termination notice (终止调解通知书).

Both are issued by the one door's document subscriber when ``record_agreement`` or
``record_failure`` is applied, through the cases' issuing code (``app.cases.documents``), in the
applicant's language, numbered in the centre's series (调 and 调终), kept as generated.
"""

from __future__ import annotations

from sqlalchemy import select

from app.cases.documents import _CentreName, document_language_of, issue_document
from app.cases.enums import DocumentKind
from app.cases.models import CaseEvent
from app.centres.settings import setting_value
from app.core.documents import DocumentSpec, register
from app.core.money import yuan, yuan_in_capitals
from app.extensions import db


def _last_comment(m, action: str) -> str:
    return (
        db.session.execute(
            select(CaseEvent.comment)
            .where(
                CaseEvent.case_id == m.case_id,
                CaseEvent.subject_type == "mediation",
                CaseEvent.subject_id == m.id,
                CaseEvent.action == action,
            )
            .order_by(CaseEvent.seq.desc())
            .limit(1)
        ).scalar_one_or_none()
        or ""
    )


def gather(m, kind, issued_at, actor) -> dict:
    """The plain context of a mediation's document (enum members and lazy strings are turned into
    text in the document's language by ``app.cases.documents.localise``).

    Both documents name the two parties with their particulars, the right, the mediator and the
    dates of the mediation; the agreement adds what was agreed (the amount in figures and in
    capitals, empty when no sum was agreed), the termination notice the reason recorded with
    ``record_failure``."""
    case = m.case
    centre = case.centre
    enterprise = case.enterprise
    respondent = next((r for r in case.respondents if r.name == m.respondent_name), None)
    right = next((r for r in case.rights if (r.number or "") == m.right_number), None)
    mediator = m.mediator
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
        "requester": {
            "name": enterprise.name if enterprise is not None else case.complainant_label,
            "credit_code": enterprise.credit_code if enterprise is not None else "",
            "address": (enterprise.address or "") if enterprise is not None else "",
            # Enterprises record no legal representative yet; the line shows once they do.
            "representative": (getattr(enterprise, "legal_representative", "") or "") if enterprise else "",
        },
        "respondent": {
            "name": m.respondent_name,
            "credit_code": (respondent.credit_code or "") if respondent else "",
            "address": (respondent.address or "") if respondent else "",
        },
        "right": {
            "type": m.ip_type,
            "is_patent": m.ip_type.is_patent,
            "number": m.right_number,
            "title": (right.title or "") if right else "",
        },
        "mediation": {
            "scope": m.scope,
            "requests": m.requests,
            "requested_at": m.created_at,
            "opened_at": m.opened_at,
            "ended_at": m.ended_at,
        },
        "mediator": {"name": mediator.name if mediator else (actor.name if actor is not None else "")},
        # Who to contact about it (the footer every document carries): the mediator.
        "handler": {
            "name": mediator.name if mediator else "",
            "phone": (mediator.phone or "") if mediator else "",
        },
        "prepared_by": actor.name if actor is not None else "",
    }
    if DocumentKind(kind) is DocumentKind.MEDIATION_AGREEMENT:
        context["agreement"] = {
            "facts": m.facts,
            "disputed_issues": m.disputed_issues,
            "liability": m.liability,
            "terms": list(m.terms or []),
            "amount": yuan(m.amount_fen),
            "amount_capitals": yuan_in_capitals(m.amount_fen) if m.amount_fen is not None else "",
            "perform_by": m.perform_by,
            "performance_method": m.performance_method,
            "costs_borne_by": m.costs_borne_by,
            "agreed_at": m.agreed_at,
            # The parties' window to apply for judicial confirmation (Civil Procedure Law art. 205: 30
            # days), as the centre's confirmation clock counts it.
            "confirmation_days": setting_value(centre, "judicial_confirmation_days"),
        }
    else:
        context["termination"] = {"reason": _last_comment(m, "record_failure"), "ended_at": m.ended_at}
    return context


def language_of(m) -> str:
    return document_language_of(m.case)


def issue(m, kind, actor):
    return issue_document(m.case, kind, actor, subject=m)


register(
    DocumentSpec(
        DocumentKind.MEDIATION_AGREEMENT, "pdf/mediation_agreement.html", gather, language_of, issue, series="调"
    )
)
register(
    DocumentSpec(
        DocumentKind.MEDIATION_TERMINATION, "pdf/mediation_termination.html", gather, language_of, issue, series="调终"
    )
)
