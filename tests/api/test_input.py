"""Whatever a client sends answers JSON 4xx naming the field, never 500: bodies that are not JSON, NaN,
deep nesting, wrong types, huge integers, nulls, NUL characters, lone surrogates, unknown fields."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import error_of
from tests.api.test_cases import new_case
from tests.helpers import examples


@pytest.mark.parametrize(
    "raw, status",
    [
        (b"", 400),
        (b"{", 400),
        (b"not json", 400),
        (b"\xff\xfe{}", 400),
        (b'{"kind": NaN}', 400),
        (b'{"kind": Infinity}', 400),
        (b"[" * 100000 + b"]" * 100000, 400),
        (b'{"claimed_amount_fen": 1' + b"0" * 5000 + b"}", 400),
        (b"[]", 422),
        (b'"text"', 422),
        (b"42", 422),
        (b"null", 422),
    ],
)
def test_bodies_that_are_not_a_json_object(api, world, raw, status):
    client = api(world.users["caseworker"])
    response = client.post("/api/v1/cases", data=raw, content_type="application/json")
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert set(error_of(response)["details"]["fields"]) == {"body"}


def test_a_body_sent_as_another_type_is_415(api, world):
    client = api(world.users["caseworker"])
    response = client.post("/api/v1/cases", data="kind=complaint", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and error_of(response)["code"] == "unsupported_media_type"
    response = client.post("/api/v1/cases", data=json.dumps({"kind": "complaint"}), content_type="text/plain")
    assert response.status_code == 415


@pytest.mark.parametrize(
    "override, field",
    [
        ({"kind": 1}, "kind"),
        ({"kind": None}, "kind"),
        ({"kind": ["complaint"]}, "kind"),
        ({"channel": "Hotline"}, "channel"),
        ({"enterprise": "91440300708461136T"}, "enterprise"),
        ({"enterprise": None}, "enterprise.credit_code"),
        ({"enterprise": {}}, "enterprise.credit_code"),
        ({"enterprise": {"credit_code": 914403}}, "enterprise.credit_code"),
        ({"ip_right": "utility_model"}, "ip_right"),
        ({"ip_right": {"type": "patent"}}, "ip_right.type"),
        ({"ip_right": {"type": "design", "number": 202330123456}}, "ip_right.number"),
        ({"ip_right": {"type": "design", "colour": "red"}}, "ip_right.colour"),
        ({"ip_rights": {"type": "design"}, "ip_right": None}, "ip_rights"),
        ({"ip_rights": [1], "ip_right": None}, "ip_rights[0]"),
        ({"ip_rights": [{"type": "other"}] * 21, "ip_right": None}, "ip_rights"),
        ({"respondent": {"credit_code": None}}, "respondent.name"),
        ({"respondent": {"name": {"zh": "某公司"}}}, "respondent.name"),
        ({"respondents": [{"name": "甲"}], "respondent": {"name": "乙"}}, "respondents"),
        ({"facts": 12}, "facts"),
        ({"facts": "事" * 20001}, "facts"),
        ({"title": "标" * 201}, "title"),
        ({"claimed_amount_fen": -1}, "claimed_amount_fen"),
        ({"claimed_amount_fen": 1.5}, "claimed_amount_fen"),
        ({"claimed_amount_fen": "5000"}, "claimed_amount_fen"),
        ({"claimed_amount_fen": True}, "claimed_amount_fen"),
        ({"claimed_amount_fen": 10**30}, "claimed_amount_fen"),
        ({"draft": "yes"}, "draft"),
        ({"facts": "a\x00b"}, "facts"),
        ({"respondent": {"name": "\ud800"}}, "respondent.name"),
        ({"priority": 3}, "priority"),
        ({"\x00": 1}, "body"),
    ],
)
def test_wrong_types_and_values_are_422_naming_the_field(api, world, override, field):
    body = new_case(world.enterprise, **override)
    response = api(world.users["caseworker"]).post(
        "/api/v1/cases", data=json.dumps(body, ensure_ascii=True), content_type="application/json"
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    error = error_of(response)
    assert error["code"] == "invalid"
    assert field in error["details"]["fields"], error


@pytest.mark.parametrize(
    "firm, field",
    [
        ({"staff_count": -1}, "enterprise.staff_count"),
        ({"staff_count": 10**20}, "enterprise.staff_count"),
        ({"staff_count": "30"}, "enterprise.staff_count"),
        ({"revenue_wan": "NaN"}, "enterprise.revenue_wan"),
        ({"revenue_wan": "1e400"}, "enterprise.revenue_wan"),
        ({"revenue_wan": 1e300}, "enterprise.revenue_wan"),
        ({"revenue_wan": -5}, "enterprise.revenue_wan"),
        ({"revenue_wan": [1]}, "enterprise.revenue_wan"),
        ({"industry": "mining"}, "enterprise.industry"),
        ({"is_little_giant": "true"}, "enterprise.is_little_giant"),
        ({"name": "企" * 201}, "enterprise.name"),
        ({"founded": 1999}, "enterprise.founded"),
    ],
)
def test_enterprise_fields_are_checked(api, world, firm, field):
    body = new_case(world.enterprise, enterprise={"credit_code": world.enterprise.credit_code, **firm})
    response = api(world.users["caseworker"]).post("/api/v1/cases", json=body)
    assert response.status_code == 422
    assert field in error_of(response)["details"]["fields"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "version"),
        ({"version": None}, "version"),
        ({"version": "1"}, "version"),
        ({"version": 0}, "version"),
        ({"version": 1.0}, "version"),
        ({"version": 10**40}, "version"),
        ({"version": 1, "comment": 5}, "comment"),
        ({"version": 1, "comment": "x\x00"}, "comment"),
        ({"version": 1, "comment": "长" * 10001}, "comment"),
        ({"version": 1, "data": []}, "data"),
        ({"version": 1, "data": "reason"}, "data"),
        ({"version": 1, "data": {"reason": "a\x00"}}, "data.reason"),
        ({"version": 1, "extra": True}, "extra"),
    ],
)
def test_action_bodies_are_checked(api, world, make_case, body, field):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    response = api(world.users["caseworker"]).post(f"/api/v1/cases/{case.number}/actions/decline", json=body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in error_of(response)["details"]["fields"]


def test_strange_action_data_is_a_guard_refusal_not_a_crash(api, world, make_case):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    client = api(world.users["caseworker"])
    for data in ({"conditions": "all"}, {"conditions": [1, 2]}, {"conditions": {"real_name": "yes"}}):
        response = client.post(
            f"/api/v1/cases/{case.number}/actions/accept", json={"version": case.version, "data": data}
        )
        assert response.status_code == 422 and error_of(response)["details"]["reasons"]
    for reason in (["duplicate"], {"x": 1}, 7, "nonsense"):
        response = client.post(
            f"/api/v1/cases/{case.number}/actions/decline",
            json={"version": case.version, "comment": "x", "data": {"reason": reason}},
        )
        assert response.status_code == 422, reason


def test_nul_in_query_or_path_is_refused(api, world):
    client = api(world.users["caseworker"])
    assert client.get("/api/v1/cases?q=a%00b").status_code == 400
    assert client.get("/api/v1/cases/CA-2024-00001%00").status_code == 404
    response = client.get("/api/v1/cases?q=%F0%9F%98%80%E2%80%AE")  # emoji and a bidi override
    assert response.status_code == 200


def test_unknown_routes_and_methods_answer_json(api, world):
    client = api(world.users["caseworker"])
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    response = client.client.delete("/api/v1/cases", headers=client.headers())
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
case_keys = st.sampled_from(
    [
        "kind",
        "channel",
        "enterprise",
        "ip_right",
        "ip_rights",
        "respondent",
        "respondents",
        "facts",
        "title",
        "claimed_amount_fen",
        "draft",
        "help_wanted",
    ]
)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(overrides=st.dictionaries(case_keys, json_values, max_size=4))
def test_fuzzed_case_bodies_never_crash(api, world, overrides):
    body = new_case(world.enterprise, **{"channel": "web", **overrides})
    response = api(world.applicant).post("/api/v1/cases", json=body)
    assert response.status_code in (201, 400, 422), response.get_data(as_text=True)[:500]
    if response.status_code != 201:
        error_of(response)


def test_a_json_body_past_one_mebibyte_is_413(api, world):
    body = json.dumps(new_case(world.enterprise, facts="x" * (1024 * 1024)))
    response = api(world.users["caseworker"]).post("/api/v1/cases", data=body, content_type="application/json")
    assert response.status_code == 413 and error_of(response)["code"] == "too_large"


def test_api_answers_set_no_cookie(api, world):
    client = api(world.users["caseworker"])
    for response in (client.get("/api/v1/cases"), client.get("/api/v1/cases/CA-2024-00001")):
        assert "Set-Cookie" not in response.headers
