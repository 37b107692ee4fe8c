"""A user's own data, as they can see it in the application (PIPL art. 45): JSON and PDF.

``gather`` builds plain values (text in the current language, times, numbers) from the same reads the
pages use, so the export cannot show more than the pages: the cases come through the applicant's
scope (``app.core.scope.visible``), the timeline through the case page's own reading of it
(``app.cases.views_case._timeline``: only the events meant for the applicant) worded by the page's
own macros, the documents through ``app.cases.documents.readable``, the notifications are the user's
own. Nothing internal is read: no internal notes or staff-only events, no clocks, no audit hashes, no
staff beyond the names the pages show. It works on the logged-in user only (``current_user``):
there is no way to name another account.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from html.parser import HTMLParser

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.auth.models import Role
from app.cases.enums import CaseState, DeclineReason, DocumentKind
from app.cases.models import Case
from app.core.db import utcnow
from app.core.scope import visible
from app.extensions import db
from app.privacy.notice import NOTICE_VERSION

# Separates the sentences of one rendering of the page's timeline macros (never in their text).
_SEPARATOR = "\u241e"


def gather() -> dict:
    """Everything the logged-in user can see about themselves, as plain values."""
    user = current_user._get_current_object()
    data = {
        "generated_at": utcnow(),
        "notice_version": NOTICE_VERSION,
        "account": _account(user),
        "enterprises": _enterprises(user),
        "cases": _cases(user) if user.role is Role.APPLICANT else [],
        "notifications": _notifications(user),
    }
    return data


def as_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_plain)


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


# ---- the account and its enterprise ---------------------------------------------------------------


def _account(user) -> dict:
    return {
        "name": user.name,
        "email": user.email,
        "phone": user.phone or "",
        "role": str(user.role.label),
        "centre": user.centre.name if user.centre is not None else "",
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
        "privacy_consented_at": user.privacy_consented_at,
        "privacy_notice_version": user.privacy_notice_version or "",
    }


def _enterprises(user) -> list[dict]:
    from app.enterprises.models import EnterpriseMember

    members = db.session.execute(
        select(EnterpriseMember)
        .where(EnterpriseMember.user_id == user.id)
        .options(selectinload(EnterpriseMember.enterprise))
    ).scalars()
    return [
        {
            "name": m.enterprise.name,
            "credit_code": m.enterprise.credit_code,
            "address": m.enterprise.address or "",
            "membership": str(m.status.label),
            "position": m.position or "",
            "requested_at": m.requested_at,
            "decided_at": m.decided_at,
        }
        for m in members
    ]


# ---- cases, as the applicant's pages show them -------------------------------------------------------


def _cases(user) -> list[dict]:
    stmt = (
        visible(select(Case), user, Case)
        # A draft is its author's alone.
        .where(or_(Case.state != CaseState.DRAFT, Case.filed_by_id == user.id))
        .options(selectinload(Case.rights), selectinload(Case.respondents), selectinload(Case.centre))
        .order_by(Case.created_at, Case.id)
    )
    return [_case(case, user) for case in db.session.execute(stmt).scalars()]


def _case(case: Case, user) -> dict:
    from app.cases.documents import _yuan

    return {
        "number": case.number or _("Draft"),
        "title": case.title,
        "kind": str(case.kind.label),
        "state": str(case.state.label),
        "centre": case.centre.name,
        "enterprise": case.enterprise.name if case.enterprise is not None else "",
        "filed_by": _person(case.filed_by, user),
        "created_at": case.created_at,
        "submitted_at": case.submitted_at,
        "decided_at": case.decided_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "facts": case.facts or "",
        "help_wanted": case.help_wanted or "",
        "claimed_amount": _yuan(case.claimed_amount_fen),
        "decline_reason": str(case.decline_reason.label) if case.decline_reason else "",
        "outcome": case.outcome or "",
        "rating": case.rating,
        "rating_comment": case.rating_comment or "",
        "rights": [{"type": str(r.type.label), "number": r.number or "", "title": r.title or ""} for r in case.rights],
        "respondents": [
            {"name": r.name, "credit_code": r.credit_code or "", "address": r.address or "", "url": r.url or ""}
            for r in case.respondents
        ],
        "timeline": _timeline(case, user),
        "documents": _documents(case),
        "evidence": _evidence(case, user),
        "tracks": _tracks(case, user),
    }


def _tracks(case: Case, user) -> list[dict]:
    """The panels of the tracks under the case (a mediation, a plan, a referral, a fund request…) as the
    case page shows them to this user: the page itself is rendered and each panel's text read out of
    it (forms and buttons left out), so the export holds exactly what the panels show."""
    from app.cases.tracks import panels_for
    from app.cases.views_case import render_case

    if not panels_for(case, user):
        return []
    html, _status = render_case(case)
    return panel_texts(str(html))


class _PanelText(HTMLParser):
    """Reads the text of every ``<section id="…-panel">`` of a page, a line per block."""

    SKIPPED = {"form", "button", "script", "style", "template", "select", "textarea", "svg"}
    BLOCKS = {"p", "div", "li", "tr", "h2", "h3", "h4", "h5", "dt", "dd", "br", "section", "table", "ul", "ol"}
    VOID = {"br", "img", "input", "hr", "meta", "link", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.panels: list[dict] = []
        self._depth = 0  # open elements inside the current panel (0: outside any panel)
        self._skip = 0  # open skipped elements inside the panel
        self._heading = False
        self._line: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self._depth == 0:
            if tag == "section" and (attributes.get("id") or "").endswith("-panel"):
                self.panels.append({"title": "", "text": []})
                self._depth = 1
            return
        if tag not in self.VOID:
            self._depth += 1
        if self._skip or tag in self.SKIPPED or "visually-hidden" in (attributes.get("class") or ""):
            if tag not in self.VOID:
                self._skip += 1
            return
        if tag in self.BLOCKS:
            self._flush()
        if tag in ("h2", "h3") and not self.panels[-1]["title"]:
            self._heading = True

    def handle_endtag(self, tag):
        if self._depth == 0 or tag in self.VOID:
            return
        self._depth -= 1
        if self._skip:
            self._skip -= 1
            return
        if tag in self.BLOCKS or self._depth == 0:
            self._flush()

    def handle_data(self, data):
        if self._depth and not self._skip:
            self._line.append(data)

    def _flush(self):
        line = " ".join(" ".join(self._line).split())
        self._line = []
        if not line or not self.panels:
            return
        panel = self.panels[-1]
        if self._heading:
            panel["title"], self._heading = line, False
        else:
            panel["text"].append(line)


def panel_texts(html: str) -> list[dict]:
    parser = _PanelText()
    parser.feed(html)
    parser.close()
    return [p for p in parser.panels if p["title"] or p["text"]]


def _person(person, user) -> str:
    """Who did something, as the applicant's pages name them: the user, the centre, a colleague."""
    if person is None:
        return ""
    if person.id == user.id:
        return person.name
    if person.is_staff:
        return _("The centre")
    return person.name


