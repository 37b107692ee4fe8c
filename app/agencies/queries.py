"""Reads of the agency directory: the agencies competent for a case's right and region, why an agency
does not fit, and the lists of the pages and the API. No writes.

A case's region is its centre's: the agencies that serve it hang on that centre or on a centre above
it (a province's customs serve every city of the province), the nearest region first.
"""

from __future__ import annotations

from sqlalchemy import Select, String, case, cast, select, tuple_
from sqlalchemy.orm import joinedload

from app.agencies.models import Agency, AgencyKind
from app.cases.enums import IPType
from app.centres.models import Centre
from app.core.scope import centre_subtree_ids, visible
from app.extensions import db

# The order agencies are offered in within a region: the usual addressee of an IP lead first.
KIND_ORDER = (
    AgencyKind.MARKET_REGULATION,
    AgencyKind.PATENT_ADMINISTRATION,
    AgencyKind.COPYRIGHT,
    AgencyKind.AGRICULTURE_FORESTRY,
    AgencyKind.CUSTOMS,
    AgencyKind.PUBLIC_SECURITY,
    AgencyKind.OTHER,
)
KIND_RANK = {kind: rank for rank, kind in enumerate(KIND_ORDER)}


def kind_rank():
    """SQL: the place of an agency's kind in ``KIND_ORDER``."""
    return case(*((Agency.kind == kind, rank) for kind, rank in KIND_RANK.items()), else_=len(KIND_ORDER))


def _ip_type(value) -> IPType | None:
    if value is None or isinstance(value, IPType):
        return value
    try:
        return IPType(value)
    except ValueError:
        return None


def takes_right_clause(ip_type):
    """SQL: the agency takes ``ip_type`` (its JSON list holds the value; the values are plain words, none
    inside another's quotes, so a text match is exact on SQLite and PostgreSQL alike)."""
    value = getattr(ip_type, "value", ip_type)
    return cast(Agency.rights, String).like(f'%"{value}"%')


def region_of(centre: Centre) -> str:
    return centre.region or centre.name_zh


def line_agencies(centre: Centre, ip_type) -> tuple[list[Agency], list[Agency]]:
    """The active agencies that serve ``centre``'s region (on the centre or a centre above it), in one
    statement: those that take ``ip_type`` and the others, each the nearest region first, then by
    kind (``KIND_ORDER``) and name (as the database orders names)."""
    line = centre.ancestor_ids  # from the root down to the centre itself
    if not line:
        return [], []
    found = db.session.execute(
        select(Agency)
        .where(Agency.centre_id.in_(line), Agency.is_active.is_(True))
        .options(joinedload(Agency.centre))
        .order_by(kind_rank(), Agency.name, Agency.id)
    ).scalars()
    distance = {centre_id: len(line) - i for i, centre_id in enumerate(line)}
    fitting, others = [], []
    for agency in found:
        (fitting if agency.takes(ip_type) else others).append(agency)
    # Stable sorts: kind and name are kept within a region.
    return sorted(fitting, key=lambda a: distance[a.centre_id]), sorted(others, key=lambda a: distance[a.centre_id])


def competent_agencies(centre: Centre, ip_type) -> list[Agency]:
    """The active agencies that serve ``centre``'s region (on the centre or a centre above it) and take
    ``ip_type``: the nearest region first, then by kind (``KIND_ORDER``) and name."""
    return line_agencies(centre, ip_type)[0]


def _lazy_label(member):
    """The lazy label of an enum member, so a message made now reads in the language it is shown in."""
    return type(member)._labels().get(member, member.value)


