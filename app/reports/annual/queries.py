"""Reads of annual reports, scoped to what the reader may see: the supervisors and administrators of a
centre see the reports of their centre and of every centre below it; nobody else sees any (the scope rule
registered here is the one ``app.core.scope.visible`` applies)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, func, select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.centres.models import Centre
from app.clocks.models import CaseClock, ClockName
from app.core.chains import AuditEvent
from app.core.scope import centre_subtree_ids, get_visible, scope_rule, visible
from app.extensions import db
from app.reports.annual.models import SUBJECT, AnnualReport, AnnualState
from app.reports.annual.services import VIEWERS

LIST_LIMIT = 600  # a year's reports of the whole country fit on one page


@scope_rule(AnnualReport)
def _reports(stmt, user):
    if not user.is_staff or user.role not in VIEWERS:
        return stmt.where(false())
    return stmt.where(AnnualReport.centre_id.in_(centre_subtree_ids(user)))


def get_report(user, report_id) -> AnnualReport | None:
    return get_visible(AnnualReport, report_id, user)


def find_report(user, centre_code: str, year: int) -> AnnualReport | None:
    """The report of the centre with ``centre_code`` for ``year``, if the user may see it."""
    stmt = (
        select(AnnualReport)
        .join(Centre, Centre.id == AnnualReport.centre_id)
        .where(Centre.code == centre_code, AnnualReport.year == year)
    )
    return db.session.execute(visible(stmt, user, AnnualReport)).scalar_one_or_none()


@dataclass(frozen=True)
class Row:
    report: AnnualReport
    due_at: datetime | None
    met_at: datetime | None

    def is_late(self, now: datetime) -> bool:
        if self.due_at is None:
            return False
        return (self.met_at or now) > self.due_at


def years(user) -> list[int]:
    """The years with a report the user may see, latest first."""
    stmt = visible(select(AnnualReport.year).distinct(), user, AnnualReport).order_by(AnnualReport.year.desc())
    return list(db.session.execute(stmt).scalars())


def list_reports(user, year: int, state: AnnualState | None = None) -> list[Row]:
    """The reports of ``year`` in the user's scope, in the order of the centres' tree, with their deadline
    (the clock's due time, and when it was met), in one statement."""
    clock = (
        select(
            CaseClock.subject_id.label("report_id"),
            func.max(CaseClock.due_at).label("due_at"),
            func.max(CaseClock.met_at).label("met_at"),
        )
        .where(
            CaseClock.case_id.is_(None),
            CaseClock.subject_type == SUBJECT,
            CaseClock.name == ClockName.ANNUAL_REPORT,
        )
        .group_by(CaseClock.subject_id)
        .subquery()
    )
    stmt = (
        select(AnnualReport, clock.c.due_at, clock.c.met_at)
        .join(Centre, Centre.id == AnnualReport.centre_id)
        .outerjoin(clock, clock.c.report_id == AnnualReport.id)
        .options(joinedload(AnnualReport.centre))
        .where(AnnualReport.year == year)
        .order_by(Centre.path)
        .limit(LIST_LIMIT)
    )
    if state is not None:
        stmt = stmt.where(AnnualReport.state == state)
    stmt = visible(stmt, user, AnnualReport)
    return [Row(r, due, met) for r, due, met in db.session.execute(stmt).all()]


def clock_of(report: AnnualReport) -> CaseClock | None:
    return db.session.execute(
        select(CaseClock)
        .where(CaseClock.case_id.is_(None), CaseClock.subject_type == SUBJECT, CaseClock.subject_id == report.id)
        .order_by(CaseClock.started_at.desc(), CaseClock.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def events(report: AnnualReport) -> list[AuditEvent]:
    """The report's chain, oldest first."""
    return list(
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.chain_type == SUBJECT, AuditEvent.chain_id == report.id)
            .order_by(AuditEvent.seq)
        ).scalars()
    )


def actor_names(events_) -> dict[int, str]:
    ids = sorted({e.actor_id for e in events_ if e.actor_id})
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
