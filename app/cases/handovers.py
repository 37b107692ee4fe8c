"""Handover to a named colleague and transfer to another centre: offer, then accept or decline.

These are workflow actions like the others (``app.cases.workflow``), applied by the one door;
this module holds what they read beside the case (``action_context``) and what they change
(``apply``). Until the receiver accepts, nothing about the case changes; the first responder
stays the first responder whatever happens.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.auth.models import Role, User
from app.cases.enums import HandoverKind, HandoverStatus
from app.cases.models import Case, CaseHandover
from app.centres.models import Centre
from app.extensions import db

ACTIONS = frozenset(
    {"offer_handover", "accept_handover", "decline_handover", "offer_transfer", "accept_transfer", "decline_transfer"}
)


def open_offer(case: Case) -> CaseHandover | None:
    return db.session.execute(
        select(CaseHandover).where(CaseHandover.case_id == case.id, CaseHandover.status == HandoverStatus.OFFERED)
    ).scalar_one_or_none()


def _user_by_email(value) -> User | None:
    if not isinstance(value, str) or not value.strip() or len(value) > 254:
        return None
    return db.session.execute(
        select(User).where(func.lower(User.email) == value.strip().lower(), User.role != Role.APPLICANT)
    ).scalar_one_or_none()


def _centre_by_code(value) -> Centre | None:
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        return None
    return db.session.execute(select(Centre).where(Centre.code == value.strip().upper())).scalar_one_or_none()


def action_context(case: Case, data: dict | None = None) -> dict:
    """The facts the guards read beside the case: the open offer and, from the action's data,
    the colleague or centre named."""
    from app.clocks.services import decision_feedback_open

    ctx = {"open_offer": open_offer(case), "decision_feedback_open": decision_feedback_open(case)}
    data = data or {}
    if data.get("to_user") not in (None, ""):
        ctx["to_user"] = _user_by_email(data["to_user"])
    if data.get("to_centre") not in (None, ""):
        ctx["to_centre"] = _centre_by_code(data["to_centre"])
    return ctx


def apply(case: Case, action: str, actor: User, ctx: dict, comment: str, now: datetime) -> tuple[dict, list]:
    """Carry out a handover or transfer action (its guards have passed). Returns the data kept in
    the audit event and the notifications to send: ``[(user_ids, kind, params)]``."""
    offer = ctx.get("open_offer")
    if action == "offer_handover":
        receiver = ctx["to_user"]
        db.session.add(
            CaseHandover(
                case_id=case.id,
                kind=HandoverKind.HANDOVER,
                status=HandoverStatus.OFFERED,
                from_user_id=actor.id,
                from_centre_id=case.centre_id,
                to_user_id=receiver.id,
                comment=comment,
                offered_at=now,
            )
        )
        return {"to_user": receiver.email}, [([receiver.id], "handover_offered", {"by": actor.name})]
    if action == "offer_transfer":
        centre = ctx["to_centre"]
        db.session.add(
            CaseHandover(
                case_id=case.id,
                kind=HandoverKind.TRANSFER,
                status=HandoverStatus.OFFERED,
                from_user_id=actor.id,
                from_centre_id=case.centre_id,
                to_centre_id=centre.id,
                comment=comment,
                offered_at=now,
            )
        )
        return {"to_centre": centre.code}, [(receiving_staff(centre), "transfer_offered", {"by": actor.name})]

    # An answer to the open offer.
    accepted = action.startswith("accept_")
    offer.status = HandoverStatus.ACCEPTED if accepted else HandoverStatus.DECLINED
    offer.decided_at = now
    offer.decided_by_id = actor.id
    offer.decision_comment = comment
    recorded: dict = {"offer": offer.id}
    if action == "accept_handover":
        recorded["from_owner"] = case.owner.email if case.owner else None
        case.owner_id = actor.id
        case.owner = actor
    elif action == "accept_transfer":
        recorded["from_centre"] = case.centre.code
        recorded["to_centre"] = actor.centre.code
        case.centre_id = actor.centre_id
        case.centre = actor.centre
        case.owner_id = actor.id
        case.owner = actor
    kind = f"{offer.kind.value}_{'accepted' if accepted else 'declined'}"
    notify = [offer.from_user_id] if offer.from_user_id else []
    if case.first_responder_id and case.first_responder_id not in notify:
        notify.append(case.first_responder_id)
    return recorded, [(notify, kind, {"by": actor.name})]


def cancel_open_offer(case: Case, now: datetime) -> None:
    """A case that is withdrawn or closed takes its unanswered offer with it."""
    offer = open_offer(case)
    if offer is not None:
        offer.status = HandoverStatus.CANCELLED
        offer.decided_at = now


def receiving_staff(centre: Centre) -> list[int]:
    """Who hears of a transfer offered to ``centre``: its supervisors, else its caseworkers."""
    for role in (Role.SUPERVISOR, Role.CASEWORKER):
        ids = list(
            db.session.execute(
                select(User.id).where(User.centre_id == centre.id, User.role == role, User.is_active.is_(True))
            ).scalars()
        )
        if ids:
            return ids
    return []


def offered_to_centre(user, case: Case) -> bool:
    """A transfer of ``case`` is waiting for an answer from ``user``'s centre."""
    if not user.is_staff or user.centre_id is None:
        return False
    return (
        db.session.execute(
            select(CaseHandover.id).where(
                CaseHandover.case_id == case.id,
                CaseHandover.status == HandoverStatus.OFFERED,
                CaseHandover.kind == HandoverKind.TRANSFER,
                CaseHandover.to_centre_id == user.centre_id,
            )
        ).first()
        is not None
    )
