"""Registration tells an anonymous visitor neither which enterprises are registered nor which
e-mail addresses have accounts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus
from app.notifications.models import Notification
from tests.helpers import post_form, valid_credit_code


@pytest.fixture
def form_data(world):
    def make(**overrides):
        data = {
            "full_name": "王芳",
            "email": "wangfang@probe.cn",
            "phone": "",
            "position": "",
            "password": "Kx9-bridge-lantern",
            "confirm": "Kx9-bridge-lantern",
            "credit_code": valid_credit_code(),
            "name": "深圳市探测科技有限公司",
            "industry": "software_it",
            "staff_count": "30",
            "revenue_wan": "500",
            "assets_wan": "",
            "address": "",
            "region": "",
            "centre_id": str(world.city.id),
            "privacy_consent": "y",
        }
        data.update(overrides)
        return data

    return make


def counts(session):
    session.expire_all()
    return tuple(session.scalar(select(func.count(m.id))) for m in (User, Enterprise, EnterpriseMember))


def visible_text(response) -> str:
    """The page without its CSRF tokens, tags and whitespace differences."""
    html = re.sub(r'name="csrf_token"[^>]*>', "", response.get_data(as_text=True))
    html = re.sub(r"<[^>]+>", " ", html)
    return " ".join(html.split())


def anonymous(app):
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client


# ---- e-mail addresses --------------------------------------------------------------------------


def test_existing_e_mail_is_not_told_apart_by_an_error(world, app, form_data, session):
    """An address that has an account gets no error: nothing is created, the visitor is sent to log in
    with a message that names no one, and the owner is told (below)."""
    owner = world.users["caseworker"]
    before = counts(session)
    client = anonymous(app)
    response = post_form(client, "/register", form_data(email=owner.email.upper()))
    assert response.status_code == 302, visible_text(response)[:2000]
    assert response.headers["Location"].startswith("/login")
    page = visible_text(client.get(response.headers["Location"]))
    assert "We have received your registration." in page
    assert "already exists" not in page and owner.name not in page
    assert counts(session) == before


def test_owner_of_the_e_mail_is_told_once_an_hour(world, app, form_data, session):
    owner = world.users["applicant"]
    for _ in range(3):
        assert post_form(anonymous(app), "/register", form_data(email=owner.email)).status_code == 302
    session.expire_all()
    kinds = session.scalars(select(Notification.kind).where(Notification.user_id == owner.id)).all()
    assert kinds == ["registration_attempt"]


# ---- enterprises ---------------------------------------------------------------------------------


def test_form_asks_the_same_whatever_the_credit_code(world, app, form_data, session):
    """Leaving out the enterprise's details is refused alike for a registered and an unknown code,
    and the refusal shows nothing of the registered enterprise."""
    blank = {"name": "", "industry": "", "staff_count": "", "revenue_wan": "", "centre_id": "0"}
    before = counts(session)
    registered = post_form(anonymous(app), "/register", form_data(credit_code=world.enterprise.credit_code, **blank))
    unknown_code = valid_credit_code()
    unknown = post_form(anonymous(app), "/register", form_data(credit_code=unknown_code, **blank))
    assert registered.status_code == unknown.status_code == 422
    assert world.enterprise.name not in registered.get_data(as_text=True)
    assert "you will ask to join it" not in registered.get_data(as_text=True)
    assert visible_text(registered).replace(world.enterprise.credit_code, "CODE") == visible_text(unknown).replace(
        unknown_code, "CODE"
    )
    assert counts(session) == before


def test_registered_enterprise_becomes_a_join_request_without_showing_its_details(world, app, form_data, session):
    client = anonymous(app)
    data = form_data(credit_code=world.enterprise.credit_code, email="prober@probe.cn", name="随便写的名字")
    response = post_form(client, "/register", data)
    assert response.status_code == 302
    user = session.execute(select(User).where(User.email == "prober@probe.cn")).scalar_one()
    member = session.execute(select(EnterpriseMember).where(EnterpriseMember.user_id == user.id)).scalar_one()
    assert member.enterprise_id == world.enterprise.id and member.status is MembershipStatus.PENDING
    session.expire_all()
    assert session.get(Enterprise, world.enterprise.id).name == "本市企业有限公司"  # the typed details are ignored
    for url in (response.headers["Location"], "/enterprise"):
        page = client.get(url).get_data(as_text=True)
        assert world.enterprise.name not in page, url
        assert world.enterprise.credit_code in page  # what they typed themselves
