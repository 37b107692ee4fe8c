"""Every write about centres: the tree and each centre's settings."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, func, literal, select, update

from app.auth.models import Role, User
from app.centres.models import Centre, CentreLevel, CentreSetting
from app.centres.settings import SETTINGS_BY_KEY
from app.core.errors import ServiceError
from app.core.permissions import centre_in_scope
from app.extensions import db

CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")


def normalise_code(code: str) -> str:
    code = (code or "").strip().upper()
    if not CODE_RE.match(code):
        raise ServiceError(
            _l("A centre code has 2 to 12 letters and digits and starts with a letter, e.g. SZ or GDFS."), field="code"
        )
    return code


def _check_parent(actor: User, parent: Centre | None, level: CentreLevel, centre: Centre | None = None) -> None:
    if actor.role is not Role.ADMIN:
        raise ServiceError(_l("Only administrators can do this."))
    if parent is None:
        if level is not CentreLevel.NATIONAL:
            raise ServiceError(_l("Only a national centre stands without a parent centre."), field="parent_id")
        if actor.centre is not None and actor.centre.parent_id is not None:
            raise ServiceError(_l("You can only add centres below your own."), field="parent_id")
        return
    if not centre_in_scope(actor, parent):
        raise ServiceError(_l("You can only add centres below your own."), field="parent_id")
    if level is CentreLevel.NATIONAL:
        raise ServiceError(_l("A national centre has no parent centre."), field="level")
    if level.rank <= parent.level.rank and level not in (CentreLevel.SUB_CENTRE, CentreLevel.WORKSTATION):
        raise ServiceError(
            _l("A %(level)s cannot stand below a %(parent)s.", level=level.label, parent=parent.level.label),
            field="level",
        )
    if parent.level in (CentreLevel.SUB_CENTRE, CentreLevel.WORKSTATION):
        raise ServiceError(_l("Sub-centres and workstations have no centres below them."), field="parent_id")
    if centre is not None and parent.path.startswith(centre.path):
        raise ServiceError(_l("A centre cannot be moved below itself."), field="parent_id")


def create_centre(
    actor: User,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    level: CentreLevel,
    parent: Centre | None,
    region: str = "",
    address: str = "",
    phone: str = "",
    contact_person: str = "",
    document_prefix: str = "",
    document_pattern: str = "",
) -> Centre:
    code = normalise_code(code)
    document_prefix, document_pattern = _document_particulars(document_prefix, document_pattern)
    if db.session.execute(select(Centre.id).where(Centre.code == code)).first():
        raise ServiceError(_l("This code is already used by another centre."), field="code")
    _check_parent(actor, parent, level)
    centre = Centre(
        code=code,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        level=level,
        parent=parent,
        region=region.strip(),
        address=address.strip(),
        phone=phone.strip(),
        contact_person=contact_person.strip(),
        document_prefix=document_prefix,
        document_pattern=document_pattern,
        path="/",
    )
    db.session.add(centre)
    db.session.flush()
    centre.assign_path()
    db.session.flush()
    return centre


def update_centre(
    actor: User,
    centre: Centre,
    *,
    name_zh: str,
    name_en: str,
    level: CentreLevel,
    parent: Centre | None,
    region: str = "",
    address: str = "",
    phone: str = "",
    contact_person: str = "",
    document_prefix: str = "",
    document_pattern: str = "",
    is_active: bool = True,
) -> Centre:
    """Edit a centre; moving it moves its whole subtree (paths are rewritten in one statement)."""
    if not centre_in_scope(actor, centre) or actor.role is not Role.ADMIN:
        raise ServiceError(_l("You can only manage your centre and the centres below it."))
    document_prefix, document_pattern = _document_particulars(document_prefix, document_pattern)
    if centre.id == actor.centre_id and (parent is not centre.parent or not is_active):
        raise ServiceError(_l("You cannot move or deactivate your own centre."), field="parent_id")
    _check_parent(actor, parent, level, centre=centre)
    for child in centre.children:
        if child.level.rank <= level.rank and child.level not in (CentreLevel.SUB_CENTRE, CentreLevel.WORKSTATION):
            raise ServiceError(
                _l(
                    "A centre below this one would then be at the same level as it or above it; change that centre first."
                ),
                field="level",
            )
    if level in (CentreLevel.SUB_CENTRE, CentreLevel.WORKSTATION) and centre.children:
        raise ServiceError(_l("Sub-centres and workstations have no centres below them."), field="level")
    centre.name_zh, centre.name_en = name_zh.strip(), name_en.strip()
    centre.region, centre.address, centre.phone = region.strip(), address.strip(), phone.strip()
    centre.contact_person = contact_person.strip()
    centre.document_prefix, centre.document_pattern = document_prefix, document_pattern
    centre.level = level
    centre.is_active = is_active
    if parent is not centre.parent:
        old_path = centre.path
        new_path = f"{parent.path}{centre.id}/"
        centre.parent = parent
        db.session.flush()
        db.session.execute(
            update(Centre)
            .where(Centre.path.startswith(old_path, autoescape=True))
            .values(path=literal(new_path, String) + func.substr(Centre.path, len(old_path) + 1))
            .execution_options(synchronize_session="fetch")
        )
    db.session.flush()
    return centre


def _document_particulars(prefix: str, pattern: str) -> tuple[str, str]:
    """The prefix and pattern of the centre's document numbers, checked (empty pattern: inherited)."""
    from app.core.document_numbers import check_pattern, check_prefix

    prefix = check_prefix(prefix)
    pattern = (pattern or "").strip()
    return prefix, check_pattern(pattern) if pattern else ""


def save_settings(actor: User, centre: Centre, values: dict[str, int | None]) -> None:
    """Set (or clear, with None) a centre's own settings; cleared keys inherit again."""
    if actor.role is not Role.ADMIN or not centre_in_scope(actor, centre):
        raise ServiceError(_l("You can only manage your centre and the centres below it."))
    own = {
        s.key: s
        for s in db.session.execute(select(CentreSetting).where(CentreSetting.centre_id == centre.id)).scalars()
    }
    for key, value in values.items():
        definition = SETTINGS_BY_KEY.get(key)
        if definition is None:
            raise ServiceError(_l("Unknown setting."), field=key)
        if value is None:
            if key in own:
                db.session.delete(own[key])
            continue
        refused = definition.range_error(value)
        if refused is not None:
            raise ServiceError(refused, field=key)
        if key in own:
            own[key].value = value
            own[key].updated_by_id = actor.id
        else:
            db.session.add(CentreSetting(centre_id=centre.id, key=key, value=value, updated_by_id=actor.id))
    db.session.flush()
