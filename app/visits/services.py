"""Every write about on-site visits: plans, visit records, follow-ups, cases raised from problems.

``plan_visit`` and ``record_visit`` (of an unplanned visit) create a visit and record its first
event in the visit's own chain (``app.core.chains``, chain type ``visit``); every later change
goes through the one door (``VisitDoor``, the rule table ``app.visits.workflow``). Input is
checked completely before anything is written (``app.visits.inputs``), and each service runs in a
savepoint, so bad input changes nothing: the ``ServiceError`` names the form field
(``follow_ups-0-due_on``…).

A follow-up's reminder is a clock handled under no case (``ClockName.FOLLOW_UP``, subject
``visit_follow_up``), counted from the day of the visit to the end of its due date; it is met when
the follow-up is done. The sla-scan records its warnings in the visit's chain
(``app.visits.reminders``). Services take the acting user explicitly, flush, and never commit.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Role, User
from app.cases.enums import IPType
from app.centres.models import Centre
from app.clocks.models import ClockName, ClockSpan, ClockUnit
from app.core import chains, engine
from app.core.db import utcnow
from app.core.engine import ActionRefused, Door, NotFound
from app.core.errors import ServiceError
from app.core.permissions import centre_in_scope
from app.core.workdays import china_day, start_of_day
from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus
from app.extensions import db
from app.visits import workflow
from app.visits.enums import COUNTED_STATES, VisitState
from app.visits.inputs import (  # noqa: F401  (may_go, may_be_visited: who and what a visit may name)
    MAX_ITEMS,
    centre_for,
    may_be_visited,
    may_go,
    plan_input,
    record_input,
    text_of,
)
from app.visits.models import (
    MAX_TEXT,
    Visit,
    VisitEnterprise,
    VisitFollowUp,
    VisitProblem,
    VisitStaff,
    audited_fields,
    follow_up_key,
    problem_key,
)

S = VisitState
STAFF_ROLES = workflow.STAFF
FOLLOW_UP = "visit_follow_up"


class VisitNotFound(NotFound):
    """The visit does not exist or is not the actor's to see (both answer 404)."""


# ---- who may see and act -------------------------------------------------------------------------------------


def is_visited_member(user, visit: Visit) -> bool:
    """An applicant who is an active member of one of the enterprises visited."""
    ids = [link.enterprise_id for link in visit.enterprise_links]
    if not ids or user.is_staff:
        return False
    return (
        db.session.execute(
            select(EnterpriseMember.id).where(
                EnterpriseMember.user_id == user.id,
                EnterpriseMember.enterprise_id.in_(ids),
                EnterpriseMember.status == MembershipStatus.ACTIVE,
            )
        ).first()
        is not None
    )


def can_see_visit(user, visit: Visit | None) -> bool:
    """Staff of the visit's centre or above; an applicant of a visited enterprise once it is done."""
    if visit is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return centre_in_scope(user, visit.centre)
    return visit.state in COUNTED_STATES and is_visited_member(user, visit)


def can_act_on_visit(user, visit: Visit) -> bool:
    """Caseworkers and supervisors of the visit's centre or above."""
    return user.is_staff and user.role in STAFF_ROLES and centre_in_scope(user, visit.centre)


class VisitDoor(Door):
    """How the engine's one door reaches a visit; its events go to the visit's own chain."""

    workflow = workflow.VISITS
    model = Visit
    not_found = VisitNotFound
    not_found_text = _l("Visit not found.")
    conflict_text = _l("Someone else changed this visit meanwhile.")

    def can_see(self, actor, visit):
        return can_see_visit(actor, visit)

    def can_act(self, actor, visit):
        return can_act_on_visit(actor, visit)

    def now(self):
        return utcnow()

    def case_of(self, visit):
        return None  # a visit belongs to no case: its follow-up clocks are started here, not by the door

    def facts(self, visit, data=None):
        return workflow.VisitFacts(
            open_follow_ups=tuple(f.id for f in visit.follow_ups if f.done_at is None),
            problems={
                p.position: (p.case_id is not None, p.ip_type.value if p.ip_type else None, p.right_number)
                for p in visit.problems
            },
        )

    def record(self, applied):
        return chains.record_applied(applied, fields=audited_fields(applied.subject))


DOOR = VisitDoor()


def transition(visit: Visit, action: str, actor, *, comment=None, data=None, expected_version=None) -> Visit:
    """Apply one action of the visit's rule table through the one door."""
    return engine.transition(DOOR, visit, action, actor, comment=comment, data=data, expected_version=expected_version)


