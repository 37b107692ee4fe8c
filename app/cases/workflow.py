"""The case workflow as a rule table on the engine (``app.core.workflow``).

For every action: the states it starts from, the state it leads to (``None`` keeps the
state), the roles that may take it, its guards, and everything else it means: the fields it
sets (``effects``), its clock operations, the notice it issues, whom it notifies, the input
it asks for and its labels. ``app.cases.services.transition`` applies it through the one
door (``app.core.engine``); ``available_actions`` tells a page or the API what a user may do
now and why the rest is blocked.

Guards and declarations are pure; the effects of a handover or transfer (an offer row) and
the choices a form offers are small functions of ``app.cases.handovers``, named here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from app.auth.models import Role
from app.cases import handovers
from app.cases.enums import OPEN_STATES, AcceptanceCondition, CaseKind, ComplainantType, DeclineReason, DocumentKind
from app.cases.enums import CaseState as S
from app.cases.feedback import METHODS, MethodLabel, to_applicant
from app.core.workflow import (
    MEET_ALL,
    NOT_GIVEN,
    STOP_ALL,
    Action,
    Check,
    Input,
    Notify,
    Workflow,
    guard,
    meet,
    pause,
    resume,
    start,
)

HANDLERS = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
APPLICANT = frozenset({Role.APPLICANT})
DECISIONS = ("accept", "decline")

__all__ = ["ACTIONS", "CASES", "Action", "Check", "CaseFacts", "available_actions", "check"]


@dataclass
class CaseFacts:
    """What the guards read beside the case: the open handover or transfer offer, whether a
    decision still waits to be told, and the colleague or centre an offer names (``NOT_GIVEN``
    when the input named none; ``None`` when it named one that does not exist)."""

    open_offer: Any = None
    decision_feedback_open: bool = False
    to_user: Any = NOT_GIVEN
    to_centre: Any = NOT_GIVEN
    # What of the case's tracks is still open (a mediation, a plan, a referral), as labels; read
    # only for a resolved case (the only one that can be closed).
    open_tracks: tuple = ()


# ---- guards: (case, actor, ctx) -> reason | None; never any side effect ----------------------------


def _data(ctx) -> dict:
    return ctx.data or {}


@guard(_l("not for a consultation"))
def not_consultation(case, actor, ctx):
    if case.kind is CaseKind.CONSULTATION:
        return _l("A consultation is answered, not accepted or declined.")
    return None


@guard(_l("only for a consultation"))
def only_consultation(case, actor, ctx):
    if case.kind is not CaseKind.CONSULTATION:
        return _l("Only a consultation can be answered and closed directly.")
    return None


@guard(_l("the facts (for a consultation, the question) are written"))
def facts_given(case, actor, ctx):
    """What ``create_case`` asks of a case filed at once, asked of a draft when it is submitted."""
    if case.kind is CaseKind.CONSULTATION:
        if not ((case.facts or "").strip() or (case.help_wanted or "").strip()):
            return _l("Write your question.")
    elif not (case.facts or "").strip():
        return _l("Describe the facts of the infringement.")
    return None


@guard(_l("a complaint or assistance request names a respondent"))
def has_respondent(case, actor, ctx):
    if case.kind in (CaseKind.COMPLAINT, CaseKind.ASSISTANCE) and not (case.respondent_name or "").strip():
        return _l("The case names no respondent; ask the applicant for one first.")
    return None


@guard(_l("the complainant is known (not an anonymous tip-off)"))
def complainant_known(case, actor, ctx):
    """Assistance is for a complainant the centre can name and reach (the "real name" condition): an
    anonymous tip-off may be declined or answered, or followed up as a lead, never accepted."""
    if case.complainant_type is ComplainantType.ANONYMOUS:
        return _l(
            "An anonymous tip-off cannot be accepted for assistance: the centre assists a complainant it can name. "
            "Decline it, or follow it up as a lead."
        )
    return None


@guard(_l("each acceptance condition is confirmed"), needs_input=True)
def conditions_confirmed(case, actor, ctx):
    given = _data(ctx).get("conditions")
    if given is None:
        return _l("Confirm each acceptance condition.")
    if not isinstance(given, dict):
        return _l("The acceptance conditions must be given one by one.")
    missing = [c.label for c in AcceptanceCondition if given.get(c.value) is not True]
    if missing:
        return _l("Not confirmed: %(conditions)s.", conditions="; ".join(str(m) for m in missing))
    return None


@guard(_l("a reason for declining is chosen"), needs_input=True)
def decline_reason_given(case, actor, ctx):
    reason = _data(ctx).get("reason")
    if reason is None or reason == "":
        return _l("Choose the reason for declining.")
    if not isinstance(reason, str) or reason not in {r.value for r in DeclineReason}:
        return _l("Choose one of the listed reasons for declining.")
    return None


@guard(_l("a rating from 1 to 5 is given"), needs_input=True)
def rating_given(case, actor, ctx):
    rating = _data(ctx).get("rating")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        return _l("Give a rating from 1 to 5.")
    return None


@guard(_l("not rated yet"))
def not_rated_yet(case, actor, ctx):
    if case.rating is not None:
        return _l("The service of this case has already been rated.")
    return None


@guard(_l("the applicant has been told the outcome"))
def outcome_informed(case, actor, ctx):
    if case.outcome_informed_at is None:
        return _l("Tell the applicant the outcome first (record it with “Outcome told to applicant”).")
    return None


@guard(_l("no mediation, plan or referral of the case is still open"))
def no_open_tracks(case, actor, ctx):
    items = ctx.facts.open_tracks if ctx.facts is not None else ()
    if items:
        return _l("End what is still open under this case first: %(items)s.", items="; ".join(str(i) for i in items))
    return None


@guard(_l("the applicant has not been told the outcome yet"))
def outcome_not_yet_informed(case, actor, ctx):
    if case.outcome_informed_at is not None:
        return _l("The applicant has already been told the outcome.")
    return None


@guard(_l("a decision has not reached the applicant yet"))
def decision_not_yet_told(case, actor, ctx):
    if not (ctx.facts and ctx.facts.decision_feedback_open):
        return _l("No decision of this case is waiting to be told to the applicant.")
    return None


@guard(_l("the date the material is needed by is a date to come"), needs_input=True)
def material_due_ok(case, actor, ctx):
    due = _data(ctx).get("due_on")
    if due is None or due == "":
        return None
    from datetime import date, timedelta

    from app.core.db import utcnow
    from app.core.workdays import china_day

    try:
        day = date.fromisoformat(due) if isinstance(due, str) else None
    except ValueError:
        day = None
    if day is None:
        return _l("Give the date the material is needed by as a date (year-month-day).")
    today = china_day(ctx.now or utcnow())
    if day < today:
        return _l("The date the material is needed by has already passed.")
    if day > today + timedelta(days=180):
        return _l("The date the material is needed by is more than six months away.")
    return None


@guard(_l("how the applicant was told is chosen"), needs_input=True)
def inform_method_given(case, actor, ctx):
    method = _data(ctx).get("method")
    if method is None or method == "":
        return _l("Choose how the applicant was told.")
    if method not in METHODS:
        return _l("Choose one of the listed ways the applicant was told.")
    return None


@guard(_l("the first responder confirms (or a supervisor)"))
def only_first_responder_confirms(case, actor, ctx):
    """The first responder stays answerable to the end: they confirm the outcome reached the
    applicant (a supervisor may do it for them)."""
    if case.first_responder_id not in (None, actor.id) and actor.role is not Role.SUPERVISOR:
        return _l("Only the first responder (or a supervisor) confirms that the applicant was told the outcome.")
    return None


@guard(_l("someone has taken the case up"))
def taken_up(case, actor, ctx):
    if case.first_responder_id is None:
        return _l("Nobody has taken the case up yet: acknowledge it first.")
    return None


@guard(_l("no handover or transfer is waiting for an answer"))
def no_open_offer(case, actor, ctx):
    if ctx.facts is not None and ctx.facts.open_offer is not None:
        return _l("A handover or transfer of this case is already waiting for an answer.")
    return None


@guard(_l("by the owner, the first responder or a supervisor"))
def may_hand_over(case, actor, ctx):
    if actor.id not in (case.owner_id, case.first_responder_id) and actor.role is not Role.SUPERVISOR:
        return _l("Only the case's owner, its first responder or a supervisor can hand it over.")
    return None


@guard(_l("to an active caseworker or supervisor of the same centre"), needs_input=True)
def handover_receiver_ok(case, actor, ctx):
    """The named colleague: an active caseworker or supervisor of the case's own centre, not the actor.

    Staff of another centre get one answer whatever they are: a refusal never tells the name,
    the role or the state of another centre's account."""
    receiver = ctx.facts.to_user if ctx.facts is not None else NOT_GIVEN
    if receiver is NOT_GIVEN:
        return _l("Name the colleague (their e-mail) who should take the case over.")
    if receiver is None:
        return _l("No staff account has that e-mail.")
    if receiver.id == actor.id:
        return _l("You cannot hand a case over to yourself.")
    if receiver.centre_id != case.centre_id:
        return _l("That person does not work at this case's centre; transfer the case instead.")
    if not receiver.is_active:
        return _l("%(name)s's account is deactivated.", name=receiver.name)
    if receiver.role not in HANDLERS:
        return _l("%(name)s is not a caseworker or supervisor.", name=receiver.name)
    if receiver.id == case.owner_id:
        return _l("%(name)s already owns this case.", name=receiver.name)
    return None


