"""Scope rule of agencies: a member of staff sees the agencies of the centres in their line, their
centre's subtree and the centres above it (a city's caseworker refers to the province's customs too);
never a sibling's. Agencies are not secret, but a centre has no business with another line's. An
applicant sees none."""

from sqlalchemy import false, or_

from app.agencies.models import Agency
from app.core.scope import centre_subtree_ids, scope_rule


@scope_rule(Agency)
def _agencies(stmt, user):
    if not user.is_staff or user.centre is None:
        return stmt.where(false())
    return stmt.where(
        or_(Agency.centre_id.in_(centre_subtree_ids(user)), Agency.centre_id.in_(user.centre.ancestor_ids))
    )
