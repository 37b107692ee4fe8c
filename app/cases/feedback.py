"""The applicant kept informed: who hears of a case, what they are told, and when the telling counts.

Every event the applicant's timeline shows that someone else caused (acknowledged, material
requested, accepted, declined, answered, the outcome, withdrawn, closed, reopened, a message, a
document issued) is notified to the case's applicants: the filing applicant and the active
members of its enterprise, never the one who acted. The case actions declare it
(``Action.notifies`` with ``to_applicant``); messages and documents call ``tell_applicants``.

The quick-feedback clock of a decision or an outcome is met when the applicant actually has it:
the notification read in the app, or delivered by a channel that confirms delivery (e-mail
accepted by the mail server), or staff recording how they told them (``inform_decision``,
``inform_outcome``, with the means) — never by the decision alone. ``on_reached`` does the first
two: it meets the clock at the time of reading or delivery and records it in the case's chain.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.cases.models import Case
from app.core.enums import LabelledEnum
from app.core.workflow import Notify, meet
from app.extensions import db


class MethodLabel(LabelledEnum):
    """How staff told the applicant (the ``method`` input of inform_decision / inform_outcome), and
    how a notification reached them (``read``, ``email``, ``sms``: the ``applicant_informed`` event)."""

    PHONE = "phone"
    SMS = "sms"
    LETTER = "letter"
    IN_PERSON = "in_person"
    EMAIL = "email"
    OTHER = "other"
    READ = "read"

    @classmethod
    def _labels(cls):
        return {
            cls.PHONE: _l("By telephone"),
            cls.SMS: _l("By text message"),
            cls.EMAIL: _l("By e-mail"),
            cls.LETTER: _l("By letter"),
            cls.IN_PERSON: _l("In person"),
            cls.OTHER: _l("Another way (say how)"),
            cls.READ: _l("Read in the portal"),
        }


# What staff may record (``read`` is the portal's own).
METHODS = ("phone", "sms", "email", "letter", "in_person", "other")


def applicants_of(case: Case) -> list[int]:
    """The user ids the case's applicant side is told through: the filing applicant (while an
    active applicant account) and the active members of its enterprise."""
    from app.auth.models import Role, User
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    ids: list[int] = []
    if case.filed_by_id is not None:
        filer = db.session.get(User, case.filed_by_id)
        if filer is not None and filer.is_active and filer.role is Role.APPLICANT:
            ids.append(filer.id)
    if case.enterprise_id is not None:
        ids.extend(
            db.session.execute(
                select(EnterpriseMember.user_id)
                .join(User, User.id == EnterpriseMember.user_id)
                .where(
                    EnterpriseMember.enterprise_id == case.enterprise_id,
                    EnterpriseMember.status == MembershipStatus.ACTIVE,
                    User.is_active.is_(True),
                )
                .order_by(EnterpriseMember.user_id)
            ).scalars()
        )
    return list(dict.fromkeys(ids))


def _recipients(applied) -> list[int]:
    case = applied.door.case_of(applied.subject)
    actor_id = applied.actor.id if applied.actor is not None else None
    return [u for u in applicants_of(case) if u != actor_id]


def _excerpt(text: str, limit: int = 1000) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_applicant(kind: str, params=None, *, informs: str | None = None) -> Notify:
    """A notification of an action to the case's applicants (see ``applicants_of``); ``params``
    the text's values from the applied action; ``informs`` the feedback it carries."""

    def values(applied) -> dict:
        base = {"comment": _excerpt(applied.comment or "")}
        if params is not None:
            base.update(params(applied))
        return base

    return Notify(kind, _recipients, values, informs=informs)


def tell_applicants(case: Case, kind: str, params: dict, actor=None, *, informs: str | None = None) -> list:
    """Notify the case's applicants (not ``actor``) of something done outside a workflow action
    (a message, a document issued)."""
    from app.notifications.services import notify

    actor_id = actor.id if actor is not None else None
    users = [u for u in applicants_of(case) if u != actor_id]
    return notify(users, kind, case, params, informs=informs) if users else []


# ---- the feedback clock met when the applicant has it ----------------------------------------------------


def on_reached(notification, *, user, method: str, at: datetime) -> None:
    """A notification carrying feedback was read or delivered: meet the case's open feedback
    clock of that trigger at ``at`` (and for an outcome record that the applicant was told),
    once, with an event in the case's chain saying how."""
    from app.cases.enums import CaseState
    from app.cases.events import record_event
    from app.clocks.models import CaseClock, ClockName
    from app.clocks.services import apply_ops

    if notification.case_id is None or not notification.informs:
        return
    trigger = notification.informs
    case = db.session.execute(select(Case).where(Case.id == notification.case_id).with_for_update()).scalar_one()
    open_clock = db.session.execute(
        select(CaseClock.id).where(
            CaseClock.case_id == case.id,
            CaseClock.subject_type == "case",
            CaseClock.name == ClockName.FEEDBACK,
            CaseClock.trigger == trigger,
            CaseClock.met_at.is_(None),
            CaseClock.stopped_at.is_(None),
        )
    ).first()
    outcome_owed = trigger == "resolve" and case.state is CaseState.RESOLVED and case.outcome_informed_at is None
    if open_clock is None and not outcome_owed:
        return
    if open_clock is not None:
        apply_ops(case, (meet("feedback", triggers=(trigger,)),), user, at)
    if outcome_owed:
        case.outcome_informed_at = at
    record_event(
        case,
        None,
        "applicant_informed",
        from_state=case.state,
        to_state=case.state,
        data={"method": method, "trigger": trigger, "notification": notification.id, "reader": user.id},
        internal=True,
    )


def connect() -> None:
    from app.notifications.services import reached

    reached.connect(on_reached)


# ---- what staff see: notifications to the applicant that did not get through ------------------------------


def undelivered(case: Case) -> list:
    """The case's notifications to its applicants that a channel has not delivered after trying:
    failed for good, or still owed after at least one failed attempt; newest first. Rows of
    (delivery, notification, user)."""
    from app.auth.models import Role, User
    from app.notifications.models import Notification, NotificationDelivery

    return list(
        db.session.execute(
            select(NotificationDelivery, Notification, User)
            .join(Notification, Notification.id == NotificationDelivery.notification_id)
            .join(User, User.id == Notification.user_id)
            .where(
                Notification.case_id == case.id,
                User.role == Role.APPLICANT,
                NotificationDelivery.state != "sent",
                NotificationDelivery.attempts > 0,
            )
            .order_by(NotificationDelivery.id.desc())
            .limit(20)
        ).all()
    )
