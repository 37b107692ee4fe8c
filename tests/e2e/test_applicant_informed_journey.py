"""The applicant kept informed, in the browser and by mail, from filing to the decision.

The demo applicant 张伟 files a complaint; the Shenzhen caseworker acknowledges it and asks for
material by a date; each step reaches the applicant in the app (the bell, the notifications page,
the banner on the case) and by e-mail through a real SMTP server (aiosmtpd on a free local port).
The applicant answers in the banner's one form. The caseworker accepts while the mail server is
down: the decision alone tells nobody, so the quick-feedback clock keeps running; once the server
is back the next ``sla-scan`` delivers the e-mail, and the clock is met at that moment, recorded
in the case's audit chain as the applicant informed by e-mail.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.clocks.test_mail import Inbox, free_port
from tests.e2e.conftest import _live
from tests.e2e.test_case_journey import (
    APPLICANT,
    CASE_NUMBER,
    CASEWORKER,
    PATENT,
    act,
    log_in,
    log_out,
    open_action,
    open_from_list,
    zh,
)

pytestmark = pytest.mark.e2e

APPLICANT_MAIL = APPLICANT
REQUEST = "请补充被诉侵权产品的购买发票及网店页面截图。"
ANSWER = "已上传购买发票和网店页面截图。"


@pytest.fixture
def mail(monkeypatch, live_server):
    """A real SMTP server the live app sends through; ``mail.down()`` points the app at a dead port,
    ``mail.up()`` starts a new server (returned) and points the app at it."""
    app = _live["app"]
    controllers = []

    class Mail:
        def up(self):
            inbox = Inbox()
            port = free_port()
            controller = Controller(inbox, hostname="127.0.0.1", port=port)
            controller.start()
            controllers.append(controller)
            monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
            monkeypatch.setitem(app.config, "MAIL_PORT", port)
            return inbox

        def down(self):
            monkeypatch.setitem(app.config, "MAIL_PORT", free_port())

    yield Mail()
    for controller in controllers:
        controller.stop()


def _in_app(fn):
    from app.extensions import db

    with _live["app"].app_context():
        try:
            return fn(db)
        finally:
            db.session.rollback()
            db.session.remove()


def feedback(number: str):
    """(met_at, informed events' methods) of the case's acceptance feedback clock."""
    from app.cases.models import Case, CaseEvent
    from app.clocks.models import CaseClock, ClockName

    def read(db):
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        clock = db.session.execute(
            select(CaseClock).where(
                CaseClock.case_id == case.id, CaseClock.name == ClockName.FEEDBACK, CaseClock.trigger == "accept"
            )
        ).scalar_one()
        methods = db.session.execute(
            select(CaseEvent.data).where(CaseEvent.case_id == case.id, CaseEvent.action == "applicant_informed")
        ).scalars()
        return clock.met_at, [d["method"] for d in methods]

    return _in_app(read)


def mails_to(inbox: Inbox, address: str) -> list[str]:
    return [m.get_content() for m in inbox.to(address)]


def test_the_applicant_hears_of_every_step_and_the_feedback_clock_waits_for_them(page: Page, shot, mail):
    from app.extensions import limiter

    with _live["app"].app_context():
        limiter.reset()
    inbox = mail.up()
    respondent = f"深圳市某数码商行{uuid.uuid4().hex[:6]}"
    due = (datetime.now(UTC) + timedelta(days=10)).date()

    # 1. The applicant files a complaint: nobody mails them about their own act.
    log_in(page, APPLICANT)
    page.goto("/cases/new")
    page.select_option("#kind", value="complaint")
    page.select_option("#ip_type", value="utility_model")
    page.fill("#ip_number", PATENT)
    page.fill("#respondent_name", respondent)
    page.fill("#facts", "被投诉人在网店销售与本实用新型专利相同的支架。")
    page.locator("#content form button[name=intent][value=submit]").click()
    expect(page).to_have_url(CASE_NUMBER)
    number = CASE_NUMBER.search(page.url).group(1)
    assert mails_to(inbox, APPLICANT_MAIL) == []
    log_out(page)

    # 2. The caseworker acknowledges it and asks for material by a date.
    log_in(page, CASEWORKER)
    open_from_list(page, number)
    act(page, "acknowledge")
    expect(page.locator("#content .alert-success")).to_be_visible()
    open_action(page, "request_material")
    page.fill("#comment-request_material", REQUEST)
    page.fill("#material-due-on", due.isoformat())
    page.locator("#action-request_material button[type=submit]").click()
    expect(page.locator("#content .alert-success")).to_be_visible()
    log_out(page)

    # Both steps reached the applicant by mail, in Chinese, with what is asked and by when.
    received, asked = mails_to(inbox, APPLICANT_MAIL)
    assert number in received and "已收到您的案件" in received
    assert number in asked and REQUEST in asked and f"{due.year}年{due.month}月{due.day}日" in asked

    # 3. In the app: the bell counts them, the notifications page lists them, the case shows the banner.
    log_in(page, APPLICANT)
    expect(page.locator('a[href="/notifications"] .badge')).to_be_visible()  # (the demo has others unread too)
    page.goto("/notifications")
    expect(page.locator("#content")).to_contain_text(REQUEST)
    shot("applicant-notifications")
    page.goto(f"/cases/{number}")
    banner = page.locator("#material-request")
    expect(banner).to_contain_text(REQUEST)
    expect(banner).to_contain_text(due.isoformat())
    page.fill("#comment-provide_material", ANSWER)
    page.locator("#action-provide_material button[type=submit]").click()
    expect(page.locator("#content .alert-success")).to_be_visible()
    expect(page.locator("#material-request")).to_have_count(0)
    shot("applicant-answered-in-the-banner")
    log_out(page)

    # 4. The caseworker accepts while the mail server is down: the decision alone tells nobody.
    mail.down()
    log_in(page, CASEWORKER)
    open_from_list(page, number)
    expect(page.locator("#timeline")).to_contain_text(ANSWER)
    open_action(page, "accept")
    for box in page.locator("#action-accept input[name=conditions]").all():
        box.check()
    page.locator("#action-accept button[type=submit]").click()
    expect(page.locator("#content .alert-success")).to_be_visible()
    met_at, methods = feedback(number)
    assert met_at is None and methods == [], "accepted, but the applicant has not been told"
    log_out(page)

    # 5. The server is back: the next scan delivers the e-mail, and the clock is met at that moment.
    inbox = mail.up()
    before = datetime.now(UTC)
    result = _live["app"].test_cli_runner().invoke(args=["sla-scan"])
    assert result.exit_code == 0, result.output
    (accepted,) = mails_to(inbox, APPLICANT_MAIL)
    assert number in accepted and "已受理" in accepted
    met_at, methods = feedback(number)
    assert met_at is not None and met_at >= before - timedelta(seconds=1) and methods == ["email"]

    # 6. The applicant reads the decision in the app: it was already delivered, so nothing more is recorded.
    log_in(page, APPLICANT)
    page.goto(f"/cases/{number}")
    expect(page.locator("#timeline")).to_contain_text(re.compile(zh("Accept")[:2]))
    assert feedback(number) == (met_at, ["email"])
    shot("applicant-sees-the-decision")
