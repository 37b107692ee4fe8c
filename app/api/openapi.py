"""The OpenAPI 3.0 document of the API, served at ``GET /api/v1/openapi.json``.

Written by hand as data, next to the views it describes; ``tests/api`` validates it
with openapi-spec-validator and runs schemathesis against the app with it, so a
response that strays from it (a status, a content type or a field) fails the tests.
"""

from __future__ import annotations

from app.api.errors import CODES
from app.cases import workflow
from app.cases.enums import CaseKind, CaseState, Channel, DeclineReason, DocumentKind, HandoverKind, IPType
from app.clocks.models import ClockName
from app.enterprises.sme_size import Industry

MAX_INT32 = 2**31 - 1


def _values(enum_cls) -> list[str]:
    return [m.value for m in enum_cls]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


STRING = {"type": "string"}
NULLABLE_STRING = {"type": "string", "nullable": True}
DATE_TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 with offset (UTC)."}
NULLABLE_DATE_TIME = _nullable(DATE_TIME)
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

PERSON = {
    "type": "object",
    "required": ["email", "name"],
    "properties": {"email": STRING, "name": STRING},
}
RIGHT = {
    "type": "object",
    "required": ["type", "number", "title"],
    "properties": {
        "type": {"type": "string", "enum": _values(IPType)},
        "number": NULLABLE_STRING,
        "title": NULLABLE_STRING,
    },
}
RESPONDENT = {
    "type": "object",
    "required": ["name", "credit_code", "address", "url"],
    "properties": {"name": STRING, "credit_code": NULLABLE_STRING, "address": NULLABLE_STRING, "url": NULLABLE_STRING},
}
CLOCK = {
    "type": "object",
    "description": "A service-standard clock, counted in China's working days (public holidays and make-up "
    "working days included): `response` from submission to acknowledgement, `handling` from acknowledgement "
    "to the acceptance decision (paused while the applicant is asked for material), `feedback` from a "
    "decision or outcome (`trigger`) to the applicant being told. Its due time is fixed when it starts and "
    "moves only by its own pauses.",
    "required": [
        "name",
        "trigger",
        "working_days",
        "started_at",
        "due_at",
        "warn_at",
        "met_at",
        "stopped_at",
        "paused_at",
        "is_running",
        "is_paused",
        "is_overdue",
        "is_due_soon",
        "unknown_year",
    ],
    "properties": {
        "name": {"type": "string", "enum": _values(ClockName)},
        "trigger": {
            "type": "string",
            "description": "What started it: the clock's own name, or for `feedback` the action "
            "(`accept`, `decline`, `resolve`).",
        },
        "working_days": {"type": "integer", "minimum": 0},
        "started_at": DATE_TIME,
        "due_at": {
            **NULLABLE_DATE_TIME,
            "description": "When it falls due; null while the calendar of `unknown_year` is not entered yet.",
        },
        "warn_at": {**NULLABLE_DATE_TIME, "description": "From when it counts as due soon."},
        "met_at": NULLABLE_DATE_TIME,
        "stopped_at": {
            **NULLABLE_DATE_TIME,
            "description": "Stopped unmet (the case was withdrawn or closed): counted neither on time nor late.",
        },
        "paused_at": {**NULLABLE_DATE_TIME, "description": "Paused since (waiting for the applicant's material)."},
        "is_running": {"type": "boolean", "description": "Neither met nor stopped."},
        "is_paused": {"type": "boolean"},
        "is_overdue": {
            "type": "boolean",
            "description": "Running, unpaused and past its due time now, or met after its due time.",
        },
        "is_due_soon": {"type": "boolean", "description": "Running, unpaused, past `warn_at` and not yet due."},
        "unknown_year": {
            "type": "integer",
            "nullable": True,
            "description": "A year whose official calendar the app does not know yet (an administrator enters "
            "it); the due time is computed then.",
        },
    },
}
EVENT = {
    "type": "object",
    "description": "One entry of the case's audit chain. Staff see every entry; applicants only those "
    "with visibility `applicant` (never internal notes).",
    "required": [
        "seq",
        "action",
        "from_state",
        "to_state",
        "actor",
        "comment",
        "data",
        "visibility",
        "created_at",
        "prev_hash",
        "hash",
    ],
    "properties": {
        "seq": {"type": "integer", "minimum": 1},
        "action": STRING,
        "from_state": NULLABLE_STRING,
        "to_state": NULLABLE_STRING,
        "actor": _nullable(PERSON),
        "comment": STRING,
        "data": {"type": "object"},
        "visibility": {"type": "string", "enum": ["internal", "applicant"]},
        "created_at": DATE_TIME,
        "prev_hash": SHA256,
        "hash": SHA256,
    },
}

