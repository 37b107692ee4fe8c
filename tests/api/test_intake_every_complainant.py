"""``POST /api/v1/cases`` takes what real channels bring (API.md "Complainants without a credit code"): an
enterprise given by code and name alone (size class unknown), a natural person or an anonymous tip-off
(staff only), a hotline call; drafts take no number until submitted, and their author may delete them."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.cases.models import Attachment, Case, CaseEvent, CaseRight
from app.enterprises.models import Enterprise
from tests.api.conftest import error_of
from tests.conftest import ALL_CONDITIONS
from tests.core.test_filetypes import sample_pdf
from tests.helpers import valid_credit_code

UTILITY_MODEL = "202320123456.1"


def body(**overrides) -> dict:
    data = {
        "kind": "complaint",
        "channel": "hotline",
        "ip_right": {"type": "utility_model", "number": UTILITY_MODEL, "title": "一种折叠式支架"},
        "respondent": {"name": "被投诉科技有限公司"},
        "facts": "被投诉人在展会上销售与本专利相同的产品。",
    }
    data.update(overrides)
    return data


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def delete(client, path):
    return client.client.delete(path, headers=client.headers())


# ---- an enterprise by code and name alone -----------------------------------------------------------


def test_an_enterprise_by_code_and_name_alone_has_an_unknown_size(api, world, session, login):
    code = valid_credit_code()
    response = api(world.users["caseworker"]).post(
        "/api/v1/cases", json=body(enterprise={"credit_code": code, "name": "来电企业有限公司"})
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    case = response.get_json()
    assert case["enterprise"] == {"credit_code": code, "name": "来电企业有限公司", "size_class": "unknown"}
    assert case["complainant"] == {"type": "enterprise", "name": "来电企业有限公司", "phone": ""}
    firm = session.execute(select(Enterprise).where(Enterprise.credit_code == code)).scalar_one()
    assert firm.industry is None and firm.staff_count is None and firm.size_class.value == "unknown"

    client = login(world.users["caseworker"])
    page = client.get(f"/enterprises/{firm.id}").get_data(as_text=True)
    assert "Size not known yet" in page or "规模待定" in page
    page = client.get(f"/cases/{case['number']}").get_data(as_text=True)
    assert 'id="size-class"' in page and ("Size not known yet" in page or "规模待定" in page)

    # Giving the figures later classifies it.
    from app.enterprises.services import update_enterprise

    update_enterprise(
        world.users["caseworker"], firm, {"industry": "industry", "staff_count": 30, "revenue_wan": 800}, None
    )
    assert firm.size_class.value == "small"


# ---- a person, an anonymous tip-off ------------------------------------------------------------------


def test_staff_record_a_person_without_a_credit_code_and_may_accept_it(api, world, session):
    client = api(world.users["caseworker"])
    response = client.post(
        "/api/v1/cases",
        json=body(complainant={"type": "individual", "name": "王小明", "phone": "138 0013 8000"}),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    case = response.get_json()
    assert case["enterprise"] is None and case["state"] == "acknowledged"
    assert case["complainant"] == {"type": "individual", "name": "王小明", "phone": "138 0013 8000"}
    response = client.post(
        f"/api/v1/cases/{case['ref']}/actions/accept",
        json={"version": case["version"], "data": {"conditions": ALL_CONDITIONS}},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["state"] == "accepted"
    # The person is on the notice as the applicant.
    documents = client.get(f"/api/v1/cases/{case['ref']}/documents").get_json()
    assert [d["kind"] for d in documents] == ["acceptance_notice"]
    stored = session.execute(select(Case).where(Case.number == case["number"])).scalar_one()
    assert "王小明" in stored.search_text and stored.complainant_label == "王小明"

    # The chain vouches for who complains: a name changed behind the workflow's back is found.
    from sqlalchemy import update

    from app.cases.verify import verify_all_chains

    assert verify_all_chains(check_files=False)[0] == []
    session.execute(update(Case).where(Case.id == stored.id).values(complainant_name="冒名者"))
    problems = verify_all_chains(check_files=False)[0]
    assert any("changed after this event" in str(p) for p in problems)


def test_an_anonymous_tip_off_cannot_be_accepted_but_may_be_declined(api, world):
    client = api(world.users["caseworker"])
    response = client.post("/api/v1/cases", json=body(complainant={"type": "anonymous"}))
    assert response.status_code == 201, response.get_data(as_text=True)
    case = response.get_json()
    assert case["complainant"] == {"type": "anonymous", "name": "", "phone": ""}

    actions = {a["action"]: a for a in client.get(f"/api/v1/cases/{case['ref']}/actions").get_json()}
    assert actions["accept"]["allowed"] is False
    assert any("anonymous tip-off cannot be accepted" in r for r in actions["accept"]["reasons"])
    assert actions["decline"]["allowed"] is True

    response = client.post(
        f"/api/v1/cases/{case['ref']}/actions/accept",
        json={"version": case["version"], "data": {"conditions": ALL_CONDITIONS}},
    )
    assert response.status_code == 422
    assert any("anonymous tip-off" in r for r in error_of(response)["details"]["reasons"])

    response = client.post(
        f"/api/v1/cases/{case['ref']}/actions/decline",
        json={"version": case["version"], "comment": "匿名线索，转为线索跟进。", "data": {"reason": "not_eligible"}},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_applicants_never_see_a_persons_case(api, world, login):
    case = (
        api(world.users["caseworker"])
        .post("/api/v1/cases", json=body(complainant={"type": "individual", "name": "李四"}))
        .get_json()
    )
    applicant = api(world.applicant)
    assert applicant.get(f"/api/v1/cases/{case['number']}").status_code == 404
    assert case["number"] not in applicant.get("/api/v1/cases").get_data(as_text=True)
    web = login(world.applicant)
    assert web.get(f"/cases/{case['number']}").status_code == 404
    assert case["number"] not in web.get("/cases").get_data(as_text=True)
    # Staff see it in their list, named by the person.
    staff = login(world.users["caseworker"])
    listing = staff.get("/cases").get_data(as_text=True)
    assert case["number"] in listing and "李四" in listing


def test_bad_complainants_answer_422_and_save_nothing(api, world, session):
    client = api(world.users["caseworker"])
    before = (count(session, Case), count(session, Enterprise))
    firm = {"credit_code": world.enterprise.credit_code}
    cases = [
        (body(complainant={"type": "individual"}), "complainant.name"),
        (body(complainant={"type": "individual", "name": "  "}), "complainant.name"),
        (body(complainant={"type": "individual", "name": "王五", "phone": "call me"}), "complainant.phone"),
        (body(complainant={"type": "nobody"}), "complainant.type"),
        (body(complainant={"type": "individual", "name": "王五"}, enterprise=firm), "enterprise"),
        (body(), "enterprise.credit_code"),  # neither an enterprise nor a person
        (body(complainant={"type": "anonymous", "name": "名" * 101}), "complainant.name"),
    ]
    for data, path in cases:
        response = client.post("/api/v1/cases", json=data)
        assert response.status_code == 422, (data, response.get_json())
        assert path in error_of(response)["details"]["fields"], (path, response.get_json())
    assert (count(session, Case), count(session, Enterprise)) == before


def test_an_applicant_cannot_use_complainant_or_call_fields(api, world, session):
    client = api(world.applicant)
    firm = {"credit_code": world.enterprise.credit_code}
    before = count(session, Case)
    response = client.post(
        "/api/v1/cases", json=body(channel="web", complainant={"type": "individual", "name": "张三"})
    )
    assert response.status_code == 422
    message = error_of(response)["details"]["fields"]["complainant.type"]
    assert "staff" in message
    response = client.post(
        "/api/v1/cases", json=body(channel="web", enterprise=firm, call={"caller_name": "张三", "ticket": "T1"})
    )
    assert response.status_code == 422
    assert "staff" in error_of(response)["details"]["fields"]["call"]
    assert count(session, Case) == before


# ---- the hotline call ----------------------------------------------------------------------------------


def test_a_hotline_call_is_kept_and_shown_to_staff(api, world, login, session):
    called = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    call = {
        "caller_name": "赵六",
        "caller_phone": "0755-12345678",
        "called_at": "2026-03-02T09:30:00+08:00",
        "ticket": "12330-2026-000123",
    }
    client = api(world.users["caseworker"])
    response = client.post(
        "/api/v1/cases", json=body(enterprise={"credit_code": world.enterprise.credit_code}, call=call)
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    case = response.get_json()
    assert case["call"] == {**call, "called_at": called.isoformat()}
    stored = session.execute(select(Case).where(Case.number == case["number"])).scalar_one()
    assert stored.called_at == called and stored.call_ticket == "12330-2026-000123"
    page = login(world.users["caseworker"]).get(f"/cases/{case['number']}").get_data(as_text=True)
    assert 'id="call"' in page and "12330-2026-000123" in page and "赵六" in page
    # The applicant's view of their enterprise's case carries no call.
    assert "call" not in api(world.applicant).get(f"/api/v1/cases/{case['number']}").get_json()
    applicant_page = login(world.applicant).get(f"/cases/{case['number']}").get_data(as_text=True)
    assert "12330-2026-000123" not in applicant_page


def test_call_details_need_a_hotline_case_and_a_past_time(api, world, session):
    client = api(world.users["caseworker"])
    firm = {"credit_code": world.enterprise.credit_code}
    before = count(session, Case)
    response = client.post("/api/v1/cases", json=body(channel="walk_in", enterprise=firm, call={"ticket": "T-1"}))
    assert response.status_code == 422 and "call" in error_of(response)["details"]["fields"]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = client.post("/api/v1/cases", json=body(enterprise=firm, call={"called_at": future}))
    assert response.status_code == 422 and "call.called_at" in error_of(response)["details"]["fields"]
    response = client.post("/api/v1/cases", json=body(enterprise=firm, call={"called_at": "yesterday"}))
    assert response.status_code == 422 and "call.called_at" in error_of(response)["details"]["fields"]
    assert count(session, Case) == before


# ---- drafts without numbers ----------------------------------------------------------------------------


def test_drafts_take_no_number_and_numbers_follow_submission(api, world, session):
    client = api(world.applicant)
    firm = {"credit_code": world.enterprise.credit_code}
    first = client.post("/api/v1/cases", json=body(channel="web", enterprise=firm, draft=True)).get_json()
    second = client.post("/api/v1/cases", json=body(channel="web", enterprise=firm, draft=True)).get_json()
    left = client.post("/api/v1/cases", json=body(channel="web", enterprise=firm, draft=True)).get_json()
    assert left["number"] is None  # stays a draft: the number check has nothing to account for
    for draft in (first, second):
        assert draft["number"] is None and draft["ref"].startswith("draft-") and draft["state"] == "draft"
        assert client.get(f"/api/v1/cases/{draft['ref']}").status_code == 200
    # Staff never see an applicant's draft, by any reference.
    assert api(world.users["caseworker"]).get(f"/api/v1/cases/{first['ref']}").status_code == 404

    # Submitted in the other order: the second draft takes the first number.
    submitted_second = client.post(
        f"/api/v1/cases/{second['ref']}/actions/submit", json={"version": second["version"]}
    ).get_json()
    submitted_first = client.post(
        f"/api/v1/cases/{first['ref']}/actions/submit", json={"version": first["version"]}
    ).get_json()
    numbers = [submitted_second["number"], submitted_first["number"]]
    sequences = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert sequences[1] == sequences[0] + 1, numbers
    assert all(n.startswith(f"{world.city.code}-") for n in numbers)
    # The old reference no longer answers; the number does.
    assert client.get(f"/api/v1/cases/{first['ref']}").status_code == 404
    assert client.get(f"/api/v1/cases/{submitted_first['number']}").status_code == 200
    assert submitted_first["ref"] == submitted_first["number"]
    stored = session.execute(select(Case).where(Case.number == submitted_first["number"])).scalar_one()
    assert stored.number.lower() in stored.search_text

    from app.cases.verify import verify_all_chains

    problems, _chains = verify_all_chains(check_files=False)
    assert problems == []


def test_an_author_deletes_a_draft_with_everything_it_holds(api, world, session, make_user, app):
    from app.auth.models import Role
    from app.core import storage
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    client = api(world.applicant)
    firm = {"credit_code": world.enterprise.credit_code}
    draft = client.post("/api/v1/cases", json=body(channel="web", enterprise=firm, draft=True)).get_json()
    upload = client.post(
        f"/api/v1/cases/{draft['ref']}/attachments",
        data={"file": (io.BytesIO(sample_pdf()), "证据.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_data(as_text=True)
    case_id = int(draft["ref"].removeprefix("draft-"))
    path = session.execute(select(Attachment.storage_path).where(Attachment.case_id == case_id)).scalar_one()
    with app.app_context():
        stored = storage.absolute(path)
    assert stored.exists()

    # Another member of the enterprise sees the draft but may not delete it; staff do not see it.
    colleague = make_user(Role.APPLICANT, email="colleague@city-firm.cn")
    session.add(EnterpriseMember(enterprise=world.enterprise, user=colleague, status=MembershipStatus.ACTIVE))
    session.commit()
    assert delete(api(colleague), f"/api/v1/cases/{draft['ref']}").status_code == 403
    assert delete(api(world.users["caseworker"]), f"/api/v1/cases/{draft['ref']}").status_code == 404
    assert session.get(Case, case_id) is not None

    response = delete(client, f"/api/v1/cases/{draft['ref']}")
    assert response.status_code == 204, response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Case, case_id) is None
    for model in (Attachment, CaseEvent, CaseRight):
        assert session.scalar(select(func.count()).where(model.case_id == case_id)) == 0
    assert not stored.exists()
    assert client.get(f"/api/v1/cases/{draft['ref']}").status_code == 404


def test_a_submitted_case_is_not_deleted(api, world, session):
    client = api(world.applicant)
    firm = {"credit_code": world.enterprise.credit_code}
    case = client.post("/api/v1/cases", json=body(channel="web", enterprise=firm)).get_json()
    response = delete(client, f"/api/v1/cases/{case['number']}")
    assert response.status_code == 422
    assert any("withdrawn" in r for r in error_of(response)["details"]["reasons"])
    assert session.execute(select(Case).where(Case.number == case["number"])).scalar_one() is not None


def test_the_form_and_the_api_read_full_width_input(api, world, login, session):
    """The staff record form and the API take what a Chinese input method types."""
    from tests.core.test_identifiers_fullwidth import full_width
    from tests.helpers import post_form

    client = login(world.users["caseworker"])
    response = post_form(
        client,
        "/cases/record",
        {
            "channel": "hotline",
            "complainant_type": "enterprise",
            "credit_code": full_width(world.enterprise.credit_code),
            "kind": "complaint",
            "ip_type": "invention_patent",
            "ip_number": "ZL２０１７１０６０１８６２．３",
            "respondent_name": "全角输入测试有限公司",
            "facts": "来电人用中文输入法报出专利号。",
            "duplicates": "ignore",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    case = session.execute(select(Case).where(Case.respondent_name == "全角输入测试有限公司")).scalar_one()
    assert case.ip_number == "201710601862.3" and case.enterprise_id == world.enterprise.id

    data = body(
        enterprise={"credit_code": full_width(world.enterprise.credit_code)},
        ip_right={"type": "invention_patent", "number": "201710601862．３"},
    )
    response = api(world.users["caseworker"]).post("/api/v1/cases", json=data)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["ip_right"]["number"] == "201710601862.3"

    data["ip_right"]["number"] = "CN 209123456 U"
    response = api(world.users["caseworker"]).post("/api/v1/cases", json=data)
    assert response.status_code == 422
    assert "application number" in error_of(response)["details"]["fields"]["ip_right.number"]
