"""The visits' API (API.md "Visits"): recording a visit, the list and one visit, the compliance of the month,
the actions (raising a case from a problem, marking a follow-up done, recording a planned visit…), and every bad
field of a body named at once."""

# ruff: noqa: F811  (the fixtures imported from tests.api.visit_fixtures)
from __future__ import annotations

from sqlalchemy import select

from app.auth.models import Role
from app.cases.models import Case
from app.visits import services
from app.visits.models import Visit
from tests.api.conftest import error_of
from tests.api.visit_fixtures import act, at, day, record, recorded, visit_body  # noqa: F401


def _fields(response) -> dict:
    assert response.status_code == 422, response.get_json()
    return error_of(response)["details"]["fields"]


# ---- POST /api/v1/visits ----------------------------------------------------------------------------------------


def test_a_visit_recorded_answers_201_with_the_visit(api, world, recorded, session):
    v = recorded
    assert v["state"] == "done" and v["version"] == 1
    assert v["centre"]["code"] == "CA"
    assert v["visited_on"] == day(-1).isoformat() and v["planned_on"] is None
    assert v["staff"] == [{"email": "caseworker@city.cn", "name": world.users["caseworker"].name}]
    assert v["enterprises"] == [{"credit_code": world.enterprise.credit_code, "name": world.enterprise.name}]
    assert v["topics"] == ["policy_briefing", "ip_diagnosis"]
    assert [p["index"] for p in v["problems"]] == [0, 1]
    assert v["problems"][0]["ip_type"] == "design" and v["problems"][0]["case"] is None
    assert v["problems"][1]["ip_type"] is None
    assert v["follow_ups"][0]["owner"]["email"] == "caseworker@city.cn"
    assert v["follow_ups"][0]["due_on"] == day(5).isoformat() and v["follow_ups"][0]["done"] is False
    assert v["contact"] == {"name": "王经理", "title": "法务主管", "phone": "0755-12345678"}
    assert v["notes"] == "内部：企业对维权意愿强烈"
    assert [e["action"] for e in v["events"]] == ["record"]
    assert v["documents"] == []
    stored = session.get(Visit, v["id"])
    assert stored.recorded_by_id == world.users["caseworker"].id


def test_the_location_names_the_visit_and_the_centre_defaults_to_the_callers(api, world, at):
    body = visit_body(world)
    del body["centre"]
    response = api(world.users["supervisor"]).post("/api/v1/visits", json=body)
    assert response.status_code == 201
    assert response.headers["Location"].endswith(f"/api/v1/visits/{response.get_json()['id']}")
    assert response.get_json()["centre"]["code"] == "CA"


def test_a_visit_without_follow_ups_is_closed_at_once(api, world, at):
    v = record(api(world.users["caseworker"]), visit_body(world, follow_ups=[]))
    assert v["state"] == "closed" and v["closed_at"] is not None


def test_an_enterprise_not_registered_is_added_by_code_and_name(api, world, at, session):
    from app.enterprises.models import Enterprise

    new = _new_code()
    v = record(
        api(world.users["caseworker"]),
        visit_body(world, enterprises=[], new_enterprises=[{"credit_code": new, "name": "新登记科技有限公司"}]),
    )
    firm = session.execute(select(Enterprise).where(Enterprise.credit_code == new)).scalar_one()
    assert firm.centre_id == world.city.id
    assert v["enterprises"] == [{"credit_code": new, "name": "新登记科技有限公司"}]
    unknown = _fields(
        api(world.users["caseworker"]).post("/api/v1/visits", json=visit_body(world, enterprises=[_new_code("2")]))
    )
    assert "new_enterprises" in unknown["enterprises[0]"]


def _new_code(last: str = "1") -> str:
    """A valid unified social credit code no enterprise of the world has."""
    from app.core.identifiers import credit_code_check_char

    base = "91440300MA5F1234" + last
    return base + credit_code_check_char(base)


