"""Reads about centres."""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import User
from app.centres.models import Centre
from app.core.scope import visible
from app.extensions import db


def centres_in_scope(user, active_only: bool = False) -> list[Centre]:
    """The user's subtree, ordered so that each centre follows its parent."""
    stmt = visible(select(Centre), user, Centre)
    if active_only:
        stmt = stmt.where(Centre.is_active.is_(True))
    centres = db.session.execute(stmt).scalars().all()
    by_parent: dict[int | None, list[Centre]] = {}
    ids = {c.id for c in centres}
    for c in centres:
        by_parent.setdefault(c.parent_id if c.parent_id in ids else None, []).append(c)
    ordered: list[Centre] = []

    def walk(parent_id):
        for c in sorted(by_parent.get(parent_id, []), key=lambda c: c.code):
            ordered.append(c)
            walk(c.id)

    walk(None)
    return ordered


def staff_counts(centre_ids) -> dict[int, int]:
    rows = db.session.execute(
        select(User.centre_id, func.count(User.id)).where(User.centre_id.in_(centre_ids)).group_by(User.centre_id)
    ).all()
    return dict(rows)


def centre_label(centre: Centre, indent: int = 0) -> str:
    """How a centre reads in a choice list: its name and code, indented by depth."""
    return f"{'— ' * indent}{centre.name}（{centre.code}）"


def centre_choices(user=None, active_only: bool = True) -> list[tuple[int, str]]:
    """Choices for a centre field: a staff member's subtree as an indented tree; for anyone else
    (applicants, people registering) every active centre."""
    if user is not None and user.is_staff:
        return [(c.id, centre_label(c, c.depth - user.centre.depth)) for c in centres_in_scope(user, active_only)]
    centres = db.session.execute(select(Centre).where(Centre.is_active.is_(True)).order_by(Centre.path)).scalars()
    return [(c.id, centre_label(c)) for c in centres]
