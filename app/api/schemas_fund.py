"""The API's schemas of the overseas mutual-aid fund (pydantic): what ``app.api.fund`` parses and answers, and
what the OpenAPI document says of it (``app.api.openapi`` generates it from these models).

Money is integer fen (a fractional or negative amount is refused here, 422 naming the field); exchange rates and
amounts in a foreign currency are decimal text (``"7.123456"``, at most six decimals for a rate, two for an
amount), a JSON number being read as the text it is written as and never kept as a float. The shapes are checked
here, every field's problem at once; what values mean (a rate of zero, a currency that does not exist, an invoice
that is not a PDF or an image, a dispute older than the membership) is the services' and the guards' to judge
(422 with ``details.fields`` or ``details.reasons``).

As for the other tracks, the body of an action comes from the request workflow's table
(``app.fund.workflow``): each ``Input`` declares its JSON schema. ``amount_fen`` is declared twice (optional for
``approve_second``, where it defaults to all that may be granted; required for ``pay`` and ``claw_back``): the
``data`` object takes the wider declaration, each action's own is in ``x-actions``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from flask_babel import lazy_gettext as _l
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    create_model,
)

from app.api.schemas import (
    CURSOR_PATTERN,
    MAX_CURSOR,
    MAX_INT32,
    NO_NUL_PATTERN,
    Body,
    Event,
    Id,
    Model,
    Out,
    Person,
    Say,
    Sha256,
    Text,
    When,
    _cursor,
    _Documented,
    _first,
    _limit,
    _query_choice,
    refuse,
)
from app.api.schemas_mediation import _one_of_text, _schema_text, input_annotation, per_action
from app.api.schemas_visit import Day
from app.cases.enums import DocumentKind
from app.fund.enums import Account, CostKind, DisputeType, EntryKind, FundRequestState
from app.fund.ledger import MAX_AMOUNT_FEN
from app.fund.services import MAX_COSTS, MAX_TEXT
from app.fund.workflow import FUND_REQUESTS, GRANT_AMOUNT

ACTION_NAMES = tuple(FUND_REQUESTS.actions)
DISPUTE_VALUES = tuple(d.value for d in DisputeType)
COST_VALUES = tuple(k.value for k in CostKind)
ID_PATTERN = "^[1-9][0-9]{0,8}$"

_ID = Annotated[StrictInt, Field(ge=1, le=MAX_INT32)]


def Fen(description: str, *, positive: bool = False):  # noqa: N802
    """An optional amount in whole fen (a JSON integer; 1.5 is refused), at least 0 (1 when ``positive``)."""
    low = 1 if positive else 0
    return Annotated[
        Annotated[StrictInt, Field(ge=low, le=MAX_AMOUNT_FEN)] | None,
        Field(description=description),
        Say(
            invalid=_l("Must be a whole number."),
            out_of_range=_l("Must be between %(low)d and %(high)d.", low=low, high=MAX_AMOUNT_FEN),
        ),
    ]


def _decimal_text(value):
    """A decimal given as text or as a JSON number: passed on as the text it is written as (never a float)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise refuse(_l("Must be a number."))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as this number: 7.1234 -> "7.1234"
    return value


def Decimal(description: str, *, example: str, message):  # noqa: N802
    schema = {
        "anyOf": [{"type": "string", "maxLength": 40, "pattern": NO_NUL_PATTERN}, {"type": "number"}],
        "description": description,
        "examples": [example],
    }
    return Annotated[
        Annotated[StrictStr, Field(max_length=40)] | None,
        BeforeValidator(_decimal_text),
        WithJsonSchema(schema),
        Say(invalid=message),
    ]


_COUNTRY = _l("Choose the country or region where the dispute is heard.")
Country = Annotated[
    StrictStr,
    Field(max_length=10, description="ISO 3166-1 alpha-2 code of the country or region where the dispute is heard."),
    Say(required=_COUNTRY, invalid=_COUNTRY),
]


# ---- POST /api/v1/cases/{number}/fund-requests ---------------------------------------------------------------


