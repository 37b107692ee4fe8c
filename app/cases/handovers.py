"""Handover to a named colleague and transfer to another centre: offer, then accept or decline.

These are workflow actions like the others (``app.cases.workflow``), applied by the one door;
this module holds what their guards read beside the case (``facts``), what they change (the
effects ``offer_handover``, ``offer_transfer``, ``answer_offer``) and what their forms offer. Until the receiver accepts, nothing about the case changes; the first responder
stays the first responder whatever happens.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.auth.models import Role, User
from app.cases.enums import HandoverKind, HandoverStatus
from app.cases.models import Case, CaseHandover
from app.centres.models import Centre
from app.core.db import kept
from app.extensions import db


def open_offer(case: Case) -> CaseHandover | None:
    """The case's open handover or transfer offer (read once for a page: its guards and its panel ask)."""
    return kept(
        ("open_offer", case.id),
        lambda: db.session.execute(
            select(CaseHandover).where(CaseHandover.case_id == case.id, CaseHandover.status == HandoverStatus.OFFERED)
        ).scalar_one_or_none(),
    )


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


def facts(case: Case, data: dict | None = None):
    """The facts the case's guards read beside it: the open offer, whether a decision waits to be
    told, and the colleague or centre the action's input names."""
    from app.cases.enums import CaseState
    from app.cases.tracks import open_items
    from app.cases.workflow import CaseFacts
    from app.clocks.services import decision_feedback_open

    facts = CaseFacts(open_offer=open_offer(case), decision_feedback_open=decision_feedback_open(case))
    if case.state is CaseState.RESOLVED:
        facts.open_tracks = tuple(open_items(case))
    data = data or {}
    if data.get("to_user") not in (None, ""):
        facts.to_user = _user_by_email(data["to_user"])
    if data.get("to_centre") not in (None, ""):
        facts.to_centre = _centre_by_code(data["to_centre"])
    return facts


# ---- the effects of the offer actions (``app.cases.workflow`` names them; the door applies them) ------


def _offer(a, kind: HandoverKind, **receiver) -> None:
    db.session.add(
        CaseHandover(
            case_id=a.subject.id,
            kind=kind,
            status=HandoverStatus.OFFERED,
            from_user_id=a.actor.id,
            from_centre_id=a.subject.centre_id,
            comment=a.comment,
            offered_at=a.now,
            **receiver,
        )
    )


def offer_handover(a) -> dict:
    """Offer the case to the named colleague; nothing else changes until they accept."""
    _offer(a, HandoverKind.HANDOVER, to_user_id=a.facts.to_user.id)
    return {"to_user": a.facts.to_user.email}


def offer_transfer(a) -> dict:
    """Offer the case to another centre; it stays here until that centre accepts."""
    _offer(a, HandoverKind.TRANSFER, to_centre_id=a.facts.to_centre.id)
    return {"to_centre": a.facts.to_centre.code}


def answer_offer(a) -> dict:
    """Accept or decline the open offer (its guards saw it is offered to the actor)."""
    case, actor, offer = a.subject, a.actor, a.facts.open_offer
    accepted = a.action.name.startswith("accept_")
    offer.status = HandoverStatus.ACCEPTED if accepted else HandoverStatus.DECLINED
    offer.decided_at = a.now
    offer.decided_by_id = actor.id
    offer.decision_comment = a.comment
    recorded: dict = {"offer": offer.id}
    if a.action.name == "accept_handover":
        recorded["from_owner"] = case.owner.email if case.owner else None
        case.owner_id = actor.id
        case.owner = actor
    elif a.action.name == "accept_transfer":
        recorded["from_centre"] = case.centre.code
        recorded["to_centre"] = actor.centre.code
        case.centre_id = actor.centre_id
        case.centre = actor.centre
        case.owner_id = actor.id
        case.owner = actor
    return recorded


# ---- what the offer forms may offer --------------------------------------------------------------------


def colleague_choices(case: Case, actor) -> list[tuple[str, str]]:
    """Whom ``actor`` may hand the case to: the active caseworkers and supervisors of the case's
    centre, except the actor and the case's owner (value: the e-mail the action names)."""
    people = db.session.execute(
        select(User.email, User.name, User.role)
        .where(
            User.centre_id == case.centre_id,
            User.role.in_([Role.CASEWORKER, Role.SUPERVISOR]),
            User.is_active.is_(True),
            User.id != actor.id,
            User.id != (case.owner_id or 0),
        )
        .order_by(User.name, User.id)
    ).all()
    return [(p.email, f"{p.name} · {p.role.label}") for p in people]


def centre_choices(case: Case, actor) -> list[tuple[str, str]]:
    """The active centres a case may be transferred to (value: the code the action names)."""
    from app.centres.queries import centre_label

    centres = db.session.execute(
        select(Centre).where(Centre.is_active.is_(True), Centre.id != case.centre_id).order_by(Centre.path)
    ).scalars()
    return [(c.code, centre_label(c, c.depth)) for c in centres]


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
