"""An applicant's first visit, in the browser: register with a new enterprise, log out and in, switch language."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: digits and capitals without I, O, S, V, Z
PASSWORD = "Kx9-bridge-lantern"
ENTERPRISE = "深圳市测试创新科技有限公司"


def credit_code_check(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a unified social credit code."""
    total = sum(CHARSET.index(char) * (3**i % 31) for i, char in enumerate(first17))
    return CHARSET[(31 - total % 31) % 31]


def new_credit_code() -> str:
    """A valid code for a company (91) registered in Shenzhen (440300), with a random organisation code."""
    n = uuid.uuid4().int
    body = ""
    for _ in range(9):
        body += CHARSET[n % 31]
        n //= 31
    first17 = "91440300" + body
    return first17 + credit_code_check(first17)


def test_credit_code_check_matches_known_codes():
    """The check above agrees with real codes (and with the demo data the server was seeded with)."""
    for code in ("91350100M000100Y43", "91440300MA5EY3PN22", "91440101MA59TR6X1W"):
        assert credit_code_check(code[:17]) == code[17]


def expect_chinese(page: Page):
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def expect_english(page: Page):
    expect(page.locator("html")).to_have_attribute("lang", "en")


def main_submit(page: Page):
    """The submit button of the page's own form (the navbar holds the language and logout forms)."""
    return page.locator("#content form button[type=submit]")


def choose_centre(page: Page, code: str):
    """Select the centre whose option text ends with its code in parentheses, half- or full-width."""
    pattern = re.compile(rf"[(（]{re.escape(code)}[)）]")
    options = page.locator("#centre_id option")
    values = [
        options.nth(i).get_attribute("value")
        for i in range(options.count())
        if pattern.search(options.nth(i).inner_text())
    ]
    assert len(values) == 1, f"expected one centre option for {code}, got {values}"
    page.select_option("#centre_id", value=values[0])


def test_register_log_out_log_in_and_switch_language(page: Page, shot):
    email = f"liming.{uuid.uuid4().hex[:10]}@ceshi-chuangxin.cn"
    good_code = new_credit_code()
    bad_code = good_code[:17] + CHARSET[(CHARSET.index(good_code[17]) + 1) % 31]

    # The home page of an anonymous visitor is in Chinese.
    page.goto("/")
    expect_chinese(page)
    expect(page.locator('nav a[href="/register"]')).to_have_text("注册")
    shot("home-anonymous")

    page.locator('nav a[href="/register"]').click()
    expect(page).to_have_url(re.compile(r"/register$"))
    expect_chinese(page)
    shot("register-empty")

    # Fill in the person and a new enterprise, with a credit code whose check character is wrong.
    page.fill("#full_name", "李明")
    page.fill("#email", email)
    page.fill("#position", "法务专员")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.fill("#credit_code", bad_code)
    page.fill("#name", ENTERPRISE)
    page.select_option("#industry", value="software_it")
    page.fill("#staff_count", "30")
    page.fill("#revenue_wan", "500")
    choose_centre(page, "SZ")
    page.check("#privacy_consent")
    shot("register-filled-bad-code")
    main_submit(page).click()

    # The form comes back with the error beside the credit code and the typed values kept.
    expect(page.locator("#credit_code-error")).to_be_visible()
    expect(page.locator("#credit_code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#credit_code")).to_have_attribute("aria-describedby", re.compile(r"\bcredit_code-error\b"))
    expect(page.locator("#credit_code")).to_have_value(bad_code)
    expect(page.locator("#name")).to_have_value(ENTERPRISE)
    expect(page.locator("#full_name")).to_have_value("李明")
    expect(page.locator("#email")).to_have_value(email)
    expect(page.locator("#industry")).to_have_value("software_it")
    expect(page.locator("#staff_count")).to_have_value("30")
    expect(page.locator("#centre_id option:checked")).to_have_text(re.compile(r"[(（]SZ[)）]"))
    expect(page.locator("#content .alert-danger")).to_be_visible()
    expect_chinese(page)
    shot("register-bad-code-error")

    # Fix the code; passwords are never sent back to the browser, so they are typed again.
    page.fill("#credit_code", good_code)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    main_submit(page).click()

    # Logged in on the home page, which shows the new enterprise and its size class.
    expect(page).to_have_url(re.compile(r"/$"))
    expect_chinese(page)
    expect(page.locator("h1")).to_have_text("欢迎，李明")
    card = page.locator(".card", has=page.locator("h2", has_text=ENTERPRISE))
    expect(card).to_be_visible()
    expect(card).to_contain_text(good_code)
    expect(card.locator(".badge").first).to_have_text("小型企业")
    expect(page.locator("#content .alert-success")).to_be_visible()
    shot("home-registered")

    # Log out.
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect_chinese(page)
    expect(page.get_by_role("button", name="退出登录")).to_have_count(0)
    shot("logged-out")

    # Log in again through the login form.
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    main_submit(page).click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect_chinese(page)
    expect(page.locator("h1")).to_have_text("欢迎，李明")
    expect(page.locator(".card h2", has_text=ENTERPRISE)).to_be_visible()
    shot("home-logged-in-again")

    # Switch to English.
    page.get_by_role("button", name="English", exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect_english(page)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("button", name="中文", exact=True)).to_be_visible()
    expect(page.locator("h1")).to_have_text("Welcome, 李明")
    expect(page.locator("#home-enterprise .badge").first).to_have_text("Small enterprise")
    shot("home-english")

    # English is remembered on reload and on another page.
    page.reload()
    expect_english(page)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.locator('nav a[href="/account"]').click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect_english(page)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    shot("account-english")

    # Back to Chinese, on the same page.
    page.get_by_role("button", name="中文", exact=True).click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect_chinese(page)
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    expect(page.get_by_role("button", name="English", exact=True)).to_be_visible()
    shot("account-chinese")
    page.goto("/")
    expect_chinese(page)
    expect(page.locator("h1")).to_have_text("欢迎，李明")

    assert not [p for p in page.problems if "page error" in p], page.problems
