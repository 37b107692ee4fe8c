"""A request to the overseas mutual-aid fund as a rule table on the engine (``app.core.workflow``).

draft (the applicant, or a caseworker for them, lists the costs with their invoices) → submitted
(the review clock runs; a caseworker may ask for more documents, which pauses it) → reviewed (the
amount the rules allow is worked out) → approved by a supervisor → approved apart from them by a
fund committee member, which commits the amount (the decision letter) → paid out against invoices
→ closed when paid or when the rest is released; refused (the refusal letter) or withdrawn before
the second approval; money obtained by fraud or double funding is clawed back.

The two-person rule: nobody approves what they submitted, reviewed or already approved, whatever
their role; the fund_requests table's CHECK constraints say the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from app.auth.models import Role
from app.cases.enums import DocumentKind
from app.cases.feedback import to_applicant
from app.core.money import fen_from_text, yuan
from app.core.workdays import china_day
from app.core.workflow import STOP_ALL, Action, Input, Workflow, guard, meet, pause, resume, start
from app.fund.enums import UNDECIDED, FundRequestState
from app.fund.ledger import MAX_AMOUNT_FEN

S = FundRequestState
MAX_TEXT = 5000

APPLICANT_OR_STAFF = frozenset({Role.APPLICANT, Role.CASEWORKER, Role.SUPERVISOR})
REVIEWERS = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
FIRST_APPROVERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
SECOND_APPROVERS = frozenset({Role.FUND_COMMITTEE, Role.ADMIN})
DECIDERS = frozenset({Role.CASEWORKER, Role.SUPERVISOR, Role.FUND_COMMITTEE, Role.ADMIN})
PAYERS = frozenset({Role.CASEWORKER, Role.SUPERVISOR, Role.ADMIN})
RELEASERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
CLAWERS = frozenset({Role.SUPERVISOR, Role.FUND_COMMITTEE, Role.ADMIN})
#: The file types an invoice, a voucher or a payout's proof may have.
INVOICE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "image/webp", "image/tiff", "image/heic"})


@dataclass
class FundFacts:
    """What the guards read beside the request, built per request by ``services.FundDoor.facts``."""

    case_open: bool = True
    fund_active: bool = True
    today: date | None = None
    # Why the request is not complete yet (no costs, an invoice that is not a PDF or image…).
    incomplete: list = field(default_factory=list)
    # Why the enterprise may not ask now (membership, contribution, dispute before joining).
    standing: list = field(default_factory=list)
    not_covered: object = None
    # The fund year's count of granted requests is reached (its reason), or None.
    over_yearly: object = None
    # What may be granted now (``rules.Working``), for the approvals.
    grantable_fen: int = 0
    # The case's attachments a payout may be made against: {id: content type}.
    attachments: dict = field(default_factory=dict)


def _data(ctx) -> dict:
    return ctx.data or {}


def _facts(ctx) -> FundFacts:
    return ctx.facts if ctx.facts is not None else FundFacts()


# ---- guards -------------------------------------------------------------------------------------------------


@guard(_l("its case is still open"))
def case_open(r, actor, ctx):
    if not _facts(ctx).case_open:
        return _l("The case is no longer open.")
    return None


@guard(_l("the fund still takes requests"))
def fund_active(r, actor, ctx):
    if not _facts(ctx).fund_active:
        return _l("The fund no longer takes requests.")
    return None


@guard(_l("the costs are listed, each with its invoice (a PDF or an image)"))
def complete(r, actor, ctx):
    reasons = _facts(ctx).incomplete
    return " ".join(str(x) for x in reasons) or None


@guard(_l("the enterprise is a member in good standing, and the dispute began after it joined"))
def member_in_good_standing(r, actor, ctx):
    reasons = _facts(ctx).standing
    return " ".join(str(x) for x in reasons) or None


@guard(_l("the fund covers the kind of dispute"))
def dispute_covered(r, actor, ctx):
    return _facts(ctx).not_covered


@guard(_l("the enterprise has not had as many requests granted this fund year as the rules allow"))
def within_yearly_rule(r, actor, ctx):
    return _facts(ctx).over_yearly


def _actor_id(actor):
    return getattr(actor, "id", None)


@guard(_l("the approver neither submitted nor reviewed the request"))
def not_submitter_or_reviewer(r, actor, ctx):
    me = _actor_id(actor)
    if me is not None and me == r.submitted_by_id:
        return _l("You submitted this request; someone else approves it.")
    if me is not None and me == r.reviewed_by_id:
        return _l("You reviewed this request; someone else approves it.")
    return None


@guard(_l("the second approver did not approve it already"))
def not_first_approver(r, actor, ctx):
    if _actor_id(actor) is not None and _actor_id(actor) == r.approved_by_id:
        return _l("You approved this request already; a fund committee member approves it apart from you.")
    return None


@guard(_l("something may be granted under the rules"))
def something_grantable(r, actor, ctx):
    if _facts(ctx).grantable_fen <= 0:
        return _l(
            "Nothing may be granted under the fund's rules now (see the working: the deductions, the caps or "
            "what is left of the fund)."
        )
    return None


def amount_problem(value, ceiling: int, *, required: bool, what) -> object | None:
    if value in (None, ""):
        return _l("Give the amount in yuan.") if required else None
    if isinstance(value, bool) or not isinstance(value, int):
        return _l("Give the amount in yuan, with at most two decimals.")
    if value <= 0:
        return _l("The amount must be more than zero.")
    if value > MAX_AMOUNT_FEN:
        return _l("The amount is too large.")
    if value > ceiling:
        return _l("The amount is more than %(what)s (%(max)s yuan).", what=what, max=yuan(ceiling))
    return None


@guard(_l("the amount granted is at most what the rules allow"), needs_input=True)
def grant_amount_valid(r, actor, ctx):
    return amount_problem(
        _data(ctx).get("amount_fen"), _facts(ctx).grantable_fen, required=False, what=_l("what may be granted")
    )


def attachment_problem(value, facts: FundFacts, *, required: bool) -> object | None:
    if value in (None, ""):
        return _l("Choose the invoice or voucher the payment is made against.") if required else None
    if isinstance(value, bool) or not isinstance(value, int) or value not in facts.attachments:
        return _l("Choose a file of this case's evidence.")
    if facts.attachments[value] not in INVOICE_TYPES:
        return _l("An invoice or a voucher must be a PDF or an image.")
    return None


@guard(_l("a payout is at most what is committed and not yet paid, against an invoice or voucher"), needs_input=True)
def payout_valid(r, actor, ctx):
    data = _data(ctx)
    reasons = [
        amount_problem(
            data.get("amount_fen"), r.outstanding_fen, required=True, what=_l("what is committed and not yet paid")
        ),
        attachment_problem(data.get("attachment"), _facts(ctx), required=True),
    ]
    reference = data.get("reference")
    if reference not in (None, "") and (not isinstance(reference, str) or len(reference) > 100):
        reasons.append(_l("The reference is at most 100 characters."))
    return " ".join(str(x) for x in reasons if x) or None


@guard(_l("what was not paid is released by a supervisor"))
def release_allowed(r, actor, ctx):
    if r.outstanding_fen > 0 and getattr(actor, "role", None) not in RELEASERS:
        return _l(
            "%(left)s yuan is still committed; only a supervisor releases what was not paid.",
            left=yuan(r.outstanding_fen),
        )
    return None


@guard(_l("releasing what was not paid needs a comment saying why"), needs_input=True)
def release_explained(r, actor, ctx):
    if r.outstanding_fen > 0 and not (ctx.comment or "").strip():
        return _l("Say why the %(left)s yuan not paid is released.", left=yuan(r.outstanding_fen))
    return None


@guard(_l("a claw-back is at most what was paid and not yet recovered, with its reason"), needs_input=True)
def claw_back_valid(r, actor, ctx):
    data = _data(ctx)
    reasons = [
        amount_problem(
            data.get("amount_fen"),
            r.paid_fen - r.clawed_back_fen,
            required=True,
            what=_l("what was paid and not yet recovered"),
        )
    ]
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        reasons.append(_l("Give the reason for the claw-back (fraud, double funding…)."))
    elif len(reason) > MAX_TEXT:
        reasons.append(_l("The reason is too long (at most %(n)d characters).", n=MAX_TEXT))
    return " ".join(str(x) for x in reasons if x) or None


# ---- effects ----------------------------------------------------------------------------------------------


def _today(a) -> date:
    return china_day(a.now)


def _submitted(a):
    from app.fund.models import rules_of
    from app.fund.rules import fund_year_of

    r = a.subject
    fund = r.fund
    first = r.submitted_at is None
    if first:
        r.rules = rules_of(fund)
        r.fund_year = fund_year_of(_today(a), fund.year_start_month, fund.year_start_day)
        r.submitted_by_id = a.actor.id
        r.submitted_at = a.now
    r.claimed_fen = sum(c.amount_fen for c in r.costs)
    r.deductions_fen = r.insurance_fen + r.settlement_fen + r.other_funding_fen
    return {"claimed_fen": r.claimed_fen, "deductions_fen": r.deductions_fen, "fund_year": r.fund_year}


def _reviewed(a):
    from app.fund.rules import working

    r = a.subject
    w = working(r, _today(a))
    r.reviewed_by_id = a.actor.id
    r.reviewed_at = a.now
    r.eligible_fen = w.grantable_fen
    r.working = w.as_dict()
    return {"eligible_fen": r.eligible_fen}


def _approved(a):
    from app.fund.rules import working

    r = a.subject
    w = working(r, _today(a))
    r.approved_by_id = a.actor.id
    r.approved_at = a.now
    r.working = w.as_dict()
    return {"grantable_fen": w.grantable_fen}


def _granted(a):
    from app.fund.rules import working

    r = a.subject
    w = working(r, _today(a))
    amount = a.data.get("amount_fen")
    r.approved_fen = amount if isinstance(amount, int) and not isinstance(amount, bool) else w.grantable_fen
    r.second_approved_by_id = a.actor.id
    r.second_approved_at = a.now
    r.working = w.as_dict()
    return {"approved_fen": r.approved_fen}


def _rejected(a):
    r = a.subject
    r.rejected_at = a.now
    r.rejection_reason = a.comment.strip()
    return None


def _paid(a):
    r, data = a.subject, a.data
    r.paid_fen += data["amount_fen"]
    return {
        "amount_fen": data["amount_fen"],
        "attachment": data["attachment"],
        "reference": (data.get("reference") or "").strip(),
    }


def _closed(a):
    r = a.subject
    released = r.outstanding_fen
    r.released_fen += released
    r.closed_at = a.now
    return {"released_fen": released}


def _clawed_back(a):
    r, data = a.subject, a.data
    r.clawed_back_fen += data["amount_fen"]
    return {"amount_fen": data["amount_fen"], "reason": data["reason"].strip()}


# ---- inputs ----------------------------------------------------------------------------------------------


def _int_from_form(name):
    def read(form):
        raw = (form.get(name) or "").strip()[:20]
        return int(raw) if raw.isdigit() else (raw or None)

    return read


def _payable_attachments(r, actor):
    from app.fund.services import invoice_choices

    return invoice_choices(r)


AMOUNT = Input(
    "amount_fen",
    _l("Amount (yuan)"),
    {"type": "integer", "minimum": 1, "description": "The amount, in fen."},
    "money",
    lambda form: fen_from_text((form.get("amount_fen") or "")[:30]),
)
GRANT_AMOUNT = Input(
    "amount_fen",
    _l("Amount granted (yuan; empty: what the rules allow)"),
    {"type": ["integer", "null"], "minimum": 1, "description": "The amount granted, in fen; empty: all that may be."},
    "money",
    lambda form: fen_from_text((form.get("amount_fen") or "")[:30]),
    required=False,
)
ATTACHMENT = Input(
    "attachment",
    _l("Against the invoice or voucher"),
    {"type": "integer", "minimum": 1, "description": "The id of an attachment of the case (a PDF or an image)."},
    "select",
    _int_from_form("attachment"),
    choices=_payable_attachments,
)
REFERENCE = Input(
    "reference",
    _l("Payment reference"),
    {"type": "string", "maxLength": 100},
    "text",
    lambda form: (form.get("reference") or "")[:101],
    required=False,
)
REASON = Input(
    "reason",
    _l("Reason for the claw-back"),
    {"type": "string", "maxLength": MAX_TEXT},
    "textarea",
    lambda form: (form.get("reason") or "")[: MAX_TEXT + 1],
)


def _amount_params(a):
    return {"amount": yuan(a.subject.approved_fen)}


def _paid_params(a):
    return {"amount": yuan(a.data.get("amount_fen") or 0)}


# ---- the rule table --------------------------------------------------------------------------------------------

ACTIONS = (
    Action(
        "submit",
        frozenset({S.DRAFT}),
        S.SUBMITTED,
        APPLICANT_OR_STAFF,
        _l("Submit the request"),
        guards=(case_open, fund_active, complete, member_in_good_standing, dispute_covered, within_yearly_rule),
        effects=_submitted,
        clocks=(start("fund_review"),),
        confirm=_l("Submit the request? Its costs can no longer be changed unless the reviewer asks for more."),
    ),
    Action(
        "ask_documents",
        frozenset({S.SUBMITTED}),
        S.MORE_INFO,
        REVIEWERS,
        _l("Ask for more documents"),
        clocks=(pause("fund_review"),),
        comment_required=True,
        comment_label=_l("What is missing"),
        notifies=(to_applicant("fund_more_info"),),
        style="warning",
    ),
    Action(
        "resubmit",
        frozenset({S.MORE_INFO}),
        S.SUBMITTED,
        APPLICANT_OR_STAFF,
        _l("Send the documents asked for"),
        guards=(case_open, complete),
        effects=_submitted,
        clocks=(resume("fund_review"),),
    ),
    Action(
        "review",
        frozenset({S.SUBMITTED}),
        S.REVIEWED,
        REVIEWERS,
        _l("Mark as reviewed"),
        guards=(case_open, complete, member_in_good_standing, dispute_covered, within_yearly_rule),
        effects=_reviewed,
        clocks=(meet("fund_review"),),
        comment_shown=True,
        comment_label=_l("The reviewer's opinion"),
        style="success",
    ),
    Action(
        "approve",
        frozenset({S.REVIEWED}),
        S.APPROVED,
        FIRST_APPROVERS,
        _l("Approve"),
        guards=(case_open, not_submitter_or_reviewer, something_grantable),
        effects=_approved,
        visible_to_applicant=False,
        comment_shown=True,
        style="success",
    ),
    Action(
        "approve_second",
        frozenset({S.APPROVED}),
        S.GRANTED,
        SECOND_APPROVERS,
        _l("Approve for the fund committee"),
        guards=(
            case_open,
            not_submitter_or_reviewer,
            not_first_approver,
            within_yearly_rule,
            something_grantable,
            grant_amount_valid,
        ),
        inputs=(GRANT_AMOUNT,),
        effects=_granted,
        issues=DocumentKind.FUND_DECISION,
        notifies=(to_applicant("fund_granted", _amount_params),),
        comment_shown=True,
        style="success",
        confirm=_l("Grant the request? The amount is committed from the fund and the decision letter is issued."),
    ),
    Action(
        "reject",
        frozenset({S.SUBMITTED, S.MORE_INFO, S.REVIEWED, S.APPROVED}),
        S.REJECTED,
        DECIDERS,
        _l("Refuse the request"),
        effects=_rejected,
        clocks=(STOP_ALL,),
        issues=DocumentKind.FUND_REFUSAL,
        notifies=(to_applicant("fund_refused"),),
        comment_required=True,
        comment_label=_l("Why the request is refused (the letter states it)"),
        style="danger",
        confirm=_l("Refuse the request? The refusal letter is issued with the reason given."),
    ),
    Action(
        "withdraw",
        frozenset(UNDECIDED),
        S.WITHDRAWN,
        APPLICANT_OR_STAFF,
        _l("Withdraw the request"),
        clocks=(STOP_ALL,),
        comment_shown=True,
        style="secondary",
        confirm=_l("Withdraw the request?"),
    ),
    Action(
        "pay",
        frozenset({S.GRANTED}),
        None,
        PAYERS,
        _l("Record a payout"),
        guards=(payout_valid,),
        inputs=(AMOUNT, ATTACHMENT, REFERENCE),
        effects=_paid,
        notifies=(to_applicant("fund_paid", _paid_params),),
    ),
    Action(
        "close",
        frozenset({S.GRANTED}),
        S.CLOSED,
        PAYERS,
        _l("Close and release the rest"),
        guards=(release_allowed, release_explained),
        effects=_closed,
        clocks=(STOP_ALL,),
        comment_shown=True,
        comment_label=_l("Why what was not paid is released"),
        style="secondary",
        confirm=_l("Close the request? What is committed and not paid goes back to the fund."),
    ),
    Action(
        "claw_back",
        frozenset({S.GRANTED, S.CLOSED}),
        None,
        CLAWERS,
        _l("Record a claw-back"),
        guards=(claw_back_valid,),
        inputs=(AMOUNT, REASON),
        effects=_clawed_back,
        style="danger",
        quiet_when_blocked=True,
    ),
)


def _wrong_state(state):
    return _l("Not possible while the fund request is “%(state)s”.", state=state.label)


FUND_REQUESTS = Workflow(
    "fund_request",
    list(S),
    ACTIONS,
    S.DRAFT,
    label=_l("Request to the overseas mutual-aid fund"),
    facts=FundFacts,
    wrong_state=_wrong_state,
)
