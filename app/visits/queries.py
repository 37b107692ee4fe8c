"""Reads of the visit pages: the list (keyset pages), one visit with everything it shows, an
enterprise's visit history, "my work" (planned visits, open follow-ups), the choices of a form,
the visit's files, events and documents. No writes.

Every read goes through the scope rule of visits (``app.visits.scope``). For an applicant the
internal ``notes`` column is never loaded (``defer(..., raiseload=True)``: touching it raises), and
the visit objects handed out have it blanked, so no page or API can show it by accident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import defer, joinedload, load_only, selectinload

from app.auth.models import User
from app.cases.models import Document
from app.centres.models import Centre
from app.core.chains import AuditEvent
from app.core.scope import visible
from app.core.views import MAX_ID
from app.enterprises.models import Enterprise
from app.extensions import db
from app.visits.compliance import next_month
from app.visits.enums import VisitState
from app.visits.models import Visit, VisitEnterprise, VisitFile, VisitFollowUp, VisitProblem, VisitStaff
from app.visits.services import STAFF_ROLES

PAGE_SIZE = 50
_CURSOR = re.compile(r"(\d{4}-\d{2}-\d{2})\.(\d{1,10})")


def day_of():
    """SQL: the day a visit took place, or is planned for (what lists sort and filter by)."""
    return func.coalesce(Visit.visited_on, Visit.planned_on)


def _loads(user):
    """Everything a visit's page shows, in a fixed number of statements (no lazy loads)."""
    options = [
        joinedload(Visit.centre),
        joinedload(Visit.planned_by),
        joinedload(Visit.recorded_by),
        selectinload(Visit.staff_links).joinedload(VisitStaff.user),
        selectinload(Visit.enterprise_links).joinedload(VisitEnterprise.enterprise),
        selectinload(Visit.problems).joinedload(VisitProblem.enterprise),
        selectinload(Visit.follow_ups).options(joinedload(VisitFollowUp.owner), joinedload(VisitFollowUp.done_by)),
    ]
    if not user.is_staff:
        options.append(defer(Visit.notes, raiseload=True))
    return options


def _list_loads(user, shown_only: bool = False):
    """What a page of visits loads with them: everything (the API's list gives each visit whole), or
    with ``shown_only`` what the list page shows of them (names, the follow-ups' state; no problems)."""
    if shown_only:
        options = [
            joinedload(Visit.centre).load_only(Centre.code, Centre.name_zh, Centre.name_en),
            selectinload(Visit.staff_links).joinedload(VisitStaff.user).load_only(User.name),
            selectinload(Visit.enterprise_links).joinedload(VisitEnterprise.enterprise).load_only(Enterprise.name),
            selectinload(Visit.follow_ups).load_only(VisitFollowUp.done_at),
        ]
    else:
        options = [
            joinedload(Visit.centre),
            selectinload(Visit.staff_links).joinedload(VisitStaff.user),
            selectinload(Visit.enterprise_links).joinedload(VisitEnterprise.enterprise),
            selectinload(Visit.follow_ups),
            selectinload(Visit.problems),
        ]
    if not user.is_staff:
        options.append(defer(Visit.notes, raiseload=True))
    return options


def _for(user, visits):
    """The visits as ``user`` may have them: an applicant's never carry the notes."""
    if not user.is_staff:
        for visit in visits:
            visit.__dict__["notes"] = ""  # not loaded for them: blank, never fetched
    return visits


def get_visit(user, visit_id) -> Visit | None:
    """The visit with its staff, enterprises, problems and follow-ups, if ``user`` may see it."""
    try:
        visit_id = int(visit_id)
    except (TypeError, ValueError):
        return None
    if not 0 < visit_id <= MAX_ID or user is None or not getattr(user, "is_authenticated", False):
        return None
    stmt = visible(select(Visit).where(Visit.id == visit_id), user, Visit).options(*_loads(user))
    visit = db.session.execute(stmt).unique().scalar_one_or_none()
    return _for(user, [visit])[0] if visit is not None else None


@dataclass(frozen=True)
class Cursor:
    day: date
    id: int

    def encode(self) -> str:
        return f"{self.day.isoformat()}.{self.id}"

    @classmethod
    def decode(cls, text) -> Cursor | None:
        match = _CURSOR.fullmatch(text or "") if isinstance(text, str) else None
        if match is None:
            return None
        try:
            day = date.fromisoformat(match.group(1))
        except ValueError:
            return None
        number = int(match.group(2))
        return cls(day, number) if 0 < number <= MAX_ID else None


