"""Who answers for a case beyond their centre's subtree: one rule, read by SQL and predicates alike.

Staff see and act on the cases of their centre's subtree. Some answer for a case outside it:

- its **first responder**, after the case was transferred beyond their subtree: they stay
  answerable to the end and confirm what the applicant was told (DOMAIN.md);
- the staff of a centre a **transfer is offered** to, until they answer the offer.

Each ``Assignment`` says who it is (a SQL condition over ``cases``) and what it opens there
(workflow actions; no upload, note, message, document or link). The case page's lookup
(``sql_clause``) and the permission predicates (``assignments_of``) read the same conditions,
so the two cannot drift apart; later processes add their rows (the mediator assigned to a
mediation, a fund committee member).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, false, or_, select

from app.cases.enums import HandoverKind, HandoverStatus
from app.cases.models import Case, CaseHandover
from app.extensions import db

TRANSFER_ANSWERS = frozenset({"accept_transfer", "decline_transfer"})
# What a first responder still does on a case that went to a centre outside their subtree:
# confirm that the applicant was told (DOMAIN.md: they stay answerable to the end).
FIRST_RESPONDER_DUTIES = frozenset({"inform_decision", "inform_outcome"})


@dataclass(frozen=True)
class Assignment:
    name: str
    # (user) -> a SQL condition on ``cases`` that holds where the user has this assignment.
    condition: Callable
    # The workflow actions it opens beyond the user's scope.
    actions: frozenset


def _first_responder(user):
    return Case.first_responder_id == user.id


def _transfer_offered(user):
    if user.centre_id is None:
        return false()
    return Case.id.in_(
        select(CaseHandover.case_id).where(
            CaseHandover.status == HandoverStatus.OFFERED,
            CaseHandover.kind == HandoverKind.TRANSFER,
            CaseHandover.to_centre_id == user.centre_id,
        )
    )


ASSIGNMENTS = [
    Assignment("first_responder", _first_responder, FIRST_RESPONDER_DUTIES),
    Assignment("transfer_offered", _transfer_offered, TRANSFER_ANSWERS),
]


def register(assignment: Assignment) -> Assignment:
    """A later process's row (the mediator assigned to a mediation…), added when its feature loads."""
    if all(a.name != assignment.name for a in ASSIGNMENTS):
        ASSIGNMENTS.append(assignment)
    return assignment


def sql_clause(user):
    """SQL: the cases ``user`` answers for beyond their scope (any assignment)."""
    if not getattr(user, "is_staff", False):
        return false()
    return or_(*(a.condition(user) for a in ASSIGNMENTS))


def assignments_of(user, case) -> list[Assignment]:
    """The assignments ``user`` holds on ``case`` (one query over the same SQL conditions)."""
    if not getattr(user, "is_staff", False) or case is None or case.id is None:
        return []
    flags = db.session.execute(
        select(*(and_(a.condition(user)).label(a.name) for a in ASSIGNMENTS)).where(Case.id == case.id)
    ).one_or_none()
    if flags is None:
        return []
    return [a for a, held in zip(ASSIGNMENTS, flags, strict=True) if held]


def actions_opened(user, case) -> frozenset:
    """The workflow actions ``user``'s assignments open on ``case``."""
    opened: set = set()
    for assignment in assignments_of(user, case):
        opened |= assignment.actions
    return frozenset(opened)
