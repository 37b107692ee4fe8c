"""Referrals through the API: referring a lead of a case (every reason it cannot be at once), the whole way
through approval, sending (the transfer letter), a chase, the agency's word recorded by staff or given by the
agency itself, to the outcome and the close, and every refusal with the code API.md gives it (404 not yours,
403 role, 409 stale, 422 with reasons or naming the field), nothing changed. Each answer is checked against the
OpenAPI document. (The list and what each caller sees: ``test_referrals_list.py``.)"""

# ruff: noqa: F811  (the fixtures are imported from ``tests.api.referral_fixtures``)

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.referrals import services
from app.referrals.models import Referral, ReferralReplyToken
from tests.api.conftest import error_of
from tests.api.referral_fixtures import (  # noqa: F401  (fixtures)
    accepted,
    act,
    agencies,
    body_for,
    evidence,
    proposed,
    proposed_body,
    proposed_case,
    refer,
    referrals_count,
    second_supervisor,
    sent,
    snapshot,
    upload,
)
from tests.api.test_mediations import conforms, today

# ---- deciding a referral -----------------------------------------------------------------------------------


def test_a_caseworker_refers_a_lead(api, world, accepted, evidence, agencies):
    response = api(world.users["caseworker"]).post(
        f"/api/v1/cases/{accepted.number}/referrals",
        json=body_for(agencies["market"], evidence, ground_kinds=["wilful"]),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    r = conforms(response.get_json(), "ReferralDetail")
    assert response.headers["Location"].endswith(f"/api/v1/referrals/{r['id']}")
    assert (r["case"], r["state"], r["ip_type"], r["version"]) == (accepted.number, "proposed", "utility_model", 1)
    assert r["agency"] == {"id": agencies["market"].id, "name": "本市市场监督管理局", "kind": "market_regulation"}
    assert r["respondent"]["name"] == "某某科技有限公司" and r["ground_kinds"] == ["wilful"]
    assert [e["id"] for e in r["evidence"]] == evidence and r["mismatch"] == [] and r["earlier_cases"] == []
    assert r["created_by"] == world.users["caseworker"].email and r["approved_by"] is None
    assert r["sent_at"] is None and r["documents"] == []
    assert [(c["name"], c["is_running"]) for c in r["clocks"]] == [("send", True)]
    assert [(e["action"], e["by"]) for e in r["events"]] == [("create_referral", "staff")]
    allowed = {a["action"] for a in r["available_actions"] if a["allowed"]}
    assert allowed == {"withdraw"}, "a caseworker does not approve"


@pytest.mark.parametrize(
    "overrides, words",
    [
        ({"agency": 2_000_000_000}, "agency of the directory"),
        ({"agency": None}, "agency of the directory"),
        ({"evidence": []}, "Pick the evidence"),
        ({"grounds": "   "}, "State the grounds"),
        ({"mediation": 2_000_000_000}, "not one of this case"),
    ],
)
def test_what_a_referral_lacks_is_422_with_reasons(api, world, accepted, evidence, agencies, session, overrides, words):
    response = api(world.users["caseworker"]).post(
        f"/api/v1/cases/{accepted.number}/referrals", json=body_for(agencies["market"], evidence, **overrides)
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    reasons = error_of(response)["details"]["reasons"]
    assert words in " ".join(reasons), reasons
    assert referrals_count(session) == 0


def test_every_reason_is_given_at_once(api, world, accepted, agencies, session):
    response = api(world.users["caseworker"]).post(
        f"/api/v1/cases/{accepted.number}/referrals", json={"agency": 2_000_000_000}
    )
    reasons = error_of(response)["details"]["reasons"]
    assert response.status_code == 422 and len(reasons) == 3, reasons
    assert "agency" in reasons[0] and "grounds" in reasons[1] and "evidence" in reasons[2]
    assert referrals_count(session) == 0


def test_evidence_of_another_case_is_refused(api, world, accepted, evidence, agencies, make_case, session):
    other = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    foreign = upload(api(world.users["caseworker"]), other.number)
    response = api(world.users["caseworker"]).post(
        f"/api/v1/cases/{accepted.number}/referrals", json=body_for(agencies["market"], [evidence[0], foreign])
    )
    assert response.status_code == 422
    assert "Only the files of this case" in " ".join(error_of(response)["details"]["reasons"])
    assert referrals_count(session) == 0


def test_an_agency_that_does_not_fit_needs_an_override_then_a_supervisors_comment(
    api, world, accepted, evidence, agencies, session
):
    client = api(world.users["caseworker"])
    body = body_for(agencies["far"], evidence)
    response = client.post(f"/api/v1/cases/{accepted.number}/referrals", json=body)
    assert response.status_code == 422
    assert "does not fit" in " ".join(error_of(response)["details"]["reasons"])
    assert referrals_count(session) == 0

    r = refer(client, accepted, {**body, "override": "该局曾查处同一被投诉人，掌握其生产窝点"})
    assert r["mismatch"] and "region" in r["mismatch"][0]
    assert r["override_comment"] == "该局曾查处同一被投诉人，掌握其生产窝点"
    supervisor = api(world.users["supervisor"])
    before = snapshot(session, r["id"])
    response = supervisor.post(f"/api/v1/referrals/{r['id']}/actions/approve", json={"version": r["version"]})
    assert response.status_code == 422 and "say why in the comment" in error_of(response)["details"]["reasons"][0]
    assert snapshot(session, r["id"]) == before
    r = act(supervisor, r, "approve", comment="同意移送外省执法部门")
    assert r["state"] == "approved" and r["override_comment"] == "同意移送外省执法部门"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"agency": "1"}, "agency"),
        ({"agency": 0}, "agency"),
        ({"evidence": "1"}, "evidence"),
        ({"evidence": [True]}, "evidence[0]"),
        ({"evidence": list(range(1, 102))}, "evidence"),
        ({"ground_kinds": ["spite"]}, "ground_kinds[0]"),
        ({"grounds": "理" * 5001}, "grounds"),
        ({"grounds": "a\x00b"}, "grounds"),
        ({"mediation": "x"}, "mediation"),
        ({"grounds_kind": ["repeat"]}, "grounds_kind"),
    ],
)
def test_a_bad_request_body_is_422_naming_the_field(api, world, accepted, evidence, agencies, session, body, field):
    response = api(world.users["caseworker"]).post(
        f"/api/v1/cases/{accepted.number}/referrals", json={**body_for(agencies["market"], evidence), **body}
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert field in error_of(response)["details"]["fields"]
    assert referrals_count(session) == 0


def test_who_may_refer(api, world, accepted, evidence, agencies, session):
    body = body_for(agencies["market"], evidence)
    for user, status in (
        (world.applicant, 403),
        (world.users["admin"], 403),
        (world.users["mediator"], 403),
        (world.sibling_caseworker, 404),
        (world.other_applicant, 404),
    ):
        response = api(user).post(f"/api/v1/cases/{accepted.number}/referrals", json=body)
        assert response.status_code == status, (user.email, response.get_data(as_text=True)[:300])
        error_of(response)
    assert api(world.users["caseworker"]).post("/api/v1/cases/XX-0000-1/referrals", json=body).status_code == 404
    assert referrals_count(session) == 0
    # A supervisor of a centre above refers too.
    assert refer(api(world.users["supervisor"]), accepted, body)["state"] == "proposed"


# ---- the whole way -------------------------------------------------------------------------------------------


def test_the_whole_way_to_an_outcome_and_the_close(api, world, proposed, second_supervisor, session):
    caseworker, supervisor = api(world.users["caseworker"]), api(world.users["supervisor"])
    r = proposed

    # A caseworker may never approve (403); the supervisor who proposed may not approve their own (422).
    act(caseworker, r, "approve", status=403)
    own = refer(supervisor, proposed_case(session, r), {**proposed_body(session, r)})
    act(supervisor, own, "approve", status=422)
    act(api(second_supervisor), own, "approve")

    r = act(supervisor, r, "approve", comment="同意")
    assert r["state"] == "approved" and r["approved_by"] == world.users["supervisor"].email

    response = caseworker.post(f"/api/v1/referrals/{r['id']}/actions/send", json={"version": r["version"]})
    assert response.status_code == 422 and "how the transfer letter is sent" in error_of(response)["message"]
    r = act(caseworker, r, "send", data={"method": "post"})
    conforms(r, "ReferralDetail")
    assert r["state"] == "sent" and r["sent_method"] == "post" and r["sent_at"] is not None
    assert [d["kind"] for d in r["documents"]] == ["transfer_letter"] and r["documents"][0]["number"]
    clocks = {c["name"]: c for c in r["clocks"]}
    assert clocks["send"]["met_at"] is not None and clocks["chase"]["is_running"]
    assert (clocks["chase"]["unit"], clocks["chase"]["amount"]) == ("calendar_days", 30)
    pdf = caseworker.get(f"/api/v1/documents/{r['documents'][0]['id']}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    r = act(caseworker, r, "chase")
    assert r["chase_count"] == 1 and [d["kind"] for d in r["documents"]] == ["transfer_letter", "chase_letter"]

    response = caseworker.post(
        f"/api/v1/referrals/{r['id']}/actions/record_receipt", json={"version": r["version"], "data": {}}
    )
    assert response.status_code == 422 and "telephone" in error_of(response)["details"]["reasons"][0]
    r = act(caseworker, r, "record_receipt", data={"channel": "phone", "received_on": today().isoformat()})
    assert r["state"] == "received" and r["received_on"] == today().isoformat() and r["last_word_at"]

    r = act(
        caseworker,
        r,
        "record_decision",
        data={"opened": True, "channel": "letter", "agency_case_number": "市监立〔2026〕8号"},
    )
    assert (r["state"], r["opened"], r["agency_case_number"]) == ("case_opened", True, "市监立〔2026〕8号")

    before = snapshot(session, r["id"])
    outcome = {"channel": "letter", "summary": "责令停止侵权并处罚款", "penalty_fen": -100}
    response = caseworker.post(
        f"/api/v1/referrals/{r['id']}/actions/record_outcome", json={"version": r["version"], "data": outcome}
    )
    assert response.status_code == 422 and "data.penalty_fen" in error_of(response)["details"]["fields"]
    assert snapshot(session, r["id"]) == before
    r = act(
        caseworker,
        r,
        "record_outcome",
        data={**outcome, "penalty_fen": 5_000_000, "goods_seized": "侵权产品200件", "stop_ordered": True},
    )
    assert (r["state"], r["penalty_fen"], r["stop_ordered"]) == ("concluded", 5_000_000, True)
    assert r["outcome_summary"] == "责令停止侵权并处罚款" and r["goods_seized"] == "侵权产品200件"
    assert all(not c["is_running"] for c in r["clocks"])

    act(caseworker, r, "close", status=422)
    r = act(caseworker, r, "close", comment="执法部门已作出处罚")
    conforms(r, "ReferralDetail")
    assert r["state"] == "closed" and r["closed_at"] is not None
    assert [e["action"] for e in r["events"]] == [
        "create_referral",
        "approve",
        "send",
        "issue_document",
        "chase",
        "issue_document",
        "record_receipt",
        "record_decision",
        "record_outcome",
        "close",
    ]
    word = next(e for e in r["events"] if e["action"] == "record_receipt")
    assert word["by"] == "staff" and word["data"]["via"] == "phone"


def test_the_agency_decides_no_case_opened(api, world, sent, session):
    client = api(world.users["caseworker"])
    before = snapshot(session, sent["id"])
    for data, field in (
        (
            {"opened": False, "channel": "phone", "reason": "不属本局管辖", "agency_case_number": "1"},
            "data.agency_case_number",
        ),
        ({"opened": True, "channel": "phone", "reason": "不属本局管辖"}, "data.reason"),
        ({"opened": "false", "channel": "phone", "reason": "x"}, "data.opened"),
        ({"channel": "phone", "method": "post"}, "data.method"),
    ):
        response = client.post(
            f"/api/v1/referrals/{sent['id']}/actions/record_decision", json={"version": sent["version"], "data": data}
        )
        assert response.status_code == 422, data
        assert field in error_of(response)["details"]["fields"], data
    response = client.post(
        f"/api/v1/referrals/{sent['id']}/actions/record_decision",
        json={"version": sent["version"], "data": {"opened": False, "channel": "phone"}},
    )
    assert response.status_code == 422 and "reasons for not opening" in error_of(response)["details"]["reasons"][0]
    assert snapshot(session, sent["id"]) == before

    r = act(client, sent, "record_decision", data={"opened": False, "channel": "phone", "reason": "不属本局管辖"})
    assert (r["state"], r["opened"], r["not_opened_reason"]) == ("not_opened", False, "不属本局管辖")
    assert r["events"][-1]["action"] == "record_no_case"


def test_the_agencys_own_word_is_marked_as_the_agencys(api, world, sent, session):
    from app.referrals.reply import AgencyActor

    token = session.execute(select(ReferralReplyToken).where(ReferralReplyToken.referral_id == sent["id"])).scalar_one()
    row = session.get(Referral, sent["id"])
    services.transition(row, "record_receipt", AgencyActor.of(token), data={})
    session.commit()
    r = api(world.users["caseworker"]).get(f"/api/v1/referrals/{sent['id']}").get_json()
    conforms(r, "ReferralDetail")
    word = r["events"][-1]
    assert (word["action"], word["by"], word["actor"], word["data"]["via"]) == (
        "record_receipt",
        "agency",
        None,
        "link",
    )


def test_a_stale_version_is_409_and_changes_nothing(api, world, proposed, session):
    supervisor = api(world.users["supervisor"])
    r = act(supervisor, proposed, "approve")
    before = snapshot(session, r["id"])
    response = supervisor.post(
        f"/api/v1/referrals/{r['id']}/actions/send", json={"version": proposed["version"], "data": {"method": "post"}}
    )
    assert response.status_code == 409 and error_of(response)["code"] == "conflict"
    assert snapshot(session, r["id"]) == before


def test_wrong_state_unknown_action_and_the_action_named_in_the_body(api, world, proposed):
    client = api(world.users["caseworker"])
    response = client.post(f"/api/v1/referrals/{proposed['id']}/actions/chase", json={"version": 1})
    assert response.status_code == 422 and "Awaiting approval" in error_of(response)["details"]["reasons"][0]
    for action in ("explode", "accept", "serve_respondent"):
        response = client.post(f"/api/v1/referrals/{proposed['id']}/actions/{action}", json={"version": 1})
        assert response.status_code == 404 and error_of(response)["code"] == "not_found", action
    assert client.post("/api/v1/referrals/2000000000/actions/withdraw", json={"version": 1}).status_code == 404

    checks = client.get(f"/api/v1/referrals/{proposed['id']}/actions")
    assert checks.status_code == 200
    conforms(checks.get_json(), "ReferralActionCheckList")
    response = client.post(
        f"/api/v1/referrals/{proposed['id']}/actions",
        json={"action": "withdraw", "version": proposed["version"], "comment": "申请人已与被投诉人和解"},
    )
    assert response.status_code == 200 and response.get_json()["state"] == "withdrawn"
