"""Documents a case issues (notices, summary): rendered once through ``app.core.pdf`` and kept.

Each issued document is stored exactly as generated (file, size, sha256, template,
language, who, when) and never rebuilt: issuing again makes a new row. A preview is a
separate render that is not saved. Documents are written in the applicant's language:
the filing applicant's, else the first active member's of the enterprise, else Chinese.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from app.auth.models import Role, User
from app.cases import workflow
from app.cases.enums import DocumentKind
from app.cases.events import record_event
from app.cases.models import Case, CaseEvent, Document
from app.cases.permissions import may_write
from app.centres.settings import setting_value
from app.core import storage
from app.core.db import utcnow
from app.core.documents import (  # noqa: F401 (tests call remember_app here)
    DocumentSpec,
    app_context,
    finish,
    register,
    remember_app,
    spec_of,
    stamp,
    stamp_context,
    will_sign,
)
from app.core.engine import ActionRefused
from app.core.enums import LabelledEnum
from app.core.pdf import document_language, language, render_pdf
from app.enterprises.models import EnterpriseMember, MembershipStatus
from app.extensions import db

TEMPLATES = {
    DocumentKind.ACCEPTANCE_NOTICE: "pdf/acceptance_notice.html",
    DocumentKind.NON_ACCEPTANCE_NOTICE: "pdf/non_acceptance_notice.html",
    DocumentKind.CASE_SUMMARY: "pdf/case_summary.html",
}
# The kinds a case issues itself (a track's are issued by the track: a mediation's agreement…).
CASE_KINDS = frozenset(TEMPLATES)
# The series of the centre's document numbers each kind takes (深知援受〔2026〕5号); a summary is not numbered.
SERIES = {
    DocumentKind.ACCEPTANCE_NOTICE: "受",
    DocumentKind.NON_ACCEPTANCE_NOTICE: "不受",
    DocumentKind.CASE_SUMMARY: None,
}
# Timeline labels of the events that are not workflow actions.
EVENT_LABELS = {
    "create": _l("Case created"),
    "edit_draft": _l("Draft edited"),
    "message": _l("Message"),
    "issue_document": _l("Document issued"),
    "add_attachment": _l("Evidence added"),
    "from_visit": _l("Raised from a problem found on an on-site visit"),
}


class DocumentCorrupted(storage.StoredFileCorrupted):
    """A stored document no longer matches the sha256 recorded when it was issued."""


# ---- issuing -----------------------------------------------------------------------------------------


def issue_document(case: Case | None, kind: DocumentKind, actor: User | None, *, subject=None, record=None) -> Document:
    """Render ``kind`` for ``case`` (or for ``subject``, a track handled under it: a mediation, a plan)
    in the applicant's language, store it, record it and its audit event.

    The issuing centre is the case's centre at this moment: the document takes the next number of
    that centre's series for the kind (``DocumentSpec.series``), a verification code, and the
    centre's signature when it has a certificate (``app.core.documents``). A document of no case
    (``case`` None: a visit record) belongs to ``subject`` and its centre; ``record(document, data)``
    writes its event in the subject's own chain."""
    kind = DocumentKind(kind)
    spec = spec_of(kind)
    subject = case if subject is None else subject
    subject_type = getattr(subject, "subject_type", "case") if subject is not case else "case"
    lang = spec.language_of(subject)
    issued_at = utcnow()
    centre = case.centre if case is not None else subject.centre
    taken = stamp(kind, centre, issued_at)
    context = spec.gather(subject, kind, issued_at, actor)
    with app_context():
        context["stamp"] = stamp_context(kind, centre, issued_at, taken)
        context["signed"] = will_sign(centre)
        data, signed = finish(_render(kind, context, lang), centre)
        stored = storage.store_bytes(data, "documents")
    try:
        document = Document(
            case_id=case.id if case is not None else None,
            centre_id=centre.id,
            number=taken.number.text if taken.number else None,
            series=taken.number.series if taken.number else None,
            year=taken.number.year if taken.number else None,
            sequence=taken.number.sequence if taken.number else None,
            verification_code=taken.code,
            is_signed=signed,
            subject_type=subject_type,
            subject_id=subject.id,
            kind=kind,
            template=spec.template,
            language=lang,
            size=stored.size,
            sha256=stored.sha256,
            storage_path=stored.path,
            created_by_id=actor.id if actor is not None else None,
            created_at=issued_at,
        )
        db.session.add(document)
        db.session.flush()
        track = subject_type != "case"
        data = {
            "document": kind.value,
            "document_id": document.id,
            "sha256": stored.sha256,
            **({"number": document.number} if document.number else {}),
        }
        if case is None:
            record(document, data)
        else:
            record_event(
                case,
                actor,
                "issue_document",
                internal=spec.staff_only,
                from_state=subject.state,
                to_state=subject.state,
                subject_type=subject_type if track else None,
                subject_id=subject.id if track else None,
                subject=subject if track else None,
                data=data,
            )
    except BaseException:  # no row, no file (within a request, a later rollback removes it too)
        with app_context():
            storage.remove(stored.path)
        raise
    return document


