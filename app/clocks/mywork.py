"""Reads of "my work": what a caseworker answers for now, due first.

- ``owned``: open cases they own;
- ``first_taken``: open cases they first took up and no longer own (handed over or
  transferred: they are still reminded of them and confirm the outcome was told);
- ``offers``: handovers offered to them, and transfers offered to their centre;
- ``tracks``: the running deadlines they answer for on what is handled under a case (a
  mediation's reply window, its deadline, its confirmation and performance: a mediator's work),
  and on what is handled under no case (a visit's follow-up they own).

All but the offers are read by person, not through the centre scope: a first responder follows a
case that was transferred beyond their subtree, a mediator of a centre above the mediations
assigned to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.cases.enums import OPEN_STATES, HandoverKind, HandoverStatus
from app.cases.models import Case, CaseHandover, in_board_states
from app.cases.queries import list_row_loads
from app.clocks.free import FreeSubject, describe
from app.clocks.models import CaseClock
from app.clocks.queries import attach_names
from app.extensions import db

# Rows per section, the earliest due first: a screen or two of what is most urgent. The case list
# (linked when there are more) has them all; at 50 a busy caseworker's page held 150 rows (87 KB).
LIMIT = 25


@dataclass(frozen=True)
class TrackDeadline:
    """A running clock of a track (a mediation…) and the case it is handled under; or of a subject
    handled under no case (a visit's follow-up: ``case`` None, ``subject`` names it)."""

    clock: CaseClock
    case: Case | None
    subject: FreeSubject | None = None


@dataclass
class MyWork:
    owned: list[Case] = field(default_factory=list)
    first_taken: list[Case] = field(default_factory=list)
    offers: list[CaseHandover] = field(default_factory=list)
    tracks: list[TrackDeadline] = field(default_factory=list)
    # More than the section shows (its rows are the first ``LIMIT``, due first).
    owned_more: bool = False
    first_taken_more: bool = False


def _due_first(stmt):
    # Cases with a running deadline first, the earliest first; then the newest of the rest.
    # ``NULLS LAST``: the order of the partial indexes of a person's cases (``ix_cases_owner_open``), read
    # in it on PostgreSQL (SQLite, whose NULLs come first, sorts the person's few cases).
    return stmt.order_by(Case.next_due_at.asc().nulls_last(), Case.created_at.desc(), Case.id.desc())


def my_work(user, limit: int | None = None) -> MyWork:
    """What ``user`` (staff) answers for now, at most ``limit`` (``LIMIT``) of each; empty for anyone else."""
    limit = limit or LIMIT
    work = MyWork()
    if not getattr(user, "is_staff", False):
        return work
    # Open cases, and a declined one whose decision has not reached the applicant yet (its
    # feedback clock still runs, so it has a due time).
    # Both are among the board's states, said as the partial indexes of a person's cases have it
    # (``ix_cases_owner_open``, ``ix_cases_first_responder_open``) so that both databases read those.
    open_ = and_(in_board_states(), or_(Case.state.in_(OPEN_STATES), Case.next_due_at.is_not(None)))
    work.owned = list(
        db.session.execute(
            _due_first(select(Case).where(Case.owner_id == user.id, open_)).options(*list_row_loads()).limit(limit + 1)
        ).scalars()
    )
    work.owned, work.owned_more = work.owned[:limit], len(work.owned) > limit
    work.first_taken = list(
        db.session.execute(
            _due_first(
                select(Case).where(
                    Case.first_responder_id == user.id,
                    or_(Case.owner_id.is_(None), Case.owner_id != user.id),
                    open_,
                )
            )
            .options(*list_row_loads())
            .limit(limit + 1)
        ).scalars()
    )
    work.first_taken, work.first_taken_more = work.first_taken[:limit], len(work.first_taken) > limit
    # The owner's and first responder's names come after, for both sections in one statement: two joins
    # of ``users`` more in the rows' statements cost PostgreSQL 3-4 ms of planning per section.
    attach_names([], work.owned + work.first_taken)
    work.offers = offers_for(user, limit)
    work.tracks = track_deadlines(user, limit)
    return work


def track_deadlines(user, limit: int = LIMIT) -> list[TrackDeadline]:
    """The running clocks of tracks handled under a case that ``user`` answers for (``responsible``),
    paused ones included, the earliest due first and those waiting for a calendar last."""
    if not getattr(user, "is_staff", False):
        return []
    mine = (
        CaseClock.responsible_id == user.id,
        CaseClock.subject_type != "case",
        CaseClock.met_at.is_(None),
        CaseClock.stopped_at.is_(None),
    )
    # The order of ``ix_case_clocks_tracks_running`` (NULLS LAST is PostgreSQL's ascending order): one
    # person's running deadlines on tracks, read from it in order rather than sorted.
    order = (CaseClock.due_at.asc().nulls_last(), CaseClock.id)
    rows = db.session.execute(
        select(CaseClock, Case)
        .join(Case, Case.id == CaseClock.case_id)
        .where(*mine)
        .options(*list_row_loads())
        .order_by(*order)
        .limit(limit)
    ).all()
    free = list(
        db.session.execute(select(CaseClock).where(*mine, CaseClock.case_id.is_(None)).order_by(*order).limit(limit))
        .scalars()
        .all()
    )
    subjects = describe(free)
    merged = [TrackDeadline(clock, case) for clock, case in rows] + [
        TrackDeadline(clock, None, subjects.get(clock.id)) for clock in free
    ]
    merged.sort(key=lambda t: (t.clock.due_at is None, t.clock.due_at or t.clock.started_at, t.clock.id))
    return merged[:limit]


def _offered_to(user):
    """Handovers offered to ``user``, and transfers offered to their centre (not those they offered)."""
    to_me = and_(CaseHandover.kind == HandoverKind.HANDOVER, CaseHandover.to_user_id == user.id)
    to_my_centre = and_(
        CaseHandover.kind == HandoverKind.TRANSFER,
        CaseHandover.to_centre_id == user.centre_id,
        or_(CaseHandover.from_user_id.is_(None), CaseHandover.from_user_id != user.id),
    )
    return and_(CaseHandover.status == HandoverStatus.OFFERED, or_(to_me, to_my_centre))


def offers_for(user, limit: int = LIMIT) -> list[CaseHandover]:
    """The offers waiting for ``user``'s answer, the oldest first, with their cases."""
    if not getattr(user, "is_staff", False):
        return []
    return list(
        db.session.execute(
            select(CaseHandover)
            .join(Case, Case.id == CaseHandover.case_id)
            .where(_offered_to(user))
            .options(
                selectinload(CaseHandover.case).options(*list_row_loads()),
                joinedload(CaseHandover.from_user),
                joinedload(CaseHandover.from_centre),
            )
            .order_by(CaseHandover.offered_at)
            .limit(limit)
        ).scalars()
    )


def offers_count(user):
    """SQL (a scalar subquery): how many offers wait for ``user``'s answer."""
    return select(func.count(CaseHandover.id)).where(_offered_to(user)).scalar_subquery()