@guard(_l("to another open centre"), needs_input=True)
def transfer_target_ok(case, actor, ctx):
    centre = ctx.facts.to_centre if ctx.facts is not None else NOT_GIVEN
    if centre is NOT_GIVEN:
        return _l("Choose the centre (its code) the case should go to.")
    if centre is None:
        return _l("There is no centre with that code.")
    if centre.id == case.centre_id:
        return _l("The case is already at this centre.")
    if not centre.is_active:
        return _l("That centre is closed.")
    return None


@guard(_l("the handover is offered to the one answering"))
def handover_offered_to_actor(case, actor, ctx):
    offer = ctx.facts.open_offer if ctx.facts is not None else None
    if offer is None or offer.kind != "handover" or offer.to_user_id != actor.id:
        return _l("No handover of this case is offered to you.")
    return None


@guard(_l("the transfer is offered to the answerer's centre"))
def transfer_offered_to_actor_centre(case, actor, ctx):
    offer = ctx.facts.open_offer if ctx.facts is not None else None
    if offer is None or offer.kind != "transfer" or offer.to_centre_id != actor.centre_id:
        return _l("No transfer of this case is offered to your centre.")
    if offer.from_user_id == actor.id:
        return _l("You cannot answer your own offer.")
    return None


# ---- effects: the fields each action sets (the event keeps what they return) -------------------------