def issue_case_summary(case: Case, actor: User) -> Document:
    """A case summary, issued by a caseworker or supervisor in scope."""
    if actor is None or actor.role not in workflow.HANDLERS or not may_write(actor, case, "issue_document"):
        raise ActionRefused(
            [_l("Only caseworkers and supervisors of the case's centre can issue a summary.")], forbidden=True
        )
    document = issue_document(case, DocumentKind.CASE_SUMMARY, actor)
    from app.cases.feedback import tell_applicants

    tell_applicants(case, "document_issued", {"document": DocumentKind.CASE_SUMMARY.value}, actor)
    return document


def preview_pdf(case: Case | None, kind: DocumentKind, actor: User | None = None, *, subject=None) -> bytes:
    """Render ``kind`` as it would be issued now, without saving anything (``case`` None: a document of
    no case, issued by its ``subject``'s centre)."""
    kind = DocumentKind(kind)
    spec = spec_of(kind)
    subject = case if subject is None else subject
    issued_at = utcnow()
    context = spec.gather(subject, kind, issued_at, actor)
    centre = case.centre if case is not None else subject.centre
    with app_context():
        context["stamp"] = stamp_context(kind, centre, issued_at)  # no number taken, no code
        context["signed"] = False
        return _render(kind, context, spec.language_of(subject))


def read_document(document: Document) -> bytes:
    """The stored bytes of an issued document, checked against the sha256 recorded at issue."""
    with app_context():
        data = storage.absolute(document.storage_path).read_bytes()
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise DocumentCorrupted(f"document {document.id} does not match its recorded sha256")
    return data


def case_documents(case: Case) -> list[Document]:
    return list(
        db.session.execute(
            select(Document).where(Document.case_id == case.id).order_by(Document.created_at, Document.id)
        ).scalars()
    )


def documents_of_case(case: Case) -> list[Document]:
    """Every document of the case, its tracks' (a referral's letters…) among them, oldest first; read once
    for the session until anything is written (``kept``): the case page lists them and its panels pick
    their own."""
    from app.core.db import kept

    return list(kept(("case_documents", case.id), lambda: case_documents(case)))


def readable_by(documents, user) -> list[Document]:
    """``documents`` (already read) narrowed to those ``user`` may list and download: ``readable``'s rule."""
    from app.core.documents import staff_only_kinds

    if user is not None and getattr(user, "is_staff", False):
        return list(documents)
    kinds = set(staff_only_kinds())
    return [d for d in documents if d.kind not in kinds]


def readable(stmt, user):
    """``stmt`` (selecting documents) narrowed to those ``user`` may list and download: staff every
    one; the applicant's side none of the staff-only kinds (``DocumentSpec.staff_only``)."""
    from app.core.documents import staff_only_kinds

    if user is not None and getattr(user, "is_staff", False):
        return stmt
    kinds = staff_only_kinds()
    return stmt.where(Document.kind.not_in(kinds)) if kinds else stmt


def download_name(case: Case, document: Document) -> str:
    """``CA-2026-00001-acceptance_notice.pdf``."""
    return storage.sanitise_filename(f"{case.number}-{document.kind.value}.pdf", fallback="document.pdf")


# ---- language ----------------------------------------------------------------------------------------


def document_language_of(case: Case) -> str:
    """The filing applicant's language, else the first active member's, else Chinese."""
    filer = db.session.get(User, case.filed_by_id) if case.filed_by_id is not None else None
    if filer is not None and filer.role is Role.APPLICANT:
        return language(filer.locale)
    member_locale = db.session.execute(
        select(User.locale)
        .join(EnterpriseMember, EnterpriseMember.user_id == User.id)
        .where(
            EnterpriseMember.enterprise_id == case.enterprise_id,
            EnterpriseMember.status == MembershipStatus.ACTIVE,
        )
        .order_by(EnterpriseMember.id)
        .limit(1)
    ).scalar_one_or_none()
    return language(member_locale)


# ---- the plain context of a document -----------------------------------------------------------------
#
# Gathered in two steps: ``gather_context`` reads the case (through the caller's session) and keeps
# enum members and lazy strings as they are; ``localise`` turns them into text in the document's
# language. So labels follow the document, not the language of whoever triggered it.


def _render(kind: DocumentKind, gathered: dict, lang: str) -> bytes:
    with document_language(lang):
        context = localise(gathered)
    return render_pdf(spec_of(kind).template, context, lang)


