"""Every write about enterprises and their members."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.services import new_user
from app.centres.models import Centre
from app.core.db import utcnow
from app.core.errors import ConflictError, ServiceError
from app.core.identifiers import credit_code_region, normalise_credit_code
from app.core.permissions import centre_in_scope
from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus
from app.enterprises.sme_size import Industry
from app.extensions import db

ENTERPRISE_FIELDS = (
    "name",
    "address",
    "region",
    "industry",
    "staff_count",
    "revenue_wan",
    "assets_wan",
    "is_specialised_new",
    "is_little_giant",
    "is_in_hardship",
)

# Staff decide which centre serves an enterprise; its own members may not move it.
CENTRE_BY_STAFF = _l(
    "The staff of the assistance centres decide which centre serves an enterprise; ask them to change it."
)


def find_enterprise(credit_code: str) -> Enterprise | None:
    return db.session.execute(select(Enterprise).where(Enterprise.credit_code == credit_code)).scalar_one_or_none()


def _serving_centre(centre_id) -> Centre:
    centre = db.session.get(Centre, centre_id) if centre_id else None
    if centre is None or not centre.is_active:
        raise ServiceError(_l("Choose an active assistance centre."), field="centre_id")
    return centre


def _apply(enterprise: Enterprise, data: dict) -> None:
    for key in ENTERPRISE_FIELDS:
        if key in data:
            value = data[key]
            if key == "industry":
                value = Industry(value)
            elif key in ("revenue_wan", "assets_wan") and value is not None:
                value = Decimal(value)
            elif key in ("name", "address", "region"):
                value = (value or "").strip()
            setattr(enterprise, key, value)
    try:
        enterprise.refresh_size_class()
    except ValueError:
        raise ServiceError(_l("Total assets are needed to classify this industry."), field="assets_wan") from None


def register_applicant(*, person: dict, credit_code: str, enterprise: dict) -> tuple[User, EnterpriseMember]:
    """An SME employee registers together with their enterprise.

    A new enterprise is created with the person as its first active member. If
    the enterprise is already registered, the person only asks to join: the
    membership stays pending until a member or staff approves it.
    """
    code = normalise_credit_code(credit_code)
    user = new_user(
        email=person["email"],
        name=person["name"],
        phone=person.get("phone", ""),
        role=Role.APPLICANT,
        password=person["password"],
    )
    existing = find_enterprise(code)
    if existing is None:
        firm = Enterprise(
            credit_code=code, region_code=credit_code_region(code), centre=_serving_centre(enterprise.get("centre_id"))
        )
        _apply(firm, enterprise)
        db.session.add(firm)
        member = EnterpriseMember(
            enterprise=firm,
            user=user,
            status=MembershipStatus.ACTIVE,
            position=person.get("position", ""),
            decided_at=utcnow(),
        )
    else:
        member = EnterpriseMember(
            enterprise=existing, user=user, status=MembershipStatus.PENDING, position=person.get("position", "")
        )
    db.session.add(member)
    db.session.flush()
    return user, member


REGISTRATION_WARNING_EVERY = timedelta(hours=1)


def warn_of_registration_attempt(owner: User) -> None:
    """Tell the owner of an e-mail address that someone tried to register with it (in the app, and by
    e-mail when mail is set up), at most once an hour so that nobody can flood their mailbox."""
    from app.notifications.models import Notification
    from app.notifications.services import notify

    recent = db.session.execute(
        select(Notification.id)
        .where(
            Notification.user_id == owner.id,
            Notification.kind == "registration_attempt",
            Notification.created_at >= utcnow() - REGISTRATION_WARNING_EVERY,
        )
        .limit(1)
    ).first()
    if recent is None:
        notify([owner.id], "registration_attempt")


def request_to_join(user: User, credit_code: str, position: str = "") -> EnterpriseMember:
    """An applicant without an enterprise (e.g. after a rejection) asks to join one."""
    code = normalise_credit_code(credit_code)
    firm = find_enterprise(code)
    if firm is None:
        raise ServiceError(_l("No enterprise with this credit code is registered yet."), field="credit_code")
    member = db.session.execute(
        select(EnterpriseMember).where(EnterpriseMember.user_id == user.id)
    ).scalar_one_or_none()
    if member is not None and member.status is not MembershipStatus.REJECTED:
        raise ServiceError(_l("You already belong to an enterprise or have a request pending."))
    if member is None:
        member = EnterpriseMember(user=user)
        db.session.add(member)
    member.enterprise = firm
    member.status = MembershipStatus.PENDING
    member.position = position
    member.requested_at = utcnow()
    member.decided_at = None
    member.decided_by_id = None
    db.session.flush()
    return member


def can_manage_enterprise(actor: User, enterprise: Enterprise) -> bool:
    """Active members of the enterprise and staff of its centre's subtree."""
    if actor.is_staff:
        return centre_in_scope(actor, enterprise.centre)
    return any(m.user_id == actor.id and m.status is MembershipStatus.ACTIVE for m in enterprise.members)


