"""The API's schemas of on-site visits (pydantic): what ``app.api.visits`` parses and answers, and what the
OpenAPI document says of it (``app.api.openapi`` generates it from these models).

People are named by e-mail, enterprises by unified social credit code, days as ``YYYY-MM-DD``; the schemas
check shapes and types, every field's problem at once; ``app.api.visits`` then finds the people and
enterprises (each one unknown or outside the visit's centre named at once) and the services judge the rest
(``app.visits.inputs``: a visit dated in the future, a follow-up due before the visit…).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date
from typing import Annotated, Any, Literal

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, RootModel, StrictInt, StrictStr, WithJsonSchema

from app.api.schemas import (
    CREDIT_CODE_PATTERN,
    CURSOR_PATTERN,
    MAX_CURSOR,
    MAX_INT32,
    Body,
    Choice,
    Id,
    Model,
    Named,
    Out,
    Person,
    Say,
    Sha256,
    Text,
    When,
    _credit_code_shape,
    _Documented,
    _first,
    _limit,
    _query_choice,
    refuse,
)
from app.api.schemas_mediation import _one_of_text
from app.cases.enums import DocumentKind, IPType
from app.visits.enums import Topic, VisitState
from app.visits.inputs import MAX_ITEMS
from app.visits.models import MAX_TEXT
from app.visits.workflow import VISITS

ACTION_NAMES = tuple(VISITS.actions)
TOPIC_VALUES = tuple(t.value for t in Topic)
DAY_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
MONTH_PATTERN = "^[0-9]{4}-(0[1-9]|1[0-2])$"
MAX_EMAIL = 254


# ---- pieces ------------------------------------------------------------------------------------------------------


def _day(value):
    if not isinstance(value, str) or not re.fullmatch(DAY_PATTERN, value):
        raise refuse(_l("Give a date as YYYY-MM-DD."))
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise refuse(_l("Give a date as YYYY-MM-DD.")) from None
    if not 2000 <= day.year <= 2100:
        raise refuse(_l("Give a date between the years 2000 and 2100."))
    return day


def Day(description: str, required: bool = False):  # noqa: N802
    schema = {"type": "string", "format": "date", "pattern": DAY_PATTERN, "description": description}
    day = Annotated[date, BeforeValidator(_day), WithJsonSchema(schema)]
    if required:
        return Annotated[day, Say(required=_l("Required: a date as YYYY-MM-DD."))]
    return Annotated[day | None, WithJsonSchema({"anyOf": [schema, {"type": "null"}]})]


Email = Annotated[
    StrictStr,
    Field(min_length=1, max_length=MAX_EMAIL),
    Say(invalid=_l("Must be the e-mail address of a member of staff.")),
]
CreditCode = Annotated[
    StrictStr,
    Field(max_length=40, json_schema_extra={"pattern": CREDIT_CODE_PATTERN}),
    AfterValidator(_credit_code_shape),
]


def Emails(description: str):  # noqa: N802
    return Annotated[
        list[Email] | None,
        Field(max_length=MAX_ITEMS, description=description),
        Say(invalid=_l("Must be a list of e-mail addresses of staff.")),
    ]


def Codes(description: str):  # noqa: N802
    return Annotated[list[CreditCode] | None, Field(max_length=MAX_ITEMS, description=description)]


Topics = Annotated[
    list[Literal[TOPIC_VALUES]] | None,  # type: ignore[valid-type]
    Field(max_length=len(TOPIC_VALUES), description="What the visit covered."),
    Say(invalid=_one_of_text(TOPIC_VALUES)),
]


class NewVisitEnterprise(Body):
    """An enterprise visited that may not be registered yet: registered now (served by the visit's centre) when
    its code is new, else the one registered under it (it must be served by the visit's centre or below)."""

    credit_code: Annotated[CreditCode, Say(required=_l("Required: the enterprise's unified social credit code."))]
    name: Text(200, "Required when the code is new.") = None


class NewProblem(Body):
    text: Annotated[
        Annotated[StrictStr, Field(min_length=1, max_length=MAX_TEXT)],
        Field(description="What was found."),
        Say(required=_l("Required: describe the problem found.")),
    ]
    ip_type: Choice(IPType, "The type of right concerned (needed before it becomes a case).") = None
    right_number: Text(60, "The right's number (patents: needed before it becomes a case).") = None
    respondent_name: Text(200, "Who infringes, if known.") = None
    enterprise: Annotated[
        CreditCode | None,
        Field(description="The credit code of the visited enterprise it concerns (default: the first)."),
    ] = None


class NewFollowUp(Body):
    text: Annotated[
        Annotated[StrictStr, Field(min_length=1, max_length=MAX_TEXT)],
        Field(description="What was promised."),
        Say(required=_l("Required: describe the follow-up.")),
    ]
    owner: Annotated[Email, Say(required=_l("Required: the e-mail of the follow-up's owner."))]
    due_on: Day("Not before the visit, within two years of it.", required=True)


class Contact(Body):
    """The enterprise's contact who received the visit (and signs its record)."""

    name: Text(100) = None
    title: Text(100) = None
    phone: Text(30, "Digits, with +, - or spaces.") = None


class _RecordFields(Body):
    visited_on: Day("The day of the visit; not in the future.") = None
    staff: Emails("The staff who went (at least one): caseworkers or supervisors of the centre or above.") = None
    enterprises: Codes(
        "The credit codes of the registered enterprises visited, served by the centre or a centre below it."
    ) = None
    new_enterprises: Annotated[
        list[NewVisitEnterprise] | None,
        Field(max_length=MAX_ITEMS, description="Enterprises given by code and name (registered when new)."),
    ] = None
    topics: Topics = None
    problems: Annotated[list[NewProblem] | None, Field(max_length=MAX_ITEMS)] = None
    needs: Text(MAX_TEXT, "What the enterprise needs.") = None
    follow_ups: Annotated[
        list[NewFollowUp] | None,
        Field(max_length=MAX_ITEMS, description="Each with its owner and due date; the visit closes with the last."),
    ] = None
    contact: Contact | None = None
    notes: Text(MAX_TEXT, "Internal notes (staff only; never shown to the enterprise).") = None


class NewVisit(_RecordFields):
    """Record a visit as done (caseworkers and supervisors): at least one member of staff and one enterprise
    (`enterprises` or `new_enterprises`). A visit without follow-ups is closed at once. Unknown fields are
    refused; every bad field is named at once (422, `details.fields`)."""

    centre: Annotated[
        Annotated[StrictStr, Field(min_length=1, max_length=40)] | None,
        Field(description="The code of the centre whose visit it is (of the caller's scope); default the caller's."),
    ] = None
    visited_on: Day("The day of the visit; not in the future.", required=True)
    staff: Annotated[
        list[Email],
        Field(max_length=MAX_ITEMS, description="The staff who went (at least one), by e-mail."),
        Say(
            required=_l("Required: the e-mail addresses of the staff who went."),
            invalid=_l("Must be a list of e-mail addresses of staff."),
        ),
    ]


# ---- GET /api/v1/visits ----------------------------------------------------------------------------------------


def _month(value):
    value = _first(value)
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(MONTH_PATTERN, value) and 2000 <= int(value[:4]) <= 2100:
        return date(int(value[:4]), int(value[5:]), 1)
    raise refuse(_l("Give a month as YYYY-MM."))


def _text(value):
    value = _first(value)
    return "" if value is None else value


def encode_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(value: str):
    """The visits' cursor (``app.visits.queries.Cursor``) a text given out by ``encode_cursor`` stands for."""
    from app.visits.queries import Cursor

    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    return Cursor.decode(raw)


def _cursor(value):
    value = _first(value)
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or len(value) > MAX_CURSOR
        or not re.fullmatch(CURSOR_PATTERN, value)
        or decode_cursor(value) is None
    ):
        raise refuse(_l("This cursor is not one this API gave out."))
    return value


def _filter_text(description: str):
    return Annotated[
        str,
        BeforeValidator(_text),
        Field(max_length=40, json_schema_extra={"pattern": "^[^\\x00]*$"}, description=description),
    ]


MONTH_QUERY = {"type": "string", "pattern": f"^$|{MONTH_PATTERN}"}


class VisitListQuery(Model):
    """The filters of the visit list; parameters it does not know are ignored."""

    model_config = ConfigDict(extra="ignore")

    month: Annotated[
        date | None,
        BeforeValidator(_month),
        WithJsonSchema({**MONTH_QUERY, "description": "Only the visits of this month (YYYY-MM). Empty: any."}),
    ] = None
    centre: _filter_text("Only the visits of the centre with this code. Empty: any.") = ""
    state: _query_choice(VisitState) = None
    enterprise: _filter_text("Only the visits of the enterprise with this credit code. Empty: any.") = ""
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


def _required_month(value):
    month = _month(value)
    if month is None:
        raise refuse(_l("Required: a month as YYYY-MM."))
    return month


class ComplianceQuery(Model):
    model_config = ConfigDict(extra="ignore")

    month: Annotated[
        date,
        BeforeValidator(_required_month),
        WithJsonSchema({"type": "string", "pattern": MONTH_PATTERN, "description": "The month (YYYY-MM)."}),
        Say(required=_l("Required: a month as YYYY-MM.")),
    ]


# ---- POST /api/v1/visits/{id}/actions[/{action}] ----------------------------------------------------------------

_INDEX = Annotated[
    StrictInt,
    Field(ge=0, le=MAX_ITEMS - 1),
    Say(invalid=_l("Must be the index of an item of the visit (from 0).")),
]


class VisitActionData(_RecordFields):
    """What an action takes; each action only its own fields (another's answers 422)."""

    problem: Annotated[_INDEX | None, Field(description="For `raise_case`: the index of the problem (from 0).")] = None
    follow_up: Annotated[
        _INDEX | None, Field(description="For `complete_follow_up`: the index of the follow-up (from 0).")
    ] = None
    planned_on: Day("For `replan`: the day the visit is planned for (today or later).") = None


RECORD_FIELDS = tuple(_RecordFields.model_fields)
PLAN_FIELDS = ("planned_on", "staff", "enterprises", "topics", "notes")
TAKES = {
    "record": frozenset(RECORD_FIELDS),
    "replan": frozenset(PLAN_FIELDS),
    "raise_case": frozenset({"problem"}),
    "complete_follow_up": frozenset({"follow_up"}),
}
INPUT_NAMES = frozenset(VisitActionData.model_fields)


def actions_description() -> str:
    return (
        "One action of the visit's workflow: `version` is the visit's version as last read (409 when stale); "
        "`data` may carry only the fields of the action taken. "
        "`record` (a planned visit done): the fields of `POST /api/v1/visits` but `centre` (`visited_on`, "
        "`staff`, `enterprises`…). `replan` (supervisors): `planned_on`, `staff`, `enterprises`, `topics`, "
        "`notes`. `cancel` (supervisors): `comment` says why. `complete_follow_up`: `data.follow_up` (its index; "
        "`comment` what was done); the visit closes with its last follow-up. `raise_case`: `data.problem` (its "
        "index) answers 201 with the new case (channel `visit`, first responder the visiting caseworker). "
        "`close`: once every follow-up is done. A role that may never take the action answers 403, input or a "
        "state its guards refuse 422 with `details.reasons` or `details.fields`."
    )


_VERSION = Annotated[
    StrictInt,
    Field(ge=1, le=MAX_INT32, description="The visit's version as last read (409 when stale)."),
    Say(required=_l("Required: the visit's version as last read."), invalid=_l("Must be a whole number from 1.")),
]


def _request_extra(schema: dict) -> None:
    schema["description"] = actions_description()


class VisitActionRequest(Body):
    version: _VERSION
    comment: Text(MAX_TEXT) = None
    data: VisitActionData | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra=_request_extra)


