"""Staff decide which centre serves an enterprise: its applicants edit the enterprise's details but
cannot move it to another centre, neither through the form nor by posting ``centre_id`` anyway, and
the service refuses such a move too. Staff still move it within their scope."""

from __future__ import annotations

import pytest

from app.core.errors import ServiceError
from app.enterprises.models import Enterprise
from app.enterprises.services import CENTRE_BY_STAFF, update_enterprise
from tests.helpers import post_form


def _data(enterprise, **over):
    return {
        "name": enterprise.name,
        "industry": "industry",
        "staff_count": "60",
        "revenue_wan": "900",
        "assets_wan": "",
        "address": "",
        "region": "",
        "version": str(enterprise.version),
        **over,
    }


def test_the_applicant_form_has_no_centre_field(world, login):
    client = login(world.applicant)
    client.set_cookie("lang", "en")
    html = client.get(f"/enterprises/{world.enterprise.id}/edit").get_data(as_text=True)
    assert 'name="centre_id"' not in html
    assert 'id="serving-centre"' in html and world.city.name_en in html
    assert "decide which centre serves an enterprise" in html


@pytest.mark.parametrize("target", ["sibling", "county", "other_province"])
def test_an_applicant_posting_another_centre_does_not_move_the_enterprise(world, login, session, target):
    client = login(world.applicant)
    e = world.enterprise
    response = post_form(
        client, f"/enterprises/{e.id}/edit", _data(e, name="改名科技有限公司", centre_id=str(getattr(world, target).id))
    )
    assert response.status_code == 302  # the rest of the edit is saved
    session.expire_all()
    enterprise = session.get(Enterprise, e.id)
    assert enterprise.centre_id == world.city.id and enterprise.name == "改名科技有限公司"


def test_the_service_refuses_a_centre_change_by_an_applicant(world, session):
    e = world.enterprise
    data = {"name": e.name, "centre_id": world.sibling.id}
    with pytest.raises(ServiceError) as refused:
        update_enterprise(world.applicant, e, data, e.version)
    assert refused.value.message is CENTRE_BY_STAFF and refused.value.field == "centre_id"
    session.rollback()
    assert session.get(Enterprise, e.id).centre_id == world.city.id
    # The centre it already has is no change.
    update_enterprise(world.applicant, e, {"name": e.name, "centre_id": world.city.id}, e.version)


def test_staff_still_move_an_enterprise_within_their_scope(world, login, session):
    client = login(world.users["caseworker"])
    html = client.get(f"/enterprises/{world.enterprise.id}/edit").get_data(as_text=True)
    assert 'name="centre_id"' in html
    e = world.enterprise
    response = post_form(client, f"/enterprises/{e.id}/edit", _data(e, centre_id=str(world.county.id)))
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Enterprise, e.id).centre_id == world.county.id