CASE_REQUIRED = [
    "number",
    "title",
    "kind",
    "channel",
    "state",
    "version",
    "enterprise",
    "ip_right",
    "ip_rights",
    "respondent",
    "respondents",
    "facts",
    "help_wanted",
    "claimed_amount_fen",
    "priority",
    "decline_reason",
    "outcome",
    "first_responder",
    "owner",
    "centre",
    "created_at",
    "submitted_at",
    "acknowledged_at",
    "decided_at",
    "resolved_at",
    "closed_at",
    "updated_at",
    "next_due_at",
    "clocks",
]


def _case_schema(with_events: bool) -> dict:
    properties = {
        "number": {"type": "string", "example": "GD-2025-00001"},
        "title": STRING,
        "kind": {"type": "string", "enum": _values(CaseKind)},
        "channel": {"type": "string", "enum": _values(Channel)},
        "state": {"type": "string", "enum": _values(CaseState)},
        "version": {"type": "integer", "minimum": 1, "description": "Send it back with an action (409 when stale)."},
        "enterprise": {
            "type": "object",
            "required": ["credit_code", "name"],
            "properties": {"credit_code": STRING, "name": STRING},
        },
        "ip_right": {**_nullable(RIGHT), "description": "The first (main) right, or null."},
        "ip_rights": {"type": "array", "items": RIGHT},
        "respondent": {**_nullable(RESPONDENT), "description": "The first (main) respondent, or null."},
        "respondents": {"type": "array", "items": RESPONDENT},
        "facts": STRING,
        "help_wanted": STRING,
        "claimed_amount_fen": {"type": "integer", "nullable": True, "minimum": 0},
        "priority": {"type": "integer", "minimum": 0, "maximum": 3},
        "decline_reason": {"type": "string", "nullable": True, "enum": [*_values(DeclineReason), None]},
        "outcome": STRING,
        "first_responder": _nullable(PERSON),
        "owner": _nullable(PERSON),
        "centre": {"type": "object", "required": ["code", "name"], "properties": {"code": STRING, "name": STRING}},
        "created_at": DATE_TIME,
        "submitted_at": NULLABLE_DATE_TIME,
        "acknowledged_at": NULLABLE_DATE_TIME,
        "decided_at": NULLABLE_DATE_TIME,
        "resolved_at": NULLABLE_DATE_TIME,
        "closed_at": NULLABLE_DATE_TIME,
        "updated_at": DATE_TIME,
        "next_due_at": {
            **NULLABLE_DATE_TIME,
            "description": "The earliest due time of the case's running, unpaused clocks (what `overdue` reads).",
        },
        "clocks": {"type": "array", "items": CLOCK, "description": "Every clock of the case, oldest first."},
    }
    required = list(CASE_REQUIRED)
    if with_events:
        properties["events"] = {"type": "array", "items": EVENT}
        required.append("events")
    return {"type": "object", "required": required, "properties": properties}


def _text(max_length: int, description: str | None = None) -> dict:
    schema = {"type": "string", "nullable": True, "maxLength": max_length}
    if description:
        schema["description"] = description
    return schema


