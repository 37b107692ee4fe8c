"""The visit record (上门服务记录表): what was done on an on-site visit, for the enterprise's contact and
the staff to sign.

A document of no case: it belongs to the visit and the visit's centre (``Document.case_id`` None,
``subject_type`` "visit"), takes a number of the centre's series 访, and its issue is an event of the
visit's own chain. It is written in Chinese, or in English when asked for (``language``) or when the
first visited enterprise's first active member reads English. The internal notes are never on it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.cases.documents import _CentreName, issue_document, preview_pdf
from app.cases.enums import DocumentKind
from app.core import chains
from app.core.documents import DocumentSpec, register
from app.core.engine import ActionRefused
from app.core.pdf import language
from app.enterprises.models import EnterpriseMember, MembershipStatus
from app.extensions import db
from app.visits.enums import Topic
from app.visits.models import Visit, audited_fields
from app.visits.services import DOOR, VisitNotFound, can_act_on_visit, can_see_visit

KIND = DocumentKind.VISIT_RECORD


def gather(visit: Visit, kind, issued_at, actor) -> dict:
    """The plain context of the record (enum members become labels in the document's language)."""
    centre = visit.centre
    firms = visit.enterprises
    names = {f.id: f.name for f in firms}
    case_numbers = {}
    case_ids = [p.case_id for p in visit.problems if p.case_id]
    if case_ids:
        from app.cases.models import Case

        case_numbers = dict(db.session.execute(select(Case.id, Case.number).where(Case.id.in_(case_ids))).all())
    recorder = visit.recorded_by
    return {
        "kind": DocumentKind(kind).value,
        "issued_at": issued_at,
        "centre": {
            "name": _CentreName(centre),
            "address": centre.address or "",
            "phone": centre.phone or "",
            "contact_person": centre.contact_person or "",
        },
        "case": {"number": ""},
        "visit": {
            "visited_on": visit.visited_on,
            "planned_on": visit.planned_on,
            "topics": [Topic(t) for t in visit.topics or () if t in Topic._value2member_map_],
            "needs": visit.needs or "",
            "contact_name": visit.contact_name or "",
            "contact_title": visit.contact_title or "",
            "contact_phone": visit.contact_phone or "",
        },
        "staff": [{"name": u.name, "phone": u.phone or ""} for u in visit.staff],
        "enterprises": [{"name": f.name, "credit_code": f.credit_code, "address": f.address or ""} for f in firms],
        "problems": [
            {
                "text": p.text,
                "ip_type": p.ip_type,
                "right_number": p.right_number,
                "respondent_name": p.respondent_name,
                "enterprise": names.get(p.enterprise_id, "") if len(firms) > 1 else "",
                "case_number": case_numbers.get(p.case_id, ""),
            }
            for p in visit.problems
        ],
        "follow_ups": [
            {
                "text": f.text,
                "owner": f.owner.name if f.owner is not None else "",
                "due_on": f.due_on,
                "done": f.done_at is not None,
            }
            for f in visit.follow_ups
        ],
        "handler": {
            "name": recorder.name if recorder is not None else "",
            "phone": (recorder.phone or "") if recorder is not None else "",
        },
        "prepared_by": actor.name if actor is not None else "",
    }


def language_of(visit: Visit) -> str:
    """The language asked for; else that of the first visited enterprise's first active member; else Chinese."""
    asked = getattr(visit, "_record_language", None)
    if asked:
        return language(asked)
    ids = [link.enterprise_id for link in visit.enterprise_links]
    if not ids:
        return language(None)
    locale = db.session.execute(
        select(User.locale)
        .join(EnterpriseMember, EnterpriseMember.user_id == User.id)
        .where(EnterpriseMember.enterprise_id == ids[0], EnterpriseMember.status == MembershipStatus.ACTIVE)
        .order_by(EnterpriseMember.id)
        .limit(1)
    ).scalar_one_or_none()
    return language(locale)


def _record_event(visit: Visit, actor):
    def record(document, data):
        chains.record(
            "visit",
            visit.id,
            actor,
            "issue_document",
            from_state=visit.state,
            to_state=visit.state,
            data=data,
            fields=audited_fields(visit),
        )

    return record


def issue(visit: Visit, kind, actor):
    return issue_document(None, kind, actor, subject=visit, record=_record_event(visit, actor))


def _check(actor, visit: Visit) -> None:
    if not can_see_visit(actor, visit):
        raise VisitNotFound(DOOR.not_found_text)
    if not can_act_on_visit(actor, visit):
        raise ActionRefused(
            [_l("Only caseworkers and supervisors of the visit's centre issue its record.")], forbidden=True
        )
    if not visit.state.counts:
        raise ActionRefused([_l("A visit record is issued once the visit is recorded as done.")])


def issue_record(actor, visit: Visit, language: str | None = None):
    """Issue the visit record (a caseworker or supervisor of the visit's scope, once it is done):
    numbered, stored as generated, recorded in the visit's chain. ``language``: "en" or "zh_CN"
    (default: the enterprise's)."""
    _check(actor, visit)
    visit._record_language = language
    try:
        return issue(visit, KIND, actor)
    finally:
        visit._record_language = None


def preview_record(actor, visit: Visit, language: str | None = None) -> bytes:
    """The record as it would be issued now, not saved."""
    _check(actor, visit)
    visit._record_language = language
    try:
        return preview_pdf(None, KIND, actor, subject=visit)
    finally:
        visit._record_language = None


register(DocumentSpec(KIND, "pdf/visit_record.html", gather, language_of, issue, series="访"))
