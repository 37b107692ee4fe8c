"""A mediation session as an iCalendar file (RFC 5545), for the parties' and the mediator's calendars.

Built with the ``icalendar`` library, which escapes text values (commas, semicolons, backslashes,
line breaks), so whatever a place or a case title holds stays inside its property. The session's
``uid`` and ``sequence`` give it a stable identity that a calendar updates when it is moved.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from urllib.parse import urlsplit

from flask_babel import gettext as _
from icalendar import Calendar, Event

from app.core.db import utcnow
from app.mediation.models import Mediation, MediationSession

PRODID = "-//IP Assistance Centre//Fast mediation//ZH"


def _safe_link(url: str) -> str | None:
    """The online link when it is a plain web address (nothing a calendar could misread), else None."""
    url = (url or "").strip()
    if not url or len(url) > 500 or any(ord(c) < 33 or ord(c) == 127 or c in '<>"\\' for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("https", "http") and parts.netloc else None


def session_calendar(m: Mediation, session: MediationSession, page_url: str) -> bytes:
    """The VCALENDAR of one session (one VEVENT), as bytes (UTF-8, CRLF line ends)."""
    case = m.case
    start = session.starts_at
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", session.uid)
    event.add("sequence", session.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", (start + timedelta(minutes=session.duration_minutes or 120)).astimezone(UTC))
    event.add("summary", _("Mediation of case %(number)s", number=case.number or case.ref))
    if session.place:
        event.add("location", session.place)
    link = _safe_link(session.online_url)
    if link:
        event.add("url", link)
    lines = [
        _(
            "Fast mediation between %(requester)s and %(respondent)s.",
            requester=case.complainant_label,
            respondent=m.respondent_name,
        ),
        _("Case: %(number)s %(title)s", number=case.number or case.ref, title=case.title),
    ]
    if m.mediator is not None:
        lines.append(_("Mediator: %(name)s", name=m.mediator.name))
    if link:
        lines.append(_("Online link: %(url)s", url=link))
    lines.append(_("Details: %(url)s", url=page_url))
    event.add("description", "\n".join(lines))
    cal.add_component(event)
    return cal.to_ical()


def download_name(m: Mediation, session: MediationSession) -> str:
    """A plain ASCII file name: ``CA-2026-00001-mediation-3-session-2.ics``."""
    number = "".join(c for c in (m.case.number or "") if c.isascii() and (c.isalnum() or c == "-")) or "case"
    return f"{number}-mediation-{m.id}-session-{session.position}.ics"
