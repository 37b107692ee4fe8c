"""Writing notifications, reading their text, and e-mailing them after the commit.

``notify`` only adds rows; the e-mails go out after the transaction commits (a request's
``after_commit`` queue, or the caller of ``deliver_pending`` in a command), so a rolled-back
action never sends mail. A notification whose e-mail failed stays unsent and is retried by the
next ``sla-scan``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from blinker import Namespace
from flask import current_app, has_request_context
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db
from app.notifications.models import Notification, NotificationDelivery

log = logging.getLogger(__name__)

# Sent when a notification that carries feedback (``Notification.informs``) reached its reader: read
# in the app (``method="read"``) or accepted by a channel that confirms delivery (``"email"``, ``"sms"``);
# with ``user`` and ``at``. The cases' feedback subscriber meets the clock; this module imports none.
reached = Namespace().signal("notification-reached")

TEXTS = {
    "clock_due_soon": _l("%(number)s: the %(clock)s deadline is due at %(due)s."),
    "clock_breached": _l("%(number)s: the %(clock)s deadline passed at %(due)s."),
    "handover_offered": _l("%(by)s offers to hand case %(number)s over to you."),
    "handover_accepted": _l("%(by)s accepted the handover of case %(number)s."),
    "handover_declined": _l("%(by)s declined the handover of case %(number)s."),
    "transfer_offered": _l("%(by)s offers to transfer case %(number)s to your centre."),
    "transfer_accepted": _l("%(by)s accepted the transfer of case %(number)s."),
    "transfer_declined": _l("%(by)s declined the transfer of case %(number)s."),
    # To the applicant's side of a case (app.cases.feedback): every event their timeline shows.
    "case_submitted": _l("%(number)s: your case was filed with the centre; you will be told when it is taken up."),
    "case_acknowledged": _l("%(number)s: the centre received your case, and a caseworker has taken it up."),
    "material_requested": _l("%(number)s: the centre asks you for more material: %(comment)s"),
    "material_requested_by": _l("%(number)s: the centre asks you for more material by %(due_on)s: %(comment)s"),
    "case_accepted": _l(
        "%(number)s: your case has been accepted for assistance. The acceptance notice is on the case page."
    ),
    "case_declined": _l(
        "%(number)s: the centre cannot accept your case (%(reason)s): %(comment)s The notice with your options "
        "is on the case page."
    ),
    "case_answered": _l("%(number)s: the centre answered your question: %(comment)s"),
    "case_resolved": _l("%(number)s: the outcome of your case: %(comment)s"),
    "case_withdrawn": _l("%(number)s: the case was withdrawn: %(comment)s"),
    "case_closed": _l("%(number)s: your case is closed. You can rate the centre's help on the case page."),
    "case_reopened": _l("%(number)s: your case was reopened: %(comment)s"),
    "case_transferred": _l("%(number)s: your case is now handled by %(centre)s."),
    "case_message": _l("%(number)s: a message from the centre: %(comment)s"),
    "document_issued": _l("%(number)s: the centre issued a document: %(document)s."),
    # A mediation of the case (app.mediation), told to the applicant's side.
    "mediation_requested": _l("%(number)s: the centre started a fast mediation of your dispute with the respondent."),
    "mediation_served": _l(
        "%(number)s: the respondent was served with the mediation request and has 15 days to answer."
    ),
    "mediation_opened": _l("%(number)s: the respondent agreed to mediate; the mediation is open. %(comment)s"),
    "mediation_refused": _l("%(number)s: the respondent did not agree to mediate: %(comment)s"),
    "mediation_session": _l("%(number)s: a mediation session is scheduled at %(starts_at)s, %(place)s."),
    "mediation_suspended": _l("%(number)s: the mediation is suspended: %(comment)s"),
    "mediation_resumed": _l("%(number)s: the mediation resumes: %(comment)s"),
    "mediation_agreed": _l("%(number)s: the mediation ended in an agreement. The agreement is on the case page."),
    "mediation_failed": _l("%(number)s: the mediation ended without agreement: %(comment)s"),
    "mediation_withdrawn": _l("%(number)s: the mediation request was withdrawn: %(comment)s"),
    "mediation_performed": _l("%(number)s: the agreement was recorded as performed."),
    "mediation_unperformed": _l("%(number)s: the agreement was recorded as not performed: %(comment)s"),
    "mediation_confirmed": _l("%(number)s: the court's judicial confirmation of the agreement is recorded."),
    "mediation_next_route": _l("%(number)s: the centre advises the next step: %(route)s. %(comment)s"),
    # A rights-protection plan of the case (app.plans): issued, to the applicant's side; its review, to staff.
    "plan_issued": _l(
        "%(number)s: the centre issued a rights-protection plan for your case. Download it on the case page."
    ),
    "plan_reissued": _l(
        "%(number)s: the centre issued revision %(revision)s of the rights-protection plan for your case; it replaces "
        "the earlier one. Download it on the case page."
    ),
    "plan_for_review": _l("%(number)s: a rights-protection plan (revision %(revision)s) awaits your review."),
    "plan_approved": _l(
        "%(number)s: the rights-protection plan (revision %(revision)s) was approved and can be issued."
    ),
    "plan_returned": _l(
        "%(number)s: the rights-protection plan (revision %(revision)s) was returned for changes: %(comment)s"
    ),
    # A referral of the case's lead to an enforcement agency (app.referrals), told to the applicant's side.
    "referral_sent": _l(
        "%(number)s: the centre referred the lead of your case to %(agency)s, the competent enforcement agency, "
        "and will follow it up."
    ),
    "referral_received": _l("%(number)s: %(agency)s confirmed that it received the lead of your case."),
    "referral_opened": _l("%(number)s: %(agency)s opened a case on the lead of your case."),
    "referral_not_opened": _l("%(number)s: %(agency)s decided not to open a case on the lead of your case."),
    "referral_outcome": _l("%(number)s: the enforcement agency reported its decision: %(summary)s"),
    "referral_police": _l("%(number)s: %(agency)s transferred the matter to public security as a suspected crime."),
    "referral_closed": _l("%(number)s: the centre closed its follow-up of the referral: %(comment)s"),
    # A request to the overseas mutual-aid fund (app.fund), told to the applicant's side.
    "fund_more_info": _l("%(number)s: the reviewer of your fund request asks for more documents: %(comment)s"),
    "fund_granted": _l(
        "%(number)s: your fund request was granted, %(amount)s yuan; the decision letter is on the case page."
    ),
    "fund_refused": _l("%(number)s: your fund request was not granted: %(comment)s"),
    "fund_paid": _l("%(number)s: %(amount)s yuan of the fund's support was paid out."),
    # On-site visits (app.visits), to staff: a follow-up's reminder, and a centre's month without its visits.
    "follow_up_due_soon": _l("On-site visit of %(visited_on)s: the follow-up “%(text)s” is due at %(due)s."),
    "follow_up_breached": _l("On-site visit of %(visited_on)s: the follow-up “%(text)s” was due at %(due)s."),
    "visits_missed": _l(
        "%(centre)s made %(visits)s of the %(required)s on-site visits required in %(month)s: the monthly minimum "
        "was missed."
    ),
    # Annual reports on SME work (app.reports.annual), to the supervisors who write and approve them.
    "annual_report_due_soon": _l("%(centre)s: the annual report on SME work of %(year)s is due at %(due)s."),
    "annual_report_breached": _l("%(centre)s: the annual report on SME work of %(year)s was due at %(due)s."),
    "annual_report_submitted": _l("%(centre)s submitted its annual report on SME work of %(year)s for your approval."),
    "annual_report_returned": _l("The annual report on SME work of %(year)s was returned for changes: %(comment)s"),
    "annual_report_issued": _l("The annual report on SME work of %(year)s was approved and issued."),
    # To staff.
    "applicant_message": _l("%(number)s: the applicant wrote: %(comment)s"),
    "registration_attempt": _l(
        "Someone tried to register a new account with your e-mail address. If it was you, log in with your "
        "existing account (your centre can reset a forgotten password); otherwise you can ignore this message."
    ),
}


def notify(
    user_ids,
    kind: str,
    case=None,
    params: dict | None = None,
    *,
    subject=None,
    subject_type: str | None = None,
    informs: str | None = None,
    flush: bool = True,
) -> list[Notification]:
    """One notification for each of ``user_ids`` (duplicates and None dropped), about ``case`` and,
    when it is another workflow's subject handled under it, ``subject`` (named ``subject_type``);
    ``informs`` names the feedback it carries (see ``Notification.informs``). Each gets a delivery
    owed on every channel configured now on which its user has an address. ``flush=False`` leaves
    the inserts to the caller's next flush (the SLA scan flushes a batch's at once)."""
    if kind not in TEXTS:
        raise ValueError(f"unknown notification kind {kind!r}")
    params = dict(params or {})
    if case is not None:
        params.setdefault("number", case.number)
    if subject is None and case is not None:
        subject, subject_type = case, "case"
    from app.notifications.channels import active_channels

    rows = []
    for user_id in dict.fromkeys(u for u in user_ids if u):
        row = Notification(
            user_id=user_id,
            case_id=case.id if case else None,
            subject_type=subject_type if subject is not None else None,
            subject_id=subject.id if subject is not None else None,
            kind=kind,
            params=params,
            informs=informs,
        )
        db.session.add(row)
        rows.append(row)
    channels = active_channels() if rows else []
    if channels:
        users = {
            u.id: u for u in db.session.execute(select(User).where(User.id.in_([r.user_id for r in rows]))).scalars()
        }
        for row in rows:
            user = users.get(row.user_id)
            for channel in channels:
                if user is not None and channel.address(user):
                    row.deliveries.append(NotificationDelivery(channel=channel.name))
    if flush:
        db.session.flush()
    if channels and has_request_context():
        from app.core.requests import after_commit

        after_commit(deliver_pending)
    return rows


class _Params(dict):
    """A notification's values; one a text needs but the row lacks reads as empty."""

    def __missing__(self, key):
        return ""


