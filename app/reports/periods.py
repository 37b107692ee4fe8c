"""The periods reports count: a calendar month, a year, or any run of days, in China's time.

A period runs from the start of its first day to the end of its last day, China time; the figures
compare its timestamps (stored in UTC) with ``bounds()`` and its dates (a visit's day, a ledger
entry's day) with ``start``/``end``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from app.core.errors import ServiceError
from app.core.workdays import start_of_day

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
#: The earliest year a report may be asked for (the centres' records start later).
FIRST_YEAR = 2000


@dataclass(frozen=True)
class Period:
    start: date  # the first day
    end: date  # the last day, included

    # ---- construction -----------------------------------------------------------------------------

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def of_month(cls, day: date) -> Period:
        return cls.month(day.year, day.month)

    # ---- arithmetic -------------------------------------------------------------------------------

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and Period.of_month(self.start) == self

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The month before (for a month), the year before (for a calendar year), else the period of the
        same length just before."""
        if self.is_month:
            return Period.of_month(self.start - timedelta(days=1))
        if self == Period.year(self.start.year):
            return Period.year(self.start.year - 1)
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def year_before(self) -> Period:
        """The same month (or the same days) a year earlier; 29 February becomes the 28th."""
        if self.is_month:
            return Period.month(self.start.year - 1, self.start.month)

        def back(day: date) -> date:
            try:
                return day.replace(year=day.year - 1)
            except ValueError:
                return day.replace(year=day.year - 1, day=28)

        return Period(back(self.start), back(self.end))

    def months_back(self, count: int) -> list[Period]:
        """The ``count`` months ending with this period's month, oldest first."""
        out = [Period.of_month(self.end)]
        while len(out) < count:
            out.insert(0, out[0].previous())
        return out

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, after) as UTC moments: from midnight of the first day to midnight after the last."""
        return start_of_day(self.start), start_of_day(self.end + timedelta(days=1))

    def is_open(self, today: date) -> bool:
        """Whether the period has not ended yet (its report is a preview)."""
        return self.end >= today

    # ---- naming -----------------------------------------------------------------------------------

    @property
    def key(self) -> str:
        """``YYYY-MM`` for a month, ``YYYY`` for a calendar year, else ``YYYY-MM-DD..YYYY-MM-DD``."""
        if self.is_month:
            return f"{self.start:%Y-%m}"
        if self == Period.year(self.start.year):
            return str(self.start.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def label(self) -> str:
        """The period in the reader's language: 2026年11月 / November 2026."""
        if self.is_month:
            return _skeleton("yMMMM", self.start)
        if self == Period.year(self.start.year):
            return _skeleton("y", self.start)
        return f"{format_date(self.start, 'medium')} – {format_date(self.end, 'medium')}"

    def short_label(self) -> str:
        """A month as the charts' axes show it: 11月 / Nov (with the year when it is January)."""
        if self.start.month == 1:
            return _skeleton("yMMM", self.start)
        return _skeleton("MMM", self.start)


def _skeleton(skeleton: str, day: date) -> str:
    """``day`` by a CLDR skeleton in the current language (yMMMM: 2026年11月 / November 2026)."""
    from babel.dates import format_skeleton
    from flask_babel import get_locale

    return format_skeleton(skeleton, day, locale=get_locale() or "zh_Hans_CN")


def parse_month(text, today: date) -> Period:
    """A report's month from ``YYYY-MM``: a ServiceError (on the field ``month``) when it is malformed
    or still to come. The current month is allowed (its report is a preview)."""
    match = MONTH_RE.match(text.strip()) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ServiceError(_l("Give the month as YYYY-MM, for example 2026-11."), field="month")
    year, month = int(match.group(1)), int(match.group(2))
    if year < FIRST_YEAR:
        raise ServiceError(_l("There are no reports before %(year)s.", year=FIRST_YEAR), field="month")
    if (year, month) > (today.year, today.month):
        raise ServiceError(_l("That month has not begun yet: its report cannot be made."), field="month")
    return Period.month(year, month)


def parse_range(start, end, today: date) -> Period:
    """Any run of days (the statistics page): both given, in order, not after today, at most 10 years."""
    if not isinstance(start, date):
        raise ServiceError(_l("Give the first day of the period (YYYY-MM-DD)."), field="date_from")
    if not isinstance(end, date):
        raise ServiceError(_l("Give the last day of the period (YYYY-MM-DD)."), field="date_to")
    if end < start:
        raise ServiceError(_l("The period cannot end before it starts."), field="date_to")
    if start > today:
        raise ServiceError(_l("The period cannot start after today."), field="date_from")
    if start.year < FIRST_YEAR:
        raise ServiceError(_l("There are no reports before %(year)s.", year=FIRST_YEAR), field="date_from")
    if (end - start).days > 3660:
        raise ServiceError(_l("A period can be at most ten years long."), field="date_to")
    return Period(start, end)
