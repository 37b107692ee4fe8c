"""On-site visits through the API (API.md "Visits"): record a visit, list and read visits, the monthly
compliance of the centres in scope, a visit's actions (raising a case from a problem, marking a follow-up
done among them) and its issued visit records.

Another door onto the services the pages use (``app.visits.services``: ``record_visit``, ``replan_visit``,
``cancel_visit``, ``complete_follow_up``, ``raise_case`` and the visit's one door) and its scope rule
(``app.visits.queries``: staff see their subtree's visits; an applicant the visits done at their own enterprise,
never the internal notes). A visit the caller may not see answers 404, as one that does not exist.

People are named by e-mail and enterprises by credit code: each one that is unknown, or that the visit's centre
may not name, is answered at once with the schema's problems (422, ``details.fields``); the services then judge
the rest, their form field names (``follow_ups-0-due_on``) given back as the JSON paths the client sent
(``follow_ups[0].due_on``). A follow-up is marked done by the action ``complete_follow_up`` (``data.follow_up``:
its index), a case raised by ``raise_case`` (``data.problem``), which answers 201 with the new case.
"""

from __future__ import annotations

import re
from datetime import date

from flask import Response, g, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.api import schemas_visit as schemas
from app.api.errors import ApiError, invalid
from app.api.openapi import PATH_PARAMETERS, operation
from app.api.queries import MAX_ID
from app.api.schemas import CaseDetail
from app.api.serializers_visit import visit_object
from app.api.tracks import TrackActions, by_subject, refusal, register_track_actions
from app.api.validation import Problems, json_body
from app.api.views import _case_detail, bp, parse
from app.auth.models import User
from app.auth.services import find_user_by_email
from app.cases.models import Case, Document
from app.centres.models import Centre
from app.core.engine import ActionRefused
from app.core.errors import ServiceError
from app.core.identifiers import IdentifierError, normalise_credit_code
from app.core.permissions import centre_in_scope
from app.core.workdays import china_day
from app.enterprises.services import find_enterprise
from app.extensions import db
from app.visits import compliance, queries, services
from app.visits.workflow import VISITS

