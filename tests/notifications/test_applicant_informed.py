"""The applicant kept informed: every step their timeline shows is notified to the case's
applicants (in the app, by e-mail through a real SMTP server, through a pluggable SMS channel),
and the quick-feedback clock of a decision is met only once the applicant has it — the
notification read in the app, delivered by a channel that confirms delivery, or staff recording
how they told them — never by the decision alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.auth.models import Role
from app.cases import services
from app.cases.models import CaseEvent
from app.clocks.models import CaseClock, ClockName
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.channels import ChannelError, SmsChannel
from app.notifications.models import Notification, NotificationDelivery
from tests.clocks.test_mail import Inbox, Refusing
from tests.conftest import ALL_CONDITIONS


@pytest.fixture(autouse=True)
def _in_app(app, request):
    """The channels are the app's configuration: these tests act inside its context (those that
    also make requests open it only around their own service calls: a request would share it)."""
    if "makes_requests" in request.keywords:
        yield
        return
    with app.app_context():
        yield


def english(text) -> str:
    with force_locale("en"):
        return str(text)


def kinds_for(user) -> list[str]:
    return list(
        db.session.execute(
            select(Notification.kind).where(Notification.user_id == user.id).order_by(Notification.id)
        ).scalars()
    )


def feedback_clock(case, trigger="accept") -> CaseClock:
    db.session.expire_all()
    return db.session.execute(
        select(CaseClock).where(
            CaseClock.case_id == case.id, CaseClock.name == ClockName.FEEDBACK, CaseClock.trigger == trigger
        )
    ).scalar_one()


def informed_events(case) -> list[CaseEvent]:
    return list(
        db.session.execute(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "applicant_informed")
        ).scalars()
    )


@pytest.fixture
def colleague(world, make_user):
    """A second active member of the applicant's enterprise: told too."""
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    user = make_user(Role.APPLICANT, email="colleague@firm.cn", name="李娜")
    db.session.add(EnterpriseMember(enterprise_id=world.enterprise.id, user_id=user.id, status=MembershipStatus.ACTIVE))
    db.session.commit()
    return user


def test_each_step_of_the_timeline_reaches_every_applicant_but_not_the_actor(world, make_case, colleague, session):
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="submitted")
    # The applicant filed it: their colleague hears of it, they do not hear of their own act.
    assert kinds_for(world.applicant) == [] and kinds_for(colleague) == ["case_submitted"]

    services.transition(case, "acknowledge", worker)
    due = (datetime.now(UTC) + timedelta(days=14)).date()
    services.transition(case, "request_material", worker, comment="请补充购买发票", data={"due_on": due.isoformat()})
    services.transition(case, "provide_material", world.applicant, comment="已上传发票")
    services.transition(case, "accept", worker, data={"conditions": ALL_CONDITIONS})
    services.send_message(case, worker, "请于下周一携带原件来中心。")
    services.transition(case, "start_handling", worker)
    services.transition(case, "resolve", worker, comment="双方和解，对方下架侵权产品。")
    session.commit()

    expected = ["case_acknowledged", "material_requested_by", "case_accepted", "case_message", "case_resolved"]
    assert kinds_for(world.applicant) == expected
    assert kinds_for(colleague) == ["case_submitted", *expected]
    # Staff hear of the applicant's message, not of their own steps; other applicants hear nothing.
    assert kinds_for(world.other_applicant) == []
    assert "case_acknowledged" not in kinds_for(worker)

    request = db.session.execute(
        select(Notification).where(
            Notification.user_id == world.applicant.id, Notification.kind == "material_requested_by"
        )
    ).scalar_one()
    with force_locale("en"):
        english = notifications.text(request)
    assert case.number in english and "请补充购买发票" in english
    assert str(due.year) in english and due.strftime("%B") in english
    with force_locale("zh_CN"):
        chinese = notifications.text(request)
    assert f"{due.year}年{due.month}月{due.day}日" in chinese and "请补充购买发票" in chinese


def test_an_applicants_message_goes_to_whoever_handles_the_case(world, make_case, session):
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    services.send_message(case, world.applicant, "请问还需要什么材料？")
    session.commit()
    assert kinds_for(worker)[-1] == "applicant_message"


def test_the_decision_alone_does_not_meet_the_feedback_clock_reading_it_does(world, make_case, session, login):
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=worker)
    clock = feedback_clock(case)
    assert clock.met_at is None, "accepting tells nobody yet"
    assert informed_events(case) == []

    # The applicant opens the case page: the decision's notifications about it are read, and the clock met.
    client = login(world.applicant)
    assert client.get(f"/cases/{case.number}").status_code == 200
    clock = feedback_clock(case)
    assert clock.met_at is not None
    (event,) = informed_events(case)
    assert event.data["method"] == "read" and event.data["trigger"] == "accept" and event.visibility == "internal"
    read = db.session.execute(
        select(Notification).where(Notification.user_id == world.applicant.id, Notification.kind == "case_accepted")
    ).scalar_one()
    assert read.read_at is not None and abs(read.read_at - clock.met_at) < timedelta(seconds=5)

    # Reading again changes nothing (met once, one event).
    assert client.get(f"/cases/{case.number}").status_code == 200
    assert len(informed_events(case)) == 1