class VisitActionPost(Body):
    """The same as `POST /api/v1/visits/{id}/actions/{action}`, with the action named in the body."""

    action: Annotated[
        Literal[ACTION_NAMES],  # type: ignore[valid-type]
        Field(description="The action to take (see `VisitActionRequest`)."),
        Say(required=_l("Required: the action to take."), invalid=_one_of_text(ACTION_NAMES)),
    ]
    version: _VERSION
    comment: Text(MAX_TEXT) = None
    data: VisitActionData | None = None


# ---- what the API answers ----------------------------------------------------------------------------------------

_STAFF = "Staff only."


class VisitEnterpriseRef(Out):
    credit_code: str
    name: str


class VisitProblemOut(Out):
    index: Annotated[int, Field(ge=0)] = Field(description="What `raise_case` names (`data.problem`).")
    text: str
    ip_type: IPType | None
    right_number: str
    respondent_name: str
    enterprise: VisitEnterpriseRef | None
    case: str | None = Field(description="The number of the case it became; null until raised.")


class VisitFollowUpOut(Out):
    index: Annotated[int, Field(ge=0)] = Field(description="What `complete_follow_up` names (`data.follow_up`).")
    text: str
    owner: Person | None
    due_on: date
    done: bool
    done_at: When | None
    done_by: Person | None
    done_note: str


