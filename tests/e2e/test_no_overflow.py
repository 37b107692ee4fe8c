"""No page scrolls sideways: the home page, the case list and a case page of every role, at 1280×800
and at 390×844 (a phone), in the browser.

Two cases of the demo applicant's enterprise carry long unbroken text (a 200-character URL as the
title, longer ones in the facts, the respondent and the request for material), the worst a page
has to lay out. For each role and size the test logs in (Enter in the password field), opens each
page and asks the browser whether anything sticks out on the right: the document's scroll width,
and every element's right edge, except those inside a box that scrolls (or clips) sideways on its
own (a wide table in its ``.table-responsive`` box, a truncated title). Full-page screenshots are
saved under ``test-artifacts/e2e/no-overflow/`` for a person to look at.

The case list's own behaviour is checked too: the column picker is remembered after a reload, a
long title is cut with the whole title in its tooltip, and on a phone the filters start folded.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "Demo-IPaid-2026"  # app.admin.demo.DEMO_PASSWORD
ACCOUNTS = {
    "applicant": "applicant@demo.ipaid.cn",  # 张伟, 深圳市华芯微电子有限公司 (SZHQB)
    "caseworker": "caseworker@demo.ipaid.cn",  # SZ
    "supervisor": "supervisor@demo.ipaid.cn",  # SZ
    "mediator": "mediator@demo.ipaid.cn",  # SZ
    "fund_committee": "fund@demo.ipaid.cn",  # GD
    "admin": "admin@demo.ipaid.cn",  # GD
}
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
ENTERPRISE_CODE = "91440300MA5F8KQ21U"  # 深圳市华芯微电子有限公司


def long_url(length: int) -> str:
    """A URL of exactly ``length`` characters with no place to break it."""
    head = "https://shop.example.cn/item/"
    return (head + "0123456789abcdefghij" * (length // 20 + 1))[:length]


TITLE = long_url(200)  # the longest title a case takes


@pytest.fixture(scope="module")
def long_cases(live_server) -> dict[str, str]:
    """Two cases of the demo applicant's enterprise full of unbroken text, filed through the services:
    one submitted (waiting to be acknowledged, and late) and one awaiting material. Their numbers."""
    from sqlalchemy import select, update

    from app.auth.models import User
    from app.cases import services
    from app.cases.models import Case
    from app.clocks.models import CaseClock
    from app.core.db import utcnow
    from app.enterprises.models import Enterprise
    from app.extensions import db
    from tests.e2e.conftest import _live

    numbers, case_ids = {}, {}
    with _live["app"].app_context():

        def user(email):
            return db.session.execute(select(User).where(User.email == email)).scalar_one()

        applicant, caseworker = user(ACCOUNTS["applicant"]), user(ACCOUNTS["caseworker"])
        firm = db.session.execute(select(Enterprise).where(Enterprise.credit_code == ENTERPRISE_CODE)).scalar_one()
        for key in ("submitted", "awaiting_material"):
            case = services.create_case(
                applicant,
                enterprise=firm,
                draft=True,
                kind="complaint",
                channel="web",
                title=TITLE,
                rights=[{"type": "trademark", "number": "45678901", "title": "Longbrandname" * 15}],
                respondents=[
                    {
                        "name": f"ShenzhenCounterfeit{uuid.uuid4().hex}" + "Electronics" * 13,
                        "address": "深圳市福田区华强北路" + "A" * 200,
                        "url": long_url(480),
                    }
                ],
                facts="侵权链接：" + long_url(600) + " 价格明显低于市场价。",
                help_wanted="请求协助下架：" + long_url(300),
            )
            services.transition(case, "submit", applicant)
            case_ids[key] = case.id
            if key == "awaiting_material":
                services.transition(case, "acknowledge", caseworker)
                services.transition(
                    case, "request_material", caseworker, comment="请补充购买凭证，订单链接：" + long_url(400)
                )
            numbers[key] = case.number
        # The submitted one is a day late, so the escalation board and the home pages list it too.
        late = utcnow() - timedelta(days=1)
        db.session.execute(
            update(CaseClock)
            .where(CaseClock.case_id == case_ids["submitted"], CaseClock.met_at.is_(None))
            .values(due_at=late, warn_at=late - timedelta(hours=12))
        )
        db.session.execute(update(Case).where(Case.id == case_ids["submitted"]).values(next_due_at=late))
        db.session.commit()
        db.session.remove()
    return numbers


# The elements whose right edge passes the viewport, outside any box that scrolls or clips sideways.
OVERFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const clipsSideways = (el) => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
  const describe = (el) => {
    const id = el.id ? '#' + el.id : '';
    const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    const box = el.getBoundingClientRect();
    return `${el.tagName.toLowerCase()}${id}${cls} right=${Math.round(Math.max(box.right, box.left + el.scrollWidth))}`;
  };
  const offenders = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    // Its box, or what it holds when that spills out of the box (text that does not wrap).
    const right = clipsSideways(el) ? box.right : Math.max(box.right, box.left + el.scrollWidth);
    if (right <= width + 1) continue;
    let inside = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (clipsSideways(p)) { inside = true; break; }
    }
    if (!inside) offenders.push(describe(el));
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    offenders: offenders.slice(0, 10),
  };
}
"""


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    expect(page).to_have_url(re.compile(r"/$"))


