"""The API's schemas of fast mediations (pydantic): what ``app.api.mediations`` parses and answers, and what the
OpenAPI document says of it (``app.api.openapi`` generates it from these models, as for cases).

The body of a mediation action comes from the mediation workflow's table (``app.mediation.workflow``): each
``Input`` of an action declares its JSON schema, and ``MediationActionData`` is built from those declarations,
so the document shows what the parser enforces (types, lengths, bounds, choices). What a value means (a date in
the future, a session at a past time, a term on the validity of the patent) is the action's guards' to judge
(422 with ``details.reasons``).
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Annotated, Literal

from flask_babel import lazy_gettext as _l
from pydantic import BeforeValidator, ConfigDict, Field, RootModel, StrictBool, StrictInt, StrictStr, WithJsonSchema

from app.api.schemas import (
    CURSOR_PATTERN,
    MAX_CURSOR,
    MAX_INT32,
    NO_NUL_PATTERN,
    Body,
    Choice,
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
)
from app.cases.enums import DocumentKind, IPType
from app.clocks.models import ClockName
from app.core.workflow import Input, Workflow
from app.mediation.enums import MediationScope, MediationState, NextRoute, ServiceMethod
from app.mediation.workflow import MAX_TEXT, MEDIATIONS

ACTION_NAMES = tuple(MEDIATIONS.actions)
# Text an input declares without a length (a date, a time) is still bounded when it is read.
DATE_TEXT_LIMIT = 40
SHORT_TEXT_LIMIT = 254  # any other text declared without a length: an e-mail address (the mediator)


# ---- POST /api/v1/cases/{number}/mediations ------------------------------------------------------------------


class NewMediation(Body):
    """Request a fast mediation on an accepted case (caseworkers and supervisors of the case's centre or a centre
    above). Every reason it cannot start is answered at once (422, `details.reasons`): the case not accepted, no
    right or respondent named, a mediation already under way, `not_in_court` not true, a mediator who is not an
    active mediator of the case's centre or of a centre above it. Unknown fields are refused."""

    mediator: Annotated[
        Annotated[StrictStr, Field(max_length=254)] | None,
        Field(
            description="The e-mail of an active mediator of the case's centre or of a centre above; null: "
            "assigned later (`assign_mediator`)."
        ),
    ] = None
    scope: Choice(
        MediationScope, "What is mediated (Patent Law Implementing Rules art. 102); `damages` when left out."
    ) = None
    requests: Text(MAX_TEXT, "What the requester asks for.") = None
    not_in_court: Annotated[
        StrictBool | None,
        Field(
            description="Must be true: the requester confirms that no court case is pending on the dispute and "
            "that no arbitration agreement covers it (Patent Law Implementing Rules art. 97; a mediation is "
            "refused otherwise)."
        ),
    ] = None


# ---- GET /api/v1/mediations ------------------------------------------------------------------------------------


def _case_number(value):
    value = _first(value)
    return "" if value is None else value