def test_every_bad_person_enterprise_and_date_is_named_at_once(api, world, at):
    body = visit_body(
        world,
        staff=["nobody@example.cn", world.sibling_caseworker.email, world.users["caseworker"].email],
        enterprises=[world.other_enterprise.credit_code, "91440300MA5F123450"],
        follow_ups=[{"text": "回访", "owner": world.users["mediator"].email, "due_on": day(-3).isoformat()}],
        visited_on=day(-1).isoformat(),
    )
    fields = _fields(api(world.users["caseworker"]).post("/api/v1/visits", json=body))
    assert set(fields) >= {
        "staff[0]",
        "staff[1]",
        "enterprises[0]",
        "enterprises[1]",
        "follow_ups[0].owner",
        "follow_ups[0].due_on",
    }
    assert "staff[2]" not in fields


def test_the_schema_names_every_bad_field_at_once(api, world, at, session):
    body = visit_body(world, visited_on="09/03/2026", topics=["gossip"], surprise=True)
    del body["staff"]
    body["problems"] = [{"ip_type": "design"}]
    body["follow_ups"] = [{"text": "回访", "due_on": "soon"}]
    fields = _fields(api(world.users["caseworker"]).post("/api/v1/visits", json=body))
    assert set(fields) >= {
        "visited_on",
        "staff",
        "topics[0]",
        "surprise",
        "problems[0].text",
        "follow_ups[0].owner",
        "follow_ups[0].due_on",
    }
    assert session.execute(select(Visit.id)).first() is None


def test_a_visit_in_the_future_is_refused_and_nothing_is_saved(api, world, at, session):
    fields = _fields(
        api(world.users["caseworker"]).post("/api/v1/visits", json=visit_body(world, visited_on=day(1).isoformat()))
    )
    assert "future" in fields["visited_on"]
    assert session.execute(select(Visit.id)).first() is None


def test_the_services_field_names_are_given_as_json_paths(api, world, at):
    """A refusal only the services make (a right's number without its type) names the JSON path."""
    body = visit_body(world, problems=[{"text": "仿冒", "right_number": "ZL201830123456.6"}])
    fields = _fields(api(world.users["caseworker"]).post("/api/v1/visits", json=body))
    assert list(fields) == ["problems[0].ip_type"]
    body = visit_body(world, contact={"phone": "call me"})
    assert list(_fields(api(world.users["caseworker"]).post("/api/v1/visits", json=body))) == ["contact.phone"]


def test_a_centre_out_of_scope_is_refused(api, world, at):
    for code in (world.sibling.code, "NOPE"):
        fields = _fields(api(world.users["caseworker"]).post("/api/v1/visits", json=visit_body(world, centre=code)))
        assert list(fields) == ["centre"]


def test_only_caseworkers_and_supervisors_record_visits(api, world, at):
    for role in ("applicant", "mediator", "admin", "fund_committee"):
        response = api(world.users[role]).post("/api/v1/visits", json=visit_body(world))
        assert response.status_code == 403, role


# ---- reads -----------------------------------------------------------------------------------------------------


def test_the_applicant_of_the_visited_enterprise_sees_it_without_notes(api, world, recorded):
    v = api(world.applicant).get(f"/api/v1/visits/{recorded['id']}").get_json()
    assert v["id"] == recorded["id"]
    assert "notes" not in v and "events" not in v and "cancel_reason" not in v
    assert not any(c["allowed"] for c in v["available_actions"])
    listed = api(world.applicant).get("/api/v1/visits").get_json()["items"]
    assert [i["id"] for i in listed] == [recorded["id"]] and "notes" not in listed[0]
    # another enterprise's applicant, a sibling centre's caseworker: not theirs (404, and not listed)
    for user in (world.other_applicant, world.sibling_caseworker):
        assert api(user).get(f"/api/v1/visits/{recorded['id']}").status_code == 404
        assert api(user).get("/api/v1/visits").get_json()["items"] == []


def test_a_planned_visit_is_not_the_applicants(api, world, at):
    cw, sup = world.users["caseworker"], world.users["supervisor"]
    planned = services.plan_visit(sup, centre=world.city, planned_on=day(2), staff=[cw], enterprises=[world.enterprise])
    assert api(world.applicant).get(f"/api/v1/visits/{planned.id}").status_code == 404
    assert api(cw).get(f"/api/v1/visits/{planned.id}").get_json()["state"] == "planned"


