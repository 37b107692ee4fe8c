"""What the API of every track handled on the engine shares (a mediation, a referral, later a visit):
reading a page of tracks' clocks and documents at once, a service's refusal as API.md gives it, and
the action routes of a track's workflow.

Each track's module declares its ``TrackActions`` once; ``register_track_actions`` adds the three routes
API.md gives every workflow (``GET …/{id}/actions``: what the caller may do now and why the rest is
blocked; ``POST …/{id}/actions`` with the action in the body; ``POST …/{id}/actions/{action}``), each
parsing its body the same way: every bad field at once, those the schema refuses and those of ``data``
that the action does not take, before the track's one door is asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g, jsonify
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from sqlalchemy import select

from app.api.errors import ApiError, error_json, invalid
from app.api.openapi import operation
from app.api.schemas import problems_of
from app.api.serializers import action_check
from app.api.validation import json_body
from app.api.views import service_error_response
from app.core.engine import NotFound
from app.core.errors import ServiceError
from app.core.workflow import Workflow
from app.extensions import db

NOT_TAKEN = _l("This action does not take this field.")
#: The errors an action route can answer besides the common ones.
ACTION_ERRORS = (403, 404, 409, 413, 415, 422)


def by_subject(model, subject_type: str, ids, order) -> dict[int, list]:
    """The rows of ``model`` (clocks, documents) of these tracks of one kind, by track id, in ``order``."""
    found: dict[int, list] = {i: [] for i in ids}
    if found:
        rows = db.session.execute(
            select(model)
            .where(model.subject_type == subject_type, model.subject_id.in_(sorted(found)))
            .order_by(*order)
        ).scalars()
        for row in rows:
            found[row.subject_id].append(row)
    return found


def refusal(exc: ServiceError):
    """A service's refusal as API.md gives it: not found (or not yours) 404, the rest as for cases."""
    if isinstance(exc, NotFound):
        return error_json(404)
    return service_error_response(exc)


@dataclass(frozen=True)
class TrackActions:
    """How the action routes reach one kind of track."""

    noun: str  # "mediation": the path's plural, the views' names and the document's words come from it
    workflow: Workflow
    load: Callable[[int], Any]  # id -> the track if the caller may see it; raises ApiError(404) otherwise
    transition: Callable  # (track, action, actor, *, comment, data, expected_version) -> track
    available_actions: Callable  # (track, actor) -> [Check]
    detail: Callable[[Any], dict]  # track -> its object as the API answers it
    detail_model: type
    request_model: type  # body of POST …/actions/{action}
    post_model: type  # body of POST …/actions (the action named in it)
    checks_model: type
    # Every field of ``data`` that some action takes (one that the action named does not take is refused).
    input_names: frozenset[str]
    # (action, data) -> the ``data`` fields the action takes (default: its inputs' names).
    fields_taken: Callable[[str, dict], set] | None = None
    # (action, what ``transition`` returned) -> the answer, for an action that answers with something else
    # than the track (a visit's ``raise_case``: 201 with the new case); None: the track's object, 200.
    answer: Callable[[str, Any], Any] | None = None
    # Those other answers, as ``operation`` documents them: ((status, model, description), …).
    other_answers: tuple = ()
    # The collection's path segment when it is not the noun's plural ("fund-requests" for "fund_request").
    collection: str | None = None

    @property
    def tag(self) -> str:
        return f"{self.noun}s"

    @property
    def path(self) -> str:
        return self.collection or self.tag

    @property
    def param(self) -> str:
        return f"{self.noun}_id"

    def taken(self, action: str, data: dict) -> set[str]:
        if self.fields_taken is not None:
            return self.fields_taken(action, data)
        return set(self.workflow.actions[action].data_fields)

    def parse(self, model, raw: dict, action: str | None):
        """``raw`` read by ``model``, or 422 naming every bad field at once: those the schema refuses and
        those of ``data`` that the action does not take (an input of another action)."""
        problems = {}
        data = raw.get("data")
        if action in self.workflow and isinstance(data, dict):
            taken = self.taken(action, data)
            problems = {f"data.{name}": NOT_TAKEN for name in data if name in self.input_names and name not in taken}
        try:
            body = model.model_validate(raw)
        except ValidationError as exc:
            raise invalid({**problems, **problems_of(exc, model)}) from None
        if problems:
            raise invalid(problems)
        return body

    def apply(self, track, action: str, body):
        """Apply ``action`` with ``body`` (version, comment, data) through the track's one door."""
        data = body.data.model_dump(exclude_unset=True) if body.data is not None else None
        try:
            track = self.transition(
                track, action, g.api_user, comment=body.comment, data=data, expected_version=body.version
            )
        except ServiceError as exc:
            return refusal(exc)
        if self.answer is not None:
            return self.answer(action, track)
        return jsonify(self.detail(track))


def register_track_actions(bp, t: TrackActions) -> None:
    """Add the action routes of ``t``'s workflow to the API's blueprint."""
    noun, after = t.noun, (200, t.detail_model, f"The {t.noun} after the action.")

    # The body is read before the track: a body refused (422) costs no load of the track and its parts,
    # and says nothing of whether the track exists or is the caller's (an unknown id answers the same).
    def take_action(**path):
        action = path[f"{noun}_action"]
        if action not in t.workflow:
            raise ApiError(404, _l("There is no such action."))
        body = t.parse(t.request_model, json_body(), action)
        return t.apply(t.load(path[t.param]), action, body)

    # The views count as the declaring module's (where the routes' other views are, and the load).
    module = t.load.__module__
    take_action.__name__, take_action.__module__ = f"take_{noun}_action", module
    take_action.__doc__ = f"Apply one action of the {noun}'s workflow"
    view = operation(t.tag, after, *ACTION_ERRORS, json=t.request_model, also=t.other_answers)(take_action)
    bp.add_url_rule(f"/{t.path}/<int:{t.param}>/actions/<{noun}_action>", view_func=view, methods=["POST"])

    def get(self, **path):
        track = t.load(path[t.param])
        return jsonify([action_check(c) for c in t.available_actions(track, g.api_user)])

    def post(self, **path):
        raw = json_body()
        action = raw.get("action")
        body = t.parse(t.post_model, raw, action if isinstance(action, str) else None)
        return t.apply(t.load(path[t.param]), body.action, body)

    get.__doc__ = f"What the caller may do on the {noun} now, and why the rest is blocked"
    post.__doc__ = f"Apply one action of the {noun}'s workflow, named in the body"
    # One rule for both methods, so an id that cannot be one answers 404 to either (two rules of one
    # path answer 405 to the method matched second).
    actions = type(
        f"{noun.title()}Actions",
        (MethodView,),
        {
            "__module__": module,
            "get": operation(t.tag, (200, t.checks_model, "The actions."), 404)(get),
            "post": operation(t.tag, after, *ACTION_ERRORS, json=t.post_model, also=t.other_answers)(post),
        },
    )
    bp.add_url_rule(f"/{t.path}/<int:{t.param}>/actions", view_func=actions.as_view(f"{noun}_actions"))
