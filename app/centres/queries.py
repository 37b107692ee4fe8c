"""Reads about centres."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

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


def children_of(centre: Centre) -> list[Centre]:
    """The centres directly below ``centre``, by code (one statement)."""
    return list(db.session.execute(select(Centre).where(Centre.parent_id == centre.id).order_by(Centre.code)).scalars())


def below_counts(root: Centre, centre_ids) -> dict[int, int]:
    """Centre id -> how many centres stand below it (its whole subtree but itself), for centres of
    ``root``'s subtree, in one statement: the paths of that subtree (short strings of ids), each counted
    for the ancestors it names."""
    wanted = set(centre_ids)
    if not wanted:
        return {}
    counts: dict[int, int] = {}
    paths = db.session.execute(select(Centre.path).where(Centre.path.startswith(root.path, autoescape=True)))
    for (path,) in paths:
        for part in path.strip("/").split("/")[:-1]:  # its ancestors, not itself
            ancestor = int(part)
            if ancestor in wanted:
                counts[ancestor] = counts.get(ancestor, 0) + 1
    return counts


def line_to(user, centre: Centre) -> list[Centre]:
    """The centres from ``user``'s own down to ``centre``'s parent (the breadcrumb of a branch)."""
    ids = centre.ancestor_ids[user.centre.depth : -1]
    if not ids:
        return []
    found = {c.id: c for c in db.session.execute(select(Centre).where(Centre.id.in_(ids))).scalars()}
    return [found[i] for i in ids if i in found]


def search_centres(user, q: str, limit: int) -> list[Centre]:
    """The centres of ``user``'s subtree whose code or name (either language) holds ``q``, by path
    (the tree's order), at most ``limit``."""
    stmt = visible(select(Centre), user, Centre).where(
        or_(
            Centre.code.icontains(q, autoescape=True),
            Centre.name_zh.icontains(q, autoescape=True),
            Centre.name_en.icontains(q, autoescape=True),
        )
    )
    stmt = stmt.options(selectinload(Centre.parent)).order_by(Centre.path).limit(limit)
    return list(db.session.execute(stmt).scalars())


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


def centre_filter_choices(user, selected_id, active_only: bool = True) -> list[tuple[int, str]]:
    """A list's centre filter: the user's centre and the centres just below it; once one is chosen,
    also the way down to it and the centres just below that one (a chosen centre outside the user's
    subtree is not). A national caseworker drills down through 31 provinces instead of scrolling a
    list of every centre in the country (497 in the benchmark), which cost a page 40 ms to read and
    write. ``active_only=False`` keeps closed centres (their visits stay in the list)."""
    own = user.centre
    if own is None:
        return []
    selected = db.session.get(Centre, selected_id) if selected_id else None
    if selected is not None and not selected.path.startswith(own.path):
        selected = None
    parents = {own.id}
    on_the_way = {own.id}
    if selected is not None:
        parents.add(selected.id)
        on_the_way.update(selected.ancestor_ids[own.depth :])
    stmt = (
        select(Centre)
        .where(
            Centre.path.startswith(own.path, autoescape=True),
            or_(Centre.id.in_(on_the_way), Centre.parent_id.in_(parents)),
        )
        .order_by(Centre.path)
    )
    if active_only:
        stmt = stmt.where(Centre.is_active.is_(True))
    return [(c.id, centre_label(c, c.depth - own.depth)) for c in db.session.execute(stmt).scalars()]