def text(notification: Notification) -> str:
    """The notification in the current language."""
    from datetime import date, datetime

    from app.clocks.models import ClockName
    from app.core.i18n import localtime

    params = _Params(notification.params or {})
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
    if params.get("due_on"):
        try:
            params["due_on"] = format_date(date.fromisoformat(params["due_on"]), "long")
        except (TypeError, ValueError):
            pass
    if params.get("starts_at"):
        try:
            params["starts_at"] = localtime(datetime.fromisoformat(params["starts_at"]))
        except (TypeError, ValueError):
            pass
    if params.get("route"):
        from app.mediation.enums import NextRoute

        try:
            params["route"] = NextRoute(params["route"]).label
        except ValueError:
            pass
    if params.get("reason"):
        from app.cases.enums import DeclineReason

        try:
            params["reason"] = DeclineReason(params["reason"]).label
        except ValueError:
            pass
    if params.get("document"):
        from app.cases.enums import DocumentKind

        try:
            params["document"] = DocumentKind(params["document"]).label
        except ValueError:
            pass
    template = TEXTS.get(notification.kind)
    return (str(template) % params).strip() if template is not None else notification.kind


def unread_count(user) -> int:
    return db.session.execute(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ).scalar_one()


def mark_read(user, ids=None, *, case_id: int | None = None) -> int:
    """Mark the user's notifications read (all, or those of ``ids``, or those about ``case_id``);
    returns how many. Those that carry feedback tell ``reached`` that their reader has it."""
    where = [Notification.user_id == user.id, Notification.read_at.is_(None)]
    if ids is not None:
        where.append(Notification.id.in_(list(ids)))
    if case_id is not None:
        where.append(Notification.case_id == case_id)
    informing = list(
        db.session.execute(select(Notification).where(*where, Notification.informs.is_not(None))).scalars()
    )
    now = utcnow()
    count = db.session.execute(
        update(Notification).where(*where).values(read_at=now).execution_options(synchronize_session=False)
    ).rowcount
    for notification in informing:
        notification.read_at = now
        reached.send(notification, user=user, method="read", at=now)
    return count


