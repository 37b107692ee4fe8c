"""Rights-protection plans through the API (API.md "Plans"): draft one on a case, read it and a case's plans,
change a draft's content, list and take its actions.

Another door onto the services the pages use: ``app.plans.services.create_plan`` (every reason a plan
cannot be drafted at once), ``save_plan`` (the version, every reason for bad content), the plan's one door
(``services.transition``, ``services.available_actions``) and its rules of who sees what (the scope rule
of ``Plan`` and ``services.can_see_plan``): a plan the caller may not see (another centre's; a draft, for
the applicant's side) answers 404, as one that does not exist.

The schemas below parse what a client sends (shapes and types, every field's problem at once) and feed the
generated spec; what the content means (a right of the case, a route recommended once, the limits) is the
service's to judge (422 naming each field).
"""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g, jsonify, url_for
from flask_babel import lazy_gettext as _l
from pydantic import ConfigDict, Field, RootModel, StrictInt, StrictStr

from app.api.errors import ApiError, error_json
from app.api.openapi import PATH_PARAMETERS, operation
from app.api.schemas import (
    MAX_INT32,
    Body,
    Choice,
    Event,
    Id,
    Out,
    Say,
    Sha256,
    Text,
    When,
    _Documented,
)
from app.api.serializers import event as event_json
from app.api.serializers import iso
from app.api.validation import json_body
from app.api.views import _case_or_404, bp, parse, service_error_response
from app.cases.enums import DocumentKind, IPType
from app.core.errors import ServiceError
from app.plans import content as limits
from app.plans import queries, services, workflow
from app.plans.enums import PlanState, Route, Verdict
from app.plans.models import Plan

# How the routes' path parameter reads in the document: ``{id}``, as API.md writes it.
PATH_PARAMETERS["plan_id"] = {"name": "id", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INT32}}

PUBLIC_ACTIONS = tuple(name for name in workflow.PLANS.actions if name not in workflow.INTERNAL_ACTIONS)


def _required(what):
    return Say(required=_l("Required: %(what)s.", what=what))


# ---- what a client sends ---------------------------------------------------------------------------------


class PlanRightInput(Body):
    """One of the case's rights (`index`: its place in the case's `ip_rights`, from 0) and the scope relied on."""

    index: Annotated[StrictInt, Field(ge=0, le=99), _required(_l("the right's place in the case's rights"))]
    scope: Text(limits.MAX_TEXT, "Which claims, or which part of the right, the plan relies on.") = None


def _required_text(max_length: int, what, description: str | None = None):
    return Annotated[
        StrictStr,
        Field(max_length=max_length, json_schema_extra={"minLength": 1}, description=description),
        _required(what),
    ]


class ComparisonRowInput(Body):
    feature: _required_text(limits.MAX_TEXT, _l("the claim or design feature"), "The feature of the claim or design.")
    accused: _required_text(limits.MAX_TEXT, _l("the accused product's feature"), "The accused product's feature.")
    verdict: Choice(Verdict, "`undetermined` when left out.") = None
    evidence: Text(limits.MAX_TEXT, "The evidence for the verdict.") = None


class RouteInput(Body):
    route: Choice(Route, "Each route at most once.", required=True)
    cost_fen: Annotated[
        StrictInt,
        Field(ge=0, le=limits.MAX_AMOUNT_FEN, description="What it would cost the applicant, in fen (0: free)."),
        Say(required=_l("Required: the estimated cost in fen (0 when free)."), out_of_range=_l("Must be from 0.")),
    ]
    duration: _required_text(limits.MAX_DURATION, _l("how long it takes"), "How long it takes, in words.")
    note: Text(limits.MAX_TEXT) = None


class DamagesInput(Body):
    amount_fen: Annotated[
        StrictInt,
        Field(ge=0, le=limits.MAX_AMOUNT_FEN, description="The damages estimated, in fen."),
        Say(required=_l("Required: the damages estimated, in fen."), out_of_range=_l("Must be from 0.")),
    ]
    basis: _required_text(limits.MAX_BASIS, _l("what the estimate is based on"))


Item = Annotated[StrictStr, Field(max_length=limits.MAX_ITEM, json_schema_extra={"minLength": 1})]


class PlanContent(Body):
    """A plan's content; a field left out stays as it is. `right` and `damages` may be null (none)."""

    facts: Text(limits.MAX_FACTS) = None
    right: Annotated[PlanRightInput | None, Field(description="Null: no right chosen.")] = None
    comparison: Annotated[list[ComparisonRowInput], Field(max_length=limits.MAX_ROWS)] = None
    evidence_held: Annotated[list[Item], Field(max_length=limits.MAX_ITEMS)] = None
    evidence_needed: Annotated[list[Item], Field(max_length=limits.MAX_ITEMS)] = None
    routes: Annotated[list[RouteInput], Field(max_length=len(Route))] = None
    damages: Annotated[DamagesInput | None, Field(description="Null: no estimate.")] = None


