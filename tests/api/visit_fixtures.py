"""Shared by the visits' API tests: a valid body, recording a visit and taking an action through the API."""

from __future__ import annotations

import pytest

from tests.visits.conftest import at, day  # noqa: F401  (fixture: the visit services' time pinned)


def visit_body(world, **overrides) -> dict:
    """A valid body of ``POST /api/v1/visits`` for the world's city (its caseworker went, one problem, one
    follow-up)."""
    body = {
        "centre": world.city.code,
        "visited_on": day(-1).isoformat(),
        "staff": [world.users["caseworker"].email],
        "enterprises": [world.enterprise.credit_code],
        "topics": ["policy_briefing", "ip_diagnosis"],
        "problems": [
            {
                "text": "竞争对手仿冒其外观设计产品在电商平台销售",
                "ip_type": "design",
                "right_number": "ZL201830123456.6",
                "respondent_name": "某某贸易有限公司",
            },
            {"text": "企业尚未建立商标管理制度"},
        ],
        "needs": "希望了解专利快速预审政策",
        "follow_ups": [
            {"text": "寄送专利快速预审政策材料", "owner": world.users["caseworker"].email, "due_on": day(5).isoformat()}
        ],
        "contact": {"name": "王经理", "title": "法务主管", "phone": "0755-12345678"},
        "notes": "内部：企业对维权意愿强烈",
    }
    body.update(overrides)
    return body


def record(client, body) -> dict:
    response = client.post("/api/v1/visits", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(client, visit: dict, action: str, status: int = 200, **body) -> dict:
    response = client.post(f"/api/v1/visits/{visit['id']}/actions/{action}", json={"version": visit["version"], **body})
    assert response.status_code == status, response.get_json()
    return response.get_json()


@pytest.fixture
def recorded(api, world, at):  # noqa: F811
    """A visit of the city recorded through the API by its caseworker (done: one follow-up open)."""
    return record(api(world.users["caseworker"]), visit_body(world))
