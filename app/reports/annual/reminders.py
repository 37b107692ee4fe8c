"""The annual report's deadline on the clocks' pages and in the sla-scan (``app.clocks.free``).

The report's clock is handled under no case. The escalation board and "my work" name it by the report's
year and centre, with a link to the report; its due-soon mark goes to the supervisors of the report's
centre, its breach to them and to the reviewers (the supervisors of the centre above, or the national
centre's administrators). Both are recorded as events of the report's own chain (``clock_due_soon``,
``clock_breached``); the scan locks the report first, as the one door does, then claims the clock, so
each mark is recorded exactly once.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.centres.models import Centre
from app.clocks.free import FreeKind, FreeSubject, register_free
from app.clocks.models import CaseClock
from app.core import chains
from app.extensions import db
from app.reports.annual import queries as _queries  # noqa: F401  (the reports' scope rule)
from app.reports.annual.models import SUBJECT, AnnualReport, audited_fields
from app.reports.annual.services import reviewers_of, writers_of

REPORT_PAGE = "/reports/annual/%d"


def describe(report_ids: list[int]) -> dict[int, FreeSubject]:
    """{report id: what the board and "my work" show of it}, in one statement."""
    rows = db.session.execute(
        select(AnnualReport.id, AnnualReport.year, AnnualReport.state, Centre)
        .join(Centre, Centre.id == AnnualReport.centre_id)
        .where(AnnualReport.id.in_(report_ids))
    ).all()
    out = {}
    for report_id, year, state, centre in rows:
        out[report_id] = FreeSubject(
            label=_("Annual report %(year)s", year=year),
            title=_(
                "%(centre)s: annual report on SME work of %(year)s (%(state)s)",
                centre=centre.name,
                year=year,
                state=state.label,
            ),
            path=REPORT_PAGE % report_id,
            owner_name=_("The centre's supervisors"),
            centre_code=centre.code,
            centre_name=centre.name,
        )
    return out


def escalate(clock_id: int, report_id: int, kind: str, now: datetime) -> int | None:
    """Record ``kind`` (due soon, breached) of a report's clock once; returns how many people were notified,
    or None when this scan has nothing (left) to record. Flushes; the scan commits."""
    from app.clocks.scan import BREACHED, claim, supervisors_of
    from app.notifications.services import notify

    report = db.session.execute(
        select(AnnualReport)
        .where(AnnualReport.id == report_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if report is None or not claim(clock_id, kind, now):
        return None
    clock = db.session.execute(select(CaseClock.name, CaseClock.due_at).where(CaseClock.id == clock_id)).one()
    due = clock.due_at.isoformat()
    chains.record(
        SUBJECT,
        report.id,
        None,
        kind,
        from_state=report.state,
        to_state=report.state,
        data={"clock": clock.name.value, "due_at": due},
        fields=audited_fields(report),
    )
    people = writers_of(report) or supervisors_of(report.centre)
    if kind == BREACHED:
        people = list(dict.fromkeys(people + reviewers_of(report)))
    params = {"centre": report.centre.name_zh, "year": report.year, "due": due}
    notification = "annual_report_breached" if kind == BREACHED else "annual_report_due_soon"
    rows = notify(people, notification, None, params, subject=report, subject_type=SUBJECT)
    return len(rows)


register_free(FreeKind(SUBJECT, describe, escalate))
