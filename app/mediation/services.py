"""Every write about mediations: requesting one, and its actions through the engine's one door.

``request_mediation`` checks the eligibility conditions (each with its reason) and records the
request in the case's chain; ``transition`` applies an action of the rule table
(``app.mediation.workflow``) through ``MediationDoor``. Services take the acting user
explicitly, flush and never commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.cases.assignments import Assignment
from app.cases.assignments import register as register_assignment
from app.cases.enums import CaseState, IPType
from app.cases.events import record_applied, record_event, register_track_digest
from app.cases.models import Case
from app.cases.permissions import can_see_case, is_case_member
from app.centres.settings import setting_value
from app.clocks.models import CaseClock, ClockName, ClockSpan, ClockUnit, register_span
from app.core import engine
from app.core.db import utcnow
from app.core.engine import ActionRefused, Door, NotFound
from app.core.permissions import centre_in_scope
from app.core.workdays import china_day
from app.extensions import db
from app.mediation import workflow
from app.mediation.enums import OPEN_STATES, MediationScope, MediationState
from app.mediation.models import Mediation, MediationSession, mediation_digest

HANDLING_CASE_STATES = (CaseState.ACCEPTED, CaseState.IN_PROGRESS)
STARTERS = frozenset({Role.CASEWORKER, Role.SUPERVISOR})


class MediationNotFound(NotFound):
    """The mediation does not exist or is not the actor's to see (both answer 404)."""


register_track_digest("mediation", Mediation, mediation_digest)


# ---- who may see and act -------------------------------------------------------------------------------


def is_assigned_mediator(user, mediation: Mediation) -> bool:
    return bool(user is not None and user.role is Role.MEDIATOR and mediation.mediator_id == user.id)


def can_see_mediation(user, mediation: Mediation) -> bool:
    """Whoever may see its case (staff of its centre or above, the assigned mediator through the
    one beyond-scope rule, the applicant's side)."""
    return mediation is not None and can_see_case(user, mediation.case)


def can_act_on_mediation(user, mediation: Mediation) -> bool:
    """Caseworkers and supervisors of its centre or above; a mediator only on the mediations
    assigned to them; the applicant's side (withdrawal only, by role)."""
    if not can_see_mediation(user, mediation):
        return False
    if user.role is Role.APPLICANT:
        return is_case_member(user, mediation.case)
    if user.role is Role.MEDIATOR:
        return is_assigned_mediator(user, mediation)
    return user.role in (Role.CASEWORKER, Role.SUPERVISOR)


class MediationDoor(Door):
    """How the engine's one door reaches a mediation; its events go to its case's chain."""

    workflow = workflow.MEDIATIONS
    model = Mediation
    not_found = MediationNotFound
    not_found_text = _l("Mediation not found.")
    conflict_text = _l("Someone else changed this mediation meanwhile.")

    def can_see(self, actor, m):
        return can_see_mediation(actor, m)

    def can_act(self, actor, m):
        return can_act_on_mediation(actor, m)

    def beyond_scope(self, actor, m):
        """Within the case centre's subtree, the role's actions; beyond it, the assigned mediator's
        (the ``mediator_assigned`` assignment), and nothing for anyone else."""
        if not actor.is_staff or centre_in_scope(actor, m.case.centre):
            return None
        return frozenset(workflow.MEDIATIONS.actions) if is_assigned_mediator(actor, m) else frozenset()

    def beyond_scope_reason(self, actor, m):
        return _l("Only the mediator assigned acts on this mediation.")

    def now(self):
        return utcnow()

    def facts(self, m, data=None):
        return workflow.MediationFacts(
            case_open=m.case.state.is_open,
            reply_due_on=reply_due_on(m),
            scheduled=[(s.id, s.starts_at) for s in m.sessions if not s.is_held],
            mediator_ok=_mediator_ok(m.case, (data or {}).get("mediator")) if data and "mediator" in data else None,
        )

    def record(self, applied):
        return record_applied(applied)


DOOR = MediationDoor()


def transition(m: Mediation, action: str, actor, *, comment=None, data=None, expected_version=None) -> Mediation:
    """Apply one action of the mediation's rule table through the one door."""
    return engine.transition(DOOR, m, action, actor, comment=comment, data=data, expected_version=expected_version)