def available_actions(visit: Visit, actor):
    return DOOR.available_actions(visit, actor)


def _current(ids: list[int]) -> dict:
    """What ``flask verify`` compares each visit's chain with: {id: (state, audited fields)}."""
    out = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        visits = {v.id: v for v in db.session.execute(select(Visit).where(Visit.id.in_(chunk))).scalars()}
        staff: dict[int, list] = {i: [] for i in visits}
        firms: dict[int, list] = {i: [] for i in visits}
        problems: dict[int, list] = {i: [] for i in visits}
        follow_ups: dict[int, list] = {i: [] for i in visits}
        for visit_id, user_id in db.session.execute(
            select(VisitStaff.visit_id, VisitStaff.user_id).where(VisitStaff.visit_id.in_(chunk))
        ):
            staff[visit_id].append(user_id)
        for visit_id, enterprise_id in db.session.execute(
            select(VisitEnterprise.visit_id, VisitEnterprise.enterprise_id).where(VisitEnterprise.visit_id.in_(chunk))
        ):
            firms[visit_id].append(enterprise_id)
        for p in db.session.execute(select(VisitProblem).where(VisitProblem.visit_id.in_(chunk))).scalars():
            problems[p.visit_id].append(problem_key(p))
        for f in db.session.execute(select(VisitFollowUp).where(VisitFollowUp.visit_id.in_(chunk))).scalars():
            follow_ups[f.visit_id].append(follow_up_key(f))
        for visit_id, v in visits.items():
            out[visit_id] = (
                v.state.value,
                audited_fields(v, staff[visit_id], firms[visit_id], problems[visit_id], follow_ups[visit_id]),
            )
    return out


chains.register_root(chains.RootKind("visit", _current))


# ---- checking input: app.visits.inputs ---------------------------------------------------------------


def _check_role(actor, roles, message):
    if actor is None or not actor.is_staff or actor.role not in roles:
        raise ActionRefused([message], forbidden=True)


def _register(actor, centre: Centre, new: list, data: dict, pending_codes: dict) -> None:
    """Register the enterprises added by code and name (served by the visit's centre) and put them
    in the normalised data."""
    from app.enterprises.services import record_enterprise

    ids = {}
    for code, name in new:
        firm = record_enterprise(actor, code, {"name": name})
        if firm.centre_id != centre.id:
            firm.centre = centre
        ids[code] = firm.id
        data["enterprises"].append(firm.id)
    if ids:
        db.session.flush()
    for position, code in pending_codes.items():
        data["problems"][position]["enterprise_id"] = ids[code]


# ---- applying a record (the door's effects call these) -----------------------------------------------------


def _set_links(visit: Visit, staff_ids: list[int], enterprise_ids: list[int]) -> None:
    """Replace the visit's staff and enterprises, keeping the rows of those who stay (a row removed
    and added again in one flush would collide on its key)."""
    current = {link.user_id: link for link in visit.staff_links}
    visit.staff_links = [
        _positioned(current.get(uid) or VisitStaff(user_id=uid, user=db.session.get(User, uid)), i)
        for i, uid in enumerate(staff_ids)
    ]
    current_firms = {link.enterprise_id: link for link in visit.enterprise_links}
    visit.enterprise_links = [
        _positioned(
            current_firms.get(eid) or VisitEnterprise(enterprise_id=eid, enterprise=db.session.get(Enterprise, eid)), i
        )
        for i, eid in enumerate(enterprise_ids)
    ]


def _positioned(link, position: int):
    link.position = position
    return link


def apply_plan(visit: Visit, data: dict) -> dict:
    """Set a plan's date, staff, enterprises, topics and notes (normalised input); returns the data
    its event keeps."""
    with db.session.no_autoflush:
        visit.planned_on = workflow.parse_day(data["planned_on"])
        visit.topics = list(data.get("topics") or [])
        visit.notes = data.get("notes") or ""
        _set_links(visit, list(data["staff"]), list(data["enterprises"]))
    return {"planned_on": data["planned_on"], "staff": list(data["staff"]), "enterprises": list(data["enterprises"])}


