"""The other visit pages: the compliance grid, "my work", the enterprise's visit history (the
applicant never sees internal notes), the supervisor's month plan, the pickers' suggestions, and
the weight of the record form on a phone."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app.centres.models import Centre
from app.core.db import utcnow
from app.core.workdays import china_day
from app.visits.enums import VisitState
from app.visits.forms import enterprise_label, person_label
from app.visits.models import Visit
from tests.helpers import csrf_token


@pytest.fixture
def en_login(login):
    def do_login(user):
        client = login(user)
        client.set_cookie("lang", "en")
        return client

    return do_login


def real_day(offset: int = 0) -> date:
    return china_day(utcnow()) + timedelta(days=offset)


def past_working_day() -> date:
    """A recent day whose deadline is over (a deadline on a rest day runs to the next working day)."""
    from app.clocks.services import load_calendar

    calendar = load_calendar()
    return next(d for d in (real_day(-n) for n in range(1, 30)) if calendar.add_working_days(d, 0) < real_day())


@pytest.fixture
def record(record, at, world):
    at.base, at.ticks = utcnow(), 0

    def make(**over):
        over.setdefault("visited_on", real_day(-1))
        over.setdefault(
            "follow_ups", [{"text": "寄送政策材料", "owner": world.users["caseworker"], "due_on": real_day(5)}]
        )
        return record(**over)

    return make


@pytest.fixture
def old_centres(world, session):
    """The world's centres as if set up two years ago (a centre owes visits from its first month)."""
    long_ago = datetime(utcnow().year - 2, 1, 1, tzinfo=utcnow().tzinfo)
    session.execute(update(Centre).values(created_at=long_ago))
    session.commit()


def cells(html: str, centre) -> list[tuple[str, str]]:
    """(class, text) of the twelve month cells of a centre's row."""
    row = re.search(rf'<tr id="centre-{centre.id}">(.*?)</tr>', html, re.S).group(1)
    found = re.findall(r'<td class="([^"]+)">(.*?)</td>', row, re.S)
    return [(cls, re.sub(r"<[^>]+>", "", text).strip()) for cls, text in found][:12]


