"""An on-site visit recorded on a phone (390×844), a problem found turned into a case, and the month
green on the compliance grid, in the browser.

The Shenzhen caseworker 王晓敏 records a visit to 深圳市华芯微电子有限公司 from the phone form: she
picks the enterprise from the suggestions, notes a problem and a follow-up, takes a photo; the page
is reloaded halfway (a lost connection) and the draft kept on the phone comes back. The form is
refused once (the follow-up is due before the visit) and comes back with everything, the photo kept;
then it is saved, and the draft is gone from the phone. From the visit's page the problem becomes a
case in one step: channel "visit", the caseworker its first responder. The grid then shows the
Shenzhen centre's month met. No page scrolls sideways.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import _live, wait_until
from tests.e2e.test_case_journey import CASEWORKER, log_in

pytestmark = pytest.mark.e2e

ENTERPRISE = "深圳市华芯微电子有限公司"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PROBLEM = "电商平台有店铺销售仿冒其注册商标的充电器"


def _no_sideways_scroll(page: Page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url


def _backdate_centres():
    """The demo centres as if set up last year: this month is then owed (a centre created this month owes none)."""
    from sqlalchemy import update

    from app.centres.models import Centre
    from app.extensions import db

    with _live["app"].app_context():
        db.session.execute(update(Centre).values(created_at=datetime.now(UTC) - timedelta(days=400)))
        db.session.commit()


def _case(number: str):
    from sqlalchemy import select

    from app.cases.models import Case
    from app.extensions import db

    with _live["app"].app_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        return case.channel.value, case.first_responder.email


def test_a_visit_recorded_on_a_phone_becomes_a_case_and_meets_the_month(page: Page, shot):
    page.on("dialog", lambda dialog: dialog.accept())  # "raise a case from this problem?"
    _backdate_centres()
    log_in(page, CASEWORKER)  # (its check looks for the log-out button, folded away on a phone)
    page.set_viewport_size({"width": 390, "height": 844})

    # 1. The form: the enterprise picked from the suggestions as it is typed.
    page.goto("/visits/new")
    _no_sideways_scroll(page)
    page.fill("#enterprises-0", "华芯")
    suggestion = page.locator("#enterprise-list option").first
    expect(suggestion).to_have_attribute("value", re.compile(ENTERPRISE))
    page.fill("#enterprises-0", suggestion.get_attribute("value"))
    page.click("[data-add-row=staff]")  # a third row, numbered as such
    expect(page.locator("label[for=staff-2]")).to_contain_text("3")
    page.check("#topics-0")
    page.fill("#problems-0-text", PROBLEM)
    page.select_option("#problems-0-ip_type", "trademark")
    page.fill("#needs", "希望参加商标布局培训")

    # 2. The connection is lost and the page reloaded: the draft kept on the phone comes back.
    page.reload()
    expect(page.locator("#draft-restored")).to_be_visible()
    expect(page.locator("#problems-0-text")).to_have_value(PROBLEM)
    expect(page.locator("#needs")).to_have_value("希望参加商标布局培训")
    expect(page.locator("#topics-0")).to_be_checked()

    # 3. A follow-up due before the visit: refused, everything kept, the photo too.
    page.click("[data-add-row=follow_ups]")
    expect(page.locator("#follow_ups-2-text")).to_be_visible()
    page.fill("#follow_ups-0-text", "寄送商标维权指引")
    page.fill("#follow_ups-0-owner", page.locator("#staff-0").input_value())
    page.fill("#follow_ups-0-due_on", "2020-01-01")
    page.set_input_files("#photos", files=[{"name": "店铺现场.png", "mimeType": "image/png", "buffer": PNG}])
    shot("phone-form-filled")
    page.locator("#visit-form button[type=submit]").click()
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("#follow_ups-0-due_on")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#problems-0-text")).to_have_value(PROBLEM)
    expect(page.locator("#kept-files")).to_contain_text("店铺现场.png")
    _no_sideways_scroll(page)

    # 4. Corrected and saved: the visit's page, the draft gone from the phone.
    due = page.locator("#visited_on").input_value()
    page.fill("#follow_ups-0-due_on", due)
    page.locator("#visit-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/visits/\d+$"))
    expect(page.locator("#files")).to_contain_text("店铺现场.png")
    wait_until(page, "!Object.keys(localStorage).some(k => k.startsWith('ipaid.visit-draft'))")
    shot("phone-visit-saved")
    _no_sideways_scroll(page)

    # 5. The problem becomes a case in one step; the visitor answers for it.
    page.locator("#problems form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/cases/[A-Z0-9]+-\d{4}-\d{5}$"))
    number = page.url.rsplit("/", 1)[1]
    assert _case(number) == ("visit", CASEWORKER)
    page.go_back()
    page.reload()
    expect(page.locator("#problems [data-case]")).to_contain_text(number)

    # 6. The grid: the Shenzhen centre's month is met.
    page.goto("/visits/compliance")
    from app.core.db import utcnow
    from app.core.workdays import china_day

    month = china_day(utcnow()).month
    row = page.locator("#compliance tbody tr").filter(has_text="深圳市知识产权维权援助中心").first
    cell = row.locator("td").nth(month - 1)
    expect(cell).to_have_class(re.compile(r"\bok\b"))
    shot("phone-compliance-grid")
    _no_sideways_scroll(page)
    problems = [p for p in page.problems if "status of 422" not in p]  # the refused form of step 3
    assert not problems, problems
