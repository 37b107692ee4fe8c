"""Reads of the API, all through the scope helper: the case list with its keyset cursor, clocks, events,
documents, and "my work"."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from app.cases.enums import CaseKind, CaseState, Channel, IPType
from app.cases.models import Case, CaseEvent, Document
from app.cases.permissions import can_see_internal
from app.clocks.models import CaseClock
from app.core.db import utcnow
from app.core.scope import visible
from app.extensions import db

MAX_ID = 2**31 - 1


def case_loads():
    """What serialising a case reads, loaded up front (no lazy loading per item)."""
    return (
        joinedload(Case.enterprise),
        joinedload(Case.centre),
        joinedload(Case.first_responder),
        joinedload(Case.owner),
        selectinload(Case.rights),
        selectinload(Case.respondents),
    )


@dataclass(frozen=True)
class CaseFilters:
    state: CaseState | None = None
    kind: CaseKind | None = None
    ip_type: IPType | None = None
    channel: Channel | None = None
    overdue: bool | None = None
    q: str = ""


class BadCursor(ValueError):
    pass


def encode_cursor(case: Case) -> str:
    raw = json.dumps([case.created_at.astimezone(UTC).isoformat(), case.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (created_at, id) a cursor stands for; ``BadCursor`` for anything a client made up."""
    try:
        if len(cursor) > 200 or not cursor.isascii():
            raise BadCursor()
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, case_id = json.loads(raw.decode("utf-8"))
        if not isinstance(created, str) or isinstance(case_id, bool) or not isinstance(case_id, int):
            raise BadCursor()
        moment = datetime.fromisoformat(created)
    except (BadCursor, binascii.Error, ValueError, TypeError, UnicodeDecodeError, RecursionError):
        raise BadCursor() from None
    if moment.tzinfo is None or not 0 < case_id <= MAX_ID:
        raise BadCursor()
    try:
        return moment.astimezone(UTC), case_id
    except (OverflowError, ValueError):
        raise BadCursor() from None


def list_cases(
    user, filters: CaseFilters, limit: int, cursor: str | None = None, now: datetime | None = None
) -> tuple[list[Case], str | None]:
    """A page of the cases ``user`` may see, newest first; the cursor of the next page or None.

    Scope and filters are the case list page's own (``app.cases.queries.apply_filters``), so
    ``q`` finds the same cases (words, patent numbers in any accepted form) and ``overdue`` the
    same late ones (``Case.next_due_at`` before ``now``; ``false``: the others) through either door.
    """
    from app.cases import queries as case_queries

    shared = case_queries.CaseFilters(
        states=(filters.state,) if filters.state is not None else (),
        kind=filters.kind,
        ip_type=filters.ip_type,
        channel=filters.channel,
        q=filters.q,
        overdue=filters.overdue,
        now=now or utcnow(),
    )
    # The page's ids first, on ``cases`` alone; the joined loads only for those rows (joining before
    # the sort and limit made a national page take a second on SQLite at 100,000 cases).
    ids = case_queries.apply_filters(select(Case.id), user, shared)
    if cursor is not None:
        created, case_id = decode_cursor(cursor)
        # A row comparison, as the pages' list uses: a bounded range of the (created_at, id) index. Written
        # with OR, PostgreSQL walked the whole index from the top and filtered (90,000 rows for a deep page).
        ids = ids.where(tuple_(Case.created_at, Case.id) < tuple_(created, case_id))
    order = (Case.created_at.desc(), Case.id.desc())
    page = ids.order_by(*order).limit(limit + 1).subquery("page")
    stmt = select(Case).join(page, page.c.id == Case.id).order_by(*order).options(*case_loads())
    cases = list(db.session.execute(stmt).unique().scalars())
    next_cursor = encode_cursor(cases[limit - 1]) if len(cases) > limit else None
    return cases[:limit], next_cursor


def clocks_by_case(case_ids) -> dict[int, list[CaseClock]]:
    """The clocks of each of ``case_ids`` (oldest first), in one statement for a whole page."""
    ids = sorted(set(case_ids))
    found: dict[int, list[CaseClock]] = {case_id: [] for case_id in ids}
    if not ids:
        return found
    stmt = select(CaseClock).where(CaseClock.case_id.in_(ids)).order_by(CaseClock.started_at, CaseClock.id)
    for clock in db.session.execute(stmt).scalars():
        found[clock.case_id].append(clock)
    return found


def case_events(user, case: Case) -> list[CaseEvent]:
    """The audit trail as ``user`` may read it: staff see all of it, applicants what their timeline shows."""
    stmt = select(CaseEvent).where(CaseEvent.case_id == case.id).options(joinedload(CaseEvent.actor))
    if not can_see_internal(user):
        stmt = stmt.where(CaseEvent.visibility == "applicant")
    return list(db.session.execute(stmt.order_by(CaseEvent.seq)).scalars())


def case_documents(case: Case, user) -> list[Document]:
    from app.cases.documents import readable

    stmt = select(Document).where(Document.case_id == case.id).order_by(Document.created_at, Document.id)
    return list(db.session.execute(readable(stmt, user)).scalars())


def get_document(document_id: int, user) -> Document | None:
    """The document if it belongs to a case ``user`` may see, else None (404)."""
    if not 0 < document_id <= MAX_ID:
        return None
    from app.cases.documents import readable

    stmt = select(Document).join(Case, Case.id == Document.case_id).where(Document.id == document_id)
    return db.session.execute(readable(visible(stmt, user, Case), user)).scalar_one_or_none()


def my_work(user):
    """``app.clocks.mywork.my_work`` with what serialising its cases reads loaded for all of them at once."""
    from app.clocks.mywork import my_work as read_my_work

    work = read_my_work(user)
    ids = {c.id for c in (*work.owned, *work.first_taken)}
    if ids:
        # Fills the rights and respondents of the cases already in the session (two statements in all).
        db.session.execute(
            select(Case)
            .where(Case.id.in_(sorted(ids)))
            .options(*case_loads())
            .execution_options(populate_existing=True)
        ).unique().scalars().all()
    return work