class NewFundCost(Body):
    """One cost with its invoice: what it is for, the invoice's amount in its currency, the rate used and its
    date, and the amount in fen (computed from the amount and the rate when left out; given, it must match them
    to the fen)."""

    kind: Annotated[
        Literal[COST_VALUES],  # type: ignore[valid-type]
        Field(description="What the cost is for."),
        Say(required=_l("Choose what the cost is for."), invalid=_one_of_text(COST_VALUES)),
    ]
    amount_fen: Fen("The amount in yuan, in fen (optional: computed from the amount and the rate).", positive=True) = (
        None
    )
    currency: Annotated[
        StrictStr,
        Field(max_length=10, description="ISO 4217 code of the invoice's currency (`CNY` for yuan)."),
        Say(required=_l("Choose the currency of the invoice."), invalid=_l("Choose the currency of the invoice.")),
    ]
    original_amount: Decimal(
        "The invoice's amount in its currency, at most two decimals (text, or a JSON number).",
        example="100000.00",
        message=_l("Give the invoice's amount in its currency, with at most two decimals."),
    ) = None
    rate: Decimal(
        "Yuan per unit of the currency, at most six decimals (text, or a JSON number; kept exactly); `1` or left "
        "out for yuan.",
        example="7.123456",
        message=_l("Give the exchange rate used, with at most six decimals."),
    ) = None
    rate_on: Day("The date of the exchange rate (required for a foreign currency).") = None
    attachment: Annotated[
        _ID,
        Field(description="The invoice: the id of a PDF or an image among the case's files."),
        Say(
            required=_l("Attach the invoice (a PDF or an image)."),
            invalid=_l("Choose a file of this case's evidence."),
        ),
    ]
    voucher: Annotated[
        _ID | None,
        Field(description="The payment voucher: the id of a PDF or an image among the case's files (optional)."),
        Say(invalid=_l("Choose a file of this case's evidence.")),
    ] = None
    invoice_number: Text(100, "The invoice's number.") = None
    description: Text(300, "What the cost was for, in a few words.") = None


class NewFundRequest(Body):
    """Ask the fund for support for an overseas dispute of the case (the applicant of the case's enterprise, or a
    caseworker or supervisor of its centre for them); the request is a draft until `submit`. Deductions (what
    insurance, a settlement or other public funding already paid) are given either broken down
    (`insurance_fen`, `settlement_fen`, `other_funding_fen`) or as one `deductions_fen`, which alone counts as
    other funding and given with the breakdown must equal its sum. Unknown fields are refused; every reason the
    request cannot be started is answered (422)."""

    fund: Annotated[
        _ID | None,
        Field(
            description="The fund asked (`GET /api/v1/funds`): one of the active funds of the case's centre or a "
            "centre above it. Left out: the only such fund."
        ),
        Say(invalid=_l("Choose one of the funds the case may ask.")),
    ] = None
    dispute_type: Annotated[
        Literal[DISPUTE_VALUES],  # type: ignore[valid-type]
        Field(description="The kind of overseas dispute."),
        Say(required=_l("Choose the kind of dispute."), invalid=_one_of_text(DISPUTE_VALUES)),
    ]
    country: Country
    forum: Text(200, "The court, office, customs or platform that hears the dispute.") = None
    dispute_started_on: Day("The day the dispute began (after the enterprise joined the fund).", required=True)
    description: Text(MAX_TEXT, "What the dispute is about.") = None
    costs: Annotated[
        list[NewFundCost],
        Field(min_length=1, max_length=MAX_COSTS, description="The costs, each with its invoice."),
        Say(required=_l("List the costs."), invalid=_l("List the costs.")),
    ]
    insurance_fen: Fen("Paid by insurance, in fen.") = None
    settlement_fen: Fen("Received in a settlement, in fen.") = None
    other_funding_fen: Fen("Other public funding received for the same costs, in fen.") = None
    deductions_fen: Fen(
        "All that was already paid for these costs, in fen: alone, it counts as other funding; given with the "
        "breakdown, it must equal its sum."
    ) = None


# ---- list queries ----------------------------------------------------------------------------------------------


def _id_param(message):
    def read(value):
        value = _first(value)
        if value is None:
            return None
        if isinstance(value, str) and re.fullmatch(ID_PATTERN, value):
            return int(value)
        raise refuse(message)

    return read