class MediationListQuery(Model):
    """The filters of the mediation list; parameters it does not know are ignored."""

    model_config = ConfigDict(extra="ignore")

    state: _query_choice(MediationState) = None
    ip_type: _query_choice(IPType) = None
    case: Annotated[
        str,
        BeforeValidator(_case_number),
        Field(
            max_length=40,
            json_schema_extra={"pattern": NO_NUL_PATTERN},
            description="Only the mediations of the case with this number. Empty: any.",
        ),
    ] = ""
    mine: Annotated[
        bool | None,
        BeforeValidator(_flag),
        WithJsonSchema(
            {
                "type": "string",
                "enum": ["true", "false", ""],
                "description": "`true`: only those assigned to the caller as mediator; `false`: only the others; "
                "empty: all.",
            }
        ),
    ] = None
    overdue: Annotated[
        bool | None,
        BeforeValidator(_flag),
        WithJsonSchema(
            {
                "type": "string",
                "enum": ["true", "false", ""],
                "description": "`true`: only mediations with a running, unpaused clock past its due time; `false`: "
                "only the others; empty: all.",
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


# ---- POST /api/v1/mediations/{id}/actions[/{action}] -----------------------------------------------------------


def _one_of_text(values) -> object:
    return _l("Must be one of: %(values)s.", values=", ".join(values))


def input_annotation(item: Input):
    """The type of ``data.<item.name>``: what the input's JSON schema (``Input.schema``) declares, enforced, and
    documented as declared (with the bound given to a date's text)."""
    schema = copy.deepcopy(item.schema)
    kind = schema.get("type")
    nullable = isinstance(kind, list) and "null" in kind
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    say = Say()
    if "enum" in schema:
        base = Literal[tuple(schema["enum"])]  # type: ignore[valid-type]
        say = Say(invalid=_one_of_text(schema["enum"]))
    elif kind == "string":
        if "maxLength" not in schema:
            schema["maxLength"] = DATE_TEXT_LIMIT if schema.get("format") in ("date", "date-time") else SHORT_TEXT_LIMIT
        base = Annotated[StrictStr, Field(max_length=schema["maxLength"])]
    elif kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        base = Annotated[StrictInt, Field(ge=low, le=high)]
        if low is not None and high is not None:
            say = Say(out_of_range=_l("Must be between %(low)d and %(high)d.", low=low, high=high))
        elif low is not None:
            say = Say(out_of_range=_l("Must be %(low)d or more.", low=low))
    elif kind == "array" and schema.get("items", {}).get("type") == "string":
        item_limit = schema["items"].setdefault("maxLength", MAX_TEXT)
        low, high = schema.get("minItems", 0), schema.get("maxItems", 100)
        schema["maxItems"] = high
        base = Annotated[
            list[Annotated[StrictStr, Field(max_length=item_limit)]], Field(min_length=low, max_length=high)
        ]
        say = Say(
            invalid=_l(
                "Must be a list of %(low)d to %(high)d texts of at most %(n)d characters each.",
                low=low,
                high=high,
                n=item_limit,
            )
        )
    else:  # a new kind of input must be given its API type here, not slip through unchecked
        raise ValueError(f"no API type for the input {item.name!r}: {item.schema!r}")
    if nullable:
        base = base | None
    return Annotated[base, WithJsonSchema(schema), say]


def workflow_inputs(wf: Workflow) -> dict[str, tuple[list[str], Input]]:
    """Each input name of ``wf``'s actions: the actions asking for it, and its declaration (one per name)."""
    found: dict[str, tuple[list[str], Input]] = {}
    for action in wf.actions.values():
        for item in action.inputs:
            actions, first = found.setdefault(item.name, ([], item))
            if first.schema != item.schema:
                raise ValueError(f"{wf.name}: the input {item.name!r} is declared twice, differently")
            actions.append(action.name)
    return found


def _schema_text(schema: dict) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    kind = schema.get("type", "any value")
    kind = " or ".join(kind) if isinstance(kind, list) else kind
    extra = [schema["format"]] if "format" in schema else []
    bounds = [f"{k} {schema[k]}" for k in ("minimum", "maximum", "maxLength", "minItems", "maxItems") if k in schema]
    return " ".join([kind, *extra, *bounds])


def per_action(wf: Workflow) -> dict:
    """What each action asks for, from the workflow's table: its comment and its `data` (a JSON schema)."""
    out = {}
    for action in wf.actions.values():
        data = {
            "type": "object",
            "properties": {i.name: i.schema for i in action.inputs},
            "required": [i.name for i in action.inputs if i.required],
            "additionalProperties": False,
        }
        out[action.name] = {
            "label": str(action.label),
            "roles": sorted(r.value for r in action.roles),
            "from": [s.value for s in wf.states if s in action.sources],
            "to": action.target.value if action.target is not None else None,
            "comment_required": action.comment_required,
            "data": data,
        }
    return out


def actions_description(wf: Workflow) -> str:
    lines = [
        "One action of the mediation's workflow: `version` is the mediation's version as last read (409 when "
        "stale). What each action asks for comes from the workflow's table (also as `x-actions`, keyed by the "
        "action's name, with the roles that may take it and the states it goes from and to); `data` may carry "
        "only the fields of the action taken. A role that may never take the action answers 403, input or a "
        "state its guards refuse 422 with `details.reasons`.",
        "",
    ]
    for name, action in wf.actions.items():
        needs = ["`comment` required" if action.comment_required else "`comment` optional"]
        needs += [
            f"`data.{i.name}`{'' if i.required else ' (optional)'}: {_schema_text(i.schema)}" for i in action.inputs
        ]
        lines.append(f"- `{name}`: {'; '.join(needs)}")
    return "\n".join(lines)


def _action_data_model():
    from pydantic import create_model

    fields = {}
    for name, (actions, item) in workflow_inputs(MEDIATIONS).items():
        annotation = input_annotation(item)
        description = f"For {', '.join(f'`{a}`' for a in actions)}."
        text = item.schema.get("description")
        if text:
            description = f"{description} {text}"
        fields[name] = (Annotated[annotation, Field(description=description)], None)
    return create_model("MediationActionData", __base__=Body, **fields)


MediationActionData = _action_data_model()

_VERSION = Annotated[
    StrictInt,
    Field(ge=1, le=MAX_INT32, description="The mediation's version as last read (409 when stale)."),
    Say(required=_l("Required: the mediation's version as last read."), invalid=_l("Must be a whole number from 1.")),
]


def _request_extra(schema: dict) -> None:
    schema["description"] = actions_description(MEDIATIONS)
    schema["x-actions"] = per_action(MEDIATIONS)


class MediationActionRequest(Body):
    version: _VERSION
    comment: Text(10000) = None
    data: MediationActionData | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra=_request_extra)


class MediationActionPost(Body):
    """The same as `POST /api/v1/mediations/{id}/actions/{action}`, with the action named in the body."""

    action: Annotated[
        Literal[ACTION_NAMES],  # type: ignore[valid-type]
        Field(description="The action to take (see `MediationActionRequest`)."),
        Say(required=_l("Required: the action to take."), invalid=_one_of_text(ACTION_NAMES)),
    ]
    version: _VERSION
    comment: Text(10000) = None
    data: MediationActionData | None = None


# ---- what the API answers --------------------------------------------------------------------------------------


class MediationDeadline(Out):
    """The clock the mediation answers to now: the respondent's reply window while awaiting them, the fast
    mediation deadline while mediating or suspended, else the nearest running one."""

    name: ClockName
    due_at: When | None
    is_paused: bool
    is_overdue: bool = Field(description="Running, unpaused and past its due time now, or met after it.")


class MediationSessionItem(Out):
    id: Id
    position: Annotated[int, Field(ge=1)] = Field(description="1 for the first session, and so on.")
    starts_at: When
    duration_minutes: Annotated[int, Field(ge=15, le=720)]
    place: str
    online_url: str
    held_at: When | None = Field(description="When it was held; null while it is only scheduled.")
    minutes: str = Field(default=None, description="Staff only: what happened at it.")


class JudicialConfirmation(Out):
    court: str
    confirmed_on: date
    ruling_number: str


class MediationAgreement(Out):
    """The agreement (调解协议书), once recorded."""

    terms: list[str]
    amount_fen: Annotated[int, Field(ge=0)] | None
    perform_by: date
    performance_method: str
    costs_borne_by: str
    facts: str
    disputed_issues: str
    liability: str
    agreed_at: When
    performed_on: date | None
    judicial_confirmation: JudicialConfirmation | None


class MediationDocument(Out):
    id: Id = Field(description="`GET /api/v1/documents/{id}` gives the PDF.")
    kind: DocumentKind
    number: str | None
    sha256: Sha256
    created_at: When


class MediationActionCheck(Out):
    action: Literal[ACTION_NAMES]  # type: ignore[valid-type]
    label: str
    allowed: bool
    comment_required: bool
    data_fields: list[str]
    reasons: list[str] = Field(default=None, description="Why it is blocked (only when not allowed).")


class Mediation(Out):
    id: Id
    case: str = Field(description="The number of the case it is handled under.")
    centre: Named
    state: MediationState
    version: int = Field(ge=1, description="Send it back with an action (409 when stale).")
    ip_type: IPType = Field(description="The right mediated about (its deadline follows from it).")
    right_number: str
    scope: MediationScope
    requests: str
    mediator: str | None = Field(description="The mediator's e-mail, or null while none is assigned.")
    respondent: str = Field(description="The respondent's name.")
    served_on: date | None
    service_method: ServiceMethod | None
    reply_received_on: date | None
    reply_is_late: bool
    opened_at: When | None = Field(description="When the respondent agreed and the mediation opened.")
    ended_at: When | None
    next_route: NextRoute | None = Field(description="After a failure or refusal: the route the parties were advised.")
    deadline: MediationDeadline | None
    clocks: list[Clock] = Field(description="Every clock of the mediation, oldest first.")
    sessions: list[MediationSessionItem]
    agreement: MediationAgreement | None
    documents: list[MediationDocument] = Field(description="The documents issued for it, oldest first.")
    created_at: When
    updated_at: When


class MediationDetail(Mediation):
    events: list[Event] = Field(
        description="Its entries of the case's audit chain (applicants: those their timeline shows)."
    )
    available_actions: list[MediationActionCheck] = Field(
        description="What the caller may do on it now, and why the rest is blocked."
    )


class MediationList(Out):
    items: list[Mediation]
    next_cursor: str | None


class MediationActionCheckList(_Documented, RootModel[list[MediationActionCheck]]):
    pass