def pages_of(role: str, numbers: dict[str, str]) -> dict[str, str]:
    urls = {
        "home": "/",
        "case-list": "/cases",
        "case-submitted": f"/cases/{numbers['submitted']}",
        "case-awaiting": f"/cases/{numbers['awaiting_material']}",
    }
    if role in ("caseworker", "supervisor"):
        urls["my-work"] = "/my-work"
    if role == "supervisor":
        urls["escalation"] = "/escalation"
    return urls


@pytest.fixture
def sized_page(browser, live_server, request):
    """A page of a fresh context at the size under test (``size`` parameter), interface in Chinese."""
    width, height = SIZES[request.node.callspec.params["size"]]
    context = browser.new_context(locale="zh-CN", base_url=live_server, viewport={"width": width, "height": height})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(f"page error: {exc}"))
    try:
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_pages_do_not_scroll_sideways(sized_page: Page, long_cases, artifacts_dir, role, size):
    page = sized_page
    shots = artifacts_dir / "no-overflow"
    shots.mkdir(exist_ok=True)
    log_in(page, ACCOUNTS[role])
    problems = []
    for name, url in pages_of(role, long_cases).items():
        response = page.goto(url)
        assert response is not None and response.status == 200, (url, response and response.status)
        page.screenshot(path=str(shots / f"{role}-{size}-{name}.png"), full_page=True)
        found = page.evaluate(OVERFLOW_JS)
        if found["scrollWidth"] > found["innerWidth"] or found["offenders"]:
            problems.append(f"{url}: scrollWidth {found['scrollWidth']} > {found['innerWidth']}? {found['offenders']}")
    assert not problems, "\n".join(problems)
    assert not page.problems, page.problems


def test_the_check_finds_an_element_sticking_out(browser, live_server):
    """The check itself: a wide element added to the home page is reported; one inside a scrolling box is not."""
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto("/")
        assert page.evaluate(OVERFLOW_JS)["offenders"] == []
        page.evaluate(
            """() => {
              const box = document.createElement('div'); box.className = 'table-responsive';
              box.innerHTML = '<div style="width: 2000px">wide, in its own box</div>';
              document.querySelector('main').append(box);
            }"""
        )
        assert page.evaluate(OVERFLOW_JS)["offenders"] == []
        page.evaluate(
            """() => {
              const wide = document.createElement('p'); wide.id = 'too-wide'; wide.textContent = 'x'.repeat(300);
              wide.style.whiteSpace = 'nowrap';
              document.querySelector('main').append(wide);
            }"""
        )
        found = page.evaluate(OVERFLOW_JS)
        assert found["scrollWidth"] > found["innerWidth"]
        assert any(o.startswith("p#too-wide") for o in found["offenders"]), found
    finally:
        context.close()


