"""Every write about rights-protection plans: drafting one, editing a draft, and its actions through the
engine's one door.

- ``create_plan`` checks who may draft a plan of the case now (``eligibility``, every reason at once)
  and records the new draft in the case's chain;
- ``save_plan`` changes a draft's content: it checks the version (a stale one is "changed meanwhile"
  and nothing is written), refuses bad input with every reason (``PlanInputError``) and records an
  internal ``edit_plan`` event;
- ``transition`` applies an action of the rule table (``app.plans.workflow``) through ``PlanDoor``,
  then what the action leads to: ``revise`` makes the new draft, and issuing a revision supersedes
  the plan it replaces through that plan's own ``supersede`` action.

Services take the acting user explicitly, flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Role, User
from app.cases.enums import CaseState
from app.cases.events import record_applied, record_event, register_track_digest
from app.cases.models import Case, CaseEvent
from app.cases.permissions import can_see_case, is_case_member
from app.core import engine
from app.core.db import kept, utcnow
from app.core.engine import ActionRefused, Door, NotFound
from app.core.errors import ConflictError, ServiceError
from app.core.permissions import centre_in_scope
from app.extensions import db
from app.plans import workflow
from app.plans.content import CONTENT_FIELDS, clean_content, copy_content
from app.plans.enums import PUBLIC_STATES, PlanState
from app.plans.models import Plan, plan_digest

HANDLING_CASE_STATES = (CaseState.ACCEPTED, CaseState.IN_PROGRESS)


class PlanNotFound(NotFound):
    """The plan does not exist or is not the actor's to see (both answer 404)."""


class PlanInputError(ServiceError):
    """Content that cannot be saved: ``problems`` maps each field (a JSON path) to its reason."""

    def __init__(self, problems: dict):
        first = next(iter(problems.values()))
        super().__init__(first, field=next(iter(problems)))
        self.problems = problems

    @property
    def reasons(self) -> list:
        return list(self.problems.values())


register_track_digest("plan", Plan, plan_digest)


# ---- who may see and act -------------------------------------------------------------------------------


def can_see_plan(user, plan: Plan | None) -> bool:
    """Staff who may see its case; the applicant's side only once it is issued (and after it is
    superseded), never a draft or a plan in review."""
    if plan is None or not can_see_case(user, plan.case):
        return False
    if user.is_staff:
        return True
    return plan.state in PUBLIC_STATES and is_case_member(user, plan.case)


def can_act_on_plan(user, plan: Plan) -> bool:
    """Caseworkers and supervisors of the case's centre or a centre above it; everyone else who
    sees it (mediators, administrators, staff answering for the case beyond their scope, the
    applicant's side) reads it only."""
    return can_see_plan(user, plan) and user.role in workflow.HANDLERS and centre_in_scope(user, plan.case.centre)


def drafters_of(plan: Plan) -> frozenset:
    """Who drafted the plan: whoever created it or edited its content."""
    editors = db.session.execute(
        select(CaseEvent.actor_id)
        .where(
            CaseEvent.case_id == plan.case_id,
            CaseEvent.subject_type == "plan",
            CaseEvent.subject_id == plan.id,
            CaseEvent.action.in_(("create_plan", "edit_plan")),
            CaseEvent.actor_id.is_not(None),
        )
        .distinct()
    ).scalars()
    return frozenset({plan.created_by_id, *editors} - {None})


def revision_of(plan: Plan) -> Plan | None:
    """The plan that revises ``plan`` (drafted, in review, approved or issued), if any."""
    if plan.id is None:
        return None
    return db.session.execute(select(Plan).where(Plan.supersedes_id == plan.id)).scalar_one_or_none()


class PlanDoor(Door):
    """How the engine's one door reaches a plan; its events go to its case's chain."""

    workflow = workflow.PLANS
    model = Plan
    not_found = PlanNotFound
    not_found_text = _l("Plan not found.")
    conflict_text = _l("Someone else changed this plan meanwhile.")

    def can_see(self, actor, plan):
        return can_see_plan(actor, plan)

    def can_act(self, actor, plan):
        return can_act_on_plan(actor, plan)

    def facts(self, plan, data=None):
        revision = revision_of(plan)
        return workflow.PlanFacts(
            case_in_hand=plan.case.state in HANDLING_CASE_STATES,
            drafters=drafters_of(plan),
            open_revision=revision.revision if revision is not None and revision.state.is_open else None,
            revision_issued=revision is not None and revision.state in PUBLIC_STATES,
        )

    def record(self, applied):
        return record_applied(applied)


