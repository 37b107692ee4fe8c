"""A supervisor reads this month's report in the browser: the preview of the Shenzhen centre with its
subtree, a figure opened to the list of the cases it counts (as many rows as the figure says), the PDF
for printing (its text read back) and the workbook; then
the statistics page filtered to complaints. On a phone the page does not scroll sideways."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_case_journey import log_in

pytestmark = pytest.mark.e2e

SUPERVISOR = "supervisor@demo.ipaid.cn"


def _this_month() -> str:
    from app.core.db import utcnow
    from app.core.workdays import china_day

    return china_day(utcnow()).strftime("%Y-%m")


def test_a_supervisor_reads_the_month_opens_a_figure_and_prints_it(page: Page, shot):
    log_in(page, SUPERVISOR)
    month = _this_month()
    page.goto(f"/reports/monthly?month={month}")
    expect(page.locator("h1")).to_contain_text("月度报表")
    expect(page.get_by_text("预览").first).to_be_visible()
    shot("report-preview")

    # The first figure of the cases' table: "cases received", as a link to what it counts.
    received = page.locator("table").first.locator("tbody tr").first.locator("a").first
    figure = int(received.inner_text())
    assert figure > 0
    received.click()
    expect(page.locator("#drill-title")).to_contain_text("收到案件")
    expect(page.locator("#drill-count")).to_contain_text(str(figure))
    assert page.locator("#drill-list tbody tr").count() == min(figure, 50)
    shot("report-drill-down")

    # Back to the report.
    page.get_by_role("link", name=re.compile("返回报表")).click()
    expect(page.locator("h1")).to_contain_text("月度报表")

    # The PDF for printing (shown in the browser's viewer, so fetched here with the page's session): its
    # text holds the month's figure.
    pdf = page.request.get(page.locator("#report-pdf").get_attribute("href"), timeout=60_000)  # rendered now
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.body(), capture_output=True, check=True).stdout
    text = text.decode()
    assert "月度报表" in text and "预览" in text
    line = next(line for line in text.splitlines() if line.strip().startswith("收到案件"))
    assert line.split()[1] == str(figure)
    workbook = page.request.get(page.locator("#report-xlsx").get_attribute("href"), timeout=60_000)
    assert workbook.ok and "spreadsheetml" in workbook.headers["content-type"]

    # Statistics for the year so far, complaints only.
    page.goto("/reports/statistics")
    expect(page.locator("h1")).to_be_visible()
    kind = page.locator("select[name=kind]")
    kind.select_option("complaint")
    page.locator("form button[type=submit]").first.click()
    expect(page.locator("table").first).to_be_visible()
    shot("statistics-complaints")
    assert page.problems == []

    # On a phone the page fits: tables scroll inside their own box, the page never sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/reports/monthly?month={month}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot("report-phone")