def apply_record(visit: Visit, data: dict, actor, now: datetime) -> dict:
    """Set a visit record (normalised input): its fields, staff, enterprises, problems and
    follow-ups; returns the data its event keeps."""
    with db.session.no_autoflush:
        visit.visited_on = workflow.parse_day(data["visited_on"])
        visit.recorded_by_id = actor.id
        visit.recorded_by = actor
        visit.recorded_at = now
        for key in ("topics",):
            visit.topics = list(data.get(key) or [])
        for key in ("needs", "notes", "contact_name", "contact_title", "contact_phone"):
            setattr(visit, key, data.get(key) or "")
        _set_links(visit, list(data["staff"]), list(data["enterprises"]))
        for i, item in enumerate(data.get("problems") or ()):
            visit.problems.append(
                VisitProblem(
                    position=i,
                    text=item["text"],
                    ip_type=IPType(item["ip_type"]) if item.get("ip_type") else None,
                    right_number=item.get("right_number") or "",
                    respondent_name=item.get("respondent_name") or "",
                    enterprise_id=item.get("enterprise_id"),
                )
            )
        for i, item in enumerate(data.get("follow_ups") or ()):
            visit.follow_ups.append(
                VisitFollowUp(
                    position=i,
                    text=item["text"],
                    owner_id=item["owner_id"],
                    due_on=workflow.parse_day(item["due_on"]),
                    done_note="",
                )
            )
    return {
        "visited_on": data["visited_on"],
        "staff": list(data["staff"]),
        "enterprises": list(data["enterprises"]),
        "problems": len(data.get("problems") or ()),
        "follow_ups": len(data.get("follow_ups") or ()),
    }


def apply_follow_up_done(a) -> dict:
    from app.clocks.services import end_free

    follow_up = next(f for f in a.subject.follow_ups if f.id == a.data["follow_up"])
    follow_up.done_at = a.now
    follow_up.done_by = a.actor
    follow_up.done_note = a.comment
    end_free(FOLLOW_UP, [follow_up.id], a.now, a.actor)
    return {"follow_up": follow_up.position}


def apply_raise_case(a) -> dict:
    problem = next(p for p in a.subject.problems if p.position == a.data["problem"])
    case = _case_from_problem(a.actor, a.subject, problem)
    problem.case_id = case.id
    return {"problem": problem.position, "case": case.number, "case_id": case.id}


# ---- the clocks of follow-ups ----------------------------------------------------------------------------------


def _start_follow_up_clocks(visit: Visit, now: datetime) -> None:
    """A reminder per open follow-up, counted in calendar days from the day of the visit to its due
    date (so a visit recorded a few days late still shows a follow-up already late as late)."""
    from app.clocks.services import load_calendar, start_free

    calendar = None
    started = min(now, start_of_day(visit.visited_on))
    for f in visit.follow_ups:
        if f.done_at is not None:
            continue
        calendar = calendar or load_calendar()
        start_free(
            ClockName.FOLLOW_UP,
            started,
            centre_id=visit.centre_id,
            subject_type=FOLLOW_UP,
            subject_id=f.id,
            span=ClockSpan(max(0, (f.due_on - visit.visited_on).days), ClockUnit.CALENDAR_DAYS, f.owner_id),
            calendar=calendar,
        )


# ---- the services ----------------------------------------------------------------------------------------------


def plan_visit(actor, *, centre, planned_on, staff, enterprises, topics=(), notes="") -> Visit:
    """A supervisor plans a visit of a centre of their subtree: when, who goes, which enterprises."""
    _check_role(actor, workflow.SUPERVISORS, _l("Only supervisors plan visits."))
    centre = centre_for(actor, centre)
    now = utcnow()
    data = plan_input(actor, centre, planned_on, staff, enterprises, topics, notes, china_day(now))
    with db.session.begin_nested():
        visit = Visit(
            centre=centre,
            centre_id=centre.id,
            state=S.PLANNED,
            planned_by_id=actor.id,
            created_at=now,
            updated_at=now,
            topics=[],
            needs="",
            notes="",
            cancel_reason="",
        )
        kept = apply_plan(visit, data)
        db.session.add(visit)
        db.session.flush()
        chains.record("visit", visit.id, actor, "plan", to_state=S.PLANNED, data=kept, fields=audited_fields(visit))
    return visit


def replan_visit(actor, visit: Visit, *, planned_on, staff, enterprises, topics=(), notes="", version=None) -> Visit:
    """A supervisor changes a planned visit's date, staff, enterprises, topics or notes."""
    if not can_see_visit(actor, visit):
        raise VisitNotFound(DOOR.not_found_text)
    _check_role(actor, workflow.SUPERVISORS, _l("Only supervisors plan visits."))
    data = plan_input(actor, visit.centre, planned_on, staff, enterprises, topics, notes, china_day(utcnow()))
    with db.session.begin_nested():
        return transition(visit, "replan", actor, data=data, expected_version=version)


