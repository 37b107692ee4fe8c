"""Registering an applicant with their enterprise, and every kind of bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus
from tests.helpers import post_form, valid_credit_code


@pytest.fixture
def form_data(world):
    def make(**overrides):
        data = {
            "full_name": "李明",
            "email": "liming@newfirm.cn",
            "phone": "0755-12345678",
            "position": "法务专员",
            "password": "Kx9-bridge-lantern",
            "confirm": "Kx9-bridge-lantern",
            "credit_code": valid_credit_code(),
            "name": "深圳市新创科技有限公司",
            "industry": "software_it",
            "staff_count": "30",
            "revenue_wan": "500",
            "assets_wan": "",
            "address": "深圳市南山区",
            "region": "广东省深圳市南山区",
            "centre_id": str(world.city.id),
            "is_specialised_new": "y",
            "privacy_consent": "y",
        }
        data.update(overrides)
        return data

    return make


def counts(session):
    session.expire_all()
    return (
        session.scalar(select(func.count(User.id))),
        session.scalar(select(func.count(Enterprise.id))),
        session.scalar(select(func.count(EnterpriseMember.id))),
    )


def test_register_new_enterprise(client, form_data, session):
    data = form_data()
    response = post_form(client, "/register", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    firm = session.execute(select(Enterprise).where(Enterprise.credit_code == data["credit_code"])).scalar_one()
    assert firm.size_class.value == "small"  # software: 30 staff >= 10, revenue 500 >= 50, below medium
    assert firm.is_specialised_new and not firm.is_little_giant
    assert firm.region_code == data["credit_code"][2:8]
    member = session.execute(select(EnterpriseMember).where(EnterpriseMember.enterprise_id == firm.id)).scalar_one()
    assert member.status is MembershipStatus.ACTIVE
    page = client.get(f"/enterprises/{firm.id}").get_data(as_text=True)
    assert "深圳市新创科技有限公司" in page


def test_joining_an_existing_enterprise_waits_for_approval(client, form_data, world, session, login):
    # The form asks for the enterprise's details whatever the credit code (it must not reveal which
    # enterprises are registered); for a registered one they are ignored and a join request is made.
    data = form_data(credit_code=world.enterprise.credit_code, email="newcomer@firm.cn")
    response = post_form(client, "/register", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    newcomer = session.execute(select(User).where(User.email == "newcomer@firm.cn")).scalar_one()
    member = session.execute(select(EnterpriseMember).where(EnterpriseMember.user_id == newcomer.id)).scalar_one()
    assert member.status is MembershipStatus.PENDING
    # The newcomer sees nothing of the enterprise yet.
    assert client.get(f"/enterprises/{world.enterprise.id}").status_code == 404
    # A member approves; now the newcomer is in.
    existing_member = login(world.applicant)
    response = post_form(
        existing_member,
        f"/enterprises/{world.enterprise.id}/members/{member.id}/approve",
        {},
        token_url=f"/enterprises/{world.enterprise.id}",
    )
    assert response.status_code == 302
    assert client.get(f"/enterprises/{world.enterprise.id}").status_code == 200


def test_newcomer_cannot_approve_themselves(client, form_data, world, session):
    data = form_data(credit_code=world.enterprise.credit_code, email="selfie@firm.cn")
    post_form(client, "/register", data)
    member = session.execute(
        select(EnterpriseMember).join(User, User.id == EnterpriseMember.user_id).where(User.email == "selfie@firm.cn")
    ).scalar_one()
    response = post_form(client, f"/enterprises/{world.enterprise.id}/members/{member.id}/approve", {}, token_url="/")
    assert response.status_code == 404  # not a member yet, so the enterprise is not theirs to see
    session.expire_all()
    assert session.get(EnterpriseMember, member.id).status is MembershipStatus.PENDING


BAD_INPUT = [
    ({"credit_code": "91440300708461136A"}, "credit_code", "check character"),
    ({"credit_code": "9144030070846113"}, "credit_code", "18 characters"),
    ({"credit_code": "91440300708461136I"}, "credit_code", "cannot contain"),
    ({"credit_code": ""}, "credit_code", "required"),
    ({"email": "not-an-email"}, "email", "valid e-mail"),
    ({"staff_count": "-3"}, "staff_count", "cannot be negative"),
    ({"revenue_wan": "-0.5"}, "revenue_wan", "cannot be negative"),
    ({"staff_count": "many"}, "staff_count", "integer"),
    ({"revenue_wan": "abc"}, "revenue_wan", "Enter a number"),
    ({"revenue_wan": "NaN"}, "revenue_wan", "Enter a number"),
    ({"revenue_wan": "999999999999.999"}, "revenue_wan", "too large"),
    ({"full_name": "   "}, "full_name", "required"),
    ({"industry": "construction", "assets_wan": ""}, "assets_wan", "Total assets are needed"),
    ({"industry": "piracy"}, "industry", "Not a valid choice"),
    ({"name": "企" * 201}, "name", "at most 200"),
    ({"full_name": "名" * 101}, "full_name", "at most 100"),
    ({"password": "password1", "confirm": "password1"}, "password", "too common"),
    ({"password": "Kx9-bridge-lantern", "confirm": "Kx9-bridge-lanterm"}, "confirm", "do not match"),
    ({"centre_id": "0"}, "centre_id", "Choose the assistance centre"),
    ({"centre_id": "999999"}, "centre_id", "Not a valid choice"),
]


@pytest.mark.parametrize("overrides, field, message", BAD_INPUT)
def test_bad_input_is_shown_beside_its_field_and_saves_nothing(client, form_data, session, overrides, field, message):
    client.set_cookie("lang", "en")
    before = counts(session)
    response = post_form(client, "/register", form_data(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html, html[:3000]
    error_block = html.split(f'id="{field}-error">', 1)[1].split("</div>", 1)[0]
    assert message in error_block
    assert counts(session) == before
    # What was typed is kept (except passwords).
    assert "法务专员" in html


def test_credit_code_error_is_in_chinese_by_default(client, form_data):
    response = post_form(client, "/register", form_data(credit_code="91440300708461136A"))
    html = response.get_data(as_text=True)
    error_block = html.split('id="credit_code-error">', 1)[1].split("</div>", 1)[0]
    assert "校验" in error_block


def test_duplicate_credit_code_by_staff_edit_is_refused(world, login, session):
    """Changing figures of an enterprise recomputes its size class; negative figures are refused."""
    c = login(world.users["caseworker"])
    c.set_cookie("lang", "en")
    e = world.enterprise
    data = {
        "name": e.name,
        "industry": "industry",
        "staff_count": "400",
        "revenue_wan": "2500",
        "assets_wan": "",
        "address": "",
        "region": "",
        "centre_id": str(world.city.id),
        "version": str(e.version),
    }
    response = post_form(c, f"/enterprises/{e.id}/edit", data)
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Enterprise, e.id).size_class.value == "medium"
    response = post_form(c, f"/enterprises/{e.id}/edit", {**data, "staff_count": "-1", "version": str(e.version + 1)})
    assert response.status_code == 422


def test_stale_edit_is_refused_and_keeps_the_typed_values(world, login, session):
    c = login(world.users["caseworker"])
    c.set_cookie("lang", "en")
    e = world.enterprise
    data = {
        "name": "改过的名字有限公司",
        "industry": "industry",
        "staff_count": "60",
        "revenue_wan": "900",
        "assets_wan": "",
        "address": "",
        "region": "",
        "centre_id": str(world.city.id),
        "version": str(e.version),
    }
    assert post_form(c, f"/enterprises/{e.id}/edit", data).status_code == 302
    # A second editor still holds the old version.
    response = post_form(c, f"/enterprises/{e.id}/edit", {**data, "name": "另一个名字有限公司"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed by someone else" in html and "另一个名字有限公司" in html
    session.expire_all()
    assert session.get(Enterprise, e.id).name == "改过的名字有限公司"


def test_staff_cannot_move_an_enterprise_outside_their_scope(world, login, session):
    c = login(world.users["caseworker"])
    e = world.enterprise
    data = {
        "name": e.name,
        "industry": "industry",
        "staff_count": "60",
        "revenue_wan": "900",
        "assets_wan": "",
        "address": "",
        "region": "",
        "centre_id": str(world.sibling.id),
        "version": str(e.version),
    }
    response = post_form(c, f"/enterprises/{e.id}/edit", data)
    assert response.status_code == 422  # the sibling centre is not among the choices
    session.expire_all()
    assert session.get(Enterprise, e.id).centre_id == world.city.id


def test_staff_see_and_decide_join_requests_of_their_scope_only(world, make_user, session, login):
    from app.auth.models import Role

    joiner = make_user(Role.APPLICANT, email="joiner@county-firm.cn", name="县里来的申请人")
    outsider = make_user(Role.APPLICANT, email="joiner@sibling-firm.cn", name="邻市的申请人")
    member = EnterpriseMember(enterprise=world.county_enterprise, user=joiner, status=MembershipStatus.PENDING)
    session.add_all(
        [member, EnterpriseMember(enterprise=world.other_enterprise, user=outsider, status=MembershipStatus.PENDING)]
    )
    session.commit()
    c = login(world.users["caseworker"])
    page = c.get("/enterprises/requests").get_data(as_text=True)
    assert "县里来的申请人" in page and "邻市的申请人" not in page
    url = f"/enterprises/{world.county_enterprise.id}/members/{member.id}/reject"
    response = post_form(c, url, {"back": "requests"}, token_url="/enterprises/requests")
    assert response.status_code == 302 and response.headers["Location"] == "/enterprises/requests"
    session.expire_all()
    assert session.get(EnterpriseMember, member.id).status is MembershipStatus.REJECTED
    # Deciding twice is refused and changes nothing.
    response = post_form(c, url.replace("reject", "approve"), {}, token_url="/enterprises/requests")
    session.expire_all()
    assert session.get(EnterpriseMember, member.id).status is MembershipStatus.REJECTED


def test_refused_applicant_asks_to_join_another_enterprise(world, make_user, session, login):
    from app.auth.models import Role

    refused = make_user(Role.APPLICANT, email="refused@firm.cn")
    session.add(EnterpriseMember(enterprise=world.other_enterprise, user=refused, status=MembershipStatus.REJECTED))
    session.commit()
    c = login(refused)
    c.set_cookie("lang", "en")
    assert "was refused" in c.get("/enterprise").get_data(as_text=True)
    # An unknown credit code, then a wrong check character: told beside the field, nothing changes.
    response = post_form(c, "/enterprise/join", {"credit_code": valid_credit_code()}, token_url="/enterprise")
    assert response.status_code == 422 and "No enterprise with this credit code" in response.get_data(as_text=True)
    response = post_form(c, "/enterprise/join", {"credit_code": "91440300708461136A"}, token_url="/enterprise")
    assert response.status_code == 422 and 'id="credit_code-error"' in response.get_data(as_text=True)
    response = post_form(
        c,
        "/enterprise/join",
        {"credit_code": world.enterprise.credit_code.lower(), "position": "会计"},
        token_url="/enterprise",
    )
    assert response.status_code == 302
    session.expire_all()
    member = session.execute(select(EnterpriseMember).where(EnterpriseMember.user_id == refused.id)).scalar_one()
    assert member.enterprise_id == world.enterprise.id and member.status is MembershipStatus.PENDING
    # A pending applicant cannot ask again elsewhere.
    response = post_form(c, "/enterprise/join", {"credit_code": world.county_enterprise.credit_code}, token_url="/")
    assert response.status_code == 422


def test_staff_cannot_use_the_join_form(world, login):
    c = login(world.users["caseworker"])
    response = post_form(c, "/enterprise/join", {"credit_code": world.enterprise.credit_code}, token_url="/")
    assert response.status_code == 403
