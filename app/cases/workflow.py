"""The case workflow as a rule table: pure Python, no request and no database.

For every action: the states it starts from, the state it leads to (``None``
keeps the state), the roles that may take it, whether a comment is required,
and guards that return the reason the action is blocked (``None`` when clear).
``app.cases.services.transition`` is the one door that applies it;
``available_actions`` tells a page or the API what a user may do now and why
the rest is blocked.

Later handling tracks (plan, mediation, referral, fund) plug in while a case
is ``in_progress``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.auth.models import Role
from app.cases.enums import OPEN_STATES, AcceptanceCondition, CaseKind, DeclineReason
from app.cases.enums import CaseState as S

HANDLERS = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
APPLICANT = frozenset({Role.APPLICANT})

Guard = Callable[[object, object, dict], object]


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset
    target: S | None
    roles: frozenset
    label: object
    guards: tuple[Guard, ...] = ()
    comment_required: bool = False
    # Whether the applicant's timeline shows the event (internal actions stay with staff).
    visible_to_applicant: bool = True
    style: str = "primary"
    data_fields: tuple[str, ...] = field(default=())
    # An answer to a handover or transfer offer: pages show it only to whoever it is offered to.
    offer_answer: bool = False
    # Pages show it only when it is open (never as a blocked button on every case).
    quiet_when_blocked: bool = False

    @property
    def listed_when_blocked(self) -> bool:
        return not (self.offer_answer or self.quiet_when_blocked)

    def target_for(self, case) -> S:
        return self.target if self.target is not None else case.state


# ---- guards: (case, actor, ctx) -> reason | None; never any side effect ----------------------------


def not_consultation(case, actor, ctx):
    if case.kind is CaseKind.CONSULTATION:
        return _l("A consultation is answered, not accepted or declined.")
    return None


def only_consultation(case, actor, ctx):
    if case.kind is not CaseKind.CONSULTATION:
        return _l("Only a consultation can be answered and closed directly.")
    return None


def facts_given(case, actor, ctx):
    """What ``create_case`` asks of a case filed at once, asked of a draft when it is submitted."""
    if case.kind is CaseKind.CONSULTATION:
        if not ((case.facts or "").strip() or (case.help_wanted or "").strip()):
            return _l("Write your question.")
    elif not (case.facts or "").strip():
        return _l("Describe the facts of the infringement.")
    return None


def has_respondent(case, actor, ctx):
    if case.kind in (CaseKind.COMPLAINT, CaseKind.ASSISTANCE) and not (case.respondent_name or "").strip():
        return _l("The case names no respondent; ask the applicant for one first.")
    return None


def conditions_confirmed(case, actor, ctx):
    given = (ctx.get("data") or {}).get("conditions")
    if given is None:
        return _l("Confirm each acceptance condition.")
    if not isinstance(given, dict):
        return _l("The acceptance conditions must be given one by one.")
    missing = [c.label for c in AcceptanceCondition if given.get(c.value) is not True]
    if missing:
        return _l("Not confirmed: %(conditions)s.", conditions="; ".join(str(m) for m in missing))
    return None


def decline_reason_given(case, actor, ctx):
    reason = (ctx.get("data") or {}).get("reason")
    if reason is None or reason == "":
        return _l("Choose the reason for declining.")
    if not isinstance(reason, str) or reason not in {r.value for r in DeclineReason}:
        return _l("Choose one of the listed reasons for declining.")
    return None


def rating_given(case, actor, ctx):
    rating = (ctx.get("data") or {}).get("rating")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        return _l("Give a rating from 1 to 5.")
    return None


def not_rated_yet(case, actor, ctx):
    if case.rating is not None:
        return _l("The service of this case has already been rated.")
    return None


def outcome_informed(case, actor, ctx):
    if case.outcome_informed_at is None:
        return _l("Tell the applicant the outcome first (record it with “Outcome told to applicant”).")
    return None


def outcome_not_yet_informed(case, actor, ctx):
    if case.outcome_informed_at is not None:
        return _l("The applicant has already been told the outcome.")
    return None


def decision_not_yet_told(case, actor, ctx):
    if not ctx.get("decision_feedback_open"):
        return _l("No decision of this case is waiting to be told to the applicant.")
    return None


def only_first_responder_confirms(case, actor, ctx):
    """The first responder stays answerable to the end: they confirm the outcome reached the
    applicant (a supervisor may do it for them)."""
    if case.first_responder_id not in (None, actor.id) and actor.role is not Role.SUPERVISOR:
        return _l("Only the first responder (or a supervisor) confirms that the applicant was told the outcome.")
    return None


def taken_up(case, actor, ctx):
    if case.first_responder_id is None:
        return _l("Nobody has taken the case up yet: acknowledge it first.")
    return None


def no_open_offer(case, actor, ctx):
    if ctx.get("open_offer") is not None:
        return _l("A handover or transfer of this case is already waiting for an answer.")
    return None


def may_hand_over(case, actor, ctx):
    if actor.id not in (case.owner_id, case.first_responder_id) and actor.role is not Role.SUPERVISOR:
        return _l("Only the case's owner, its first responder or a supervisor can hand it over.")
    return None


def handover_receiver_ok(case, actor, ctx):
    """The named colleague: an active caseworker or supervisor of the case's own centre, not the actor."""
    if "to_user" not in ctx:
        return _l("Name the colleague (their e-mail) who should take the case over.")
    receiver = ctx["to_user"]
    if receiver is None:
        return _l("No staff account has that e-mail.")
    if receiver.id == actor.id:
        return _l("You cannot hand a case over to yourself.")
    if not receiver.is_active:
        return _l("%(name)s's account is deactivated.", name=receiver.name)
    if receiver.role not in HANDLERS:
        return _l("%(name)s is not a caseworker or supervisor.", name=receiver.name)
    if receiver.centre_id != case.centre_id:
        return _l("%(name)s does not work at this case's centre; transfer the case instead.", name=receiver.name)
    if receiver.id == case.owner_id:
        return _l("%(name)s already owns this case.", name=receiver.name)
    return None