def mismatch_reasons(agency: Agency, centre: Centre, ip_type) -> list:
    """Why ``agency`` does not fit a case of ``centre`` about ``ip_type`` (translatable messages); empty when
    it fits. ``ip_type`` None (a case without a right) is not held against it."""
    from flask_babel import lazy_gettext as _l

    reasons = []
    right = _ip_type(ip_type)
    if right is not None and not agency.takes(right):
        reasons.append(_l("This agency does not take %(right)s matters.", right=_lazy_label(right)))
    if agency.centre_id not in centre.ancestor_ids:
        reasons.append(
            _l(
                "This agency serves %(region)s, not the region of the case's centre (%(case_region)s).",
                region=agency.region,
                case_region=region_of(centre),
            )
        )
    if not agency.is_active:
        reasons.append(_l("This agency has been deactivated in the directory."))
    return reasons


def agencies_stmt(
    user,
    region_centre: Centre | None = None,
    kind: AgencyKind | None = None,
    right=None,
    q: str | None = None,
    include_inactive: bool = False,
    subtree_only: bool = False,
    inactive_only: bool = False,
    within: Centre | None = None,
) -> Select:
    """The agencies ``user`` may see (the scope rule: their centre's line), filtered: on ``region_centre``,
    of ``kind``, taking ``right``, with ``q`` in the name, address, e-mail or contact; ``subtree_only``:
    only those of the user's centre and below (the ones an administrator manages); ``within``: only
    those of that centre's region and the regions below it. Unordered."""
    stmt = visible(select(Agency), user, Agency)
    if subtree_only:
        stmt = stmt.where(Agency.centre_id.in_(centre_subtree_ids(user)))
    if region_centre is not None:
        stmt = stmt.where(Agency.centre_id == region_centre.id)
    if within is not None:
        stmt = stmt.where(
            Agency.centre_id.in_(select(Centre.id).where(Centre.path.startswith(within.path, autoescape=True)))
        )
    if kind is not None:
        stmt = stmt.where(Agency.kind == kind)
    if right is not None:
        stmt = stmt.where(takes_right_clause(right))
    q = (q or "").strip()
    if q:
        stmt = stmt.where(
            Agency.name.icontains(q, autoescape=True)
            | Agency.address.icontains(q, autoescape=True)
            | Agency.email.icontains(q, autoescape=True)
            | Agency.contact.icontains(q, autoescape=True)
        )
    if inactive_only:
        stmt = stmt.where(Agency.is_active.is_(False))
    elif not include_inactive:
        stmt = stmt.where(Agency.is_active.is_(True))
    return stmt


def agencies_for(
    user,
    region_centre: Centre | None = None,
    kind: AgencyKind | None = None,
    right=None,
    q: str | None = None,
    include_inactive: bool = False,
    subtree_only: bool = False,
    inactive_only: bool = False,
    limit: int | None = None,
    offset: int = 0,
    within: Centre | None = None,
    after: Agency | None = None,
) -> list[Agency]:
    """``agencies_stmt``'s agencies with their centres, by region (the tree's order), kind and name;
    ``after``: those that come after that agency in this order (a keyset page: a deep page costs what
    the first does)."""
    stmt = (
        agencies_stmt(user, region_centre, kind, right, q, include_inactive, subtree_only, inactive_only, within)
        .join(Centre, Centre.id == Agency.centre_id)
        .options(joinedload(Agency.centre))
        .order_by(*_list_order())
    )
    if after is not None:
        stmt = stmt.where(
            tuple_(*_list_order())
            > tuple_(after.centre.path, KIND_RANK.get(after.kind, len(KIND_ORDER)), after.name, after.id)
        )
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.execute(stmt).scalars())


def _list_order():
    return Centre.path, kind_rank(), Agency.name, Agency.id


def get_agency(agency_id, user) -> Agency | None:
    """The agency if it exists and ``user`` may see it (their line), else None."""
    from app.core.scope import get_visible

    return get_visible(Agency, agency_id, user)


def rights_labels(agency: Agency) -> list[str]:
    """The labels of the rights an agency takes, in ``IPType``'s order (values no longer known are left out)."""
    held = set(agency.rights or [])
    return [t.label for t in IPType if t.value in held]