NEW_RIGHT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["type"],
    "properties": {
        "type": {"type": "string", "enum": _values(IPType)},
        "number": _text(60, "Patents: the application number, checked (e.g. 202320123456.1)."),
        "title": _text(200),
    },
}
NEW_RESPONDENT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "maxLength": 200},
        "credit_code": _text(40),
        "address": _text(300),
        "url": _text(500),
    },
}
NEW_ENTERPRISE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["credit_code"],
    "description": "Found by its unified social credit code. Staff who may file can record an enterprise "
    "not registered yet by also giving name, industry, staff_count and revenue_wan (and assets_wan where the "
    "industry's size rule needs it); it is then served by their centre. An applicant files only for their own.",
    "properties": {
        "credit_code": {"type": "string", "maxLength": 40},
        "name": _text(200),
        "address": _text(300),
        "region": _text(100),
        "industry": {"type": "string", "nullable": True, "enum": [*_values(Industry), None]},
        "staff_count": {"type": "integer", "nullable": True, "minimum": 0, "maximum": 10_000_000},
        "revenue_wan": {
            "nullable": True,
            "oneOf": [{"type": "number"}, {"type": "string"}],
            "description": "Operating revenue last year in 10k yuan, two decimals, below 10^12.",
        },
        "assets_wan": {
            "nullable": True,
            "oneOf": [{"type": "number"}, {"type": "string"}],
            "description": "Total assets in 10k yuan, two decimals, below 10^12.",
        },
        "is_specialised_new": {"type": "boolean", "nullable": True},
        "is_little_giant": {"type": "boolean", "nullable": True},
        "is_in_hardship": {"type": "boolean", "nullable": True},
    },
}
NEW_CASE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["kind", "channel", "enterprise"],
    "description": "Unknown fields are refused (422). Give a right as `ip_right` or a list as `ip_rights` "
    "(not both), a respondent as `respondent` or `respondents`. Unless `draft` is true the case is submitted "
    "(and, filed by staff, acknowledged with the filer as first responder).",
    "properties": {
        "kind": {"type": "string", "enum": _values(CaseKind)},
        "channel": {"type": "string", "enum": _values(Channel), "description": "Applicants: only `web`."},
        "enterprise": NEW_ENTERPRISE,
        "ip_right": _nullable(NEW_RIGHT),
        "ip_rights": {"type": "array", "nullable": True, "maxItems": 20, "items": NEW_RIGHT},
        "respondent": _nullable(NEW_RESPONDENT),
        "respondents": {"type": "array", "nullable": True, "maxItems": 20, "items": NEW_RESPONDENT},
        "title": _text(200),
        "facts": _text(20000, "Required unless a draft or a consultation."),
        "help_wanted": _text(5000),
        "claimed_amount_fen": {"type": "integer", "nullable": True, "minimum": 0, "maximum": 10**15},
        "draft": {"type": "boolean", "nullable": True, "default": False},
    },
    # Not both forms of the same thing (a null counts as not given).
    "not": {
        "anyOf": [
            {
                "required": ["ip_right", "ip_rights"],
                "properties": {"ip_right": {"type": "object"}, "ip_rights": {"type": "array"}},
            },
            {
                "required": ["respondent", "respondents"],
                "properties": {"respondent": {"type": "object"}, "respondents": {"type": "array"}},
            },
        ]
    },
}
ACTION_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version"],
    "properties": {
        "version": {"type": "integer", "minimum": 1, "maximum": MAX_INT32},
        "comment": _text(10000),
        "data": {
            "type": "object",
            "nullable": True,
            "description": "accept: `conditions` {real_name, named_respondent, facts_and_evidence, "
            "within_jurisdiction, not_pending_elsewhere: true}; decline: `reason`; rate: `rating` 1..5; "
            "offer_handover: `to_user`, the colleague's e-mail (an active caseworker or supervisor of the case's "
            "centre); offer_transfer: `to_centre`, the receiving centre's code. A colleague or centre that "
            "cannot take the case is refused with 422 and `details.reasons`.",
            "properties": {
                "to_user": {"type": "string", "nullable": True, "maxLength": 254, "example": "colleague@centre.cn"},
                "to_centre": {"type": "string", "nullable": True, "maxLength": 40, "example": "GD"},
            },
        },
    },
}
ACTION_CHECK = {
    "type": "object",
    "required": ["action", "label", "allowed", "comment_required", "data_fields"],
    "properties": {
        "action": {"type": "string", "enum": list(workflow.ACTIONS)},
        "label": STRING,
        "allowed": {"type": "boolean"},
        "comment_required": {"type": "boolean"},
        "data_fields": {"type": "array", "items": STRING},
        "reasons": {"type": "array", "items": STRING, "description": "Why it is blocked (only when not allowed)."},
    },
}
OFFER = {
    "type": "object",
    "description": "A handover offered to the caller, or a transfer offered to the caller's centre, waiting "
    "for an answer (`accept_handover`/`decline_handover`, `accept_transfer`/`decline_transfer` on the case).",
    "required": ["id", "kind", "case", "from_user", "from_centre", "to_user", "to_centre", "offered_at", "comment"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "kind": {"type": "string", "enum": _values(HandoverKind)},
        "case": {"type": "string", "description": "The case number."},
        "from_user": _nullable(PERSON),
        "from_centre": {
            "type": "object",
            "required": ["code", "name"],
            "properties": {"code": STRING, "name": STRING},
        },
        "to_user": {**_nullable(PERSON), "description": "The colleague a handover is offered to; null for a transfer."},
        "to_centre": {
            "type": "object",
            "nullable": True,
            "required": ["code", "name"],
            "properties": {"code": STRING, "name": STRING},
            "description": "The centre a transfer is offered to; null for a handover.",
        },
        "offered_at": DATE_TIME,
        "comment": STRING,
    },
}
MY_WORK = {
    "type": "object",
    "description": "What the calling staff member answers for now, due first (cases without a running "
    "deadline last, newest first); at most 200 of each.",
    "required": ["owned", "first_taken", "offers"],
    "properties": {
        "owned": {"type": "array", "items": _ref("Case"), "description": "Open cases the caller owns."},
        "first_taken": {
            "type": "array",
            "items": _ref("Case"),
            "description": "Open cases the caller first took up and no longer owns (handed over or transferred): "
            "they still get its reminders and confirm the outcome was told.",
        },
        "offers": {"type": "array", "items": _ref("Offer"), "description": "Oldest first."},
    },
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "enum": sorted(set(CODES.values()))},
                "message": {"type": "string", "description": "In the request's language (Accept-Language)."},
                "details": {
                    "type": "object",
                    "nullable": True,
                    "description": "`fields`: JSON path -> message, for bad input; `reasons`: why the "
                    "workflow refuses.",
                    "properties": {
                        "fields": {"type": "object", "additionalProperties": STRING},
                        "reasons": {"type": "array", "items": STRING},
                    },
                },
            },
        }
    },
}
ATTACHMENT = {
    "type": "object",
    "required": ["id", "filename", "size", "sha256", "content_type"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "filename": STRING,
        "size": {"type": "integer", "minimum": 1},
        "sha256": SHA256,
        "content_type": STRING,
    },
}
DOCUMENT = {
    "type": "object",
    "required": ["id", "kind", "sha256", "created_at"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "kind": {"type": "string", "enum": _values(DocumentKind)},
        "sha256": SHA256,
        "created_at": DATE_TIME,
    },
}

