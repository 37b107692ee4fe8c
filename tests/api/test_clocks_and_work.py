"""Clocks in the case object, handover and transfer as actions, the ``overdue`` filter and "my work",
through the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.auth.models import Role
from app.cases import services
from tests.api.conftest import error_of
from tests.conftest import ACTION_INPUT

CLOCK_FIELDS = {"name", "due_at", "met_at", "is_paused", "is_overdue", "started_at", "trigger", "is_due_soon"}


def aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.utcoffset() is not None, text
    return value


@pytest.fixture
def back_then(monkeypatch):
    """``back_then(datetime)``: the one door acts at that (UTC) time until ``back_then(None)``."""
    from app.core.db import utcnow

    def set_time(moment):
        monkeypatch.setattr(services, "utcnow", (lambda: moment) if moment is not None else utcnow)

    return set_time


@pytest.fixture
def colleague(world, make_user):
    return make_user(Role.CASEWORKER, centre=world.city, email="colleague@city.cn", name="同事")


def post_action(client, case_number, action, version, comment=None, **data):
    body = {"version": version, "data": data}
    if comment is not None:
        body["comment"] = comment
    return client.post(f"/api/v1/cases/{case_number}/actions/{action}", json=body)


def read(client, number) -> dict:
    response = client.get(f"/api/v1/cases/{number}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# ---- clocks ----------------------------------------------------------------------------------------


def test_the_case_object_carries_its_clocks(api, world, make_case, back_then):
    worker = world.users["caseworker"]
    back_then(datetime(2025, 3, 3, 2, 0, tzinfo=UTC))  # Monday 10:00 in China
    case = make_case(world.applicant, world.enterprise, state="submitted")
    back_then(None)

    body = read(api(worker), case.number)
    (response,) = body["clocks"]
    assert CLOCK_FIELDS <= set(response)
    assert (response["name"], response["trigger"], response["working_days"]) == ("response", "response", 1)
    assert aware(response["started_at"]) == datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
    # One working day: the end of Tuesday 4 March in China.
    assert aware(response["due_at"]).astimezone(UTC).date() == datetime(2025, 3, 4, tzinfo=UTC).date()
    assert response["met_at"] is None and response["unknown_year"] is None
    assert (response["is_paused"], response["is_overdue"], response["is_due_soon"]) == (False, True, False)
    assert aware(body["next_due_at"]) == aware(response["due_at"])
    # The applicant sees the clocks too (they are the centre's promise to them).
    assert read(api(world.applicant), case.number)["clocks"] == body["clocks"]


def test_a_paused_clock_is_shown_paused_and_never_overdue(api, world, make_case, back_then):
    worker = world.users["caseworker"]
    back_then(datetime(2025, 3, 3, 2, 0, tzinfo=UTC))
    case = make_case(world.applicant, world.enterprise, state="awaiting_material", staff=worker)
    back_then(None)

    body = read(api(worker), case.number)
    clocks = {c["name"]: c for c in body["clocks"]}
    assert clocks["response"]["met_at"] is not None and clocks["response"]["is_overdue"] is False
    handling = clocks["handling"]
    assert handling["is_paused"] is True and handling["paused_at"] is not None
    assert handling["is_overdue"] is False and handling["is_due_soon"] is False
    assert body["next_due_at"] is None


def test_the_overdue_filter(api, world, make_case, back_then):
    worker = world.users["caseworker"]
    back_then(datetime(2025, 3, 3, 2, 0, tzinfo=UTC))
    late = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    paused = make_case(world.applicant, world.enterprise, state="awaiting_material", staff=worker)
    back_then(None)
    fresh = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    back_then(datetime(2025, 3, 3, 2, 0, tzinfo=UTC))
    elsewhere_late = make_case(world.other_applicant, world.other_enterprise, state="submitted")
    back_then(None)

    client = api(worker)
    overdue = [c["number"] for c in client.get("/api/v1/cases?overdue=true").get_json()["items"]]
    assert overdue == [late.number], "paused and fresh cases are not overdue; another centre's is not shown"
    on_time = {c["number"] for c in client.get("/api/v1/cases?overdue=false").get_json()["items"]}
    assert on_time == {paused.number, fresh.number}
    assert elsewhere_late.number not in on_time
    items = client.get("/api/v1/cases?overdue=true&state=acknowledged").get_json()["items"]
    assert [c["number"] for c in items] == [late.number]
    assert any(c["is_overdue"] for c in items[0]["clocks"])


# ---- handover and transfer ---------------------------------------------------------------------------


def test_a_handover_offered_and_accepted_through_the_api(api, world, make_case, colleague):
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    mine, theirs = api(worker), api(colleague)
    version = read(mine, case.number)["version"]

    response = post_action(mine, case.number, "offer_handover", version, "请接手", to_user="Colleague@City.cn")
    assert response.status_code == 200, response.get_data(as_text=True)
    offered = response.get_json()
    assert offered["owner"]["email"] == worker.email, "nothing changes until it is accepted"
    assert [e["data"] for e in offered["events"] if e["action"] == "offer_handover"] == [{"to_user": colleague.email}]

    work = theirs.get("/api/v1/my-work").get_json()
    (offer,) = work["offers"]
    assert offer["kind"] == "handover" and offer["case"] == case.number and offer["comment"] == "请接手"
    assert offer["from_user"]["email"] == worker.email and offer["to_user"]["email"] == colleague.email
    assert offer["to_centre"] is None and aware(offer["offered_at"])
    assert mine.get("/api/v1/my-work").get_json()["offers"] == [], "an offer is for its receiver"

    # Someone else may not answer it; the one it is offered to accepts.
    response = post_action(api(world.users["supervisor"]), case.number, "accept_handover", offered["version"])
    assert response.status_code == 422
    assert "No handover of this case is offered to you." in error_of(response)["details"]["reasons"]
    response = post_action(theirs, case.number, "accept_handover", offered["version"])
    assert response.status_code == 200, response.get_data(as_text=True)
    accepted = response.get_json()
    assert accepted["owner"]["email"] == colleague.email
    assert accepted["first_responder"]["email"] == worker.email, "the first responder never changes"

    assert [c["number"] for c in theirs.get("/api/v1/my-work").get_json()["owned"]] == [case.number]
    worker_work = mine.get("/api/v1/my-work").get_json()
    assert worker_work["owned"] == [] and [c["number"] for c in worker_work["first_taken"]] == [case.number]
    assert worker_work["first_taken"][0]["clocks"], "case objects in full, with their clocks"


def test_a_handover_declined_changes_nothing(api, world, make_case, colleague):
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    version = post_action(api(worker), case.number, "offer_handover", case.version, to_user=colleague.email)
    version = version.get_json()["version"]
    response = post_action(api(colleague), case.number, "decline_handover", version)
    assert response.status_code == 422, "a comment is required to decline"
    response = post_action(api(colleague), case.number, "decline_handover", version, "手头案件太多")
    assert response.status_code == 200
    assert response.get_json()["owner"]["email"] == worker.email
    assert api(colleague).get("/api/v1/my-work").get_json()["offers"] == []


@pytest.mark.parametrize(
    "to_user, reason",
    [
        ("nobody@city.cn", "No staff account has that e-mail."),
        ("caseworker@city.cn", "You cannot hand a case over to yourself."),
        ("cw@sibling.cn", "does not work at this case's centre"),
        ("applicant@city.cn", "No staff account has that e-mail."),
        ("", "Name the colleague"),
    ],
)
def test_a_handover_to_the_wrong_person_is_refused_with_reasons(api, world, make_case, to_user, reason):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    response = post_action(api(world.users["caseworker"]), case.number, "offer_handover", case.version, to_user=to_user)
    assert response.status_code == 422, response.get_data(as_text=True)
    reasons = error_of(response)["details"]["reasons"]
    assert any(reason in r for r in reasons), reasons


@pytest.mark.parametrize(
    "action, data, field",
    [
        ("offer_handover", {"to_user": 5}, "data.to_user"),
        ("offer_handover", {"to_user": ["colleague@city.cn"]}, "data.to_user"),
        ("offer_handover", {"to_user": {"email": "colleague@city.cn"}}, "data.to_user"),
        ("offer_handover", {"to_user": True}, "data.to_user"),
        ("offer_handover", {"to_user": "x" * 300 + "@city.cn"}, "data.to_user"),
        ("offer_transfer", {"to_centre": 7}, "data.to_centre"),
        ("offer_transfer", {"to_centre": ["CB"]}, "data.to_centre"),
        ("offer_transfer", {"to_centre": "C" * 41}, "data.to_centre"),
    ],
)
def test_receivers_of_the_wrong_type_are_422_naming_the_field(api, world, make_case, action, data, field):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    response = api(world.users["caseworker"]).post(
        f"/api/v1/cases/{case.number}/actions/{action}", json={"version": case.version, "comment": "移交", "data": data}
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert set(error_of(response)["details"]["fields"]) == {field}


@pytest.mark.parametrize("code", ["NOPE", "  ", "cb-x"])
def test_a_transfer_to_a_centre_that_does_not_exist_is_422(api, world, make_case, code, session):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    before = case.version
    response = post_action(
        api(world.users["caseworker"]), case.number, "offer_transfer", case.version, "移交", to_centre=code
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    reasons = error_of(response)["details"]["reasons"]
    assert reasons and all(isinstance(r, str) for r in reasons)
    assert read(api(world.users["caseworker"]), case.number)["version"] == before, "nothing changed"


def test_a_transfer_is_seen_and_accepted_by_the_receiving_centre(api, world, make_case, make_user):
    worker = world.users["caseworker"]
    far = make_user(Role.CASEWORKER, centre=world.other_province, email="cw@far.cn", name="外省工作人员")
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    far_client = api(far)
    assert far_client.get(f"/api/v1/cases/{case.number}").status_code == 404, "not theirs before the offer"

    response = post_action(api(worker), case.number, "offer_transfer", case.version, "属外省管辖", to_centre="pb")
    assert response.status_code == 200, response.get_data(as_text=True)
    version = response.get_json()["version"]

    body = read(far_client, case.number)  # the centre a transfer is offered to sees the case
    assert body["centre"]["code"] == "CA"
    (offer,) = far_client.get("/api/v1/my-work").get_json()["offers"]
    assert (offer["kind"], offer["case"], offer["to_user"]) == ("transfer", case.number, None)
    assert offer["to_centre"]["code"] == "PB" and offer["from_centre"]["code"] == "CA"
    actions = {a["action"]: a for a in far_client.get(f"/api/v1/cases/{case.number}/actions").get_json()}
    assert actions["accept_transfer"]["allowed"] is True

    response = post_action(far_client, case.number, "accept_transfer", version)
    assert response.status_code == 200, response.get_data(as_text=True)
    moved = response.get_json()
    assert moved["centre"]["code"] == "PB" and moved["owner"]["email"] == far.email
    assert moved["first_responder"]["email"] == worker.email
    # The first responder still follows the case beyond their subtree.
    assert read(api(worker), case.number)["centre"]["code"] == "PB"
    assert [c["number"] for c in api(worker).get("/api/v1/my-work").get_json()["first_taken"]] == [case.number]


def test_a_stale_version_is_409_and_offers_nothing(api, world, make_case, colleague):
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    stale = case.version
    services.transition(case, "request_material", worker, **ACTION_INPUT["request_material"])
    from app.extensions import db

    db.session.commit()
    response = post_action(api(worker), case.number, "offer_handover", stale, to_user=colleague.email)
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert api(colleague).get("/api/v1/my-work").get_json()["offers"] == []


# ---- my work -----------------------------------------------------------------------------------------


def test_my_work_is_for_staff(api, world):
    response = api(world.applicant).get("/api/v1/my-work")
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert api(world.users["mediator"]).get("/api/v1/my-work").get_json() == {
        "owned": [],
        "first_taken": [],
        "offers": [],
    }


def test_my_work_lists_what_is_due_first(api, world, make_case, back_then):
    worker = world.users["caseworker"]
    fresh = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    back_then(datetime(2025, 3, 3, 2, 0, tzinfo=UTC))
    late = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    paused = make_case(world.applicant, world.enterprise, state="awaiting_material", staff=worker)
    back_then(None)
    make_case(world.applicant, world.enterprise, state="submitted")  # nobody's yet
    closed = make_case(world.applicant, world.enterprise, state="withdrawn")

    work = api(worker).get("/api/v1/my-work").get_json()
    numbers = [c["number"] for c in work["owned"]]
    assert numbers == [late.number, fresh.number, paused.number], "due first; no running deadline last"
    assert closed.number not in numbers and work["first_taken"] == [] and work["offers"] == []
    assert "events" not in work["owned"][0]


def test_my_work_reads_a_bounded_number_of_statements(api, world, make_case, app, colleague):
    from sqlalchemy import event

    worker = world.users["caseworker"]
    client = api(worker)
    engine = app.extensions["db_engine"]

    def selects():
        statements = []

        def count(*args):
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/api/v1/my-work").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return [s for s in statements if s.lstrip().upper().startswith("SELECT")]

    make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    client.get("/api/v1/my-work")  # the token's use is recorded once
    few = selects()
    for _ in range(4):
        make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    assert len(selects()) == len(few), "statements do not grow with the cases"
