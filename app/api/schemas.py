"""The API's schemas (pydantic): they parse what a client sends, describe what the API answers, and are
what ``app.api.openapi`` generates the OpenAPI document from (through spectree, from the routes' decorators).

Input models check shapes and types, every field's problem at once; ``problems_of`` turns pydantic's
errors into ``{"<json path>": "<message in the request's language>"}`` for ``invalid`` (422), so the
library never answers with its own error bodies. A field's messages come from its ``Say`` metadata or
from the kind of error. What a value means (patent numbers, credit-code check characters, who may file
for whom, what an action's guards need) stays with the services and the workflow.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    WithJsonSchema,
    create_model,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.api.errors import CODES, MESSAGES
from app.cases import workflow
from app.cases.enums import (
    CaseKind,
    CaseState,
    Channel,
    ComplainantType,
    DeclineReason,
    DocumentKind,
    HandoverKind,
    IPType,
)
from app.cases.services import MAX_AMOUNT_FEN, MAX_RESPONDENTS, MAX_RIGHTS
from app.clocks.models import ClockName, ClockUnit
from app.core.identifiers import IdentifierError, normalise_credit_code
from app.enterprises.sme_size import Industry, SizeClass

MAX_INT32 = 2**31 - 1
MAX_FIGURE = Decimal("1000000000000")  # 10k yuan: Numeric(14, 2)
MAX_STAFF = 10_000_000
# What a unified social credit code may look like as sent: 18 characters of its alphabet, either case, in
# ASCII or full width (as a Chinese input method types them), spaces anywhere (the service then checks the 18th,
# the check character).
_CODE_CHAR = "[0-9A-HJ-NP-RTUWXYa-hj-np-rtuwxy０-９Ａ-ＨＪ-ＮＰ-ＲＴＵＷ-Ｙａ-ｈｊ-ｎｐ-ｒｔｕｗ-ｙ]"
CREDIT_CODE_PATTERN = f"^[ \u3000]*(?:{_CODE_CHAR}[ \u3000]*){{18}}$"
CURSOR_PATTERN = "^[A-Za-z0-9_-]*$"  # base64url without padding, as ``next_cursor`` gives it
MAX_CURSOR = 200
NO_NUL_PATTERN = "^[^\\x00]*$"
# The receivers a handover or transfer names: text of at most this many characters (the columns' sizes).
RECEIVER_LIMITS = {"to_user": 254, "to_centre": 40}


# ---- messages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """A field's own messages: ``required`` when it is missing or null (reported at ``at`` below it when
    given), ``invalid`` for any other problem, ``out_of_range`` for a number outside its bounds."""

    required: object = None
    invalid: object = None
    out_of_range: object = None
    at: str | None = None


def _values(enum_cls) -> list[str]:
    return [m.value for m in enum_cls]


def one_of(enum_cls) -> object:
    return _l("Must be one of: %(values)s.", values=", ".join(_values(enum_cls)))


def required_one_of(enum_cls) -> object:
    return _l("Required; one of: %(values)s.", values=", ".join(_values(enum_cls)))


def refuse(message) -> PydanticCustomError:
    """A validator's refusal carrying its (lazy, translated at answer time) message."""
    return PydanticCustomError("invalid", "{message}", {"message": message})


