"""The working-day calendar holds for the whole country: only an administrator of the national centre
changes it. Administrators of the centres below (provincial down to workstations) may read it, but
see no edit controls and are refused (403) if they post anyway; the service refuses them too."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.admin.calendar import NATIONAL_ONLY, enter_year
from app.auth.models import Role
from app.centres.models import CentreLevel
from app.clocks.models import CalendarDay, CalendarYear
from app.core.errors import ServiceError
from app.core.workdays import package_years
from tests.helpers import csrf_token

YEAR = package_years().stop  # a year the installed calendar does not know
# A month of "holidays": with these, every clock of the country would stand still.
A_MONTH_OFF = f"{YEAR}-03-01..{YEAR}-03-31 假日"


@pytest.fixture
def centres(world, make_centre):
    """A national centre, and a workstation below the world's county."""
    national = make_centre("CN", level=CentreLevel.NATIONAL)
    workstation = make_centre("CACW", parent=world.county, level=CentreLevel.WORKSTATION)
    return national, workstation


@pytest.fixture
def admins(world, centres, make_user):
    national, workstation = centres
    return {
        "national": make_user(Role.ADMIN, centre=national, email="admin@national.cn"),
        "provincial": world.province_admin,
        "municipal": world.users["admin"],
        "county": make_user(Role.ADMIN, centre=world.county, email="admin@county.cn"),
        "workstation": make_user(Role.ADMIN, centre=workstation, email="admin@workstation.cn"),
    }


@pytest.fixture
def login(login):
    def do_login(user):
        client = login(user)
        client.set_cookie("lang", "en")
        return client

    return do_login


def _post(client, **data):
    return client.post(
        "/admin/calendar/edit",
        data={"csrf_token": csrf_token(client, "/"), "year": YEAR, "holidays": A_MONTH_OFF, "workdays": "", **data},
    )


def _nothing_entered(session) -> bool:
    return (
        session.scalar(select(func.count()).select_from(CalendarYear)) == 0
        and session.scalar(select(func.count()).select_from(CalendarDay)) == 0
    )


@pytest.mark.parametrize("level", ["provincial", "municipal", "county", "workstation"])
def test_administrators_below_the_national_centre_cannot_change_the_calendar(admins, login, session, level):
    client = login(admins[level])
    assert _post(client).status_code == 403
    assert _post(client, holidays="garbage").status_code == 403  # refused before the form is even read
    session.expire_all()
    assert _nothing_entered(session)


@pytest.mark.parametrize("level", ["provincial", "workstation"])
def test_they_may_read_the_calendar_without_edit_controls(admins, login, session, level):
    session.add(CalendarYear(year=YEAR, note="国办发明电", entered_by_id=admins["national"].id))
    session.add(CalendarDay(day=date(YEAR, 1, 1), year=YEAR, is_working_day=False, name="元旦"))
    session.commit()
    client = login(admins[level])

    page = client.get("/admin/calendar")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<tr data-year="{YEAR}">' in html and 'id="calendar-read-only"' in html
    assert "Only an administrator of the national centre can change the working-day calendar" in html
    assert f"Enter {YEAR}" not in html and f"Enter {YEAR + 1}" not in html
    assert 'id="enter-heading"' not in html and ">Edit<" not in html

    form = client.get(f"/admin/calendar/edit?year={YEAR}")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert f"{YEAR}-01-01 元旦" in html and "国办发明电" in html  # the entered days, to read
    assert '<form method="post" novalidate' not in html and "Save the calendar" not in html
    assert re.search(r'<textarea[^>]* id="holidays"[^>]* readonly', html)


def test_the_national_administrator_changes_the_calendar(admins, login, session):
    client = login(admins["national"])
    html = client.get("/admin/calendar").get_data(as_text=True)
    assert 'id="enter-heading"' in html and 'id="calendar-read-only"' not in html
    form = client.get(f"/admin/calendar/edit?year={YEAR}").get_data(as_text=True)
    assert '<form method="post" novalidate' in form and "Save the calendar" in form
    assert _post(client).status_code == 302
    session.expire_all()
    assert session.get(CalendarYear, YEAR).entered_by_id == admins["national"].id


def test_staff_of_the_national_centre_other_than_administrators_are_refused(centres, make_user, login):
    national, _workstation = centres
    supervisor = make_user(Role.SUPERVISOR, centre=national, email="supervisor@national.cn")
    client = login(supervisor)
    assert client.get("/admin/calendar").status_code == 403
    assert _post(client).status_code == 403


@pytest.mark.parametrize("level", ["provincial", "municipal", "county", "workstation"])
def test_the_service_refuses_administrators_below_the_national_centre(admins, app, session, level):
    with pytest.raises(ServiceError) as refused:
        enter_year(admins[level], YEAR, [(date(YEAR, 3, d), "假日") for d in range(1, 32)], [])
    assert refused.value.message is NATIONAL_ONLY
    assert _nothing_entered(session)
    enter_year(admins["national"], YEAR, [(date(YEAR, 3, 1), "假日")], [])
    assert session.get(CalendarYear, YEAR) is not None
