"""Every write of the agency directory: add, edit, deactivate and reactivate an agency.

An administrator manages the agencies of their centre and the centres below it (``centre_in_scope``); the
command line (``actor`` None) acts for the installation. An agency is never deleted: referrals name it,
so one no longer in use is deactivated and offered no more. Services flush; the request commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.agencies.models import Agency, AgencyKind
from app.auth.models import Role
from app.cases.enums import IPType
from app.centres.models import Centre
from app.core.db import utcnow
from app.core.errors import ServiceError
from app.core.permissions import centre_in_scope
from app.extensions import db

LIMITS = {"name": 200, "address": 300, "email": 254, "phone": 40, "contact": 100}
FIELD_NAMES = {
    "name": _l("Agency name"),
    "address": _l("Address"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "contact": _l("Contact person"),
}
NAME_TAKEN = _l("This centre's region already has an agency of this name.")
OUT_OF_SCOPE = _l("You can only manage the agencies of your centre's region and the regions below it.")


@dataclass
class AgencyFields:
    """An agency's own fields as the services take them (text stripped; ``rights`` as ``IPType`` values)."""

    name: str
    kind: AgencyKind
    rights: list[str]
    address: str = ""
    email: str = ""
    phone: str = ""
    contact: str = ""


def clean(
    name, kind, rights, address="", email="", phone="", contact=""
) -> tuple[AgencyFields | None, list[tuple[str, object]]]:
    """The fields checked: ``(fields, [])`` when all are good, else ``(None, [(field, message), ...])``
    naming every problem at once."""
    problems: list[tuple[str, object]] = []
    text = {
        key: (value or "").replace("\x00", "").strip() if isinstance(value, str) or value is None else ""
        for key, value in {"name": name, "address": address, "email": email, "phone": phone, "contact": contact}.items()
    }
    if not text["name"]:
        problems.append(("name", _l("Enter the agency's name.")))
    for key, limit in LIMITS.items():
        if len(text[key]) > limit:
            problems.append(
                (key, _l("%(field)s is too long (at most %(n)d characters).", field=FIELD_NAMES[key], n=limit))
            )
    if isinstance(kind, str) and not isinstance(kind, AgencyKind):
        kind = AgencyKind._value2member_map_.get(kind)
    if not isinstance(kind, AgencyKind):
        problems.append(("kind", _l("Choose the kind of agency.")))
    values = []
    unknown = False
    for right in rights or []:
        value = getattr(right, "value", right)
        if value in IPType._value2member_map_:
            values.append(value)
        else:
            unknown = True
    if unknown:
        problems.append(("rights", _l("Choose types of right from the list.")))
    elif not values:
        problems.append(("rights", _l("Choose at least one type of right the agency takes.")))
    email_text = text["email"].lower()
    if email_text and len(email_text) <= LIMITS["email"]:
        try:
            validate_email(email_text, check_deliverability=False)
        except EmailNotValidError:
            problems.append(("email", _l("Enter a valid e-mail address.")))
    if problems:
        return None, problems
    ordered = [t.value for t in IPType if t.value in set(values)]
    return (
        AgencyFields(
            name=text["name"],
            kind=kind,
            rights=ordered,
            address=text["address"],
            email=email_text,
            phone=text["phone"],
            contact=text["contact"],
        ),
        [],
    )


def may_manage(actor, centre: Centre) -> bool:
    """An administrator manages the agencies of their centre's subtree; the command line (None) all."""
    if actor is None:
        return True
    return actor.role is Role.ADMIN and centre_in_scope(actor, centre)


def _check(actor, centre: Centre) -> None:
    if actor is not None and actor.role is not Role.ADMIN:
        raise ServiceError(_l("Only administrators can do this."))
    if not may_manage(actor, centre):
        raise ServiceError(OUT_OF_SCOPE, field="centre_id")


def _checked(**raw) -> AgencyFields:
    fields, problems = clean(**raw)
    if problems:
        field, message = problems[0]
        raise ServiceError(message, field=field)
    return fields


def name_taken(centre_id: int, name: str, except_id: int | None = None) -> bool:
    stmt = select(Agency.id).where(Agency.centre_id == centre_id, Agency.name == name)
    if except_id is not None:
        stmt = stmt.where(Agency.id != except_id)
    return db.session.execute(stmt.limit(1)).first() is not None


def _apply(agency: Agency, fields: AgencyFields) -> None:
    agency.name = fields.name
    agency.kind = fields.kind
    agency.rights = list(fields.rights)
    agency.address = fields.address
    agency.email = fields.email
    agency.phone = fields.phone
    agency.contact = fields.contact


def _saved(change) -> None:
    """Make ``change`` and flush it in a savepoint begun before it (``begin_nested`` flushes what is pending
    first): a name taken by someone else meanwhile is the friendly refusal, not a database error, and the
    request's transaction stays usable."""
    try:
        with db.session.begin_nested():
            change()
            db.session.flush()
    except IntegrityError:
        raise ServiceError(NAME_TAKEN, field="name") from None


def _log(actor, what: str, agency: Agency) -> None:
    # The log carries ids, never personal data (an agency's name is public; a user's e-mail is not).
    who = f"user {actor.id}" if actor is not None else "command line"
    current_app.logger.info("agency %s %s by %s", what, agency.id, who)


def create_agency(actor, centre: Centre, **raw) -> Agency:
    """Add an agency to ``centre``'s region; ``raw``: name, kind, rights, address, email, phone, contact."""
    _check(actor, centre)
    fields = _checked(**raw)
    if name_taken(centre.id, fields.name):
        raise ServiceError(NAME_TAKEN, field="name")
    agency = Agency(centre=centre, is_active=True, created_at=utcnow(), updated_at=utcnow())
    _apply(agency, fields)
    _saved(lambda: db.session.add(agency))
    _log(actor, "created", agency)
    return agency


def update_agency(actor, agency: Agency, centre: Centre, **raw) -> Agency:
    """Change an agency's fields, or move it to another region of the actor's (both must be theirs)."""
    _check(actor, agency.centre)
    _check(actor, centre)
    fields = _checked(**raw)
    if name_taken(centre.id, fields.name, except_id=agency.id):
        raise ServiceError(NAME_TAKEN, field="name")

    def change():
        agency.centre = centre
        _apply(agency, fields)
        agency.updated_at = utcnow()

    _saved(change)
    _log(actor, "updated", agency)
    return agency


def set_agency_active(actor, agency: Agency, active: bool) -> Agency:
    """Deactivate an agency (no longer proposed; referrals that name it keep it) or reactivate it."""
    _check(actor, agency.centre)
    if agency.is_active != active:
        agency.is_active = active
        agency.updated_at = utcnow()
        db.session.flush()
        _log(actor, "activated" if active else "deactivated", agency)
    return agency
