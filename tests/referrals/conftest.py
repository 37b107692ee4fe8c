"""Fixtures of the referral tests: an accepted case with evidence, and agencies of its region."""

from __future__ import annotations

import pytest

from app.agencies.models import Agency, AgencyKind


@pytest.fixture
def accepted(world, make_case):
    return make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])


@pytest.fixture
def evidence(accepted, world, session):
    """Two evidence files of the case (their rows: the letters list them by name and fingerprint)."""
    import hashlib

    from app.cases.models import Attachment

    files = []
    for i in (1, 2):
        data = f"photo {i}".encode()
        files.append(
            Attachment(
                case_id=accepted.id,
                uploaded_by_id=world.users["caseworker"].id,
                filename=f"侵权产品照片{i}.png",
                content_type="image/png",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                storage_path=f"evidence/test-{accepted.id}-{i}.png",
            )
        )
    session.add_all(files)
    session.commit()
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
