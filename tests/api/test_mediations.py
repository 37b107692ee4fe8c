"""Fast mediations through the API: requesting one on a case, the whole way to an agreement and its judicial
confirmation, the list with its filters and cursor, and every refusal with the code API.md gives it (404 for a
mediation or case not yours, 403 for a role or a mediator not assigned, 409 for a stale version, 422 with every
reason, 400/422 naming the field for bad input, nothing changed). Each answer is checked against the OpenAPI
document's schema of it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from sqlalchemy import func, select, update

from app.api.openapi import spec
from app.auth.models import Role
from app.cases.models import CaseEvent
from app.clocks.models import CaseClock
from app.core.workdays import CHINA
from app.mediation import services
from app.mediation.models import Mediation
from tests.api.conftest import error_of

FIELDS = {
    "id",
    "case",
    "state",
    "version",
    "ip_type",
    "scope",
    "mediator",
    "respondent",
    "deadline",
    "clocks",
    "sessions",
    "agreement",
    "documents",
    "created_at",
    "updated_at",
}


def conforms(body, component: str):
    """``body`` is valid against the document's schema ``component`` (its references resolved in the document)."""
    document = spec()
    registry = Registry().with_resource("urn:api", Resource.opaque(document))
    schema = {"$ref": f"urn:api#/components/schemas/{component}"}
    errors = sorted(Draft202012Validator(schema, registry=registry).iter_errors(body), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    return body


def today() -> date:
    return datetime.now(CHINA).date()


@pytest.fixture
def accepted(world, make_case):
    return make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])


def request_body(world, **overrides) -> dict:
    body = {
        "mediator": world.users["mediator"].email,
        "scope": "damages",
        "requests": "请求赔偿损失",
        "not_in_court": True,
    }
    body.update(overrides)
    return body