def test_staff_recording_how_they_told_meets_the_clock_and_needs_the_means(world, make_case, session):
    from app.cases.services import ActionRefused

    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="declined", staff=worker)
    assert feedback_clock(case, "decline").met_at is None
    with pytest.raises(ActionRefused) as refused:
        services.transition(case, "inform_decision", worker, comment="已电话告知")
    assert any("how the applicant was told" in english(r) for r in refused.value.reasons)
    assert feedback_clock(case, "decline").met_at is None, "a refused action changes nothing"

    services.transition(case, "inform_decision", worker, comment="已电话告知", data={"method": "phone"})
    session.commit()
    assert feedback_clock(case, "decline").met_at is not None
    event = db.session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "inform_decision")
    ).scalar_one()
    assert event.data == {"method": "phone"}


def test_an_email_accepted_by_the_server_meets_the_clock_a_refused_one_does_not(app, smtp, world, make_case, session):
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)

    smtp(Refusing())
    services.transition(case, "accept", worker, data={"conditions": ALL_CONDITIONS})
    session.commit()
    assert notifications.deliver_pending() == 0
    assert feedback_clock(case).met_at is None, "a refused e-mail told nobody"
    delivery = db.session.execute(
        select(NotificationDelivery)
        .join(Notification)
        .where(Notification.user_id == world.applicant.id, Notification.kind == "case_accepted")
    ).scalar_one()
    assert (delivery.state, delivery.attempts) == ("pending", 1) and "mail server" in delivery.last_error

    inbox = smtp(Inbox())  # the server is back: the next run sends it
    assert notifications.deliver_pending() == 1
    (message,) = inbox.to(world.applicant.email)
    assert case.number in message["Subject"]
    clock = feedback_clock(case)
    assert clock.met_at is not None
    (event,) = informed_events(case)
    assert event.data["method"] == "email"
    db.session.refresh(delivery)
    assert delivery.state == "sent" and delivery.sent_at is not None


def test_a_channel_that_keeps_failing_is_retried_then_kept_as_failed_never_lost(app, smtp, world, make_case, session):
    worker = world.users["caseworker"]
    smtp(None)  # nothing listens
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    services.transition(case, "accept", worker, data={"conditions": ALL_CONDITIONS})
    session.commit()
    delivery = db.session.execute(
        select(NotificationDelivery)
        .join(Notification)
        .where(Notification.user_id == world.applicant.id, Notification.kind == "case_accepted")
    ).scalar_one()
    for attempt in range(1, notifications.MAX_ATTEMPTS + 1):
        db.session.execute(
            NotificationDelivery.__table__.update()
            .where(NotificationDelivery.id == delivery.id)
            .values(next_attempt_at=datetime(2000, 1, 1, tzinfo=UTC))
        )
        db.session.commit()
        notifications.deliver_pending()
        db.session.refresh(delivery)
        assert delivery.attempts == attempt
    assert delivery.state == "failed"
    assert notifications.owed() == 1, "only the acknowledgement's delivery is still owed (waiting for its retry)"
    # The notification itself is still there for the applicant to read in the app.
    assert "case_accepted" in kinds_for(world.applicant)
    assert feedback_clock(case).met_at is None


class ConfirmingGateway(SmsChannel):
    """An SMS gateway that accepts every message (and says so)."""

    sent: list = []

    def send(self, session, address, subject, body):
        if address.startswith("000"):
            raise ChannelError("gateway: number refused")
        ConfirmingGateway.sent.append((address, body))


def test_sms_through_a_plugged_in_gateway_and_the_logging_channel(app, monkeypatch, world, make_case, session, caplog):
    worker = world.users["caseworker"]
    world.applicant.phone = "13800138000"
    session.commit()

    monkeypatch.setitem(app.config, "SMS_CHANNEL", "log")
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    services.transition(case, "accept", worker, data={"conditions": ALL_CONDITIONS})
    session.commit()
    with caplog.at_level("INFO", logger="app.notifications.channels"):
        assert notifications.deliver_pending() == 2  # acknowledged, accepted
    assert any("SMS to 138" in r.getMessage() for r in caplog.records)
    assert "13800138000" not in caplog.text, "the log keeps no full phone number"
    assert feedback_clock(case).met_at is None, "a logged SMS told nobody"

    ConfirmingGateway.sent = []
    monkeypatch.setitem(app.config, "SMS_CHANNEL", f"{__name__}:ConfirmingGateway")
    other = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    services.transition(other, "accept", worker, data={"conditions": ALL_CONDITIONS})
    session.commit()
    assert notifications.deliver_pending() == 2
    assert ConfirmingGateway.sent and ConfirmingGateway.sent[-1][0] == "13800138000"
    assert other.number in ConfirmingGateway.sent[-1][1]
    assert feedback_clock(other).met_at is not None
    assert informed_events(other)[0].data["method"] == "sms"


