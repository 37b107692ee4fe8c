"""The working-day calendar of a year, entered by an administrator (reads, parsing and the one write).

The installed ``chinese-calendar`` package knows the years up to its release; the State Council
publishes next year's holidays each autumn. Until a year is known, clocks whose deadline reaches it
have no due time (``CaseClock.unknown_year``). An administrator enters the year here as two lists,
its public holidays and its make-up working days (调休), and the clocks that waited are given their
due times at once.

Only the days that differ from a plain Monday-to-Friday week are stored: a holiday that falls on a
weekend is a day off anyway (a range such as ``2027-10-01..2027-10-07`` may include weekends).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role, User
from app.clocks.models import CalendarDay, CalendarYear, CaseClock
from app.core.db import utcnow
from app.core.errors import ServiceError
from app.core.permissions import is_national_admin
from app.core.workdays import package_years
from app.extensions import db

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_LINES = 400
MAX_NAME = 60  # CalendarDay.name
NATIONAL_ONLY = _l(
    "Only an administrator of the national centre can change the working-day calendar: it holds for every centre."
)
_LINE = re.compile(
    r"^(?P<start>\S+?)(?:\s*(?:\.\.|~|～|至)\s*(?P<end>\S+?))?(?:\s+(?P<name>.*))?$",
)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

# The package's holiday names, as a centre's staff write them.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def is_weekend(day: date) -> bool:
    return day.weekday() >= 5


# ---- parsing the two lists -----------------------------------------------------------------------


@dataclass
class Parsed:
    days: list[tuple[date, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _as_date(text: str) -> date | None:
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_days(text: str | None, year: int | None) -> Parsed:
    """``YYYY-MM-DD name`` per line (or a range ``YYYY-MM-DD..YYYY-MM-DD name``); blank lines and
    lines starting with ``#`` are skipped. Each error names its line. With ``year`` None (not
    valid), only the form of each line is checked."""
    out = Parsed()
    seen: dict[date, int] = {}
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > MAX_LINES:
        out.errors.append(str(_l("Write at most %(n)d lines.", n=MAX_LINES)))
        return out
    for number, raw in enumerate(lines, start=1):
        line = raw.replace("\u3000", " ").strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        start = _as_date(match["start"]) if match else None
        end = _as_date(match["end"]) if match and match["end"] else start
        if start is None or end is None:
            bad = (match["start"] if start is None else match["end"]) if match else line
            out.errors.append(
                str(
                    _l(
                        "Line %(n)d: “%(text)s” is not a date; write it as YYYY-MM-DD, e.g. %(example)s.",
                        n=number,
                        text=bad[:30],
                        example=f"{year or 2027}-10-01",
                    )
                )
            )
            continue
        name = " ".join((match["name"] or "").split())
        if len(name) > MAX_NAME:
            out.errors.append(
                str(_l("Line %(n)d: the name is too long (at most %(max)d characters).", n=number, max=MAX_NAME))
            )
            continue
        if end < start:
            out.errors.append(str(_l("Line %(n)d: the range ends before it starts.", n=number)))
            continue
        if year is not None and (start.year != year or end.year != year):
            outside = start if start.year != year else end
            out.errors.append(
                str(_l("Line %(n)d: %(day)s is not in %(year)d.", n=number, day=outside.isoformat(), year=year))
            )
            continue
        if (end - start).days > 31:
            out.errors.append(str(_l("Line %(n)d: a range is at most a month long.", n=number)))
            continue
        day = start
        while day <= end:
            if day in seen:
                out.errors.append(
                    str(
                        _l(
                            "Line %(n)d: %(day)s is already given on line %(first)d.",
                            n=number,
                            day=day.isoformat(),
                            first=seen[day],
                        )
                    )
                )
            else:
                seen[day] = number
                out.days.append((day, name))
            day += timedelta(days=1)
    return out


def weekday_name(day: date) -> str:
    return format_date(day, "EEEE")


def check_lists(holidays: Parsed, workdays: Parsed) -> tuple[list[str], list[str]]:
    """What is wrong between the lists: a make-up working day that is already a weekday, and a day in
    both lists. Returns the errors of (holidays, make-up working days)."""
    holiday_errors, workday_errors = [], []
    for day, _name in workdays.days:
        if not is_weekend(day):
            workday_errors.append(
                str(
                    _l(
                        "%(day)s is a %(weekday)s, already a working day: a make-up working day is a Saturday or "
                        "Sunday on which people work.",
                        day=day.isoformat(),
                        weekday=weekday_name(day),
                    )
                )
            )
    both = sorted({d for d, _n in holidays.days} & {d for d, _n in workdays.days})
    for day in both:
        workday_errors.append(
            str(_l("%(day)s is in both lists: a day is either a holiday or a working day.", day=day.isoformat()))
        )
    return holiday_errors, workday_errors


def lines_of(days: list[tuple[date, str]]) -> str:
    """The textarea's text for ``days``: runs of the same name joined into ranges. A run may cross a
    weekend (holidays stored on weekdays only still read as the notice's ranges)."""
    days = sorted(days)
    out: list[str] = []
    i = 0
    while i < len(days):
        start, name = days[i]
        end = start
        j = i + 1
        while j < len(days) and days[j][1] == name and _only_weekend_between(end, days[j][0]):
            end = days[j][0]
            j += 1
        text = start.isoformat() if end == start else f"{start.isoformat()}..{end.isoformat()}"
        out.append(f"{text} {name}".rstrip())
        i = j
    return "\n".join(out)


def _only_weekend_between(a: date, b: date) -> bool:
    day = a + timedelta(days=1)
    while day < b:
        if not is_weekend(day):
            return False
        day += timedelta(days=1)
    return b > a


# ---- reads --------------------------------------------------------------------------------------------


def entered_days(year: int) -> tuple[list[tuple[date, str]], list[tuple[date, str]]] | None:
    """The holidays and make-up working days entered for ``year``, or None when nobody entered it."""
    if db.session.get(CalendarYear, year) is None:
        return None
    rows = db.session.execute(select(CalendarDay).where(CalendarDay.year == year).order_by(CalendarDay.day)).scalars()
    holidays, workdays = [], []
    for row in rows:
        (workdays if row.is_working_day else holidays).append((row.day, row.name))
    return holidays, workdays


def package_days(year: int) -> tuple[list[tuple[date, str]], list[tuple[date, str]]] | None:
    """What the installed calendar says of ``year`` (holidays with their weekends, as the notice
    reads), or None when it does not know the year."""
    if year not in package_years():
        return None
    holidays = [(d, HOLIDAY_NAMES_ZH.get(n, n)) for d, n in chinese_calendar.holidays.items() if d.year == year]
    workdays = [(d, HOLIDAY_NAMES_ZH.get(n, n)) for d, n in chinese_calendar.workdays.items() if d.year == year]
    return sorted(holidays), sorted(workdays)


@dataclass(frozen=True)
class YearEntry:
    year: int
    entered_by: str
    entered_at: object
    note: str
    holidays: int
    workdays: int


def entered_years() -> list[YearEntry]:
    counts = {
        (year, working): n
        for year, working, n in db.session.execute(
            select(CalendarDay.year, CalendarDay.is_working_day, func.count()).group_by(
                CalendarDay.year, CalendarDay.is_working_day
            )
        ).all()
    }
    rows = db.session.execute(
        select(CalendarYear, User.name)
        .outerjoin(User, User.id == CalendarYear.entered_by_id)
        .order_by(CalendarYear.year)
    ).all()
    return [
        YearEntry(
            year=y.year,
            entered_by=name or "—",
            entered_at=y.entered_at,
            note=y.note,
            holidays=counts.get((y.year, False), 0),
            workdays=counts.get((y.year, True), 0),
        )
        for y, name in rows
    ]


def waiting_years() -> dict[int, int]:
    """Year -> how many running clocks wait for its calendar."""
    return dict(
        db.session.execute(
            select(CaseClock.unknown_year, func.count())
            .where(CaseClock.unknown_year.is_not(None), CaseClock.met_at.is_(None), CaseClock.stopped_at.is_(None))
            .group_by(CaseClock.unknown_year)
            .order_by(CaseClock.unknown_year)
        ).all()
    )


# ---- the write --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entered:
    year: int
    holidays: int
    workdays: int
    weekend_holidays: int  # holidays given on a weekend: days off anyway, not stored
    recomputed: int  # waiting clocks that were computed again
    still_waiting: int  # of those, how many now wait for another year


def enter_year(
    actor: User, year: int, holidays: list[tuple[date, str]], workdays: list[tuple[date, str]], note: str = ""
) -> Entered:
    """Replace ``year``'s entered calendar with these days, in one go, and give every clock that
    waited for the year its due time. Administrators of the national centre only: the calendar holds
    for every centre."""
    from app.clocks.services import recompute_year

    if actor.role is not Role.ADMIN:
        raise ServiceError(_l("Only administrators enter the working-day calendar."))
    if not is_national_admin(actor):
        raise ServiceError(NATIONAL_ONLY)
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ServiceError(_l("Enter a year from %(lo)d to %(hi)d.", lo=FIRST_YEAR, hi=LAST_YEAR), field="year")
    note = (note or "").strip()
    if len(note) > 300:
        raise ServiceError(_l("The note is too long (at most %(n)d characters).", n=300), field="note")
    holiday_days = {d for d, _n in holidays}
    for day, name in [*holidays, *workdays]:
        if day.year != year:
            raise ServiceError(_l("%(day)s is not in %(year)d.", day=day.isoformat(), year=year))
        if len(name) > MAX_NAME:
            raise ServiceError(_l("A day's name is at most %(n)d characters.", n=MAX_NAME))
    for day, _name in workdays:
        if not is_weekend(day):
            raise ServiceError(_l("%(day)s is already a working day.", day=day.isoformat()), field="workdays")
        if day in holiday_days:
            raise ServiceError(_l("%(day)s is in both lists.", day=day.isoformat()), field="workdays")
    if len(holiday_days) != len(holidays) or len({d for d, _n in workdays}) != len(workdays):
        raise ServiceError(_l("A day is given twice."))
    if not holidays:
        raise ServiceError(_l("Enter the public holidays of the year."), field="holidays")

    entry = db.session.get(CalendarYear, year, with_for_update=True)
    if entry is None:
        try:
            with db.session.begin_nested():
                db.session.add(CalendarYear(year=year, entered_by_id=actor.id, note=note))
        except IntegrityError:  # another administrator entered it meanwhile: this one replaces theirs
            pass
        entry = db.session.get(CalendarYear, year, with_for_update=True)
    entry.entered_by_id = actor.id
    entry.entered_at = utcnow()
    entry.note = note
    db.session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    db.session.expire(entry, ["days"])
    stored_holidays = [(d, n) for d, n in holidays if not is_weekend(d)]
    for day, name in stored_holidays:
        db.session.add(CalendarDay(day=day, year=year, is_working_day=False, name=name))
    for day, name in workdays:
        db.session.add(CalendarDay(day=day, year=year, is_working_day=True, name=name))
    db.session.flush()

    waiting = list(
        db.session.execute(
            select(CaseClock.id).where(
                CaseClock.unknown_year == year, CaseClock.met_at.is_(None), CaseClock.stopped_at.is_(None)
            )
        ).scalars()
    )
    recomputed = recompute_year(year)
    still = (
        db.session.scalar(select(func.count(CaseClock.id)).where(CaseClock.id.in_(waiting), CaseClock.due_at.is_(None)))
        if waiting
        else 0
    )
    return Entered(
        year=year,
        holidays=len(stored_holidays),
        workdays=len(workdays),
        weekend_holidays=len(holidays) - len(stored_holidays),
        recomputed=recomputed,
        still_waiting=still or 0,
    )
