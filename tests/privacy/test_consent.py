"""Consent to the privacy notice: required at registration and recorded; an applicant whose account was
opened for them is asked once, and the pages wait until they agree; staff are not asked."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.privacy.notice import NOTICE_VERSION
from tests.helpers import post_form, valid_credit_code


def registration(world, **overrides):
    data = {
        "full_name": "赵敏",
        "email": "zhaomin@consent.cn",
        "password": "Kx9-bridge-lantern",
        "confirm": "Kx9-bridge-lantern",
        "credit_code": valid_credit_code(),
        "name": "深圳市知情科技有限公司",
        "industry": "software_it",
        "staff_count": "30",
        "revenue_wan": "500",
        "centre_id": str(world.city.id),
        "privacy_consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def users_named(session, email):
    return session.execute(select(func.count()).select_from(User).where(User.email == email)).scalar_one()


def test_registration_needs_consent_and_records_it(app, client, world, session):
    page = client.get("/register").get_data(as_text=True)
    assert 'href="/privacy"' in page and 'id="privacy_consent"' in page

    refused = post_form(client, "/register", registration(world, privacy_consent=None))
    assert refused.status_code == 422
    assert "请阅读隐私政策" in refused.get_data(as_text=True) or "privacy notice" in refused.get_data(as_text=True)
    assert users_named(session, "zhaomin@consent.cn") == 0

    done = post_form(client, "/register", registration(world))
    assert done.status_code == 302
    user = session.execute(select(User).where(User.email == "zhaomin@consent.cn")).scalar_one()
    assert user.privacy_notice_version == NOTICE_VERSION and user.privacy_consented_at is not None
    assert client.get("/").status_code == 200  # registered with consent: not asked again


def test_applicant_without_consent_is_asked_once(world, make_user, make_enterprise, login, session):
    person = make_user(Role.APPLICANT, email="opened@for-them.cn", privacy_notice_version=None)
    make_enterprise(world.city, members=[person])
    client = login(person)

    for url in ("/", "/cases", "/account", "/notifications"):
        response = client.get(url)
        assert response.status_code == 303, url
        assert response.headers["Location"].startswith("/privacy/consent"), url
    # What stays open: the notice, the language, logging out.
    assert client.get("/privacy").status_code == 200
    assert client.get("/privacy/consent").status_code == 200
    assert client.get("/healthz").status_code == 200

    agreed = post_form(client, "/privacy/consent?next=/account", {})
    assert agreed.status_code == 302 and agreed.headers["Location"] == "/account"
    session.refresh(person)
    assert person.privacy_notice_version == NOTICE_VERSION and person.privacy_consented_at is not None
    assert client.get("/").status_code == 200
    assert client.get("/privacy/consent").status_code == 302  # nothing more to agree to


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.ADMIN])
def test_staff_are_not_asked(world, login, role):
    staff = world.users[role.value]
    assert staff.privacy_notice_version is None
    assert login(staff).get("/").status_code == 200


def test_notice_is_public_in_both_languages(client):
    zh = client.get("/privacy").get_data(as_text=True)
    assert NOTICE_VERSION in zh and 'id="privacy-notice-text"' in zh
    assert "第一百八十八条" in zh and "Civil Code" not in zh
    client.set_cookie("lang", "en")
    en = client.get("/privacy").get_data(as_text=True)
    assert "Civil Code, Article 188" in en
