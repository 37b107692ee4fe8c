"""The visit pages: recording a visit from the phone form (rows, photos, a refused form that keeps
everything), the visit's page (raise a case, follow-ups done, the PDF), the list and its filters."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.cases.enums import Channel
from app.cases.models import Case
from app.cases.staged import StagedUpload
from app.core.db import utcnow
from app.core.workdays import china_day
from app.visits.enums import VisitState
from app.visits.forms import enterprise_label, person_label
from app.visits.models import Visit, VisitFile
from tests.helpers import csrf_token, valid_credit_code

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def en_login(login):
    def do_login(user):
        client = login(user)
        client.set_cookie("lang", "en")
        return client

    return do_login


@pytest.fixture
def record(record, at, world):
    """The visit services on today's real time (the pages date their defaults by it): a visit of
    yesterday with a follow-up due in five days unless told otherwise."""
    at.base, at.ticks = utcnow(), 0

    def make(**over):
        over.setdefault("visited_on", real_day(-1))
        over.setdefault(
            "follow_ups", [{"text": "寄送政策材料", "owner": world.users["caseworker"], "due_on": real_day(5)}]
        )
        return record(**over)

    return make


def refusals(response) -> str:
    """What a refused form says, for an assertion's message."""
    html = response.get_data(as_text=True)
    said = re.findall(r'class="(?:invalid-feedback|alert alert-danger)[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return " | ".join(re.sub(r"<[^>]+>", " ", s).strip() for s in said) or html[:2000]


def real_day(offset: int = 0):
    return china_day(utcnow()) + timedelta(days=offset)


def visits(session) -> int:
    return session.execute(select(func.count()).select_from(Visit)).scalar_one()


def record_form(world, **over):
    """The fields of the record form as a phone sends them (two staff rows, two enterprise rows…)."""
    cw = world.users["caseworker"]
    data = {
        "centre": str(world.city.id),
        "visited_on": real_day(-1).isoformat(),
        "staff-0": person_label(cw),
        "staff-1": "",
        "enterprises-0": enterprise_label(world.enterprise),
        "enterprises-1": "",
        "new_enterprises-0-credit_code": "",
        "new_enterprises-0-name": "",
        "topics": ["policy_briefing", "infringement_check"],
        "problems-0-text": "电商平台上有仿冒其外观设计的产品",
        "problems-0-enterprise": "e0",
        "problems-0-ip_type": "design",
        "problems-0-right_number": "ZL201830123456.6",
        "problems-0-respondent_name": "某某电子商行",
        "problems-1-text": "",
        "problems-1-enterprise": "e0",
        "problems-1-ip_type": "",
        "problems-1-right_number": "",
        "problems-1-respondent_name": "",
        "needs": "希望参加专利布局培训",
        "follow_ups-0-text": "寄送专利快速预审政策材料",
        "follow_ups-0-owner": person_label(cw),
        "follow_ups-0-due_on": real_day(5).isoformat(),
        "follow_ups-1-text": "",
        "follow_ups-1-owner": "",
        "follow_ups-1-due_on": "",
        "contact_name": "王经理",
        "contact_title": "法务主管",
        "contact_phone": "0755-12345678",
        "notes": "内部：企业维权意愿强烈",
    }
    data.update(over)
    return data


def test_the_form_is_made_for_a_phone(world, en_login, session):
    session.commit()
    client = en_login(world.users["caseworker"])
    response = client.get("/visits/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # the camera, documents, a draft kept per user and visit, pickers without a library
    assert re.search(r'<input[^>]+name="photos"[^>]+accept="image/\*"[^>]+capture="environment"[^>]+multiple', html)
    assert 'name="documents"' in html
    assert f'data-draft-key="ipaid.visit-draft.{world.users["caseworker"].id}.new"' in html
    assert "Draft kept on this device" in html
    assert '<datalist id="staff-list">' in html and '<datalist id="enterprise-list">' in html
    assert 'src="/static/visits.js"' in html
    # without script: fixed rows of each kind, the first staff row the recorder
    assert 'name="staff-1"' in html and 'name="problems-1-text"' in html and 'name="follow_ups-1-due_on"' in html
    assert person_label(world.users["caseworker"]) in html
    assert 'name="new_enterprises-0-credit_code"' in html


def test_recording_a_visit_with_a_photo_a_problem_and_a_follow_up(world, en_login, session, tmp_path):
    import io

    session.commit()
    client = en_login(world.users["caseworker"])
    token = csrf_token(client, "/visits/new")
    data = record_form(world, csrf_token=token)
    data["photos"] = [(io.BytesIO(PNG), "现场.png")]
    data["documents"] = [(io.BytesIO(PDF), "签到表.pdf")]
    response = client.post("/visits/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    visit = session.execute(select(Visit)).scalar_one()
    assert response.headers["Location"].endswith(f"/visits/{visit.id}")
    assert visit.state is VisitState.DONE and visit.visited_on == real_day(-1)
    assert [u.id for u in visit.staff] == [world.users["caseworker"].id]
    assert [e.id for e in visit.enterprises] == [world.enterprise.id]
    assert visit.topics == ["policy_briefing", "infringement_check"]
    assert [p.text for p in visit.problems] == ["电商平台上有仿冒其外观设计的产品"]
    assert (
        visit.problems[0].enterprise_id == world.enterprise.id and visit.problems[0].respondent_name == "某某电子商行"
    )
    assert [(f.text, f.owner_id) for f in visit.follow_ups] == [
        ("寄送专利快速预审政策材料", world.users["caseworker"].id)
    ]
    files = session.execute(select(VisitFile).order_by(VisitFile.id)).scalars().all()
    assert [(f.kind, f.content_type) for f in files] == [("photo", "image/png"), ("document", "application/pdf")]
    assert session.execute(select(func.count()).select_from(StagedUpload)).scalar_one() == 0
    # the visit's page clears the draft this form kept, once
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'data-draft-clear="ipaid.visit-draft.{world.users["caseworker"].id}.new"' in page
    assert "现场.png" in page and "Raise a case" in page and "内部：企业维权意愿强烈" in page
    assert "data-draft-clear" not in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_refused_form_comes_back_with_everything_and_keeps_the_photo(world, en_login, session):
    import io

    session.commit()
    client = en_login(world.users["caseworker"])
    token = csrf_token(client, "/visits/new")
    early = real_day(-3).isoformat()
    data = record_form(world, csrf_token=token, **{"follow_ups-0-due_on": early})
    data["photos"] = [(io.BytesIO(PNG), "现场.png")]
    refused = client.post("/visits/new", data=data, content_type="multipart/form-data")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert visits(session) == 0
    # the message by its field, every value typed still there
    assert re.search(r'id="follow_ups-0-due_on"[^>]*aria-invalid="true"', html) or re.search(
        r'aria-invalid="true"[^>]*id="follow_ups-0-due_on"', html
    )
    assert "A follow-up cannot be due before the visit." in html
    assert 'id="form-errors"' in html  # said above the form too: nothing was saved yet
    for value in (
        "电商平台上有仿冒其外观设计的产品",
        "希望参加专利布局培训",
        "王经理",
        "0755-12345678",
        "内部：企业维权意愿强烈",
        early,
    ):
        assert value in html
    assert 'data-draft-restore="0"' in html  # the browser does not put an older draft over it
    # the photo is kept: sent back by its token, it is attached once the form is right
    kept = re.findall(r'name="staged" value="([^"]+)"', html)
    assert len(kept) == 1 and "现场.png" in html
    data = record_form(world, csrf_token=token, staged=kept)
    saved = client.post("/visits/new", data=data, content_type="multipart/form-data")
    assert saved.status_code == 302
    assert [f.filename for f in session.execute(select(VisitFile)).scalars()] == ["现场.png"]


def test_a_photo_that_is_not_an_image_is_refused_by_name(world, en_login, session):
    import io

    session.commit()
    client = en_login(world.users["caseworker"])
    data = record_form(world, csrf_token=csrf_token(client, "/visits/new"))
    data["photos"] = [(io.BytesIO(PDF), "合同.pdf")]
    response = client.post("/visits/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "合同.pdf is not a photo" in html and 'id="photos-error"' in html
    assert visits(session) == 0
    assert session.execute(select(func.count()).select_from(StagedUpload)).scalar_one() == 0


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"visited_on": "2099-01-01"}, "visited_on", "cannot be dated in the future"),
        ({"staff-0": ""}, "staff-0", "Name at least one member of staff"),
        ({"staff-0": "nobody@nowhere.cn"}, "staff-0", "pick one from the list"),
        ({"enterprises-0": "", "problems-0-enterprise": ""}, "enterprises-0", "Name at least one enterprise"),
        ({"enterprises-0": "不存在的企业"}, "enterprises-0", "No enterprise of your scope"),
        ({"follow_ups-0-owner": ""}, "follow_ups-0-owner", "needs an owner"),
        ({"new_enterprises-0-credit_code": "91440300123"}, "new_enterprises-0-credit_code", ""),
        ({"centre": "999999"}, "centre", "Choose a centre of your scope."),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(world, en_login, session, over, field, message):
    session.commit()
    client = en_login(world.users["caseworker"])
    data = record_form(world, csrf_token=csrf_token(client, "/visits/new"), **over)
    response = client.post("/visits/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', html), field
    assert message in html
    assert visits(session) == 0


# A credit code may be all digits (the second one): it is a code, not an enterprise's id.
@pytest.mark.parametrize("given", [None, "914403050000005695"])
def test_an_enterprise_not_yet_registered_is_added_by_code_and_name(world, en_login, session, given):
    from app.enterprises.models import Enterprise

    session.commit()
    client = en_login(world.users["caseworker"])
    code = given or valid_credit_code()
    while session.execute(select(Enterprise.id).where(Enterprise.credit_code == code)).first():
        code = valid_credit_code()  # not yet registered (another test of this worker may have used it)
    data = record_form(
        world,
        csrf_token=csrf_token(client, "/visits/new"),
        **{
            "enterprises-0": "",
            "new_enterprises-0-credit_code": code,
            "new_enterprises-0-name": "新注册科技有限公司",
            "problems-0-enterprise": "n0",
        },
    )
    response = client.post("/visits/new", data=data)
    assert response.status_code == 302, refusals(response)
    firm = session.execute(select(Enterprise).where(Enterprise.credit_code == code)).scalar_one()
    visit = session.execute(select(Visit)).scalar_one()
    assert firm.name == "新注册科技有限公司" and firm.centre_id == world.city.id
    assert [e.id for e in visit.enterprises] == [firm.id] and visit.problems[0].enterprise_id == firm.id


def test_a_planned_visit_is_recorded_from_its_plan(world, en_login, session):
    from app.visits import services

    supervisor, cw = world.users["supervisor"], world.users["caseworker"]
    plan = services.plan_visit(
        supervisor, centre=world.city, planned_on=real_day(0), staff=[cw], enterprises=[world.enterprise]
    )
    session.commit()
    client = en_login(cw)
    form = client.get(f"/visits/{plan.id}/record").get_data(as_text=True)
    assert (
        enterprise_label(world.enterprise) in form and f'data-draft-key="ipaid.visit-draft.{cw.id}.{plan.id}"' in form
    )
    data = record_form(world, csrf_token=csrf_token(client, f"/visits/{plan.id}/record"), version=str(plan.version))
    data.pop("centre")
    response = client.post(f"/visits/{plan.id}/record", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.refresh(plan)
    assert plan.state is VisitState.DONE and plan.recorded_by_id == cw.id
    # recorded once: the form is not offered again
    again = client.get(f"/visits/{plan.id}/record")
    assert again.status_code == 302


def test_a_problem_becomes_a_case_in_one_step(world, en_login, session, record):
    problem = {
        "text": "竞争对手仿冒其外观设计产品在电商平台销售",
        "ip_type": "design",
        "right_number": "ZL201830123456.6",
        "respondent_name": "深圳市某某电子有限公司",
    }
    visit = record(visited_on=real_day(-1), follow_ups=[], problems=[problem])
    session.commit()
    client = en_login(world.users["supervisor"])
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    url = f"/visits/{visit.id}/problems/{visit.problems[0].id}/case"
    assert f'action="{url}"' in page
    token = csrf_token(client, f"/visits/{visit.id}")
    response = client.post(url, data={"csrf_token": token, "version": visit.version})
    assert response.status_code == 302
    case = session.execute(select(Case)).scalar_one()
    assert response.headers["Location"].endswith(f"/cases/{case.number}")
    assert case.channel is Channel.VISIT and case.first_responder_id == world.users["caseworker"].id
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert case.number in page and f'action="{url}"' not in page
    # the problem can go on as a referral lead: the link opens the case's referral form (once accepted)
    refer = f'href="/cases/{case.number}?refer=y#referral-start"'
    assert refer in page
    from app.cases import services as case_services
    from tests.conftest import ACTION_INPUT

    case_services.transition(case, "accept", world.users["caseworker"], **ACTION_INPUT["accept"])
    session.commit()
    case_page = client.get(f"/cases/{case.number}?refer=y").get_data(as_text=True)
    assert '<details class="action-item" open id="referral-start">' in case_page
    assert '<details class="action-item" open id="referral-start">' not in client.get(f"/cases/{case.number}").get_data(
        as_text=True
    )
    # raised once: a second post is refused with the reason, no second case
    again = client.post(url, data={"csrf_token": token, "version": visit.version + 5})
    assert again.status_code in (409, 422)
    assert session.execute(select(func.count()).select_from(Case)).scalar_one() == 1


def test_a_problem_without_its_right_says_why_it_cannot_become_a_case(world, en_login, session, record):
    visit = record(visited_on=real_day(-1), problems=[{"text": "疑似商标被抢注"}])
    session.commit()
    page = en_login(world.users["caseworker"]).get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "Say which type of right the problem concerns" in page
    assert "/case" not in page.split('id="problems"', 1)[1]


def test_follow_ups_are_marked_done_and_the_visit_closes(world, en_login, session, record):
    visit = record(
        visited_on=real_day(-1),
        follow_ups=[{"text": "回访", "owner": world.users["caseworker"], "due_on": real_day(2)}],
    )
    session.commit()
    client = en_login(world.users["caseworker"])
    follow_up = visit.follow_ups[0]
    token = csrf_token(client, f"/visits/{visit.id}")
    response = client.post(
        f"/visits/{visit.id}/follow-ups/{follow_up.id}/done",
        data={"csrf_token": token, "version": visit.version, "comment": "已电话回访"},
    )
    assert response.status_code == 302
    session.refresh(visit)
    assert visit.state is VisitState.CLOSED and visit.follow_ups[0].done_note == "已电话回访"
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "已电话回访" in page and f"/follow-ups/{follow_up.id}/done" not in page


def test_the_list_filters_by_month_centre_state_and_enterprise(world, en_login, session, record):
    from app.visits import services

    done = record(visited_on=real_day(-1))
    other = record(visited_on=real_day(-1), enterprises=[world.county_enterprise], problems=[], centre=world.city)
    planned = services.plan_visit(
        world.users["supervisor"],
        centre=world.city,
        planned_on=real_day(0),
        staff=[world.users["caseworker"]],
        enterprises=[world.enterprise],
    )
    session.commit()
    client = en_login(world.users["caseworker"])

    def ids(url):
        response = client.get(url)
        return response.status_code, [int(i) for i in re.findall(r'id="visit-(\d+)"', response.get_data(as_text=True))]

    month = real_day(-1).strftime("%Y-%m")
    assert ids("/visits")[1] == sorted([done.id, other.id, planned.id], key=lambda i: (i != planned.id, -i)) or set(
        ids("/visits")[1]
    ) == {done.id, other.id, planned.id}
    assert ids("/visits?state=planned") == (200, [planned.id])
    assert set(ids(f"/visits?enterprise={world.county_enterprise.credit_code}")[1]) == {other.id}
    assert set(ids(f"/visits?month={month}&centre={world.city.id}&state=done")[1]) >= {done.id}
    assert ids("/visits?month=2001-01")[1] == []
    assert ids("/visits?month=13-2026")[0] == 422
    assert ids(f"/visits?centre={world.sibling.id}")[0] == 422  # not a centre of the scope


def test_the_centre_filter_drills_down_from_the_users_centre(world, en_login, make_centre, make_user, session):
    """As the case list's: the user's centre and those just below it; a centre chosen further down
    brings the way to it and its own children; a centre outside the subtree is refused."""
    from app.auth.models import Role
    from app.centres.models import CentreLevel

    station = make_centre("CACW", parent=world.county, level=CentreLevel.WORKSTATION)
    closed = make_centre("CBX", parent=world.sibling, level=CentreLevel.COUNTY)
    closed.is_active = False
    supervisor = make_user(Role.SUPERVISOR, centre=world.province)
    session.commit()
    client = en_login(supervisor)

    def offered(url):
        response = client.get(url)
        select = re.search(r'<select[^>]*name="centre".*?</select>', response.get_data(as_text=True), re.S).group(0)
        return response.status_code, [int(i) for i in re.findall(r'value="(\d+)"', select)]

    assert offered("/visits") == (200, [world.province.id, world.city.id, world.sibling.id])
    status, ids = offered(f"/visits?centre={station.id}")
    assert status == 200 and set(ids) == {
        world.province.id,
        world.city.id,
        world.sibling.id,
        world.county.id,
        station.id,
    }
    status, ids = offered(f"/visits?centre={world.sibling.id}")
    assert status == 200 and closed.id in ids  # a closed centre's visits stay listed
    assert offered(f"/visits?centre={world.other_province.id}")[0] == 422


def test_the_list_pages_by_keyset(world, en_login, session, record, monkeypatch):
    from app.visits import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = [record(visited_on=real_day(-1 - i), problems=[], follow_ups=[]) for i in range(3)]
    session.commit()
    client = en_login(world.users["caseworker"])
    first = client.get("/visits").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'id="visit-(\d+)"', first)] == [made[0].id, made[1].id]
    following = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(following).get_data(as_text=True)
    assert [int(i) for i in re.findall(r'id="visit-(\d+)"', second)] == [made[2].id]
    assert 'rel="next"' not in second


def test_a_visit_out_of_scope_is_not_found(world, en_login, session, record, make_user):
    from app.auth.models import Role

    visit = record(visited_on=real_day(-1))
    session.commit()
    stranger = make_user(Role.CASEWORKER, centre=world.sibling, email="cw2@sibling.cn")
    client = en_login(stranger)
    assert client.get(f"/visits/{visit.id}").status_code == 404
    assert client.get(f"/visits/{visit.id}/record").status_code == 404
    assert str(visit.id) not in re.findall(r'id="visit-(\d+)"', client.get("/visits").get_data(as_text=True))


def test_a_supervisor_changes_a_plan(world, en_login, session):
    from app.visits import services

    supervisor, cw = world.users["supervisor"], world.users["caseworker"]
    plan = services.plan_visit(
        supervisor, centre=world.city, planned_on=real_day(1), staff=[cw], enterprises=[world.enterprise]
    )
    session.commit()
    assert en_login(cw).get(f"/visits/{plan.id}/replan").status_code == 403
    client = en_login(supervisor)
    form = client.get(f"/visits/{plan.id}/replan").get_data(as_text=True)
    assert person_label(cw) in form and enterprise_label(world.enterprise) in form
    token = csrf_token(client, f"/visits/{plan.id}/replan")
    data = {
        "csrf_token": token,
        "version": str(plan.version),
        "planned_on": real_day(3).isoformat(),
        "staff-0": person_label(cw),
        "staff-1": person_label(supervisor),
        "enterprises-0": enterprise_label(world.county_enterprise),
    }
    refused = client.post(f"/visits/{plan.id}/replan", data={**data, "planned_on": real_day(-1).isoformat()})
    assert refused.status_code == 422 and enterprise_label(world.county_enterprise) in refused.get_data(as_text=True)
    done = client.post(f"/visits/{plan.id}/replan", data=data)
    assert done.status_code == 302
    session.refresh(plan)
    assert plan.planned_on == real_day(3) and [u.id for u in plan.staff] == [cw.id, supervisor.id]
    assert plan.enterprises == [world.county_enterprise]


def test_the_visit_record_is_issued_and_downloaded(world, en_login, session, record):
    visit = record()
    session.commit()
    client = en_login(world.users["caseworker"])
    token = csrf_token(client, f"/visits/{visit.id}")
    assert client.post(f"/visits/{visit.id}/documents", data={"csrf_token": token}).status_code == 302
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    link = re.search(rf'href="(/visits/{visit.id}/documents/\d+)"', page).group(1)
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-" and pdf.headers["Content-Type"] == "application/pdf"