def take_up(case, actor) -> None:
    """The first staff member to take up a case becomes its first responder, for good."""
    if case.first_responder_id is None and actor.role in HANDLERS:
        case.first_responder_id = actor.id
        case.first_responder = actor
        if case.owner_id is None:
            case.owner_id = actor.id
            case.owner = actor


def _submitted(a):
    from app.cases.services import assign_number

    # The official number is taken now, not by the draft; first, before the case changes (taking a
    # year's first number opens a savepoint, which flushes whatever is pending).
    assign_number(a.subject, a.now)
    a.subject.submitted_at = a.now


def _acknowledged(a):
    a.subject.acknowledged_at = a.now
    take_up(a.subject, a.actor)


def _accepted(a):
    a.subject.decided_at = a.now
    # The guard saw every condition confirmed; record those, never other keys a client sent.
    return {"conditions": {c.value: True for c in AcceptanceCondition}}


def _declined(a):
    a.subject.decided_at = a.now
    a.subject.decline_reason = DeclineReason(a.data["reason"])
    return {"reason": a.subject.decline_reason.value}


def _answered(a):
    case = a.subject
    case.decided_at = case.closed_at = case.outcome_informed_at = a.now
    case.outcome = a.comment
    handovers.cancel_open_offer(case, a.now)


def _resolved(a):
    a.subject.resolved_at = a.now
    a.subject.outcome = a.comment


def _closed(a):
    a.subject.closed_at = a.now
    handovers.cancel_open_offer(a.subject, a.now)


def _withdrawn(a):
    handovers.cancel_open_offer(a.subject, a.now)


def _reopened(a):
    a.subject.closed_at = a.subject.resolved_at = a.subject.outcome_informed_at = None


def _rated(a):
    a.subject.rating = a.data["rating"]
    a.subject.rating_comment = a.comment[:2000]
    return {"rating": a.subject.rating}


def _material_requested(a):
    due = _data_of(a).get("due_on")
    return {"due_on": due} if due else None


def _informed(a):
    return {"method": a.data["method"]}


def _outcome_informed_by_staff(a):
    a.subject.outcome_informed_at = a.now
    return _informed(a)


def _data_of(a) -> dict:
    return a.data if isinstance(a.data, dict) else {}


# ---- whom an action tells on the applicant's side (app.cases.feedback) ------------------------------