def test_the_list_filters_and_pages(api, world, at):
    client = api(world.users["caseworker"])
    march = [record(client, visit_body(world, visited_on=day(-i).isoformat())) for i in (1, 2, 3)]
    at.set(2026, 4, 2)
    april = record(client, visit_body(world, visited_on="2026-04-01", follow_ups=[]))
    everything = client.get("/api/v1/visits").get_json()
    assert [i["id"] for i in everything["items"]] == [april["id"], *[v["id"] for v in march]]
    assert "notes" in everything["items"][0] and "events" not in everything["items"][0]
    in_march = client.get("/api/v1/visits?month=2026-03").get_json()["items"]
    assert [i["id"] for i in in_march] == [v["id"] for v in march]
    assert [i["id"] for i in client.get("/api/v1/visits?state=closed").get_json()["items"]] == [april["id"]]
    assert client.get(f"/api/v1/visits?centre={world.county.code}").get_json()["items"] == []
    assert len(client.get(f"/api/v1/visits?centre={world.city.code}").get_json()["items"]) == 4
    code = world.enterprise.credit_code
    assert len(client.get(f"/api/v1/visits?enterprise={code}").get_json()["items"]) == 4
    assert client.get(f"/api/v1/visits?enterprise={world.other_enterprise.credit_code}").get_json()["items"] == []
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/visits?limit=1" + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["id"] for i in everything["items"]]
    for bad in ("month=2026-13", "state=gone", "limit=0", "cursor=abc", "cursor=MjAyNi0wMy0wOQ"):
        assert client.get(f"/api/v1/visits?{bad}").status_code == 422, bad


def test_compliance_of_the_month_per_centre_in_scope(api, world, at, session):
    from datetime import UTC, datetime

    for centre in (world.city, world.county):
        centre.created_at = datetime(2025, 1, 1, tzinfo=UTC)
    session.commit()
    at.set(2026, 4, 2)
    client = api(world.users["supervisor"])
    record(client, visit_body(world, visited_on="2026-03-20", follow_ups=[]))
    items = client.get("/api/v1/visits/compliance?month=2026-03").get_json()["items"]
    assert items == [
        {"centre": "CA", "month": "2026-03", "visits": 1, "required": 1, "met": True, "status": "met"},
        {"centre": "CAC", "month": "2026-03", "visits": 0, "required": 1, "met": False, "status": "short"},
    ]
    april = client.get("/api/v1/visits/compliance?month=2026-04").get_json()["items"]
    assert {i["status"] for i in april} == {"in_progress"}
    for bad in ("", "?month=2026-3", "?month=March"):
        assert client.get(f"/api/v1/visits/compliance{bad}").status_code == 422, bad
    assert api(world.applicant).get("/api/v1/visits/compliance?month=2026-03").status_code == 403


# ---- actions ---------------------------------------------------------------------------------------------------


def test_raise_case_answers_201_with_the_case_and_the_problem_names_it(api, world, recorded, session):
    client = api(world.users["supervisor"])  # did not go: the visiting caseworker answers first
    response = client.post(
        f"/api/v1/visits/{recorded['id']}/actions/raise_case",
        json={"version": recorded["version"], "data": {"problem": 0}},
    )
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["channel"] == "visit" and case["state"] == "acknowledged"
    assert case["first_responder"]["email"] == "caseworker@city.cn"
    assert case["enterprise"]["credit_code"] == world.enterprise.credit_code
    assert response.headers["Location"].endswith(f"/api/v1/cases/{case['number']}")
    v = client.get(f"/api/v1/visits/{recorded['id']}").get_json()
    assert v["problems"][0]["case"] == case["number"] and v["problems"][1]["case"] is None
    assert session.execute(select(Case.number)).scalar_one() == case["number"]
    # once only; a problem without its type of right cannot become a case; no such problem
    again = client.post(
        f"/api/v1/visits/{v['id']}/actions/raise_case", json={"version": v["version"], "data": {"problem": 0}}
    )
    assert again.status_code == 422 and error_of(again)["details"]["reasons"]
    for problem in (1, 7):
        refused = client.post(
            f"/api/v1/visits/{v['id']}/actions",
            json={"action": "raise_case", "version": v["version"], "data": {"problem": problem}},
        )
        assert refused.status_code == 422, problem
    assert len(session.execute(select(Case.id)).all()) == 1


