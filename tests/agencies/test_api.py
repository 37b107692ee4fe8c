"""``GET /api/v1/agencies``: the agencies of the caller's line with their fields, the filters, paging by
id, and who may read them (staff; an applicant is refused)."""

from __future__ import annotations

from tests.api.conftest import error_of

FIELDS = {
    "id",
    "name",
    "kind",
    "region",
    "centre",
    "rights",
    "address",
    "email",
    "phone",
    "contact",
    "is_active",
}


def _names(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["name"] for item in response.get_json()["items"]]


def test_the_fields(directory, regions, api):
    client = api(regions.users["caseworker"])
    body = client.get("/api/v1/agencies?limit=100").get_json()
    assert body["next_cursor"] is None
    item = next(i for i in body["items"] if i["id"] == directory.city_market.id)
    assert set(item) == FIELDS
    assert item == {
        "id": directory.city_market.id,
        "name": "乙市市场监督管理局",
        "kind": "market_regulation",
        "region": "甲省乙市",
        "centre": "CA",
        "rights": [
            "invention_patent",
            "utility_model",
            "design",
            "trademark",
            "geographical_indication",
            "trade_secret",
        ],
        "address": "测试路1号",
        "email": "",
        "phone": "0000-1234567",
        "contact": "执法科 王某",
        "is_active": True,
    }


def test_staff_read_their_line_only(directory, regions, api):
    expected = {
        "甲省市场监督管理局",
        "甲省海关",
        "甲省版权局",
        "乙市市场监督管理局",
        "乙市知识产权局",
        "乙市公安局",
        "丙县市场监督管理局",
    }
    for role in ("caseworker", "supervisor", "mediator", "fund_committee", "admin"):
        assert set(_names(api(regions.users[role]).get("/api/v1/agencies?limit=100"))) == expected, role
    # the sibling city's caseworker: the province's and their own, not the city's
    names = set(_names(api(regions.sibling_caseworker).get("/api/v1/agencies?limit=100")))
    assert names == {"甲省市场监督管理局", "甲省海关", "甲省版权局", "丁市市场监督管理局"}


def test_an_applicant_is_refused(directory, regions, api):
    response = api(regions.applicant).get("/api/v1/agencies")
    assert response.status_code == 403
    assert error_of(response)["message"] == "The directory of agencies is for staff."


def test_the_filters(directory, regions, api):
    client = api(regions.users["caseworker"])
    assert set(_names(client.get("/api/v1/agencies?right=copyright"))) == {"甲省海关", "甲省版权局", "乙市公安局"}
    assert _names(client.get("/api/v1/agencies?kind=customs")) == ["甲省海关"]
    assert set(_names(client.get("/api/v1/agencies?centre=pa"))) == {"甲省市场监督管理局", "甲省海关", "甲省版权局"}
    assert _names(client.get("/api/v1/agencies?centre=CAC")) == ["丙县市场监督管理局"]
    assert _names(client.get("/api/v1/agencies?centre=CA&kind=public_security&right=design")) == ["乙市公安局"]
    assert "乙市原工商局" not in _names(client.get("/api/v1/agencies?limit=100"))
    inactive = client.get("/api/v1/agencies?limit=100&inactive=true").get_json()["items"]
    assert [i["is_active"] for i in inactive if i["name"] == "乙市原工商局"] == [False]
    # empty filters are no filters
    assert len(_names(client.get("/api/v1/agencies?right=&kind=&centre=&limit=100"))) == 7


def test_bad_filters_are_named(directory, regions, api):
    client = api(regions.users["caseworker"])
    for query, field in (
        ("right=rocket", "right"),
        ("kind=police", "kind"),
        ("inactive=maybe", "inactive"),
        ("limit=0", "limit"),
        ("cursor=abc", "cursor"),
        ("centre=CB", "centre"),  # a sibling's: not of the caller's line, as one that does not exist
        ("centre=NOPE", "centre"),
        ("centre=" + "x" * 41, "centre"),
    ):
        response = client.get(f"/api/v1/agencies?{query}")
        assert response.status_code == 422, query
        assert field in error_of(response)["details"]["fields"], query
    assert error_of(client.get("/api/v1/agencies?centre=CB"))["details"]["fields"]["centre"] == (
        "No centre of your line has this code."
    )


def test_paging_by_id(directory, regions, api):
    client = api(regions.users["caseworker"])
    seen, cursor = [], ""
    for _ in range(10):
        body = client.get(f"/api/v1/agencies?limit=3&cursor={cursor}").get_json()
        assert len(body["items"]) <= 3
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 7 and seen == sorted(seen) and len(set(seen)) == 7


def test_the_document_describes_the_route():
    from app.api.openapi import spec

    document = spec()
    operation = document["paths"]["/api/v1/agencies"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"right", "kind", "centre", "inactive", "limit", "cursor"}
    schema = document["components"]["schemas"]["Agency"]
    assert set(schema["properties"]) == FIELDS
    assert {"403", "422"} <= set(operation["responses"])