def available_actions(m: Mediation, actor):
    return DOOR.available_actions(m, actor)


# ---- mediators -----------------------------------------------------------------------------------------


def mediator_choices(case: Case) -> list[tuple[str, str]]:
    """Active mediators of the case's centre or of a centre above it: (e-mail, name · centre)."""
    from app.centres.models import Centre

    rows = db.session.execute(
        select(User.email, User.name, Centre.name_zh)
        .join(Centre, Centre.id == User.centre_id)
        .where(User.role == Role.MEDIATOR, User.is_active.is_(True), User.centre_id.in_(case.centre.ancestor_ids))
        .order_by(Centre.path.desc(), User.name)
    ).all()
    return [(email, f"{name} · {centre}") for email, name, centre in rows]


def mediator_by_email(email) -> User | None:
    if not isinstance(email, str) or not email.strip() or len(email) > 300:
        return None
    return db.session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()


def _mediator_ok(case: Case, email):
    """True when ``email`` names an active mediator of the case's centre or a centre above; else
    the reason (None when nothing was given)."""
    if email in (None, ""):
        return None
    user = mediator_by_email(email)
    if user is None or user.role is not Role.MEDIATOR or not user.is_active:
        return _l("There is no active mediator with that e-mail address.")
    if user.centre_id not in case.centre.ancestor_ids:
        return _l("The mediator must belong to the case's centre or to a centre above it.")
    return True


# ---- requesting a mediation: the eligibility conditions -------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    reasons: tuple

    @property
    def allowed(self) -> bool:
        return not self.reasons


def mediated_right(case: Case):
    """The right a mediation of ``case`` is about: its first patent, else its first right."""
    rights = list(case.rights)
    return next((r for r in rights if r.type.is_patent), rights[0] if rights else None)


def open_mediation_of(case: Case) -> Mediation | None:
    return db.session.execute(
        select(Mediation).where(Mediation.case_id == case.id, Mediation.state.in_(list(OPEN_STATES)))
    ).scalar_one_or_none()


def eligibility(case: Case, actor, *, for_display: bool = True, confirmed=None, mediations=None) -> Eligibility:
    """Whether ``actor`` may request a fast mediation on ``case`` now, and every reason it is blocked
    (``for_display`` leaves out the confirmation the form asks for). ``mediations``: the case's
    mediations when the caller has just read them all (the case page's panel), else they are asked."""
    reasons = []
    if actor is None or actor.role not in STARTERS:
        return Eligibility((_l("Only caseworkers and supervisors start a mediation."),))
    if not centre_in_scope(actor, case.centre):
        return Eligibility((_l("Only the case's centre or a centre above it starts a mediation."),))
    if case.state not in HANDLING_CASE_STATES:
        reasons.append(_l("The case must be accepted before a mediation starts."))
    if mediated_right(case) is None:
        reasons.append(_l("The case names no right to mediate about."))
    if not any((r.name or "").strip() for r in case.respondents):
        reasons.append(_l("The case names no respondent; mediation needs a named respondent."))
    under_way = any(m.is_open for m in mediations) if mediations is not None else open_mediation_of(case) is not None
    if under_way:
        reasons.append(_l("A mediation of this case is already under way."))
    if not for_display and confirmed is not True:
        reasons.append(
            _l("Confirm that the dispute is not before a court and that no arbitration agreement covers it.")
        )
    return Eligibility(tuple(reasons))