_TYPE_MESSAGES = {
    "string_type": lambda ctx: _l("Must be text."),
    "string_too_long": lambda ctx: _l("Too long (at most %(n)d characters).", n=ctx["max_length"]),
    "bool_type": lambda ctx: _l("Must be true or false."),
    "bool_parsing": lambda ctx: _l("Must be true or false."),
    "int_type": lambda ctx: _l("Must be a whole number."),
    "int_parsing": lambda ctx: _l("Must be a whole number."),
    "int_from_float": lambda ctx: _l("Must be a whole number."),
    "model_type": lambda ctx: _l("Must be an object."),
    "model_attributes_type": lambda ctx: _l("Must be an object."),
    "dict_type": lambda ctx: _l("Must be an object."),
    "list_type": lambda ctx: _l("Must be a list."),
    "too_long": lambda ctx: _l("Give at most %(n)d.", n=ctx["max_length"]),
    "extra_forbidden": lambda ctx: _l("Unknown field."),
}
_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def json_path(loc) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def _unwrap(annotation):
    """The model a field's type leads to (through Optional, lists and Annotated), or None."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType, list):
            inner = [a for a in get_args(annotation) if a is not type(None)]
            if len(inner) != 1:
                return None
            annotation = inner[0]
        else:
            break
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _say_at(model, loc) -> Say | None:
    """The ``Say`` of the field at ``loc`` (list indexes skipped), if it has one."""
    current, info = model, None
    for part in loc:
        if isinstance(part, int):
            continue
        if current is None or part not in current.model_fields:
            return None
        info = current.model_fields[part]
        current = _unwrap(info.annotation)
    if info is None:
        return None
    return next((m for m in info.metadata if isinstance(m, Say)), None)


def problems_of(exc: ValidationError, model) -> dict[str, object]:
    """One message per JSON path for every problem pydantic found (the first one for a path)."""
    fields: dict[str, object] = {}
    for error in exc.errors(include_url=False):
        loc, kind, ctx = error["loc"], error["type"], error.get("ctx") or {}
        path = json_path(loc)
        say = _say_at(model, loc) or Say()
        if kind == "invalid":
            message = ctx["message"]
        elif kind == "missing" or (error.get("input") is None and say.required is not None):
            message = say.required or MESSAGES[422]
            if say.at:
                path = f"{path}.{say.at}"
        elif kind == "extra_forbidden":
            message = _TYPE_MESSAGES[kind](ctx)
        elif kind in _RANGE_ERRORS and say.out_of_range is not None:
            message = say.out_of_range
        elif say.invalid is not None:
            message = say.invalid
        elif kind in _TYPE_MESSAGES:
            message = _TYPE_MESSAGES[kind](ctx)
        else:
            message = MESSAGES[422]
        fields.setdefault(path, message)
    return fields


# ---- field types ---------------------------------------------------------------------------------


class _Schema(GenerateJsonSchema):
    """JSON schemas without the titles pydantic derives from Python names."""

    def field_title_should_be_set(self, schema) -> bool:
        return False


class _Documented:
    """Clean JSON schemas: no titles derived from Python names, no ``default: null`` where null is not allowed
    (a field that may be left out is not nullable)."""

    @classmethod
    def model_json_schema(
        cls, by_alias=True, ref_template="#/$defs/{model}", schema_generator=_Schema, mode="validation", **kw
    ):
        schema = super().model_json_schema(by_alias, ref_template, schema_generator, mode, **kw)
        _clean(schema)
        return schema


def _clean(node) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("title"), str):  # a property named "title" is a schema (a dict), kept
            del node["title"]
        if "default" in node and node["default"] is None and not _allows_null(node):
            del node["default"]
        for value in node.values():
            _clean(value)
    elif isinstance(node, list):
        for value in node:
            _clean(value)


def _allows_null(schema: dict) -> bool:
    return schema.get("type") == "null" or any(_allows_null(s) for s in schema.get("anyOf", ()))


class Model(_Documented, BaseModel):
    pass


class Body(Model):
    """A JSON object sent by a client: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


def Text(max_length: int, description: str | None = None):  # noqa: N802
    """Optional text of at most ``max_length`` characters (counted as sent)."""
    return Annotated[Annotated[StrictStr, Field(max_length=max_length)] | None, Field(description=description)]


def Whole(low: int, high: int, description: str | None = None):  # noqa: N802
    """An optional whole number from ``low`` to ``high``."""
    return Annotated[
        Annotated[StrictInt, Field(ge=low, le=high)] | None,
        Field(description=description),
        Say(out_of_range=_l("Must be between %(low)d and %(high)d.", low=low, high=high)),
    ]


def Choice(enum_cls, description: str | None = None, required: bool = False):  # noqa: N802
    if required:
        return Annotated[
            enum_cls, Field(description=description), Say(required=required_one_of(enum_cls), invalid=one_of(enum_cls))
        ]
    return Annotated[enum_cls | None, Field(description=description), Say(invalid=one_of(enum_cls))]