class VisitContact(Out):
    name: str
    title: str
    phone: str


class VisitDocument(Out):
    id: Id = Field(description="`GET /api/v1/visits/{id}/documents/{document_id}` gives the PDF.")
    kind: DocumentKind
    number: str | None
    sha256: Sha256
    created_at: When


class VisitEvent(Out):
    """One entry of the visit's own audit chain (staff only: every entry is internal)."""

    seq: Id
    action: str
    from_state: str | None
    to_state: str | None
    actor: Person | None
    comment: str
    data: dict[str, Any]
    created_at: When
    prev_hash: str
    hash: str


class VisitActionCheck(Out):
    action: Literal[ACTION_NAMES]  # type: ignore[valid-type]
    label: str
    allowed: bool
    comment_required: bool
    data_fields: list[str]
    reasons: list[str] = Field(default=None, description="Why it is blocked (only when not allowed).")


class Visit(Out):
    """An on-site visit: planned, done (recorded), closed (every follow-up done, or none promised) or cancelled.
    An applicant sees the visits of their enterprise once done, without the fields marked staff only."""

    id: Id
    centre: Named
    state: VisitState
    version: int = Field(ge=1, description="Send it back with an action (409 when stale).")
    planned_on: date | None
    visited_on: date | None
    staff: list[Person]
    enterprises: list[VisitEnterpriseRef]
    topics: list[Topic]
    problems: list[VisitProblemOut]
    needs: str
    follow_ups: list[VisitFollowUpOut]
    contact: VisitContact
    cancel_reason: str = Field(default=None, description=_STAFF)
    notes: str = Field(default=None, description=f"{_STAFF} Internal notes.")
    documents: list[VisitDocument] = Field(description="The visit records issued (上门服务记录表), oldest first.")
    recorded_at: When | None
    closed_at: When | None
    created_at: When
    updated_at: When


class VisitDetail(Visit):
    events: list[VisitEvent] = Field(default=None, description=f"{_STAFF} The visit's audit chain.")
    available_actions: list[VisitActionCheck] = Field(
        description="What the caller may do on it now, and why the rest is blocked."
    )


class VisitList(Out):
    items: list[Visit]
    next_cursor: str | None


class VisitActionCheckList(_Documented, RootModel[list[VisitActionCheck]]):
    pass


class ComplianceCell(Out):
    centre: str = Field(description="The centre's code.")
    month: str = Field(pattern=MONTH_PATTERN)
    visits: Annotated[int, Field(ge=0)] = Field(description="Visits done (or closed) in the month.")
    required: Annotated[int, Field(ge=0)] = Field(description="The centre's monthly minimum (0: not owed).")
    met: bool
    status: Literal["met", "short", "in_progress", "future", "not_required"] = Field(
        description="`short`: a month over without its visits; `in_progress`: the current month, not yet met; "
        "`not_required`: the centre owed none (created later, or inactive)."
    )


class ComplianceList(Out):
    items: list[ComplianceCell] = Field(description="One per centre of the caller's subtree, in tree order.")