def _timeline(case: Case, user) -> list[dict]:
    """The case page's timeline for the applicant: its events (the page's own query) in its words."""
    from app.cases.views_case import _timeline as page_timeline

    events = page_timeline(case)
    if not events:
        return []
    rendered = render_template(
        "privacy/_sentences.html",
        events=events,
        case=case,
        separator=_SEPARATOR,
        reason_labels={r.value: r.label for r in DeclineReason},
        document_labels={k.value: k.label for k in DocumentKind},
    )
    sentences = [Markup(s).striptags() for s in rendered.split(_SEPARATOR)]
    return [
        {
            "at": e.created_at,
            "event": sentences[i] if i < len(sentences) else "",
            "by": _person(e.actor, user) or _("The centre"),
            "comment": e.comment or "",
        }
        for i, e in enumerate(events)
    ]


def _documents(case: Case) -> list[dict]:
    from app.cases.views_case import _documents as page_documents

    return [
        {"kind": str(d.kind.label), "number": d.number or "", "issued_at": d.created_at} for d in page_documents(case)
    ]


def _evidence(case: Case, user) -> list[dict]:
    """The case's files as its page lists them; the checksum of the files the user uploaded."""
    from app.cases.attachments import human_size, list_attachments

    rows = []
    for a in list_attachments(case):
        own = a.uploaded_by_id == user.id
        rows.append(
            {
                "filename": a.filename,
                "size": a.size,
                "size_text": human_size(a.size),
                "uploaded_at": a.created_at,
                "uploaded_by": _person(a.uploaded_by, user),
                "description": a.description or "",
                "sha256": a.sha256 if own else "",
            }
        )
    return rows


# ---- notifications ------------------------------------------------------------------------------------


def _notifications(user) -> list[dict]:
    from app.notifications.models import Notification
    from app.notifications.services import text

    rows = db.session.execute(
        select(Notification, Case.number)
        .outerjoin(Case, Case.id == Notification.case_id)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at, Notification.id)
    ).all()
    out = []
    for n, number in rows:
        words = text(n)
        out.append(
            {
                "at": n.created_at,
                "text": words if words != n.kind else _("A notification about your account or cases."),
                "case": number or "",
                "read_at": n.read_at,
            }
        )
    return out