def _credit_code_shape(value: str) -> str:
    if re.fullmatch(CREDIT_CODE_PATTERN, value):
        return value
    try:
        normalise_credit_code(value)
    except IdentifierError as exc:
        raise refuse(exc.message) from None
    bad = sorted({c for c in value if c not in " \u3000" and not re.fullmatch(_CODE_CHAR, c)})
    raise refuse(_l("A unified social credit code cannot contain %(chars)s.", chars=", ".join(map(repr, bad))))


def _respondent_code_shape(value: str | None) -> str | None:
    return value if value in (None, "") else _credit_code_shape(value)


def _figure(value):
    """A non-negative amount with two decimals below 10^12, given as a JSON number or a numeric string."""
    if value is None:
        return None
    message = _l("Must be a number from 0 below %(max)s.", max=str(MAX_FIGURE))
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise refuse(_l("Must be a number."))
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise refuse(_l("Must be a number.")) from None
    if not number.is_finite() or number < 0 or number.adjusted() >= 15:
        raise refuse(message)
    number = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if number >= MAX_FIGURE:
        raise refuse(message)
    return number


def Figure(description: str):  # noqa: N802
    return Annotated[
        Decimal | None,
        BeforeValidator(_figure),
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "number", "minimum": 0, "exclusiveMaximum": int(MAX_FIGURE)},
                    {"type": "string"},
                    {"type": "null"},
                ],
                "description": description,
            }
        ),
    ]


OptBool = Annotated[StrictBool | None, Field()]


# ---- POST /api/v1/cases --------------------------------------------------------------------------


class NewRight(Body):
    type: Choice(IPType, required=True)
    number: Text(60, "Patents: the application number, checked (e.g. 202320123456.1).") = None
    title: Text(200) = None


class NewRespondent(Body):
    name: Annotated[Annotated[StrictStr, Field(max_length=200)], Say(required=_l("Required: the respondent's name."))]
    credit_code: Annotated[
        Annotated[StrictStr, Field(max_length=40, json_schema_extra={"pattern": f"^$|{CREDIT_CODE_PATTERN}"})] | None,
        AfterValidator(_respondent_code_shape),
        Field(description="Empty, or a unified social credit code (its check character is checked too)."),
    ] = None
    address: Text(300) = None
    url: Text(500) = None


class NewEnterprise(Body):
    """Found by its unified social credit code. Staff who may file can record an enterprise not registered yet
    by also giving its name; it is then served by their centre. With industry, staff_count and revenue_wan (and
    assets_wan where the industry's size rule needs it; all of them or none) it is classified by size, otherwise
    its size class is `unknown` until the figures are given. An applicant files only for their own."""

    credit_code: Annotated[
        StrictStr,
        Field(max_length=40, json_schema_extra={"pattern": CREDIT_CODE_PATTERN}),
        AfterValidator(_credit_code_shape),
        Say(required=_l("Required: the enterprise's unified social credit code.")),
    ]
    name: Text(200) = None
    address: Text(300) = None
    region: Text(100) = None
    industry: Choice(Industry) = None
    staff_count: Whole(0, MAX_STAFF) = None
    revenue_wan: Figure("Operating revenue last year in 10k yuan, two decimals, below 10^12.") = None
    assets_wan: Figure("Total assets in 10k yuan, two decimals, below 10^12.") = None
    is_specialised_new: OptBool = None
    is_little_giant: OptBool = None
    is_in_hardship: OptBool = None


class NewComplainant(Body):
    """Who complains when it is not an enterprise (staff only): a natural person (`name` required) or an
    anonymous tip-off (name and phone optional). Give it instead of `enterprise`."""

    type: Annotated[
        Literal["individual", "anonymous", "enterprise"],
        Field(description="`individual` or `anonymous`; `enterprise` means the `enterprise` given beside it."),
        Say(
            required=_l("Required; one of: %(values)s.", values="individual, anonymous"),
            invalid=_l("Must be one of: %(values)s.", values="individual, anonymous"),
        ),
    ]
    name: Text(100, "The person's name (required for `individual`).") = None
    phone: Text(40, "Digits, with +, - or spaces.") = None