_VERSION = Annotated[
    StrictInt,
    Field(ge=1, le=MAX_INT32, description="The plan's version as last read (409 when stale)."),
    Say(required=_l("Required: the plan's version as last read."), invalid=_l("Must be a whole number from 1.")),
]


class PlanPatch(PlanContent):
    """The draft's new content, with the version last read."""

    version: _VERSION


class PlanActionData(Body):
    """No plan action takes data (the comment says why it is returned or revised)."""


def _actions_description() -> str:
    lines = ["One action of the plan's workflow; `version` is the plan's version as last read (409 when stale).", ""]
    for name in PUBLIC_ACTIONS:
        action = workflow.PLANS[name]
        roles = ", ".join(sorted(r.value for r in action.roles))
        comment = "`comment` required" if action.comment_required else "`comment` optional"
        lines.append(f"- `{name}` ({roles}): {comment}.")
    lines.append("")
    lines.append("`revise` answers with the new draft (revision n + 1); issuing it supersedes the plan it revises.")
    return "\n".join(lines)


class PlanActionRequest(Body):
    action: Annotated[
        Literal[PUBLIC_ACTIONS],  # type: ignore[valid-type]
        Field(description="The action to take."),
        Say(
            required=_l("Required: the action to take."),
            invalid=_l("Must be one of: %(values)s.", values=", ".join(PUBLIC_ACTIONS)),
        ),
    ]
    version: _VERSION
    comment: Text(10000) = None
    data: PlanActionData | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra=lambda s: s.update(description=_actions_description()))


# ---- what the API answers ------------------------------------------------------------------------------


class PlanRight(Out):
    index: int | None = Field(description="Its place in the case's `ip_rights` when it was chosen.")
    type: IPType
    number: str
    title: str
    scope: str


class ComparisonRow(Out):
    feature: str
    accused: str
    verdict: Verdict
    evidence: str


class PlanRoute(Out):
    route: Route
    cost_fen: Annotated[int, Field(ge=0)]
    duration: str
    note: str


class Damages(Out):
    amount_fen: Annotated[int, Field(ge=0)]
    basis: str


class PlanDocument(Out):
    id: Id
    kind: DocumentKind
    number: str | None
    sha256: Sha256
    created_at: When


class PlanObject(Out):
    id: Id
    case: str = Field(description="The number of the case it is handled under.")
    state: PlanState
    version: int = Field(ge=1, description="Send it back with a change or an action (409 when stale).")
    revision: int = Field(ge=1)
    supersedes: int | None = Field(description="The id of the issued plan this revision replaces.")
    superseded_by: int | None = Field(description="The id of the revision of this plan, once one is drafted.")
    facts: str
    right: PlanRight | None
    comparison: list[ComparisonRow]
    evidence_held: list[str]
    evidence_needed: list[str]
    routes: list[PlanRoute]
    damages: Damages | None
    documents: list[PlanDocument] = Field(description="The PDF issued with it (`GET /api/v1/documents/{id}`).")
    created_at: When
    updated_at: When
    submitted_at: When | None
    approved_at: When | None
    issued_at: When | None
    superseded_at: When | None


class PlanDetail(PlanObject):
    events: list[Event] = Field(description="Its events in the case's chain (applicants: those shown to them).")


class PlanList(Out):
    items: list[PlanObject] = Field(description="Newest revision first; applicants see issued and superseded ones.")
    next_cursor: None = Field(description="Always null: a case has few plans.")


class PlanActionCheck(Out):
    action: Literal[PUBLIC_ACTIONS]  # type: ignore[valid-type]
    label: str
    allowed: bool
    comment_required: bool
    data_fields: list[str]
    reasons: list[str] = Field(default=None, description="Why it is blocked (only when not allowed).")


class PlanActionCheckList(_Documented, RootModel[list[PlanActionCheck]]):
    pass


# ---- the plan as JSON ----------------------------------------------------------------------------------


def plan_object(plan: Plan, documents: list, *, superseded_by: int | None, events=None) -> dict:
    from app.plans.content import damages_of, right_of

    data = {
        "id": plan.id,
        "case": plan.case.number,
        "state": plan.state.value,
        "version": plan.version,
        "revision": plan.revision,
        "supersedes": plan.supersedes_id,
        "superseded_by": superseded_by,
        "facts": plan.facts,
        "right": right_of(plan),
        "comparison": [
            {
                "feature": r["feature"],
                "accused": r["accused"],
                "verdict": r.get("verdict") or "undetermined",
                "evidence": r.get("evidence") or "",
            }
            for r in plan.comparison or []
        ],
        "evidence_held": list(plan.evidence_held or []),
        "evidence_needed": list(plan.evidence_needed or []),
        "routes": [
            {"route": r["route"], "cost_fen": r["cost_fen"], "duration": r["duration"], "note": r.get("note") or ""}
            for r in plan.routes or []
        ],
        "damages": damages_of(plan),
        "documents": [
            {"id": d.id, "kind": d.kind.value, "number": d.number, "sha256": d.sha256, "created_at": iso(d.created_at)}
            for d in documents
        ],
        "created_at": iso(plan.created_at),
        "updated_at": iso(plan.updated_at),
        "submitted_at": iso(plan.submitted_at),
        "approved_at": iso(plan.approved_at),
        "issued_at": iso(plan.issued_at),
        "superseded_at": iso(plan.superseded_at),
    }
    if events is not None:
        data["events"] = [event_json(e) for e in events]
    return data


