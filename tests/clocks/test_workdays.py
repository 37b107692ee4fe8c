"""Working-day arithmetic on China's official calendar (table-driven, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.core.workdays import CHINA, CalendarUnknown, WorkingCalendar, compute_due

CAL = WorkingCalendar()


def china(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CHINA)


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 2, 16), False),  # Spring Festival, a Monday
        (date(2026, 2, 14), True),  # make-up working Saturday before the Spring Festival
        (date(2026, 2, 28), True),  # make-up working Saturday after it
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),  # the last day of the National Day and Mid-autumn week
        (date(2026, 10, 8), True),  # the first working day after it, a Thursday
        (date(2026, 10, 10), True),  # make-up working Saturday after National Day
        (date(2026, 10, 11), False),  # a plain Sunday
        (date(2026, 12, 1), True),  # a plain Tuesday
    ],
)
def test_official_days(day, working):
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(
    "start, n, due",
    [
        # Friday evening, one working day: due at the end of Monday.
        (date(2026, 11, 27), 1, date(2026, 11, 30)),
        # On a public holiday (National Day): the first working day after the week.
        (date(2026, 10, 3), 1, date(2026, 10, 8)),
        # Just before the National Day week: 1 working day = 8 October; 3 = the 8th, 9th and
        # Saturday the 10th, a make-up working day; 4 = Monday the 12th (Sunday the 11th is off).
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),
        (date(2026, 9, 30), 4, date(2026, 10, 12)),
        # Friday before the Spring Festival: the make-up Saturday counts.
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        # Across the whole Spring Festival (15-23 February 2026): 2 working days from the 14th.
        (date(2026, 2, 14), 2, date(2026, 2, 25)),
        # 5 working days from a Wednesday in a plain week.
        (date(2026, 12, 2), 5, date(2026, 12, 9)),
        # Zero days: the day itself when it works, else the next working day.
        (date(2026, 12, 1), 0, date(2026, 12, 1)),
        (date(2026, 10, 1), 0, date(2026, 10, 8)),
    ],
)
def test_add_working_days(start, n, due):
    assert CAL.add_working_days(start, n) == due


def test_due_is_the_end_of_the_day_in_china_and_warns_from_its_start():
    due = compute_due(CAL, china(2026, 9, 30, 21, 30), 1)
    assert due.due_at == datetime(2026, 10, 8, 23, 59, 59, tzinfo=CHINA).astimezone(UTC)
    assert due.warn_at == datetime(2026, 10, 8, 0, 0, tzinfo=CHINA).astimezone(UTC)


def test_a_late_evening_in_utc_is_the_next_day_in_china():
    # 17:00 UTC on Thursday 26 November is 01:00 on Friday the 27th in China: due Monday the 30th.
    due = compute_due(CAL, datetime(2026, 11, 26, 17, 0, tzinfo=UTC), 1)
    assert due.due_at.astimezone(CHINA).date() == date(2026, 11, 30)


def test_a_pause_keeps_the_working_days_that_were_left():
    # 3 working days from Monday 30 November: due Thursday 3 December. Paused on Tuesday the 1st
    # (2 working days left: the 2nd and the 3rd), resumed on Monday the 7th: due Wednesday the 9th.
    due = compute_due(CAL, china(2026, 11, 30), 3, [(china(2026, 12, 1), china(2026, 12, 7))])
    assert due.due_at.astimezone(CHINA).date() == date(2026, 12, 9)


def test_a_pause_resumed_the_same_day_changes_nothing():
    plain = compute_due(CAL, china(2026, 11, 30), 3)
    paused = compute_due(CAL, china(2026, 11, 30), 3, [(china(2026, 12, 1, 9), china(2026, 12, 1, 17))])
    assert paused == plain


def test_pausing_over_a_holiday_counts_only_working_days_again():
    # 3 working days from Monday 28 September: 29, 30 September, then 8 October (1-7 are holidays).
    # Paused on the 29th with 2 left (30th and 8th), resumed on Friday 9 October: 10th (make-up), 12th.
    due = compute_due(CAL, china(2026, 9, 28), 3, [(china(2026, 9, 29), china(2026, 10, 9))])
    assert due.due_at.astimezone(CHINA).date() == date(2026, 10, 12)


def test_a_clock_already_late_when_paused_stays_late():
    plain = compute_due(CAL, china(2026, 11, 30), 1)  # due 1 December
    paused = compute_due(CAL, china(2026, 11, 30), 1, [(china(2026, 12, 4), china(2026, 12, 10))])
    assert paused == plain


def test_a_paused_clock_with_nothing_left_gets_the_day_it_resumes():
    due = compute_due(CAL, china(2026, 11, 30), 1, [(china(2026, 12, 1, 9), china(2026, 12, 5, 9))])
    # Resumed on Saturday the 5th: the rest of the due day moves to the next working day, Monday the 7th.
    assert due.due_at.astimezone(CHINA).date() == date(2026, 12, 7)


def test_a_year_the_calendar_does_not_know_is_refused_not_guessed():
    assert not CAL.knows(2027)
    with pytest.raises(CalendarUnknown) as exc:
        CAL.add_working_days(date(2026, 12, 31), 1)
    assert exc.value.year == 2027


def test_an_entered_year_is_used_and_wins_over_the_package():
    entered = WorkingCalendar(
        {
            2027: {date(2027, 1, 1): False, date(2027, 1, 4): False},  # New Year's Day + a bridge Monday
            2026: {date(2026, 12, 31): False},  # a correction of a known year
        }
    )
    assert entered.knows(2027)
    assert entered.add_working_days(date(2026, 12, 30), 1) == date(2027, 1, 5)
    assert entered.is_working_day(date(2027, 1, 6)) is True  # a plain Wednesday of the entered year


def test_the_arithmetic_refuses_a_negative_or_absurd_deadline():
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 12, 1), -1)
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 12, 1), 10_000)