class NewCall(Body):
    """A 12330 hotline call (staff only; channel `hotline`)."""

    caller_name: Text(100) = None
    caller_phone: Text(40, "Digits, with +, - or spaces.") = None
    called_at: Annotated[
        AwareDatetime | None,
        Field(description="ISO 8601 with offset; not in the future."),
        Say(invalid=_l("Give the time of the call as ISO 8601 with its offset, e.g. 2026-03-02T09:30:00+08:00.")),
    ] = None
    ticket: Text(40, "The 12330 system's ticket number.") = None


_BOTH_FORMS = (
    ("ip_right", "ip_rights", _l("Give either ip_right or ip_rights, not both.")),
    ("respondent", "respondents", _l("Give either respondent or respondents, not both.")),
)


def _line_errors(exc: ValidationError) -> list[InitErrorDetails]:
    out = []
    for error in exc.errors(include_url=False):
        kind = error["type"]
        if kind == "invalid":
            kind = refuse(error["ctx"]["message"])
        detail = {"type": kind, "loc": error["loc"], "input": error.get("input")}
        if error.get("ctx") and not isinstance(kind, PydanticCustomError):
            detail["ctx"] = error["ctx"]
        out.append(detail)
    return out


class NewCase(Body):
    """Unknown fields are refused (422). Give a right as `ip_right` or a list as `ip_rights` (not both), a
    respondent as `respondent` or `respondents`. Unless `draft` is true the case is submitted (and, filed by
    staff, acknowledged with the filer as first responder)."""

    kind: Choice(CaseKind, required=True)
    channel: Choice(Channel, "Applicants: only `web`.", required=True)
    enterprise: Annotated[
        NewEnterprise | None,
        Field(description="Required unless `complainant` names a person or an anonymous tip-off."),
        Say(required=_l("Required: the enterprise's unified social credit code."), at="credit_code"),
    ] = None
    complainant: Annotated[
        NewComplainant | None,
        Field(description="Staff only: a person or an anonymous tip-off, instead of `enterprise`."),
    ] = None
    call: Annotated[NewCall | None, Field(description="Staff only, channel `hotline`: the call.")] = None
    ip_right: NewRight | None = None
    ip_rights: Annotated[list[NewRight], Field(max_length=MAX_RIGHTS)] | None = None
    respondent: NewRespondent | None = None
    respondents: Annotated[list[NewRespondent], Field(max_length=MAX_RESPONDENTS)] | None = None
    title: Text(200) = None
    facts: Text(20000, "Required unless a draft or a consultation.") = None
    help_wanted: Text(5000) = None
    claimed_amount_fen: Whole(0, MAX_AMOUNT_FEN) = None
    draft: Annotated[StrictBool | None, Field(default=False)]

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # The enterprise, or a person or an anonymous tip-off instead (not both).
            "anyOf": [
                {"required": ["enterprise"], "properties": {"enterprise": {"type": "object"}}},
                {
                    "required": ["complainant"],
                    "properties": {
                        "complainant": {
                            "type": "object",
                            "required": ["type"],
                            "properties": {"type": {"enum": ["individual", "anonymous"]}},
                        }
                    },
                },
            ],
            # Not both forms of the same thing (a null counts as not given).
            "not": {
                "anyOf": [
                    {
                        "required": [one, many],
                        "properties": {one: {"type": "object"}, many: {"type": "array"}},
                    }
                    for one, many, _message in _BOTH_FORMS
                ]
                + [
                    {
                        "required": ["enterprise", "complainant"],
                        "properties": {
                            "enterprise": {"type": "object"},
                            "complainant": {
                                "type": "object",
                                "required": ["type"],
                                "properties": {"type": {"enum": ["individual", "anonymous"]}},
                            },
                        },
                    }
                ]
            },
        },
    )

    @model_validator(mode="wrap")
    @classmethod
    def _one_form_each(cls, data, handler):
        errors: list = []
        try:
            result = handler(data)
        except ValidationError as exc:
            errors, result = _line_errors(exc), None
        if isinstance(data, dict):
            for one, many, message in _BOTH_FORMS:
                if data.get(one) is not None and data.get(many) is not None:
                    errors.append({"type": refuse(message), "loc": (many,), "input": data.get(many)})
            errors += _complainant_errors(data)
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return result


