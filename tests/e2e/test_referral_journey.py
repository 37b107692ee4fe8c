"""A lead referred to the enforcement agency and followed to the agency's fine, in the browser.

The demo applicant 张伟 files a utility-model complaint and the Shenzhen caseworker 王晓敏 accepts it
and adds a purchase receipt as evidence; she refers the lead from the case page (the competent
market regulation bureau of 深圳 is proposed first), the supervisor 陈志远 approves, and she sends the
transfer letter by post. The letter (``pdftotext``) names the agency and the case number and prints
the reply link; the agency, without an account, confirms receipt, says it opened a case and reports
a fine through that link. The applicant's timeline then tells what came of the lead.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_case_journey import APPLICANT, CASEWORKER, act, log_in, log_out, open_from_list, pdf_file, pdf_text
from tests.e2e.test_plan_and_mediation_journey import SUPERVISOR, file_and_accept

pytestmark = pytest.mark.e2e

AGENCY = "深圳市市场监督管理局"


def _success(page: Page):
    expect(page.locator("#content .alert-success").first).to_be_visible()


def test_a_lead_referred_sent_and_answered_by_the_agency(page: Page, shot, tmp_path: Path):
    page.on("dialog", lambda dialog: dialog.accept())  # the question that confirms sending the letter
    respondent = f"深圳市某某模具有限公司{uuid.uuid4().hex[:4]}"
    number = file_and_accept(page, respondent)  # the caseworker is logged in, on the case page

    # 1. The caseworker adds evidence, then refers the lead from the case page.
    page.set_input_files("#evidence-file", pdf_file("公证购买发票.pdf", "Notarised purchase receipt"))
    page.fill("#evidence-description", "公证购买的侵权产品及发票")
    page.locator("#evidence form button[type=submit]").click()
    expect(page.locator("#evidence")).to_contain_text("公证购买发票.pdf")
    page.locator("#referral-start > summary").click()
    agency_select = page.locator("#referral-agency")
    first = agency_select.locator("option").nth(1)
    assert AGENCY in first.inner_text()  # the competent agency comes first
    agency_select.select_option(index=1)
    page.fill("#referral-grounds", "被请求人在电商平台持续销售侵权产品，月销量逾千件。")
    page.locator("#referral-start-form input[name=evidence]").first.check()
    page.locator("#referral-start-form input[name=ground_kinds][value=wilful]").check()
    shot("caseworker-refers-the-lead")
    page.locator("#referral-start-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/referrals/\d+$"))
    referral_url = page.url
    log_out(page)

    # 2. The supervisor approves.
    log_in(page, SUPERVISOR)
    page.goto(referral_url)
    act(page, "approve")
    _success(page)
    log_out(page)

    # 3. The caseworker sends the letter; its text names the agency and the case.
    log_in(page, CASEWORKER)
    page.goto(referral_url)
    page.locator("#action-item-send > summary").click()
    page.select_option("#action-send select[name=method]", value="post")
    page.locator("#action-send button[type=submit]").click()
    _success(page)
    shot("caseworker-letter-sent")
    link = page.locator("#documents a[download]").first
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / "letter.pdf"
    info.value.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert AGENCY in text and number in text, text[:500]
    reply = re.search(r"/agency-replies/([A-Za-z0-9_-]{43})", text).group(1)
    log_out(page)

    # 4. The agency answers through the link printed on the letter, without an account.
    page.goto(f"/agency-replies/{reply}")
    expect(page.locator("#letter")).to_contain_text(number)
    act(page, "record_receipt")
    expect(page.locator("#reply-state")).to_be_visible()
    act(page, "record_decision")
    page.locator("#action-item-record_outcome > summary").click()
    page.fill("#action-record_outcome textarea[name=summary]", "责令停止侵权，没收侵权产品，并处罚款。")
    page.fill("#action-record_outcome input[name=penalty_fen]", "-5")
    page.locator("#action-record_outcome button[type=submit]").click()
    expect(page.locator("#action-record_outcome .alert-danger")).to_be_visible()  # a negative fine is refused
    page.fill("#action-record_outcome input[name=penalty_fen]", "50000")
    page.locator("#action-record_outcome button[type=submit]").click()
    expect(page.locator("#link-closed")).to_be_visible()  # the referral is over: the link has done its work
    shot("agency-reported-the-outcome")

    # 5. The applicant's timeline tells what came of the lead.
    log_in(page, APPLICANT)
    open_from_list(page, number)
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("责令停止侵权，没收侵权产品，并处罚款。")
    expect(timeline).to_contain_text("50,000.00")
    shot("applicant-sees-the-outcome")
    assert not [p for p in page.problems if "page error" in p], page.problems
