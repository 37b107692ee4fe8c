"""The OpenAPI document of the API, served at ``GET /api/v1/openapi.json``: generated, not written.

spectree reads the blueprint's routes and, for each, the pydantic models its ``@operation`` decorator names
(``app.api.schemas``: the same models that parse the input); the request body of a workflow action comes from
the workflow's table (``Input.schema`` of each action). ``_finish`` then makes the generated document say
what spectree cannot: error answers as shared ``components.responses``, the path parameters' names and
values (``{id}``, the actions), and binary answers. ``tests/api`` validates the document with
openapi-spec-validator and runs schemathesis against the app with it.
"""

from __future__ import annotations

import copy
import re
from functools import cache

from spectree import Response, SpecTree

from app.api import schemas
from app.cases import workflow

RESPONSE_TEXTS = {
    400: "Bad request: the body is not JSON, or the query or a form carries NUL characters.",
    401: "No token, or a bad, revoked or deactivated one.",
    403: "The caller's role may never do this (an applicant asking for my work, for one).",
    404: "Not found, or not the caller's to see.",
    409: "The case changed meanwhile (stale version or a concurrent write).",
    413: "Too large: a JSON body past 1 MiB, a file past the evidence limit, a request past the server's limit.",
    415: "Unsupported content type.",
    422: "Invalid input; `details.fields` names each field, `details.reasons` says why an action is blocked.",
    429: "Rate limited (per token).",
}
# Every operation can answer these: a NUL character in the query (400), no token, rate limited.
COMMON_ERRORS = (400, 401, 429)
PATH_PARAMETERS = {
    "number": {
        "description": "The case's reference (`ref`): its number, e.g. GD-2025-00001, or `draft-<id>` for a draft, "
        "which takes its number when it is submitted."
    },
    "action": {
        "description": "An unknown action answers 404.",
        "schema": {"type": "string", "enum": list(workflow.ACTIONS)},
    },
    # The route's ``<int:document_id>`` is ``{id}`` in API.md.
    "document_id": {"name": "id", "schema": {"type": "integer", "minimum": 1}},
}

api = SpecTree(
    "flask",
    mode="strict",
    annotations=False,
    title="IP rights-protection assistance centre: integration API",
    version="1.0.0",
    description="Cases with their service clocks, their workflow actions (handover to a colleague and transfer "
    "to another centre among them), each staff member's work, evidence files and issued documents. Every "
    "operation but this document needs `Authorization: Bearer <token>` (`flask --app wsgi api-token create "
    "--email E`); a token acts with its user's role and scope. Errors are JSON in the request's language. "
    "Times are ISO 8601 with offset, money is integer fen, enums are lower-case snake_case.",
    servers=[{"url": "/"}],
    security_schemes=[
        {
            "name": "bearerAuth",
            "data": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from `flask --app wsgi api-token create --email E`. Cookies are ignored.",
            },
        }
    ],
    security={"bearerAuth": []},
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda parent, child: child,
    validation_error_model=schemas.Error,
)


def operation(
    tag: str,
    ok: tuple,
    *errors: int,
    query=None,
    json=None,
    form=None,
    public: bool = False,
    content: str | None = None,
    also: tuple = (),
):
    """Declare a view's operation: its answer ``ok`` (status, model or None, description), the errors it
    can answer besides ``COMMON_ERRORS``, its input models and, for a binary answer, its ``content`` type;
    ``also``: other successful answers, ((status, model, description), …).

    The views parse their input with the same models themselves (``app.api.views.parse``), in the order the
    API answers in (a case that is not yours is 404 before its body is read), so spectree only documents."""
    status, model, description = ok
    codes = sorted({*COMMON_ERRORS, *errors} - ({401} if public else set()))
    answers = Response(
        **{f"HTTP_{status}": (model, description)},
        **{f"HTTP_{code}": (other, text) for code, other, text in also},
        **{f"HTTP_{code}": (schemas.Error, RESPONSE_TEXTS[code]) for code in codes},
    )

    def declare():
        return api.validate(
            query=query,
            json=json,
            form=form,
            headers=schemas.Language,
            resp=answers,
            tags=[tag],
            security={} if public else None,
            validation_error_status=422 if 422 in codes else 400,
            skip_validation=True,
        )

    def decorate(view):
        # spectree builds every model's JSON schema when it decorates (about a second for the whole API
        # at every process start); the view itself is served undecorated, since spectree only documents
        # here, and the declaration is applied when the document is first asked for (``_generated``).
        if content is not None:
            view.openapi_content = (str(status), content)
        view.openapi_declare = declare
        return view

    return decorate


