"""The rights-protection plan as a rule table on the engine (``app.core.workflow``).

draft → submit_for_review → in review → approve (a supervisor who did not draft it) → approved →
issue (the numbered PDF, the applicant told) → issued; in review → return_for_changes → draft.
An issued plan is revised (``revise``: a new draft copying it, revision n + 1); once that revision
is issued, the service takes ``supersede`` on the one it replaces (issued → superseded).

Content is edited only in a draft, beside the rule table (``app.plans.services.save_plan``). Guards
and declarations are pure (no request, no database): what they read beside the plan comes in
``PlanFacts``, which the door builds (``app.plans.services.PlanDoor.facts``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.auth.models import Role
from app.cases.enums import DocumentKind
from app.cases.feedback import to_applicant
from app.core.workflow import Action, Notify, Workflow, guard
from app.plans.enums import PlanState

S = PlanState
HANDLERS = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
SUPERVISORS = frozenset({Role.SUPERVISOR})


@dataclass
class PlanFacts:
    """What the guards read beside the plan: whether its case is in hand (accepted or in progress),
    who drafted it (created or edited it), the revision of it being drafted (its number, or None),
    and whether the revision replacing it is issued."""

    case_in_hand: bool = True
    drafters: frozenset = field(default_factory=frozenset)
    open_revision: int | None = None
    revision_issued: bool = False


# ---- guards: (plan, actor, ctx) -> reason | None; never any side effect ---------------------------------


@guard(_l("its case is accepted and in hand"))
def case_in_hand(plan, actor, ctx):
    if ctx.facts is not None and not ctx.facts.case_in_hand:
        return _l("The case must be accepted and still in hand (accepted or in progress).")
    return None


@guard(_l("the facts are written"))
def facts_written(plan, actor, ctx):
    return None if (plan.facts or "").strip() else _l("Write the facts.")


@guard(_l("the right relied on is chosen"))
def right_chosen(plan, actor, ctx):
    return None if plan.right_type is not None else _l("Choose the right relied on.")


@guard(_l("at least one route is recommended"))
def route_recommended(plan, actor, ctx):
    return None if plan.routes else _l("Recommend at least one route.")


@guard(_l("for a patent, at least one feature is compared with the accused product"))
def patent_compared(plan, actor, ctx):
    if plan.right_is_patent and not plan.comparison:
        return _l("The right relied on is a patent: compare at least one feature with the accused product.")
    return None


@guard(_l("the approving supervisor did not draft it (four-eyes rule)"))
def not_drafted_by_actor(plan, actor, ctx):
    drafters = ctx.facts.drafters if ctx.facts is not None else frozenset({plan.created_by_id})
    if actor is not None and actor.id in drafters:
        return _l(
            "You drafted this plan: another supervisor must approve it (four-eyes rule: nobody approves "
            "their own plan)."
        )
    return None


@guard(_l("no revision of it is being drafted"))
def no_open_revision(plan, actor, ctx):
    number = ctx.facts.open_revision if ctx.facts is not None else None
    if number is not None:
        return _l("Revision %(n)d of this plan is already being drafted.", n=number)
    return None


@guard(_l("the revision that replaces it is issued"))
def revision_issued(plan, actor, ctx):
    if ctx.facts is None or not ctx.facts.revision_issued:
        return _l("A plan is superseded only once the revision that replaces it is issued.")
    return None


# ---- effects: (applied) -> the data kept in the event; they set the plan's fields ----------------------------


def _submitted(a):
    a.subject.submitted_by_id = a.actor.id
    a.subject.submitted_at = a.now
    return {"revision": a.subject.revision}


def _approved(a):
    a.subject.approved_by_id = a.actor.id
    a.subject.approved_at = a.now
    return {"revision": a.subject.revision}


def _returned(a):
    return {"revision": a.subject.revision}


def _issued(a):
    a.subject.issued_by_id = a.actor.id
    a.subject.issued_at = a.now
    recorded = {"revision": a.subject.revision}
    if a.subject.supersedes_id is not None:
        recorded["supersedes"] = a.subject.supersedes_id
    return recorded


def _revised(a):
    return {"revision": a.subject.revision + 1}


def _superseded(a):
    a.subject.superseded_at = a.now
    return {"revision": a.subject.revision}


# ---- notifications -----------------------------------------------------------------------------------------------


def _reviewers(a):
    from app.plans.services import reviewers_of

    return [u for u in reviewers_of(a.subject) if u != a.actor.id]


def _drafters(a):
    ids = [a.subject.submitted_by_id, a.subject.created_by_id]
    return [u for u in dict.fromkeys(ids) if u is not None and u != a.actor.id]


def _revision(a):
    return {"revision": a.subject.revision}


def _issued_kind(a):
    return "plan_issued" if a.subject.revision == 1 else "plan_reissued"


# ---- the rule table ------------------------------------------------------------------------------------------------

ACTIONS = (
    Action(
        "submit_for_review",
        frozenset({S.DRAFT}),
        S.IN_REVIEW,
        HANDLERS,
        _l("Submit for review"),
        guards=(case_in_hand, facts_written, right_chosen, route_recommended, patent_compared),
        effects=_submitted,
        notifies=(Notify("plan_for_review", _reviewers, _revision),),
        visible_to_applicant=False,
    ),
    Action(
        "approve",
        frozenset({S.IN_REVIEW}),
        S.APPROVED,
        SUPERVISORS,
        _l("Approve the plan"),
        guards=(case_in_hand, not_drafted_by_actor),
        effects=_approved,
        notifies=(Notify("plan_approved", _drafters, _revision),),
        visible_to_applicant=False,
        style="success",
    ),
    Action(
        "return_for_changes",
        frozenset({S.IN_REVIEW}),
        S.DRAFT,
        SUPERVISORS,
        _l("Return for changes"),
        effects=_returned,
        notifies=(Notify("plan_returned", _drafters, lambda a: {"comment": a.comment, **_revision(a)}),),
        visible_to_applicant=False,
        comment_required=True,
        comment_label=_l("What should be changed"),
        style="warning",
    ),
    Action(
        "issue",
        frozenset({S.APPROVED}),
        S.ISSUED,
        HANDLERS,
        _l("Issue the plan"),
        guards=(case_in_hand,),
        effects=_issued,
        issues=DocumentKind.PROTECTION_PLAN,
        notifies=(to_applicant(_issued_kind, _revision),),
        confirm=_l("Issue the plan? It is numbered and given to the applicant; afterwards it can only be revised."),
    ),
    Action(
        "revise",
        frozenset({S.ISSUED}),
        None,
        HANDLERS,
        _l("Revise the plan"),
        guards=(case_in_hand, no_open_revision),
        effects=_revised,
        visible_to_applicant=False,
        style="secondary",
        comment_shown=True,
        comment_label=_l("Why it is revised"),
    ),
    # Taken by the service right after the revision replacing the plan is issued; never offered on a page.
    Action(
        "supersede",
        frozenset({S.ISSUED}),
        S.SUPERSEDED,
        HANDLERS,
        _l("Mark as superseded"),
        guards=(revision_issued,),
        effects=_superseded,
        quiet_when_blocked=True,
        style="secondary",
    ),
)

#: Actions no page or client asks for: the service takes them itself.
INTERNAL_ACTIONS = frozenset({"supersede"})


def _wrong_state(state):
    return _l("Not possible while the plan is “%(state)s”.", state=state.label)


PLANS = Workflow(
    "plan",
    list(S),
    ACTIONS,
    S.DRAFT,
    label=_l("Rights-protection plan"),
    facts=PlanFacts,
    wrong_state=_wrong_state,
)
