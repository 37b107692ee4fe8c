"""China's working-day calendar and the deadline arithmetic of the service clocks.

Pure Python: no request and no database. The official calendar (public holidays and
the make-up working weekends, 调休) comes from the ``chinese-calendar`` package; a
year it does not know yet is refused with ``CalendarUnknown`` rather than guessed,
unless an administrator has entered that year (``overrides``: every day of the
entered year that differs from a plain Monday-to-Friday week, mapped to whether it
is a working day).

A deadline of N working days counts from the day after its start, as the rules say
("自受理之日起N个工作日内"): a complaint filed on a Friday evening with one working
day to answer is due at the end of Monday; one filed during the National Day week
is due at the end of the first working day after it. The clock is due at 23:59:59
China time of that day.

Deadlines in calendar days or months (a respondent's 15 days to answer, a utility-model
mediation's month) follow the Civil Code's rules on periods (arts. 201-203): the day it
starts is not counted; a period in months ends on the corresponding day of the last month,
or that month's last day when it has none; a period whose last day is a public holiday or a
rest day ends on the next working day.
"""

from __future__ import annotations

import calendar as _gregorian
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

CHINA = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)
# The longest deadline the arithmetic accepts (a year and a half of working days).
MAX_WORKING_DAYS = 366


class CalendarUnknown(Exception):
    """The official calendar of ``year`` is not known: neither the package nor an administrator has it."""

    def __init__(self, year: int):
        super().__init__(f"the working-day calendar of {year} is not known")
        self.year = year


def package_years() -> range:
    """The years the installed ``chinese-calendar`` knows."""
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return range(min(years), max(years) + 1)


_PACKAGE_YEARS = package_years()


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days. ``entered`` maps an administrator-entered year to its
    exceptions (date -> is a working day); those years win over the package."""

    entered: Mapping[int, Mapping[date, bool]] = field(default_factory=dict)

    def knows(self, year: int) -> bool:
        return year in self.entered or year in _PACKAGE_YEARS

    def is_working_day(self, day: date) -> bool:
        exceptions = self.entered.get(day.year)
        if exceptions is not None:
            return exceptions.get(day, day.weekday() < 5)
        if day.year not in _PACKAGE_YEARS:
            raise CalendarUnknown(day.year)
        return chinese_calendar.is_workday(day)

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted). For
        ``n == 0``: ``start`` when it is a working day, else the next working day."""
        if not 0 <= n <= MAX_WORKING_DAYS:
            raise ValueError("a deadline is between 0 and 366 working days")
        day = start
        if n == 0:
            while not self.is_working_day(day):
                day += timedelta(days=1)
            return day
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_after(self, start: date, end: date) -> int:
        """How many working days lie in ``(start, end]``."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def end_of_day(day: date) -> datetime:
    """23:59:59 China time of ``day``, in UTC."""
    return datetime.combine(day, END_OF_DAY, CHINA).astimezone(UTC)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), CHINA).astimezone(UTC)


@dataclass(frozen=True)
class Due:
    due_at: datetime
    warn_at: datetime  # from when the clock is "due soon": the start of its last day


def compute_due(
    calendar: WorkingCalendar,
    started_at: datetime,
    working_days: int,
    pauses: Iterable[tuple[datetime, datetime]] = (),
) -> Due:
    """The due time of a clock of ``working_days`` started at ``started_at``, after the given
    closed pauses (in order). A pause keeps the working days that were left when it began:
    on resuming, they are counted again from the day of the resumption (when none were left,
    the clock is due at the end of the resumption's working day).

    Raises ``CalendarUnknown`` when the deadline reaches a year nobody has entered.
    """
    due_day = calendar.add_working_days(china_day(started_at), working_days)
    for paused_at, resumed_at in pauses:
        paused_day = china_day(paused_at)
        if paused_day > due_day:  # already late when paused: the pause does not undo that
            continue
        left = calendar.working_days_after(paused_day, due_day)
        due_day = max(due_day, calendar.add_working_days(china_day(resumed_at), left))
    return Due(end_of_day(due_day), start_of_day(due_day))


# The units a clock counts in (``app.clocks.models.ClockUnit`` has the same values).
WORKING_DAYS, CALENDAR_DAYS, MONTHS = "working_days", "calendar_days", "months"
MAX_CALENDAR_DAYS = 731
MAX_MONTHS = 24


def add_months(day: date, months: int) -> date:
    """The corresponding day ``months`` later; the month's last day when it has none (Civil Code art. 202)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _gregorian.monthrange(year, month)[1]))


def _next_working_day(calendar: WorkingCalendar, day: date) -> date:
    """``day`` itself when it is a working day, else the next one (Civil Code art. 203)."""
    return calendar.add_working_days(day, 0)


def compute_due_in(
    calendar: WorkingCalendar,
    started_at: datetime,
    amount: int,
    unit: str,
    pauses: Iterable[tuple[datetime, datetime]] = (),
) -> Due:
    """The due time of a clock of ``amount`` ``unit``s (working days, calendar days or months)
    started at ``started_at``, after its closed pauses. A pause keeps what was left when it
    began (working days, or calendar days for the other units), counted again from the day of
    the resumption. Raises ``CalendarUnknown`` when the deadline reaches a year nobody entered."""
    if unit == WORKING_DAYS:
        return compute_due(calendar, started_at, amount, pauses)
    if unit == CALENDAR_DAYS:
        if not 0 <= amount <= MAX_CALENDAR_DAYS:
            raise ValueError("a deadline is between 0 and 731 days")
        due_day = china_day(started_at) + timedelta(days=amount)
    elif unit == MONTHS:
        if not 0 <= amount <= MAX_MONTHS:
            raise ValueError("a deadline is between 0 and 24 months")
        due_day = add_months(china_day(started_at), amount)
    else:
        raise ValueError(f"unknown unit {unit!r}")
    for paused_at, resumed_at in pauses:
        paused_day = china_day(paused_at)
        if paused_day > due_day:
            continue
        left = (due_day - paused_day).days
        due_day = max(due_day, china_day(resumed_at) + timedelta(days=left))
    due_day = _next_working_day(calendar, due_day)
    return Due(end_of_day(due_day), start_of_day(due_day))
