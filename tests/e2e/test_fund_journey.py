"""A request to the overseas mutual-aid fund from the applicant's submission to two approvals and a
payout, in the browser.

In the demo, 深圳市华芯微电子 is a member of Guangdong's fund that has not paid up: the administrator
records the rest of its contribution on the fund's page. The applicant 张伟 files a complaint that the
Shenzhen caseworker accepts; on the case page he asks the fund, photographing the US lawyers' invoice
right in the cost row (USD 40,000.00 at 7.1234), and submits. The caseworker reviews, the Shenzhen
supervisor approves, the province's fund committee member approves apart from them: the decision
letter (``pdftotext``) states the amount in figures and in capitals. The caseworker then records a
payout against the invoice, and the applicant's case page shows what was paid.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_case_journey import APPLICANT, CASEWORKER, ENTERPRISE, log_in, log_out, pdf_file, pdf_text
from tests.e2e.test_plan_and_mediation_journey import SUPERVISOR, file_and_accept

pytestmark = pytest.mark.e2e

ADMIN = "admin@demo.ipaid.cn"  # 广东: keeps the fund's members and money
COMMITTEE = "fund@demo.ipaid.cn"  # 黄慧, 广东's fund committee
GRANT = "142,468.00"  # half of USD 40,000.00 at 7.1234 (284,936.00 yuan)
GRANT_CAPITALS = "壹拾肆万贰仟肆佰陆拾捌元整"


def _success(page: Page):
    expect(page.locator("#content .alert-success").first).to_be_visible()


def _act(page: Page, action: str, **fields):
    page.locator(f"#action-item-{action} > summary").click()
    for name, value in fields.items():
        target = page.locator(f"#action-{action} [name={name}]")
        if target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(index=1) if value is None else target.select_option(value=value)
        else:
            target.fill(value)
    page.locator(f"#action-{action} button[type=submit]").click()
    _success(page)


def test_a_member_asks_the_fund_and_is_granted_and_paid(page: Page, shot, tmp_path: Path):
    page.on("dialog", lambda dialog: dialog.accept())  # the questions that confirm submitting and granting

    # 0. The administrator records what 华芯 still owes of its contribution: it is in good standing.
    log_in(page, ADMIN)
    page.goto("/funds")
    page.locator("#content a[href^='/funds/']", has_text="广东省海外知识产权维权互助基金").first.click()
    row = page.locator("#member-list tr[id^=membership-]", has_text=ENTERPRISE)
    membership = row.get_attribute("id").split("-")[1]
    form = page.locator(f"#contribution-form-{membership}")
    page.locator(f"tr:has(#contribution-form-{membership}) summary").click()
    form.locator("input[name$=amount]").fill("30000")
    form.locator("input[name$=occurred_on]").fill("2026-01-15")
    form.locator("input[name$=reference]").fill("补缴会费 银行回单")
    form.locator("button[type=submit]").click()
    _success(page)
    log_out(page)

    # 1. A case accepted; the applicant asks the fund from the case page, photographing the invoice.
    number = file_and_accept(page, f"美国某某科技公司{uuid.uuid4().hex[:4]}")
    log_out(page)
    log_in(page, APPLICANT)
    page.goto(f"/cases/{number}")
    page.locator("#fund-start").click()
    page.select_option("#dispute_type", value="litigation")
    page.select_option("#country", value="US")
    page.fill("#forum", "美国加利福尼亚州中区联邦地区法院")
    page.fill("#dispute_started_on", "2026-03-01")
    page.fill("#description", "美国竞争对手起诉本企业专利侵权，本企业应诉。")
    page.select_option("#costs-0-kind", value="lawyer")
    page.fill("#costs-0-description", "应诉律师费")
    page.fill("#costs-0-invoice_number", "INV-2026-0415")
    page.select_option("#costs-0-currency", value="USD")
    page.fill("#costs-0-original_amount", "40000.00")
    page.fill("#costs-0-rate", "7.1234")
    page.fill("#costs-0-rate_on", "2026-04-15")
    page.set_input_files("#costs-0-file", pdf_file("美国律所发票.pdf", "Invoice INV-2026-0415 USD 40,000.00"))
    expect(page.locator("#costs-0-yuan")).to_contain_text("284,936.00")  # the yuan shown as typed
    shot("applicant-asks-the-fund")
    page.locator("#save").click()
    expect(page).to_have_url(re.compile(r"/fund-requests/\d+$"))
    request_url = page.url
    _act(page, "submit")
    log_out(page)

    # 2. The caseworker reviews; the supervisor approves; the committee member approves apart from them.
    log_in(page, CASEWORKER)
    page.goto(request_url)
    _act(page, "review")
    expect(page.locator("#working")).to_contain_text(GRANT)
    log_out(page)
    log_in(page, SUPERVISOR)
    page.goto(request_url)
    _act(page, "approve")
    log_out(page)
    log_in(page, COMMITTEE)
    page.goto(request_url)
    shot("committee-approves")
    _act(page, "approve_second")
    link = page.locator("#documents a[download]").first
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / "decision.pdf"
    info.value.save_as(saved)
    text = "".join(pdf_text(saved.read_bytes()).split())
    assert "资助决定书" in text and number in text and ENTERPRISE in text, text[:400]
    assert GRANT in text and GRANT_CAPITALS in text, text[:800]  # the amount in figures and in capitals
    log_out(page)

    # 3. The caseworker pays against the invoice; the applicant sees what was paid.
    log_in(page, CASEWORKER)
    page.goto(request_url)
    _act(page, "pay", amount_fen="50000", attachment=None, reference="网银转账 0001")
    expect(page.locator("#content")).to_contain_text("50,000.00")
    log_out(page)
    log_in(page, APPLICANT)
    page.goto(f"/cases/{number}")
    expect(page.locator("#fund-panel")).to_contain_text("50,000.00")
    shot("applicant-sees-the-payout")
