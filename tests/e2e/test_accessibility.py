"""Accessibility, in the browser: axe-core on every page each role reaches, in Chinese and in English.

One test per role (and one for an anonymous visitor) logs in once, visits its pages in Chinese,
switches to English with the navbar button and visits them again. Every axe violation is written to
``test-artifacts/e2e/axe-<role>.json``; the test fails on those of impact "serious" or "critical"
(the "moderate" and "minor" ones are reported there, and printed, without failing).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from app.admin.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}
LANGUAGES = (("zh", "zh-CN"), ("en", "en"))

Check = Callable[[str], None]

DUPLICATE_IDS = """() => {
  const seen = new Set(), duplicates = new Set();
  for (const el of document.querySelectorAll("[id]")) (seen.has(el.id) ? duplicates : seen).add(el.id);
  return [...duplicates];
}"""


def main_submit(page: Page):
    """The submit button of the page's own form (the navbar holds the language and logout forms)."""
    return page.locator("#content form button[type=submit]").first


def anonymous_pages(page: Page, check: Check) -> None:
    page.goto("/")
    check("home")
    page.goto("/login")
    check("login")
    page.goto("/register")
    check("register")
    main_submit(page).click()
    expect(page.locator("#content .alert-danger")).to_be_visible()
    expect(page.locator("#content .is-invalid").first).to_be_visible()
    check("register, submitted empty")


def applicant_pages(page: Page, check: Check) -> None:
    page.goto("/")
    check("home")
    page.goto("/enterprise")
    expect(page).to_have_url(re.compile(r"/enterprises/\d+$"))
    check("own enterprise")
    page.locator('#content a[href$="/edit"]').click()
    expect(page).to_have_url(re.compile(r"/enterprises/\d+/edit$"))
    check("own enterprise, edit")
    page.goto("/account")
    check("account")
    page.goto("/cases")
    check("my cases")
    # A case waiting for more material: its timeline, deadlines and the form to answer.
    page.locator("#content tr", has_text="蓝牙耳机充电仓").locator("a[href^='/cases/']").first.click()
    expect(page).to_have_url(re.compile(r"/cases/[A-Z]+-\d{4}-\d{5}$"))
    check("case page")
    page.goto("/cases/new")
    check("file a case")


def caseworker_pages(page: Page, check: Check) -> None:
    page.goto("/")
    check("home")
    page.goto("/enterprises")
    check("enterprises")
    page.locator("#content table tbody a").first.click()
    expect(page).to_have_url(re.compile(r"/enterprises/\d+$"))
    check("enterprise")
    page.goto("/enterprises/requests")
    expect(page.locator("#content table tbody button").first).to_be_visible()  # a request is waiting
    check("join requests")
    page.goto("/centres")
    check("centres")
    page.locator("#content table tbody a").first.click()
    expect(page).to_have_url(re.compile(r"/centres/\d+$"))
    check("centre")
    page.goto("/cases")
    check("case list")
    page.goto("/cases?overdue=yes&sort=due")
    check("case list, deadline filter")
    page.goto("/my-work")
    check("my work")
    # The handover the supervisor offered: the case page with its clocks and the answer forms.
    page.locator("#content table tbody a[href^='/cases/']").first.click()
    expect(page).to_have_url(re.compile(r"/cases/[A-Z]+-\d{4}-\d{5}$"))
    check("case page with a handover offered")
    page.goto("/notifications")
    check("notifications")


def supervisor_pages(page: Page, check: Check) -> None:
    page.goto("/escalation")
    check("escalation board")
    page.goto("/escalation?date_from=2026-12-31&date_to=2026-12-01")
    expect(page.locator("#content .invalid-feedback").first).to_be_visible()
    check("escalation board, invalid period")
    page.goto("/workflow")
    check("workflow")


