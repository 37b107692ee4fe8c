"""Reads of the home pages: the work waiting for each role, a few rows of each kind and their counts.

Each section reads a handful of rows (``ROWS``) and the page's counts come in one statement, so a
home page costs the same few statements however many cases wait. Every read is scoped as the list
it leads to: the applicant's own enterprise, the staff member's subtree (``visible``), or what is
theirs by person (the cases they own or first took up, the offers made to them or their centre).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case as sql_case
from sqlalchemy import func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.cases.enums import OPEN_STATES, CaseState
from app.cases.models import Case, CaseEvent, in_board_state, in_board_states
from app.cases.queries import MaterialRequest, china_day_start, list_row_loads, open_material_requests
from app.clocks.display import due_soon_until
from app.clocks.mywork import offers_count, offers_for
from app.clocks.queries import Board, Rate, escalation, period_rate
from app.core.db import among
from app.core.scope import visible
from app.extensions import db

ROWS = 5  # rows per section of a staff home page
APPLICANT_ROWS = 10


def _row_loads():
    """What a home row shows, and nothing more (no long texts)."""
    return (*list_row_loads(), joinedload(Case.owner).load_only(User.name))


def _due_first(stmt):
    # ``NULLS LAST`` is PostgreSQL's own order of an ascending index: the partial indexes of the board's
    # cases (``ix_cases_state_due``, ``ix_cases_owner_open``) give the rows in it, so a page of five
    # reads five entries however many cases wait (SQLite, whose NULLs come first, sorts the few it reads).
    return stmt.order_by(Case.next_due_at.asc().nulls_last(), Case.id)


def _rows(stmt, limit: int) -> list[Case]:
    return list(db.session.execute(stmt.options(*_row_loads()).limit(limit)).unique().scalars())


def _due_order(case: Case) -> tuple:
    """``_due_first``'s order, in Python."""
    due = case.next_due_at
    return (due is None, due.timestamp() if due is not None else 0.0, case.id)


def _first_rows(sections: list, limit: int) -> list[list[Case]]:
    """The first ``limit`` rows, due first, of each of ``sections`` (statements selecting cases, or None
    for a section known to be empty): the ids of them all in one statement, each section's own index
    read in its order, then the rows by primary key in one more. Three sections read apart cost three
    plannings of the rows' joins (of the enterprise, the centre and the owner), which on PostgreSQL
    took longer than reading them."""
    members = [
        select(literal(i).label("section"), part.c.id)
        for i, stmt in enumerate(sections)
        if stmt is not None
        for part in [_due_first(stmt).with_only_columns(Case.id).limit(limit).subquery()]
    ]
    found: list[list[Case]] = [[] for _ in sections]
    if not members:
        return found
    pairs = db.session.execute(union_all(*members) if len(members) > 1 else members[0]).all()
    ids = sorted({case_id for _, case_id in pairs})
    cases = {
        c.id: c
        for c in db.session.execute(select(Case).where(among(Case.id, ids)).options(*_row_loads())).unique().scalars()
    }
    for section, case_id in pairs:
        if case_id in cases:
            found[section].append(cases[case_id])
    return [sorted(rows, key=_due_order) for rows in found]


# ---- the applicant -----------------------------------------------------------------------------------


@dataclass
class ApplicantHome:
    """The open cases of the applicant's enterprise (what waits for them first) and the counts."""

    cases: list[Case] = field(default_factory=list)
    material: dict[int, MaterialRequest] = field(default_factory=dict)
    open_count: int = 0
    all_count: int = 0
    awaiting_count: int = 0


def applicant_home(user, limit: int = APPLICANT_ROWS) -> ApplicantHome:
    """Open cases of the user's enterprise: those awaiting their material first, then their drafts,
    then the newest; each awaiting case with what was asked and by when (one statement for all)."""
    waiting_first = sql_case(
        (Case.state == CaseState.AWAITING_MATERIAL, 0), (Case.state == CaseState.DRAFT, 1), else_=2
    )
    stmt = visible(select(Case).where(Case.state.in_(OPEN_STATES)), user, Case).order_by(
        waiting_first, Case.created_at.desc(), Case.id.desc()
    )
    cases = _rows(stmt, limit)
    open_count, all_count, awaiting = db.session.execute(
        visible(
            select(
                func.coalesce(func.sum(sql_case((Case.state.in_(OPEN_STATES), 1), else_=0)), 0),
                func.count(Case.id),
                func.coalesce(func.sum(sql_case((Case.state == CaseState.AWAITING_MATERIAL, 1), else_=0)), 0),
            ),
            user,
            Case,
        )
    ).one()
    return ApplicantHome(
        cases=cases,
        material=open_material_requests(cases),
        open_count=int(open_count),
        all_count=int(all_count),
        awaiting_count=int(awaiting),
    )


# ---- those who handle cases --------------------------------------------------------------------------


@dataclass
class Section:
    rows: list = field(default_factory=list)
    count: int = 0