def _text_param(value):
    value = _first(value)
    return "" if value is None else value


_LIMIT = Annotated[
    int, BeforeValidator(_limit), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 100, "default": 20})
]
_CURSOR = Annotated[
    str | None,
    BeforeValidator(_cursor),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": CURSOR_PATTERN,
            "maxLength": MAX_CURSOR,
            "description": "`next_cursor` of the previous page (opaque).",
        }
    ),
]


class PageQuery(Model):
    """One page of a list; parameters it does not know are ignored."""

    model_config = ConfigDict(extra="ignore")

    limit: _LIMIT = 20
    cursor: _CURSOR = None


class LedgerQuery(PageQuery):
    kind: _query_choice(EntryKind, "Only the entries of this kind. Empty: all.") = None


class FundRequestListQuery(PageQuery):
    state: _query_choice(FundRequestState) = None
    fund: Annotated[
        int | None,
        BeforeValidator(_id_param(_l("Must be the id of a fund."))),
        WithJsonSchema(
            {
                "type": "string",
                "pattern": "^([1-9][0-9]{0,8})?$",
                "description": "Only the requests to the fund with this id. Empty: any.",
            }
        ),
    ] = None
    case: Annotated[
        str,
        BeforeValidator(_text_param),
        Field(
            max_length=40,
            json_schema_extra={"pattern": NO_NUL_PATTERN},
            description="Only the requests of the case with this number. Empty: any.",
        ),
    ] = ""


# ---- POST /api/v1/fund-requests/{id}/actions[/{action}] --------------------------------------------------------


def actions_description() -> str:
    lines = [
        "One action of the fund request's workflow: `version` is the request's version as last read (409 when "
        "stale). What each action asks for comes from the workflow's table (also as `x-actions`, keyed by the "
        "action's name, with the roles that may take it and the states it goes from and to); `data` may carry "
        "only the fields of the action taken. Nobody approves what they submitted, reviewed or already approved, "
        "whatever their role. Amounts are whole fen; a payout is made against an invoice or voucher of the case "
        "(a PDF or an image) and is at most what is committed and not yet paid. A role that may never take the "
        "action answers 403, input or a state its guards refuse (or a movement the fund cannot make) 422 with "
        "`details.reasons`.",
        "",
    ]
    for name, action in FUND_REQUESTS.actions.items():
        needs = ["`comment` required" if action.comment_required else "`comment` optional"]
        needs += [
            f"`data.{i.name}`{'' if i.required else ' (optional)'}: {_schema_text(i.schema)}" for i in action.inputs
        ]
        lines.append(f"- `{name}`: {'; '.join(needs)}")
    return "\n".join(lines)


def _inputs() -> dict:
    """Each input name: the actions asking for it, and the declaration the ``data`` object takes (the nullable
    one where an input is declared both ways)."""
    found: dict[str, tuple[list[str], Any]] = {}
    for action in FUND_REQUESTS.actions.values():
        for item in action.inputs:
            actions, _first_item = found.setdefault(item.name, ([], item))
            actions.append(action.name)
    found["amount_fen"] = (found["amount_fen"][0], GRANT_AMOUNT)
    return found


def _action_data_model():
    fields = {}
    for name, (actions, item) in _inputs().items():
        description = f"For {', '.join(f'`{a}`' for a in actions)}."
        text = item.schema.get("description")
        if text:
            description = f"{description} {text}"
        fields[name] = (Annotated[input_annotation(item), Field(description=description)], None)
    return create_model("FundRequestActionData", __base__=Body, **fields)


FundRequestActionData = _action_data_model()
INPUT_NAMES = frozenset(FundRequestActionData.model_fields)

_VERSION = Annotated[
    StrictInt,
    Field(ge=1, le=MAX_INT32, description="The request's version as last read (409 when stale)."),
    Say(required=_l("Required: the request's version as last read."), invalid=_l("Must be a whole number from 1.")),
]


def _request_extra(schema: dict) -> None:
    schema["description"] = actions_description()
    schema["x-actions"] = per_action(FUND_REQUESTS)