# ---- delivery through the other channels ------------------------------------------------------------

MAX_ATTEMPTS = 15  # the first retries at the next run, then 1, 2, 4 … minutes apart, at most 6 hours
CLAIM = timedelta(minutes=10)  # a sender that died mid-send leaves its claim to expire


def mail_configured() -> bool:
    """Whether any channel beside the app is configured (e-mail or SMS)."""
    from app.notifications.channels import active_channels

    return bool(active_channels())


def _backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failures: none for the first three (the next
    request or ``sla-scan`` tries again), then doubling from a minute, at most six hours (about a
    day in all before a delivery is given up as failed)."""
    if attempts <= 3:
        return timedelta(0)
    return min(timedelta(minutes=2 ** (attempts - 4)), timedelta(hours=6))


def _rendered(notification: Notification, user: User) -> tuple[str, str]:
    """(subject, body) of the notification in the recipient's language."""
    locale = user.locale if getattr(user, "locale", None) else current_app.config.get("DEFAULT_LOCALE", "zh_CN")
    with force_locale(locale):
        body = text(notification)
        subject = _("IP assistance centre: %(text)s", text=body)[:200]
        footer = _("Sign in to see the case.") if notification.case_id else _("Sign in to see your notifications.")
    return subject, f"{body}\n\n{footer}\n"


