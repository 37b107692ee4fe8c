"""The document a plan issues: the rights-protection plan (维权方案), numbered in the centre's series 方.

Issued by the one door's document subscriber when ``issue`` is applied, through the cases' issuing
code (``app.cases.documents``), in the applicant's language, kept as generated. A revision's copy
says which revision it is and which issued plan it supersedes.
"""

from __future__ import annotations

from sqlalchemy import select

from app.cases.documents import _CentreName, document_language_of, issue_document
from app.cases.enums import DocumentKind
from app.cases.models import Case, Document
from app.core.documents import DocumentSpec, register
from app.core.money import yuan, yuan_in_capitals
from app.extensions import db
from app.plans.enums import Route, Verdict
from app.plans.models import Plan


def _plan_of(subject) -> Plan:
    """The plan a document is about. The case page's preview names only the case: its newest plan
    then, or a blank one drawn from the case (never saved)."""
    if isinstance(subject, Plan):
        return subject
    case: Case = subject
    newest = db.session.execute(
        select(Plan).where(Plan.case_id == case.id).order_by(Plan.revision.desc()).limit(1)
    ).scalar_one_or_none()
    if newest is not None:
        return newest
    return Plan(case=case, case_id=case.id, revision=1, facts=case.facts or "", comparison=[], routes=[])


def _document_number(plan_id: int) -> str:
    return (
        db.session.execute(
            select(Document.number)
            .where(
                Document.subject_type == "plan",
                Document.subject_id == plan_id,
                Document.kind == DocumentKind.PROTECTION_PLAN,
            )
            .order_by(Document.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        or ""
    )


def gather(subject, kind, issued_at, actor) -> dict:
    """The plain context of a plan's document (enum members and lazy strings are turned into text in
    the document's language by ``app.cases.documents.localise``)."""
    plan = _plan_of(subject)
    case = plan.case
    centre = case.centre
    enterprise = case.enterprise
    # Who to contact about it (the footer every document carries): whoever drafted it, else the case's owner.
    handler = plan.created_by or case.owner or (actor if actor is not None and actor.is_staff else None)
    routes = [
        {
            "route": Route(r["route"]),
            "cost": yuan(r["cost_fen"]),
            "is_free": r["cost_fen"] == 0,
            "duration": r["duration"],
            "note": r.get("note") or "",
        }
        for r in plan.routes or []
    ]
    supersedes = None
    if plan.supersedes_id is not None:
        replaced = db.session.get(Plan, plan.supersedes_id)
        supersedes = {
            "revision": replaced.revision,
            "number": _document_number(replaced.id),
            "issued_at": replaced.issued_at,
        }
    return {
        "kind": DocumentKind(kind).value,
        "issued_at": issued_at,
        "centre": {
            "name": _CentreName(centre),
            "address": centre.address or "",
            "phone": centre.phone or "",
            "contact_person": centre.contact_person or "",
        },
        "case": {"number": case.number, "title": case.title, "accepted_at": case.decided_at},
        "applicant": {
            "name": enterprise.name if enterprise is not None else case.complainant_label,
            "credit_code": enterprise.credit_code if enterprise is not None else "",
            "address": (enterprise.address or "") if enterprise is not None else "",
        },
        "respondents": [
            {"name": r.name, "credit_code": r.credit_code or "", "address": r.address or ""} for r in case.respondents
        ],
        "right": {
            "type": plan.right_type,
            "is_patent": plan.right_is_patent,
            "number": plan.right_number,
            "title": plan.right_title,
            "scope": plan.right_scope,
        }
        if plan.right_type is not None
        else None,
        "plan": {
            "revision": plan.revision,
            "facts": plan.facts or "",
            "comparison": [
                {
                    "feature": row["feature"],
                    "accused": row["accused"],
                    "verdict": Verdict(row.get("verdict") or "undetermined"),
                    "evidence": row.get("evidence") or "",
                }
                for row in plan.comparison or []
            ],
            "evidence_held": list(plan.evidence_held or []),
            "evidence_needed": list(plan.evidence_needed or []),
            "routes": routes,
            "damages": {
                "amount": yuan(plan.damages_fen),
                "capitals": yuan_in_capitals(plan.damages_fen),
                "basis": plan.damages_basis,
            }
            if plan.damages_fen is not None
            else None,
            "claimed": yuan(case.claimed_amount_fen) if case.claimed_amount_fen is not None else "",
            "supersedes": supersedes,
            "approved_by": plan.approved_by.name if plan.approved_by is not None else "",
            "approved_at": plan.approved_at,
        },
        "handler": {"name": handler.name if handler else "", "phone": (handler.phone or "") if handler else ""},
        "prepared_by": plan.created_by.name if plan.created_by is not None else "",
    }


def language_of(subject) -> str:
    return document_language_of(_plan_of(subject).case)


def issue(plan, kind, actor):
    return issue_document(plan.case, kind, actor, subject=plan)


register(
    DocumentSpec(DocumentKind.PROTECTION_PLAN, "pdf/protection_plan.html", gather, language_of, issue, series="方")
)