def update_enterprise(actor: User, enterprise: Enterprise, data: dict, version: int | None) -> Enterprise:
    if not can_manage_enterprise(actor, enterprise):
        raise ServiceError(_l("You may not change this enterprise."))
    if version is not None and int(version) != enterprise.version:
        raise ConflictError(
            _l("This enterprise was changed by someone else meanwhile. Reload the page to see the latest version.")
        )
    if "centre_id" in data and data["centre_id"] and data["centre_id"] != enterprise.centre_id:
        if not actor.is_staff:
            raise ServiceError(CENTRE_BY_STAFF, field="centre_id")
        centre = _serving_centre(data["centre_id"])
        if actor.is_staff and not centre_in_scope(actor, centre):
            raise ServiceError(_l("Choose a centre within your own."), field="centre_id")
        enterprise.centre = centre
    _apply(enterprise, data)
    db.session.flush()
    return enterprise


def decide_membership(actor: User, member: EnterpriseMember, approve: bool) -> EnterpriseMember:
    """A member of the enterprise or staff in scope admits or refuses a join request."""
    if member.status is not MembershipStatus.PENDING:
        raise ServiceError(_l("This request has already been decided."))
    if member.user_id == actor.id or not can_manage_enterprise(actor, member.enterprise):
        raise ServiceError(_l("You may not decide on this request."))
    member.status = MembershipStatus.ACTIVE if approve else MembershipStatus.REJECTED
    member.decided_at = utcnow()
    member.decided_by_id = actor.id
    db.session.flush()
    return member


FIGURES = ("industry", "staff_count", "revenue_wan")


def figures_given(data: dict) -> bool:
    """Whether any of the figures the size class needs was given (then all of them are needed)."""
    return any(data.get(key) not in (None, "") for key in (*FIGURES, "assets_wan"))


def create_enterprise_for_case(actor: User, data: dict) -> Enterprise:
    """A caseworker or supervisor records a case for an enterprise that is not registered yet.

    The enterprise is created with what the caller took down: its name at least; with the figures
    (industry, staff, revenue and, where the industry needs them, assets) it is classified by size,
    without them its size class stays unknown until they are given. It is served by the actor's own
    centre and has no members until one of its staff registers and asks to join.
    """
    from app.core.identifiers import IdentifierError

    if actor.role not in (Role.CASEWORKER, Role.SUPERVISOR) or actor.centre is None:
        raise ServiceError(_l("Only caseworkers and supervisors record cases."))
    try:
        code = normalise_credit_code(data.get("credit_code") or "")
    except IdentifierError as exc:
        raise ServiceError(exc.message, field="credit_code") from None
    if find_enterprise(code) is not None:
        raise ServiceError(_l("An enterprise with this credit code is already registered."), field="credit_code")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ServiceError(_l("Give the enterprise's name."), field="name")
    if len(name.strip()) > 200:
        raise ServiceError(_l("Use at most %(max)d characters.", max=200), field="name")
    with_figures = figures_given(data)
    if with_figures:
        if data.get("industry") not in Industry._value2member_map_:
            raise ServiceError(_l("Choose the industry."), field="industry")
        staff = data.get("staff_count")
        if isinstance(staff, bool) or not isinstance(staff, int) or not 0 <= staff <= 10_000_000:
            raise ServiceError(_l("Give the number of staff."), field="staff_count")
        for key in ("revenue_wan", "assets_wan"):
            value = data.get(key)
            if value is None and key == "assets_wan":
                continue
            if value is None or not isinstance(value, int | Decimal) or not 0 <= Decimal(value) < Decimal("1e12"):
                raise ServiceError(_l("Give the figure in 10k yuan."), field=key)
    firm = Enterprise(credit_code=code, region_code=credit_code_region(code), centre=actor.centre)
    keys = (
        ENTERPRISE_FIELDS if with_figures else tuple(k for k in ENTERPRISE_FIELDS if k not in (*FIGURES, "assets_wan"))
    )
    _apply(firm, {key: data[key] for key in keys if key in data})
    db.session.add(firm)
    db.session.flush()
    return firm


ENTERPRISE_REQUIRED = ("name", "industry", "staff_count", "revenue_wan")


def record_enterprise(actor: User, credit_code: str, data: dict) -> Enterprise:
    """Staff record an enterprise that is not registered yet (e.g. a hotline caller's firm);
    it is served by the recording staff member's centre.

    ``data`` holds ``ENTERPRISE_FIELDS`` with checked types. The name is required; the industry,
    staff and revenue (and the assets where the industry's size rule needs them) come together or
    not at all: without them the size class is unknown until they are given.
    """
    from app.enterprises.sme_size import needs_assets

    if not actor.is_staff or actor.centre is None:
        raise ServiceError(_l("Only staff can record an enterprise that is not registered yet."), field="credit_code")
    code = normalise_credit_code(credit_code)
    if find_enterprise(code) is not None:
        raise ServiceError(_l("An enterprise with this credit code is already registered."), field="credit_code")
    with_figures = figures_given(data)
    for key in ENTERPRISE_REQUIRED if with_figures else ("name",):
        if data.get(key) in (None, "") or (isinstance(data.get(key), str) and not data[key].strip()):
            raise ServiceError(_l("This is needed to record a new enterprise."), field=key)
    if with_figures and needs_assets(Industry(data["industry"])) and data.get("assets_wan") is None:
        raise ServiceError(_l("Total assets are needed to classify this industry."), field="assets_wan")
    firm = Enterprise(credit_code=code, region_code=credit_code_region(code), centre=actor.centre)
    _apply(firm, data)
    db.session.add(firm)
    db.session.flush()
    return firm
