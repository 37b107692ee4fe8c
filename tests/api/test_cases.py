"""Cases through the API: filing, reading, listing with a cursor, and workflow actions, with the same
rules as the pages (scope answers 404, a role that may never act 403, a guard 422 with reasons, a stale
version 409)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.cases import services
from app.cases.models import Case
from app.enterprises.models import Enterprise
from tests.api.conftest import error_of
from tests.conftest import ALL_CONDITIONS, VALID_UTILITY_MODEL
from tests.helpers import valid_credit_code

CASE_FIELDS = {
    "number",
    "kind",
    "channel",
    "state",
    "version",
    "enterprise",
    "ip_right",
    "ip_rights",
    "respondent",
    "respondents",
    "first_responder",
    "owner",
    "centre",
    "created_at",
    "submitted_at",
    "claimed_amount_fen",
    "priority",
    "clocks",
}


def new_case(enterprise, /, **overrides) -> dict:
    body = {
        "kind": "complaint",
        "channel": "hotline",
        "enterprise": {"credit_code": enterprise.credit_code, "name": enterprise.name},
        "ip_right": {"type": "utility_model", "number": VALID_UTILITY_MODEL, "title": "一种折叠式支架"},
        "respondent": {"name": "某某科技有限公司", "credit_code": None, "address": None, "url": None},
        "facts": "被投诉人在电商平台销售与本专利相同的产品。",
        "claimed_amount_fen": 5_000_000,
        "draft": False,
    }
    body.update(overrides)
    return body


def aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.utcoffset() is not None, text
    return value


# ---- filing --------------------------------------------------------------------------------------


def test_staff_file_a_hotline_case_and_become_first_responder(api, world):
    caseworker = world.users["caseworker"]
    response = api(caseworker).post("/api/v1/cases", json=new_case(world.enterprise))
    assert response.status_code == 201, response.get_data(as_text=True)
    case = response.get_json()
    assert CASE_FIELDS <= set(case)
    assert case["number"].startswith("CA-") and response.headers["Location"].endswith(f"/api/v1/cases/{case['number']}")
    assert (case["kind"], case["channel"], case["state"]) == ("complaint", "hotline", "acknowledged")
    assert case["enterprise"] == {
        "credit_code": world.enterprise.credit_code,
        "name": world.enterprise.name,
        "size_class": world.enterprise.size_class.value,
    }
    assert case["ip_right"] == {"type": "utility_model", "number": VALID_UTILITY_MODEL, "title": "一种折叠式支架"}
    assert case["ip_rights"] == [case["ip_right"]]
    assert case["respondent"] == {"name": "某某科技有限公司", "credit_code": None, "address": None, "url": None}
    assert case["first_responder"] == {"email": caseworker.email, "name": caseworker.name}
    assert case["owner"] == case["first_responder"]
    assert case["centre"]["code"] == "CA" and case["centre"]["name"]
    assert case["claimed_amount_fen"] == 5_000_000
    # Filed by staff, the case counts as acknowledged at once: the response clock is met, handling runs.
    clocks = {c["name"]: c for c in case["clocks"]}
    assert set(clocks) == {"response", "handling"}
    assert clocks["response"]["met_at"] is not None and clocks["handling"]["met_at"] is None
    assert aware(clocks["handling"]["due_at"]) > aware(clocks["handling"]["started_at"])
    aware(case["created_at"])
    aware(case["submitted_at"])
    assert [e["action"] for e in case["events"]] == ["create", "submit", "acknowledge"]


def test_draft_true_keeps_a_draft(api, world):
    response = api(world.applicant).post(
        "/api/v1/cases", json=new_case(world.enterprise, channel="web", draft=True, facts=None)
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    case = response.get_json()
    assert case["state"] == "draft" and case["submitted_at"] is None and case["first_responder"] is None


def test_applicant_files_for_own_enterprise_on_the_web_only(api, world):
    client = api(world.applicant)
    response = client.post("/api/v1/cases", json=new_case(world.enterprise, channel="web"))
    assert response.status_code == 201 and response.get_json()["state"] == "submitted"

    response = client.post("/api/v1/cases", json=new_case(world.enterprise, channel="hotline"))
    assert response.status_code == 422
    assert set(error_of(response)["details"]["fields"]) == {"channel"}

    response = client.post("/api/v1/cases", json=new_case(world.other_enterprise, channel="web"))
    assert response.status_code == 422
    assert set(error_of(response)["details"]["fields"]) == {"enterprise.credit_code"}

    unknown = {"credit_code": valid_credit_code(), "name": "不存在"}
    response = client.post("/api/v1/cases", json=new_case(world.enterprise, channel="web", enterprise=unknown))
    assert response.status_code == 422, "an unknown code answers as another's, so codes cannot be probed"
    assert set(error_of(response)["details"]["fields"]) == {"enterprise.credit_code"}


def test_roles_that_may_not_file_get_403(api, world):
    for role in ("mediator", "fund_committee", "admin"):
        response = api(world.users[role]).post("/api/v1/cases", json=new_case(world.enterprise))
        assert response.status_code == 403, role
        assert error_of(response)["code"] == "forbidden"


def test_staff_cannot_file_for_an_enterprise_outside_their_scope(api, world):
    response = api(world.users["caseworker"]).post("/api/v1/cases", json=new_case(world.other_enterprise))
    assert response.status_code == 422
    assert set(error_of(response)["details"]["fields"]) == {"enterprise.credit_code"}


def test_staff_record_an_unknown_enterprise_only_with_enough_data(api, world, session):
    client = api(world.users["caseworker"])
    code = valid_credit_code()
    response = client.post("/api/v1/cases", json=new_case(world.enterprise, enterprise={"credit_code": code}))
    assert response.status_code == 422
    fields = error_of(response)["details"]["fields"]
    assert set(fields) == {"enterprise.name"}  # code and name are enough (the size class is then unknown)
    # The figures come together or not at all.
    partial = {"credit_code": code, "name": "热线来电企业有限公司", "industry": "industry"}
    response = client.post("/api/v1/cases", json=new_case(world.enterprise, enterprise=partial))
    assert response.status_code == 422
    assert set(error_of(response)["details"]["fields"]) == {"enterprise.staff_count", "enterprise.revenue_wan"}
    assert session.execute(select(Enterprise).where(Enterprise.credit_code == code)).first() is None

    firm = {
        "credit_code": code.lower(),
        "name": "热线来电企业有限公司",
        "industry": "industry",
        "staff_count": 30,
        "revenue_wan": "800.5",
    }
    response = client.post("/api/v1/cases", json=new_case(world.enterprise, enterprise=firm))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["enterprise"] == {
        "credit_code": code,
        "name": "热线来电企业有限公司",
        "size_class": "small",
    }
    recorded = session.execute(select(Enterprise).where(Enterprise.credit_code == code)).scalar_one()
    assert recorded.centre_id == world.city.id and str(recorded.revenue_wan) == "800.50"

    # An industry whose size rule needs total assets asks for them.
    other = {**firm, "credit_code": valid_credit_code(), "industry": "real_estate_development"}
    response = client.post("/api/v1/cases", json=new_case(world.enterprise, enterprise=other))
    assert response.status_code == 422
    assert set(error_of(response)["details"]["fields"]) == {"enterprise.assets_wan"}


def test_service_field_names_map_to_json_paths(api, world):
    client = api(world.users["caseworker"])
    cases = [
        ({"ip_right": {"type": "utility_model", "number": "123"}}, "ip_right.number"),
        ({"ip_right": None}, "ip_right.type"),
        ({"respondent": {"name": "某公司", "credit_code": "91440300708461136X"}}, "respondent.credit_code"),
        ({"facts": ""}, "facts"),
        ({"enterprise": {"credit_code": "123"}}, "enterprise.credit_code"),
        ({"ip_rights": [{"type": "design", "number": "bad"}], "ip_right": None}, "ip_rights"),
    ]
    for override, path in cases:
        response = client.post("/api/v1/cases", json=new_case(world.enterprise, **override))
        assert response.status_code == 422, override
        assert set(error_of(response)["details"]["fields"]) == {path}, (override, response.get_json())


def test_messages_follow_accept_language(api, world):
    body = new_case(world.enterprise, enterprise={"credit_code": "123"})
    english = api(world.users["caseworker"], language="en").post("/api/v1/cases", json=body)
    chinese = api(world.users["caseworker"], language="zh-CN").post("/api/v1/cases", json=body)
    assert "18 characters" in error_of(english)["message"]
    assert "统一社会信用代码" in error_of(chinese)["message"]
    default = api(world.users["caseworker"], language="").post("/api/v1/cases", json=body)
    assert "统一社会信用代码" in error_of(default)["message"], "zh-CN is the default"


# ---- reading -------------------------------------------------------------------------------------


def test_staff_see_the_whole_audit_trail_applicants_never_internal_notes(api, world, make_case, session):
    caseworker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    services.add_note(case, caseworker, "内部备注：申请人此前有类似投诉")
    session.commit()

    staff_view = api(caseworker).get(f"/api/v1/cases/{case.number}").get_json()
    assert CASE_FIELDS <= set(staff_view)
    actions = [e["action"] for e in staff_view["events"]]
    assert actions == ["create", "submit", "acknowledge", "note"]
    note = staff_view["events"][-1]
    assert note["visibility"] == "internal" and note["actor"]["email"] == caseworker.email
    assert note["comment"].startswith("内部备注") and len(note["hash"]) == 64
    assert [e["seq"] for e in staff_view["events"]] == [1, 2, 3, 4]

    applicant_view = api(world.applicant).get(f"/api/v1/cases/{case.number}")
    assert applicant_view.status_code == 200
    events = applicant_view.get_json()["events"]
    assert events and all(e["visibility"] == "applicant" for e in events)
    assert "内部备注" not in applicant_view.get_data(as_text=True)


@pytest.mark.parametrize(
    "who",
    ["sibling_caseworker", "other_applicant"],
)
def test_cases_outside_the_callers_scope_are_404(api, world, make_case, who):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    client = api(getattr(world, who))
    for path in (
        f"/api/v1/cases/{case.number}",
        f"/api/v1/cases/{case.number}/actions",
        f"/api/v1/cases/{case.number}/documents",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "not_found"
    response = client.post(f"/api/v1/cases/{case.number}/actions/withdraw", json={"version": case.version})
    assert response.status_code == 404
    assert case.number not in client.get("/api/v1/cases").get_data(as_text=True)


def test_an_applicants_draft_is_not_shown_to_staff(api, world, make_case):
    draft = make_case(world.applicant, world.enterprise, state="draft")
    assert draft.number is None and draft.ref == f"draft-{draft.id}"  # a draft takes no number
    assert api(world.users["caseworker"]).get(f"/api/v1/cases/{draft.ref}").status_code == 404
    assert api(world.applicant).get(f"/api/v1/cases/{draft.ref}").status_code == 200


def test_the_province_sees_the_citys_cases(api, world, make_case):
    case = make_case(world.applicant, world.enterprise)
    assert api(world.province_admin).get(f"/api/v1/cases/{case.number}").status_code == 200


# ---- the list ------------------------------------------------------------------------------------


def test_list_is_scoped_and_filtered(api, world, make_case):
    caseworker = world.users["caseworker"]
    mine = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    make_case(world.applicant, world.enterprise, kind="consultation", rights=[], respondents=[])
    elsewhere = make_case(world.other_applicant, world.other_enterprise)
    client = api(caseworker)

    numbers = [c["number"] for c in client.get("/api/v1/cases").get_json()["items"]]
    assert mine.number in numbers and elsewhere.number not in numbers and len(numbers) == 2

    items = client.get("/api/v1/cases?state=acknowledged").get_json()["items"]
    assert [c["number"] for c in items] == [mine.number]
    assert "events" not in items[0] and CASE_FIELDS <= set(items[0])
    assert len(client.get("/api/v1/cases?kind=consultation").get_json()["items"]) == 1
    assert len(client.get("/api/v1/cases?ip_type=utility_model&channel=web").get_json()["items"]) == 1
    assert client.get("/api/v1/cases?ip_type=trademark").get_json()["items"] == []
    assert len(client.get("/api/v1/cases?q=某某科技").get_json()["items"]) == 1
    assert client.get("/api/v1/cases?q=100%25").get_json()["items"] == []
    found = client.get("/api/v1/cases?q=ZL2023201234561").get_json()["items"]
    assert [c["number"] for c in found] == [mine.number], "a patent number in another accepted form"
    assert client.get("/api/v1/cases?overdue=true").get_json()["items"] == [], "every clock was just started"
    assert len(client.get("/api/v1/cases?state=&kind=&overdue=false").get_json()["items"]) == 2

    other_view = api(world.other_applicant).get("/api/v1/cases").get_json()["items"]
    assert [c["number"] for c in other_view] == [elsewhere.number]


@pytest.mark.parametrize(
    "query, field",
    [
        ("state=open", "state"),
        ("kind=COMPLAINT", "kind"),
        ("ip_type=patent", "ip_type"),
        ("channel=fax", "channel"),
        ("overdue=maybe", "overdue"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=99999999999999999999", "limit"),
        ("limit=abc", "limit"),
        ("limit=", "limit"),  # an empty limit is not a number (found by schemathesis)
        ("cursor=notbase64!", "cursor"),
        ("cursor=W10", "cursor"),  # base64 of []
        ("cursor=WyIyMDI0LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgOTk5OTk5OTk5OTk5XQ", "cursor"),  # id beyond int32
        ("cursor=WyIyMDI0LTAxLTAxVDAwOjAwOjAwIiwgMV0", "cursor"),  # time without offset
        ("cursor=WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzE0OjAwIiwgMV0", "cursor"),  # before year 1 in UTC
        ("q=" + "x" * 201, "q"),
    ],
)
def test_invalid_list_parameters_are_422_naming_the_field(api, world, query, field):
    response = api(world.users["caseworker"]).get(f"/api/v1/cases?{query}")
    assert response.status_code == 422, response.get_data(as_text=True)
    error = error_of(response)
    assert error["code"] == "invalid" and set(error["details"]["fields"]) == {field}


def test_cursor_walks_the_whole_list_without_duplicates_or_gaps(api, world, make_case, session):
    caseworker = world.users["caseworker"]
    cases = [make_case(world.applicant, world.enterprise) for _ in range(7)]
    # Two cases filed at the very same instant: the id breaks the tie.
    same = cases[0].created_at
    for case in cases[3:5]:
        case.created_at = same
    session.commit()
    expected = [c.number for c in sorted(cases, key=lambda c: (c.created_at, c.id), reverse=True)]

    client = api(caseworker)
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/cases?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        seen += [c["number"] for c in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert pages < 10
    assert seen == expected
    assert pages == 3


def test_list_reads_a_bounded_number_of_statements(api, world, make_case, app):
    """The page's cases, their rights, respondents and clocks: one statement each, however many cases."""
    from sqlalchemy import event

    for _ in range(5):
        make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    client = api(world.users["caseworker"])
    client.get("/api/v1/cases")  # the token's use is recorded once
    engine = app.extensions["db_engine"]

    def selects_for(url):
        statements = []

        def count(*args):
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            body = client.get(url).get_json()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert all(len(item["clocks"]) == 2 for item in body["items"])
        return len(body["items"]), [s for s in statements if s.lstrip().upper().startswith("SELECT")]

    few, few_selects = selects_for("/api/v1/cases?limit=2")
    many, many_selects = selects_for("/api/v1/cases?limit=5")
    assert (few, many) == (2, 5)
    assert len(many_selects) == len(few_selects) <= 7, many_selects
    assert sum("FROM case_clocks" in s for s in many_selects) == 1


