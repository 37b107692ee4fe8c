"""Writing notifications, reading their text, and e-mailing them after the commit.

``notify`` only adds rows; the e-mails go out after the transaction commits (a request's
``after_commit`` queue, or the caller of ``deliver_pending`` in a command), so a rolled-back
action never sends mail. A notification whose e-mail failed stays unsent and is retried by the
next ``sla-scan``.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db
from app.notifications.models import Notification

log = logging.getLogger(__name__)
RETRY_WINDOW = timedelta(days=2)

TEXTS = {
    "clock_due_soon": _l("%(number)s: the %(clock)s deadline is due at %(due)s."),
    "clock_breached": _l("%(number)s: the %(clock)s deadline passed at %(due)s."),
    "handover_offered": _l("%(by)s offers to hand case %(number)s over to you."),
    "handover_accepted": _l("%(by)s accepted the handover of case %(number)s."),
    "handover_declined": _l("%(by)s declined the handover of case %(number)s."),
    "transfer_offered": _l("%(by)s offers to transfer case %(number)s to your centre."),
    "transfer_accepted": _l("%(by)s accepted the transfer of case %(number)s."),
    "transfer_declined": _l("%(by)s declined the transfer of case %(number)s."),
    "registration_attempt": _l(
        "Someone tried to register a new account with your e-mail address. If it was you, log in with your "
        "existing account (your centre can reset a forgotten password); otherwise you can ignore this message."
    ),
}


def notify(
    user_ids, kind: str, case=None, params: dict | None = None, *, subject=None, subject_type: str | None = None
) -> list[Notification]:
    """One notification for each of ``user_ids`` (duplicates and None dropped), about ``case`` and,
    when it is another workflow's subject handled under it, ``subject`` (named ``subject_type``)."""
    if kind not in TEXTS:
        raise ValueError(f"unknown notification kind {kind!r}")
    params = dict(params or {})
    if case is not None:
        params.setdefault("number", case.number)
    if subject is None and case is not None:
        subject, subject_type = case, "case"
    rows = []
    for user_id in dict.fromkeys(u for u in user_ids if u):
        row = Notification(
            user_id=user_id,
            case_id=case.id if case else None,
            subject_type=subject_type if subject is not None else None,
            subject_id=subject.id if subject is not None else None,
            kind=kind,
            params=params,
        )
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    if rows and has_request_context() and mail_configured():
        from app.core.requests import after_commit

        after_commit(deliver_pending)
    return rows


def text(notification: Notification) -> str:
    """The notification in the current language."""
    from datetime import datetime

    from app.clocks.models import ClockName
    from app.core.i18n import localtime

    params = dict(notification.params or {})
    if "clock" in params:
        try:
            params["clock"] = ClockName(params["clock"]).label
        except ValueError:
            pass
    if params.get("due"):
        try:
            params["due"] = localtime(datetime.fromisoformat(params["due"]))
        except (TypeError, ValueError):
            pass
    params.setdefault("by", "")
    params.setdefault("number", "")
    params.setdefault("due", "")
    params.setdefault("clock", "")
    template = TEXTS.get(notification.kind)
    return str(template) % params if template is not None else notification.kind


def unread_count(user) -> int:
    return db.session.execute(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ).scalar_one()


def mark_read(user, ids=None) -> int:
    """Mark the user's notifications read (all, or those of ``ids``); returns how many."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    return db.session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount


# ---- e-mail ------------------------------------------------------------------------------------------


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _message(notification: Notification, user: User) -> EmailMessage:
    locale = user.locale if getattr(user, "locale", None) else current_app.config.get("DEFAULT_LOCALE", "zh_CN")
    with force_locale(locale):
        body = text(notification)
        subject = _("IP assistance centre: %(text)s", text=body)[:200]
        footer = _("Sign in to see the case.") if notification.case_id else _("Sign in to see your notifications.")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = user.email
    message.set_content(f"{body}\n\n{footer}\n")
    return message


def deliver_pending() -> int:
    """E-mail every recent notification not yet e-mailed, then commit; returns how many were sent.

    Each row is claimed first (``emailed_at`` set where it is still empty), so a request's
    after-commit delivery and a concurrent ``sla-scan`` never send the same notification twice;
    what could not be sent is released again for the next scan.
    """
    if not mail_configured():
        return 0
    config = current_app.config
    rows = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.created_at >= utcnow() - RETRY_WINDOW,
            User.is_active.is_(True),
        )
        .order_by(Notification.id)
        .limit(500)
    ).all()
    claimed = []
    for notification, user in rows:
        won = db.session.execute(
            update(Notification)
            .where(Notification.id == notification.id, Notification.emailed_at.is_(None))
            .values(emailed_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if won:
            claimed.append((notification, user))
    if not claimed:
        db.session.commit()
        return 0
    sent = 0
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            for notification, user in claimed:
                smtp.send_message(_message(notification, user))
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("e-mail of notifications failed after %d sent: %s", sent, exc)
        unsent = [n.id for n, _ in claimed[sent:]]
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(unsent))
            .values(emailed_at=None)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return sent
