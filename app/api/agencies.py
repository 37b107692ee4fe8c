"""The agency directory through the API (API.md "Referrals"): ``GET /api/v1/agencies``.

Staff read the agencies of their centre's line (the scope rule of ``Agency``: their centre, the centres
above it and those below it), by id (keyset pagination); applicants have no business with the directory
(403).
"""

from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.agencies.models import Agency
from app.agencies.queries import agencies_stmt
from app.api import schemas_agencies as schemas
from app.api.errors import ApiError, invalid
from app.api.openapi import operation
from app.api.views import bp, parse
from app.centres.models import Centre
from app.core.scope import centre_subtree_ids
from app.extensions import db

STAFF_ONLY = _l("The directory of agencies is for staff.")


def agency_object(a: Agency) -> dict:
    return {
        "id": a.id,
        "name": a.name,
        "kind": a.kind.value,
        "region": a.region,
        "centre": a.centre.code,
        "rights": list(a.rights or []),
        "address": a.address,
        "email": a.email,
        "phone": a.phone,
        "contact": a.contact,
        "is_active": a.is_active,
    }


def _centre_in_line(user, code: str) -> Centre | None:
    """The centre of ``code`` when it is in ``user``'s line (their centre's subtree or above it), else None."""
    code = code.strip().upper()
    if not code:
        return None
    return db.session.execute(
        select(Centre).where(
            func.upper(Centre.code) == code,
            or_(Centre.id.in_(centre_subtree_ids(user)), Centre.id.in_(user.centre.ancestor_ids)),
        )
    ).scalar_one_or_none()


@bp.get("/agencies")
@operation("agencies", (200, schemas.AgencyList, "One page, by id."), 403, 422, query=schemas.AgencyListQuery)
def list_agencies():
    """The enforcement agencies of the caller's line (staff only)"""
    user = g.api_user
    if not user.is_staff or user.centre is None:
        raise ApiError(403, STAFF_ONLY, {"reasons": [str(STAFF_ONLY)]})
    query = parse(schemas.AgencyListQuery, request.args.to_dict(flat=False))
    region = None
    if query.centre.strip():
        region = _centre_in_line(user, query.centre)
        if region is None:
            raise invalid({"centre": _l("No centre of your line has this code.")})
    stmt = agencies_stmt(
        user, region_centre=region, kind=query.kind, right=query.right, include_inactive=bool(query.inactive)
    )
    if query.cursor is not None:
        stmt = stmt.where(Agency.id > query.cursor)
    rows = list(
        db.session.execute(stmt.options(joinedload(Agency.centre)).order_by(Agency.id).limit(query.limit + 1)).scalars()
    )
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return jsonify({"items": [agency_object(a) for a in rows], "next_cursor": str(rows[-1].id) if more else None})