RESPONSE_TEXTS = {
    400: "Bad request: the body is not JSON, or the query carries NUL characters.",
    401: "No token, or a bad, revoked or deactivated one.",
    403: "The caller's role may never do this (an applicant asking for my work, for one).",
    404: "Not found, or not the caller's to see.",
    409: "The case changed meanwhile (stale version or a concurrent write).",
    413: "Too large: a JSON body past 1 MiB, a file past the evidence limit, a request past the server's limit.",
    415: "Unsupported content type.",
    422: "Invalid input; `details.fields` names each field, `details.reasons` says why an action is blocked.",
    429: "Rate limited (per token).",
}


def _errors(*codes: int) -> dict:
    return {str(code): {"$ref": f"#/components/responses/E{code}"} for code in codes}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


NUMBER_PARAM = {
    "name": "number",
    "in": "path",
    "required": True,
    "description": "The case number, e.g. GD-2025-00001.",
    "schema": {"type": "string"},
}
LANGUAGE_PARAM = {"$ref": "#/components/parameters/AcceptLanguage"}


def _operation(summary: str, responses: dict, *, params=(), body=None, tag="cases", public=False) -> dict:
    op = {
        "summary": summary,
        "tags": [tag],
        "parameters": [*params, LANGUAGE_PARAM],
        "responses": responses,
    }
    if body is not None:
        op["requestBody"] = body
    if public:
        op["security"] = []
    return op


def _enum_query(name: str, enum_cls) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string", "enum": _values(enum_cls)}}


