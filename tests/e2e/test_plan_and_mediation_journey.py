"""A utility-model complaint from acceptance to an issued plan and an agreed fast mediation, in the browser.

The demo applicant 张伟 files a complaint; the Shenzhen caseworker 王晓敏 accepts it, drafts the
rights-protection plan (a comparison row, a recommended route and its cost) and submits it for review;
the supervisor 陈志远 approves it and the caseworker issues it. The caseworker then starts a fast
mediation with the mediator 李国华, records service on the respondent and the respondent's agreement;
the mediator schedules a session, records it as held and records the agreement (15,000 yuan). The
applicant downloads both documents: the plan, and the agreement, whose text (``pdftotext``) holds the
amount in figures and in Chinese capitals and both parties' names.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_case_journey import (
    APPLICANT,
    CASE_NUMBER,
    CASEWORKER,
    ENTERPRISE,
    act,
    log_in,
    log_out,
    open_action,
    open_from_list,
    pdf_text,
    zh,
)

pytestmark = pytest.mark.e2e

SUPERVISOR = "supervisor@demo.ipaid.cn"  # 陈志远, Shenzhen centre SZ
MEDIATOR = "mediator@demo.ipaid.cn"  # 李国华, Shenzhen centre SZ
PATENT = "202220345678.3"
CHINA = ZoneInfo("Asia/Shanghai")


def _success(page: Page):
    expect(page.locator("#content .alert-success").first).to_be_visible()


def file_and_accept(page: Page, respondent: str) -> str:
    log_in(page, APPLICANT)
    page.locator('nav a.nav-link[href="/cases/new"]').click()
    page.select_option("#kind", value="complaint")
    page.select_option("#ip_type", value="utility_model")
    page.fill("#ip_number", PATENT)
    page.fill("#ip_title", "一种可折叠手机支架")
    page.fill("#respondent_name", respondent)
    page.fill("#facts", "被申请人在电商平台销售与本实用新型专利结构相同的手机支架。")
    page.fill("#help_wanted", "请求快速调解，停止侵权并赔偿损失。")
    page.locator("#content form button[name=intent][value=submit]").click()
    expect(page).to_have_url(CASE_NUMBER)
    number = CASE_NUMBER.search(page.url).group(1)
    log_out(page)

    log_in(page, CASEWORKER)
    open_from_list(page, number)
    act(page, "acknowledge")
    _success(page)
    open_action(page, "accept")
    for box in page.locator("#action-accept input[name=conditions]").all():
        box.check()
    act(page, "accept")
    _success(page)
    return number


def test_plan_and_mediation_from_acceptance_to_the_agreement(page: Page, shot, tmp_path: Path):
    respondent = f"深圳市某某五金制品有限公司{uuid.uuid4().hex[:4]}"
    page.on("dialog", lambda dialog: dialog.accept())  # the questions that confirm an action (issue, agree)
    number = file_and_accept(page, respondent)

    # 1. The caseworker drafts the plan from the case page and fills in the editor.
    expect(page.locator("#plan-panel")).to_be_visible()
    page.locator("#plan-start-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/plans/\d+/edit$"))
    page.fill("#facts", "被申请人销售的手机支架与专利权利要求1的技术特征相同。")
    if page.locator("#row-0-feature").count() == 0:
        page.locator("#add-row").click()
    page.fill("#row-0-feature", "支撑臂通过阻尼铰链与底座连接")
    page.fill("#row-0-accused", "被诉产品支撑臂经阻尼铰链连接底座")
    page.select_option("#row-0-verdict", index=1)
    page.fill("#row-0-evidence", "公证购买的实物及照片")
    page.check("#route-mediation-on")
    page.fill("#route-mediation-cost", "0")
    page.fill("#route-mediation-duration", "1个月")
    shot("caseworker-plan-editor")
    page.locator("#save-top").click()
    _success(page)
    page.goto(re.sub(r"/edit$", "", page.url))
    act(page, "submit_for_review")
    _success(page)
    plan_url = page.url
    log_out(page)

    # 2. The supervisor approves it; the caseworker issues it.
    log_in(page, SUPERVISOR)
    page.goto(plan_url)
    act(page, "approve")
    _success(page)
    log_out(page)
    log_in(page, CASEWORKER)
    page.goto(plan_url)
    act(page, "issue")
    _success(page)
    shot("caseworker-plan-issued")

    # 3. The caseworker starts a fast mediation with the centre's mediator.
    open_from_list(page, number)
    page.locator("#mediation-start > summary").click()
    page.select_option("#mediation-start-form select[name=mediator]", value=MEDIATOR)
    page.fill("#mediation-start-form textarea[name=requests]", "请求被申请人停止销售并赔偿经济损失。")
    page.check("#mediation-not-in-court")
    page.locator("#mediation-start-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/mediations/\d+$"))
    mediation_url = page.url
    today = datetime.now(CHINA).date()
    open_action(page, "serve_respondent")
    page.fill("#action-serve_respondent input[name=served_on]", today.isoformat())
    page.select_option("#action-serve_respondent select[name=method]", value="post")
    act(page, "serve_respondent")
    _success(page)
    act(page, "respondent_agrees")
    _success(page)
    shot("caseworker-mediation-open")
    log_out(page)

    # 4. The mediator schedules a session, records it as held and records the agreement.
    log_in(page, MEDIATOR)
    page.goto(mediation_url)
    starts = (datetime.now(CHINA) + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    open_action(page, "schedule_session")
    page.fill("#action-schedule_session input[name=starts_at]", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#action-schedule_session input[name=place]", "深圳市知识产权维权援助中心调解室")
    act(page, "schedule_session")
    _success(page)
    ics = page.locator('a[href$=".ics"]').first
    expect(ics).to_be_visible()
    calendar = page.request.get(ics.get_attribute("href"))
    assert calendar.ok and b"BEGIN:VEVENT" in calendar.body()

    open_action(page, "record_session")
    page.select_option("#action-record_session select[name=session]", index=1)
    page.fill("#action-record_session input[name=held_at]", datetime.now(CHINA).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#action-record_session textarea[name=minutes]", "双方陈述意见，就赔偿数额达成一致。")
    act(page, "record_session")
    _success(page)

    form = "#action-record_agreement"
    open_action(page, "record_agreement")
    page.fill(f"{form} textarea[name=facts]", "被申请人销售的手机支架落入申请人实用新型专利的保护范围。")
    page.fill(f"{form} textarea[name=disputed_issues]", "是否构成侵权；赔偿数额。")
    page.fill(f"{form} textarea[name=liability]", "被申请人承担停止侵权和赔偿责任。")
    page.fill(f"{form} textarea[name=terms]", "被申请人停止销售被诉产品\n被申请人赔偿申请人经济损失")
    page.fill(f"{form} input[name=amount_fen]", "15000")
    page.fill(f"{form} input[name=perform_by]", (today + timedelta(days=15)).isoformat())
    page.fill(f"{form} textarea[name=performance_method]", "银行转账一次性支付。")
    page.fill(f"{form} textarea[name=costs_borne_by]", "各自承担。")
    shot("mediator-agreement-filled")
    act(page, "record_agreement")
    _success(page)
    shot("mediator-agreed")
    log_out(page)

    # 5. The applicant downloads the plan and the agreement from the case page.
    log_in(page, APPLICANT)
    open_from_list(page, number)
    documents = page.locator("#documents")
    expect(documents).to_contain_text(zh("Rights-protection plan"))
    expect(documents).to_contain_text(zh("Mediation agreement"))
    shot("applicant-sees-plan-and-agreement")
    texts = {}
    for row in documents.locator("tbody tr").all():
        link = row.locator('a[download][href*="/documents/"]')
        if not link.count():
            continue
        with page.expect_download() as download_info:
            link.click()
        download = download_info.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        texts[download.suggested_filename] = pdf_text(saved.read_bytes())
    plan = next(t for name, t in texts.items() if "protection_plan" in name)
    agreement = next(t for name, t in texts.items() if "mediation_agreement" in name)
    assert zh("Rights-protection plan") in plan and number in plan, plan[:400]
    assert "15,000.00" in agreement and "壹万伍仟元整" in agreement, agreement[:800]
    assert ENTERPRISE in agreement and respondent in agreement, agreement[:800]
    assert not [p for p in page.problems if "page error" in p], page.problems