DOOR = PlanDoor()


def transition(plan: Plan, action: str, actor, *, comment=None, data=None, expected_version=None) -> Plan:
    """Apply one action of the plan's rule table through the one door, then what it leads to.

    Returns the plan acted on; for ``revise``, the new draft. Issuing a revision supersedes the
    plan it replaces (its own ``supersede`` action, by the same person, right after)."""
    plan = engine.transition(DOOR, plan, action, actor, comment=comment, data=data, expected_version=expected_version)
    if action == "revise":
        return _draft_revision(plan, actor)
    if action == "issue" and plan.supersedes_id is not None:
        replaced = db.session.get(Plan, plan.supersedes_id)
        engine.transition(DOOR, replaced, "supersede", actor)
    return plan


def available_actions(plan: Plan, actor):
    """What ``actor`` may do on ``plan`` now and why the rest is blocked (internal actions left out)."""
    return [c for c in DOOR.available_actions(plan, actor) if c.action.name not in workflow.INTERNAL_ACTIONS]


def _draft_revision(issued: Plan, actor) -> Plan:
    """The new draft of a revision: the issued plan's content, revision n + 1, superseding it."""
    draft = Plan(
        case=issued.case,
        case_id=issued.case_id,
        centre_id=issued.case.centre_id,
        state=PlanState.DRAFT,
        revision=issued.revision + 1,
        supersedes_id=issued.id,
        created_by_id=actor.id,
        created_at=utcnow(),
        updated_at=utcnow(),
        **copy_content(issued),
    )
    db.session.add(draft)
    db.session.flush()
    record_event(
        issued.case,
        actor,
        "create_plan",
        from_state=None,
        to_state=PlanState.DRAFT,
        data={"revision": draft.revision, "supersedes": issued.id},
        internal=True,
        subject_type="plan",
        subject_id=draft.id,
        subject=draft,
    )
    return draft


# ---- drafting a plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    reasons: tuple
    # True when the person may never draft this case's plan (their role or scope): 403 rather than 422.
    forbidden: bool = False

    @property
    def allowed(self) -> bool:
        return not self.reasons


def plans_of(case: Case) -> list[Plan]:
    """Every plan of the case, newest revision first (callers check who may see them); read once for a
    page, whose panel and eligibility both ask (``app.core.db.kept``)."""
    return kept(
        ("plans_of", case.id),
        lambda: list(
            db.session.execute(select(Plan).where(Plan.case_id == case.id).order_by(Plan.revision.desc())).scalars()
        ),
    )


def eligibility(case: Case, actor) -> Eligibility:
    """Whether ``actor`` may draft a plan of ``case`` now, and every reason it is blocked."""
    if actor is None or actor.role not in workflow.HANDLERS:
        return Eligibility((_l("Only caseworkers and supervisors draft a plan."),), forbidden=True)
    if not centre_in_scope(actor, case.centre):
        return Eligibility((_l("Only the case's centre or a centre above it drafts its plan."),), forbidden=True)
    reasons = []
    if case.state not in HANDLING_CASE_STATES:
        reasons.append(_l("The case must be accepted (or in progress) before a plan is drafted."))
    if not case.rights:
        reasons.append(_l("The case names no right to rely on."))
    plans = plans_of(case)
    open_plan = next((p for p in plans if p.state.is_open), None)
    if open_plan is not None:
        reasons.append(_l("Revision %(n)d of the plan is already being drafted or reviewed.", n=open_plan.revision))
    elif any(p.state is PlanState.ISSUED for p in plans):
        reasons.append(_l("The case already has an issued plan: revise it instead."))
    return Eligibility(tuple(reasons))