def localise(value):
    """Enum members become their labels and lazy strings text, in the current (forced) language."""
    if isinstance(value, LabelledEnum):
        return value.label
    if isinstance(value, LazyString):
        return str(value)
    if isinstance(value, _CentreName):
        return value.localised()
    if isinstance(value, dict):
        return {key: localise(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [localise(item) for item in value]
    return value


class _CentreName:
    def __init__(self, centre):
        self.zh, self.en = centre.name_zh, centre.name_en

    def localised(self) -> str:
        from flask_babel import get_locale

        locale = get_locale()
        return self.en if locale is not None and locale.language == "en" and self.en else self.zh


def gather_context(case: Case, kind: DocumentKind, issued_at, actor) -> dict:
    """Everything a document shows; plain values once passed through ``localise``."""
    centre = case.centre
    enterprise = case.enterprise
    handler = case.owner or (actor if actor is not None and actor.is_staff else None)
    context = {
        "kind": kind.value,
        "issued_at": issued_at,
        "centre": {
            "name": _CentreName(centre),
            "address": centre.address or "",
            "phone": centre.phone or "",
            "contact_person": centre.contact_person or "",
        },
        "case": {
            "number": case.number,
            "kind": case.kind,
            "channel": case.channel,
            "state": case.state,
            "title": case.title,
            "facts": case.facts or "",
            "help_wanted": case.help_wanted or "",
            "claimed_amount": _yuan(case.claimed_amount_fen),
            "submitted_at": case.submitted_at or case.created_at,
            "decided_at": case.decided_at,
            "closed_at": case.closed_at,
            "decline_reason": case.decline_reason or "",
        },
        # The applicant: the enterprise, or the person (an anonymous tip-off is named as such).
        "enterprise": {
            "name": enterprise.name if enterprise is not None else case.complainant_label,
            "credit_code": enterprise.credit_code if enterprise is not None else "",
            "address": (enterprise.address or "") if enterprise is not None else "",
        },
        "rights": [{"type": r.type, "number": r.number or "", "title": r.title or ""} for r in case.rights],
        "respondents": [
            {"name": r.name, "credit_code": r.credit_code or "", "address": r.address or "", "url": r.url or ""}
            for r in case.respondents
        ],
        "handler": {"name": handler.name if handler else "", "phone": (handler.phone or "") if handler else ""},
        "prepared_by": actor.name if actor is not None else "",
    }
    if kind is DocumentKind.ACCEPTANCE_NOTICE:
        context["next_step"] = {"working_days": setting_value(centre, "acceptance_contact_working_days")}
    if kind is DocumentKind.NON_ACCEPTANCE_NOTICE:
        context["next_step"] = {"objection_days": setting_value(centre, "objection_days")}
    if kind is DocumentKind.NON_ACCEPTANCE_NOTICE:
        context["decline"] = {"reason": case.decline_reason or "", "explanation": _last_comment(case, "decline")}
    if kind is DocumentKind.CASE_SUMMARY:
        context["events"] = _timeline(case)
        context["documents"] = [
            {"kind": d.kind, "created_at": d.created_at, "sha256": d.sha256} for d in case_documents(case)
        ]
    return context


def _yuan(fen: int | None) -> str:
    return f"{Decimal(int(fen)) / 100:,.2f}" if fen is not None else ""


def _last_comment(case: Case, action: str) -> str:
    return (
        db.session.execute(
            select(CaseEvent.comment)
            .where(CaseEvent.case_id == case.id, CaseEvent.action == action)
            .order_by(CaseEvent.seq.desc())
            .limit(1)
        ).scalar_one_or_none()
        or ""
    )


def _event_label(event: CaseEvent):
    if event.action in workflow.ACTIONS:
        return workflow.ACTIONS[event.action].label
    if event.action == "issue_document":
        try:
            kind = DocumentKind((event.data or {}).get("document"))
        except ValueError:
            return EVENT_LABELS["issue_document"]
        return _l("Document issued: %(document)s", document=DocumentKind._labels()[kind])
    return EVENT_LABELS.get(event.action, event.action)


def _timeline(case: Case) -> list[dict]:
    """The events the applicant's timeline shows (never internal notes or staff-only entries)."""
    events = db.session.execute(
        select(CaseEvent, User.name)
        .outerjoin(User, User.id == CaseEvent.actor_id)
        .where(CaseEvent.case_id == case.id, CaseEvent.visibility == "applicant")
        .order_by(CaseEvent.seq)
    ).all()
    return [
        {"at": event.created_at, "label": _event_label(event), "actor": name or "", "comment": event.comment or ""}
        for event, name in events
    ]


for _kind, _template in TEMPLATES.items():
    register(DocumentSpec(_kind, _template, gather_context, document_language_of, issue_document, SERIES[_kind]))