@dataclass(frozen=True)
class Page:
    rows: list
    cursor: Cursor | None
    next_cursor: Cursor | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def list_stmt(
    user, *, month: date | None = None, centre_id=None, state=None, enterprise_id=None, subtree: bool = False
) -> Select:
    """The visits ``user`` may see, filtered: ``month`` (its first day; the day the visit took place,
    or is planned for), ``centre_id`` (that centre; with ``subtree`` also the centres below it),
    ``state`` (a ``VisitState`` or its value), ``enterprise_id`` (visits of that enterprise)."""
    stmt = visible(select(Visit), user, Visit)
    if month is not None:
        first = month.replace(day=1)
        stmt = stmt.where(day_of() >= first, day_of() < next_month(first))
    if centre_id is not None:
        if subtree:
            centre = db.session.get(Centre, centre_id)
            if centre is None:
                return stmt.where(Visit.id.is_(None))
            stmt = stmt.where(
                Visit.centre_id.in_(select(Centre.id).where(Centre.path.startswith(centre.path, autoescape=True)))
            )
        else:
            stmt = stmt.where(Visit.centre_id == centre_id)
    if state is not None:
        stmt = stmt.where(Visit.state == VisitState(state))
    if enterprise_id is not None:
        stmt = stmt.where(
            Visit.id.in_(select(VisitEnterprise.visit_id).where(VisitEnterprise.enterprise_id == enterprise_id))
        )
    return stmt


def list_visits(
    user,
    *,
    month: date | None = None,
    centre_id=None,
    state=None,
    enterprise_id=None,
    subtree: bool = False,
    cursor: str | Cursor | None = None,
    limit: int = PAGE_SIZE,
    shown_only: bool = False,
) -> Page:
    """One page of the visits ``user`` may see (filters as ``list_stmt``), the latest day first, then
    the newest; ``cursor`` (a ``Cursor`` or its text) is where the page starts. ``shown_only``: loaded
    with what the list page shows only (``_list_loads``)."""
    start = cursor if isinstance(cursor, Cursor) else Cursor.decode(cursor)
    stmt = list_stmt(user, month=month, centre_id=centre_id, state=state, enterprise_id=enterprise_id, subtree=subtree)
    day = day_of()
    if start is not None:
        # "day <= start" first: the index of the list's order is then read from the cursor on, not scanned.
        stmt = stmt.where(day <= start.day, or_(day < start.day, and_(day == start.day, Visit.id < start.id)))
    rows = list(
        db.session.execute(
            stmt.options(*_list_loads(user, shown_only)).order_by(day.desc(), Visit.id.desc()).limit(limit + 1)
        )
        .unique()
        .scalars()
    )
    next_cursor = Cursor(rows[limit - 1].day, rows[limit - 1].id) if len(rows) > limit else None
    return Page(_for(user, rows[:limit]), start, next_cursor)


def enterprise_history(user, enterprise, limit: int = PAGE_SIZE) -> list[Visit]:
    """The visits of ``enterprise`` that ``user`` may see, the latest first (an applicant: those done)."""
    enterprise_id = enterprise.id if isinstance(enterprise, Enterprise) else enterprise
    return list_visits(user, enterprise_id=enterprise_id, limit=limit).rows


def planned_for(user, limit: int = PAGE_SIZE) -> list[Visit]:
    """The planned visits ``user`` goes on, the soonest first (their "my work"), with what it shows
    of them: their centre and their enterprises' names."""
    if not getattr(user, "is_staff", False):
        return []
    # Planned visits are few (the weeks ahead) and each is asked whether the user goes on it, by the
    # staff table's key: SQLite, given ``IN (their visits)``, read every visit the user ever went on
    # (6,000 for a national caseworker of the generated data, 15 ms) to keep the planned ones.
    goes = select(VisitStaff.visit_id).where(VisitStaff.visit_id == Visit.id, VisitStaff.user_id == user.id)
    stmt = (
        select(Visit)
        .where(Visit.state == VisitState.PLANNED, goes.exists())
        .options(
            # What the list shows: the day, the centre's name, the enterprises' (no notes, no topics).
            load_only(Visit.id, Visit.centre_id, Visit.state, Visit.planned_on, Visit.visited_on),
            joinedload(Visit.centre).load_only(Centre.code, Centre.name_zh, Centre.name_en),
            selectinload(Visit.enterprise_links).joinedload(VisitEnterprise.enterprise).load_only(Enterprise.name),
        )
        .order_by(Visit.planned_on, Visit.id)
        .limit(limit)
    )
    return list(db.session.execute(stmt).unique().scalars())