PATH_PARAMETERS["visit_id"] = {"name": "id", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
PATH_PARAMETERS["visit_action"] = {
    "name": "action",
    "description": "An action of the visit's workflow; an unknown one answers 404.",
    "schema": {"type": "string", "enum": list(VISITS.actions)},
}
PATH_PARAMETERS["visit_document_id"] = {
    "name": "document_id",
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}

SUBJECT = "visit"
DOCUMENT_ORDER = (Document.created_at, Document.id)
ROLE_REFUSED = _l("Your role cannot take this action.")
STAFF_TEXT = _l("Choose caseworkers or supervisors of the visit's centre or of a centre above it.")
OWNER_TEXT = _l("Choose as owner a caseworker or supervisor of the visit's centre or of a centre above it.")
FIRM_TEXT = _l("Choose enterprises served by the visit's centre or a centre below it.")
UNKNOWN_FIRM_TEXT = _l("No enterprise is registered under this code; give it in new_enterprises with its name.")
FUTURE_TEXT = _l("A visit recorded as done cannot be dated in the future.")
EARLY_TEXT = _l("A follow-up cannot be due before the visit.")


# ---- reads -------------------------------------------------------------------------------------------------


def _visit_or_404(visit_id: int):
    """The visit if the caller may see it (the scope rule, as on the pages), else 404."""
    visit = queries.get_visit(g.api_user, visit_id)
    if visit is None:
        raise ApiError(404)
    return visit


def _case_numbers(visits) -> dict[int, str]:
    ids = sorted({p.case_id for v in visits for p in v.problems if p.case_id is not None})
    if not ids:
        return {}
    return dict(db.session.execute(select(Case.id, Case.number).where(Case.id.in_(ids))).all())


def _users(ids) -> dict[int, User]:
    ids = sorted({i for i in ids if i})
    if not ids:
        return {}
    return {u.id: u for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars()}


def _prefetch(visits) -> list:
    """The follow-ups' people and the problems' enterprises of a page of visits, in two statements: what the
    objects then read of them comes from the session (no statement per visit) while the caller holds the list
    returned (the session keeps only what is referenced)."""
    from app.enterprises.models import Enterprise

    held = list(_users(i for v in visits for f in v.follow_ups for i in (f.owner_id, f.done_by_id)).values())
    ids = sorted({p.enterprise_id for v in visits for p in v.problems if p.enterprise_id is not None})
    if ids:
        held += db.session.execute(select(Enterprise).where(Enterprise.id.in_(ids))).scalars().all()
    return held


def _detail(visit) -> dict:
    user = g.api_user
    staff = user.is_staff
    events = queries.visit_events(visit) if staff else None
    return visit_object(
        visit,
        case_numbers=_case_numbers([visit]),
        documents=queries.visit_documents(visit),
        staff=staff,
        events=events,
        actors=_users(e.actor_id for e in events) if events else None,
        checks=services.available_actions(visit, user),
    )


# ---- input: people by e-mail, enterprises by code ----------------------------------------------------------


def json_path(field: str, prefix: str = "") -> str:
    """A service's form field name as the JSON path of the body: ``follow_ups-0-due_on`` ->
    ``follow_ups[0].due_on``, ``contact_phone`` -> ``contact.phone``."""
    path = re.sub(r"-(\d+)-", r"[\1].", field)
    if path.startswith("contact_"):
        path = f"contact.{path.removeprefix('contact_')}"
    return f"{prefix}{path}"


def _staff_member(email: str, centre: Centre) -> User | None:
    user = find_user_by_email(email)
    return user if user is not None and services.may_go(user, centre) else None


def _enterprise(code: str, centre: Centre, path: str, problems: Problems):
    try:
        firm = find_enterprise(normalise_credit_code(code))
    except IdentifierError as exc:
        problems.add(path, exc.message)
        return None
    if firm is None:
        problems.add(path, UNKNOWN_FIRM_TEXT)
    elif not services.may_be_visited(firm, centre):
        problems.add(path, FIRM_TEXT)
    return firm


def _people_and_firms(data: dict, centre: Centre, prefix: str, problems: Problems) -> dict:
    """``staff`` and ``enterprises`` found (each one unknown or out of the centre's reach named in ``problems``)."""
    out = {}
    if data.get("staff") is not None:
        out["staff"] = []
        for i, email in enumerate(data["staff"]):
            user = _staff_member(email, centre)
            if user is None:
                problems.add(f"{prefix}staff[{i}]", STAFF_TEXT)
            out["staff"].append(user)
    if data.get("enterprises") is not None:
        out["enterprises"] = [
            _enterprise(code, centre, f"{prefix}enterprises[{i}]", problems)
            for i, code in enumerate(data["enterprises"])
        ]
    return out


def record_arguments(data: dict, centre: Centre, prefix: str = "") -> dict:
    """The keyword arguments of ``services.record_visit`` from the checked body (``data``: the model's dump);
    422 naming every person and enterprise that cannot be named, and every date the rules refuse, at once."""
    problems = Problems()
    found = _people_and_firms(data, centre, prefix, problems)
    visited_on: date | None = data.get("visited_on")
    if visited_on is not None and visited_on > china_day(services.utcnow()):
        problems.add(f"{prefix}visited_on", FUTURE_TEXT)
    follow_ups = []
    for i, item in enumerate(data.get("follow_ups") or ()):
        owner = _staff_member(item["owner"], centre)
        if owner is None:
            problems.add(f"{prefix}follow_ups[{i}].owner", OWNER_TEXT)
        if visited_on is not None and item["due_on"] < visited_on:
            problems.add(f"{prefix}follow_ups[{i}].due_on", EARLY_TEXT)
        follow_ups.append({"text": item["text"], "owner": owner, "due_on": item["due_on"]})
    problems.raise_if_any()
    contact = data.get("contact") or {}
    return {
        "visited_on": visited_on,
        "staff": found.get("staff") or [],
        "enterprises": found.get("enterprises") or [],
        "new_enterprises": [
            {"credit_code": e["credit_code"], "name": e.get("name") or ""} for e in data.get("new_enterprises") or ()
        ],
        "topics": list(data.get("topics") or ()),
        "problems": [
            {
                "text": p["text"],
                "ip_type": p.get("ip_type"),
                "right_number": p.get("right_number") or "",
                "respondent_name": p.get("respondent_name") or "",
                "enterprise": p.get("enterprise"),
            }
            for p in data.get("problems") or ()
        ],
        "needs": data.get("needs") or "",
        "follow_ups": follow_ups,
        "contact_name": contact.get("name") or "",
        "contact_title": contact.get("title") or "",
        "contact_phone": contact.get("phone") or "",
        "notes": data.get("notes") or "",
    }


def plan_arguments(data: dict, centre: Centre, prefix: str = "data.") -> dict:
    problems = Problems()
    found = _people_and_firms(data, centre, prefix, problems)
    problems.raise_if_any()
    return {
        "planned_on": data.get("planned_on"),
        "staff": found.get("staff") or [],
        "enterprises": found.get("enterprises") or [],
        "topics": list(data.get("topics") or ()),
        "notes": data.get("notes") or "",
    }


def _fields_named(exc: ServiceError, prefix: str) -> ServiceError:
    """A service's refusal of one field, naming it by its JSON path; any other refusal as it is."""
    if type(exc) is ServiceError and exc.field:
        return ServiceError(exc.message, field=json_path(exc.field, prefix))
    return exc


# ---- the actions: the visit's one door, through the services that check their input --------------------------


def _transition(visit, action: str, actor, *, comment=None, data=None, expected_version=None):
    """Apply ``action``: through the service that checks its input where there is one (``record``, ``replan``,
    ``cancel``, ``complete_follow_up``, ``raise_case``, which returns the new case), else the one door."""
    if not actor.is_staff or actor.role not in VISITS.actions[action].roles:
        raise ActionRefused([ROLE_REFUSED], forbidden=True)
    data = data or {}
    try:
        if action == "record":
            arguments = record_arguments(data, visit.centre, "data.")
            return services.record_visit(actor, visit, version=expected_version, **arguments)
        if action == "replan":
            arguments = plan_arguments(data, visit.centre)
            return services.replan_visit(actor, visit, version=expected_version, **arguments)
        if action == "cancel":
            return services.cancel_visit(actor, visit, comment or "", version=expected_version)
        if action == "raise_case":
            return services.raise_case(actor, visit, data.get("problem"), version=expected_version)
        if action == "complete_follow_up":
            follow_up = next((f for f in visit.follow_ups if f.position == data.get("follow_up")), None)
            if follow_up is None:  # the door's guard says why (or the state, or the version)
                return services.transition(
                    visit, action, actor, comment=comment, data={"follow_up": None}, expected_version=expected_version
                )
            services.complete_follow_up(actor, follow_up, comment or "", version=expected_version)
            return visit
        return services.transition(
            visit, action, actor, comment=comment, data=data or None, expected_version=expected_version
        )
    except ServiceError as exc:
        if exc.field in ("comment", "note"):  # what was done, or why: the action's comment
            raise _fields_named(ServiceError(exc.message, field="comment"), "") from None
        raise _fields_named(exc, "data.") from None


def _fields_taken(action: str, data: dict) -> set[str]:
    return set(schemas.TAKES.get(action, ()))


def _answer(action: str, result):
    if action == "raise_case":
        case = result
        response = jsonify(_case_detail(case))
        response.status_code = 201
        response.headers["Location"] = url_for("api.get_case", number=case.ref)
        return response
    return jsonify(_detail(_visit_or_404(result.id)))


# ---- routes ------------------------------------------------------------------------------------------------


@bp.post("/visits")
@operation("visits", (201, schemas.VisitDetail, "The visit recorded."), 403, 409, 422, json=schemas.NewVisit)
def create_visit():
    """Record an on-site visit (done, or closed at once when it promised no follow-up)"""
    user = g.api_user
    if not user.is_staff or user.role not in services.STAFF_ROLES:
        reason = _l("Only caseworkers and supervisors record visits.")
        raise ApiError(403, reason, {"reasons": [str(reason)]})
    body = parse(schemas.NewVisit, json_body())
    centre = user.centre
    if body.centre is not None:
        centre = db.session.execute(select(Centre).where(Centre.code == body.centre.strip())).scalar_one_or_none()
    if centre is None or not centre_in_scope(user, centre):
        raise invalid({"centre": _l("Choose a centre of your scope.")})
    arguments = record_arguments(body.model_dump(exclude_unset=True), centre)
    try:
        visit = services.record_visit(user, None, centre=centre, **arguments)
    except ServiceError as exc:
        return refusal(_fields_named(exc, ""))
    response = jsonify(_detail(_visit_or_404(visit.id)))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_visit", visit_id=visit.id)
    return response


@bp.get("/visits")
@operation("visits", (200, schemas.VisitList, "One page, the latest day first."), 422, query=schemas.VisitListQuery)
def list_visits_endpoint():
    """The visits the caller may see, the latest day first (keyset pagination)"""
    user = g.api_user
    query = parse(schemas.VisitListQuery, request.args.to_dict(flat=False))
    nothing = False
    centre_id = enterprise_id = None
    if query.centre.strip():
        centre_id = db.session.scalar(select(Centre.id).where(Centre.code == query.centre.strip()))
        nothing = centre_id is None
    if query.enterprise.strip():
        try:
            firm = find_enterprise(normalise_credit_code(query.enterprise))
        except IdentifierError:
            firm = None
        enterprise_id = firm.id if firm is not None else None
        nothing = nothing or firm is None
    if nothing:  # an unknown centre or enterprise has no visits (whether it exists is not told)
        return jsonify({"items": [], "next_cursor": None})
    cursor = schemas.decode_cursor(query.cursor) if query.cursor else None
    page = queries.list_visits(
        user,
        month=query.month,
        centre_id=centre_id,
        state=query.state,
        enterprise_id=enterprise_id,
        cursor=cursor,
        limit=query.limit,
    )
    visits = page.rows
    held = _prefetch(visits)  # noqa: F841  (kept in the session while the page is serialised)
    documents = by_subject(Document, SUBJECT, [v.id for v in visits], DOCUMENT_ORDER)
    numbers = _case_numbers(visits)
    staff = user.is_staff
    items = [visit_object(v, case_numbers=numbers, documents=documents[v.id], staff=staff) for v in visits]
    next_cursor = schemas.encode_cursor(page.next_cursor.encode()) if page.next_cursor is not None else None
    return jsonify({"items": items, "next_cursor": next_cursor})


@bp.get("/visits/compliance")
@operation(
    "visits",
    (200, schemas.ComplianceList, "Per centre of the caller's subtree: the visits of the month against its minimum."),
    403,
    422,
    query=schemas.ComplianceQuery,
)
def visits_compliance():
    """The monthly visits minimum of the centres in the caller's scope, for one month"""
    user = g.api_user
    if not user.is_staff or user.role not in services.STAFF_ROLES:
        raise ApiError(403, _l("Only caseworkers and supervisors see the visits compliance."))
    query = parse(schemas.ComplianceQuery, request.args.to_dict(flat=False))
    grid = compliance.compliance(user, [query.month], now=services.utcnow())
    statuses = [cell.status for row in grid.rows for cell in row.cells]
    items = [{**item, "status": status} for item, status in zip(grid.as_list(), statuses, strict=True)]
    return jsonify({"items": items})


@bp.get("/visits/<int:visit_id>")
@operation("visits", (200, schemas.VisitDetail, "The visit."), 404)
def get_visit(visit_id: int):
    """One visit, with (for staff) its notes and audit trail, and what the caller may do on it"""
    return jsonify(_detail(_visit_or_404(visit_id)))


@bp.get("/visits/<int:visit_id>/documents/<int:visit_document_id>")
@operation("visits", (200, None, "The PDF."), 404, content="application/pdf")
def get_visit_document(visit_id: int, visit_document_id: int):
    """An issued visit record (上门服务记录表) as the PDF kept when it was issued"""
    from app.cases.documents import read_document

    visit = _visit_or_404(visit_id)
    document = next((d for d in queries.visit_documents(visit) if d.id == visit_document_id), None)
    if document is None:
        raise ApiError(404)
    response = Response(read_document(document), mimetype="application/pdf")
    name = f"visit-{visit.id}-{document.kind.value}-{document.id}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-SHA256"] = document.sha256
    return response


register_track_actions(
    bp,
    TrackActions(
        noun=SUBJECT,
        workflow=VISITS,
        load=_visit_or_404,
        transition=_transition,
        available_actions=services.available_actions,
        detail=_detail,
        detail_model=schemas.VisitDetail,
        request_model=schemas.VisitActionRequest,
        post_model=schemas.VisitActionPost,
        checks_model=schemas.VisitActionCheckList,
        input_names=schemas.INPUT_NAMES,
        fields_taken=_fields_taken,
        answer=_answer,
        other_answers=((201, CaseDetail, "`raise_case`: the new case."),),
    ),
)