def deliver_pending() -> int:
    """Send every delivery that is owed now through its channel, then commit; returns how many
    were sent.

    Each delivery is claimed first (its next attempt moved past the claim's expiry where it is
    still due), so a request's after-commit delivery and a concurrent ``sla-scan`` never send the
    same one twice. A failure is recorded on the delivery with the next attempt after a growing
    wait; after ``MAX_ATTEMPTS`` it stays as failed (the notification itself is kept in the app).
    A delivery through a channel that confirms it tells whoever listens to ``reached`` (a case's
    feedback clock)."""
    from app.notifications.channels import ChannelError, active_channels

    channels = {c.name: c for c in active_channels()}
    if not channels:
        return 0
    now = utcnow()
    rows = db.session.execute(
        select(NotificationDelivery.id, NotificationDelivery.channel)
        .join(Notification, Notification.id == NotificationDelivery.notification_id)
        .join(User, User.id == Notification.user_id)
        .where(
            NotificationDelivery.state == "pending",
            NotificationDelivery.next_attempt_at <= now,
            NotificationDelivery.channel.in_(list(channels)),
            User.is_active.is_(True),
        )
        .order_by(NotificationDelivery.id)
        .limit(500)
    ).all()
    claimed: dict[str, list[int]] = {}
    for delivery_id, channel in rows:
        won = db.session.execute(
            update(NotificationDelivery)
            .where(
                NotificationDelivery.id == delivery_id,
                NotificationDelivery.state == "pending",
                NotificationDelivery.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + CLAIM)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won:
            claimed.setdefault(channel, []).append(delivery_id)
    db.session.commit()  # the claims hold while the messages go out
    sent = 0
    reached_now: list[tuple[Notification, User, str]] = []
    for name, ids in claimed.items():
        channel = channels[name]
        deliveries = db.session.execute(
            select(NotificationDelivery, Notification, User)
            .join(Notification, Notification.id == NotificationDelivery.notification_id)
            .join(User, User.id == Notification.user_id)
            .where(NotificationDelivery.id.in_(ids))
            .order_by(NotificationDelivery.id)
        ).all()
        try:
            session_cm = channel.open()
            error = None
        except ChannelError as exc:
            session_cm, error = None, str(exc)
        if session_cm is None:
            for delivery, _n, _u in deliveries:
                _failed(delivery, error or "")
            continue
        with session_cm as session:
            for delivery, notification, user in deliveries:
                address = channel.address(user)
                if not address:
                    delivery.state, delivery.last_error = "failed", "no address"
                    continue
                subject, body = _rendered(notification, user)
                try:
                    channel.send(session, address, subject, body)
                except ChannelError as exc:
                    _failed(delivery, str(exc))
                    continue
                at = utcnow()
                delivery.state, delivery.sent_at, delivery.attempts = "sent", at, delivery.attempts + 1
                delivery.last_error = ""
                if name == "email":
                    notification.emailed_at = at
                sent += 1
                if channel.confirms_delivery:
                    reached_now.append((notification, user, name))
    db.session.flush()
    for notification, user, how in reached_now:
        if notification.informs:
            reached.send(notification, user=user, method=how, at=notification.emailed_at or utcnow())
    db.session.commit()
    return sent


def _failed(delivery: NotificationDelivery, error: str) -> None:
    delivery.attempts += 1
    delivery.last_error = error[:300]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = "failed"
        log.warning(
            "notification %s: %s delivery failed for good: %s", delivery.notification_id, delivery.channel, error
        )
    else:
        delivery.next_attempt_at = utcnow() + _backoff(delivery.attempts)
        log.warning(
            "notification %s: %s delivery failed, retried later: %s", delivery.notification_id, delivery.channel, error
        )


def owed() -> int:
    """Deliveries still to be sent (owed now or waiting for a retry)."""
    return db.session.execute(
        select(func.count(NotificationDelivery.id)).where(NotificationDelivery.state == "pending")
    ).scalar_one()