def test_the_grid_marks_a_month_short_of_its_minimum(world, en_login, session, record, old_centres):
    last_year = real_day().year - 1
    record(visited_on=date(last_year, 3, 15), follow_ups=[])
    session.commit()
    client = en_login(world.users["supervisor"])
    response = client.get(f"/visits/compliance?year={last_year}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    city = cells(html, world.city)
    assert city[2] == ("ok", "1/1 minimum met")
    assert city[0] == ("short", "0/1 short of the minimum")  # red, and said in words, not only by colour
    assert all(cls == "short" for i, (cls, _) in enumerate(city) if i != 2)
    assert cells(html, world.county)[2][0] == "short"
    # a cell opens that centre's month in the list
    assert f'href="/visits?centre={world.city.id}&amp;month={last_year}-03"' in html
    assert world.sibling.name not in html  # another city's centre is not in the grid


def test_the_grid_pages_through_the_centres_and_can_show_only_those_short(
    world, en_login, session, record, old_centres, monkeypatch
):
    from app.visits import views_compliance
    from app.visits.compliance import month_end_breaches

    monkeypatch.setattr(views_compliance, "PAGE_ROWS", 1)
    last_year = real_day().year - 1
    record(visited_on=date(last_year, 3, 15), follow_ups=[])
    session.commit()
    client = en_login(world.users["supervisor"])
    seen, url = [], f"/visits/compliance?year={last_year}"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r'<tr id="centre-(\d+)">', html)
        found = re.search(r'rel="next" href="([^"]+)"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    subtree = [str(c.id) for c in (world.city, world.county)]
    assert sorted(seen) == sorted(subtree) and len(seen) == len(set(seen))  # each centre once, none of another city
    # the month-end scan of last March records the county short (the city made its visit)
    month_end_breaches(datetime(last_year, 4, 1, 2, tzinfo=UTC))
    session.commit()
    monkeypatch.setattr(views_compliance, "PAGE_ROWS", 50)
    html = client.get(f"/visits/compliance?year={last_year}&short=y").get_data(as_text=True)
    assert re.findall(r'<tr id="centre-(\d+)">', html) == [str(world.county.id)]
    assert client.get(f"/visits/compliance?year={last_year}&after=%3Cscript%3E").status_code == 200  # the first page


def test_the_current_month_is_in_progress_and_later_months_not_begun(world, en_login, session, old_centres):
    today = real_day()
    html = en_login(world.users["caseworker"]).get("/visits/compliance").get_data(as_text=True)
    city = cells(html, world.city)
    assert city[today.month - 1] == ("now", "0/1 month in progress")
    assert all(cls == "later" for cls, _ in city[today.month :])
    assert 'aria-current="date"' in html


def test_the_grid_is_for_caseworkers_and_supervisors(world, login, session):
    session.commit()
    assert login(world.users["applicant"]).get("/visits/compliance").status_code == 403
    assert login(world.users["mediator"]).get("/visits/compliance").status_code == 403
    assert login(world.users["caseworker"]).get("/visits/compliance?year=abc").status_code == 422


def test_my_work_lists_my_planned_visits_and_the_follow_ups_i_owe_once(world, en_login, session, record):
    from app.visits import services

    cw = world.users["caseworker"]
    planned = services.plan_visit(
        world.users["supervisor"], centre=world.city, planned_on=real_day(1), staff=[cw], enterprises=[world.enterprise]
    )
    due = past_working_day()
    late = record(visited_on=due, follow_ups=[{"text": "补充提交检索报告", "owner": cw, "due_on": due}])
    session.commit()
    html = en_login(cw).get("/my-work").get_data(as_text=True)
    section = html.split('id="my-visits"', 1)[1].split("</section>", 1)[0]
    assert f'href="/visits/{planned.id}"' in section and f'href="/visits/{planned.id}/record"' in section
    # the late follow-up is one of the deadlines the caseworker answers for, once, overdue, linked to its visit
    assert html.count('data-clock="follow_up"') == 1 and "补充提交检索报告" not in section
    row = html.split('data-clock="follow_up"', 1)[1].split("</tr>", 1)[0]
    assert 'data-state="overdue"' in row and f'href="/visits/{late.id}' in row and "补充提交检索报告" in row
    # the supervisor goes on none of them and owes none
    other = en_login(world.users["supervisor"]).get("/my-work").get_data(as_text=True)
    assert "补充提交检索报告" not in other and "No visit is planned for you." in other


def test_my_work_shows_the_soonest_planned_visits_and_says_there_are_more(world, en_login, session, monkeypatch):
    import app.clocks.mywork as mywork
    from app.visits import services

    cw = world.users["caseworker"]
    visits = [
        services.plan_visit(
            world.users["supervisor"],
            centre=world.city,
            planned_on=real_day(n),
            staff=[cw],
            enterprises=[world.enterprise],
        )
        for n in (3, 1, 2)
    ]
    session.commit()
    monkeypatch.setattr(mywork, "LIMIT", 2)
    section = (
        en_login(cw).get("/my-work").get_data(as_text=True).split('id="my-visits"', 1)[1].split("</section>", 1)[0]
    )
    assert re.findall(r'href="/visits/(\d+)"', section) == [str(visits[1].id), str(visits[2].id)]  # the soonest
    assert ">2+<" in section and "The 2 soonest are shown." in section
    monkeypatch.setattr(mywork, "LIMIT", 3)
    section = (
        en_login(cw).get("/my-work").get_data(as_text=True).split('id="my-visits"', 1)[1].split("</section>", 1)[0]
    )
    assert len(re.findall(r'href="/visits/(\d+)"', section)) == 3 and ">3<" in section and "soonest" not in section


def test_the_enterprise_page_shows_its_visits_and_never_the_internal_notes(world, en_login, session, record):
    from app.visits import services

    record(notes="内部：不要告诉企业", needs="希望参加培训")
    planned = services.plan_visit(
        world.users["supervisor"],
        centre=world.city,
        planned_on=real_day(2),
        staff=[world.users["caseworker"]],
        enterprises=[world.enterprise],
        notes="内部：计划备注",
    )
    session.commit()
    url = f"/enterprises/{world.enterprise.id}"
    applicant = en_login(world.applicant).get(url).get_data(as_text=True)
    history = applicant.split('id="visit-history"', 1)[1]
    assert real_day(-1).isoformat() in history and "Policy briefing" in history
    assert "竞争对手仿冒其外观设计产品在电商平台销售" in history and "寄送政策材料" in history
    assert "内部" not in applicant  # neither the visit's notes nor the plan's
    assert f"visit-{planned.id}" not in history and "/visits/" not in history  # no plan, no staff page
    staff = en_login(world.users["caseworker"]).get(url).get_data(as_text=True)
    assert f'href="/visits/{planned.id}"' in staff
    assert "内部" not in staff.split('id="visit-history"', 1)[1]  # the notes stay on the visit's own page


def test_a_supervisor_plans_the_month_row_by_row(world, en_login, session):
    sup, cw = world.users["supervisor"], world.users["caseworker"]
    session.commit()
    assert en_login(cw).get("/visits/plan").status_code == 403
    client = en_login(sup)
    assert client.get("/visits/plan").status_code == 200
    token = csrf_token(client, "/visits/plan")
    rows = {
        "centre": str(world.city.id),
        "rows-0-planned_on": real_day(3).isoformat(),
        "rows-0-enterprise": enterprise_label(world.enterprise),
        "rows-0-staff": person_label(cw),
        "rows-0-staff2": person_label(sup),
        "rows-1-planned_on": real_day(4).isoformat(),
        "rows-1-enterprise": enterprise_label(world.county_enterprise),
        "rows-1-staff": person_label(cw),
        "rows-1-staff2": "",
    }
    # one bad row: nothing is planned, every row comes back as typed with the message by its field
    bad = {**rows, "rows-1-enterprise": "不存在的企业", "csrf_token": token}
    refused = client.post("/visits/plan", data=bad)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "不存在的企业" in html and enterprise_label(world.enterprise) in html and 'id="form-errors"' in html
    assert re.search(
        r'id="rows-1-enterprise"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="rows-1-enterprise"', html
    )
    assert session.execute(select(func.count()).select_from(Visit)).scalar_one() == 0
    past = client.post(
        "/visits/plan", data={**rows, "rows-0-planned_on": real_day(-2).isoformat(), "csrf_token": token}
    )
    assert past.status_code == 422 and "Plan a visit for today or a later day." in past.get_data(as_text=True)
    done = client.post("/visits/plan", data={**rows, "csrf_token": token})
    assert done.status_code == 302
    planned = session.execute(select(Visit).order_by(Visit.planned_on)).scalars().all()
    assert [v.state for v in planned] == [VisitState.PLANNED, VisitState.PLANNED]
    assert [u.id for u in planned[0].staff] == [cw.id, sup.id] and planned[1].enterprises == [world.county_enterprise]


def test_the_pickers_suggest_only_what_may_be_chosen(world, login, session):
    session.commit()
    client = login(world.users["caseworker"])
    firms = client.get("/visits/search/enterprises?q=企业有限公司").get_json()
    labels = {item["value"] for item in firms}
    assert enterprise_label(world.enterprise) in labels and enterprise_label(world.county_enterprise) in labels
    assert (
        enterprise_label(world.other_enterprise) not in labels and enterprise_label(world.far_enterprise) not in labels
    )
    people = {item["value"] for item in client.get("/visits/search/staff?q=city.cn").get_json()}
    assert person_label(world.users["caseworker"]) in people and person_label(world.users["supervisor"]) in people
    assert person_label(world.users["mediator"]) not in people and person_label(world.sibling_caseworker) not in people
    assert client.get(f"/visits/search/staff?q=cw&centre={world.sibling.id}").get_json() == []
    assert login(world.applicant).get("/visits/search/enterprises?q=企业").status_code == 403


def test_the_record_form_weighs_under_150_kb_on_a_phone(world, login, app, session):
    """HTML + CSS + JS of the form, as sent compressed (gzip, as a production proxy serves text); and
    uncompressed, what the visit pages add to the site's common files stays small."""
    session.commit()
    client = login(world.users["caseworker"])
    html = client.get("/visits/new", headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Mobile"}).data
    assets = re.findall(rb'<(?:link rel="stylesheet" href|script src)="(/static/[^"]+)"', html)
    assert b"/static/visits.js" in assets and b"/static/visits.css" in assets
    raw, packed = len(html), len(gzip.compress(html))
    own = 0
    for path in assets:
        body = client.get(path.decode()).data
        raw, packed = raw + len(body), packed + len(gzip.compress(body))
        if b"visits." in path:
            own += len(body)
    print(f"record form: {raw / 1024:.1f} KB uncompressed, {packed / 1024:.1f} KB gzip; visits.* {own / 1024:.1f} KB")
    assert packed <= 150 * 1024
    assert own <= 24 * 1024 and len(html) <= 64 * 1024


def test_the_pages_read_a_fixed_number_of_statements_whatever_the_visits(
    world, login, session, record, count_statements
):
    """No lazy loading row by row: the list, "my work", the enterprise's history and a visit's page cost
    the same with two visits as with six."""
    from tests.helpers import statements_for

    cw = world.users["caseworker"]
    first = record()
    record()
    session.commit()
    client = login(cw)
    urls = ["/visits", "/my-work", f"/enterprises/{world.enterprise.id}", f"/visits/{first.id}"]
    before = [statements_for(client, count_statements, url) for url in urls]
    for i in range(4):  # other people, other enterprises: anything loaded row by row would show
        record(
            actor=world.users["supervisor"] if i % 2 else cw,
            staff=[cw, world.users["supervisor"]],
            enterprises=[world.enterprise, world.county_enterprise] if i % 2 else [world.enterprise],
        )
    session.commit()
    assert [statements_for(client, count_statements, url) for url in urls] == before


def test_a_late_follow_up_on_the_home_page_board_links_to_its_visit(world, en_login, session, record):
    cw = world.users["caseworker"]
    due = past_working_day()
    late = record(visited_on=due, follow_ups=[{"text": "补充提交检索报告", "owner": cw, "due_on": due}])
    session.commit()
    response = en_login(world.users["supervisor"]).get("/")
    assert response.status_code == 200
    board = response.get_data(as_text=True).split('id="home-overdue"', 1)[1].split("</section>", 1)[0]
    assert f'href="/visits/{late.id}"' in board and "补充提交检索报告" in board and "Visit follow-up" in board


def test_my_work_reads_the_planned_visits_in_the_same_statements_however_many(
    world, en_login, session, count_statements
):
    from app.visits import services
    from tests.helpers import statements_for

    cw = world.users["caseworker"]

    def plan(n):
        for i in range(n):
            services.plan_visit(
                world.users["supervisor"],
                centre=world.city,
                planned_on=real_day(i + 1),
                staff=[cw],
                enterprises=[world.enterprise, world.county_enterprise],
            )
        session.commit()

    plan(1)
    client = en_login(cw)
    few = statements_for(client, count_statements, "/my-work")
    plan(3)
    html = client.get("/my-work").get_data(as_text=True)
    assert html.count('/record"') >= 4 and world.county_enterprise.name in html
    assert statements_for(client, count_statements, "/my-work") == few