def test_escalation_board_prints_cleanly(browser, live_server, long_cases, artifacts_dir, tmp_path):
    """Printed, the board has a heading with the centre and the time, and no navigation, filters or buttons;
    its rows are not cut across pages. The PDF Chromium prints is read back with ``pdftotext``."""
    import subprocess

    context = browser.new_context(locale="zh-CN", base_url=live_server, viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        log_in(page, ACCOUNTS["supervisor"])
        page.goto("/escalation")
        expect(page.locator("#print-heading")).to_be_hidden()
        expect(page.locator("button[data-print]")).to_be_visible()
        page.emulate_media(media="print")
        heading = page.locator("#print-heading")
        expect(heading).to_be_visible()
        expect(heading).to_contain_text("SZ")
        expect(heading.locator("time")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"))
        for hidden in ("nav.navbar", "footer", "#content form", "button[data-print]"):
            expect(page.locator(hidden).first).to_be_hidden()
        row = page.locator(".escalation-board tbody tr").first
        assert row.evaluate("tr => getComputedStyle(tr).breakInside") == "avoid"
        assert page.evaluate(OVERFLOW_JS)["offenders"] == []
        page.screenshot(path=str(artifacts_dir / "no-overflow" / "supervisor-escalation-print.png"), full_page=True)

        pdf = tmp_path / "escalation.pdf"
        page.pdf(path=str(pdf), format="A4")
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
        ).stdout.decode("utf-8")
        assert "深圳市知识产权维权援助中心" in text and long_cases["submitted"] in text
        assert "退出登录" not in text  # the navigation's "log out"
        assert "筛选" not in text and "English" not in text
    finally:
        context.close()


def test_case_list_columns_are_chosen_and_remembered(browser, live_server, long_cases):
    context = browser.new_context(locale="zh-CN", base_url=live_server, viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        log_in(page, ACCOUNTS["caseworker"])
        page.goto("/cases")
        kind = page.locator('.case-table thead th[data-col="kind"]')
        owner = page.locator('.case-table thead th[data-col="owner"]')
        expect(kind).to_be_hidden()  # not among the usual columns
        expect(owner).to_be_visible()
        expect(page.locator(".case-filters > summary")).to_be_hidden()  # on a wide screen the filters simply show
        expect(page.locator("#q")).to_be_visible()

        picker = page.locator("[data-column-picker]")
        picker.locator("summary").click()
        page.check("#column-kind")
        page.uncheck("#column-owner")
        expect(kind).to_be_visible()
        expect(owner).to_be_hidden()
        page.reload()
        expect(kind).to_be_visible()  # remembered in this browser
        expect(owner).to_be_hidden()
        expect(page.locator("#column-kind")).to_be_checked()

        # A long title is cut to one line; the whole of it is the cell's tooltip.
        title = page.locator(f'tr:has(a:text-is("{long_cases["submitted"]}")) td[data-col="title"] span')
        expect(title).to_have_attribute("title", TITLE)
        assert title.evaluate("span => span.scrollWidth > span.clientWidth")

        page.locator("[data-column-picker] summary").click()
        page.click("[data-columns-reset]")
        expect(kind).to_be_hidden()
        expect(owner).to_be_visible()
        page.reload()
        expect(kind).to_be_hidden()
    finally:
        context.close()


def test_case_list_filters_fold_on_a_phone(browser, live_server, long_cases):
    context = browser.new_context(locale="zh-CN", base_url=live_server, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        log_in(page, ACCOUNTS["caseworker"])
        page.goto("/cases?kind=complaint&q=shop")
        filters = page.locator("details.case-filters")
        expect(filters).not_to_have_attribute("open", "")
        expect(page.locator("#q")).to_be_hidden()
        expect(filters.locator("summary .badge")).to_have_text("2")  # two filters in use
        filters.locator("summary").click()
        expect(page.locator("#q")).to_be_visible()
        expect(page.locator("#q")).to_have_value("shop")
        # Each case is a card: no table header to read, each field with its label.
        expect(page.locator(".case-table thead")).to_have_css("position", "absolute")
        cell = page.locator(f'tr:has(a:text-is("{long_cases["submitted"]}")) td[data-col="respondent"]')
        assert "：" in cell.evaluate("td => getComputedStyle(td, '::before').content")

        # A filter to correct keeps the filters open.
        page.goto("/cases?date_from=not-a-date")
        expect(page.locator("details.case-filters")).to_have_attribute("open", "")
    finally:
        context.close()