def _reason_param(a):
    return {"reason": a.subject.decline_reason.value if a.subject.decline_reason else ""}


def _due_param(a):
    return {"due_on": _data_of(a).get("due_on") or ""}


def _centre_param(a):
    return {"centre": a.subject.centre.name if a.subject.centre is not None else ""}


def _material_kind(a):
    return "material_requested_by" if _data_of(a).get("due_on") else "material_requested"


# ---- inputs: what the forms and the API ask for beside the comment ---------------------------------


def _form_conditions(form) -> dict:
    return {c: True for c in form.getlist("conditions") if c in AcceptanceCondition._value2member_map_}


def _form_rating(form):
    rating = form.get("rating", "")
    return int(rating) if rating in {"1", "2", "3", "4", "5"} else None


CONDITIONS = Input(
    "conditions",
    _l("Acceptance conditions (confirm each)"),
    {
        "type": "object",
        "description": "Each acceptance condition, confirmed with true.",
        "properties": {c.value: {"type": "boolean"} for c in AcceptanceCondition},
    },
    "checklist",
    _form_conditions,
    choices=lambda case, actor: [(c.value, c.label) for c in AcceptanceCondition],
)
REASON = Input(
    "reason",
    _l("Reason"),
    {"type": "string", "enum": [r.value for r in DeclineReason]},
    "select",
    lambda form: form.get("reason", ""),
    choices=lambda case, actor: [(r.value, r.label) for r in DeclineReason],
    dom_id="decline-reason",
)
RATING = Input(
    "rating",
    _l("How satisfied are you with the centre's help?"),
    {"type": "integer", "minimum": 1, "maximum": 5},
    "stars",
    _form_rating,
)
MATERIAL_DUE = Input(
    "due_on",
    _l("Needed by"),
    {"type": "string", "format": "date", "description": "The date the material is needed by (YYYY-MM-DD)."},
    "date",
    lambda form: form.get("due_on", "")[:20],
    required=False,
    dom_id="material-due-on",
    help=lambda case, actor, choices: _l(
        "The applicant is told this date; the handling deadline waits until the material arrives."
    ),
)
INFORM_METHOD = Input(
    "method",
    _l("How the applicant was told"),
    {"type": "string", "enum": list(METHODS)},
    "select",
    lambda form: form.get("method", ""),
    choices=lambda case, actor: [(m, MethodLabel(m).label) for m in METHODS],
)
TO_USER = Input(
    "to_user",
    _l("Colleague who takes the case over"),
    {"type": "string", "description": "The e-mail of the colleague offered the case."},
    "colleague",
    lambda form: form.get("to_user", "")[:300],
    choices=handovers.colleague_choices,
    dom_id="handover-to",
    help=lambda case, actor, choices: (
        (
            _l("Nothing changes until they accept. You stay on record as first responder.")
            if case.first_responder_id == actor.id
            else _l("Nothing changes until they accept; the first responder stays on record.")
        )
        if choices
        else _l("No other active caseworker or supervisor works at this case's centre.")
    ),
)
TO_CENTRE = Input(
    "to_centre",
    _l("Centre that takes the case over"),
    {"type": "string", "description": "The code of the centre offered the case."},
    "centre",
    lambda form: form.get("to_centre", "")[:300],
    choices=handovers.centre_choices,
    dom_id="transfer-to",
    help=lambda case, actor, choices: _l("The receiving centre accepts or declines; until then the case stays here."),
)


# ---- notifications -----------------------------------------------------------------------------------


def _by(a) -> dict:
    return {"by": a.actor.name}


def _offerer_and_first_responder(a) -> list:
    return [a.facts.open_offer.from_user_id, a.subject.first_responder_id]


# ---- the table -----------------------------------------------------------------------------------------

_OPEN = frozenset(OPEN_STATES)
# A case someone has taken up and that is still open (a handover or transfer is offered on those).
_TAKEN = _OPEN - {S.DRAFT, S.SUBMITTED}
_INFORMED = _l("How and when the applicant was told")

