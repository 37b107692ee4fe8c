"""Fixtures of the referral tests: an accepted case with evidence, and agencies of its region."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from app.agencies.models import Agency, AgencyKind


@pytest.fixture
def ctx(app):
    """The services read the app's settings (mail, storage): the service tests run in its context."""
    with app.app_context():
        yield


@pytest.fixture
def accepted(world, make_case):
    return make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])


@pytest.fixture
def evidence(accepted, world, session, ctx):
    from app.cases.attachments import add_attachment

    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
        b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    files = [
        add_attachment(
            accepted, world.users["caseworker"], FileStorage(io.BytesIO(png), filename=f"侵权产品照片{i}.png", content_type="image/png")
        )
        for i in (1, 2)
    ]
    session.flush()
    return files


@pytest.fixture
def agencies(world, session):
    market = Agency(
        centre_id=world.city.id,
        name="本市市场监督管理局",
        kind=AgencyKind.MARKET_REGULATION,
        rights=["invention_patent", "utility_model", "design", "trademark"],
        email="zhifa@scjgj.example.cn",
    )
    copyright_ = Agency(centre_id=world.province.id, name="本省版权局", kind=AgencyKind.COPYRIGHT, rights=["copyright"])
    far = Agency(
        centre_id=world.other_province.id,
        name="外省市场监督管理局",
        kind=AgencyKind.MARKET_REGULATION,
        rights=["utility_model"],
    )
    session.add_all([market, copyright_, far])
    session.flush()
    return {"market": market, "copyright": copyright_, "far": far}


@pytest.fixture
def second_supervisor(world, make_user):
    from app.auth.models import Role

    return make_user(Role.SUPERVISOR, centre=world.city, email="supervisor2@city.cn")