def request_mediation(case: Case, actor, *, mediator=None, scope="damages", requests="", not_in_court=None):
    """Start a fast mediation on ``case`` (state ``requested``), recorded in its chain. Every reason
    it cannot start is given at once; nothing is written then."""
    from app.cases.services import lock_case

    if not can_see_case(actor, case):
        from app.cases.services import CaseNotFound

        raise CaseNotFound(_l("Case not found."))
    case = lock_case(case)
    result = eligibility(case, actor, for_display=False, confirmed=not_in_court)
    reasons = list(result.reasons)
    if actor.role not in STARTERS or not centre_in_scope(actor, case.centre):
        raise ActionRefused(reasons, forbidden=True)
    try:
        scope_value = MediationScope(scope or "damages")
    except ValueError:
        reasons.append(_l("Choose what is to be mediated."))
        scope_value = None
    if requests is not None and not isinstance(requests, str):
        reasons.append(_l("The requests must be text."))
    elif len(requests or "") > workflow.MAX_TEXT:
        reasons.append(_l("The requests are too long (at most %(n)d characters).", n=workflow.MAX_TEXT))
    mediator_user = None
    if mediator not in (None, ""):
        ok = _mediator_ok(case, mediator)
        if ok is not True:
            reasons.append(ok)
        else:
            mediator_user = mediator_by_email(mediator)
    if reasons:
        raise ActionRefused(reasons)
    right = mediated_right(case)
    respondent = next(r for r in case.respondents if (r.name or "").strip())
    m = Mediation(
        case=case,
        case_id=case.id,
        centre_id=case.centre_id,
        state=MediationState.REQUESTED,
        ip_type=right.type,
        right_number=right.number or "",
        scope=scope_value,
        requests=(requests or "").strip(),
        respondent_name=respondent.name,
        mediator_id=mediator_user.id if mediator_user else None,
        created_by_id=actor.id,
        created_at=utcnow(),
        updated_at=utcnow(),
        terms=[],
    )
    db.session.add(m)
    db.session.flush()
    record_event(
        case,
        actor,
        "request_mediation",
        from_state=None,
        to_state=MediationState.REQUESTED,
        comment=m.requests,
        data={"scope": scope_value.value, "mediator": mediator_user.email if mediator_user else None},
        subject_type="mediation",
        subject_id=m.id,
        subject=m,
    )
    from app.cases.feedback import tell_applicants

    tell_applicants(case, "mediation_requested", {}, actor)
    return m


# ---- sessions (what the session actions' effects add; no flush) ----------------------------------------


def add_session(m: Mediation, actor, data: dict, now) -> MediationSession:
    duration = data.get("duration_minutes") or 120
    if isinstance(duration, str):
        duration = int(duration)
    session = MediationSession(
        position=len(m.sessions) + 1,
        starts_at=workflow.parse_datetime(data["starts_at"]),
        duration_minutes=duration,
        place=(data.get("place") or "").strip(),
        online_url=(data.get("online_url") or "").strip(),
        uid=f"{secrets.token_hex(12)}@ipaid",
        sequence=0,
        minutes="",
        created_by_id=actor.id,
        created_at=now,
    )
    m.sessions.append(session)
    return session


def hold_session(m: Mediation, actor, data: dict, now) -> MediationSession:
    chosen = data.get("session")
    session = None
    if chosen not in (None, ""):
        session = next((s for s in m.sessions if str(s.id) == str(chosen) and not s.is_held), None)
    if session is None:  # a session not scheduled beforehand
        held = workflow.parse_datetime(data["held_at"])
        session = MediationSession(
            position=len(m.sessions) + 1,
            starts_at=held,
            uid=f"{secrets.token_hex(12)}@ipaid",
            duration_minutes=120,
            place="",  # held without being scheduled: the pages say so in the reader's language
            online_url="",
            sequence=0,
            minutes="",
            created_by_id=actor.id,
            created_at=now,
        )
        m.sessions.append(session)
    session.held_at = workflow.parse_datetime(data["held_at"])
    session.minutes = data["minutes"].strip()
    session.sequence += 1
    return session


# ---- deadlines: the spans of the mediation's clocks -----------------------------------------------------


