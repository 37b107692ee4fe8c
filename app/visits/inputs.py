"""Checking the input of a visit's plan or record before anything is written: every rule of DOMAIN.md
("On-site visits") that the form, the API and the services share, each refusal a ``ServiceError``
naming the form field (``visited_on``, ``staff``, ``follow_ups-0-due_on``…). Returns normalised data
(ids and ISO dates) for the door.

Who may be picked: staff (caseworkers and supervisors, active) of the visit's centre or of a centre
above it (they all see the visit); enterprises served by the visit's centre or a centre below it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.cases.enums import IPType
from app.centres.models import Centre
from app.core.errors import ServiceError
from app.core.identifiers import IdentifierError, normalise_credit_code, normalise_right_number
from app.core.permissions import centre_in_scope
from app.enterprises.models import Enterprise
from app.extensions import db
from app.visits import workflow
from app.visits.enums import Topic
from app.visits.models import MAX_TEXT

STAFF_ROLES = workflow.STAFF
MAX_ITEMS = 50  # staff, enterprises, problems or follow-ups of one visit


def may_go(user: User, centre: Centre) -> bool:
    """Whether ``user`` may be named as staff of (or owner of a follow-up of) a visit of ``centre``."""
    return (
        user is not None
        and user.is_active
        and user.role in STAFF_ROLES
        and user.centre_id is not None
        and user.centre_id in centre.ancestor_ids
    )


def may_be_visited(enterprise: Enterprise, centre: Centre) -> bool:
    return enterprise is not None and enterprise.centre is not None and enterprise.centre.path.startswith(centre.path)


def text_of(value, limit: int, field: str, *, required_message=None) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ServiceError(_l("Enter text here."), field=field)
    text = value.strip()
    if len(text) > limit:
        raise ServiceError(_l("Use at most %(max)d characters.", max=limit), field=field)
    if required_message is not None and not text:
        raise ServiceError(required_message, field=field)
    return text


def _day(value, field: str, message) -> date:
    day = workflow.parse_day(value) if not isinstance(value, datetime) else None
    if day is None or not 2000 <= day.year <= 2100:
        raise ServiceError(message, field=field)
    return day


def _items(value, field: str, message) -> list:
    if value is None:
        return []
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise ServiceError(message, field=field)
    items = list(value)
    if len(items) > MAX_ITEMS:
        raise ServiceError(_l("Give at most %(n)d.", n=MAX_ITEMS), field=field)
    return items


def _user(value) -> User | None:
    if isinstance(value, User):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
        return db.session.get(User, value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        return db.session.get(User, int(value.strip()))
    return None


def _is_id(value: str) -> bool:
    """An enterprise's id as a form sends it: a short number (a credit code, 18 characters, may be
    all digits too)."""
    return value.strip().isdigit() and len(value.strip()) < 10


def _enterprise(value) -> Enterprise | None:
    if isinstance(value, Enterprise):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
        return db.session.get(Enterprise, value)
    if isinstance(value, str) and _is_id(value):
        return db.session.get(Enterprise, int(value.strip()))
    return None


def _staff(raw, centre: Centre, field: str = "staff", *, going: bool = False) -> list[int]:
    empty = (
        _l("Name at least one member of staff who goes.")
        if going
        else _l("Name at least one member of staff who went.")
    )
    ids = []
    for value in _items(raw, field, empty):
        user = _user(value)
        if user is None or not may_go(user, centre):
            raise ServiceError(
                _l("Choose caseworkers or supervisors of the visit's centre or of a centre above it."), field=field
            )
        if user.id not in ids:
            ids.append(user.id)
    if not ids:
        raise ServiceError(empty, field=field)
    return ids


def _enterprises(raw, centre: Centre, field: str = "enterprises") -> list[Enterprise]:
    out = []
    for value in _items(raw, field, _l("Name at least one enterprise.")):
        firm = _enterprise(value)
        if firm is None or not may_be_visited(firm, centre):
            raise ServiceError(_l("Choose enterprises served by the visit's centre or a centre below it."), field=field)
        if firm not in out:
            out.append(firm)
    return out


def _new_enterprises(raw, centre: Centre) -> tuple[list[Enterprise], list[tuple[str, str]]]:
    """Enterprises added by credit code and name: those already registered (in scope) and those to
    register, ``[(code, name)]``."""
    existing, new = [], []
    for i, item in enumerate(_items(raw, "new_enterprises", _l("Add enterprises by credit code and name."))):
        if not isinstance(item, dict):
            raise ServiceError(
                _l("Give the enterprise's credit code and name."), field=f"new_enterprises-{i}-credit_code"
            )
        code_raw = item.get("credit_code")
        name_raw = item.get("name")
        if (code_raw in (None, "")) and (name_raw in (None, "")):
            continue  # an empty row of the form
        if not isinstance(code_raw, str):
            raise ServiceError(_l("Enter the unified social credit code."), field=f"new_enterprises-{i}-credit_code")
        try:
            code = normalise_credit_code(code_raw)
        except IdentifierError as exc:
            raise ServiceError(exc.message, field=f"new_enterprises-{i}-credit_code") from None
        firm = db.session.execute(select(Enterprise).where(Enterprise.credit_code == code)).scalar_one_or_none()
        if firm is not None:
            if not may_be_visited(firm, centre):
                raise ServiceError(
                    _l("This enterprise is served by a centre outside the visit's; it cannot be added here."),
                    field=f"new_enterprises-{i}-credit_code",
                )
            if firm not in existing:
                existing.append(firm)
            continue
        name = text_of(name_raw, 200, f"new_enterprises-{i}-name", required_message=_l("Give the enterprise's name."))
        if code not in [c for c, _ in new]:
            new.append((code, name))
    return existing, new


def _topics(raw) -> list[str]:
    out = []
    for value in _items(raw, "topics", _l("Choose the topics from the list.")):
        try:
            topic = Topic(value)
        except (ValueError, TypeError):
            raise ServiceError(_l("Choose the topics from the list."), field="topics") from None
        if topic.value not in out:
            out.append(topic.value)
    return out


def _phone(value) -> str:
    from app.cases.services import _phone as case_phone  # one rule for phone numbers

    return case_phone(value, "contact_phone", _l("Contact's phone"))


def centre_for(actor, centre) -> Centre:
    if centre is None:
        centre = actor.centre
    elif not isinstance(centre, Centre):
        centre = db.session.get(Centre, centre) if isinstance(centre, int) and not isinstance(centre, bool) else None
    if centre is None or not centre_in_scope(actor, centre):
        raise ServiceError(_l("Choose a centre of your scope."), field="centre")
    return centre


def record_input(
    actor,
    centre: Centre,
    *,
    visited_on,
    staff,
    enterprises,
    new_enterprises,
    topics,
    problems,
    needs,
    follow_ups,
    contact_name,
    contact_title,
    contact_phone,
    notes,
    today: date,
) -> tuple[dict, list, dict]:
    """Check a visit record completely; returns (normalised data with ``enterprises`` of ids,
    enterprises to register ``[(code, name)]``, problems' enterprises given by a new code)."""
    day = _day(visited_on, "visited_on", _l("Give the date of the visit (YYYY-MM-DD)."))
    if day > today:
        raise ServiceError(_l("A visit recorded as done cannot be dated in the future."), field="visited_on")
    staff_ids = _staff(staff, centre)
    firms = _enterprises(enterprises, centre)
    existing, new = _new_enterprises(new_enterprises, centre)
    for firm in existing:
        if firm not in firms:
            firms.append(firm)
    if not firms and not new:
        raise ServiceError(_l("Name at least one enterprise visited."), field="enterprises")
    if len(firms) + len(new) > MAX_ITEMS:
        raise ServiceError(_l("Give at most %(n)d.", n=MAX_ITEMS), field="enterprises")
    by_code = {f.credit_code: f.id for f in firms}
    new_codes = {code for code, _ in new}
    data = {
        "visited_on": day.isoformat(),
        "staff": staff_ids,
        "enterprises": [f.id for f in firms],
        "topics": _topics(topics),
        "needs": text_of(needs, MAX_TEXT, "needs"),
        "notes": text_of(notes, MAX_TEXT, "notes"),
        "contact_name": text_of(contact_name, 100, "contact_name"),
        "contact_title": text_of(contact_title, 100, "contact_title"),
        "contact_phone": _phone(contact_phone),
        "problems": [],
        "follow_ups": [],
    }
    pending_codes = {}
    for i, item in enumerate(_items(problems, "problems", _l("Describe each problem found."))):
        if not isinstance(item, dict):
            raise ServiceError(_l("Describe the problem found."), field=f"problems-{i}-text")
        if all(item.get(k) in (None, "") for k in ("text", "ip_type", "right_number", "respondent_name")):
            continue  # an empty row of the form
        text = text_of(
            item.get("text"), MAX_TEXT, f"problems-{i}-text", required_message=_l("Describe the problem found.")
        )
        ip_raw = item.get("ip_type")
        ip_type = None
        if ip_raw not in (None, ""):
            try:
                ip_type = IPType(ip_raw)
            except (ValueError, TypeError):
                raise ServiceError(_l("Choose the type of right."), field=f"problems-{i}-ip_type") from None
        number_raw = item.get("right_number")
        number = ""
        if number_raw not in (None, ""):
            if ip_type is None:
                raise ServiceError(_l("Choose the type of right the number belongs to."), field=f"problems-{i}-ip_type")
            if not isinstance(number_raw, str):
                raise ServiceError(_l("Enter text here."), field=f"problems-{i}-right_number")
            try:
                number = normalise_right_number(number_raw, ip_type.value)
            except IdentifierError as exc:
                raise ServiceError(exc.message, field=f"problems-{i}-right_number") from None
        respondent = text_of(item.get("respondent_name"), 200, f"problems-{i}-respondent_name")
        firm_raw = item.get("enterprise")
        firm_id = None
        position = len(data["problems"])
        if firm_raw not in (None, ""):
            firm = _enterprise(firm_raw)
            if firm is not None and firm.id in data["enterprises"]:
                firm_id = firm.id
            elif isinstance(firm_raw, str) and not _is_id(firm_raw):
                try:
                    code = normalise_credit_code(firm_raw)
                except IdentifierError:
                    code = None
                if code in by_code:
                    firm_id = by_code[code]
                elif code in new_codes:
                    pending_codes[position] = code
                else:
                    code = False
                if code is False or code is None:
                    raise ServiceError(_l("Choose one of the enterprises visited."), field=f"problems-{i}-enterprise")
            else:
                raise ServiceError(_l("Choose one of the enterprises visited."), field=f"problems-{i}-enterprise")
        data["problems"].append(
            {
                "text": text,
                "ip_type": ip_type.value if ip_type else None,
                "right_number": number,
                "respondent_name": respondent,
                "enterprise_id": firm_id,
            }
        )
    for i, item in enumerate(_items(follow_ups, "follow_ups", _l("Describe each follow-up."))):
        if not isinstance(item, dict):
            raise ServiceError(_l("Describe the follow-up."), field=f"follow_ups-{i}-text")
        if all(item.get(k) in (None, "") for k in ("text", "owner", "due_on")):
            continue
        text = text_of(
            item.get("text"), MAX_TEXT, f"follow_ups-{i}-text", required_message=_l("Describe the follow-up.")
        )
        if item.get("owner") in (None, ""):
            raise ServiceError(_l("Every follow-up needs an owner."), field=f"follow_ups-{i}-owner")
        owner = _user(item.get("owner"))
        if owner is None or not may_go(owner, centre):
            raise ServiceError(
                _l("Choose as owner a caseworker or supervisor of the visit's centre or of a centre above it."),
                field=f"follow_ups-{i}-owner",
            )
        due = _day(item.get("due_on"), f"follow_ups-{i}-due_on", _l("Give the follow-up's due date (YYYY-MM-DD)."))
        if due < day:
            raise ServiceError(_l("A follow-up cannot be due before the visit."), field=f"follow_ups-{i}-due_on")
        if due > day + timedelta(days=workflow.MAX_FOLLOW_UP_DAYS):
            raise ServiceError(_l("A follow-up is due within two years of the visit."), field=f"follow_ups-{i}-due_on")
        data["follow_ups"].append({"text": text, "owner_id": owner.id, "due_on": due.isoformat()})
    return data, new, pending_codes


def plan_input(actor, centre, planned_on, staff, enterprises, topics, notes, today: date) -> dict:
    day = _day(planned_on, "planned_on", _l("Give the date the visit is planned for (YYYY-MM-DD)."))
    if day < today:
        raise ServiceError(_l("Plan a visit for today or a later day."), field="planned_on")
    staff_ids = _staff(staff, centre, going=True)
    firms = _enterprises(enterprises, centre)
    if not firms:
        raise ServiceError(_l("Name at least one enterprise to visit."), field="enterprises")
    return {
        "planned_on": day.isoformat(),
        "staff": staff_ids,
        "enterprises": [f.id for f in firms],
        "topics": _topics(topics),
        "notes": text_of(notes, MAX_TEXT, "notes"),
    }