class FundRequestActionRequest(Body):
    version: _VERSION
    comment: Text(10000) = None
    data: FundRequestActionData | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra=_request_extra)


class FundRequestActionPost(Body):
    """The same as `POST /api/v1/fund-requests/{id}/actions/{action}`, with the action named in the body."""

    action: Annotated[
        Literal[ACTION_NAMES],  # type: ignore[valid-type]
        Field(description="The action to take (see `FundRequestActionRequest`)."),
        Say(required=_l("Required: the action to take."), invalid=_one_of_text(ACTION_NAMES)),
    ]
    version: _VERSION
    comment: Text(10000) = None
    data: FundRequestActionData | None = None


# ---- what the API answers ----------------------------------------------------------------------------------------

_STAFF = "Staff only."
NonNegative = Annotated[int, Field(ge=0)]


class FundRules(Out):
    share_percent: Annotated[int, Field(ge=1, le=100)] = Field(description="The share of the eligible costs paid.")
    cap_per_request_fen: NonNegative
    cap_per_year_fen: NonNegative = Field(description="What the fund commits at most in one fund year.")
    requests_per_enterprise_per_year: NonNegative = Field(
        description="How many requests of one enterprise may be granted in one fund year."
    )
    dispute_types: list[DisputeType] = Field(description="The kinds of dispute the fund covers.")
    year_start: Annotated[str, Field(pattern="^[0-9]{2}-[0-9]{2}$")] = Field(
        description="The first day of the fund year, MM-DD."
    )
    review_working_days: NonNegative = Field(description="Working days a caseworker has to review a request.")


class Fund(Out):
    """A fund of a centre. Its sums always equal its ledger's: `balance_fen` (money held) is `committed_fen`
    (set aside for granted requests, not yet paid) plus `available_fen`; none is ever below zero."""

    id: Id
    name: str
    centre: str = Field(description="The code of the fund's centre.")
    centre_name: str
    is_active: bool = Field(description="Whether it takes requests.")
    version: int = Field(ge=1)
    balance_fen: NonNegative
    committed_fen: NonNegative
    available_fen: NonNegative
    rules: FundRules
    created_at: When
    updated_at: When


class FundList(Out):
    items: list[Fund]
    next_cursor: str | None


class FundEnterprise(Out):
    credit_code: str
    name: str


class FundMembership(Out):
    """An enterprise's membership of the fund for a period, with the contribution it owes; in good standing on
    a day of its period once the contribution is paid."""

    id: Id
    fund: Id
    enterprise: FundEnterprise
    starts_on: date
    ends_on: date
    contribution_fen: NonNegative
    paid_fen: NonNegative
    in_good_standing: bool = Field(description="Today.")
    note: str
    created_at: When


class FundMembershipList(Out):
    items: list[FundMembership]
    next_cursor: str | None


class LedgerEntry(Out):
    """One movement of the fund's money from one account to another (`debit`, `credit`): never changed, never
    deleted. Money in (`contribution`, `grant`, `other_income`, `claw_back`) goes from `bank` to `available`, a
    `commitment` from `available` to `committed`, a `release` back, a `payout` from `committed` to `bank`."""

    seq: Id = Field(description="Its number in the fund's series (1, 2, …; no gaps).")
    kind: EntryKind
    debit: Account
    credit: Account
    amount_fen: Annotated[int, Field(ge=1)]
    occurred_on: date
    request: Id | None = Field(description="The fund request it moves money for.")
    case: str | None = Field(description="The number of that request's case.")
    membership: Id | None = Field(description="The membership a contribution is paid for.")
    enterprise: str | None = Field(description="The credit code of the enterprise the money came from or went to.")
    attachment: Id | None = Field(description="The invoice or voucher a payout is made against.")
    reference: str
    reason: str
    recorded_by: str | None = Field(description="The e-mail of who recorded it.")
    created_at: When


class LedgerEntryList(Out):
    items: list[LedgerEntry]
    next_cursor: str | None