def admin_pages(page: Page, check: Check) -> None:
    page.goto("/")
    check("home")
    page.goto("/admin/users")
    check("staff accounts")
    page.goto("/admin/users/new")
    check("new staff account")
    page.goto("/admin/users")
    # Someone else's account: the page then also has the form to set a new password.
    row = page.locator("#content table tbody tr", has_text="caseworker@demo.ipaid.cn")
    row.locator('a[href$="/edit"]').click()
    expect(page).to_have_url(re.compile(r"/admin/users/\d+/edit$"))
    check("edit staff account")
    page.goto("/admin/centres/new")
    check("new centre")
    # Shenzhen: it has a parent to inherit from and a value of its own.
    page.goto("/centres")
    row = page.locator("#content table tbody tr", has=page.locator("code", has_text=re.compile(r"^SZ$")))
    row.locator("a").first.click()
    expect(page).to_have_url(re.compile(r"/centres/\d+$"))
    centre_url = page.url
    page.locator('#content a[href$="/edit"]').click()
    expect(page).to_have_url(re.compile(r"/admin/centres/\d+/edit$"))
    check("edit centre")
    page.goto(centre_url)
    page.locator('#content a[href$="/settings"]').click()
    expect(page).to_have_url(re.compile(r"/admin/centres/\d+/settings$"))
    check("centre settings")
    # An out-of-range value comes back with its error beside the field (nothing is saved).
    page.locator("#content table input").first.fill("99999")
    main_submit(page).click()
    expect(page.locator("#content .invalid-feedback").first).to_be_visible()
    check("centre settings, invalid value")
    page.goto("/admin/calendar")
    check("working-day calendar")
    page.goto("/admin/calendar/edit?year=2027")
    check("enter a calendar year")


ROLES = {
    "anonymous": anonymous_pages,
    "applicant": applicant_pages,
    "caseworker": caseworker_pages,
    "supervisor": supervisor_pages,
    "admin": admin_pages,
}
EMAILS = dict(DEMO_ACCOUNTS)


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    main_submit(page).click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("nav form[action$='/logout']")).to_have_count(1)


def switch_to_english(page: Page) -> None:
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize("role", list(ROLES))
def test_pages_have_no_serious_accessibility_violations(role: str, page: Page, artifacts_dir):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page.emulate_media(reduced_motion="reduce")  # no fading alerts while colours are measured
    found: list[dict] = []
    visited: list[str] = []

    def checker(lang: str, html_lang: str) -> Check:
        def check(label: str) -> None:
            expect(page.locator("html")).to_have_attribute("lang", html_lang)
            page.wait_for_load_state("load")
            where = f"{label} [{lang}]"
            visited.append(where)
            # axe no longer reports duplicate ids on their own; labels and ARIA references need them unique.
            for dup in page.evaluate(DUPLICATE_IDS):
                found.append(
                    {
                        "page": where,
                        "url": page.url,
                        "id": "duplicate-id",
                        "impact": "serious",
                        "help": f"id {dup!r} is used more than once",
                        "nodes": [],
                    }
                )
            for violation in axe.run(page).response["violations"]:
                found.append(
                    {
                        "page": where,
                        "url": page.url,
                        "id": violation["id"],
                        "impact": violation["impact"],
                        "help": violation["help"],
                        "nodes": [
                            {"target": node["target"], "summary": node.get("failureSummary", "")}
                            for node in violation["nodes"]
                        ],
                    }
                )

        return check

    if role != "anonymous":
        log_in(page, EMAILS[role])
    try:
        for lang, html_lang in LANGUAGES:
            if lang == "en":
                switch_to_english(page)
            ROLES[role](page, checker(lang, html_lang))
    finally:
        # The choice is remembered on the account: leave the demo accounts in Chinese for later journeys.
        if page.locator("html[lang=en]").count():
            page.get_by_role("button", name="中文", exact=True).click()
            expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    report = artifacts_dir / f"axe-{role}.json"
    report.write_text(json.dumps({"visited": visited, "violations": found}, ensure_ascii=False, indent=2))
    for v in found:
        if v["impact"] not in BLOCKING:
            print(f"axe {v['impact']}: {v['id']} on {v['page']} ({len(v['nodes'])} nodes)")

    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert not blocking, "\n".join(
        f"{v['impact']} {v['id']} on {v['page']} {v['url']}: {v['help']}\n"
        + "\n".join(f"    {n['target']}: {n['summary']}" for n in v["nodes"][:5])
        for v in blocking
    )
    assert not [p for p in page.problems if "page error" in p], page.problems
