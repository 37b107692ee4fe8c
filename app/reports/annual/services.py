"""Every write about annual reports: the drafts of 1 January, the sections, submission, return, approval.

``prepare_drafts`` (the cron ``flask reports annual-drafts``) creates one draft per active centre and
year with the year's figures; the unique key (centre, year) and a savepoint per centre make it exactly
once however many runs go at the same time. Each draft starts the report's clock (``ClockName.
ANNUAL_REPORT``, a clock of no case, subject ``annual_report``): due at the end of 31 January of the
following year, China time (counted in calendar days; like every calendar-day deadline of the engine, a
31 January that is a rest day moves to the next working day). The clock is met on submission: the
deadline is the centre's, to hand its report to the centre above; the time the centre above takes to
approve is not the writing centre's lateness. A report returned after the deadline is still late in its
chain and list, but its clock is not started again.

Every later change goes through the one door (``AnnualDoor``, the rule table
``app.reports.annual.workflow``); its events go to the report's own chain. Services take the acting
user explicitly, flush, and never commit (``prepare_drafts`` commits each draft: it is the cron's).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role, User
from app.centres.models import Centre
from app.clocks.models import ClockName, ClockSpan, ClockUnit
from app.core import chains, engine
from app.core.db import utcnow
from app.core.engine import Door, NotFound
from app.core.errors import ServiceError
from app.core.permissions import centre_in_scope
from app.core.workdays import china_day, start_of_day
from app.extensions import db
from app.reports.annual import workflow
from app.reports.annual.models import (
    SECTION_NAMES,
    SUBJECT,
    AnnualReport,
    AnnualState,
    audited_fields,
)

S = AnnualState
VIEWERS = (Role.SUPERVISOR, Role.ADMIN)
FIRST_YEAR = 2000
#: The day of the following year the report is due.
DUE_MONTH, DUE_DAY = 1, 31


class ReportNotFound(NotFound):
    """The report does not exist or is not the actor's to see (both answer 404)."""


# ---- who may see and act -------------------------------------------------------------------------------------


def can_see_report(user, report: AnnualReport | None) -> bool:
    """Supervisors and administrators of the report's centre or of a centre above it."""
    if report is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff and user.role in VIEWERS and centre_in_scope(user, report.centre)


def is_writer(user, report: AnnualReport) -> bool:
    """A supervisor of the report's own centre: they write and submit it."""
    return user.role is Role.SUPERVISOR and user.centre_id == report.centre_id


def is_reviewer(user, report: AnnualReport) -> bool:
    """A supervisor of the centre directly above; for a centre with none above (the national centre),
    an administrator of the centre itself."""
    parent_id = report.centre.parent_id
    if parent_id is None:
        return user.role is Role.ADMIN and user.centre_id == report.centre_id
    return user.role is Role.SUPERVISOR and user.centre_id == parent_id


def open_to(user, report: AnnualReport) -> frozenset:
    """The actions of the rule table open to ``user`` on this report (by who they are, not the state)."""
    if is_writer(user, report):
        return workflow.WRITING
    if is_reviewer(user, report):
        return workflow.REVIEW
    return frozenset()


