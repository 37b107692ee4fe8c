"""The referral of a lead to an enforcement agency as a rule table on the engine (``app.core.workflow``).

decided (a caseworker proposes; the 5-working-day send clock runs) → a supervisor approves (or
not) → sent with the transfer letter (the 30-day chase clock runs; a chase letter restarts it) →
the agency's word: receipt, a case opened or not, the outcome, or a transfer to public security
whose steps the case mirrors → closed; withdrawn at any time before the end.

The agency answers without an account through the signed link of the letter: it acts as the
pseudo-role ``AGENCY`` (``AgencyActor`` in ``app.referrals.reply``), which only the agency's
actions admit. Staff may record the same from a telephone call, a letter or an e-mail; the event
says which, so the agency's word is never shown as staff's.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from app.auth.models import Role
from app.cases.enums import DocumentKind
from app.cases.feedback import to_applicant
from app.core.money import fen_from_text
from app.core.workdays import china_day
from app.core.workflow import STOP_ALL, Action, Input, Workflow, guard, meet, start
from app.mediation.workflow import parse_date
from app.referrals.enums import PoliceStep, ReferralState, ReplyChannel, SendMethod

S = ReferralState
MAX_TEXT = 5000
MAX_PENALTY_FEN = 10**13


class Party(enum.StrEnum):
    """Who acts on a referral without an account: the agency, through its reply link."""

    AGENCY = "agency"

    @property
    def label(self):
        return _l("Enforcement agency")


STAFF = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
SUPERVISORS = frozenset({Role.SUPERVISOR})
STAFF_OR_AGENCY = STAFF | {Party.AGENCY}
WITH_AGENCY = frozenset({S.SENT, S.RECEIVED, S.CASE_OPENED, S.WITH_POLICE})
BEFORE_SENDING = frozenset({S.PROPOSED, S.APPROVED})
#: The actions an agency takes through its link (and staff may record for it).
AGENCY_ACTIONS = (
    "record_receipt",
    "record_decision",
    "record_no_case",
    "record_outcome",
    "record_police_transfer",
    "record_police_step",
)


@dataclass
class ReferralFacts:
    """What the guards read beside the referral: whether its case is open, who proposed it, why its
    agency does not fit (empty when it does), and the last day the agency was heard of."""

    case_open: bool = True
    proposer_id: int | None = None
    mismatch: list = field(default_factory=list)
    sent_on: date | None = None


def today(ctx) -> date:
    return china_day(ctx.now) if ctx.now is not None else date.today()


def _data(ctx) -> dict:
    return ctx.data or {}


def is_agency(actor) -> bool:
    return getattr(actor, "role", None) is Party.AGENCY


# ---- guards -------------------------------------------------------------------------------------------------


@guard(_l("its case is still open"))
def case_open(r, actor, ctx):
    if ctx.facts is not None and not ctx.facts.case_open:
        return _l("The case is no longer open.")
    return None


@guard(_l("the approver did not propose the referral"))
def not_proposer(r, actor, ctx):
    proposer = ctx.facts.proposer_id if ctx.facts is not None else r.created_by_id
    if proposer is not None and proposer == getattr(actor, "id", None):
        return _l("Another supervisor approves a referral you proposed yourself.")
    return None


@guard(
    _l("an agency that does not fit the right or the region is kept only with a comment saying why"), needs_input=True
)
def mismatch_overridden(r, actor, ctx):
    mismatch = ctx.facts.mismatch if ctx.facts is not None else (r.mismatch or [])
    if mismatch and not (ctx.comment or "").strip():
        return _l(
            "The agency chosen does not fit (%(why)s). To send it there anyway, say why in the comment.",
            why="; ".join(str(m) for m in mismatch),
        )
    return None


@guard(_l("how the letter is sent is chosen"), needs_input=True)
def method_given(r, actor, ctx):
    value = _data(ctx).get("method")
    if not isinstance(value, str) or value not in {m.value for m in SendMethod}:
        return _l("Choose how the transfer letter is sent.")
    if value == SendMethod.EMAIL.value and not (r.agency.email or "").strip():
        return _l("The agency has no e-mail address in the directory; send the letter another way.")
    return None


@guard(_l("staff say how the agency's word reached them"), needs_input=True)
def channel_given(r, actor, ctx):
    if is_agency(actor):
        return None
    value = _data(ctx).get("channel")
    if not isinstance(value, str) or value not in {c.value for c in ReplyChannel if c is not ReplyChannel.LINK}:
        return _l("Say how the agency told you: by telephone, by letter or by e-mail.")
    return None


def _day_problem(value, r, ctx, what, *, required=True):
    if value in (None, ""):
        return _l("Give the date %(what)s (YYYY-MM-DD).", what=what) if required else None
    day = parse_date(value)
    if day is None:
        return _l("Give the date %(what)s (YYYY-MM-DD).", what=what)
    if day > today(ctx):
        return _l("The date %(what)s cannot be in the future.", what=what)
    sent = ctx.facts.sent_on if ctx.facts is not None else None
    if sent is not None and day < sent:
        return _l("The date %(what)s cannot come before the letter was sent (%(sent)s).", what=what, sent=sent)
    return None


@guard(_l("the day of receipt is not in the future nor before the sending"), needs_input=True)
def received_on_valid(r, actor, ctx):
    return _day_problem(_data(ctx).get("received_on"), r, ctx, _l("the agency received the letter"), required=False)


@guard(_l("the day of the agency's decision is given"), needs_input=True)
def decided_on_valid(r, actor, ctx):
    reasons = []
    problem = _day_problem(_data(ctx).get("decided_on"), r, ctx, _l("of the agency's decision"), required=False)
    if problem:
        reasons.append(str(problem))
    number = _data(ctx).get("agency_case_number")
    if number not in (None, "") and (not isinstance(number, str) or len(number) > 100):
        reasons.append(str(_l("The agency's case number is at most 100 characters.")))
    return " ".join(reasons) or None


@guard(_l("the agency's reasons for not opening a case are given"), needs_input=True)
def reason_given(r, actor, ctx):
    reason = _data(ctx).get("reason")
    if not isinstance(reason, str) or not reason.strip():
        return _l("Give the agency's reasons for not opening a case.")
    if len(reason) > MAX_TEXT:
        return _l("The reasons are too long (at most %(n)d characters).", n=MAX_TEXT)
    return None


def outcome_problems(data: dict, r, ctx) -> list:
    reasons = []
    penalty = data.get("penalty_fen")
    if penalty not in (None, ""):
        if isinstance(penalty, bool) or not isinstance(penalty, int):
            reasons.append(_l("The penalty must be a sum in yuan, with at most two decimals."))
        elif penalty < 0:
            reasons.append(_l("The penalty cannot be negative."))
        elif penalty > MAX_PENALTY_FEN:
            reasons.append(_l("The penalty is too large."))
    summary = data.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        reasons.append(_l("Say in a few words what the agency decided."))
    elif len(summary) > MAX_TEXT:
        reasons.append(_l("The summary is too long (at most %(n)d characters).", n=MAX_TEXT))
    goods = data.get("goods_seized")
    if goods not in (None, "") and (not isinstance(goods, str) or len(goods) > 2000):
        reasons.append(_l("Describe the goods seized in at most 2,000 characters."))
    stop = data.get("stop_ordered")
    if stop not in (None, "", True, False, "y", "on", "1", "true"):
        reasons.append(_l("Say whether the agency ordered the infringement to stop."))
    problem = _day_problem(data.get("outcome_on"), r, ctx, _l("of the outcome"), required=False)
    if problem:
        reasons.append(problem)
    return reasons


@guard(_l("the outcome is described; a penalty is a sum in yuan, not negative"), needs_input=True)
def outcome_valid(r, actor, ctx):
    return " ".join(str(x) for x in outcome_problems(_data(ctx), r, ctx)) or None


@guard(_l("the day of the transfer to public security is given"), needs_input=True)
def police_transfer_valid(r, actor, ctx):
    return _day_problem(_data(ctx).get("transferred_on"), r, ctx, _l("of the transfer to public security"))


POLICE_ORDER = {
    PoliceStep.RECEIVED.value: set(),
    PoliceStep.OPENED.value: {PoliceStep.RECEIVED.value},
    PoliceStep.NOT_OPENED.value: {PoliceStep.RECEIVED.value},
    PoliceStep.RECONSIDERATION_ASKED.value: {PoliceStep.NOT_OPENED.value},
    PoliceStep.RECONSIDERATION_ANSWERED.value: {PoliceStep.RECONSIDERATION_ASKED.value},
}


@guard(_l("the police steps come in the regulation's order, each dated"), needs_input=True)
def police_step_valid(r, actor, ctx):
    data = _data(ctx)
    step = data.get("step")
    if not isinstance(step, str) or step not in POLICE_ORDER:
        return _l("Choose the step the agency reports.")
    done = {s.get("step") for s in (r.police_steps or [])}
    if step in done:
        return _l("That step is already recorded.")
    if step in (PoliceStep.OPENED.value, PoliceStep.NOT_OPENED.value) and done & {
        PoliceStep.OPENED.value,
        PoliceStep.NOT_OPENED.value,
    }:
        return _l("The police's decision is already recorded.")
    needed = POLICE_ORDER[step]
    if needed and not needed & done:
        return _l("Record the earlier step first: %(step)s.", step=PoliceStep(next(iter(needed))).label)
    problem = _day_problem(data.get("on"), r, ctx, _l("of the step"))
    if problem:
        return problem
    day = parse_date(data.get("on"))
    last = max((parse_date(s.get("on")) for s in (r.police_steps or []) if parse_date(s.get("on"))), default=None)
    floor = (
        max(d for d in (r.police_transferred_on, last) if d is not None) if (r.police_transferred_on or last) else None
    )
    if floor is not None and day < floor:
        return _l("A step cannot come before the transfer or the step before it (%(day)s).", day=floor)
    note = data.get("note")
    if note not in (None, "") and (not isinstance(note, str) or len(note) > 2000):
        return _l("The note is at most 2,000 characters.")
    return None


# ---- effects ----------------------------------------------------------------------------------------------


def _word(a) -> dict:
    """Who said it and how: the agency through its link, or staff recording its word."""
    r = a.subject
    r.last_word_at = a.now
    if is_agency(a.actor):
        return {"by": "agency", "via": ReplyChannel.LINK.value}
    return {"by": "staff", "via": ReplyChannel(a.data["channel"]).value}


def _approved(a):
    r = a.subject
    r.approved_by_id = a.actor.id
    r.approved_at = a.now
    if r.mismatch:
        r.override_comment = a.comment
        return {"override": True}
    return None


def _sent(a):
    from app.referrals.reply import issue_token

    r = a.subject
    r.sent_at = a.now
    r.sent_method = SendMethod(a.data["method"])
    issue_token(r, a.actor, a.now)
    return {"method": r.sent_method.value}


def _chased(a):
    from app.referrals.reply import issue_token

    r = a.subject
    r.chase_count += 1
    r.last_chased_at = a.now
    issue_token(r, a.actor, a.now)
    return {"chase": r.chase_count}


def _received(a):
    r = a.subject
    recorded = _word(a)
    r.received_on = parse_date(a.data.get("received_on")) or china_day(a.now)
    return {**recorded, "received_on": r.received_on.isoformat()}


def _decided(a):
    r = a.subject
    recorded = _word(a)
    r.decided_on = parse_date(a.data.get("decided_on")) or china_day(a.now)
    if r.received_on is None:  # a decision says the letter arrived
        r.received_on = r.decided_on
    if a.action.name == "record_decision":
        r.opened = True
        r.agency_case_number = (a.data.get("agency_case_number") or "").strip()
        return {**recorded, "opened": True, "decided_on": r.decided_on.isoformat()}
    r.opened = False
    r.not_opened_reason = a.data["reason"].strip()
    return {**recorded, "opened": False, "decided_on": r.decided_on.isoformat(), "reason": r.not_opened_reason}


def _outcome(a):
    r, data = a.subject, a.data
    recorded = _word(a)
    penalty = data.get("penalty_fen")
    r.penalty_fen = penalty if penalty not in (None, "") else None
    r.goods_seized = (data.get("goods_seized") or "").strip()
    r.stop_ordered = data.get("stop_ordered") in (True, "y", "on", "1", "true")
    r.outcome_summary = data["summary"].strip()
    r.outcome_on = parse_date(data.get("outcome_on")) or china_day(a.now)
    return {
        **recorded,
        "penalty_fen": r.penalty_fen,
        "goods_seized": bool(r.goods_seized),
        "stop_ordered": r.stop_ordered,
        "outcome_on": r.outcome_on.isoformat(),
        "summary": r.outcome_summary,
    }


def _police(a):
    r = a.subject
    recorded = _word(a)
    r.police_transferred_on = parse_date(a.data["transferred_on"])
    return {**recorded, "transferred_on": r.police_transferred_on.isoformat()}


def _police_step(a):
    r, data = a.subject, a.data
    recorded = _word(a)
    entry = {"step": data["step"], "on": parse_date(data["on"]).isoformat(), "note": (data.get("note") or "").strip()}
    r.police_steps = [*(r.police_steps or []), entry]
    return {**recorded, **entry}


def _closed(a):
    a.subject.closed_at = a.now
    return None


# ---- input ----------------------------------------------------------------------------------------------------


def _date_input(name, label, *, required=True):
    return Input(
        name,
        label,
        {"type": "string", "format": "date", "description": f"{name} (YYYY-MM-DD)"},
        "date",
        lambda form: (form.get(name) or "")[:20],
        required=required,
    )


def _text_input(name, label, *, widget="text", limit=MAX_TEXT, required=True):
    return Input(
        name,
        label,
        {"type": "string", "maxLength": limit},
        widget,
        lambda form: (form.get(name) or "")[: limit + 1],
        required=required,
    )


def _staff_channels(r, actor):
    return [(c.value, c.label) for c in ReplyChannel if c is not ReplyChannel.LINK]


CHANNEL = Input(
    "channel",
    _l("How the agency told you"),
    {"type": "string", "enum": [c.value for c in ReplyChannel if c is not ReplyChannel.LINK]},
    "select",
    lambda form: (form.get("channel") or "")[:20],
    choices=_staff_channels,
)
METHOD = Input(
    "method",
    _l("How the letter is sent"),
    {"type": "string", "enum": [m.value for m in SendMethod]},
    "select",
    lambda form: (form.get("method") or "")[:20],
    choices=lambda r, actor: [(m.value, m.label) for m in SendMethod],
)
RECEIVED_ON = _date_input("received_on", _l("Received on"), required=False)
DECIDED_ON = _date_input("decided_on", _l("Decided on"), required=False)
AGENCY_CASE_NUMBER = _text_input("agency_case_number", _l("The agency's case number"), limit=100, required=False)
REASON = _text_input("reason", _l("The agency's reasons"), widget="textarea")
PENALTY = Input(
    "penalty_fen",
    _l("Fine (yuan)"),
    {"type": ["integer", "null"], "minimum": 0, "description": "The fine imposed, in fen."},
    "money",
    lambda form: fen_from_text((form.get("penalty_fen") or "")[:30]),
    required=False,
)
GOODS = _text_input("goods_seized", _l("Goods seized"), widget="textarea", limit=2000, required=False)
STOP_ORDERED = Input(
    "stop_ordered",
    _l("Ordered to stop the infringement"),
    {"type": "boolean"},
    "checklist",
    lambda form: "y" if form.get("stop_ordered") else "",
    choices=lambda r, actor: [("y", _l("The agency ordered the infringement to stop"))],
    required=False,
)
SUMMARY = _text_input("summary", _l("What the agency decided"), widget="textarea")
OUTCOME_ON = _date_input("outcome_on", _l("Date of the outcome"), required=False)
TRANSFERRED_ON = _date_input("transferred_on", _l("Transferred on"))
STEP = Input(
    "step",
    _l("Step"),
    {"type": "string", "enum": [s.value for s in PoliceStep]},
    "select",
    lambda form: (form.get("step") or "")[:40],
    choices=lambda r, actor: [(s.value, s.label) for s in PoliceStep],
)
STEP_ON = _date_input("on", _l("Date of the step"))
STEP_NOTE = _text_input("note", _l("Note"), widget="textarea", limit=2000, required=False)


def _agency_inputs(*inputs):
    """The inputs of an agency action: staff also say how the agency's word reached them."""
    return (*inputs, CHANNEL)


