"""The case page in the browser: one action form open at a time, a refused action opened again with
what was typed, and the applicant's answer to a request for material (text and files in one form,
a file kept across a refused submit), at 1280×800 and on a 390×844 phone.

Screenshots of both pages at both sizes are saved under ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_case_journey import PASSWORD, expect_chinese, pdf_file, zh

pytestmark = pytest.mark.e2e

CASEWORKER = "caseworker@demo.ipaid.cn"  # 王晓敏, SZ
APPLICANT = "applicant.yt@demo.ipaid.cn"  # 孙磊, 深圳市云图软件科技有限公司 (SZ)
REQUEST = "请补充软件著作权登记证书及侵权网页截图。"
TYPED = "经核查，被投诉人不在本中心管辖范围。"
ANSWER = "已上传登记证书扫描件。"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _make_case(state: str) -> str:
    """A web complaint of the SZ enterprise, acknowledged (and asked for material when ``state`` says so)."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.cases import services
    from app.enterprises.models import Enterprise
    from app.extensions import db
    from tests.e2e.conftest import _live

    with _live["app"].app_context():
        applicant = db.session.execute(select(User).where(User.email == APPLICANT)).scalar_one()
        worker = db.session.execute(select(User).where(User.email == CASEWORKER)).scalar_one()
        firm = db.session.execute(select(Enterprise).where(Enterprise.credit_code == "91440300MA5EY3PN22")).scalar_one()
        case = services.create_case(
            applicant,
            enterprise=firm,
            draft=True,
            kind="complaint",
            channel="web",
            title="软件界面外观被抄袭",
            rights=[{"type": "copyright", "number": "2024SR0654321", "title": "云图设计软件V4.0"}],
            respondents=[{"name": f"某某软件工作室{uuid.uuid4().hex[:6]}"}],
            facts="被投诉人在其网站上提供与我司软件界面相同的产品下载，页面布局、图标与配色完全一致。",
            help_wanted="请求协助制止侵权。",
        )
        services.transition(case, "submit", applicant)
        services.transition(case, "acknowledge", worker)
        if state == "awaiting_material":
            services.transition(case, "request_material", worker, comment=REQUEST)
        number = case.number
        db.session.commit()
        db.session.remove()
    return number


def log_in_with_enter(page: Page, email: str):
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    expect(page).to_have_url(re.compile(r"/$"))


def real_problems(page: Page) -> list[str]:
    """Script errors, less the browser's note on the refused submits this test makes on purpose (422)."""
    return [p for p in page.problems if "status of 422" not in p]


def open_items(page: Page) -> list[str]:
    return page.eval_on_selector_all(".action-list > details[open]", "items => items.map(d => d.id)")


def test_one_action_form_at_a_time_and_a_refusal_opens_it_again(page: Page, shot, artifacts_dir):
    number = _make_case("acknowledged")
    page.set_viewport_size(DESKTOP)
    log_in_with_enter(page, CASEWORKER)
    page.goto(f"/cases/{number}")
    expect_chinese(page)
    expect(page.locator("h1")).to_contain_text(number)

    # Nothing open at first; each summary opens its form and closes the one open before.
    assert open_items(page) == []
    expect(page.locator("#action-decline")).to_be_hidden()
    page.locator("#action-item-request_material > summary").click()
    expect(page.locator("#comment-request_material")).to_be_visible()
    # Opened by the user: the keyboard lands in that form.
    # (the toggle event comes after the click: the assertion waits for it)
    expect(page.locator("#action-request_material :focus")).to_have_count(1)
    page.locator("#action-item-decline > summary").click()
    expect(page.locator("#decline-reason")).to_be_visible()
    assert open_items(page) == ["action-item-decline"]
    expect(page.locator("#comment-request_material")).to_be_hidden()

    # Declining without a reason is refused: the page comes back with that form open and the text kept.
    page.fill("#comment-decline", TYPED)
    page.locator("#action-decline button[type=submit]").click()
    expect(page.locator("#action-decline-errors")).to_be_visible()
    assert open_items(page) == ["action-item-decline"]
    expect(page.locator("#comment-decline")).to_have_value(TYPED)
    expect(page.locator("#action-refused")).to_contain_text(zh("Decline"))
    page.screenshot(path=str(artifacts_dir / "staff-case-page-refused-1280.png"), full_page=True)

    # A fresh look at the page, at both sizes: facts and actions first.
    page.goto(f"/cases/{number}")
    page.screenshot(path=str(artifacts_dir / "staff-case-page-1280x800.png"))
    facts = page.locator("#facts-heading").bounding_box()
    actions = page.locator("#actions").bounding_box()
    clocks = page.locator("#clocks").bounding_box()
    assert actions["y"] < clocks["y"] and facts["y"] < clocks["y"]
    page.set_viewport_size(PHONE)
    page.goto(f"/cases/{number}")
    page.locator("#action-item-accept > summary").click()
    page.screenshot(path=str(artifacts_dir / "staff-case-page-390x844.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
    assert not real_problems(page), page.problems


def test_the_applicant_answers_a_request_for_material_in_one_form(page: Page, artifacts_dir):
    number = _make_case("awaiting_material")
    page.set_viewport_size(PHONE)
    log_in_with_enter(page, APPLICANT)
    page.goto(f"/cases/{number}")
    banner = page.locator("#material-request")
    expect(banner).to_contain_text(REQUEST)
    expect(banner).to_contain_text(zh("Material requested:"))
    # The banner comes before the case's details.
    assert banner.bounding_box()["y"] < page.locator("#facts-heading").bounding_box()["y"]
    page.screenshot(path=str(artifacts_dir / "applicant-case-page-390x844.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # A file chosen but no answer written: refused, and the file is kept, not lost.
    page.set_input_files("#material-file", pdf_file("登记证书.pdf", "Registration certificate"))
    banner.locator("button[type=submit]").click()
    expect(page.locator("#action-provide_material-errors")).to_contain_text(zh("Write what you provide."))
    kept = page.locator("#material-file-kept")
    expect(kept).to_contain_text("登记证书.pdf")
    page.screenshot(path=str(artifacts_dir / "applicant-material-refused-390x844.png"), full_page=True)

    # Written and sent: the material arrives as evidence and the action is on the timeline.
    page.fill("#comment-provide_material", ANSWER)
    page.locator("#action-provide_material button[type=submit]").click()
    expect(page.locator("#content .alert-success")).to_be_visible()
    expect(page.locator("#material-request")).to_have_count(0)
    expect(page.locator("#evidence")).to_contain_text("登记证书.pdf")
    expect(page.locator("#timeline")).to_contain_text(ANSWER)
    expect(page.locator("#evidence")).not_to_contain_text("SHA")
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(artifacts_dir / "applicant-case-page-1280x800.png"), full_page=True)
    assert not real_problems(page), page.problems


def test_the_applicants_banner_at_1280(page: Page, artifacts_dir):
    number = _make_case("awaiting_material")
    page.set_viewport_size(DESKTOP)
    log_in_with_enter(page, APPLICANT)
    page.goto(f"/cases/{number}")
    expect(page.locator("#material-request")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "applicant-banner-1280x800.png"))
    assert not real_problems(page), page.problems