class FundCost(Out):
    position: NonNegative
    kind: CostKind
    description: str
    invoice_number: str
    currency: str
    original_amount: str = Field(description="The invoice's amount in its currency (two decimals).")
    rate: str = Field(description="Yuan per unit of the currency, exactly as given (at most six decimals).")
    rate_on: date
    amount_fen: Annotated[int, Field(ge=1)]
    attachment: Id = Field(description="The invoice (a file of the case).")
    voucher: Id | None
    eligible: bool = Field(description="Whether the reviewer counts it.")
    excluded_reason: str


class FundWorking(Out):
    """What may be granted and how: the share of the eligible costs, less the deductions, then the cap per
    request, what is left of the fund year's cap and of the fund (`limit` names the figure that decided)."""

    claimed_fen: NonNegative
    eligible_costs_fen: NonNegative
    share_percent: NonNegative
    shared_fen: NonNegative
    deductions_fen: NonNegative
    after_deductions_fen: NonNegative
    cap_per_request_fen: NonNegative
    year_left_fen: NonNegative
    available_fen: NonNegative
    grantable_fen: NonNegative
    year: int
    limit: Literal["share", "cap", "year", "fund"]


class FundRequestDocument(Out):
    id: Id = Field(description="`GET /api/v1/documents/{id}` gives the PDF.")
    kind: DocumentKind
    number: str | None
    sha256: Sha256
    created_at: When


class FundRequestActionCheck(Out):
    action: Literal[ACTION_NAMES]  # type: ignore[valid-type]
    label: str
    allowed: bool
    comment_required: bool
    data_fields: list[str]
    reasons: list[str] = Field(default=None, description="Why it is blocked (only when not allowed).")


class FundRequest(Out):
    """A request of a case to the fund. Amounts in fen: `claimed_fen` (the costs), `eligible_fen` (what the
    rules allowed at review), `approved_fen` (committed at the second approval), `paid_fen`, `released_fen`
    (what closing gave back), `clawed_back_fen`; `outstanding_fen` is committed and not yet paid."""

    id: Id
    case: str = Field(description="The number of the case.")
    fund: Id
    fund_name: str
    centre: str = Field(description="The code of the case's centre.")
    enterprise: FundEnterprise
    state: FundRequestState
    version: int = Field(ge=1, description="Send it back with an action (409 when stale).")
    dispute_type: DisputeType
    country: str = Field(description="ISO 3166-1 alpha-2.")
    forum: str
    dispute_started_on: date
    description: str
    claimed_fen: NonNegative
    insurance_fen: NonNegative
    settlement_fen: NonNegative
    other_funding_fen: NonNegative
    deductions_fen: NonNegative
    eligible_fen: NonNegative
    approved_fen: NonNegative
    paid_fen: NonNegative
    released_fen: NonNegative
    clawed_back_fen: NonNegative
    outstanding_fen: NonNegative
    fund_year: int | None = Field(description="The fund year it counts in (fixed at submission).")
    costs: list[FundCost]
    working: FundWorking | None = Field(
        description="The working of the amount: as the last review or approval fixed it, or (before the review) "
        "as it stands now; null once the request ended without one."
    )
    rejection_reason: str
    submitted_by: Person | None = Field(default=None, description=_STAFF)
    reviewed_by: Person | None = Field(default=None, description=_STAFF)
    approved_by: Person | None = Field(default=None, description=_STAFF)
    second_approved_by: Person | None = Field(default=None, description=_STAFF)
    documents: list[FundRequestDocument] = Field(
        default=None,
        description=f"{_STAFF} The decision and refusal letters issued (the applicant reads them "
        "among the case's documents).",
    )
    created_at: When
    updated_at: When
    submitted_at: When | None
    reviewed_at: When | None
    approved_at: When | None
    second_approved_at: When | None
    closed_at: When | None


class FundRequestDetail(FundRequest):
    events: list[Event] = Field(default=None, description=f"{_STAFF} Its entries of the case's audit chain.")
    available_actions: list[FundRequestActionCheck] = Field(
        description="What the caller may do on it now, and why the rest is blocked."
    )


class FundRequestList(Out):
    items: list[FundRequest]
    next_cursor: str | None


class FundRequestActionCheckList(_Documented, RootModel[list[FundRequestActionCheck]]):
    pass