def transfer_target_ok(case, actor, ctx):
    if "to_centre" not in ctx:
        return _l("Choose the centre (its code) the case should go to.")
    centre = ctx["to_centre"]
    if centre is None:
        return _l("There is no centre with that code.")
    if centre.id == case.centre_id:
        return _l("The case is already at this centre.")
    if not centre.is_active:
        return _l("That centre is closed.")
    return None


def handover_offered_to_actor(case, actor, ctx):
    offer = ctx.get("open_offer")
    if offer is None or offer.kind != "handover" or offer.to_user_id != actor.id:
        return _l("No handover of this case is offered to you.")
    return None


def transfer_offered_to_actor_centre(case, actor, ctx):
    offer = ctx.get("open_offer")
    if offer is None or offer.kind != "transfer" or offer.to_centre_id != actor.centre_id:
        return _l("No transfer of this case is offered to your centre.")
    if offer.from_user_id == actor.id:
        return _l("You cannot answer your own offer.")
    return None


# ---- the table -----------------------------------------------------------------------------------------

_OPEN = frozenset(OPEN_STATES)
# A case someone has taken up and that is still open (a handover or transfer is offered on those).
_TAKEN = _OPEN - {S.DRAFT, S.SUBMITTED}

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("submit", frozenset({S.DRAFT}), S.SUBMITTED, HANDLERS | APPLICANT, _l("Submit"), guards=(facts_given,)),
        Action("acknowledge", frozenset({S.SUBMITTED}), S.ACKNOWLEDGED, HANDLERS, _l("Acknowledge receipt")),
        Action(
            "request_material",
            frozenset({S.ACKNOWLEDGED}),
            S.AWAITING_MATERIAL,
            HANDLERS,
            _l("Ask for more material"),
            guards=(not_consultation,),
            comment_required=True,
            style="secondary",
        ),
        Action(
            "provide_material",
            frozenset({S.AWAITING_MATERIAL}),
            S.ACKNOWLEDGED,
            HANDLERS | APPLICANT,
            _l("Provide the material"),
            comment_required=True,
        ),
        Action(
            "accept",
            frozenset({S.ACKNOWLEDGED}),
            S.ACCEPTED,
            HANDLERS,
            _l("Accept"),
            guards=(not_consultation, has_respondent, conditions_confirmed),
            style="success",
            data_fields=("conditions",),
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
            data_fields=("reason",),
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
        ),
        Action(
            "inform_decision",
            frozenset({S.ACCEPTED, S.IN_PROGRESS, S.DECLINED}),
            None,
            HANDLERS,
            _l("Decision told to applicant"),
            guards=(decision_not_yet_told,),
            comment_required=True,
            style="secondary",
            quiet_when_blocked=True,
        ),
        Action(
            "inform_outcome",
            frozenset({S.RESOLVED}),
            None,
            HANDLERS,
            _l("Outcome told to applicant"),
            guards=(outcome_not_yet_informed, only_first_responder_confirms),
            comment_required=True,
        ),
        Action(
            "close",
            frozenset({S.RESOLVED}),
            S.CLOSED,
            HANDLERS,
            _l("Close the case"),
            guards=(outcome_informed,),
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
            data_fields=("to_user",),
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
            data_fields=("to_centre",),
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
        ),
        Action(
            "rate",
            frozenset({S.CLOSED}),
            None,
            APPLICANT,
            _l("Rate the service"),
            guards=(not_rated_yet, rating_given),
            data_fields=("rating",),
        ),
    )
}