def test_an_outcome_delivered_records_that_the_applicant_was_told(app, smtp, world, make_case, session):
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="in_progress", staff=worker)
    inbox = smtp(Inbox())
    services.transition(case, "resolve", worker, comment="对方已下架侵权商品并赔偿。")
    session.commit()
    assert case.outcome_informed_at is None
    assert notifications.deliver_pending() == 1
    assert "对方已下架侵权商品并赔偿" in inbox.to(world.applicant.email)[0].get_content()
    db.session.expire_all()
    assert case.outcome_informed_at is not None and feedback_clock(case, "resolve").met_at is not None
    services.transition(case, "close", worker, comment="结案")  # the close guard sees the applicant told
    session.commit()


@pytest.mark.parametrize(
    ("due_on", "message"),
    [("2000-01-01", "already passed"), ("15/01/2099", "year-month-day"), ("2999-01-01", "six months")],
)
def test_a_date_for_the_material_that_is_not_one_to_come_is_refused(world, make_case, session, due_on, message):
    from app.cases.services import ActionRefused

    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    with pytest.raises(ActionRefused) as refused:
        services.transition(case, "request_material", worker, comment="请补充证据", data={"due_on": due_on})
    assert any(message in english(r) for r in refused.value.reasons)
    db.session.rollback()
    assert kinds_for(world.applicant) == ["case_acknowledged"], "no request was sent"


def test_the_api_lists_the_callers_own_notifications_newest_first(app, world, make_case, session):
    from app.api.services import issue_token

    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="submitted")
    services.transition(case, "acknowledge", worker)
    services.transition(case, "request_material", worker, comment="请补充证据")
    services.transition(case, "provide_material", world.applicant, comment="已补充")
    services.transition(case, "accept", worker, data={"conditions": ALL_CONDITIONS})
    _, token = issue_token(world.applicant, "tests")
    _, other_token = issue_token(world.other_applicant, "tests")
    session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}

    first = client.get("/api/v1/notifications?limit=2", headers=headers)
    assert first.status_code == 200, first.get_data(as_text=True)
    body = first.get_json()
    assert [i["kind"] for i in body["items"]] == ["case_accepted", "material_requested"]
    assert body["items"][0]["subject"] == {"type": "case", "number": case.number}
    assert body["items"][0]["read_at"] is None and body["items"][0]["created_at"].endswith("+00:00")
    assert "accepted for assistance" in body["items"][0]["text"]
    rest = client.get(f"/api/v1/notifications?limit=2&cursor={body['next_cursor']}", headers=headers).get_json()
    assert [i["kind"] for i in rest["items"]] == ["case_acknowledged"] and rest["next_cursor"] is None

    others = client.get("/api/v1/notifications", headers={"Authorization": f"Bearer {other_token}"}).get_json()
    assert others["items"] == []
    bad = client.get("/api/v1/notifications?cursor=abc", headers=headers)
    assert bad.status_code == 422
    unread = client.get("/api/v1/notifications?unread=false", headers=headers).get_json()
    assert unread["items"] == []


def test_a_document_issued_by_staff_is_notified_to_the_applicant(world, make_case, session):
    from app.cases.documents import issue_case_summary

    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="in_progress", staff=worker)
    issue_case_summary(case, worker)
    session.commit()
    issued = db.session.execute(
        select(Notification).where(Notification.user_id == world.applicant.id, Notification.kind == "document_issued")
    ).scalar_one()
    with force_locale("en"):
        assert notifications.text(issued) == f"{case.number}: the centre issued a document: Case summary."


@pytest.mark.makes_requests
def test_staff_see_on_the_case_page_what_did_not_reach_the_applicant(app, smtp, world, make_case, session, login):
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    staff, applicant = login(worker), login(world.applicant)
    smtp(None)  # nothing listens
    with app.app_context():
        services.transition(case, "accept", worker, data={"conditions": ALL_CONDITIONS})
        session.commit()
    assert 'id="undelivered"' not in staff.get(f"/cases/{case.number}").get_data(as_text=True)
    with app.app_context():
        notifications.deliver_pending()  # the first attempt fails
    html = staff.get(f"/cases/{case.number}").get_data(as_text=True)
    assert 'id="undelivered"' in html and world.applicant.name in html
    assert 'id="undelivered"' not in applicant.get(f"/cases/{case.number}").get_data(as_text=True)


@pytest.mark.parametrize("cursor", ["720295891100", "2147483648", "0", "-1", "1e3"])
def test_a_cursor_the_api_never_gave_out_is_refused_plainly(app, world, session, cursor):
    from app.api.services import issue_token

    _, token = issue_token(world.applicant, "tests")
    session.commit()
    response = app.test_client().get(
        f"/api/v1/notifications?cursor={cursor}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422, response.get_data(as_text=True)