def _detail(plan: Plan) -> dict:
    siblings = queries.visible_plans(plan.case, g.api_user)
    revision = next((p.id for p in siblings if p.supersedes_id == plan.id), None)
    documents = queries.documents_of([plan])[plan.id]
    return plan_object(plan, documents, superseded_by=revision, events=queries.events_of(plan, g.api_user))


def _plan_or_404(plan_id: int) -> Plan:
    plan = queries.get_plan(plan_id, g.api_user)
    if plan is None:
        raise ApiError(404)
    return plan


def _content_error(exc: ServiceError):
    """A service's refusal; bad content names each field (422, ``details.fields``)."""
    if isinstance(exc, services.PlanInputError):
        first = next(iter(exc.problems.values()))
        return error_json(422, first, {"fields": {path: str(m) for path, m in exc.problems.items()}})
    if isinstance(exc, services.PlanNotFound):
        return error_json(404)
    return service_error_response(exc)


# ---- routes ------------------------------------------------------------------------------------------------


@bp.post("/cases/<number>/plans")
@operation("plans", (201, PlanDetail, "The new draft."), 403, 404, 409, 415, 422, json=PlanContent)
def create_plan(number: str):
    """Draft the case's rights-protection plan (revision 1), optionally with its content"""
    case = _case_or_404(number)
    body = parse(PlanContent, json_body())
    try:
        plan = services.create_plan(case, g.api_user, body.model_dump(mode="json", exclude_unset=True))
    except ServiceError as exc:
        return _content_error(exc)
    response = jsonify(_detail(plan))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_plan", plan_id=plan.id)
    return response


@bp.get("/cases/<number>/plans")
@operation("plans", (200, PlanList, "Every revision of the case's plan the caller may see."), 404)
def list_case_plans(number: str):
    """The case's plans, newest revision first"""
    case = _case_or_404(number)
    plans = queries.visible_plans(case, g.api_user)
    documents = queries.documents_of(plans)
    revised = {p.supersedes_id: p.id for p in plans if p.supersedes_id is not None}
    items = [plan_object(p, documents[p.id], superseded_by=revised.get(p.id)) for p in plans]
    return jsonify({"items": items, "next_cursor": None})


@bp.get("/plans/<int:plan_id>")
@operation("plans", (200, PlanDetail, "The plan."), 404)
def get_plan(plan_id: int):
    """One plan, with its events"""
    return jsonify(_detail(_plan_or_404(plan_id)))


@bp.patch("/plans/<int:plan_id>")
@operation("plans", (200, PlanDetail, "The plan as saved."), 403, 404, 409, 415, 422, json=PlanPatch)
def patch_plan(plan_id: int):
    """Change a draft's content (the fields given; `version` as last read)"""
    plan = _plan_or_404(plan_id)
    body = parse(PlanPatch, json_body())
    data = body.model_dump(mode="json", exclude_unset=True)
    version = data.pop("version")
    try:
        plan = services.save_plan(plan, g.api_user, data, version)
    except ServiceError as exc:
        return _content_error(exc)
    return jsonify(_detail(plan))


@bp.get("/plans/<int:plan_id>/actions")
@operation("plans", (200, PlanActionCheckList, "The actions."), 404)
def plan_actions(plan_id: int):
    """What the caller may do on the plan now, and why the rest is blocked"""
    from app.api.serializers import action_check

    plan = _plan_or_404(plan_id)
    return jsonify([action_check(c) for c in services.available_actions(plan, g.api_user)])


@bp.post("/plans/<int:plan_id>/actions")
@operation(
    "plans",
    (200, PlanDetail, "The plan after the action (for `revise`, the new draft)."),
    403,
    404,
    409,
    415,
    422,
    json=PlanActionRequest,
)
def take_plan_action(plan_id: int):
    """Take one action of the plan's workflow"""
    plan = _plan_or_404(plan_id)
    body = parse(PlanActionRequest, json_body())
    try:
        plan = services.transition(plan, body.action, g.api_user, comment=body.comment, expected_version=body.version)
    except ServiceError as exc:
        return _content_error(exc)
    return jsonify(_detail(plan))