def create_plan(case: Case, actor, data: dict | None = None) -> Plan:
    """Start a plan of ``case`` (a draft, revision 1), optionally with its content, recorded in the
    case's chain. Every reason it cannot start is given at once; nothing is written then."""
    from app.cases.services import CaseNotFound, lock_case

    if not can_see_case(actor, case):
        raise CaseNotFound(_l("Case not found."))
    case = lock_case(case)
    result = eligibility(case, actor)
    if not result.allowed:
        raise ActionRefused(list(result.reasons), forbidden=result.forbidden)
    values = {}
    if data:
        values, problems = clean_content(case, data)
        if problems:
            raise PlanInputError(problems)
    now = utcnow()
    plan = Plan(
        case=case,
        case_id=case.id,
        centre_id=case.centre_id,
        state=PlanState.DRAFT,
        revision=1,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        **_defaults(case),
    )
    for name, value in values.items():
        setattr(plan, name, value)
    db.session.add(plan)
    db.session.flush()
    record_event(
        case,
        actor,
        "create_plan",
        from_state=None,
        to_state=PlanState.DRAFT,
        data={"revision": 1, "fields": sorted(_changed_names(values))},
        internal=True,
        subject_type="plan",
        subject_id=plan.id,
        subject=plan,
    )
    return plan


def _defaults(case: Case) -> dict:
    """A new plan starts from what the case says: its facts and, when it names one right, that right."""
    values = {"facts": (case.facts or "").strip(), "comparison": [], "evidence_held": [], "evidence_needed": []}
    values["routes"] = []
    if len(case.rights) == 1:
        right = case.rights[0]
        values.update(
            right_position=right.position,
            right_type=right.type,
            right_number=right.number or "",
            right_title=right.title or "",
        )
    return values


# ---- editing a draft -------------------------------------------------------------------------------------


def save_plan(plan: Plan, actor, data: dict, expected_version: int | None) -> Plan:
    """Change the content of a draft (the keys of ``data`` given; the others stay as they are).

    The version given must be the plan's (``ConflictError`` otherwise: someone changed it meanwhile,
    nothing is written); bad input is refused with every reason (``PlanInputError``). A change is
    recorded as an internal ``edit_plan`` event naming the fields changed; saving what is already
    there records nothing."""
    if not can_see_plan(actor, plan):
        raise PlanNotFound(DOOR.not_found_text)
    if not can_act_on_plan(actor, plan):
        raise ActionRefused([_l("Your role cannot take this action.")], forbidden=True)
    if not isinstance(data, dict):
        raise ServiceError(_l("The plan's content must be an object."), field="body")
    plan = DOOR.lock(plan)
    if expected_version is None or expected_version != plan.version:
        raise ConflictError(DOOR.conflict_text)
    if plan.state is not PlanState.DRAFT:
        raise ActionRefused([_l("Only a draft can be changed; this plan is “%(state)s”.", state=plan.state.label)])
    if plan.case.state not in HANDLING_CASE_STATES:
        raise ActionRefused([_l("The case must be accepted and still in hand (accepted or in progress).")])
    values, problems = clean_content(plan.case, data)
    if problems:
        raise PlanInputError(problems)
    changed = {name: value for name, value in values.items() if getattr(plan, name) != value}
    if not changed:
        return plan
    for name, value in changed.items():
        setattr(plan, name, value)
    plan.updated_at = utcnow()
    record_event(
        plan.case,
        actor,
        "edit_plan",
        from_state=plan.state,
        to_state=plan.state,
        data={"fields": sorted(_changed_names(changed))},
        internal=True,
        subject_type="plan",
        subject_id=plan.id,
        subject=plan,
    )
    return plan


def _changed_names(values: dict) -> set[str]:
    """The content fields (as the API names them) that ``values`` sets."""
    return {public for public, columns in CONTENT_FIELDS.items() if any(c in values for c in columns)}


# ---- who reviews ------------------------------------------------------------------------------------------


def reviewers_of(plan: Plan) -> list[int]:
    """The active supervisors told that a plan awaits review: those of the case's centre, or of the
    nearest centre above it that has any."""
    rows = db.session.execute(
        select(User.id, User.centre_id).where(
            User.role == Role.SUPERVISOR,
            User.is_active.is_(True),
            User.centre_id.in_(plan.case.centre.ancestor_ids),
        )
    ).all()
    for centre_id in reversed(plan.case.centre.ancestor_ids):
        found = [user_id for user_id, at in rows if at == centre_id]
        if found:
            return sorted(found)
    return []
