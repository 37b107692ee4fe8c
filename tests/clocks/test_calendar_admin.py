"""The administrators' calendar page: the years known, entered and waited for; entering a year
(two lists, validated, saved in one go) gives waiting clocks their due times."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.admin.calendar import lines_of, parse_days
from app.clocks.models import CalendarDay, CalendarYear, CaseClock
from app.core.workdays import WorkingCalendar, package_years
from tests.clocks.conftest import china_date
from tests.helpers import csrf_token

YEAR = package_years().stop  # 2027 with the calendar installed today: a year nobody knows yet


def first_saturday(year: int) -> date:
    day = date(year, 1, 1)
    while day.weekday() != 5:
        day += timedelta(days=1)
    return day


def first_weekday_after(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# A plausible year: New Year's Day and the day after on weekdays off, a Spring Festival week
# (as a range), and the first Saturday worked.
HOLIDAYS = (
    f"{YEAR}-01-01 元旦\n{first_weekday_after(date(YEAR, 1, 1)).isoformat()} 元旦\n{YEAR}-02-08..{YEAR}-02-14 春节"
)
WORKDAYS = f"{first_saturday(YEAR).isoformat()} 元旦调休"


@pytest.fixture
def world(world, make_centre, session):
    """The calendar holds for the whole country: its administrator here works at the national centre
    (administrators of the centres below may only read it, see test_calendar_permissions.py)."""
    from app.centres.models import CentreLevel

    world.users["admin"].centre = make_centre("CN", level=CentreLevel.NATIONAL)
    session.commit()
    return world


@pytest.fixture
def login(login):
    def do_login(user):
        client = login(user)
        client.set_cookie("lang", "en")
        return client

    return do_login


@pytest.fixture
def waiting_case(world, make_case, at, session):
    """A complaint filed on the last afternoon of the year before: its response clock waits for YEAR."""
    at(YEAR - 1, 12, 31, 16)
    case = make_case(world.applicant, world.enterprise, state="submitted")
    clock = session.execute(select(CaseClock).where(CaseClock.case_id == case.id)).scalar_one()
    assert clock.due_at is None and clock.unknown_year == YEAR and case.next_due_at is None
    return case, clock


def post(client, data, url="/admin/calendar/edit"):
    return client.post(url, data={"csrf_token": csrf_token(client, "/admin/calendar"), **data})


def test_the_page_shows_known_entered_and_waited_for_years(world, login, waiting_case, session):
    session.add(CalendarYear(year=2099, note="测试来源", entered_by_id=world.users["admin"].id))
    session.add(CalendarDay(day=date(2099, 1, 1), year=2099, is_working_day=False, name="元旦"))
    session.commit()
    html = login(world.users["admin"]).get("/admin/calendar").get_data(as_text=True)
    known = package_years()
    assert f"knows the years {known.start} to {known.stop - 1}" in html
    waiting = re.search(r'id="waiting-years".*?</div>', html, re.S).group(0)
    assert f'data-year="{YEAR}"' in waiting and "1 running clock has no due time" in waiting
    assert f"/admin/calendar/edit?year={YEAR}" in waiting
    entered = re.search(r'<tr data-year="2099">.*?</tr>', html, re.S).group(0)
    assert "测试来源" in entered and world.users["admin"].name in entered and "<td>1</td>" in entered


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "mediator", "fund_committee", "applicant"])
def test_only_administrators(world, login, client, role):
    other = login(world.users[role])
    for url in ("/admin/calendar", f"/admin/calendar/edit?year={YEAR}"):
        assert other.get(url).status_code == 403
        assert client.get(url).status_code == 302  # anonymous: to the login page
    token = csrf_token(other, "/")
    response = other.post(
        "/admin/calendar/edit", data={"csrf_token": token, "year": YEAR, "holidays": HOLIDAYS, "workdays": ""}
    )
    assert response.status_code == 403


def test_entering_the_year_gives_the_waiting_clock_its_due_time(world, login, waiting_case, session):
    case, clock = waiting_case
    admin = login(world.users["admin"])
    form = admin.get(f"/admin/calendar/edit?year={YEAR}").get_data(as_text=True)
    assert "1 running clock waits for this year" in form and "Nobody has entered this year yet" in form

    response = post(admin, {"year": YEAR, "holidays": HOLIDAYS, "workdays": WORKDAYS, "note": "国办发明电"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    flashed = admin.get("/admin/calendar").get_data(as_text=True)
    assert f"The working-day calendar of {YEAR} was saved by {world.users['admin'].name}" in flashed
    assert "1 waiting clock now has a due time." in flashed
    assert 'id="waiting-years"' not in flashed

    session.expire_all()
    clock = session.get(CaseClock, clock.id)
    entered = {d.day: d.is_working_day for d in session.execute(select(CalendarDay)).scalars()}
    expected = WorkingCalendar({YEAR: entered}).add_working_days(date(YEAR - 1, 12, 31), 1)
    assert clock.unknown_year is None and china_date(clock.due_at) == expected
    # 1 January and the next weekday are holidays, unless the first Saturday comes first and is worked.
    assert expected in (first_saturday(YEAR), first_weekday_after(first_weekday_after(date(YEAR, 1, 1))))
    assert session.get(type(case), case.id).next_due_at == clock.due_at
    year = session.get(CalendarYear, YEAR)
    assert year.entered_by_id == world.users["admin"].id and year.note == "国办发明电"
    # The Spring Festival range is stored on its weekdays only (its weekend is off anyway).
    festival = [d for d, working in entered.items() if d.month == 2 and not working]
    assert festival and all(d.weekday() < 5 for d in festival)
    assert entered[first_saturday(YEAR)] is True


def test_saving_again_replaces_the_days(world, login, session):
    admin = login(world.users["admin"])
    assert post(admin, {"year": YEAR, "holidays": HOLIDAYS, "workdays": WORKDAYS}).status_code == 302
    assert (
        post(admin, {"year": YEAR, "holidays": f"{YEAR}-10-01..{YEAR}-10-07 国庆节", "workdays": ""}).status_code == 302
    )
    session.expire_all()
    days = session.execute(select(CalendarDay).where(CalendarDay.year == YEAR)).scalars().all()
    assert days and {d.day.month for d in days} == {10} and not any(d.is_working_day for d in days)
    # The form shows the entered year again, the range rebuilt across its weekend.
    html = admin.get(f"/admin/calendar/edit?year={YEAR}").get_data(as_text=True)
    assert f"{YEAR}-10-01..{YEAR}-10-07 国庆节" in html and "was entered before" in html


def test_a_year_the_installed_calendar_knows_is_shown_to_correct(world, login):
    known = package_years().stop - 1
    html = login(world.users["admin"]).get(f"/admin/calendar/edit?year={known}").get_data(as_text=True)
    assert "The installed calendar knows this year" in html
    assert f"{known}-10-01.." in html and "国庆节" in html


def _errors(response, field: str) -> str:
    html = response.get_data(as_text=True)
    match = re.search(rf'id="{field}-error">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"year": "1999"}, "year", "Enter a year from 2000 to 2100."),
        ({"year": "2101"}, "year", "Enter a year from 2000 to 2100."),
        ({"holidays": ""}, "holidays", "This field is required"),
        ({"holidays": "# only a comment"}, "holidays", "Enter the public holidays of the year."),
        ({"holidays": f"{YEAR}-02-30 春节"}, "holidays", f"Line 1: “{YEAR}-02-30” is not a date"),
        ({"holidays": f"{YEAR}/01/01 元旦"}, "holidays", "is not a date; write it as YYYY-MM-DD"),
        (
            {"holidays": f"{YEAR}-01-01 元旦\n{YEAR - 1}-12-31 跨年"},
            "holidays",
            f"Line 2: {YEAR - 1}-12-31 is not in {YEAR}.",
        ),
        ({"holidays": f"{YEAR}-01-03..{YEAR}-01-01 元旦"}, "holidays", "Line 1: the range ends before it starts."),
        (
            {"holidays": f"{YEAR}-01-01 元旦\n{YEAR}-01-01 又一次"},
            "holidays",
            "Line 2: " + f"{YEAR}-01-01 is already given on line 1.",
        ),
        ({"holidays": f"{YEAR}-01-01 " + "名" * 61}, "holidays", "the name is too long"),
        (
            {"workdays": f"{first_weekday_after(date(YEAR, 3, 1)).isoformat()} 调休"},
            "workdays",
            "already a working day: a make-up working day is a Saturday or Sunday",
        ),
        (
            {
                "holidays": f"{first_saturday(YEAR).isoformat()} 假日",
                "workdays": f"{first_saturday(YEAR).isoformat()} 调休",
            },
            "workdays",
            "is in both lists",
        ),
    ],
)
def test_bad_input_is_refused_with_its_message_and_saves_nothing(world, login, session, data, field, message):
    admin = login(world.users["admin"])
    response = post(admin, {"year": YEAR, "holidays": HOLIDAYS, "workdays": WORKDAYS, **data})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    if field == "year":
        assert message in re.search(r'id="year-error">(.*?)</div>', html, re.S).group(1)
    else:
        assert message in _errors(response, field), html[html.find("invalid-feedback") - 200 :][:1500]
    assert session.scalar(select(func.count()).select_from(CalendarYear)) == 0
    assert session.scalar(select(func.count()).select_from(CalendarDay)) == 0


def test_several_errors_are_listed_line_by_line(world, login):
    response = post(
        login(world.users["admin"]),
        {"year": YEAR, "holidays": f"nonsense\n{YEAR}-01-01 元旦\n{YEAR + 1}-01-01 元旦", "workdays": ""},
    )
    errors = _errors(response, "holidays")
    assert response.status_code == 422 and errors.count("<li>") == 2
    assert "Line 1:" in errors and "Line 3:" in errors


def test_parse_days():
    parsed = parse_days(f"\n# 国务院办公厅通知\n{YEAR}-10-01 ~ {YEAR}-10-03 国庆节\n　{YEAR}-05-01　劳动节\n", YEAR)
    assert not parsed.errors
    assert parsed.days == [
        (date(YEAR, 10, 1), "国庆节"),
        (date(YEAR, 10, 2), "国庆节"),
        (date(YEAR, 10, 3), "国庆节"),
        (date(YEAR, 5, 1), "劳动节"),
    ]
    assert parse_days(f"{YEAR}-01-01..{YEAR}-03-01 太长", YEAR).errors  # a range is at most a month
    assert parse_days("２０２７-０１-０１ 全角", YEAR).errors  # digits are ASCII
    assert parse_days("\n".join([f"{YEAR}-01-01"] * 401), YEAR).errors == ["Write at most 400 lines."]


def test_lines_of_rebuilds_ranges_across_weekends():
    days = [(date(2027, 10, d), "国庆节") for d in (1, 4, 5, 6, 7)] + [(date(2027, 5, 3), "劳动节")]
    # 2027-10-01 is a Friday: the 2nd and 3rd are a weekend, not stored.
    assert date(2027, 10, 2).weekday() == 5
    assert lines_of(days) == "2027-05-03 劳动节\n2027-10-01..2027-10-07 国庆节"


def test_the_service_refuses_non_administrators(world, app):
    from app.admin.calendar import enter_year
    from app.core.errors import ServiceError

    with pytest.raises(ServiceError):
        enter_year(world.users["supervisor"], YEAR, [(date(YEAR, 1, 1), "元旦")], [])
    with pytest.raises(ServiceError):
        enter_year(world.users["admin"], YEAR, [(date(YEAR, 1, 1), "元旦")], [(date(YEAR, 1, 1), "元旦")])