def record_visit(
    actor,
    visit: Visit | None = None,
    *,
    centre=None,
    visited_on,
    staff,
    enterprises=(),
    new_enterprises=(),
    topics=(),
    problems=(),
    needs="",
    follow_ups=(),
    contact_name="",
    contact_title="",
    contact_phone="",
    notes="",
    version=None,
) -> Visit:
    """Record a visit as done: a planned one (through the door, ``record``) or an unplanned one
    (created as done). The enterprises are those chosen and those added by credit code and name
    (registered now, served by the visit's centre, when the code is new). A visit that promised no
    follow-up is closed at once; otherwise each follow-up's reminder clock starts."""
    if visit is not None:
        if not can_see_visit(actor, visit):
            raise VisitNotFound(DOOR.not_found_text)
        centre = visit.centre
    _check_role(actor, STAFF_ROLES, _l("Only caseworkers and supervisors record visits."))
    if visit is None:
        centre = centre_for(actor, centre)
    elif not can_act_on_visit(actor, visit):
        raise ActionRefused([_l("Your role cannot take this action.")], forbidden=True)
    if visit is not None and visit.state is not S.PLANNED:
        raise ActionRefused([workflow.VISITS.wrong_state(visit.state)])
    if visit is not None and version is not None and version != visit.version:
        from app.core.errors import ConflictError

        raise ConflictError(DOOR.conflict_text)
    now = utcnow()
    data, new, pending = record_input(
        actor,
        centre,
        visited_on=visited_on,
        staff=staff,
        enterprises=enterprises,
        new_enterprises=new_enterprises,
        topics=topics,
        problems=problems,
        needs=needs,
        follow_ups=follow_ups,
        contact_name=contact_name,
        contact_title=contact_title,
        contact_phone=contact_phone,
        notes=notes,
        today=china_day(now),
    )
    with db.session.begin_nested():
        _register(actor, centre, new, data, pending)
        if visit is None:
            visit = Visit(
                centre=centre,
                centre_id=centre.id,
                state=S.DONE,
                created_at=now,
                updated_at=now,
                topics=[],
                needs="",
                notes="",
            )
            kept = apply_record(visit, data, actor, now)
            db.session.add(visit)
            db.session.flush()
            chains.record("visit", visit.id, actor, "record", to_state=S.DONE, data=kept, fields=audited_fields(visit))
        else:
            visit = transition(visit, "record", actor, data=data, expected_version=version)
        _start_follow_up_clocks(visit, now)
        if not visit.follow_ups:
            visit = transition(visit, "close", actor)
        db.session.flush()
    return visit


def complete_follow_up(actor, follow_up: VisitFollowUp, note: str = "", *, version=None) -> VisitFollowUp:
    """Mark a follow-up done (its owner, or a caseworker or supervisor of the visit's scope); its
    reminder is met. The visit closes when its last follow-up is done. ``version``: the visit's."""
    visit = follow_up.visit
    if not can_see_visit(actor, visit):
        raise VisitNotFound(DOOR.not_found_text)
    note = text_of(note, MAX_TEXT, "note")
    with db.session.begin_nested():
        visit = transition(
            visit, "complete_follow_up", actor, comment=note, data={"follow_up": follow_up.id}, expected_version=version
        )
        if not visit.open_follow_ups:
            visit = transition(visit, "close", actor)
    return follow_up


def cancel_visit(actor, visit: Visit, reason: str, *, version=None) -> Visit:
    """A supervisor cancels a planned visit, saying why."""
    if not can_see_visit(actor, visit):
        raise VisitNotFound(DOOR.not_found_text)
    reason = text_of(reason, MAX_TEXT, "comment", required_message=_l("Say why the visit is cancelled."))
    with db.session.begin_nested():
        return transition(visit, "cancel", actor, comment=reason, expected_version=version)


def raise_case(actor, visit: Visit, problem, *, version=None):
    """Turn a problem found on the visit into a case (channel ``visit``, the problem's enterprise,
    its facts, right and infringer; first responder the visiting caseworker: the actor if they went,
    else the first caseworker or supervisor who went), acknowledged at once like any case staff take
    in, so its clocks run. Returns the case; both chains record it."""
    if not can_see_visit(actor, visit):
        raise VisitNotFound(DOOR.not_found_text)
    if isinstance(problem, VisitProblem):
        if problem.visit_id != visit.id:
            raise ServiceError(_l("Choose a problem of this visit."), field="problem")
        position = problem.position
    elif isinstance(problem, int) and not isinstance(problem, bool):
        position = problem
    elif isinstance(problem, str) and problem.strip().isdigit() and len(problem.strip()) < 4:
        position = int(problem.strip())
    else:
        raise ServiceError(_l("Choose a problem of this visit."), field="problem")
    with db.session.begin_nested():
        visit = transition(visit, "raise_case", actor, data={"problem": position}, expected_version=version)
    problem = next(p for p in visit.problems if p.position == position)
    from app.cases.models import Case

    return db.session.get(Case, problem.case_id)