@pytest.fixture
def requested(api, world, accepted):
    """A mediation requested through the API by the case's caseworker (its object)."""
    response = api(world.users["caseworker"]).post(
        f"/api/v1/cases/{accepted.number}/mediations", json=request_body(world)
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def act(client, m: dict, action: str, *, comment=None, data=None, status=200, version=None):
    body = {"version": m["version"] if version is None else version}
    if comment is not None:
        body["comment"] = comment
    if data is not None:
        body["data"] = data
    response = client.post(f"/api/v1/mediations/{m['id']}/actions/{action}", json=body)
    assert response.status_code == status, (action, response.get_data(as_text=True)[:800])
    return response.get_json()


def events_of(session, mediation_id: int) -> int:
    session.expire_all()
    return session.execute(
        select(func.count())
        .select_from(CaseEvent)
        .where(CaseEvent.subject_type == "mediation", CaseEvent.subject_id == mediation_id)
    ).scalar_one()


def version_of(session, mediation_id: int) -> int:
    session.expire_all()
    return session.execute(select(Mediation.version).where(Mediation.id == mediation_id)).scalar_one()


# ---- the whole way -----------------------------------------------------------------------------------------


def test_the_whole_way_to_an_agreement_and_its_judicial_confirmation(api, world, accepted, session):
    caseworker, mediator = world.users["caseworker"], world.users["mediator"]
    staff, med = api(caseworker), api(mediator)

    response = staff.post(f"/api/v1/cases/{accepted.number}/mediations", json=request_body(world))
    assert response.status_code == 201, response.get_data(as_text=True)
    m = conforms(response.get_json(), "MediationDetail")
    assert FIELDS <= set(m) and response.headers["Location"].endswith(f"/api/v1/mediations/{m['id']}")
    assert (m["case"], m["state"], m["ip_type"], m["scope"]) == (
        accepted.number,
        "requested",
        "utility_model",
        "damages",
    )
    assert m["mediator"] == mediator.email and m["respondent"] == "某某科技有限公司"
    assert m["deadline"] is None and m["clocks"] == [] and m["sessions"] == [] and m["agreement"] is None
    assert [e["action"] for e in m["events"]] == ["request_mediation"]
    assert {a["action"] for a in m["available_actions"] if a["allowed"]} >= {"serve_respondent", "withdraw"}

    m = act(staff, m, "serve_respondent", data={"served_on": today().isoformat(), "method": "post"})
    assert m["state"] == "awaiting_respondent" and m["served_on"] == today().isoformat()
    assert m["deadline"]["name"] == "reply" and m["deadline"]["is_overdue"] is False
    reply = next(c for c in m["clocks"] if c["name"] == "reply")
    assert (reply["unit"], reply["amount"], reply["working_days"]) == ("calendar_days", 15, None)

    m = act(med, m, "respondent_agrees", comment="被申请人同意调解", data={})
    assert m["state"] == "in_mediation" and m["deadline"]["name"] == "mediation"
    deadline = next(c for c in m["clocks"] if c["name"] == "mediation")
    assert (deadline["unit"], deadline["amount"]) == ("months", 1)
    # Its due time is known unless it falls in a year whose official calendar is not entered yet.
    due = m["deadline"]["due_at"]
    assert (due is None) == (deadline["unknown_year"] is not None)
    assert due is None or datetime.fromisoformat(due).utcoffset() is not None

    starts = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    m = act(
        med,
        m,
        "schedule_session",
        data={"starts_at": starts.isoformat(), "duration_minutes": 90, "place": "中心二楼调解室"},
    )
    assert len(m["sessions"]) == 1
    scheduled = m["sessions"][0]
    assert datetime.fromisoformat(scheduled["starts_at"]) == starts and scheduled["held_at"] is None
    assert scheduled["duration_minutes"] == 90 and scheduled["place"] == "中心二楼调解室"

    held = datetime.now(UTC).replace(microsecond=0).isoformat()
    m = act(med, m, "record_session", data={"session": scheduled["id"], "held_at": held, "minutes": "双方陈述意见"})
    assert m["sessions"][0]["held_at"] is not None and m["sessions"][0]["minutes"] == "双方陈述意见"

    agreement = {
        "facts": "被申请人销售侵权产品",
        "disputed_issues": "是否侵权及赔偿数额",
        "liability": "被申请人承担侵权责任",
        "terms": ["被申请人停止销售侵权产品", "被申请人赔偿申请人人民币壹万伍仟元"],
        "amount_fen": 1_500_000,
        "perform_by": (today() + timedelta(days=20)).isoformat(),
        "performance_method": "银行转账",
        "costs_borne_by": "各自承担",
    }
    m = act(med, m, "record_agreement", data=agreement)
    assert m["state"] == "agreed"
    got = m["agreement"]
    assert got["terms"] == agreement["terms"] and got["amount_fen"] == 1_500_000
    assert got["perform_by"] == agreement["perform_by"] and got["judicial_confirmation"] is None
    assert got["performed_on"] is None and datetime.fromisoformat(got["agreed_at"]).utcoffset() is not None
    assert [d["kind"] for d in m["documents"]] == ["mediation_agreement"] and m["documents"][0]["number"]
    running = {c["name"] for c in m["clocks"] if c["is_running"]}
    assert running == {"confirmation", "performance"}
    assert m["deadline"]["name"] in running

    pdf = staff.get(f"/api/v1/documents/{m['documents'][0]['id']}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    m = act(staff, m, "record_performance", data={})
    assert m["state"] == "performed" and m["agreement"]["performed_on"] == today().isoformat()
    confirmation = {
        "court": "某市中级人民法院",
        "confirmed_on": today().isoformat(),
        "ruling_number": "（2026）某01民特1号",
    }
    m = act(staff, m, "record_judicial_confirmation", data=confirmation)
    assert m["agreement"]["judicial_confirmation"] == confirmation
    assert {c["name"]: c["met_at"] is not None for c in m["clocks"]}["confirmation"] is True
    conforms(m, "MediationDetail")

    actions = [e["action"] for e in m["events"]]
    assert actions[:3] == ["request_mediation", "serve_respondent", "respondent_agrees"]
    assert "record_judicial_confirmation" in actions and "issue_document" in actions

    # The applicant reads it as a party: the agreement and documents, not the session minutes.
    own = api(world.applicant).get(f"/api/v1/mediations/{m['id']}")
    assert own.status_code == 200
    seen = conforms(own.get_json(), "MediationDetail")
    assert seen["agreement"]["amount_fen"] == 1_500_000 and seen["documents"] == m["documents"]
    assert "minutes" not in seen["sessions"][0] and "双方陈述意见" not in own.get_data(as_text=True)
    assert all(e["visibility"] == "applicant" for e in seen["events"])

    # The case object lists the mediation's clocks beside its own, each with its unit.
    case = api(caseworker).get(f"/api/v1/cases/{accepted.number}").get_json()
    conforms(case, "CaseDetail")
    assert {"confirmation", "performance"} <= {c["name"] for c in case["clocks"]}


def test_the_action_may_be_named_in_the_body(api, world, requested):
    client = api(world.users["caseworker"])
    body = {
        "action": "serve_respondent",
        "version": requested["version"],
        "data": {"served_on": today().isoformat(), "method": "email"},
    }
    response = client.post(f"/api/v1/mediations/{requested['id']}/actions", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert conforms(response.get_json(), "MediationDetail")["service_method"] == "email"
    for bad, field in (({"action": "explode"}, "action"), ({}, "action"), ({"action": 3}, "action")):
        response = client.post(f"/api/v1/mediations/{requested['id']}/actions", json={"version": 1, **bad})
        assert response.status_code == 422 and field in error_of(response)["details"]["fields"]


def test_withdrawal_stops_its_clocks_and_a_new_one_may_be_requested(api, world, accepted, requested, session):
    client = api(world.users["caseworker"])
    m = act(client, requested, "serve_respondent", data={"served_on": today().isoformat(), "method": "post"})
    m = act(client, m, "withdraw", comment="双方自行和解")
    assert m["state"] == "withdrawn" and m["deadline"] is None
    assert all(not c["is_running"] for c in m["clocks"])
    again = client.post(f"/api/v1/cases/{accepted.number}/mediations", json=request_body(world, mediator=None))
    assert again.status_code == 201 and again.get_json()["mediator"] is None


# ---- refusals ------------------------------------------------------------------------------------------------


def test_every_reason_a_mediation_cannot_start_at_once(api, world, make_case, make_user, session):
    stranger = make_user(Role.MEDIATOR, centre=world.sibling, email="med@sibling.cn")
    submitted = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    body = request_body(world, mediator=stranger.email, not_in_court=False)
    response = api(world.users["caseworker"]).post(f"/api/v1/cases/{submitted.number}/mediations", json=body)
    assert response.status_code == 422
    reasons = " ".join(error_of(response)["details"]["reasons"])
    assert "accepted" in reasons and "court" in reasons and "centre above" in reasons
    assert session.execute(select(func.count()).select_from(Mediation)).scalar_one() == 0


def test_a_sibling_centres_mediator_is_refused_and_one_above_accepted(api, world, accepted, make_user):
    stranger = make_user(Role.MEDIATOR, centre=world.sibling, email="med@sibling.cn")
    above = make_user(Role.MEDIATOR, centre=world.province, email="med@province.cn")
    client = api(world.users["caseworker"])
    response = client.post(
        f"/api/v1/cases/{accepted.number}/mediations", json=request_body(world, mediator=stranger.email)
    )
    assert response.status_code == 422
    assert error_of(response)["details"]["reasons"] == [
        "The mediator must belong to the case's centre or to a centre above it."
    ]
    response = client.post(
        f"/api/v1/cases/{accepted.number}/mediations", json=request_body(world, mediator="nobody@x.cn")
    )
    assert response.status_code == 422 and "no active mediator" in error_of(response)["message"]
    response = client.post(
        f"/api/v1/cases/{accepted.number}/mediations", json=request_body(world, mediator=above.email)
    )
    assert response.status_code == 201 and response.get_json()["mediator"] == above.email


def test_roles_that_may_not_request_get_403_and_a_case_not_yours_404(api, world, accepted, make_case):
    for user in (world.applicant, world.users["mediator"], world.users["admin"], world.users["fund_committee"]):
        response = api(user).post(f"/api/v1/cases/{accepted.number}/mediations", json=request_body(world))
        assert response.status_code == 403, user.role
        assert error_of(response)["code"] == "forbidden" and error_of(response)["details"]["reasons"]
    for user in (world.sibling_caseworker, world.other_applicant):
        response = api(user).post(f"/api/v1/cases/{accepted.number}/mediations", json=request_body(world))
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    response = api(world.users["caseworker"]).post("/api/v1/cases/CA-2020-99999/mediations", json=request_body(world))
    assert response.status_code == 404


def test_another_centres_mediation_is_404_everywhere(api, world, make_case, session):
    other_case = make_case(
        world.other_applicant, world.other_enterprise, state="accepted", staff=world.sibling_caseworker
    )
    other = services.request_mediation(other_case, world.sibling_caseworker, not_in_court=True)
    session.commit()
    for user in (world.users["caseworker"], world.users["mediator"], world.applicant, world.users["supervisor"]):
        client = api(user)
        for path in (f"/api/v1/mediations/{other.id}", f"/api/v1/mediations/{other.id}/actions"):
            response = client.get(path)
            assert response.status_code == 404 and error_of(response)["code"] == "not_found", (user.role, path)
        response = client.post(
            f"/api/v1/mediations/{other.id}/actions/withdraw", json={"version": other.version, "comment": "x"}
        )
        assert response.status_code == 404
        response = client.post(
            f"/api/v1/mediations/{other.id}/actions", json={"action": "withdraw", "version": other.version}
        )
        assert response.status_code == 404
        assert all(i["id"] != other.id for i in client.get("/api/v1/mediations").get_json()["items"])
    for missing in (0, 999999, 2**40):
        assert api(world.users["caseworker"]).get(f"/api/v1/mediations/{missing}").status_code == 404
    assert version_of(session, other.id) == other.version
    # Its own centre and the province above see it.
    assert api(world.sibling_caseworker).get(f"/api/v1/mediations/{other.id}").status_code == 200
    assert api(world.province_admin).get(f"/api/v1/mediations/{other.id}").status_code == 200


def test_only_the_assigned_mediator_acts(api, world, requested, make_user, session):
    colleague = make_user(Role.MEDIATOR, centre=world.city, email="other-mediator@city.cn")
    m = act(
        api(world.users["caseworker"]),
        requested,
        "serve_respondent",
        data={"served_on": today().isoformat(), "method": "post"},
    )
    client = api(colleague)
    seen = client.get(f"/api/v1/mediations/{m['id']}")
    assert seen.status_code == 200 and seen.get_json()["available_actions"] == []
    response = client.post(f"/api/v1/mediations/{m['id']}/actions/respondent_agrees", json={"version": m["version"]})
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    assert client.get(f"/api/v1/mediations/{m['id']}/actions").get_json() == []
    assert version_of(session, m["id"]) == m["version"]
    # A mediator of the sibling centre, not assigned, does not see it at all.
    far = make_user(Role.MEDIATOR, centre=world.sibling, email="med@sibling.cn")
    assert api(far).get(f"/api/v1/mediations/{m['id']}").status_code == 404
    # The assigned one does.
    m = act(api(world.users["mediator"]), m, "respondent_agrees", data={})
    assert m["state"] == "in_mediation"


def test_a_mediator_assigned_beyond_their_centre_sees_and_acts_on_that_mediation_only(
    api, world, accepted, make_user, session
):
    above = make_user(Role.MEDIATOR, centre=world.province, email="med@province.cn")
    response = api(world.users["caseworker"]).post(
        f"/api/v1/cases/{accepted.number}/mediations", json=request_body(world, mediator=above.email)
    )
    m = response.get_json()
    client = api(above)
    assert [i["id"] for i in client.get("/api/v1/mediations?mine=true").get_json()["items"]] == [m["id"]]
    m = act(client, m, "serve_respondent", data={"served_on": today().isoformat(), "method": "hand"})
    assert m["state"] == "awaiting_respondent"


def test_the_applicant_sees_their_own_and_may_only_withdraw(api, world, requested, make_case, session):
    other_case = make_case(
        world.other_applicant, world.other_enterprise, state="accepted", staff=world.sibling_caseworker
    )
    services.request_mediation(other_case, world.sibling_caseworker, not_in_court=True)
    session.commit()
    client = api(world.applicant)
    items = client.get("/api/v1/mediations").get_json()["items"]
    assert [i["id"] for i in items] == [requested["id"]]
    assert [i["id"] for i in api(world.other_applicant).get("/api/v1/mediations").get_json()["items"]] != [
        requested["id"]
    ]

    checks = client.get(f"/api/v1/mediations/{requested['id']}/actions").get_json()
    conforms(checks, "MediationActionCheckList")
    assert [c["action"] for c in checks] == ["withdraw"]
    response = client.post(
        f"/api/v1/mediations/{requested['id']}/actions/serve_respondent",
        json={"version": requested["version"], "data": {"served_on": today().isoformat(), "method": "post"}},
    )
    assert response.status_code == 403 and error_of(response)["details"]["reasons"]
    response = client.post(
        f"/api/v1/mediations/{requested['id']}/actions/withdraw", json={"version": requested["version"]}
    )
    assert response.status_code == 422 and error_of(response)["details"]["reasons"] == [
        "A comment is required for this action."
    ]
    m = act(client, requested, "withdraw", comment="已与对方自行和解")
    assert m["state"] == "withdrawn"


def test_a_stale_version_is_409_and_changes_nothing(api, world, requested, session):
    client = api(world.users["caseworker"])
    m = act(client, requested, "serve_respondent", data={"served_on": today().isoformat(), "method": "post"})
    before = events_of(session, m["id"])
    response = client.post(
        f"/api/v1/mediations/{m['id']}/actions/withdraw", json={"version": requested["version"], "comment": "撤回"}
    )
    assert response.status_code == 409 and error_of(response)["code"] == "conflict"
    assert events_of(session, m["id"]) == before and version_of(session, m["id"]) == m["version"]


def test_wrong_state_and_unknown_action(api, world, requested):
    client = api(world.users["caseworker"])
    response = client.post(
        f"/api/v1/mediations/{requested['id']}/actions/record_performance", json={"version": requested["version"]}
    )
    assert response.status_code == 422
    assert "Requested" in error_of(response)["details"]["reasons"][0]
    response = client.post(
        f"/api/v1/mediations/{requested['id']}/actions/explode", json={"version": requested["version"]}
    )
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    response = client.post(
        f"/api/v1/mediations/{requested['id']}/actions/accept", json={"version": requested["version"]}
    )
    assert response.status_code == 404, "a case action is no mediation action"


# ---- bad input of every shape ----------------------------------------------------------------------------------


@pytest.fixture
def mediating(api, world, requested):
    """A mediation in mediation (the respondent agreed), as its object."""
    m = act(
        api(world.users["caseworker"]),
        requested,
        "serve_respondent",
        data={"served_on": today().isoformat(), "method": "post"},
    )
    return act(api(world.users["mediator"]), m, "respondent_agrees", data={})


GOOD_AGREEMENT = {
    "facts": "被申请人销售侵权产品",
    "disputed_issues": "赔偿数额",
    "liability": "被申请人承担责任",
    "terms": ["被申请人赔偿申请人人民币一万元"],
    "amount_fen": 1_000_000,
    "performance_method": "银行转账",
    "costs_borne_by": "各自承担",
}


def _agreement(**overrides):
    return {**GOOD_AGREEMENT, "perform_by": (today() + timedelta(days=10)).isoformat(), **overrides}


@pytest.mark.parametrize(
    "action, body, field",
    [
        ("schedule_session", {"data": {"starts_at": 20260101}}, "data.starts_at"),
        ("schedule_session", {"data": {"starts_at": "2030-01-01T10:00:00+08:00", "place": "x" * 301}}, "data.place"),
        ("schedule_session", {"data": {"starts_at": "2030-01-01T10:00:00+08:00", "place": ["a"]}}, "data.place"),
        (
            "schedule_session",
            {"data": {"starts_at": "2030-01-01T10:00:00+08:00", "place": "室", "duration_minutes": 5}},
            "data.duration_minutes",
        ),
        (
            "schedule_session",
            {"data": {"starts_at": "2030-01-01T10:00:00+08:00", "place": "室", "duration_minutes": "90"}},
            "data.duration_minutes",
        ),
        (
            "schedule_session",
            {"data": {"starts_at": "2030-01-01T10:00:00+08:00", "place": "室", "colour": "red"}},
            "data.colour",
        ),
        (
            "schedule_session",
            {"data": {"starts_at": "2030-01-01T10:00:00+08:00", "place": "室", "served_on": "2026-01-01"}},
            "data.served_on",
        ),
        ("schedule_session", {"data": {"starts_at": "2030-01-01T10:00:00+08:00", "place": "会\x00议室"}}, "data.place"),
        ("schedule_session", {"data": {"starts_at": "x" * 100000, "place": "室"}}, "data.starts_at"),
        ("schedule_session", {"data": "starts tomorrow"}, "data"),
        ("schedule_session", {"data": {"starts_at": None, "place": "室"}}, "data.starts_at"),
        ("record_agreement", {"data": _agreement(amount_fen=-1)}, "data.amount_fen"),
        ("record_agreement", {"data": _agreement(amount_fen=1.5)}, "data.amount_fen"),
        ("record_agreement", {"data": _agreement(amount_fen="100")}, "data.amount_fen"),
        ("record_agreement", {"data": _agreement(terms="一条")}, "data.terms"),
        ("record_agreement", {"data": _agreement(terms=[])}, "data.terms"),
        ("record_agreement", {"data": _agreement(terms=[1])}, "data.terms[0]"),
        ("record_agreement", {"data": _agreement(terms=["条"] * 31)}, "data.terms"),
        ("record_agreement", {"data": _agreement(facts="事" * 5001)}, "data.facts"),
        ("record_agreement", {"data": _agreement(), "comment": 5}, "comment"),
        ("record_agreement", {"data": _agreement(), "comment": "c" * 10001}, "comment"),
        ("record_agreement", {"data": _agreement(), "extra": True}, "extra"),
        ("record_agreement", {"data": _agreement(), "version": "1"}, "version"),
        ("record_agreement", {"data": _agreement(), "version": None}, "version"),
        ("record_agreement", {"data": {**_agreement(), "\ud800": 1}}, "data"),
        ("suspend", {"data": {"route": {"a": 1}}}, "data.route"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_changes_nothing(api, world, mediating, session, action, body, field):
    before = (events_of(session, mediating["id"]), version_of(session, mediating["id"]))
    body = {"version": mediating["version"], **body}
    raw = json.dumps(body, ensure_ascii=True)
    response = api(world.users["mediator"]).post(
        f"/api/v1/mediations/{mediating['id']}/actions/{action}", data=raw, content_type="application/json"
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:600]
    error = error_of(response)
    assert field in error["details"]["fields"], error
    assert (events_of(session, mediating["id"]), version_of(session, mediating["id"])) == before


@pytest.mark.parametrize(
    "action, data, words",
    [
        ("schedule_session", {"starts_at": "2020-01-01T10:00:00+08:00", "place": "室"}, "must start in the future"),
        ("schedule_session", {"starts_at": "tomorrow", "place": "室"}, "date and time the session starts"),
        ("schedule_session", {"starts_at": "2030-01-01T10:00:00+08:00"}, "place of the session or its online link"),
        (
            "schedule_session",
            {"starts_at": "2030-01-01T10:00:00+08:00", "online_url": "javascript:alert(1)"},
            "https://",
        ),
        (
            "record_session",
            {"held_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(), "minutes": "x"},
            "still to come",
        ),
        (
            "record_session",
            {"held_at": "2026-01-01T10:00:00+08:00", "minutes": "x", "session": 2**40},
            "sessions scheduled",
        ),
        ("record_agreement", _agreement(terms=["双方确认专利权有效"]), "validity or ownership"),
        (
            "record_agreement",
            _agreement(terms=["The patent shall be valid between the parties"]),
            "validity or ownership",
        ),
        ("record_agreement", _agreement(amount_fen=10**15), "too large"),
        ("record_agreement", _agreement(perform_by="2020-01-01"), "already past"),
        ("record_agreement", _agreement(perform_by="31/12/2030"), "YYYY-MM-DD"),
        ("record_agreement", _agreement(facts="  "), "main facts"),
        (
            "record_judicial_confirmation",
            {"court": "某法院", "confirmed_on": "2026-01-01", "ruling_number": "1"},
            "Not possible",
        ),
    ],
)
def test_input_the_guards_refuse_is_422_with_reasons_and_changes_nothing(
    api, world, mediating, session, action, data, words
):
    before = (events_of(session, mediating["id"]), version_of(session, mediating["id"]))
    response = api(world.users["mediator"]).post(
        f"/api/v1/mediations/{mediating['id']}/actions/{action}", json={"version": mediating["version"], "data": data}
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:600]
    reasons = error_of(response)["details"]["reasons"]
    assert words in " ".join(reasons), reasons
    assert (events_of(session, mediating["id"]), version_of(session, mediating["id"])) == before


def test_refusals_are_in_the_request_language(api, world, mediating):
    client = api(world.users["mediator"], language="zh-CN")
    response = client.post(
        f"/api/v1/mediations/{mediating['id']}/actions/record_agreement",
        json={"version": mediating["version"], "data": {**_agreement(), "served_on": "2026-01-01", "amount_fen": -5}},
    )
    fields = error_of(response)["details"]["fields"]
    assert set(fields) == {"data.served_on", "data.amount_fen"}
    assert all(any("\u4e00" <= c <= "\u9fff" for c in message) for message in fields.values()), fields


@pytest.mark.parametrize(
    "body, field",
    [
        ({"scope": "patent"}, "scope"),
        ({"scope": 1}, "scope"),
        ({"mediator": 5}, "mediator"),
        ({"mediator": "m" * 255}, "mediator"),
        ({"requests": "求" * 5001}, "requests"),
        ({"requests": "a\x00b"}, "requests"),
        ({"not_in_court": "true"}, "not_in_court"),
        ({"court_case": False}, "court_case"),
    ],
)
def test_a_bad_request_body_is_422_naming_the_field(api, world, accepted, session, body, field):
    response = api(world.users["caseworker"]).post(
        f"/api/v1/cases/{accepted.number}/mediations", json=request_body(world, **body)
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert field in error_of(response)["details"]["fields"]
    assert session.execute(select(func.count()).select_from(Mediation)).scalar_one() == 0


@pytest.mark.parametrize("raw, status", [(b"", 400), (b"{", 400), (b"[]", 422), (b'{"requests": NaN}', 400)])
def test_bodies_that_are_not_a_json_object(api, world, accepted, raw, status):
    client = api(world.users["caseworker"])
    response = client.post(f"/api/v1/cases/{accepted.number}/mediations", data=raw, content_type="application/json")
    assert response.status_code == status
    assert set(error_of(response)["details"]["fields"]) == {"body"}


def test_no_token_a_body_of_another_type_and_a_body_too_large(app, api, world, requested, session):
    path = f"/api/v1/mediations/{requested['id']}/actions/withdraw"
    anonymous = app.test_client()
    for method, url in (
        ("GET", "/api/v1/mediations"),
        ("GET", f"/api/v1/mediations/{requested['id']}"),
        ("POST", path),
    ):
        response = anonymous.open(url, method=method, json={"version": 1})
        assert response.status_code == 401 and error_of(response)["code"] == "unauthorized", url
    client = api(world.users["caseworker"])
    response = client.post(path, data="version=1&comment=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and error_of(response)["code"] == "unsupported_media_type"
    huge = json.dumps({"version": requested["version"], "comment": "x" * (1024 * 1024)})
    response = client.post(path, data=huge, content_type="application/json")
    assert response.status_code == 413 and error_of(response)["code"] == "too_large"
    assert version_of(session, requested["id"]) == requested["version"]


# ---- the list --------------------------------------------------------------------------------------------------


def test_the_list_is_scoped_filtered_and_walked_by_cursor(api, world, make_case, session):
    caseworker = world.users["caseworker"]
    made = []
    for _ in range(5):
        case = make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker)
        made.append(
            services.request_mediation(case, caseworker, mediator=world.users["mediator"].email, not_in_court=True)
        )
    unassigned_case = make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker)
    unassigned = services.request_mediation(unassigned_case, caseworker, not_in_court=True)
    services.transition(
        made[0], "serve_respondent", caseworker, data={"served_on": today().isoformat(), "method": "post"}
    )
    same = made[1].created_at
    made[2].created_at = same  # created at the same instant: the id breaks the tie
    session.commit()
    every = [m.id for m in sorted([*made, unassigned], key=lambda m: (m.created_at, m.id), reverse=True)]

    client = api(caseworker)
    seen, cursor, pages = [], None, 0
    while True:
        body = client.get("/api/v1/mediations?limit=4" + (f"&cursor={cursor}" if cursor else "")).get_json()
        conforms(body, "MediationList")
        seen += [i["id"] for i in body["items"]]
        cursor, pages = body["next_cursor"], pages + 1
        if cursor is None:
            break
    assert seen == every and pages == 2
    item = next(
        i for i in body["items"] + client.get("/api/v1/mediations").get_json()["items"] if i["id"] == made[0].id
    )
    assert FIELDS <= set(item) and "events" not in item and "available_actions" not in item

    def ids(query, user=caseworker):
        response = api(user).get(f"/api/v1/mediations?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return {i["id"] for i in response.get_json()["items"]}

    assert ids("state=awaiting_respondent") == {made[0].id}
    assert ids("state=requested") == set(every) - {made[0].id}
    assert ids("mine=true", world.users["mediator"]) == {m.id for m in made}
    assert ids("mine=false", world.users["mediator"]) == {unassigned.id}
    assert ids("mine=true") == set()
    assert ids(f"case={unassigned_case.number}") == {unassigned.id}
    assert ids("ip_type=design") == set()
    assert ids("overdue=true") == set()
    # The respondent's reply window ran out: overdue.
    session.execute(
        update(CaseClock)
        .where(CaseClock.subject_type == "mediation", CaseClock.subject_id == made[0].id)
        .values(due_at=datetime.now(UTC) - timedelta(hours=1))
    )
    session.commit()
    assert ids("overdue=true") == {made[0].id}
    assert ids("overdue=false") == set(every) - {made[0].id}
    late = client.get(f"/api/v1/mediations/{made[0].id}").get_json()
    assert late["deadline"]["is_overdue"] is True
    # Another centre's staff see none of them; the province sees them all.
    assert ids("", world.sibling_caseworker) == set()
    assert ids("", world.province_admin) == set(every)


@pytest.mark.parametrize(
    "query, field",
    [
        ("state=open", "state"),
        ("ip_type=patent", "ip_type"),
        ("mine=yes", "mine"),
        ("overdue=1", "overdue"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("cursor=notbase64!", "cursor"),
        ("cursor=W10", "cursor"),
        ("case=" + "x" * 41, "case"),
    ],
)
def test_invalid_list_parameters_are_422_naming_the_field(api, world, query, field):
    response = api(world.users["caseworker"]).get(f"/api/v1/mediations?{query}")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert set(error_of(response)["details"]["fields"]) == {field}


def test_the_list_reads_a_bounded_number_of_statements(api, world, make_case, session, app):
    from sqlalchemy import event

    caseworker = world.users["caseworker"]
    for _ in range(4):
        case = make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker)
        m = services.request_mediation(case, caseworker, mediator=world.users["mediator"].email, not_in_court=True)
        services.transition(
            m, "serve_respondent", caseworker, data={"served_on": today().isoformat(), "method": "post"}
        )
    session.commit()
    client = api(caseworker)
    client.get("/api/v1/mediations")
    engine = app.extensions["db_engine"]

    def selects_for(url):
        statements = []

        def count(*args):
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            items = client.get(url).get_json()["items"]
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert all(i["deadline"]["name"] == "reply" for i in items)
        return len(items), [s for s in statements if s.lstrip().upper().startswith("SELECT")]

    few, few_selects = selects_for("/api/v1/mediations?limit=2")
    many, many_selects = selects_for("/api/v1/mediations?limit=4")
    assert (few, many) == (2, 4)
    assert len(many_selects) == len(few_selects), many_selects


# ---- the document --------------------------------------------------------------------------------------------


def test_the_document_describes_every_mediation_endpoint():
    from app.mediation.workflow import MEDIATIONS

    document = spec()
    paths = document["paths"]
    assert set(paths["/api/v1/cases/{number}/mediations"]) == {"post"}
    assert set(paths["/api/v1/mediations"]) == {"get"}
    assert set(paths["/api/v1/mediations/{id}"]) == {"get"}
    assert set(paths["/api/v1/mediations/{id}/actions"]) == {"get", "post"}
    assert set(paths["/api/v1/mediations/{id}/actions/{action}"]) == {"post"}
    take = paths["/api/v1/mediations/{id}/actions/{action}"]["post"]
    action = next(p for p in take["parameters"] if p["name"] == "action")
    assert action["schema"]["enum"] == list(MEDIATIONS.actions)
    assert {"403", "404", "409", "422"} <= set(take["responses"])
    schemas = document["components"]["schemas"]
    assert "not_in_court" in schemas["NewMediation"]["properties"]
    assert schemas["NewMediation"]["properties"]["not_in_court"]["description"].startswith("Must be true")
    # Each action's data is its inputs' schemas, as the workflow's table declares them.
    body = schemas["MediationActionRequest"]
    assert set(body["x-actions"]) == set(MEDIATIONS.actions)
    for name, declared in MEDIATIONS.actions.items():
        assert body["x-actions"][name]["data"]["properties"] == {i.name: i.schema for i in declared.inputs}
        assert f"- `{name}`:" in body["description"]
    data = schemas["MediationActionData"]
    assert data["additionalProperties"] is False
    assert set(data["properties"]) == {i.name for a in MEDIATIONS.actions.values() for i in a.inputs}
    assert data["properties"]["amount_fen"]["minimum"] == 0 and data["properties"]["terms"]["maxItems"] == 30
    mediation = schemas["Mediation"]
    assert FIELDS <= set(mediation["properties"]) and FIELDS <= set(mediation["required"])
    assert "minutes" not in schemas["MediationSessionItem"]["required"]


def test_every_input_of_the_workflow_has_an_api_type():
    """A new input kind must be given its API type (the model refuses to build otherwise)."""
    from app.api.schemas_mediation import input_annotation
    from app.core.workflow import Input

    with pytest.raises(ValueError):
        input_annotation(Input("x", "x", {"type": "object"}, "text", lambda form: None))