def test_completing_the_last_follow_up_closes_the_visit(api, world, recorded):
    client = api(world.users["caseworker"])
    v = act(client, recorded, "complete_follow_up", data={"follow_up": 0}, comment="已寄送政策材料")
    assert v["state"] == "closed"
    done = v["follow_ups"][0]
    assert done["done"] is True and done["done_note"] == "已寄送政策材料"
    assert done["done_by"]["email"] == "caseworker@city.cn"
    assert [e["action"] for e in v["events"]][-2:] == ["complete_follow_up", "close"]
    # done already: the guard refuses (the visit is closed now)
    again = client.post(
        f"/api/v1/visits/{v['id']}/actions/complete_follow_up", json={"version": v["version"], "data": {"follow_up": 0}}
    )
    assert again.status_code == 422


def test_a_follow_up_that_is_not_the_visits_is_refused_with_reasons(api, world, recorded):
    response = api(world.users["caseworker"]).post(
        f"/api/v1/visits/{recorded['id']}/actions/complete_follow_up",
        json={"version": recorded["version"], "data": {"follow_up": 3}},
    )
    assert response.status_code == 422
    assert error_of(response)["details"]["reasons"]


def test_a_stale_version_answers_409_and_data_of_another_action_422(api, world, recorded):
    client = api(world.users["caseworker"])
    stale = client.post(
        f"/api/v1/visits/{recorded['id']}/actions/complete_follow_up",
        json={"version": recorded["version"] + 1, "data": {"follow_up": 0}},
    )
    assert stale.status_code == 409
    other = client.post(
        f"/api/v1/visits/{recorded['id']}/actions/complete_follow_up",
        json={"version": recorded["version"], "data": {"follow_up": 0, "problem": 0}},
    )
    assert list(_fields(other)) == ["data.problem"]
    assert client.post(f"/api/v1/visits/{recorded['id']}/actions/fly", json={"version": 1}).status_code == 404


def test_the_actions_list_says_what_the_caller_may_do(api, world, recorded):
    checks = api(world.users["caseworker"]).get(f"/api/v1/visits/{recorded['id']}/actions").get_json()
    allowed = {c["action"] for c in checks if c["allowed"]}
    assert {"raise_case", "complete_follow_up"} <= allowed and "cancel" not in allowed
    assert (
        api(world.applicant)
        .post(f"/api/v1/visits/{recorded['id']}/actions/raise_case", json={"version": 1, "data": {"problem": 0}})
        .status_code
        == 403
    )


def test_a_planned_visit_is_replanned_recorded_or_cancelled_through_actions(api, world, at):
    cw, sup = world.users["caseworker"], world.users["supervisor"]
    planned = services.plan_visit(sup, centre=world.city, planned_on=day(2), staff=[cw], enterprises=[world.enterprise])
    client = api(sup)
    v = client.get(f"/api/v1/visits/{planned.id}").get_json()
    v = act(
        client,
        v,
        "replan",
        data={
            "planned_on": day(3).isoformat(),
            "staff": [cw.email, sup.email],
            "enterprises": [world.enterprise.credit_code],
        },
    )
    assert v["planned_on"] == day(3).isoformat() and len(v["staff"]) == 2
    refused = client.post(
        f"/api/v1/visits/{v['id']}/actions/replan",
        json={
            "version": v["version"],
            "data": {"planned_on": day(3).isoformat(), "staff": ["x@y.cn"], "enterprises": []},
        },
    )
    assert list(_fields(refused)) == ["data.staff[0]"]
    cancel = client.post(f"/api/v1/visits/{v['id']}/actions/cancel", json={"version": v["version"]})
    assert list(_fields(cancel)) == ["comment"]
    assert (
        api(cw)
        .post(f"/api/v1/visits/{v['id']}/actions/cancel", json={"version": v["version"], "comment": "x"})
        .status_code
        == 403
    )
    # recorded by the caseworker (its date not in the future: the services' time is moved to the plan's day)
    at.set(*map(int, day(3).isoformat().split("-")), hh=18)
    body = visit_body(world, visited_on=day(3).isoformat(), follow_ups=[])
    del body["centre"]
    done = act(api(cw), v, "record", data=body)
    assert done["state"] == "closed" and done["visited_on"] == day(3).isoformat()
    assert [e["action"] for e in done["events"]] == ["plan", "replan", "record", "close"]
    bad = api(cw).post(
        f"/api/v1/visits/{done['id']}/actions/record", json={"version": done["version"], "data": {"centre": "CA"}}
    )
    assert bad.status_code == 422


