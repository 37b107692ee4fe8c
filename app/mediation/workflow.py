"""The fast mediation as a rule table on the engine (``app.core.workflow``).

request → the respondent is served and has 15 days to answer → agrees: the mediation opens and
its deadline runs (10 days for a design patent, a month for a utility model or an invention;
paused while suspended) | refuses → sessions → agreement | failure | withdrawal; after an
agreement, its performance and the 30 days for judicial confirmation are followed.

Guards and declarations are pure (no request, no database); the input readers turn what a form
sends into the values the guards judge, and the service (``app.mediation.services``) applies an
action through the one door.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from app.auth.models import Role
from app.cases.enums import DocumentKind
from app.cases.feedback import to_applicant
from app.core.money import fen_from_text
from app.core.workdays import CHINA, china_day
from app.core.workflow import MEET_ALL, STOP_ALL, Action, Input, Workflow, guard, meet, pause, resume, start
from app.mediation.enums import OPEN_STATES, MediationState, NextRoute, ServiceMethod

S = MediationState
MEDIATORS = frozenset({Role.MEDIATOR, Role.SUPERVISOR})
STAFF = frozenset({Role.CASEWORKER, Role.MEDIATOR, Role.SUPERVISOR})
EVERYONE = STAFF | {Role.APPLICANT}
AGREED_STATES = frozenset({S.AGREED, S.PERFORMED, S.UNPERFORMED})
ENDED_WITHOUT_AGREEMENT = frozenset({S.FAILED, S.REFUSED})

MAX_TEXT = 5000
MAX_TERMS = 30
MAX_AMOUNT_FEN = 10**13  # a hundred billion yuan: anything above is a typing error
# Terms a court will not confirm (SPC interpretation of the Civil Procedure Law art. 355): the validity or
# the ownership of the patent is never a term of a mediation agreement.
FORBIDDEN_TERMS = re.compile(
    r"(专利权?(无效|有效|归属|所有)|宣告.{0,6}无效|(有效性|归属).{0,4}专利|"
    r"patent\s+(is|be|shall\s+be|was)\s+(valid|invalid|void)|validity\s+of\s+the\s+patent|"
    r"invalidat\w*\s+(of\s+)?the\s+patent|ownership\s+of\s+the\s+patent|patent\s+(belongs|shall\s+belong))",
    re.IGNORECASE,
)


@dataclass
class MediationFacts:
    """What the guards read beside the mediation: whether its case is still open, the reply window's
    due day, the sessions scheduled and not yet held (id, start), and whether a judicial
    confirmation is on record."""

    case_open: bool = True
    reply_due_on: date | None = None
    scheduled: list = field(default_factory=list)
    mediator_ok: Any = None


# ---- reading input: what a form sends, as the values the guards judge ------------------------------------


def _text(form, name, limit=MAX_TEXT):
    return (form.get(name) or "")[: limit + 1]


def _terms_from_form(form):
    raw = form.get("terms") or ""
    return [line.strip() for line in raw.splitlines() if line.strip()][: MAX_TERMS + 1]


def _amount_from_form(form):
    """Yuan as typed (``15000``, ``15,000.50``) → fen; what is not a number stays as typed for the guard.
    The page's field carries the input's name (``amount_fen``), though what is typed there is yuan."""
    return fen_from_text(form.get("amount_fen") or form.get("amount") or "")


def parse_date(value) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def parse_datetime(value) -> datetime | None:
    """An ISO time; one without an offset (a page's ``datetime-local``) is China time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and 10 < len(value.strip()) <= 40:
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    if not 2000 <= moment.year <= 2100:
        return None
    return moment


def today(ctx) -> date:
    return china_day(ctx.now) if ctx.now is not None else date.today()


def _data(ctx) -> dict:
    return ctx.data or {}


# ---- guards: (mediation, actor, ctx) -> reason | None; never any side effect -------------------------------


@guard(_l("its case is still open"))
def case_open(m, actor, ctx):
    if ctx.facts is not None and not ctx.facts.case_open:
        return _l("The case is no longer open.")
    return None


@guard(_l("the date of service is given, not in the future"), needs_input=True)
def served_on_given(m, actor, ctx):
    day = parse_date(_data(ctx).get("served_on"))
    if day is None:
        return _l("Give the date the respondent was served (YYYY-MM-DD).")
    if day > today(ctx):
        return _l("The respondent cannot have been served on a day still to come.")
    if day < china_day(m.created_at) - timedelta(days=1):
        return _l("The respondent cannot have been served before the mediation was requested.")
    return None


@guard(_l("how the respondent was served is chosen"), needs_input=True)
def method_given(m, actor, ctx):
    value = _data(ctx).get("method")
    if not isinstance(value, str) or value not in {x.value for x in ServiceMethod}:
        return _l("Choose how the respondent was served.")
    return None


@guard(_l("the day the answer arrived is not in the future"), needs_input=True)
def received_on_valid(m, actor, ctx):
    raw = _data(ctx).get("received_on")
    if raw in (None, ""):
        return None
    day = parse_date(raw)
    if day is None:
        return _l("Give the day the answer arrived (YYYY-MM-DD).")
    if day > today(ctx):
        return _l("An answer cannot arrive on a day still to come.")
    if m.served_on is not None and day < m.served_on:
        return _l("The answer cannot arrive before the respondent was served.")
    return None


@guard(_l("a session is scheduled for a time to come, at a place or online"), needs_input=True)
def session_valid(m, actor, ctx):
    data = _data(ctx)
    reasons = []
    starts = parse_datetime(data.get("starts_at"))
    if starts is None:
        reasons.append(str(_l("Give the date and time the session starts.")))
    elif ctx.now is not None and starts <= ctx.now:
        reasons.append(str(_l("A session scheduled now must start in the future; record a past one as held.")))
    place = data.get("place") or ""
    url = data.get("online_url") or ""
    if not isinstance(place, str) or not isinstance(url, str):
        reasons.append(str(_l("The place and the link must be text.")))
    elif not place.strip() and not url.strip():
        reasons.append(str(_l("Give the place of the session or its online link.")))
    elif len(place) > 300 or len(url) > 500:
        reasons.append(str(_l("The place or the link is too long.")))
    elif url.strip() and not _safe_url(url.strip()):
        reasons.append(str(_l("The online link must be a web address starting with https://.")))
    duration = data.get("duration_minutes", 120)
    if duration in (None, ""):
        duration = 120
    if isinstance(duration, str) and duration.isdecimal():
        duration = int(duration)
    if isinstance(duration, bool) or not isinstance(duration, int) or not 15 <= duration <= 720:
        reasons.append(str(_l("A session lasts from 15 minutes to 12 hours.")))
    return " ".join(reasons) or None


def _safe_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("https", "http") and bool(parts.netloc) and not any(c in url for c in '\r\n\t <>"')


@guard(_l("when the session was held (not in the future) and what happened are written"), needs_input=True)
def held_session_valid(m, actor, ctx):
    data = _data(ctx)
    reasons = []
    held = parse_datetime(data.get("held_at"))
    if held is None:
        reasons.append(str(_l("Give the date and time the session was held.")))
    elif ctx.now is not None and held > ctx.now + timedelta(minutes=5):
        reasons.append(str(_l("A session cannot be recorded as held at a time still to come.")))
    minutes = data.get("minutes")
    if not isinstance(minutes, str) or not minutes.strip():
        reasons.append(str(_l("Write what happened at the session.")))
    elif len(minutes) > MAX_TEXT:
        reasons.append(str(_l("The minutes are too long (at most %(n)d characters).", n=MAX_TEXT)))
    session_id = data.get("session")
    if session_id not in (None, ""):
        known = {str(s[0]) for s in (ctx.facts.scheduled if ctx.facts else [])}
        if str(session_id) not in known:
            reasons.append(str(_l("Choose one of the sessions scheduled and not yet held.")))
    return " ".join(reasons) or None


def agreement_problems(data: dict, now, today_: date) -> list:
    """Every reason an agreement cannot be recorded as given (empty when it can)."""
    reasons = []
    terms = data.get("terms")
    if isinstance(terms, str):
        terms = [t.strip() for t in terms.splitlines() if t.strip()]
    if not isinstance(terms, list) or not terms or not all(isinstance(t, str) and t.strip() for t in terms):
        reasons.append(_l("Write the terms agreed, one per line."))
    elif len(terms) > MAX_TERMS or any(len(t) > 2000 for t in terms):
        reasons.append(_l("Give at most %(n)d terms of at most 2,000 characters each.", n=MAX_TERMS))
    elif any(FORBIDDEN_TERMS.search(t) for t in terms):
        reasons.append(
            _l(
                "The validity or ownership of the patent cannot be a term of a mediation agreement: "
                "courts do not confirm such terms. Leave it to CNIPA or a court."
            )
        )
    amount = data.get("amount_fen")
    if amount is not None and amount != "":
        if isinstance(amount, bool) or not isinstance(amount, int):
            reasons.append(_l("The amount must be a sum in yuan, with at most two decimals."))
        elif amount < 0:
            reasons.append(_l("The amount cannot be negative."))
        elif amount > MAX_AMOUNT_FEN:
            reasons.append(_l("The amount is too large."))
    perform_by = parse_date(data.get("perform_by"))
    if perform_by is None:
        reasons.append(_l("Give the date by which the agreement is performed (YYYY-MM-DD)."))
    elif perform_by < today_:
        reasons.append(_l("The agreement cannot be performed by a day already past."))
    elif perform_by > today_ + timedelta(days=730):
        reasons.append(_l("Give a performance date within two years."))
    for name, label in (
        ("facts", _l("the main facts")),
        ("disputed_issues", _l("the disputed issues")),
        ("liability", _l("each party's liability")),
        ("performance_method", _l("how it is performed")),
        ("costs_borne_by", _l("who bears the costs")),
    ):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            reasons.append(_l("Write %(what)s.", what=label))
        elif len(value) > MAX_TEXT:
            reasons.append(_l("%(what)s is too long (at most %(n)d characters).", what=label, n=MAX_TEXT))
    return reasons


@guard(
    _l("the agreement's terms, amount, performance and costs are given (no term on validity or ownership)"),
    needs_input=True,
)
def agreement_valid(m, actor, ctx):
    reasons = agreement_problems(_data(ctx), ctx.now, today(ctx))
    return " ".join(str(r) for r in reasons) or None


@guard(_l("the day of performance is not in the future"), needs_input=True)
def performed_on_valid(m, actor, ctx):
    raw = _data(ctx).get("performed_on")
    if raw in (None, ""):
        return None
    day = parse_date(raw)
    if day is None:
        return _l("Give the day the agreement was performed (YYYY-MM-DD).")
    if day > today(ctx):
        return _l("The agreement cannot have been performed on a day still to come.")
    return None


@guard(_l("no judicial confirmation is recorded yet"))
def not_confirmed_yet(m, actor, ctx):
    return _l("The judicial confirmation is already recorded.") if m.confirmed_on is not None else None


@guard(_l("the court, the date and the ruling number are given"), needs_input=True)
def confirmation_valid(m, actor, ctx):
    data = _data(ctx)
    reasons = []
    court = data.get("court")
    if not isinstance(court, str) or not court.strip():
        reasons.append(str(_l("Name the court.")))
    elif len(court) > 200:
        reasons.append(str(_l("The court's name is too long.")))
    day = parse_date(data.get("confirmed_on"))
    if day is None:
        reasons.append(str(_l("Give the date of the ruling (YYYY-MM-DD).")))
    elif day > today(ctx):
        reasons.append(str(_l("The ruling cannot be dated in the future.")))
    elif m.agreed_at is not None and day < china_day(m.agreed_at):
        reasons.append(str(_l("The ruling cannot come before the agreement.")))
    number = data.get("ruling_number")
    if not isinstance(number, str) or not number.strip():
        reasons.append(str(_l("Give the ruling's number.")))
    elif len(number) > 100:
        reasons.append(str(_l("The ruling's number is too long.")))
    return " ".join(reasons) or None


@guard(_l("a next route is chosen"), needs_input=True)
def route_given(m, actor, ctx):
    route = _data(ctx).get("route")
    if not isinstance(route, str) or route not in {r.value for r in NextRoute}:
        return _l("Choose the route the parties were advised to take.")
    return None


@guard(_l("a mediator of the centre or of a centre above is chosen"), needs_input=True)
def mediator_eligible(m, actor, ctx):
    ok = ctx.facts.mediator_ok if ctx.facts is not None else None
    if ok is None:
        return _l("Choose a mediator.")
    if ok is not True:
        return ok
    return None


# ---- effects: (applied) -> the data kept in the event; they set the mediation's fields ------------------


def _served(a):
    m, data = a.subject, a.data
    m.served_on = parse_date(data["served_on"])
    m.served_method = ServiceMethod(data["method"])
    return {"served_on": m.served_on.isoformat(), "method": m.served_method.value}


def _answered(a):
    m = a.subject
    received = parse_date(a.data.get("received_on")) or china_day(a.now)
    m.reply_received_on = received
    due = a.facts.reply_due_on if a.facts is not None else None
    m.reply_is_late = bool(due is not None and received > due)
    if a.action.name == "respondent_agrees":
        m.opened_at = a.now
    else:
        m.ended_at = a.now
    return {"received_on": received.isoformat(), "late": m.reply_is_late}


def _scheduled(a):
    from app.mediation.services import add_session

    session = add_session(a.subject, a.actor, a.data, a.now)
    return {
        "starts_at": session.starts_at.isoformat(),
        "place": session.place,
        "online_url": session.online_url,
        "position": session.position,
    }


def _held(a):
    from app.mediation.services import hold_session

    session = hold_session(a.subject, a.actor, a.data, a.now)
    return {"held_at": session.held_at.isoformat(), "position": session.position}


def _agreed(a):
    m, data = a.subject, a.data
    terms = data["terms"]
    if isinstance(terms, str):
        terms = [t.strip() for t in terms.splitlines() if t.strip()]
    m.terms = [t.strip() for t in terms]
    m.amount_fen = data.get("amount_fen") if data.get("amount_fen") not in ("", None) else None
    m.perform_by = parse_date(data["perform_by"])
    for name in ("facts", "disputed_issues", "liability", "performance_method", "costs_borne_by"):
        setattr(m, name, data[name].strip())
    m.agreed_at = m.ended_at = a.now
    return {"amount_fen": m.amount_fen, "perform_by": m.perform_by.isoformat(), "terms": len(m.terms)}


def _ended(a):
    a.subject.ended_at = a.now
    return None


def _performed(a):
    m = a.subject
    m.performed_on = parse_date(a.data.get("performed_on")) or china_day(a.now)
    return {"performed_on": m.performed_on.isoformat()}


def _confirmed(a):
    m, data = a.subject, a.data
    m.court = data["court"].strip()
    m.confirmed_on = parse_date(data["confirmed_on"])
    m.ruling_number = data["ruling_number"].strip()
    return {"court": m.court, "confirmed_on": m.confirmed_on.isoformat(), "ruling_number": m.ruling_number}


def _routed(a):
    a.subject.next_route = NextRoute(a.data["route"])
    return {"route": a.subject.next_route.value}


def _assigned(a):
    from app.clocks.services import hand_over
    from app.mediation.services import mediator_by_email

    user = mediator_by_email(a.data.get("mediator"))
    a.subject.mediator_id = user.id
    hand_over("mediation", a.subject.id, user.id)  # its running deadlines are the new mediator's
    return {"mediator": user.email}


# ---- input ---------------------------------------------------------------------------------------------------


def _date_input(name, label, *, required=True, help=None):
    return Input(
        name,
        label,
        {"type": "string", "format": "date", "description": f"{name} (YYYY-MM-DD)"},
        "date",
        lambda form: (form.get(name) or "")[:20],
        required=required,
        help=help,
    )


def _text_input(name, label, *, widget="text", limit=MAX_TEXT, required=True, description=None):
    schema = {"type": "string", "maxLength": limit}
    if description:
        schema["description"] = description
    return Input(name, label, schema, widget, lambda form: _text(form, name, limit), required=required)


SERVED_ON = _date_input("served_on", _l("Served on"))
SERVICE_METHOD = Input(
    "method",
    _l("How the respondent was served"),
    {"type": "string", "enum": [x.value for x in ServiceMethod]},
    "select",
    lambda form: form.get("method", ""),
    choices=lambda m, actor: [(x.value, x.label) for x in ServiceMethod],
)
RECEIVED_ON = _date_input(
    "received_on",
    _l("The answer arrived on"),
    required=False,
    help=lambda m, actor, choices: _l("Today when left empty. An answer after the 15 days is recorded, marked late."),
)
STARTS_AT = Input(
    "starts_at",
    _l("Starts at"),
    {"type": "string", "format": "date-time", "description": "When the session starts (ISO 8601)."},
    "datetime",
    lambda form: (form.get("starts_at") or "")[:40],
)
DURATION = Input(
    "duration_minutes",
    _l("Length in minutes"),
    {"type": "integer", "minimum": 15, "maximum": 720, "default": 120},
    "number",
    lambda form: (form.get("duration_minutes") or "")[:6],
    required=False,
)
PLACE = _text_input("place", _l("Place"), limit=300, required=False)
ONLINE_URL = _text_input("online_url", _l("Online link"), widget="url", limit=500, required=False)
SESSION = Input(
    "session",
    _l("Session"),
    {"type": "integer", "description": "The id of the scheduled session held (none: a session not scheduled)."},
    "select",
    lambda form: (form.get("session") or "")[:12],
    choices=lambda m, actor: [
        (str(s.id), s.starts_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")) for s in m.sessions if not s.is_held
    ],
    required=False,
)
HELD_AT = Input(
    "held_at",
    _l("Held at"),
    {"type": "string", "format": "date-time", "description": "When the session was held (ISO 8601)."},
    "datetime",
    lambda form: (form.get("held_at") or "")[:40],
)
MINUTES = _text_input("minutes", _l("What happened"), widget="textarea")
AGREEMENT_INPUTS = (
    _text_input("facts", _l("Main facts"), widget="textarea"),
    _text_input("disputed_issues", _l("Disputed issues"), widget="textarea"),
    _text_input("liability", _l("Each party's liability"), widget="textarea"),
    Input(
        "terms",
        _l("Terms agreed (one per line)"),
        {"type": "array", "items": {"type": "string", "maxLength": 2000}, "minItems": 1, "maxItems": MAX_TERMS},
        "lines",
        _terms_from_form,
    ),
    Input(
        "amount_fen",
        _l("Amount (yuan)"),
        {"type": ["integer", "null"], "minimum": 0, "description": "The sum agreed, in fen."},
        "money",
        _amount_from_form,
        required=False,
    ),
    _date_input("perform_by", _l("Performed by")),
    _text_input("performance_method", _l("How it is performed"), widget="textarea"),
    _text_input("costs_borne_by", _l("Who bears the costs"), widget="textarea"),
)
PERFORMED_ON = _date_input("performed_on", _l("Performed on"), required=False)
CONFIRMATION_INPUTS = (
    _text_input("court", _l("Court"), limit=200),
    _date_input("confirmed_on", _l("Date of the ruling")),
    _text_input("ruling_number", _l("Ruling number"), limit=100),
)
ROUTE = Input(
    "route",
    _l("Next route"),
    {"type": "string", "enum": [r.value for r in NextRoute]},
    "select",
    lambda form: form.get("route", ""),
    choices=lambda m, actor: [(r.value, r.label) for r in NextRoute],
)


def _mediator_choices(m, actor):
    from app.mediation.services import mediator_choices

    return mediator_choices(m.case)


MEDIATOR = Input(
    "mediator",
    _l("Mediator"),
    {"type": "string", "description": "The e-mail of a mediator of the case's centre or of a centre above."},
    "select",
    lambda form: (form.get("mediator") or "")[:300],
    choices=_mediator_choices,
)


def _session_params(a):
    return {
        "starts_at": a.recorded.get("starts_at", ""),
        "place": a.recorded.get("place") or a.recorded.get("online_url", ""),
    }


# ---- the rule table --------------------------------------------------------------------------------------------

ACTIONS = (
    Action(
        "assign_mediator",
        frozenset(OPEN_STATES),
        None,
        frozenset({Role.CASEWORKER, Role.SUPERVISOR}),
        _l("Assign the mediator"),
        guards=(case_open, mediator_eligible),
        inputs=(MEDIATOR,),
        effects=_assigned,
        visible_to_applicant=False,
        style="secondary",
    ),
    Action(
        "serve_respondent",
        frozenset({S.REQUESTED}),
        S.AWAITING_RESPONDENT,
        STAFF,
        _l("Record service on the respondent"),
        guards=(case_open, served_on_given, method_given),
        inputs=(SERVED_ON, SERVICE_METHOD),
        effects=_served,
        clocks=(start("reply"),),
        notifies=(to_applicant("mediation_served"),),
    ),
    Action(
        "respondent_agrees",
        frozenset({S.AWAITING_RESPONDENT}),
        S.IN_MEDIATION,
        STAFF,
        _l("The respondent agrees to mediate"),
        guards=(case_open, received_on_valid),
        inputs=(RECEIVED_ON,),
        effects=_answered,
        clocks=(meet("reply"), start("mediation")),
        notifies=(to_applicant("mediation_opened"),),
        comment_shown=True,
        comment_label=_l("The respondent's statement, in short"),
    ),
    Action(
        "respondent_refuses",
        frozenset({S.AWAITING_RESPONDENT}),
        S.REFUSED,
        STAFF,
        _l("The respondent refuses or stays silent"),
        guards=(case_open, received_on_valid),
        inputs=(RECEIVED_ON,),
        effects=_answered,
        clocks=(MEET_ALL,),
        notifies=(to_applicant("mediation_refused"),),
        comment_required=True,
        comment_label=_l("What the respondent said, or that they did not answer"),
        style="warning",
    ),
    Action(
        "schedule_session",
        frozenset({S.IN_MEDIATION}),
        None,
        MEDIATORS,
        _l("Schedule a session"),
        guards=(case_open, session_valid),
        inputs=(STARTS_AT, DURATION, PLACE, ONLINE_URL),
        effects=_scheduled,
        notifies=(to_applicant("mediation_session", params=_session_params),),
    ),
    Action(
        "record_session",
        frozenset({S.IN_MEDIATION}),
        None,
        MEDIATORS,
        _l("Record a session held"),
        guards=(case_open, held_session_valid),
        inputs=(SESSION, HELD_AT, MINUTES),
        effects=_held,
        visible_to_applicant=False,
        style="secondary",
    ),
    Action(
        "suspend",
        frozenset({S.IN_MEDIATION}),
        S.SUSPENDED,
        MEDIATORS,
        _l("Suspend (invalidation request before CNIPA)"),
        guards=(case_open,),
        clocks=(pause("mediation"),),
        notifies=(to_applicant("mediation_suspended"),),
        comment_required=True,
        comment_label=_l("Why the mediation is suspended"),
        style="secondary",
    ),
    Action(
        "resume",
        frozenset({S.SUSPENDED}),
        S.IN_MEDIATION,
        MEDIATORS,
        _l("Resume the mediation"),
        guards=(case_open,),
        clocks=(resume("mediation"),),
        notifies=(to_applicant("mediation_resumed"),),
        comment_required=True,
        comment_label=_l("Why it resumes (e.g. CNIPA's decision)"),
    ),
    Action(
        "record_agreement",
        frozenset({S.IN_MEDIATION}),
        S.AGREED,
        MEDIATORS,
        _l("Record the agreement"),
        guards=(case_open, agreement_valid),
        inputs=AGREEMENT_INPUTS,
        effects=_agreed,
        clocks=(meet("mediation"), start("confirmation"), start("performance")),
        issues=DocumentKind.MEDIATION_AGREEMENT,
        notifies=(to_applicant("mediation_agreed"),),
        style="success",
    ),
    Action(
        "record_failure",
        frozenset({S.IN_MEDIATION, S.SUSPENDED}),
        S.FAILED,
        MEDIATORS,
        _l("End without agreement"),
        guards=(case_open,),
        effects=_ended,
        clocks=(MEET_ALL,),
        issues=DocumentKind.MEDIATION_TERMINATION,
        notifies=(to_applicant("mediation_failed"),),
        comment_required=True,
        comment_label=_l("Why the mediation ends"),
        style="danger",
        confirm=_l("End the mediation without agreement? A termination notice is issued to the parties."),
    ),
    Action(
        "withdraw",
        frozenset(OPEN_STATES),
        S.WITHDRAWN,
        EVERYONE,
        _l("Withdraw the mediation request"),
        effects=_ended,
        clocks=(STOP_ALL,),
        notifies=(to_applicant("mediation_withdrawn"),),
        comment_required=True,
        comment_label=_l("Why the request is withdrawn"),
        style="danger",
        confirm=_l("Withdraw the mediation request? This cannot be undone."),
    ),
    Action(
        "record_performance",
        frozenset({S.AGREED}),
        S.PERFORMED,
        STAFF,
        _l("Record that the agreement was performed"),
        guards=(performed_on_valid,),
        inputs=(PERFORMED_ON,),
        effects=_performed,
        clocks=(meet("performance"),),
        notifies=(to_applicant("mediation_performed"),),
        style="success",
    ),
    Action(
        "record_non_performance",
        frozenset({S.AGREED}),
        S.UNPERFORMED,
        STAFF,
        _l("Record that the agreement was not performed"),
        clocks=(meet("performance"),),
        notifies=(to_applicant("mediation_unperformed"),),
        comment_required=True,
        comment_label=_l("What was not performed, and the advice given"),
        style="warning",
    ),
    Action(
        "record_judicial_confirmation",
        frozenset(AGREED_STATES),
        None,
        STAFF,
        _l("Record the judicial confirmation"),
        guards=(not_confirmed_yet, confirmation_valid),
        inputs=CONFIRMATION_INPUTS,
        effects=_confirmed,
        clocks=(meet("confirmation"),),
        notifies=(to_applicant("mediation_confirmed"),),
    ),
    Action(
        "advise_next_route",
        frozenset(ENDED_WITHOUT_AGREEMENT),
        None,
        STAFF,
        _l("Advise the next route"),
        guards=(route_given,),
        inputs=(ROUTE,),
        effects=_routed,
        notifies=(to_applicant("mediation_next_route", lambda a: {"route": a.recorded["route"]}),),
        comment_shown=True,
    ),
)


def _wrong_state(state):
    return _l("Not possible while the mediation is “%(state)s”.", state=state.label)


MEDIATIONS = Workflow(
    "mediation",
    list(S),
    ACTIONS,
    S.REQUESTED,
    label=_l("Fast mediation"),
    facts=MediationFacts,
    wrong_state=_wrong_state,
)
