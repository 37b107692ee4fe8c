"""Referrals through the API, as each caller sees them: the list scoped to the caller (another centre's staff see
none; the applicant's side only those sent, of their own enterprise) with its filters and keyset cursor, the
reduced object the applicant's side reads, and the OpenAPI document's description of the operations."""

# ruff: noqa: F811  (the fixtures are imported from ``tests.api.referral_fixtures``)

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from app.clocks.models import CaseClock
from app.referrals.models import Referral
from tests.api.conftest import error_of
from tests.api.referral_fixtures import (  # noqa: F401  (fixtures)
    accepted,
    act,
    agencies,
    body_for,
    evidence,
    proposed,
    refer,
    upload,
)
from tests.api.test_mediations import conforms


def test_the_applicant_sees_a_referral_once_sent_and_only_what_their_timeline_tells(api, world, proposed, session):
    own = api(world.applicant)
    assert own.get(f"/api/v1/referrals/{proposed['id']}").status_code == 404
    assert own.get("/api/v1/referrals").get_json()["items"] == []

    r = act(api(world.users["supervisor"]), proposed, "approve")
    r = act(api(world.users["caseworker"]), r, "send", data={"method": "post"})
    response = own.get(f"/api/v1/referrals/{r['id']}")
    assert response.status_code == 200
    seen = conforms(response.get_json(), "ReferralDetail")
    assert seen["state"] == "sent" and seen["agency"]["name"] == "本市市场监督管理局"
    hidden = {
        "events",
        "grounds",
        "evidence",
        "earlier_cases",
        "mismatch",
        "override_comment",
        "documents",
        "created_by",
    }
    assert not hidden & set(seen), hidden & set(seen)
    assert "涉嫌故意侵权" not in response.get_data(as_text=True)
    assert seen["available_actions"] == []
    listed = own.get("/api/v1/referrals").get_json()
    conforms(listed, "ReferralList")
    assert [i["id"] for i in listed["items"]] == [r["id"]] and not hidden & set(listed["items"][0])
    act(own, r, "close", comment="x", status=403)
    assert api(world.other_applicant).get(f"/api/v1/referrals/{r['id']}").status_code == 404
    assert api(world.other_applicant).get("/api/v1/referrals").get_json()["items"] == []


def test_the_list_is_scoped_filtered_and_walked_by_cursor(api, world, accepted, evidence, agencies, make_case, session):
    caseworker = api(world.users["caseworker"])
    made = [refer(caseworker, accepted, body_for(agencies[k], evidence))["id"] for k in ("market", "patent", "customs")]
    made.append(refer(caseworker, accepted, body_for(agencies["far"], evidence, override="熟悉该被投诉人"))["id"])
    rows = [session.get(Referral, i) for i in made]
    rows[2].created_at = rows[1].created_at  # decided at the same instant: the id breaks the tie
    session.commit()
    every = [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]

    seen, cursor, pages = [], None, 0
    while True:
        body = caseworker.get("/api/v1/referrals?limit=3" + (f"&cursor={cursor}" if cursor else "")).get_json()
        conforms(body, "ReferralList")
        seen += [i["id"] for i in body["items"]]
        cursor, pages = body["next_cursor"], pages + 1
        if cursor is None:
            break
    assert seen == every and pages == 2
    assert "events" not in body["items"][0] and "available_actions" not in body["items"][0]

    def ids(query, user=world.users["caseworker"]):
        response = api(user).get(f"/api/v1/referrals?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return {i["id"] for i in response.get_json()["items"]}

    assert ids(f"agency={agencies['far'].id}") == {made[3]}
    assert ids(f"agency={agencies['copyright'].id}") == set()
    assert ids("state=proposed") == set(made) and ids("state=sent") == set()
    assert ids(f"case={accepted.number}") == set(made) and ids("case=XX-1") == set()
    assert ids("overdue=true") == set() and ids("overdue=false") == set(made)
    # The send clock of one ran out: overdue.
    session.execute(
        update(CaseClock)
        .where(CaseClock.subject_type == "referral", CaseClock.subject_id == made[0])
        .values(due_at=datetime.now(UTC) - timedelta(hours=1))
    )
    session.commit()
    assert ids("overdue=true") == {made[0]} and ids("overdue=false") == set(made) - {made[0]}
    late = caseworker.get(f"/api/v1/referrals/{made[0]}").get_json()
    assert {c["name"]: c["is_overdue"] for c in late["clocks"]} == {"send": True}
    # Another centre's staff see none of them, not even one by one; the province sees them all.
    assert ids("", world.sibling_caseworker) == set()
    assert api(world.sibling_caseworker).get(f"/api/v1/referrals/{made[0]}").status_code == 404
    assert api(world.sibling_caseworker).get(f"/api/v1/referrals/{made[0]}/actions").status_code == 404
    assert ids("", world.province_admin) == set(made)


@pytest.mark.parametrize(
    "query, field",
    [
        ("state=open", "state"),
        ("agency=abc", "agency"),
        ("agency=0", "agency"),
        ("agency=01", "agency"),
        ("overdue=1", "overdue"),
        ("limit=0", "limit"),
        ("cursor=notbase64!", "cursor"),
        ("case=" + "x" * 41, "case"),
    ],
)
def test_invalid_list_parameters_are_422_naming_the_field(api, world, query, field):
    response = api(world.users["caseworker"]).get(f"/api/v1/referrals?{query}")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert set(error_of(response)["details"]["fields"]) == {field}


def test_the_document_describes_the_referral_operations():
    from app.api.openapi import spec
    from app.referrals.workflow import REFERRALS

    document = spec()
    assert {
        "/api/v1/cases/{number}/referrals",
        "/api/v1/referrals",
        "/api/v1/referrals/{id}",
        "/api/v1/referrals/{id}/actions",
        "/api/v1/referrals/{id}/actions/{action}",
    } <= set(document["paths"])
    body = document["components"]["schemas"]["ReferralActionRequest"]
    assert set(body["x-actions"]) == set(REFERRALS.actions)
    data = document["components"]["schemas"]["ReferralActionData"]["properties"]
    assert set(data) == {i.name for a in REFERRALS.actions.values() for i in a.inputs} | {"opened"}
    assert data["penalty_fen"]["minimum"] == 0


def test_a_repeat_infringer_s_earlier_cases_are_listed_for_staff(api, world, make_case, agencies, session):
    caseworker = world.users["caseworker"]
    earlier = make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker)
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker)
    client = api(caseworker)
    body = body_for(agencies["market"], [upload(client, case.number)], ground_kinds=["repeat", "wilful"])
    r = refer(client, case, body)
    assert r["ground_kinds"] == ["repeat", "wilful"]
    assert [c["number"] for c in r["earlier_cases"]] == [earlier.number]
    assert r["earlier_cases"][0]["state"] == "accepted" and r["earlier_cases"][0]["filed_on"]
    conforms(r, "ReferralDetail")