def _complainant_errors(data: dict) -> list:
    """The enterprise, or a person or tip-off instead: one of the two."""
    who = data.get("complainant")
    kind = who.get("type") if isinstance(who, dict) else None
    firm = data.get("enterprise")
    if kind in ("individual", "anonymous") and firm is not None:
        message = _l("A person or an anonymous tip-off names no enterprise; leave out either one.")
        return [{"type": refuse(message), "loc": ("enterprise",), "input": firm}]
    if firm is None and kind not in ("individual", "anonymous"):
        message = _l("Required: the enterprise's unified social credit code.")
        return [{"type": refuse(message), "loc": ("enterprise", "credit_code"), "input": None}]
    return []


# ---- POST /api/v1/cases/{number}/actions/{action} ------------------------------------------------


class _ActionDataBase(Model):
    model_config = ConfigDict(extra="allow")


def _schema_text(schema: dict) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    if schema.get("type") == "object" and "properties" in schema:
        return "an object of " + ", ".join(f"`{k}`" for k in schema["properties"])
    bounds = [f"{k} {schema[k]}" for k in ("minimum", "maximum") if k in schema]
    return " ".join([schema.get("type", "any value"), *bounds])


def _action_inputs():
    """Each input name of the case workflow's actions: the actions asking for it, and its first declaration."""
    found: dict[str, tuple[list[str], Any]] = {}
    for action in workflow.CASES.actions.values():
        for item in action.inputs:
            found.setdefault(item.name, ([], item))[0].append(action.name)
    return found


def _action_data_model():
    """``data`` of an action: a property per input of the workflow's actions (from ``Input.schema``).

    Only the receivers are checked here (text within the columns' sizes), on every action; any other input is
    judged by the action's guards (422 with ``details.reasons``), so its schema is given as ``x-expected``."""
    fields = {}
    for name, (actions, item) in _action_inputs().items():
        text = item.schema.get("description") or ""
        description = f"{', '.join(f'`{a}`' for a in actions)}: {text} {_schema_text(item.schema)}".strip()
        if name in RECEIVER_LIMITS:
            fields[name] = (Text(RECEIVER_LIMITS[name], description), None)
        else:
            fields[name] = (
                Annotated[Any, WithJsonSchema({"description": description, "x-expected": copy.deepcopy(item.schema)})],
                None,
            )
    return create_model("ActionData", __base__=_ActionDataBase, **fields)


ActionData = _action_data_model()


def _per_action() -> dict:
    """What each action asks for, from the workflow's table: its comment and its ``data`` (a JSON schema)."""
    out = {}
    for action in workflow.CASES.actions.values():
        data = {
            "type": "object",
            "properties": {i.name: i.schema for i in action.inputs},
            "required": [i.name for i in action.inputs if i.required],
        }
        out[action.name] = {"label": str(action.label), "comment_required": action.comment_required, "data": data}
    return out


def _actions_description() -> str:
    lines = [
        "One workflow action: `version` is the case's version as last read (409 when stale). What each action "
        "asks for comes from the workflow's table (also as `x-actions`, keyed by the `action` path parameter); "
        "a colleague or centre that cannot take the case, or input an action's guards refuse, answers 422 with "
        "`details.reasons`.",
        "",
    ]
    for name, action in workflow.CASES.actions.items():
        needs = ["`comment` required" if action.comment_required else "`comment` optional"]
        needs += [
            f"`data.{i.name}`{'' if i.required else ' (optional)'}: {_schema_text(i.schema)}" for i in action.inputs
        ]
        lines.append(f"- `{name}`: {'; '.join(needs)}")
    return "\n".join(lines)


def _action_request_extra(schema: dict) -> None:
    schema["description"] = _actions_description()
    schema["x-actions"] = _per_action()


class ActionRequest(Body):
    version: Annotated[
        StrictInt,
        Field(ge=1, le=MAX_INT32, description="Send it back as last read (409 when stale)."),
        Say(required=_l("Required: the case's version as last read."), invalid=_l("Must be a whole number from 1.")),
    ]
    comment: Text(10000) = None
    data: ActionData | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra=_action_request_extra)


# ---- GET /api/v1/cases ---------------------------------------------------------------------------


def _first(value):
    """A query parameter given twice counts once, as its first value; an empty one as not given."""
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value == "" else value