@cache
def _generated() -> dict:
    """spectree's document for the blueprint alone (on an app of its own: no request or app needed)."""
    from flask import Flask

    from app.api.views import bp

    app = Flask(__name__)
    app.register_blueprint(bp)
    for endpoint, view in list(app.view_functions.items()):
        declare = getattr(view, "openapi_declare", None)
        if declare is not None:
            app.view_functions[endpoint] = declare()(view)
            continue
        view_class = getattr(view, "view_class", None)  # a MethodView: its methods carry the declarations
        methods = {
            name: method.openapi_declare()(method)
            for name in ("get", "post", "put", "patch", "delete")
            if (method := getattr(view_class, name, None)) is not None and hasattr(method, "openapi_declare")
        }
        if methods:
            declared = type(view_class.__name__, (view_class,), {"__module__": view_class.__module__, **methods})
            app.view_functions[endpoint] = declared.as_view(view.__name__)
    with app.app_context():
        return _finish(copy.deepcopy(api.spec), app)


def spec() -> dict:
    return copy.deepcopy(_generated())


def _finish(document: dict, app) -> dict:
    responses = {}
    for operations in document["paths"].values():
        for operation in operations.values():
            if not operation.get("description"):
                operation.pop("description", None)
            for name, answer in list(operation["responses"].items()):
                if int(name) >= 400:
                    responses[f"E{name}"] = {"description": RESPONSE_TEXTS[int(name)], "content": answer["content"]}
                    operation["responses"][name] = {"$ref": f"#/components/responses/E{name}"}
            for parameter in operation["parameters"]:
                if parameter["in"] == "path":
                    parameter.update(copy.deepcopy(PATH_PARAMETERS.get(parameter["name"], {})))
                if not parameter.get("description"):
                    parameter.pop("description", None)
    # Operations in a fixed order (spectree follows a rule's set of methods, whose order changes from one
    # process to the next): the document, and the tests generated from it, are the same in every process.
    document["paths"] = {
        _renamed(path): dict(sorted(operations.items(), key=lambda item: METHOD_ORDER.get(item[0], 9)))
        for path, operations in sorted(document["paths"].items())
    }
    _binary_answers(document, app)
    document["components"]["responses"] = dict(sorted(responses.items()))
    return document


METHOD_ORDER = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}


def _renamed(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "{" + PATH_PARAMETERS.get(m.group(1), {}).get("name", m.group(1)) + "}", path)


def _binary_answers(document: dict, app) -> None:
    """Answers declared with ``content`` (a PDF) carry that media type instead of JSON."""
    for rule in app.url_map.iter_rules():
        found = getattr(app.view_functions[rule.endpoint], "openapi_content", None)
        if found is None:
            continue
        status, media_types = found
        media_types = (media_types,) if isinstance(media_types, str) else media_types
        path = _openapi_path(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            answer = document["paths"][path][method.lower()]["responses"][status]
            # A view that answers in several types (a report: PDF, JSON or a workbook) keeps its model's
            # schema for JSON.
            json_content = (answer.get("content") or {}).get("application/json")
            answer["content"] = {
                media_type: (
                    json_content
                    if media_type == "application/json" and json_content
                    else {"schema": {"type": "string", "format": "binary"}}
                )
                for media_type in media_types
            }


def _openapi_path(rule: str) -> str:
    """A Flask rule as its OpenAPI path: ``/documents/<int:document_id>`` -> ``/documents/{id}``."""
    return _renamed(re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule))
