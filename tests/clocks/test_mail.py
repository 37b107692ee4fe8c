"""Notifications by e-mail through a real SMTP server (aiosmtpd on a free local port): the scan's
warnings and a handover offered through the API reach the right addresses in each recipient's
language; when the server fails the notifications stay unsent, the scan still exits 0, and the
next scan sends them."""

from __future__ import annotations

import email
import json
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from flask_babel import force_locale
from sqlalchemy import select

from app.auth.models import Role
from app.notifications.models import Notification
from app.notifications.services import text
from tests.clocks.test_sla_scan import SCANS, _scans_at_once, _seed, china, own_database_app, run


class Inbox:
    """An SMTP handler keeping every message it accepts."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for rcpt, m in self.messages if address in rcpt]


class Refusing:
    """An SMTP server that is up but accepts nothing."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "451 4.3.0 Mailbox temporarily unavailable"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def late_case(world, make_case, at, session):
    """A case the city caseworker (English) acknowledged on Monday 2 March 2026; its handling clock is
    breached from Friday the 6th, when the city's supervisor (Chinese, the default) hears of it too."""
    worker = world.users["caseworker"]
    worker.locale = "en"
    session.commit()
    at(2026, 3, 2, 10)
    return make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)


def rendered(app, session, user_id, kind, locale):
    """The text a notification of ``kind`` to ``user_id`` reads in ``locale``."""
    row = session.execute(
        select(Notification).where(Notification.user_id == user_id, Notification.kind == kind)
    ).scalar_one()
    with app.app_context(), force_locale(locale):
        return text(row)


def unsent(session) -> int:
    """Deliveries still owed (each notification made while mail is configured owes its e-mail)."""
    from app.notifications.models import NotificationDelivery

    session.expire_all()
    return len(session.execute(select(NotificationDelivery.id).where(NotificationDelivery.state == "pending")).all())


def test_the_scan_mails_each_recipient_in_their_language(app, smtp, late_case, world, session):
    inbox = smtp(Inbox())
    worker, supervisor = world.users["caseworker"], world.users["supervisor"]

    result = run(app, china(2026, 3, 6, 9))
    assert (result.breached, result.notifications, result.emailed) == (1, 2, 2)
    assert sorted(r for rcpt, _ in inbox.messages for r in rcpt) == sorted([worker.email, supervisor.email])

    (english,) = inbox.to(worker.email)
    assert english["To"] == worker.email and english["From"] == app.config["MAIL_FROM"]
    body = english.get_content()
    assert late_case.number in english["Subject"] and late_case.number in body
    assert "the Quick handling deadline passed at 2026-03-05 23:59" in body
    assert "Sign in to see the case." in body

    (chinese,) = inbox.to(supervisor.email)
    zh = rendered(app, session, supervisor.id, "clock_breached", "zh_CN")
    assert chinese.get_content().startswith(zh)
    if zh != rendered(app, session, supervisor.id, "clock_breached", "en"):  # once the catalog has it
        assert chinese.get_content() != body and "deadline passed" not in chinese.get_content()
    assert unsent(session) == 0

    again = run(app, china(2026, 3, 6, 9, 1))
    assert (again.breached, again.emailed) == (0, 0) and len(inbox.messages) == 2, "each is mailed once"


def test_a_handover_offered_through_the_api_is_mailed_to_the_colleague(app, smtp, world, make_case, make_user):
    from app.api.services import issue_token
    from app.extensions import db

    inbox = smtp(Inbox())
    worker = world.users["caseworker"]
    colleague = make_user(Role.CASEWORKER, centre=world.city, email="colleague@city.cn", name="Li Lei", locale="en")
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker)
    _, token = issue_token(worker, "tests")
    db.session.commit()

    response = app.test_client().post(
        f"/api/v1/cases/{case.number}/actions/offer_handover",
        json={"version": case.version, "data": {"to_user": colleague.email}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    (message,) = inbox.messages
    assert message[0] == [colleague.email]
    assert f"offers to hand case {case.number} over to you" in message[1].get_content()
    assert worker.name in message[1].get_content()


@pytest.mark.parametrize("server", ["refusing", "down"])
def test_a_failing_server_leaves_mail_unsent_until_a_later_scan(app, smtp, late_case, world, session, server):
    smtp(Refusing() if server == "refusing" else None)
    runner = app.test_cli_runner()

    failed = runner.invoke(args=["sla-scan", "--now", "2026-03-06T09:00+08:00"])
    assert failed.exit_code == 0, failed.output
    summary = json.loads(failed.output.strip().splitlines()[-1])
    assert (summary["breached"], summary["notifications"], summary["emailed"], summary["unsent"]) == (1, 2, 0, 2)
    assert unsent(session) == 2, "recorded in the app, not mailed"
    still = runner.invoke(args=["sla-scan", "--now", "2026-03-06T09:00:30+08:00"])
    assert still.exit_code == 0, still.output
    summary = json.loads(still.output.strip().splitlines()[-1])
    assert (summary["breached"], summary["emailed"], summary["unsent"]) == (0, 0, 2), "mail owed is reported"

    inbox = smtp(Inbox())  # the server is back
    retried = runner.invoke(args=["sla-scan", "--now", "2026-03-06T09:01+08:00"])
    assert retried.exit_code == 0, retried.output
    summary = json.loads(retried.output.strip().splitlines()[-1])
    assert (summary["breached"], summary["emailed"], summary["unsent"]) == (0, 2, 0)
    assert sorted(r for rcpt, _ in inbox.messages for r in rcpt) == sorted(
        [world.users["caseworker"].email, world.users["supervisor"].email]
    )
    assert unsent(session) == 0
    quiet = runner.invoke(args=["sla-scan", "--now", "2026-03-06T09:02+08:00"])
    assert (quiet.exit_code, quiet.output) == (0, "")


@pytest.fixture(scope="module")
def mail_race_app(tmp_path_factory, app):
    yield from own_database_app(tmp_path_factory, app, "slamail")


@pytest.mark.e2e
def test_scans_running_at_once_mail_each_notification_once(mail_race_app):
    from datetime import timedelta

    from app.extensions import db

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    mail_race_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        with mail_race_app.app_context():
            seeded = _seed("SM")
        results = _scans_at_once(mail_race_app, seeded["warn_at"] + timedelta(days=2), deliver=True)
    finally:
        controller.stop()
    assert all(not isinstance(r, str) for r in results), results
    assert len(results) == SCANS and sum(r.errors for r in results) == 0
    notifications = sum(r.notifications for r in results)
    assert notifications == 2 * len(seeded["cases"]) == sum(r.emailed for r in results)
    assert len(inbox.messages) == notifications, "no notification is mailed twice"
    with mail_race_app.app_context():
        assert db.session.execute(select(Notification.id).where(Notification.emailed_at.is_(None))).all() == []
        db.session.rollback()