def follow_ups_for(user, limit: int = PAGE_SIZE) -> list[VisitFollowUp]:
    """The open follow-ups ``user`` owns, the earliest due first, with their visits."""
    if not getattr(user, "is_staff", False):
        return []
    stmt = (
        select(VisitFollowUp)
        .where(VisitFollowUp.owner_id == user.id, VisitFollowUp.done_at.is_(None))
        .options(
            joinedload(VisitFollowUp.visit).options(
                joinedload(Visit.centre),
                selectinload(Visit.enterprise_links).joinedload(VisitEnterprise.enterprise),
            )
        )
        .order_by(VisitFollowUp.due_on, VisitFollowUp.id)
        .limit(limit)
    )
    return list(db.session.execute(stmt).unique().scalars())


# ---- what a form may offer ---------------------------------------------------------------------------------


def staff_choices(centre: Centre, q: str | None = None, limit: int | None = None) -> Select:
    """``select(User)``: who may go on (or own a follow-up of) a visit of ``centre``: active caseworkers
    and supervisors of the centre or of a centre above it; ``q`` filters by name or e-mail."""
    stmt = select(User).where(
        User.is_active.is_(True), User.role.in_(list(STAFF_ROLES)), User.centre_id.in_(centre.ancestor_ids)
    )
    q = (q or "").strip()[:50]
    if q:
        stmt = stmt.where(
            or_(User.name.contains(q, autoescape=True), func.lower(User.email).contains(q.lower(), autoescape=True))
        )
    stmt = stmt.order_by(User.name, User.id)
    return stmt.limit(limit) if limit else stmt


def enterprise_choices(centre: Centre, q: str | None = None, limit: int | None = None) -> Select:
    """``select(Enterprise)``: the enterprises a visit of ``centre`` may visit (served by it or a centre
    below it); ``q`` filters by name or credit code."""
    stmt = select(Enterprise).where(
        Enterprise.centre_id.in_(select(Centre.id).where(Centre.path.startswith(centre.path, autoescape=True)))
    )
    q = (q or "").strip()[:50]
    if q:
        stmt = stmt.where(
            or_(
                Enterprise.name.contains(q, autoescape=True),
                Enterprise.credit_code.contains(q.upper(), autoescape=True),
            )
        )
    stmt = stmt.order_by(Enterprise.name, Enterprise.id)
    return stmt.limit(limit) if limit else stmt


# ---- files, events and documents ---------------------------------------------------------------------------


def visit_files(visit: Visit) -> list[VisitFile]:
    return list(
        db.session.execute(
            select(VisitFile).where(VisitFile.visit_id == visit.id).order_by(VisitFile.created_at, VisitFile.id)
        ).scalars()
    )


def get_visit_file(visit: Visit, file_id) -> VisitFile | None:
    try:
        file_id = int(file_id)
    except (TypeError, ValueError):
        return None
    if not 0 < file_id <= MAX_ID:
        return None
    return db.session.execute(
        select(VisitFile).where(VisitFile.id == file_id, VisitFile.visit_id == visit.id)
    ).scalar_one_or_none()


def visit_events(visit: Visit) -> list[AuditEvent]:
    """The visit's chain, oldest first (staff only: every event of a visit is internal)."""
    return list(
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.chain_type == "visit", AuditEvent.chain_id == visit.id)
            .order_by(AuditEvent.seq)
        ).scalars()
    )


def actor_names(events) -> dict[int, str]:
    """{user id: name} of the people who acted in ``events`` (one statement)."""
    ids = sorted({e.actor_id for e in events if e.actor_id})
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def visit_documents(visit: Visit) -> list[Document]:
    """The visit records issued, oldest first."""
    return list(
        db.session.execute(
            select(Document)
            .where(Document.subject_type == "visit", Document.subject_id == visit.id)
            .order_by(Document.created_at, Document.id)
        ).scalars()
    )