@dataclass
class HandlerQueue:
    """A caseworker's (or supervisor's) waiting work."""

    to_acknowledge: Section = field(default_factory=Section)
    to_decide: Section = field(default_factory=Section)
    due_soon: Section = field(default_factory=Section)
    offers: Section = field(default_factory=Section)
    # Case id -> when the applicant last provided material (the "to decide" rows that had some).
    material_provided: dict[int, datetime] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.to_acknowledge.count or self.to_decide.count or self.due_soon.count or self.offers.count)


def _to_acknowledge(user):
    """Web submissions of the user's subtree that nobody has acknowledged yet."""
    return visible(select(Case).where(in_board_state(CaseState.SUBMITTED)), user, Case)


def _to_decide(user):
    """Cases the user owns that are acknowledged (material, if asked for, provided): accept or decline."""
    return select(Case).where(Case.owner_id == user.id, in_board_state(CaseState.ACKNOWLEDGED))


def _due_soon(user, now: datetime):
    """Cases the user owns or first took up whose earliest running deadline is past or ends today."""
    return select(Case).where(
        or_(Case.owner_id == user.id, Case.first_responder_id == user.id),
        Case.next_due_at.is_not(None),
        Case.next_due_at <= due_soon_until(now),
        in_board_states(),  # a running deadline is a case's on the board (open, or declined and not yet told)
    )


def _count(stmt):
    return stmt.with_only_columns(func.count(Case.id)).order_by(None).scalar_subquery()


def handler_queue(user, now: datetime, limit: int = ROWS) -> HandlerQueue:
    """The caseworker's four sections: to acknowledge, to decide, due soon, offers waiting for an answer."""
    queue = HandlerQueue()
    if not getattr(user, "is_staff", False):
        return queue
    counts = db.session.execute(
        select(
            _count(_to_acknowledge(user)),
            _count(_to_decide(user)),
            _count(_due_soon(user, now)),
            offers_count(user),
        )
    ).one()
    sections = [_to_acknowledge(user), _to_decide(user), _due_soon(user, now)]
    # A section counted empty is not read.
    rows = _first_rows([stmt if counts[i] else None for i, stmt in enumerate(sections)], limit)
    queue.to_acknowledge = Section(rows[0], int(counts[0]))
    queue.to_decide = Section(rows[1], int(counts[1]))
    queue.due_soon = Section(rows[2], int(counts[2]))
    queue.offers = Section(offers_for(user, limit) if counts[3] else [], int(counts[3]))
    queue.material_provided = material_provided([c.id for c in queue.to_decide.rows])
    return queue


def material_provided(case_ids) -> dict[int, datetime]:
    """Case id -> the time of its latest ``provide_material`` event, for those of ``case_ids`` that have one."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(CaseEvent.case_id, func.max(CaseEvent.created_at))
            .where(
                CaseEvent.case_id.in_(ids),
                CaseEvent.action == "provide_material",
                CaseEvent.subject_type.is_(None),
            )
            .group_by(CaseEvent.case_id)
        ).all()
    )


# ---- the supervisor ----------------------------------------------------------------------------------


@dataclass
class CentreFigures:
    """The user's subtree this month: cases received, cases open now, deadlines met on time."""

    month_start: date
    received: int = 0
    open: int = 0
    rate: Rate = field(default_factory=Rate)


def centre_figures(user, now: datetime, today: date) -> CentreFigures:
    """Counted in SQL with the indexes (submission time; state), one statement, plus one for the rate."""
    month_start = today.replace(day=1)
    figures = CentreFigures(month_start=month_start)
    if not getattr(user, "is_staff", False) or user.centre is None:
        return figures
    received = visible(
        select(func.count(Case.id)).where(Case.submitted_at >= china_day_start(month_start)), user, Case
    ).scalar_subquery()
    open_now = visible(
        select(func.count(Case.id)).where(Case.state.in_([s for s in OPEN_STATES if s is not CaseState.DRAFT])),
        user,
        Case,
    ).scalar_subquery()
    figures.received, figures.open = (int(n) for n in db.session.execute(select(received, open_now)).one())
    figures.rate = period_rate(user, month_start, today, now)
    return figures


def overdue_board(user, now: datetime, limit: int = ROWS) -> Board:
    """The first rows of the escalation board (the most late first) and its whole counts."""
    return escalation(user, now, limit=limit)


# ---- everyone ----------------------------------------------------------------------------------------


def latest_unread(user, limit: int = 3) -> list[dict]:
    """The user's newest unread notifications, as the notifications page words them (the navigation
    already counts them all), each with the number of its case when the user may open it."""
    from app.notifications.models import Notification
    from app.notifications.services import text
    from app.notifications.views import linkable_cases

    rows = list(
        db.session.execute(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .order_by(Notification.id.desc())
            .limit(limit)
        ).scalars()
    )
    cases = linkable_cases(user, [n.case_id for n in rows])
    return [{"text": text(n), "created_at": n.created_at, "case_number": cases.get(n.case_id)} for n in rows]