def _flag(value):
    value = _first(value)
    if value is None or isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise refuse(_l("Must be true or false."))


def _limit(value):
    given = value[0] if isinstance(value, list) and value else value
    value = _first(value)
    if value is None and given != "":  # an empty limit is not a number (the document says integer)
        return 20
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 3 and 1 <= int(value) <= 100:
        return int(value)
    raise refuse(_l("Must be a whole number from 1 to 100."))


def _cursor(value):
    from app.api.queries import BadCursor, decode_cursor

    value = _first(value)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_CURSOR or not re.fullmatch(CURSOR_PATTERN, value):
        raise refuse(_l("This cursor is not one this API gave out."))
    try:
        decode_cursor(value)
    except BadCursor:
        raise refuse(_l("This cursor is not one this API gave out.")) from None
    return value


def _query_choice(enum_cls, description: str | None = None):
    schema = {"type": "string", "enum": [*_values(enum_cls), ""], "description": "Empty: any."}
    if description:
        schema["description"] = description
    return Annotated[enum_cls | None, BeforeValidator(_first), WithJsonSchema(schema), Say(invalid=one_of(enum_cls))]


class CaseListQuery(Model):
    """The filters of the case list; parameters it does not know are ignored."""

    model_config = ConfigDict(extra="ignore")

    state: _query_choice(CaseState) = None
    kind: _query_choice(CaseKind) = None
    ip_type: _query_choice(IPType) = None
    channel: _query_choice(Channel) = None
    overdue: Annotated[
        bool | None,
        BeforeValidator(_flag),
        WithJsonSchema(
            {
                "type": "string",
                "enum": ["true", "false", ""],
                "description": "`true`: only cases with a running, unpaused clock past its due time "
                "(`next_due_at` before now); `false`: only the others; empty: all.",
            }
        ),
    ] = None
    q: Annotated[
        str,
        BeforeValidator(lambda v: _first(v) or ""),
        Field(
            max_length=200,
            json_schema_extra={"pattern": NO_NUL_PATTERN},
            description="Text in the number, title, enterprise, rights or respondents.",
        ),
    ] = ""
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


# ---- headers and uploads -------------------------------------------------------------------------