# ---- actions -------------------------------------------------------------------------------------


def test_actions_list_says_what_is_allowed_and_why_not(api, world, make_case):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    body = api(world.users["caseworker"]).get(f"/api/v1/cases/{case.number}/actions").get_json()
    by_name = {a["action"]: a for a in body}
    assert by_name["accept"]["allowed"] is True and "reasons" not in by_name["accept"]
    assert by_name["submit"]["allowed"] is False and by_name["submit"]["reasons"]
    assert "reopen" not in by_name, "a caseworker may never reopen"

    applicant = api(world.applicant).get(f"/api/v1/cases/{case.number}/actions").get_json()
    assert {a["action"] for a in applicant} <= {"submit", "provide_material", "withdraw", "rate"}
    assert {a["action"] for a in applicant if a["allowed"]} == {"withdraw"}


def test_taking_actions_through_the_one_door(api, world, make_case, session):
    caseworker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    client = api(caseworker)
    version = api(caseworker).get(f"/api/v1/cases/{case.number}").get_json()["version"]

    response = client.post(
        f"/api/v1/cases/{case.number}/actions/accept",
        json={"version": version, "comment": "受理", "data": {"conditions": ALL_CONDITIONS}},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["state"] == "accepted" and body["version"] > version
    accepted = [e for e in body["events"] if e["action"] == "accept"]
    assert len(accepted) == 1 and accepted[0]["actor"]["email"] == caseworker.email
    session.expire_all()
    assert session.get(Case, case.id).state.value == "accepted"

    # The same version again: someone (here: we) changed the case meanwhile.
    response = client.post(
        f"/api/v1/cases/{case.number}/actions/start_handling", json={"version": version, "comment": ""}
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"

    response = client.post(f"/api/v1/cases/{case.number}/actions/start_handling", json={"version": body["version"]})
    assert response.status_code == 200 and response.get_json()["state"] == "in_progress"


def test_a_guard_answers_422_with_every_reason(api, world, make_case):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    response = api(world.users["caseworker"]).post(
        f"/api/v1/cases/{case.number}/actions/decline", json={"version": case.version, "data": {}}
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid" and len(error["details"]["reasons"]) == 2  # no reason and no comment

    response = api(world.users["caseworker"]).post(
        f"/api/v1/cases/{case.number}/actions/close", json={"version": case.version}
    )
    assert response.status_code == 422, "wrong state"
    assert error_of(response)["details"]["reasons"]


def test_a_role_that_may_never_take_the_action_gets_403(api, world, make_case):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    response = api(world.applicant).post(
        f"/api/v1/cases/{case.number}/actions/accept",
        json={"version": case.version, "data": {"conditions": ALL_CONDITIONS}},
    )
    assert response.status_code == 403
    assert error_of(response)["details"]["reasons"]
    response = api(world.users["caseworker"]).post(
        f"/api/v1/cases/{case.number}/actions/reopen", json={"version": case.version, "comment": "x"}
    )
    assert response.status_code == 403
    response = api(world.users["admin"]).post(
        f"/api/v1/cases/{case.number}/actions/withdraw", json={"version": case.version, "comment": "x"}
    )
    assert response.status_code == 403, "an admin sees the case but takes no workflow action"


def test_unknown_action_or_case_is_404(api, world, make_case):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    client = api(world.users["caseworker"])
    response = client.post(f"/api/v1/cases/{case.number}/actions/explode", json={"version": case.version})
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    response = client.post("/api/v1/cases/CA-2020-99999/actions/accept", json={"version": 1})
    assert response.status_code == 404


def test_applicant_withdraws_own_case(api, world, make_case):
    case = make_case(world.applicant, world.enterprise)
    response = api(world.applicant).post(
        f"/api/v1/cases/{case.number}/actions/withdraw", json={"version": case.version, "comment": "已和解"}
    )
    assert response.status_code == 200 and response.get_json()["state"] == "withdrawn"