def reply_due_on(m: Mediation) -> date | None:
    """The last day of the respondent's reply window (the running or met reply clock's due day)."""
    if m.id is None:
        return None
    due = db.session.execute(
        select(CaseClock.due_at)
        .where(
            CaseClock.subject_type == "mediation",
            CaseClock.subject_id == m.id,
            CaseClock.name == ClockName.REPLY,
        )
        .order_by(CaseClock.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return china_day(due) if due is not None else None


def _reply_span(case, m, now):
    """The respondent's days to answer, counted from the day of service (15 by default)."""
    days = setting_value(case.centre, "mediation_reply_days")
    served = m.served_on or china_day(now)
    left = max(0, days - (china_day(now) - served).days)
    return ClockSpan(left, ClockUnit.CALENDAR_DAYS, m.mediator_id)


def _mediation_span(case, m, now):
    """10 days for a design patent, a month for a utility model or an invention; no fast deadline
    for other rights (DOMAIN.md: the targets are for patents)."""
    if m.ip_type is IPType.DESIGN:
        return ClockSpan(setting_value(case.centre, "mediation_design_days"), ClockUnit.CALENDAR_DAYS, m.mediator_id)
    if m.ip_type in (IPType.UTILITY_MODEL, IPType.INVENTION_PATENT):
        return ClockSpan(setting_value(case.centre, "mediation_utility_model_months"), ClockUnit.MONTHS, m.mediator_id)
    return None


def _confirmation_span(case, m, now):
    return ClockSpan(setting_value(case.centre, "judicial_confirmation_days"), ClockUnit.CALENDAR_DAYS, m.mediator_id)


def _performance_span(case, m, now):
    if m.perform_by is None:
        return None
    return ClockSpan(max(0, (m.perform_by - china_day(now)).days), ClockUnit.CALENDAR_DAYS, m.mediator_id)


register_span(ClockName.REPLY, _reply_span)
register_span(ClockName.MEDIATION, _mediation_span)
register_span(ClockName.CONFIRMATION, _confirmation_span)
register_span(ClockName.PERFORMANCE, _performance_span)


def mediation_clocks(m: Mediation) -> list[CaseClock]:
    return list(
        db.session.execute(
            select(CaseClock)
            .where(CaseClock.subject_type == "mediation", CaseClock.subject_id == m.id)
            .order_by(CaseClock.started_at, CaseClock.id)
        ).scalars()
    )


def deadline_of(m: Mediation, clocks: list[CaseClock] | None = None) -> CaseClock | None:
    """The clock the mediation answers to now: the reply window while awaiting the respondent, the
    fast deadline while mediating or suspended, else the nearest running one. ``clocks``: the
    mediation's clocks in start order, when a list loaded them at once (else they are read)."""
    clocks = mediation_clocks(m) if clocks is None else clocks
    wanted = {
        MediationState.AWAITING_RESPONDENT: ClockName.REPLY,
        MediationState.IN_MEDIATION: ClockName.MEDIATION,
        MediationState.SUSPENDED: ClockName.MEDIATION,
    }.get(m.state)
    if wanted is not None:
        return next((c for c in reversed(clocks) if c.name is wanted), None)
    running = [c for c in clocks if c.is_running and c.due_at is not None]
    return min(running, key=lambda c: c.due_at) if running else None


# ---- the one beyond-scope rule: the mediator assigned sees the case of their mediation -------------------


def _mediator_assigned(user):
    """SQL: the cases with a mediation assigned to ``user`` (a mediator)."""
    from sqlalchemy import false

    if user.role is not Role.MEDIATOR:
        return false()
    return Case.id.in_(select(Mediation.case_id).where(Mediation.mediator_id == user.id))


# On the case itself it opens no action: the mediator acts on the mediation (``MediationDoor``).
register_assignment(Assignment("mediator_assigned", _mediator_assigned, frozenset()))


# ---- a withdrawn case takes its mediation with it ---------------------------------------------------------


def _withdrawn_with_case(sender, applied) -> None:
    """A case withdrawn ends the mediation under way on it (the request falls with the complaint): the
    mediation is withdrawn through its own door, by the same person, for the same reason, in the same
    transaction; if that is refused, the case's withdrawal is refused with it (nothing half done)."""
    if applied.action.name != "withdraw":
        return
    open_ones = db.session.execute(
        select(Mediation).where(Mediation.case_id == applied.subject.id, Mediation.state.in_(list(OPEN_STATES)))
    ).scalars()
    for m in list(open_ones):
        transition(m, "withdraw", applied.actor, comment=applied.comment)


def _connect_case_withdrawal() -> None:
    from app.cases.workflow import CASES

    engine.applied.connect(_withdrawn_with_case, sender=CASES, weak=False)


_connect_case_withdrawal()
