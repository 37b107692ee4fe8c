"""How a clock reads on a page: its state, its pauses, and the calendar years nobody has entered.

Reads only (no writes): the case page, and any list that shows clocks, take their badges
from here so that "overdue" or "met late" means the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import select

from app.clocks.models import CalendarYear, CaseClock
from app.core.workdays import china_day, end_of_day, package_years
from app.extensions import db

# key -> (label, Bootstrap badge classes)
STATES = {
    "overdue": (_l("Overdue"), "text-bg-danger"),
    "due_soon": (_l("Due soon"), "text-bg-warning"),
    "running": (_l("Running"), "text-bg-primary"),
    "paused": (_l("Paused"), "text-bg-info"),
    "no_due_time": (_l("No due time yet"), "text-bg-warning"),
    "met_on_time": (_l("Met on time"), "text-bg-success"),
    "met_late": (_l("Met late"), "text-bg-danger"),
    "met": (lazy_pgettext("clock state", "Met"), "text-bg-success"),
    "stopped": (_l("Stopped"), "text-bg-secondary"),
}

TRIGGER_LABELS = {
    "accept": _l("the decision to accept"),
    "decline": _l("the decision to decline"),
    "resolve": _l("the outcome"),
}


# The page of a track's subject (a mediation…), by the name of its workflow: a clock of a track links
# there, a case's own clock to its case. A path (as ``case_url`` builds one), not ``url_for``: the
# lists that show clocks are long, and a feature's blueprint may not be registered.
TRACK_PAGES = {"mediation": "/mediations/%d"}


def track_path(clock: CaseClock) -> str | None:
    """The path (below the application's root) of the page of the track ``clock`` runs on; None for a
    case's own clock or a track without a page."""
    pattern = TRACK_PAGES.get(clock.subject_type or "case")
    return pattern % clock.subject_id if pattern is not None and clock.subject_id is not None else None


def track_label(clock: CaseClock):
    """The name of the process a track's clock runs on (its workflow's label: "Fast mediation"); None
    for a case's own clock."""
    from app.core.workflow import REGISTRY

    if (clock.subject_type or "case") == "case":
        return None
    workflow = REGISTRY.get(clock.subject_type)
    return workflow.label if workflow is not None else None


def clock_state(clock: CaseClock, now: datetime) -> str:
    """One of ``STATES``: what the clock's badge says now."""
    if clock.stopped_at is not None:
        return "stopped"
    if clock.met_at is not None:
        if clock.due_at is None:
            return "met"
        return "met_late" if clock.met_at > clock.due_at else "met_on_time"
    if clock.paused_at is not None:
        return "paused"
    if clock.due_at is None:
        return "no_due_time"
    if clock.is_overdue(now):
        return "overdue"
    if clock.is_due_soon(now):
        return "due_soon"
    return "running"


def paused_for(clock: CaseClock, now: datetime) -> tuple[int, timedelta]:
    """How many times the clock was paused and for how long in all (a pause still open counts up to now)."""
    total = timedelta()
    count = 0
    for paused, resumed in clock.pauses or ():
        total += datetime.fromisoformat(resumed) - datetime.fromisoformat(paused)
        count += 1
    if clock.paused_at is not None and clock.is_running:
        total += max(now - clock.paused_at, timedelta())
        count += 1
    return count, total


def duration_text(value: timedelta) -> str:
    """A pause's length in days, hours and minutes, as staff read it."""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h", days=days, hours=hours)
    if hours:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    return _("%(minutes)d min", minutes=minutes)


@dataclass(frozen=True)
class ClockRow:
    """A clock as the case page shows it."""

    clock: CaseClock
    state: str
    pauses: int
    paused_total: timedelta

    @property
    def label(self):
        return self.clock.name.label

    @property
    def trigger_label(self):
        return TRIGGER_LABELS.get(self.clock.trigger)

    @property
    def state_label(self):
        return STATES[self.state][0]

    @property
    def badge(self) -> str:
        return STATES[self.state][1]

    @property
    def paused_text(self) -> str:
        return duration_text(self.paused_total)


def clock_rows(clocks: list[CaseClock], now: datetime) -> list[ClockRow]:
    rows = []
    for clock in clocks:
        count, total = paused_for(clock, now)
        rows.append(ClockRow(clock, clock_state(clock, now), count, total))
    return rows


def due_soon_until(now: datetime) -> datetime:
    """A due time up to this one is "due soon" now: the end of today in China (a clock warns
    from the start of its last day, and every clock is due at the end of a day)."""
    return end_of_day(china_day(now))


def missing_years(today: date) -> list[int]:
    """This year and next, where the working-day calendar knows neither (the installed package
    does not, and no administrator entered it): deadlines that reach them cannot be computed."""
    known = package_years()
    wanted = [year for year in (today.year, today.year + 1) if year not in known]
    if not wanted:
        return []
    entered = set(db.session.execute(select(CalendarYear.year).where(CalendarYear.year.in_(wanted))).scalars())
    return [year for year in wanted if year not in entered]


def years_waited_for(user, years: list[int]) -> list[int]:
    """Of ``years``, those a running clock ``user`` answers for is waiting for (its due time needs
    that year's calendar): the ones worth telling this person about."""
    from app.clocks.models import CaseClock

    if not years:
        return []
    return sorted(
        db.session.execute(
            select(CaseClock.unknown_year)
            .where(
                CaseClock.responsible_id == user.id,
                CaseClock.unknown_year.in_(years),
                CaseClock.met_at.is_(None),
                CaseClock.stopped_at.is_(None),
            )
            .distinct()
        ).scalars()
    )