def spec() -> dict:
    case_detail = _ref("CaseDetail")
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "IP rights-protection assistance centre: integration API",
            "version": "1.0.0",
            "description": "Cases with their service clocks, their workflow actions (handover to a colleague and "
            "transfer to another centre among them), each staff member's work, evidence files and issued "
            "documents. Every operation "
            "but this document needs `Authorization: Bearer <token>` (`flask --app wsgi api-token create --email "
            "E`); a token acts with its user's role and scope. Errors are JSON in the request's language. "
            "Times are ISO 8601 with offset, money is integer fen, enums are lower-case snake_case.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": "cases"}, {"name": "work"}, {"name": "documents"}, {"name": "meta"}],
        "paths": {
            "/api/v1/openapi.json": {
                "get": _operation(
                    "This document",
                    {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **_errors(400, 429),
                    },
                    tag="meta",
                    public=True,
                )
            },
            "/api/v1/cases": {
                "post": _operation(
                    "File a case (submitted unless `draft` is true)",
                    {"201": _json(case_detail, "The new case."), **_errors(400, 401, 403, 409, 413, 415, 422, 429)},
                    body={"required": True, "content": {"application/json": {"schema": _ref("NewCase")}}},
                ),
                "get": _operation(
                    "The cases the caller may see, newest first (keyset pagination)",
                    {"200": _json(_ref("CaseList"), "One page."), **_errors(400, 401, 422, 429)},
                    params=[
                        _enum_query("state", CaseState),
                        _enum_query("kind", CaseKind),
                        _enum_query("ip_type", IPType),
                        _enum_query("channel", Channel),
                        {
                            "name": "overdue",
                            "in": "query",
                            "required": False,
                            "description": "`true`: only cases with a running, unpaused clock past its due "
                            "time (`next_due_at` before now); `false`: only the others.",
                            "schema": {"type": "string", "enum": ["true", "false"]},
                        },
                        {
                            "name": "q",
                            "in": "query",
                            "required": False,
                            "description": "Text in the number, title, enterprise, rights or respondents.",
                            "schema": {"type": "string", "maxLength": 200},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                        },
                        {
                            "name": "cursor",
                            "in": "query",
                            "required": False,
                            "description": "`next_cursor` of the previous page (opaque).",
                            "schema": {"type": "string"},
                        },
                    ],
                ),
            },
            "/api/v1/my-work": {
                "get": _operation(
                    "My work: the cases the calling staff member owns and first took up, and offers to them",
                    {"200": _json(_ref("MyWork"), "My work."), **_errors(400, 401, 403, 429)},
                    tag="work",
                )
            },
            "/api/v1/cases/{number}": {
                "get": _operation(
                    "One case, with its audit trail",
                    {"200": _json(case_detail, "The case."), **_errors(400, 401, 404, 429)},
                    params=[NUMBER_PARAM],
                )
            },
            "/api/v1/cases/{number}/actions": {
                "get": _operation(
                    "What the caller may do on the case now, and why the rest is blocked",
                    {
                        "200": _json({"type": "array", "items": _ref("ActionCheck")}, "The actions."),
                        **_errors(400, 401, 404, 429),
                    },
                    params=[NUMBER_PARAM],
                )
            },
            "/api/v1/cases/{number}/actions/{action}": {
                "post": _operation(
                    "Apply one workflow action",
                    {
                        "200": _json(case_detail, "The case after the action."),
                        **_errors(400, 401, 403, 404, 409, 413, 415, 422, 429),
                    },
                    params=[
                        NUMBER_PARAM,
                        {
                            "name": "action",
                            "in": "path",
                            "required": True,
                            "description": "An unknown action answers 404.",
                            "schema": {"type": "string", "enum": list(workflow.ACTIONS)},
                        },
                    ],
                    body={"required": True, "content": {"application/json": {"schema": _ref("ActionRequest")}}},
                )
            },
            "/api/v1/cases/{number}/attachments": {
                "post": _operation(
                    "Add an evidence file",
                    {
                        "201": _json(_ref("Attachment"), "The stored file."),
                        **_errors(400, 401, 403, 404, 413, 415, 422, 429),
                    },
                    params=[NUMBER_PARAM],
                    body={
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {
                                        "file": {"type": "string", "format": "binary"},
                                        "description": {"type": "string", "maxLength": 300},
                                    },
                                }
                            }
                        },
                    },
                )
            },
            "/api/v1/cases/{number}/documents": {
                "get": _operation(
                    "Documents issued for the case",
                    {
                        "200": _json({"type": "array", "items": _ref("Document")}, "The documents, oldest first."),
                        **_errors(400, 401, 404, 429),
                    },
                    params=[NUMBER_PARAM],
                    tag="documents",
                )
            },
            "/api/v1/documents/{id}": {
                "get": _operation(
                    "One issued document as the PDF kept when it was issued",
                    {
                        "200": {
                            "description": "The PDF.",
                            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                        },
                        **_errors(400, 401, 404, 429),
                    },
                    params=[
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
                    ],
                    tag="documents",
                )
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `flask --app wsgi api-token create --email E`. Cookies are ignored.",
                }
            },
            "parameters": {
                "AcceptLanguage": {
                    "name": "Accept-Language",
                    "in": "header",
                    "required": False,
                    "description": "zh-CN (default) or en: the language of error messages and labels.",
                    "schema": {"type": "string", "enum": ["zh-CN", "en"]},
                }
            },
            "schemas": {
                "Case": _case_schema(with_events=False),
                "CaseDetail": _case_schema(with_events=True),
                "CaseList": {
                    "type": "object",
                    "required": ["items", "next_cursor"],
                    "properties": {
                        "items": {"type": "array", "items": _ref("Case")},
                        "next_cursor": {"type": "string", "nullable": True},
                    },
                },
                "NewCase": NEW_CASE,
                "ActionRequest": ACTION_REQUEST,
                "ActionCheck": ACTION_CHECK,
                "Offer": OFFER,
                "MyWork": MY_WORK,
                "Attachment": ATTACHMENT,
                "Document": DOCUMENT,
                "Error": ERROR,
            },
            "responses": {f"E{code}": _json(_ref("Error"), text) for code, text in RESPONSE_TEXTS.items()},
        },
    }