CASES = Workflow(
    "case",
    list(S),
    (
        Action(
            "submit",
            frozenset({S.DRAFT}),
            S.SUBMITTED,
            HANDLERS | APPLICANT,
            _l("Submit"),
            guards=(facts_given,),
            effects=_submitted,
            clocks=(start("response", once=True),),
            notifies=(to_applicant("case_submitted"),),
        ),
        Action(
            "acknowledge",
            frozenset({S.SUBMITTED}),
            S.ACKNOWLEDGED,
            HANDLERS,
            _l("Acknowledge receipt"),
            effects=_acknowledged,
            clocks=(meet("response"), start("handling")),
            notifies=(to_applicant("case_acknowledged"),),
        ),
        Action(
            "request_material",
            frozenset({S.ACKNOWLEDGED}),
            S.AWAITING_MATERIAL,
            HANDLERS,
            _l("Ask for more material"),
            guards=(not_consultation, material_due_ok),
            comment_required=True,
            style="secondary",
            inputs=(MATERIAL_DUE,),
            effects=_material_requested,
            clocks=(pause("handling"),),
            notifies=(to_applicant(_material_kind, _due_param),),
            comment_label=_l("What is missing"),
        ),
        Action(
            "provide_material",
            frozenset({S.AWAITING_MATERIAL}),
            S.ACKNOWLEDGED,
            HANDLERS | APPLICANT,
            _l("Provide the material"),
            comment_required=True,
            clocks=(resume("handling"),),
            comment_label=_l("What you provide"),
        ),
        Action(
            "accept",
            frozenset({S.ACKNOWLEDGED}),
            S.ACCEPTED,
            HANDLERS,
            _l("Accept"),
            guards=(not_consultation, complainant_known, has_respondent, conditions_confirmed),
            style="success",
            inputs=(CONDITIONS,),
            effects=_accepted,
            clocks=(meet("handling"), start("feedback", trigger="accept")),
            issues=DocumentKind.ACCEPTANCE_NOTICE,
            notifies=(to_applicant("case_accepted", informs="accept"),),
        ),
        Action(
            "decline",
            frozenset({S.ACKNOWLEDGED, S.AWAITING_MATERIAL}),
            S.DECLINED,
            HANDLERS,
            _l("Decline"),
            guards=(not_consultation, decline_reason_given),
            comment_required=True,
            style="danger",
            inputs=(REASON,),
            effects=_declined,
            clocks=(meet("handling"), start("feedback", trigger="decline")),
            issues=DocumentKind.NON_ACCEPTANCE_NOTICE,
            notifies=(to_applicant("case_declined", _reason_param, informs="decline"),),
            comment_label=_l("Explanation"),
        ),
        Action(
            "answer",
            frozenset({S.SUBMITTED, S.ACKNOWLEDGED}),
            S.CLOSED,
            HANDLERS,
            _l("Answer and close"),
            guards=(only_consultation,),
            comment_required=True,
            style="success",
            effects=_answered,
            clocks=(MEET_ALL,),  # the answer is the feedback
            notifies=(to_applicant("case_answered"),),
            comment_label=_l("The answer"),
        ),
        Action("start_handling", frozenset({S.ACCEPTED}), S.IN_PROGRESS, HANDLERS, _l("Start handling")),
        Action(
            "resolve",
            frozenset({S.IN_PROGRESS}),
            S.RESOLVED,
            HANDLERS,
            _l("Record the outcome"),
            comment_required=True,
            style="success",
            effects=_resolved,
            clocks=(start("feedback", trigger="resolve"),),
            notifies=(to_applicant("case_resolved", informs="resolve"),),
            comment_label=_l("The outcome"),
        ),
        Action(
            "inform_decision",
            frozenset({S.ACCEPTED, S.IN_PROGRESS, S.DECLINED}),
            None,
            HANDLERS,
            _l("Decision told to applicant"),
            guards=(decision_not_yet_told, inform_method_given),
            comment_required=True,
            style="secondary",
            quiet_when_blocked=True,
            inputs=(INFORM_METHOD,),
            effects=_informed,
            clocks=(meet("feedback", triggers=DECISIONS),),
            comment_label=_INFORMED,
        ),
        Action(
            "inform_outcome",
            frozenset({S.RESOLVED}),
            None,
            HANDLERS,
            _l("Outcome told to applicant"),
            guards=(outcome_not_yet_informed, only_first_responder_confirms, inform_method_given),
            comment_required=True,
            inputs=(INFORM_METHOD,),
            effects=_outcome_informed_by_staff,
            clocks=(meet("feedback", triggers=("resolve",)),),
            comment_label=_INFORMED,
        ),
        Action(
            "close",
            frozenset({S.RESOLVED}),
            S.CLOSED,
            HANDLERS,
            _l("Close the case"),
            guards=(outcome_informed, no_open_tracks),
            effects=_closed,
            clocks=(STOP_ALL,),
            notifies=(to_applicant("case_closed"),),
        ),
        Action(
            "withdraw",
            # Not from a draft: nothing was submitted to withdraw (and a withdrawn case has a submission time).
            _OPEN - {S.DRAFT},
            S.WITHDRAWN,
            HANDLERS | APPLICANT,
            _l("Withdraw"),
            comment_required=True,
            style="outline-danger",
            effects=_withdrawn,
            clocks=(STOP_ALL,),
            notifies=(to_applicant("case_withdrawn"),),
            comment_label=_l("Why the case is withdrawn"),
            confirm=_l("Withdraw this case? It cannot be taken up again."),
        ),
        Action(
            "reopen",
            frozenset({S.CLOSED}),
            S.IN_PROGRESS,
            frozenset({Role.SUPERVISOR}),
            _l("Reopen"),
            guards=(not_consultation,),
            comment_required=True,
            style="warning",
            effects=_reopened,
            notifies=(to_applicant("case_reopened"),),
            comment_label=_l("Why the case is reopened"),
        ),
        Action(
            "offer_handover",
            _TAKEN,
            None,
            HANDLERS,
            _l("Hand over to a colleague"),
            guards=(taken_up, no_open_offer, may_hand_over, handover_receiver_ok),
            visible_to_applicant=False,
            style="outline-secondary",
            inputs=(TO_USER,),
            effects=handovers.offer_handover,
            notifies=(Notify("handover_offered", lambda a: [a.facts.to_user.id], _by),),
        ),
        Action(
            "accept_handover",
            _TAKEN,
            None,
            HANDLERS,
            _l("Accept the handover"),
            guards=(handover_offered_to_actor,),
            visible_to_applicant=False,
            style="success",
            offer_answer=True,
            effects=handovers.answer_offer,
            notifies=(Notify("handover_accepted", _offerer_and_first_responder, _by),),
        ),
        Action(
            "decline_handover",
            _TAKEN,
            None,
            HANDLERS,
            _l("Decline the handover"),
            guards=(handover_offered_to_actor,),
            comment_required=True,
            visible_to_applicant=False,
            style="outline-danger",
            offer_answer=True,
            effects=handovers.answer_offer,
            notifies=(Notify("handover_declined", _offerer_and_first_responder, _by),),
            comment_label=_l("Why you decline"),
        ),
        Action(
            "offer_transfer",
            _TAKEN,
            None,
            HANDLERS,
            _l("Transfer to another centre"),
            guards=(taken_up, no_open_offer, may_hand_over, transfer_target_ok),
            comment_required=True,
            visible_to_applicant=False,
            style="outline-secondary",
            inputs=(TO_CENTRE,),
            effects=handovers.offer_transfer,
            notifies=(Notify("transfer_offered", lambda a: handovers.receiving_staff(a.facts.to_centre), _by),),
            comment_label=_l("Why the other centre should take the case"),
        ),
        Action(
            "accept_transfer",
            _TAKEN,
            None,
            HANDLERS,
            _l("Accept the transfer"),
            guards=(transfer_offered_to_actor_centre,),
            style="success",
            offer_answer=True,
            effects=handovers.answer_offer,
            notifies=(
                Notify("transfer_accepted", _offerer_and_first_responder, _by),
                to_applicant("case_transferred", _centre_param),
            ),
        ),
        Action(
            "decline_transfer",
            _TAKEN,
            None,
            HANDLERS,
            _l("Decline the transfer"),
            guards=(transfer_offered_to_actor_centre,),
            comment_required=True,
            visible_to_applicant=False,
            style="outline-danger",
            offer_answer=True,
            effects=handovers.answer_offer,
            notifies=(Notify("transfer_declined", _offerer_and_first_responder, _by),),
            comment_label=_l("Why your centre declines"),
        ),
        Action(
            "rate",
            frozenset({S.CLOSED}),
            None,
            APPLICANT,
            _l("Rate the service"),
            guards=(not_rated_yet, rating_given),
            inputs=(RATING,),
            effects=_rated,
            comment_shown=True,
        ),
    ),
    S.DRAFT,
    label=_l("Case"),
    facts=CaseFacts,
    wrong_state=lambda state: _l("Not possible while the case is “%(state)s”.", state=state.label),
)

ACTIONS = CASES.actions
check = CASES.check
available_actions = CASES.available_actions
graph_lines = CASES.graph_lines
graph_dot = CASES.graph_dot
