"""Reads about plans: one plan as its viewer may see it, a case's plans, a plan's documents and events."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.cases.enums import DocumentKind
from app.cases.models import Case, CaseEvent, Document
from app.cases.permissions import can_see_case, can_see_internal
from app.cases.tracks import register_open_items
from app.extensions import db
from app.plans.enums import OPEN_STATES, PlanState
from app.plans.models import Plan
from app.plans.services import can_see_plan, plans_of


def get_plan(plan_id, user) -> Plan | None:
    """The plan if it exists and ``user`` may see it, else None (callers answer 404). One plan is judged
    by ``can_see_plan`` (the scope's rule for one object), not by the scope's subquery over every case."""
    if isinstance(plan_id, bool) or not isinstance(plan_id, int) or not 0 < plan_id < 2**31:
        return None
    plan = db.session.get(Plan, plan_id)
    return plan if plan is not None and can_see_plan(user, plan) else None


def visible_plans(case: Case, user) -> list[Plan]:
    """The plans of ``case`` that ``user`` may see, newest revision first.

    The plans of one case are few: each is judged by ``can_see_plan`` (the same rule as the scope's),
    which is cheaper than the scope's subquery over every case the user may see (48 ms at 100,000
    cases on SQLite, for a page that had already checked the case)."""
    if not can_see_case(user, case):
        return []
    return [p for p in plans_of(case) if can_see_plan(user, p)]


def current_of(plans: list[Plan]) -> tuple[Plan | None, Plan | None]:
    """(the plan in force: the issued one, the plan being written or reviewed) among ``plans``."""
    issued = next((p for p in plans if p.state is PlanState.ISSUED), None)
    open_plan = next((p for p in plans if p.state.is_open), None)
    return issued, open_plan


def documents_of(plans: list[Plan]) -> dict[int, list[Document]]:
    """Each plan's issued documents (the PDF issued with it), by plan id, in one statement."""
    out: dict[int, list[Document]] = {p.id: [] for p in plans}
    if not plans:
        return out
    rows = db.session.execute(
        select(Document)
        .where(
            Document.subject_type == "plan",
            Document.subject_id.in_(list(out)),
            Document.kind == DocumentKind.PROTECTION_PLAN,
        )
        .order_by(Document.created_at, Document.id)
    ).scalars()
    for document in rows:
        out[document.subject_id].append(document)
    return out


def events_of(plan: Plan, user) -> list[CaseEvent]:
    """The plan's events in its case's chain, oldest first; staff see them all, the applicant's side
    only those its timeline shows."""
    stmt = (
        select(CaseEvent)
        .options(selectinload(CaseEvent.actor))
        .where(CaseEvent.case_id == plan.case_id, CaseEvent.subject_type == "plan", CaseEvent.subject_id == plan.id)
        .order_by(CaseEvent.seq)
    )
    if not can_see_internal(user):
        stmt = stmt.where(CaseEvent.visibility == "applicant")
    return list(db.session.execute(stmt).scalars())


def open_plans(case: Case) -> list:
    """The case's plan still being drafted or reviewed, as the label the case's close guard shows."""
    states = db.session.execute(
        select(Plan.state).where(Plan.case_id == case.id, Plan.state.in_(list(OPEN_STATES)))
    ).scalars()
    return [_l("the rights-protection plan (%(state)s)", state=state.label) for state in states]


register_open_items("plan", open_plans)
