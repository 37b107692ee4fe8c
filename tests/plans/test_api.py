"""Plans through the API: the whole way from a draft to a superseded plan, and every error a client can
meet (API.md basics: 404 for what is not yours, 403 for a role that may never, 409 stale, 422 naming each
field or giving the workflow's reasons), in the request's language."""

from __future__ import annotations

from tests.api.conftest import error_of
from tests.plans.conftest import CONTENT, content


def test_the_whole_way_through_the_api(call, accepted, people):
    cw, sup, applicant = people.caseworker, people.supervisor, people.applicant
    created = call(cw, "POST", f"/api/v1/cases/{accepted.number}/plans", json=content(damages=None))
    assert created.status_code == 201, created.get_json()
    plan = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/plans/{plan['id']}")
    assert plan["state"] == "draft" and plan["revision"] == 1 and plan["supersedes"] is None
    assert plan["case"] == accepted.number and plan["damages"] is None and plan["documents"] == []
    assert plan["right"] == {
        "index": 0,
        "type": "utility_model",
        "number": accepted.rights[0].number,
        "title": accepted.rights[0].title,
        "scope": "权利要求1、2",
    }
    assert plan["comparison"][1]["verdict"] == "equivalent" and plan["routes"][2]["cost_fen"] == 3_000_000
    assert [e["action"] for e in plan["events"]] == ["create_plan"]
    url = f"/api/v1/plans/{plan['id']}"
    # The applicant's side never sees a draft.
    assert call(applicant, "GET", url).status_code == 404

    patched = call(cw, "PATCH", url, json={"version": plan["version"], "damages": CONTENT["damages"]})
    assert patched.status_code == 200, patched.get_json()
    plan = patched.get_json()
    assert plan["damages"] == CONTENT["damages"] and plan["version"] == 2
    assert plan["events"][-1]["action"] == "edit_plan" and plan["events"][-1]["data"]["fields"] == ["damages"]

    actions = {a["action"]: a for a in call(cw, "GET", f"{url}/actions").get_json()}
    assert actions["submit_for_review"]["allowed"] and "approve" not in actions

    def act(user, action, **body):
        response = call(user, "POST", f"{url}/actions", json={"action": action, "version": plan["version"], **body})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    plan = act(cw, "submit_for_review")
    plan = act(sup, "approve")
    plan = act(cw, "issue")
    assert plan["state"] == "issued" and len(plan["documents"]) == 1
    document = plan["documents"][0]
    assert document["kind"] == "protection_plan" and "方" in document["number"]
    pdf = call(applicant, "GET", f"/api/v1/documents/{document['id']}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    seen = call(applicant, "GET", url).get_json()
    assert seen["state"] == "issued" and all(e["visibility"] == "applicant" for e in seen["events"])

    revision = act(cw, "revise", comment="补充新的侵权证据")
    assert revision["revision"] == 2 and revision["supersedes"] == plan["id"] and revision["state"] == "draft"
    assert revision["routes"] == plan["routes"]
    first = call(cw, "GET", url).get_json()
    assert first["superseded_by"] == revision["id"] and first["state"] == "issued"

    listed = call(applicant, "GET", f"/api/v1/cases/{accepted.number}/plans").get_json()
    assert [p["revision"] for p in listed["items"]] == [1] and listed["next_cursor"] is None
    listed = call(cw, "GET", f"/api/v1/cases/{accepted.number}/plans").get_json()
    assert [p["revision"] for p in listed["items"]] == [2, 1]
    assert listed["items"][1]["superseded_by"] == revision["id"]

    url, plan = f"/api/v1/plans/{revision['id']}", revision
    plan = act(cw, "submit_for_review")
    plan = act(people.other_supervisor, "approve")
    plan = act(sup, "issue")
    first = call(applicant, "GET", f"/api/v1/plans/{first['id']}").get_json()
    assert first["state"] == "superseded" and first["superseded_at"] and len(first["documents"]) == 1
    assert [e["action"] for e in first["events"] if e["action"] in ("issue", "supersede")] == ["issue", "supersede"]


def test_what_is_not_yours_is_not_found(call, accepted, people, make_plan, world, make_case):
    plan = make_plan(accepted, "draft")
    url = f"/api/v1/plans/{plan.id}"
    for user in (people.sibling_caseworker, people.other_applicant, people.applicant):
        assert call(user, "GET", url).status_code == 404
        assert call(user, "GET", f"{url}/actions").status_code == 404
        response = call(user, "PATCH", url, json={"version": plan.version, "facts": "x"})
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
        assert (
            call(user, "POST", f"{url}/actions", json={"action": "submit_for_review", "version": 1}).status_code == 404
        )
    for bad in ("/api/v1/plans/999999", "/api/v1/plans/0", "/api/v1/plans/abc", "/api/v1/plans/99999999999"):
        assert call(people.caseworker, "GET", bad).status_code == 404
    sibling = make_case(world.other_applicant, world.other_enterprise, state="accepted", staff=world.sibling_caseworker)
    response = call(people.caseworker, "POST", f"/api/v1/cases/{sibling.number}/plans", json={})
    assert response.status_code == 404


def test_roles_that_may_never_are_forbidden(call, accepted, people, make_plan):
    plan = make_plan(accepted, "draft")
    url = f"/api/v1/plans/{plan.id}"
    for user in (people.mediator, people.admin, people.fund_committee):
        assert call(user, "GET", url).status_code == 200  # read-only
        assert call(user, "PATCH", url, json={"version": plan.version, "facts": "x"}).status_code == 403
        response = call(user, "POST", f"{url}/actions", json={"action": "submit_for_review", "version": plan.version})
        assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
        assert call(user, "GET", f"{url}/actions").get_json() == []
    response = call(people.mediator, "POST", f"/api/v1/cases/{accepted.number}/plans", json={})
    assert response.status_code == 403
    assert "Only caseworkers and supervisors" in error_of(response)["details"]["reasons"][0]


def test_stale_versions_and_bad_content(call, accepted, people, make_plan):
    plan = make_plan(accepted, "draft")
    url = f"/api/v1/plans/{plan.id}"
    assert call(people.supervisor, "PATCH", url, json={"version": plan.version, "facts": "主管改了"}).status_code == 200
    stale = call(people.caseworker, "PATCH", url, json={"version": plan.version, "facts": "经办人改"})
    assert stale.status_code == 409 and error_of(stale)["code"] == "conflict"
    stale = call(people.caseworker, "POST", f"{url}/actions", json={"action": "submit_for_review", "version": 1})
    assert stale.status_code == 409
    current = call(people.caseworker, "GET", url).get_json()
    assert current["facts"] == "主管改了"

    bad = {
        "version": current["version"],
        "facts": 5,
        "routes": [{"route": "litigation", "cost_fen": -1, "duration": "", "extra": 1}],
        "comparison": [{"feature": "a"}] * 51,
        "damages": {"amount_fen": 1.5, "basis": "x"},
        "colour": "red",
    }
    response = call(people.caseworker, "PATCH", url, json=bad)
    assert response.status_code == 422
    fields = error_of(response)["details"]["fields"]
    assert {"facts", "routes[0].cost_fen", "routes[0].extra", "comparison", "damages.amount_fen", "colour"} <= set(
        fields
    )
    # Valid in shape, refused for what it means: the service names each field.
    meaning = {
        "version": current["version"],
        "right": {"index": 9},
        "routes": [
            {"route": "mediation", "cost_fen": 0, "duration": "1个月"},
            {"route": "mediation", "cost_fen": 0, "duration": "1个月"},
        ],
    }
    response = call(people.caseworker, "PATCH", url, json=meaning, language="zh-CN")
    assert response.status_code == 422
    fields = error_of(response)["details"]["fields"]
    assert set(fields) == {"right.index", "routes[1].route"}
    assert all(any("\u4e00" <= c <= "\u9fff" for c in m) for m in fields.values()), fields
    assert call(people.caseworker, "GET", url).get_json()["version"] == current["version"]


def test_the_workflow_refuses_with_its_reasons(call, accepted, people, make_plan, make_case, world):
    plan = make_plan(accepted, "in_review", drafter=people.supervisor, approver=people.other_supervisor)
    url = f"/api/v1/plans/{plan.id}/actions"
    response = call(people.supervisor, "POST", url, json={"action": "approve", "version": plan.version})
    assert response.status_code == 422
    assert "four-eyes" in error_of(response)["details"]["reasons"][0]
    response = call(people.supervisor, "POST", url, json={"action": "return_for_changes", "version": plan.version})
    assert response.status_code == 422 and "comment is required" in error_of(response)["details"]["reasons"][0]
    response = call(people.caseworker, "POST", url, json={"action": "issue", "version": plan.version})
    assert response.status_code == 422 and "Not possible while the plan is" in error_of(response)["message"]
    for action in ("supersede", "nothing"):
        response = call(people.caseworker, "POST", url, json={"action": action, "version": plan.version})
        assert response.status_code == 422 and "action" in error_of(response)["details"]["fields"]
    response = call(
        people.caseworker, "POST", url, json={"action": "revise", "version": plan.version, "data": {"x": 1}}
    )
    assert response.status_code == 422 and "data.x" in error_of(response)["details"]["fields"]
    submitted = make_case(world.applicant, world.enterprise, state="submitted")
    response = call(people.caseworker, "POST", f"/api/v1/cases/{submitted.number}/plans", json={})
    assert response.status_code == 422 and "must be accepted" in error_of(response)["details"]["reasons"][0]
    response = call(people.caseworker, "POST", f"/api/v1/cases/{accepted.number}/plans", json=content())
    assert response.status_code == 422 and "already being drafted" in error_of(response)["details"]["reasons"][0]
