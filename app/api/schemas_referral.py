"""The API's schemas of referrals to enforcement agencies (pydantic): what ``app.api.referrals`` parses and
answers, and what the OpenAPI document says of it (``app.api.openapi`` generates it from these models).

As for mediations, the body of an action comes from the referral workflow's table (``app.referrals.workflow``):
each ``Input`` declares its JSON schema and ``ReferralActionData`` is built from those declarations. One field
is the API's own: ``opened`` of ``record_decision`` (API.md), which with ``false`` records that the agency
opened no case (the table's ``record_no_case``, whose ``reason`` it then takes). What a value means (a date in
the future, a penalty that is negative, an agency that does not fit) is the services' and guards' to judge
(422 with ``details.reasons``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from flask_babel import lazy_gettext as _l
from pydantic import BeforeValidator, ConfigDict, Field, RootModel, StrictBool, StrictInt, WithJsonSchema, create_model

from app.agencies.models import AgencyKind
from app.api.schemas import (
    CURSOR_PATTERN,
    MAX_CURSOR,
    MAX_INT32,
    NO_NUL_PATTERN,
    Body,
    Clock,
    Event,
    Id,
    Model,
    Named,
    Out,
    Say,
    Sha256,
    Text,
    When,
    _cursor,
    _Documented,
    _first,
    _flag,
    _limit,
    _query_choice,
    refuse,
)
from app.api.schemas_mediation import _one_of_text, _schema_text, input_annotation, per_action, workflow_inputs
from app.cases.enums import CaseState, DocumentKind, IPType
from app.core.workflow import Input
from app.referrals.enums import Ground, PoliceStep, ReferralState, SendMethod
from app.referrals.services import MAX_EVIDENCE
from app.referrals.workflow import MAX_TEXT, REFERRALS

ACTION_NAMES = tuple(REFERRALS.actions)
GROUND_VALUES = tuple(g.value for g in Ground)
# ``record_decision`` with ``opened: false`` is the table's ``record_no_case`` (``app.referrals.services``).
DECISION, NO_CASE = "record_decision", "record_no_case"
OPENED_SCHEMA = {
    "type": "boolean",
    "description": "For `record_decision`: whether the agency opened a case (default true); `false` records that "
    "it did not, and then `reason` is required (as `record_no_case`).",
}


# ---- POST /api/v1/cases/{number}/referrals --------------------------------------------------------------------

_ID = Annotated[StrictInt, Field(ge=1, le=MAX_INT32)]


class NewReferral(Body):
    """Refer a lead of an accepted case to an enforcement agency (caseworkers and supervisors of the case's centre
    or a centre above): the referral is proposed, a supervisor other than the proposer approves it, and the
    5-working-day `send` clock runs. Every reason it cannot be decided is answered at once (422,
    `details.reasons`): the case not accepted, no right or respondent named, no agency of the directory, no
    grounds, no evidence or a file not of this case, an agency that does not take the right or the region
    without `override`. Unknown fields are refused."""

    agency: Annotated[
        _ID | None,
        Field(description="The id of an active agency of the directory (`GET /api/v1/agencies`)."),
        Say(invalid=_l("Must be the id of an agency of the directory.")),
    ] = None
    grounds: Text(MAX_TEXT, "Why the lead is referred: what the letter states beside the case's facts.") = None
    evidence: Annotated[
        list[_ID] | None,
        Field(
            max_length=MAX_EVIDENCE,
            description="The ids of the case's evidence files sent with the letter (at least one; "
            "`POST /api/v1/cases/{number}/attachments`).",
        ),
        Say(invalid=_l("Must be a list of the ids of the case's files.")),
    ] = None
    ground_kinds: Annotated[
        list[Literal[GROUND_VALUES]] | None,  # type: ignore[valid-type]
        Field(
            max_length=len(GROUND_VALUES),
            description="Grounds stated beside the facts; `repeat` lists the respondent's earlier cases in the letter.",
        ),
        Say(invalid=_one_of_text(GROUND_VALUES)),
    ] = None
    override: Text(
        MAX_TEXT,
        "Why an agency that does not take the right or serve the case's region is chosen anyway (required then; "
        "the approving supervisor confirms it).",
    ) = None
    mediation: Annotated[
        _ID | None,
        Field(description="The failed mediation of this case the lead comes from, if any."),
        Say(invalid=_l("Must be the id of a mediation of this case.")),
    ] = None


# ---- GET /api/v1/referrals --------------------------------------------------------------------------------------


AGENCY_ID_PATTERN = "^[1-9][0-9]{0,8}$"  # what the parser reads is what the document declares


def _agency_id(value):
    value = _first(value)
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(AGENCY_ID_PATTERN, value):
        return int(value)
    raise refuse(_l("Must be the id of an agency of the directory."))


def _case_number(value):
    value = _first(value)
    return "" if value is None else value


_FLAG_SCHEMA = {"type": "string", "enum": ["true", "false", ""]}


class ReferralListQuery(Model):
    """The filters of the referral list; parameters it does not know are ignored."""

    model_config = ConfigDict(extra="ignore")

    state: _query_choice(ReferralState) = None
    agency: Annotated[
        int | None,
        BeforeValidator(_agency_id),
        WithJsonSchema(
            {
                "type": "string",
                "pattern": "^([1-9][0-9]{0,8})?$",
                "description": "Only the referrals to the agency with this id. Empty: any.",
            }
        ),
    ] = None
    case: Annotated[
        str,
        BeforeValidator(_case_number),
        Field(
            max_length=40,
            json_schema_extra={"pattern": NO_NUL_PATTERN},
            description="Only the referrals of the case with this number. Empty: any.",
        ),
    ] = ""
    overdue: Annotated[
        bool | None,
        BeforeValidator(_flag),
        WithJsonSchema(
            {
                **_FLAG_SCHEMA,
                "description": "`true`: only referrals whose `send` or `chase` clock runs past its due time (not "
                "sent in time, or the agency silent too long); `false`: only the others; empty: all.",
            }
        ),
    ] = None
    limit: Annotated[
        int, BeforeValidator(_limit), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 100, "default": 20})
    ] = 20
    cursor: Annotated[
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
    ] = None


# ---- POST /api/v1/referrals/{id}/actions[/{action}] --------------------------------------------------------------


def referral_input_annotation(item: Input):
    """``input_annotation`` of the mediations, with the one kind of input referrals add: a yes/no."""
    if item.schema.get("type") == "boolean":
        return Annotated[StrictBool, WithJsonSchema(dict(item.schema)), Say(invalid=_l("Must be true or false."))]
    return input_annotation(item)


def referral_per_action() -> dict:
    out = per_action(REFERRALS)
    # ``opened: false`` takes ``record_no_case``'s reason (the other fields are the same).
    decision = out[DECISION]["data"]
    decision["properties"] = {
        **decision["properties"],
        "opened": OPENED_SCHEMA,
        "reason": next(i.schema for i in REFERRALS.actions[NO_CASE].inputs if i.name == "reason"),
    }
    return out


def actions_description() -> str:
    lines = [
        "One action of the referral's workflow: `version` is the referral's version as last read (409 when "
        "stale). What each action asks for comes from the workflow's table (also as `x-actions`, keyed by the "
        "action's name, with the roles that may take it and the states it goes from and to); `data` may carry "
        "only the fields of the action taken. Staff recording the agency's word say how it reached them "
        "(`channel`); the agency itself answers through the link of the letter. A role that may never take the "
        "action answers 403, input or a state its guards refuse 422 with `details.reasons`.",
        "",
    ]
    for name, action in REFERRALS.actions.items():
        needs = ["`comment` required" if action.comment_required else "`comment` optional"]
        if name == DECISION:
            needs.append("`data.opened` (optional): boolean; `false` is `record_no_case` (then `data.reason`)")
        needs += [
            f"`data.{i.name}`{'' if i.required else ' (optional)'}: {_schema_text(i.schema)}" for i in action.inputs
        ]
        lines.append(f"- `{name}`: {'; '.join(needs)}")
    return "\n".join(lines)


def _action_data_model():
    fields = {}
    for name, (actions, item) in workflow_inputs(REFERRALS).items():
        named = [f"`{a}`" for a in actions]
        if NO_CASE in actions and DECISION not in actions:  # ``record_decision`` with ``opened: false`` takes it
            named.insert(0, f"`{DECISION}` (with `opened: false`)")
        description = f"For {', '.join(named)}."
        text = item.schema.get("description")
        if text:
            description = f"{description} {text}"
        fields[name] = (Annotated[referral_input_annotation(item), Field(description=description)], None)
    fields["opened"] = (
        Annotated[StrictBool, WithJsonSchema(OPENED_SCHEMA), Say(invalid=_l("Must be true or false."))],
        None,
    )
    return create_model("ReferralActionData", __base__=Body, **fields)


ReferralActionData = _action_data_model()
INPUT_NAMES = frozenset(ReferralActionData.model_fields)

_VERSION = Annotated[
    StrictInt,
    Field(ge=1, le=MAX_INT32, description="The referral's version as last read (409 when stale)."),
    Say(required=_l("Required: the referral's version as last read."), invalid=_l("Must be a whole number from 1.")),
]


def _request_extra(schema: dict) -> None:
    schema["description"] = actions_description()
    schema["x-actions"] = referral_per_action()


class ReferralActionRequest(Body):
    version: _VERSION
    comment: Text(10000) = None
    data: ReferralActionData | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra=_request_extra)


class ReferralActionPost(Body):
    """The same as `POST /api/v1/referrals/{id}/actions/{action}`, with the action named in the body."""

    action: Annotated[
        Literal[ACTION_NAMES],  # type: ignore[valid-type]
        Field(description="The action to take (see `ReferralActionRequest`)."),
        Say(required=_l("Required: the action to take."), invalid=_one_of_text(ACTION_NAMES)),
    ]
    version: _VERSION
    comment: Text(10000) = None
    data: ReferralActionData | None = None


# ---- what the API answers ------------------------------------------------------------------------------------------


class AgencyRef(Out):
    id: Id
    name: str
    kind: AgencyKind


class ReferralRespondent(Out):
    name: str
    credit_code: str
    address: str


class EvidenceItem(Out):
    id: Id = Field(description="The case's attachment.")
    filename: str
    sha256: Sha256
    size: Annotated[int, Field(ge=0)]


class EarlierCase(Out):
    number: str
    state: CaseState | None = Field(description="Its state when the referral was decided.")
    filed_on: date | None


class PoliceStepItem(Out):
    step: PoliceStep
    on: date
    note: str


class ReferralDocument(Out):
    id: Id = Field(description="`GET /api/v1/documents/{id}` gives the PDF.")
    kind: DocumentKind
    number: str | None
    sha256: Sha256
    created_at: When


class ReferralEvent(Event):
    by: Literal["agency", "staff"] = Field(
        description="Whose word it records: `agency` for what the agency said through the link of the letter "
        "(no staff member is its actor), else `staff` (which, for the agency's word, say in `data.via` how it "
        "reached them)."
    )


class ReferralActionCheck(Out):
    action: Literal[ACTION_NAMES]  # type: ignore[valid-type]
    label: str
    allowed: bool
    comment_required: bool
    data_fields: list[str]
    reasons: list[str] = Field(default=None, description="Why it is blocked (only when not allowed).")


_STAFF = "Staff only."


class Referral(Out):
    """A referral of a lead to an enforcement agency. The applicant's side sees it once the letter is sent, as
    its timeline tells it: to whom, when, and what the agency said; the fields marked staff only are left out
    for them."""

    id: Id
    case: str = Field(description="The number of the case it is handled under.")
    centre: Named
    agency: AgencyRef
    state: ReferralState
    version: int = Field(ge=1, description="Send it back with an action (409 when stale).")
    ip_type: IPType = Field(description="The right the lead is about.")
    right_number: str
    right_title: str
    respondent: ReferralRespondent
    facts: str = Field(default=None, description=f"{_STAFF} The case's facts as the letter states them.")
    grounds: str = Field(default=None, description=_STAFF)
    ground_kinds: list[Ground] = Field(default=None, description=_STAFF)
    legal_basis: str = Field(default=None, description=_STAFF)
    evidence: list[EvidenceItem] = Field(default=None, description=f"{_STAFF} The files sent with the letter.")
    earlier_cases: list[EarlierCase] = Field(
        default=None, description=f"{_STAFF} The respondent's earlier cases the letter lists (`repeat`)."
    )
    mismatch: list[str] = Field(
        default=None, description=f"{_STAFF} Why the agency does not fit the right or the region (empty: it fits)."
    )
    override_comment: str = Field(default=None, description=f"{_STAFF} Why it was kept though it does not fit.")
    mediation: Id | None = Field(default=None, description=f"{_STAFF} The mediation the lead came from.")
    created_by: str | None = Field(default=None, description=f"{_STAFF} The proposer's e-mail.")
    approved_by: str | None = Field(default=None, description=f"{_STAFF} The approving supervisor's e-mail.")
    approved_at: When | None = Field(default=None, description=_STAFF)
    sent_at: When | None
    sent_method: SendMethod | None
    received_on: date | None
    opened: bool | None = Field(description="Whether the agency opened a case; null until it decided.")
    decided_on: date | None
    agency_case_number: str
    not_opened_reason: str
    penalty_fen: Annotated[int, Field(ge=0)] | None = Field(description="The fine imposed, in fen.")
    goods_seized: str
    stop_ordered: bool
    outcome_summary: str
    outcome_on: date | None
    police_transferred_on: date | None
    police_steps: list[PoliceStepItem] = Field(default=None, description=_STAFF)
    chase_count: Annotated[int, Field(ge=0)] = Field(default=None, description=f"{_STAFF} Chase letters sent.")
    last_chased_at: When | None = Field(default=None, description=_STAFF)
    last_word_at: When | None = Field(description="The last time the agency was heard of.")
    clocks: list[Clock] = Field(
        description="Its clocks, oldest first: `send` (5 working days from the decision to sending) and `chase` "
        "(30 days from sending or the agency's last word; a chase letter restarts it)."
    )
    documents: list[ReferralDocument] = Field(
        default=None, description=f"{_STAFF} The transfer and chase letters issued, oldest first."
    )
    created_at: When
    updated_at: When
    closed_at: When | None


class ReferralDetail(Referral):
    events: list[ReferralEvent] = Field(default=None, description=f"{_STAFF} Its entries of the case's audit chain.")
    available_actions: list[ReferralActionCheck] = Field(
        description="What the caller may do on it now, and why the rest is blocked."
    )


class ReferralList(Out):
    items: list[Referral]
    next_cursor: str | None


class ReferralActionCheckList(_Documented, RootModel[list[ReferralActionCheck]]):
    pass
