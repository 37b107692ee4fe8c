"""What the referral API tests share: an accepted case with evidence uploaded through the API, agencies of its
region and beyond, and a referral proposed or sent through the API; helpers to refer, act and check that a
refusal changed nothing. Test modules import the fixtures they use by name."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.agencies.models import Agency, AgencyKind
from app.auth.models import Role
from app.cases.models import Case, CaseEvent
from app.referrals.models import Referral
from tests.core.test_filetypes import sample_pdf


def upload(client, number: str, name="侵权产品照片.pdf") -> int:
    data = {"file": (io.BytesIO(sample_pdf()), name)}
    response = client.post(f"/api/v1/cases/{number}/attachments", data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


@pytest.fixture
def accepted(world, make_case):
    return make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])


@pytest.fixture
def evidence(api, world, accepted):
    client = api(world.users["caseworker"])
    return [upload(client, accepted.number, f"证据{i}.pdf") for i in (1, 2)]


@pytest.fixture
def agencies(world, session):
    market = Agency(
        centre_id=world.city.id,
        name="本市市场监督管理局",
        kind=AgencyKind.MARKET_REGULATION,
        rights=["invention_patent", "utility_model", "design", "trademark"],
    )
    copyright_ = Agency(centre_id=world.province.id, name="本省版权局", kind=AgencyKind.COPYRIGHT, rights=["copyright"])
    far = Agency(
        centre_id=world.other_province.id,
        name="外省市场监督管理局",
        kind=AgencyKind.MARKET_REGULATION,
        rights=["utility_model"],
    )
    # Two more competent agencies of the city: a case may be referred to each at once (one open referral per
    # case and agency).
    patent = Agency(
        centre_id=world.city.id,
        name="本市知识产权局",
        kind=AgencyKind.PATENT_ADMINISTRATION,
        rights=["invention_patent", "utility_model", "design"],
    )
    customs = Agency(
        centre_id=world.city.id, name="本市海关", kind=AgencyKind.CUSTOMS, rights=["utility_model", "trademark"]
    )
    session.add_all([market, copyright_, far, patent, customs])
    session.commit()
    return {"market": market, "copyright": copyright_, "far": far, "patent": patent, "customs": customs}


@pytest.fixture
def second_supervisor(world, make_user):
    return make_user(Role.SUPERVISOR, centre=world.city, email="supervisor2@city.cn")


def body_for(chosen, files, /, **overrides) -> dict:
    body = {
        "agency": chosen.id,
        "grounds": "被投诉人多次在展会销售侵权产品，涉嫌故意侵权。",
        "evidence": list(files),
    }
    body.update(overrides)
    return body


def refer(client, case, body, status=201) -> dict:
    response = client.post(f"/api/v1/cases/{case.number}/referrals", json=body)
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return response.get_json()


@pytest.fixture
def proposed(api, world, accepted, evidence, agencies):
    """A referral proposed through the API by the case's caseworker (its object)."""
    return refer(api(world.users["caseworker"]), accepted, body_for(agencies["market"], evidence))


def act(client, r: dict, action: str, *, comment=None, data=None, status=200, version=None):
    body = {"version": r["version"] if version is None else version}
    if comment is not None:
        body["comment"] = comment
    if data is not None:
        body["data"] = data
    response = client.post(f"/api/v1/referrals/{r['id']}/actions/{action}", json=body)
    assert response.status_code == status, (action, response.get_data(as_text=True)[:800])
    return response.get_json()


def snapshot(session, referral_id: int) -> tuple[int, int]:
    """The referral's version and how many events it has: what a refusal must leave as it was."""
    session.expire_all()
    version = session.execute(select(Referral.version).where(Referral.id == referral_id)).scalar_one()
    events = session.execute(
        select(func.count())
        .select_from(CaseEvent)
        .where(CaseEvent.subject_type == "referral", CaseEvent.subject_id == referral_id)
    ).scalar_one()
    return version, events


def referrals_count(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(Referral)).scalar_one()


@pytest.fixture
def sent(api, world, proposed):
    r = act(api(world.users["supervisor"]), proposed, "approve")
    return act(api(world.users["caseworker"]), r, "send", data={"method": "post"})


def proposed_case(session, r: dict):
    return session.execute(select(Case).where(Case.number == r["case"])).scalar_one()


def proposed_body(session, r: dict) -> dict:
    """A referral of the same case and evidence to another competent agency of the city."""
    row = session.get(Referral, r["id"])
    other = (
        session.execute(
            select(Agency)
            .where(Agency.centre_id == row.agency.centre_id, Agency.id != row.agency_id)
            .order_by(Agency.id)
        )
        .scalars()
        .first()
    )
    return {"agency": other.id, "grounds": "另一线索", "evidence": [e["id"] for e in row.evidence]}