def reviewers_of(report: AnnualReport) -> list[int]:
    """The active users who approve the report: the supervisors of the centre above, or the national
    centre's administrators."""
    centre = report.centre
    wanted = (Role.ADMIN, centre.id) if centre.parent_id is None else (Role.SUPERVISOR, centre.parent_id)
    return list(
        db.session.execute(
            select(User.id)
            .where(User.role == wanted[0], User.centre_id == wanted[1], User.is_active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def writers_of(report: AnnualReport) -> list[int]:
    """The active supervisors of the report's centre."""
    return list(
        db.session.execute(
            select(User.id)
            .where(User.role == Role.SUPERVISOR, User.centre_id == report.centre_id, User.is_active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


class AnnualDoor(Door):
    """How the engine's one door reaches an annual report; its events go to the report's own chain."""

    workflow = workflow.ANNUAL
    model = AnnualReport
    not_found = ReportNotFound
    not_found_text = _l("Annual report not found.")
    conflict_text = _l(
        "Someone else changed this report meanwhile. The page shows the latest version; what you typed is kept "
        "below, not saved."
    )

    def can_see(self, actor, report):
        return can_see_report(actor, report)

    def beyond_scope(self, actor, report):
        # Every viewer is "in scope", but which actions a supervisor or an administrator may take here
        # depends on their centre: the report's own writes it, the centre above reviews it.
        return open_to(actor, report)

    def beyond_scope_reason(self, actor, report):
        root = report.centre.parent_id is None
        if is_writer(actor, report):
            if root:
                return _l("Only an administrator of the national centre approves or returns its report.")
            return _l("Only a supervisor of the centre above approves or returns this report.")
        if is_reviewer(actor, report):
            return _l("Only the supervisors of the report's centre write and submit it.")
        if root:
            return _l(
                "Only the supervisors of the report's centre write it, and an administrator of the centre approves it."
            )
        return _l(
            "Only the supervisors of the report's centre write it, and a supervisor of the centre above approves it."
        )

    def now(self):
        return utcnow()

    def case_of(self, report):
        return None  # a report belongs to no case: its clock is started and met here, not by the door

    def record(self, applied):
        return chains.record_applied(applied, fields=audited_fields(applied.subject))


DOOR = AnnualDoor()


def transition(report: AnnualReport, action: str, actor, *, comment=None, data=None, expected_version=None):
    """Apply one action of the report's rule table through the one door."""
    return engine.transition(DOOR, report, action, actor, comment=comment, data=data, expected_version=expected_version)


def available_actions(report: AnnualReport, actor):
    return DOOR.available_actions(report, actor)


def _current(ids: list[int]) -> dict:
    """What ``flask verify`` compares each report's chain with: {id: (state, audited fields)}."""
    out = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for report in db.session.execute(select(AnnualReport).where(AnnualReport.id.in_(chunk))).scalars():
            out[report.id] = (report.state.value, audited_fields(report))
    return out


chains.register_root(chains.RootKind(SUBJECT, _current))


# ---- the figures -------------------------------------------------------------------------------------------


def take_figures(centre: Centre, year: int) -> dict:
    """The year's figures of the centre with its subtree, as JSON stores them (``as_dict`` of the one
    query layer, ``app.reports.figures``)."""
    from app.reports import figures
    from app.reports.periods import Period

    report = figures.compute(centre, Period.year(year), subtree=True)
    # Through JSON once, so what is kept is exactly what is read back (and sealed alike).
    return json.loads(json.dumps(figures.as_dict(report), default=str))


def apply_figures(report: AnnualReport, now: datetime) -> dict:
    """Take the figures again (the action ``refresh_figures``); returns the data its event keeps."""
    report.figures = take_figures(report.centre, report.year)
    report.figures_at = now
    return {"figures_at": now.isoformat()}


# ---- the sections ------------------------------------------------------------------------------------------


def apply_sections(report: AnnualReport, data: dict) -> list[str]:
    """Set the sections given (normalised); returns the names of those that changed."""
    changed = []
    for name, text in workflow.sections_after(report, data).items():
        if text != (getattr(report, name) or ""):
            setattr(report, name, text)
            changed.append(name)
    return changed


def apply_submission(a) -> dict:
    """The action ``submit``: the sections given, who submitted and when; the report's clock is met."""
    from app.clocks.services import end_free

    report = a.subject
    changed = apply_sections(report, a.data)
    report.submitted_at = a.now
    report.submitted_by_id = a.actor.id
    report.submitted_by = a.actor
    met = end_free(SUBJECT, [report.id], a.now, a.actor)
    return {"sections": changed, "clock_met": bool(met)}


def _sections_input(sections) -> dict:
    if sections is None:
        return {}
    if not isinstance(sections, dict):
        raise ServiceError(_l("The sections must be an object."), field="sections")
    unknown = sorted(set(sections) - set(SECTION_NAMES))
    if unknown:
        raise ServiceError(_l("There is no such section."), field=unknown[0])
    return {name: sections[name] for name in SECTION_NAMES if name in sections}


def _visible(actor, report):
    if not can_see_report(actor, report):
        raise ReportNotFound(DOOR.not_found_text)


def save(actor, report: AnnualReport, sections: dict, *, version=None) -> AnnualReport:
    """Save the sections given (a supervisor of the report's centre, while it is a draft)."""
    _visible(actor, report)
    data = _sections_input(sections)
    with db.session.begin_nested():
        return transition(report, "save", actor, data=data, expected_version=version)


def submit(actor, report: AnnualReport, sections: dict | None = None, *, version=None) -> AnnualReport:
    """Submit the report for approval, with the sections given saved at once; refused while a section is empty."""
    _visible(actor, report)
    data = _sections_input(sections)
    with db.session.begin_nested():
        return transition(report, "submit", actor, data=data, expected_version=version)


def return_report(actor, report: AnnualReport, comment: str, *, version=None) -> AnnualReport:
    """Return a submitted report to its centre for changes, saying why (a reviewer)."""
    _visible(actor, report)
    with db.session.begin_nested():
        return transition(report, "return", actor, comment=comment, expected_version=version)


def approve(actor, report: AnnualReport, *, comment: str = "", version=None) -> AnnualReport:
    """Approve a submitted report (a reviewer): it is issued as a PDF and becomes read-only."""
    _visible(actor, report)
    with db.session.begin_nested():
        return transition(report, "approve", actor, comment=comment, expected_version=version)


def refresh_figures(actor, report: AnnualReport, *, version=None) -> AnnualReport:
    """Take the year's figures again while the report is a draft."""
    _visible(actor, report)
    with db.session.begin_nested():
        return transition(report, "refresh_figures", actor, expected_version=version)


# ---- the drafts of 1 January -------------------------------------------------------------------------------


@dataclass
class Prepared:
    year: int
    created: list[int] = field(default_factory=list)  # the ids of the drafts made now
    existing: int = 0  # centres that had their report already


def default_year(now: datetime) -> int:
    return china_day(now).year - 1


def check_year(year, now: datetime) -> int:
    """A report's year: a whole number from 2000 to the current year (China time)."""
    this_year = china_day(now).year
    if isinstance(year, str):
        year = int(year) if year.strip().isdigit() and len(year.strip()) == 4 else None
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= this_year:
        raise ServiceError(
            _l("Give a year from %(first)d to %(last)d.", first=FIRST_YEAR, last=this_year), field="year"
        )
    return year


def due_day(year: int) -> date:
    return date(year + 1, DUE_MONTH, DUE_DAY)


def _start_clock(report: AnnualReport, now: datetime) -> None:
    """The report's deadline, in calendar days to the end of 31 January of the following year, counted from
    when the draft was made (or from 1 January, for a draft made late: its deadline is still 31 January)."""
    from app.clocks.services import start_free

    started = min(now, start_of_day(date(report.year + 1, 1, 1)))
    amount = max(0, (due_day(report.year) - china_day(started)).days)
    start_free(
        ClockName.ANNUAL_REPORT,
        started,
        centre_id=report.centre_id,
        subject_type=SUBJECT,
        subject_id=report.id,
        span=ClockSpan(amount, ClockUnit.CALENDAR_DAYS, None),
    )


def prepare_draft(centre: Centre, year: int, now: datetime, figures: dict | None = None, actor=None):
    """The centre's draft for ``year``, made now with the year's figures, its first event and its clock;
    None when the centre has one already (made meanwhile by another run: its unique key refused this one,
    and nothing of this attempt is kept)."""
    figures = take_figures(centre, year) if figures is None else figures
    try:
        with db.session.begin_nested():
            report = AnnualReport(
                centre=centre,
                centre_id=centre.id,
                year=year,
                state=S.DRAFT,
                figures=figures,
                figures_at=now,
                situation="",
                results="",
                problems="",
                next_steps="",
                suggestions="",
                return_note="",
                created_at=now,
                updated_at=now,
            )
            db.session.add(report)
            db.session.flush()
            chains.record(
                SUBJECT,
                report.id,
                actor,
                "prepare",
                to_state=S.DRAFT,
                data={"year": year},
                fields=audited_fields(report),
            )
            _start_clock(report, now)
            db.session.flush()
    except IntegrityError:
        return None
    return report


def prepare_drafts(year: int | None = None, *, now: datetime | None = None) -> Prepared:
    """A draft for every active centre (that existed in ``year``) without one: the cron of 1 January
    (default: the previous year). Commits each draft; safe to run twice, or twice at once."""
    now = now or utcnow()
    year = default_year(now) if year is None else check_year(year, now)
    result = Prepared(year)
    last_day = date(year, 12, 31)
    centres = [
        c
        for c in db.session.execute(select(Centre).where(Centre.is_active.is_(True)).order_by(Centre.path)).scalars()
        if china_day(c.created_at) <= last_day
    ]
    have = set(db.session.execute(select(AnnualReport.centre_id).where(AnnualReport.year == year)).scalars())
    db.session.commit()  # end the read: each draft gets a short transaction of its own
    for centre in centres:
        if centre.id in have:
            result.existing += 1
            continue
        report = prepare_draft(centre, year, now)
        if report is None:
            result.existing += 1
            continue
        result.created.append(report.id)
        db.session.commit()
    return result
