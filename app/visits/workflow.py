"""An on-site visit as a rule table on the engine (``app.core.workflow``).

planned (a supervisor plans which enterprises, who goes, when; ``replan`` changes that) → done
(recorded by a caseworker or supervisor who went or their centre's; an unplanned visit is recorded
as done at once) → closed (when its last follow-up is done; at once when it promised none); a
planned visit may be cancelled instead. On a done or closed visit a problem found becomes a case
(``raise_case``), and each follow-up is marked done (``complete_follow_up``).

Every event is internal: the enterprise sees the visit record, never the visit's chain.
The input of ``record`` and ``replan`` reaches the door already checked and normalised by
``app.visits.services`` (ids and ISO dates); the guards here check again what the rules require,
so the door refuses a bad record whoever calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from app.auth.models import Role
from app.core.workdays import china_day
from app.core.workflow import Action, Workflow, guard
from app.visits.enums import VisitState

S = VisitState
STAFF = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
SUPERVISORS = frozenset({Role.SUPERVISOR})
#: How far ahead a follow-up may be due (the clock counts at most 731 calendar days).
MAX_FOLLOW_UP_DAYS = 730


@dataclass
class VisitFacts:
    """What the guards read beside the visit: its follow-ups not yet done (ids), and its problems
    by position: ``(raised, ip_type value or None, right number)``."""

    open_follow_ups: tuple = ()
    problems: dict | None = None


def today(ctx) -> date:
    return china_day(ctx.now) if ctx.now is not None else date.today()


def parse_day(value) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _data(ctx) -> dict:
    return ctx.data or {}


# ---- guards -------------------------------------------------------------------------------------------------


def record_problems(data: dict, today_: date) -> list:
    """Why a visit record (normalised input) cannot be kept: the rules of DOMAIN.md ("On-site
    visits") that need no database. Shared by the guard and the service."""
    reasons = []
    day = parse_day(data.get("visited_on"))
    if day is None:
        reasons.append(_l("Give the date of the visit."))
    elif day > today_:
        reasons.append(_l("A visit recorded as done cannot be dated in the future."))
    if not data.get("staff"):
        reasons.append(_l("Name at least one member of staff who went."))
    if not data.get("enterprises"):
        reasons.append(_l("Name at least one enterprise visited."))
    for item in data.get("follow_ups") or ():
        if not item.get("owner_id"):
            reasons.append(_l("Every follow-up needs an owner."))
            break
        due = parse_day(item.get("due_on"))
        if due is None:
            reasons.append(_l("Every follow-up needs a due date."))
            break
        if day is not None and due < day:
            reasons.append(_l("A follow-up cannot be due before the visit."))
            break
        if day is not None and due > day + timedelta(days=MAX_FOLLOW_UP_DAYS):
            reasons.append(_l("A follow-up is due within two years of the visit."))
            break
    return reasons


@guard(
    _l("the record gives a date not in the future, the staff who went and the enterprises visited"), needs_input=True
)
def record_complete(v, actor, ctx):
    reasons = record_problems(_data(ctx), today(ctx))
    return reasons[0] if reasons else None


@guard(_l("the plan gives a date, the staff who go and the enterprises to visit"), needs_input=True)
def plan_complete(v, actor, ctx):
    data = _data(ctx)
    if parse_day(data.get("planned_on")) is None:
        return _l("Give the date the visit is planned for.")
    if not data.get("staff"):
        return _l("Name at least one member of staff who goes.")
    if not data.get("enterprises"):
        return _l("Name at least one enterprise to visit.")
    return None


@guard(_l("the follow-up named is one of the visit's, not yet done"), needs_input=True)
def follow_up_open(v, actor, ctx):
    wanted = _data(ctx).get("follow_up")
    open_ids = ctx.facts.open_follow_ups if ctx.facts is not None else tuple(f.id for f in v.open_follow_ups)
    if wanted not in open_ids:
        return _l("This follow-up is already done, or it is not one of this visit's.")
    return None


@guard(_l("every follow-up is done"))
def follow_ups_done(v, actor, ctx):
    open_ids = ctx.facts.open_follow_ups if ctx.facts is not None else tuple(f.id for f in v.open_follow_ups)
    if open_ids:
        return _l("Some follow-ups of this visit are not done yet.")
    return None


@guard(_l("the problem named has not become a case yet, and names its right"), needs_input=True)
def problem_raisable(v, actor, ctx):
    problems = ctx.facts.problems if ctx.facts is not None and ctx.facts.problems is not None else None
    if problems is None:
        problems = {
            p.position: (p.case_id is not None, p.ip_type.value if p.ip_type else None, p.right_number)
            for p in v.problems
        }
    position = _data(ctx).get("problem")
    if not isinstance(position, int) or isinstance(position, bool) or position not in problems:
        return _l("Choose a problem of this visit.")
    raised, ip_type, number = problems[position]
    if raised:
        return _l("This problem has already become a case.")
    if ip_type is None:
        return _l("Say which type of right the problem concerns before raising a case.")
    if ip_type in ("invention_patent", "utility_model", "design") and not number:
        return _l("Give the patent's number before raising a case.")
    return None


# ---- effects (they call the services, which own the visit's rows) -------------------------------------------


def _recorded(a):
    from app.visits.services import apply_record

    return apply_record(a.subject, a.data, a.actor, a.now)


def _replanned(a):
    from app.visits.services import apply_plan

    return apply_plan(a.subject, a.data)


def _cancelled(a):
    a.subject.cancel_reason = a.comment
    return None


def _follow_up_done(a):
    from app.visits.services import apply_follow_up_done

    return apply_follow_up_done(a)


def _closed(a):
    a.subject.closed_at = a.now
    return None


def _case_raised(a):
    from app.visits.services import apply_raise_case

    return apply_raise_case(a)


# ---- the rule table --------------------------------------------------------------------------------------------

ACTIONS = (
    Action(
        "record",
        frozenset({S.PLANNED}),
        S.DONE,
        STAFF,
        _l("Record the visit"),
        guards=(record_complete,),
        effects=_recorded,
        visible_to_applicant=False,
        style="success",
    ),
    Action(
        "replan",
        frozenset({S.PLANNED}),
        None,
        SUPERVISORS,
        _l("Change the plan"),
        guards=(plan_complete,),
        effects=_replanned,
        visible_to_applicant=False,
        style="secondary",
    ),
    Action(
        "cancel",
        frozenset({S.PLANNED}),
        S.CANCELLED,
        SUPERVISORS,
        _l("Cancel the visit"),
        effects=_cancelled,
        visible_to_applicant=False,
        comment_required=True,
        comment_label=_l("Why the visit is cancelled"),
        style="danger",
        confirm=_l("Cancel this planned visit?"),
    ),
    Action(
        "complete_follow_up",
        frozenset({S.DONE}),
        None,
        STAFF,
        _l("Mark the follow-up done"),
        guards=(follow_up_open,),
        effects=_follow_up_done,
        visible_to_applicant=False,
        comment_shown=True,
        comment_label=_l("What was done"),
        style="success",
    ),
    Action(
        "close",
        frozenset({S.DONE}),
        S.CLOSED,
        STAFF,
        _l("Close the visit"),
        guards=(follow_ups_done,),
        effects=_closed,
        visible_to_applicant=False,
        quiet_when_blocked=True,
        style="secondary",
    ),
    Action(
        "raise_case",
        frozenset({S.DONE, S.CLOSED}),
        None,
        STAFF,
        _l("Raise a case from the problem"),
        guards=(problem_raisable,),
        effects=_case_raised,
        visible_to_applicant=False,
        style="primary",
    ),
)


def _wrong_state(state):
    return _l("Not possible while the visit is “%(state)s”.", state=state.label)


VISITS = Workflow(
    "visit",
    list(S),
    ACTIONS,
    S.PLANNED,
    label=_l("On-site visit"),
    facts=VisitFacts,
    wrong_state=_wrong_state,
)