def _outcome_params(a):
    from app.core.money import yuan

    fen = a.subject.penalty_fen
    return {"summary": a.subject.outcome_summary, "penalty": yuan(fen) if fen else ""}


def _agency_params(a):
    return {"agency": a.subject.agency.name}


# ---- the rule table --------------------------------------------------------------------------------------------

ACTIONS = (
    Action(
        "approve",
        frozenset({S.PROPOSED}),
        S.APPROVED,
        SUPERVISORS,
        _l("Approve the referral"),
        guards=(case_open, not_proposer, mismatch_overridden),
        effects=_approved,
        visible_to_applicant=False,
        style="success",
        comment_shown=True,
        comment_label=_l("Comment (required to keep an agency that does not fit)"),
    ),
    Action(
        "refuse",
        frozenset({S.PROPOSED}),
        S.REFUSED,
        SUPERVISORS,
        _l("Do not approve"),
        clocks=(STOP_ALL,),
        visible_to_applicant=False,
        comment_required=True,
        comment_label=_l("Why the lead is not referred"),
        style="warning",
    ),
    Action(
        "send",
        frozenset({S.APPROVED}),
        S.SENT,
        STAFF,
        _l("Send the transfer letter"),
        guards=(case_open, method_given),
        inputs=(METHOD,),
        effects=_sent,
        clocks=(meet("send"), start("chase")),
        issues=DocumentKind.TRANSFER_LETTER,
        notifies=(to_applicant("referral_sent", _agency_params),),
        confirm=_l("Send the transfer letter? It is issued with its number and cannot be changed afterwards."),
    ),
    Action(
        "record_receipt",
        frozenset({S.SENT}),
        S.RECEIVED,
        STAFF_OR_AGENCY,
        _l("Record the agency's receipt"),
        guards=(received_on_valid, channel_given),
        inputs=_agency_inputs(RECEIVED_ON),
        effects=_received,
        clocks=(meet("chase"), start("chase")),
        notifies=(to_applicant("referral_received", _agency_params),),
    ),
    Action(
        "record_decision",
        frozenset({S.SENT, S.RECEIVED}),
        S.CASE_OPENED,
        STAFF_OR_AGENCY,
        _l("Record that the agency opened a case"),
        guards=(decided_on_valid, channel_given),
        inputs=_agency_inputs(DECIDED_ON, AGENCY_CASE_NUMBER),
        effects=_decided,
        clocks=(meet("chase"), start("chase")),
        notifies=(to_applicant("referral_opened", _agency_params),),
        style="success",
    ),
    Action(
        "record_no_case",
        frozenset({S.SENT, S.RECEIVED}),
        S.NOT_OPENED,
        STAFF_OR_AGENCY,
        _l("Record that the agency opened no case"),
        guards=(decided_on_valid, reason_given, channel_given),
        inputs=_agency_inputs(DECIDED_ON, REASON),
        effects=_decided,
        clocks=(STOP_ALL,),
        notifies=(to_applicant("referral_not_opened", _agency_params),),
        style="warning",
    ),
    Action(
        "record_outcome",
        frozenset({S.CASE_OPENED, S.WITH_POLICE}),
        S.CONCLUDED,
        STAFF_OR_AGENCY,
        _l("Record the agency's outcome"),
        guards=(outcome_valid, channel_given),
        inputs=_agency_inputs(SUMMARY, PENALTY, GOODS, STOP_ORDERED, OUTCOME_ON),
        effects=_outcome,
        clocks=(STOP_ALL,),
        notifies=(to_applicant("referral_outcome", _outcome_params),),
        style="success",
    ),
    Action(
        "record_police_transfer",
        frozenset({S.RECEIVED, S.CASE_OPENED}),
        S.WITH_POLICE,
        STAFF_OR_AGENCY,
        _l("Record the transfer to public security"),
        guards=(police_transfer_valid, channel_given),
        inputs=_agency_inputs(TRANSFERRED_ON),
        effects=_police,
        clocks=(meet("chase"), start("chase")),
        notifies=(to_applicant("referral_police", _agency_params),),
        style="secondary",
    ),
    Action(
        "record_police_step",
        frozenset({S.WITH_POLICE}),
        None,
        STAFF_OR_AGENCY,
        _l("Record a step of public security"),
        guards=(police_step_valid, channel_given),
        inputs=_agency_inputs(STEP, STEP_ON, STEP_NOTE),
        effects=_police_step,
        clocks=(meet("chase"), start("chase")),
        visible_to_applicant=False,
        style="secondary",
    ),
    Action(
        "chase",
        frozenset(WITH_AGENCY),
        None,
        STAFF,
        _l("Chase the agency"),
        effects=_chased,
        clocks=(meet("chase"), start("chase")),
        issues=DocumentKind.CHASE_LETTER,
        visible_to_applicant=False,
        style="warning",
        confirm=_l("Issue a letter chasing the agency? The 30 days start again."),
    ),
    Action(
        "close",
        frozenset({*WITH_AGENCY, S.NOT_OPENED, S.CONCLUDED}),
        S.CLOSED,
        STAFF,
        _l("Close the referral"),
        effects=_closed,
        clocks=(STOP_ALL,),
        notifies=(to_applicant("referral_closed"),),
        comment_required=True,
        comment_label=_l("What came of it, in short"),
        style="secondary",
    ),
    Action(
        "withdraw",
        frozenset({*BEFORE_SENDING, S.SENT, S.RECEIVED, S.CASE_OPENED}),
        S.WITHDRAWN,
        STAFF,
        _l("Withdraw the referral"),
        effects=_closed,
        clocks=(STOP_ALL,),
        visible_to_applicant=False,
        comment_required=True,
        comment_label=_l("Why the referral is withdrawn"),
        style="danger",
        confirm=_l("Withdraw the referral? The agency's reply link stops working."),
    ),
)


def _wrong_state(state):
    return _l("Not possible while the referral is “%(state)s”.", state=state.label)


REFERRALS = Workflow(
    "referral",
    list(S),
    ACTIONS,
    S.PROPOSED,
    label=_l("Referral to an enforcement agency"),
    facts=ReferralFacts,
    wrong_state=_wrong_state,
)