class Language(Model):
    """The headers every operation reads."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    accept_language: Annotated[
        str | None,
        Field(alias="Accept-Language"),
        WithJsonSchema(
            {
                "type": "string",
                "description": "zh-CN (default) or en: the language of error messages and labels "
                "(any other answers in the default).",
                "example": "en",
            }
        ),
    ] = None


def _upload(value):
    from werkzeug.datastructures import FileStorage

    if not isinstance(value, FileStorage) or not value.filename:
        raise refuse(_l("Attach a file in the field “file”."))
    return value


class Upload(Model):
    """An evidence file (multipart/form-data); other form fields are ignored.

    The spec lists only its two fields: a form field of any other name is not part of the
    contract (a name with a NUL byte, say, cannot even be parsed as multipart: 400)."""

    model_config = ConfigDict(
        extra="ignore", arbitrary_types_allowed=True, json_schema_extra={"additionalProperties": False}
    )

    file: Annotated[
        Any,
        AfterValidator(_upload),
        WithJsonSchema({"type": "string", "format": "binary"}),
        Say(required=_l("Attach a file in the field “file”.")),
    ]
    description: Annotated[StrictStr, Field(max_length=300, json_schema_extra={"pattern": NO_NUL_PATTERN})] = ""


# ---- what the API answers ------------------------------------------------------------------------

When = Annotated[AwareDatetime, Field(description="ISO 8601 with offset (UTC).")]
Sha256 = Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
Id = Annotated[int, Field(ge=1)]


class Out(Model):
    """An object the API answers with (``app.api.serializers`` builds it); more fields may be added."""


class Person(Out):
    email: str
    name: str


class Named(Out):
    code: str
    name: str


class EnterpriseRef(Out):
    credit_code: str
    name: str
    size_class: SizeClass = Field(
        description="By the MIIT standard; `unknown` for an enterprise recorded without its figures."
    )


class Complainant(Out):
    """Who brings the case: the enterprise (`enterprise` then names it), a natural person or an anonymous
    tip-off (`enterprise` null)."""

    type: ComplainantType
    name: str
    phone: str


class Call(Out):
    """The 12330 hotline call the case came from (staff only)."""

    caller_name: str
    caller_phone: str
    called_at: When | None
    ticket: str


class Right(Out):
    type: IPType
    number: str | None
    title: str | None


class Respondent(Out):
    name: str
    credit_code: str | None
    address: str | None
    url: str | None


class Clock(Out):
    """A service-standard clock, counted in China's working days (public holidays and make-up working days
    included): `response` from submission to acknowledgement, `handling` from acknowledgement to the acceptance
    decision (paused while the applicant is asked for material), `feedback` from a decision or outcome
    (`trigger`) to the applicant being told. Its due time is fixed when it starts and moves only by its own
    pauses. A mediation's clocks count calendar days or months (`unit`): `reply` (the respondent's days to answer),
    `mediation` (the fast deadline, paused while suspended), `confirmation` (for judicial confirmation) and
    `performance` (until the agreement's performance date)."""

    name: ClockName
    trigger: str = Field(
        description="What started it: the clock's own name, or for `feedback` the action (`accept`, `decline`, "
        "`resolve`)."
    )
    working_days: Annotated[int, Field(ge=0)] | None = Field(
        description="`amount` when the clock counts working days; null for one counting calendar days or months."
    )
    amount: Annotated[int, Field(ge=0)] = Field(description="How much time it gives, in `unit`s.")
    unit: ClockUnit
    started_at: When
    due_at: When | None = Field(
        description="When it falls due; null while the calendar of `unknown_year` is not entered yet."
    )
    warn_at: When | None = Field(description="From when it counts as due soon.")
    met_at: When | None
    stopped_at: When | None = Field(
        description="Stopped unmet (the case was withdrawn or closed): counted neither on time nor late."
    )
    paused_at: When | None = Field(description="Paused since (waiting for the applicant's material).")
    is_running: bool = Field(description="Neither met nor stopped.")
    is_paused: bool
    is_overdue: bool = Field(description="Running, unpaused and past its due time now, or met after its due time.")
    is_due_soon: bool = Field(description="Running, unpaused, past `warn_at` and not yet due.")
    unknown_year: int | None = Field(
        description="A year whose official calendar the app does not know yet (an administrator enters it); the "
        "due time is computed then."
    )


class Event(Out):
    """One entry of the case's audit chain. Staff see every entry; applicants only those with visibility
    `applicant` (never internal notes)."""

    seq: Id
    action: str
    from_state: str | None
    to_state: str | None
    actor: Person | None
    comment: str
    data: dict[str, Any]
    visibility: Literal["internal", "applicant"]
    created_at: When
    prev_hash: Sha256
    hash: Sha256


class Case(Out):
    number: str | None = Field(
        examples=["GD-2025-00001"], description="The official number, taken on submission; null for a draft."
    )
    ref: str = Field(
        examples=["GD-2025-00001", "draft-42"],
        description="How to address the case in paths: its number, or `draft-<id>` while it is a draft without one.",
    )
    title: str
    kind: CaseKind
    channel: Channel
    state: CaseState
    version: int = Field(ge=1, description="Send it back with an action (409 when stale).")
    complainant: Complainant
    enterprise: EnterpriseRef | None = Field(description="Null for a person's or an anonymous tip-off's case.")
    call: Call | None = Field(default=None, description="Staff only: the hotline call, when one was recorded.")
    ip_right: Right | None = Field(description="The first (main) right, or null.")
    ip_rights: list[Right]
    respondent: Respondent | None = Field(description="The first (main) respondent, or null.")
    respondents: list[Respondent]
    facts: str
    help_wanted: str
    claimed_amount_fen: Annotated[int, Field(ge=0)] | None
    priority: int = Field(ge=0, le=3)
    decline_reason: DeclineReason | None
    outcome: str
    first_responder: Person | None
    owner: Person | None
    centre: Named
    created_at: When
    submitted_at: When | None
    acknowledged_at: When | None
    decided_at: When | None
    resolved_at: When | None
    closed_at: When | None
    updated_at: When
    next_due_at: When | None = Field(
        description="The earliest due time of the case's running, unpaused clocks (what `overdue` reads)."
    )
    clocks: list[Clock] = Field(description="Every clock of the case, oldest first.")


class CaseDetail(Case):
    events: list[Event]


class CaseList(Out):
    items: list[Case]
    next_cursor: str | None


class ActionCheck(Out):
    action: Literal[tuple(workflow.ACTIONS)]  # type: ignore[valid-type]
    label: str
    allowed: bool
    comment_required: bool
    data_fields: list[str]
    reasons: list[str] = Field(default=None, description="Why it is blocked (only when not allowed).")


class Offer(Out):
    """A handover offered to the caller, or a transfer offered to the caller's centre, waiting for an answer
    (`accept_handover`/`decline_handover`, `accept_transfer`/`decline_transfer` on the case)."""

    id: Id
    kind: HandoverKind
    case: str = Field(description="The case number.")
    from_user: Person | None
    from_centre: Named
    to_user: Person | None = Field(description="The colleague a handover is offered to; null for a transfer.")
    to_centre: Named | None = Field(description="The centre a transfer is offered to; null for a handover.")
    offered_at: When
    comment: str


class MyWork(Out):
    """What the calling staff member answers for now, due first (cases without a running deadline last, newest
    first); at most 200 of each."""

    owned: list[Case] = Field(description="Open cases the caller owns.")
    first_taken: list[Case] = Field(
        description="Open cases the caller first took up and no longer owns (handed over or transferred): they "
        "still get its reminders and confirm the outcome was told."
    )
    offers: list[Offer] = Field(description="Oldest first.")


class Attachment(Out):
    id: Id
    filename: str
    size: Annotated[int, Field(ge=1)]
    sha256: Sha256
    content_type: str


class Document(Out):
    id: Id
    kind: DocumentKind
    sha256: Sha256
    created_at: When


class ErrorDetails(Model):
    """`fields`: JSON path -> message, for bad input; `reasons`: why the workflow refuses."""

    fields: dict[str, str] = Field(default=None)
    reasons: list[str] = Field(default=None)


class ErrorBody(Out):
    code: Literal[tuple(sorted(set(CODES.values())))]  # type: ignore[valid-type]
    message: str = Field(description="In the request's language (Accept-Language).")
    details: ErrorDetails | None


class Error(Out):
    error: ErrorBody


class ActionCheckList(_Documented, RootModel[list[ActionCheck]]):
    pass


class DocumentList(_Documented, RootModel[list[Document]]):
    pass


class OpenApiDocument(_Documented, RootModel[dict[str, Any]]):
    """The OpenAPI document."""


# ---- notifications -------------------------------------------------------------------------------------


def _before_id(value):
    from app.core.views import MAX_ID

    value = _first(value)
    if value is None or value == "":
        return None
    if (
        isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and len(value) <= 10
        and 1 <= int(value) <= MAX_ID
    ):
        return int(value)
    raise refuse(_l("This cursor is not one this API gave out."))


class NotificationListQuery(Model):
    """Paging and the unread filter of the caller's notifications."""

    model_config = ConfigDict(extra="ignore")

    unread: Annotated[
        bool | None,
        BeforeValidator(_flag),
        WithJsonSchema(
            {"type": "string", "enum": ["true", "false", ""], "description": "`true`: only those not read yet."}
        ),
    ] = None
    limit: Annotated[
        int, BeforeValidator(_limit), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 100, "default": 20})
    ] = 20
    cursor: Annotated[
        int | None,
        BeforeValidator(_before_id),
        WithJsonSchema(
            {
                "type": "string",
                "pattern": "^[0-9]{0,12}$",
                "description": "`next_cursor` of the previous page (empty: the first page).",
            }
        ),
    ] = None


class NotificationSubject(Out):
    type: str = Field(description="What it is about: `case` (more kinds as processes are added).")
    number: str | None = Field(description="The case number, when the notification is about a case.")


class NotificationItem(Out):
    id: Id
    kind: str = Field(description="What happened, e.g. `case_accepted`, `material_requested`, `clock_breached`.")
    subject: NotificationSubject | None
    text: str = Field(description="The notification in the caller's language.")
    created_at: When
    read_at: When | None


class NotificationList(Out):
    items: list[NotificationItem]
    next_cursor: str | None