def _visitor(actor, visit: Visit) -> User:
    handlers = [u for u in visit.staff if u.role in STAFF_ROLES and u.is_active]
    if actor in handlers:
        return actor
    caseworkers = [u for u in handlers if u.role is Role.CASEWORKER]
    return (caseworkers or handlers or [actor])[0]


def _case_from_problem(actor, visit: Visit, problem: VisitProblem):
    from app.cases import services as cases
    from app.cases.enums import CaseKind, Channel
    from app.cases.events import record_event

    enterprise = problem.enterprise or (visit.enterprises[0] if visit.enterprises else None)
    if enterprise is None and problem.enterprise_id is not None:
        enterprise = db.session.get(Enterprise, problem.enterprise_id)
    visitor = _visitor(actor, visit)
    title = " ".join(problem.text.split())[:60]
    respondents = [{"name": problem.respondent_name}] if problem.respondent_name else []
    try:
        # The visitor took the problem up on the visit: the case is theirs from its first event (a case's
        # first responder never changes afterwards).
        case = cases.create_case(
            visitor,
            enterprise=enterprise,
            kind=CaseKind.ASSISTANCE.value,
            channel=Channel.VISIT.value,
            title=title,
            rights=[{"type": problem.ip_type.value, "number": problem.right_number}],
            respondents=respondents,
            facts=problem.text,
            draft=True,
        )
    except ServiceError as exc:  # the case's own fields are the problem's here
        raise ServiceError(exc.message, field="problem") from None
    if case.centre_id != visit.centre_id:  # the case is the visit's centre's, wherever the visitor sits
        case.centre = visit.centre
        case.centre_id = case.number_centre_id = visit.centre_id
        db.session.flush()
    record_event(
        case,
        actor,
        "from_visit",
        from_state=case.state,
        to_state=case.state,
        data={"visit": visit.id, "problem": problem.position, "visited_on": visit.visited_on.isoformat()},
        internal=True,
    )
    # As when staff record a case: filed and acknowledged at once, by whoever took it up.
    cases.transition(case, "submit", visitor)
    cases.transition(case, "acknowledge", visitor)
    return case


# ---- photos and documents of the visit -------------------------------------------------------------------------

FILE_KINDS = ("photo", "document")


def attach_files(actor, visit: Visit, files) -> list:
    """Record photos and documents taken on the visit, already stored and judged by the upload checks
    (``app.cases.attachments.store_checked`` or a staged upload): ``files`` is ``[(CheckedFile,
    "photo" | "document")]``; a photo must be an image. One event in the visit's chain lists them.
    Does not remove refused files: their owner (the view's staging) does."""
    from app.visits.models import VisitFile

    if not can_see_visit(actor, visit):
        raise VisitNotFound(DOOR.not_found_text)
    if not can_act_on_visit(actor, visit):
        raise ActionRefused([_l("Your role cannot take this action.")], forbidden=True)
    files = list(files or ())
    if len(files) > MAX_ITEMS:
        raise ServiceError(_l("Give at most %(n)d.", n=MAX_ITEMS), field="files")
    for checked, kind in files:
        if kind not in FILE_KINDS:
            raise ServiceError(_l("Choose whether the file is a photo or a document."), field="files")
        if kind == "photo" and not checked.content_type.startswith("image/"):
            raise ServiceError(_l("%(name)s is not a photo (an image file).", name=checked.filename), field="photos")
    if not files:
        return []
    with db.session.begin_nested():
        visit = DOOR.lock(visit)
        rows = []
        for checked, kind in files:
            row = VisitFile(
                visit_id=visit.id,
                uploaded_by_id=actor.id,
                kind=kind,
                filename=checked.filename,
                content_type=checked.content_type,
                size=checked.stored.size,
                sha256=checked.stored.sha256,
                storage_path=checked.stored.path,
            )
            db.session.add(row)
            rows.append(row)
        db.session.flush()
        chains.record(
            "visit",
            visit.id,
            actor,
            "add_files",
            from_state=visit.state,
            to_state=visit.state,
            data={"files": [{"id": r.id, "kind": r.kind, "filename": r.filename, "sha256": r.sha256} for r in rows]},
            fields=audited_fields(visit),
        )
    return rows