def test_a_record_action_names_bad_fields_under_data(api, world, at):
    cw, sup = world.users["caseworker"], world.users["supervisor"]
    planned = services.plan_visit(sup, centre=world.city, planned_on=day(0), staff=[cw], enterprises=[world.enterprise])
    body = visit_body(world, staff=["nobody@example.cn"], visited_on=day(2).isoformat())
    del body["centre"]
    response = api(cw).post(f"/api/v1/visits/{planned.id}/actions/record", json={"version": 1, "data": body})
    assert set(_fields(response)) >= {"data.staff[0]", "data.visited_on"}


def test_an_issued_visit_record_is_listed_and_served(api, world, recorded, session):
    from app.visits.documents import issue_record

    visit = session.get(Visit, recorded["id"])
    document = issue_record(world.users["caseworker"], visit, language="zh_CN")
    session.commit()
    for user in (world.users["caseworker"], world.applicant):
        v = api(user).get(f"/api/v1/visits/{visit.id}").get_json()
        assert [d["id"] for d in v["documents"]] == [document.id]
        response = api(user).get(f"/api/v1/visits/{visit.id}/documents/{document.id}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")
    assert (
        api(world.users["caseworker"]).get(f"/api/v1/visits/{visit.id}/documents/{document.id + 1}").status_code == 404
    )
    assert api(world.sibling_caseworker).get(f"/api/v1/visits/{visit.id}/documents/{document.id}").status_code == 404


def test_roles_that_never_act_on_visits(api, world, recorded):
    assert world.users["mediator"].role is Role.MEDIATOR
    response = api(world.users["mediator"]).post(
        f"/api/v1/visits/{recorded['id']}/actions/complete_follow_up", json={"version": 1, "data": {"follow_up": 0}}
    )
    assert response.status_code == 403


def test_a_page_of_visits_is_read_in_a_fixed_number_of_statements(api, world, at, count_statements):
    client = api(world.users["caseworker"])

    def statements_for_the_list() -> tuple[int, int]:
        with count_statements() as statements:
            items = client.get("/api/v1/visits?limit=100").get_json()["items"]
        return len(items), len(statements)

    record(client, visit_body(world))
    one = statements_for_the_list()
    owner = world.users["supervisor"].email
    for i in range(2, 6):
        follow_ups = [{"text": "回访", "owner": owner, "due_on": day(3).isoformat()}]
        record(client, visit_body(world, visited_on=day(-i).isoformat(), follow_ups=follow_ups))
    five = statements_for_the_list()
    assert (one[0], five[0]) == (1, 5)
    assert five[1] == one[1]


def test_a_refused_body_is_answered_before_the_visit_is_read(api, world, recorded, count_statements):
    """An action's body is checked first: a refused one costs no read of the visit and its parts, and answers
    the same whether the visit exists or not (nothing is told of another's)."""
    client = api(world.users["caseworker"])
    answers = {}
    for visit_id in (recorded["id"], 987654):
        for route, (path, body) in enumerate(
            (
                (f"/api/v1/visits/{visit_id}/actions/complete_follow_up", {"version": "one", "data": {"follow_up": 0}}),
                (f"/api/v1/visits/{visit_id}/actions", {"action": "complete_follow_up", "version": -1}),
            )
        ):
            with count_statements() as statements:
                response = client.post(path, json=body)
            read = [s for s in statements if " visit" in s.lower()]
            assert response.status_code == 422 and not read, read
            answers.setdefault(route, []).append(error_of(response)["details"]["fields"])
    assert all(a == b for a, b in answers.values()), answers
    # A valid body still meets the scope rule: an unknown visit is 404.
    response = client.post(
        "/api/v1/visits/987654/actions/complete_follow_up", json={"version": 1, "data": {"follow_up": 0}}
    )
    assert response.status_code == 404