@dataclass(frozen=True)
class Check:
    """Why an action is or is not open to a user now."""

    action: Action
    allowed: bool
    reasons: tuple = ()
    # True when the role may never take the action (403 rather than 422).
    role_refused: bool = False
    wrong_state: bool = False


def check(case, action: Action, actor, ctx: dict | None = None, *, for_display: bool = False) -> Check:
    """Evaluate one action for ``actor`` on ``case``.

    ``for_display`` leaves out guards that depend on input not yet given (the form asks for it).
    """
    ctx = ctx or {}
    if actor.role not in action.roles:
        return Check(action, False, (_l("Your role cannot take this action."),), role_refused=True)
    if case.state not in action.sources:
        return Check(
            action,
            False,
            (_l("Not possible while the case is “%(state)s”.", state=case.state.label),),
            wrong_state=True,
        )
    reasons = []
    for guard in action.guards:
        if for_display and guard in _INPUT_GUARDS:
            continue
        reason = guard(case, actor, ctx)
        if reason is not None:
            reasons.append(reason)
    if not for_display and action.comment_required and not (ctx.get("comment") or "").strip():
        reasons.append(_l("A comment is required for this action."))
    return Check(action, not reasons, tuple(reasons))


_INPUT_GUARDS = frozenset(
    {conditions_confirmed, decline_reason_given, rating_given, handover_receiver_ok, transfer_target_ok}
)


def available_actions(case, actor, ctx: dict | None = None) -> list[Check]:
    """Every action the user's role may take on a case, allowed or with the reasons it is blocked.
    ``ctx`` holds the facts the guards read beside the case (the open offer, untold decisions)."""
    return [check(case, a, actor, ctx, for_display=True) for a in ACTIONS.values() if actor.role in a.roles]


def graph_lines() -> list[str]:
    """The rule table as text, one line per action and source state."""
    lines = []
    for action in ACTIONS.values():
        roles = ", ".join(sorted(r.value for r in action.roles))
        guards = ", ".join(g.__name__ for g in action.guards) or "-"
        for source in sorted(action.sources, key=lambda s: list(S).index(s)):
            target = action.target.value if action.target else source.value
            lines.append(f"{source.value:<18} --{action.name}--> {target:<18} [{roles}] guards: {guards}")
    return lines


def graph_dot() -> str:
    """Graphviz source of the state diagram."""
    out = ["digraph case_workflow {", "  rankdir=LR;"]
    for action in ACTIONS.values():
        for source in action.sources:
            target = action.target.value if action.target else source.value
            out.append(f'  {source.value} -> {target} [label="{action.name}"];')
    out.append("}")
    return "\n".join(out)
