"""A complaint from filing to acceptance, in the browser, with the interface in Chinese.

The demo applicant 张伟 (深圳市华芯微电子有限公司, served by the Huaqiangbei workstation SZHQB) files a
utility-model complaint with a PDF as evidence; the caseworker of the Shenzhen centre SZ (the
workstation's parent) finds it in the case list, acknowledges it and asks for more material; the
applicant reads the request on the timeline, uploads a file and provides the material; the caseworker
accepts the case confirming the five conditions; the applicant downloads the acceptance notice, whose
text (``pdftotext``) carries the case number.

Buttons and fields are found by their ids and form actions; their labels are then compared with the
Chinese catalog (``zh(msgid)``), so the journey checks that the interface is in Chinese without
repeating the translations here.
"""

from __future__ import annotations

import functools
import re
import subprocess
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "Demo-IPaid-2026"  # app.admin.demo.DEMO_PASSWORD
APPLICANT = "applicant@demo.ipaid.cn"  # 张伟, 深圳市华芯微电子有限公司 (SZHQB)
CASEWORKER = "caseworker@demo.ipaid.cn"  # 王晓敏, Shenzhen centre SZ, the parent of SZHQB
ENTERPRISE = "深圳市华芯微电子有限公司"
PATENT = "202320123456.1"
FACTS = "被投诉人在某电商平台销售与本实用新型专利相同的折叠式支架，售价明显低于市场价。"
REQUEST = "请补充侵权产品的购买凭证（发票或订单截图）。"
PROVIDED = "已上传购买订单截图及发票。"
CASE_NUMBER = re.compile(r"/cases/([A-Z0-9]+-\d{4}-\d{5})$")
CATALOG = Path(__file__).resolve().parents[2] / "app/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


@functools.cache
def _catalog():
    from babel.messages.pofile import read_po

    with CATALOG.open("rb") as fh:
        return read_po(fh)


def zh(msgid: str) -> str:
    """The Chinese translation of ``msgid`` (the live server compiles the same catalog)."""
    message = _catalog().get(msgid)
    assert message is not None and message.string and not message.fuzzy, f"no Chinese translation of {msgid!r}"
    return message.string


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF (cross-reference table with exact offsets) showing ``text`` (ASCII)."""
    content = f"BT /F1 18 Tf 72 770 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def pdf_text(data: bytes) -> str:
    """The text of a PDF, whitespace removed so that line breaks do not matter."""
    assert data[:5] == b"%PDF-", data[:20]
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())


def test_tiny_pdf_is_a_real_pdf():
    assert "Purchasereceipt" in pdf_text(tiny_pdf("Purchase receipt"))


def pdf_file(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": tiny_pdf(text)}


# ---- steps -------------------------------------------------------------------------------------------


def expect_chinese(page: Page):
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def log_in(page: Page, email: str):
    page.goto("/login")
    expect_chinese(page)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("#content form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def log_out(page: Page):
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def open_from_list(page: Page, number: str):
    """Follow the navbar's link to the case list, then the case's number."""
    page.locator('nav a.nav-link[href="/cases"]').click()
    expect(page).to_have_url(re.compile(r"/cases$"))
    page.get_by_role("link", name=number, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/cases/{re.escape(number)}$"))
    expect(page.locator("h1")).to_contain_text(number)


def open_action(page: Page, action: str):
    """Open the action's form in the panel (one at a time); a form outside the panel is open already."""
    item = page.locator(f"#action-item-{action}")
    if item.count() and item.get_attribute("open") is None:
        item.locator("> summary").click()
    expect(page.locator(f"#action-{action}")).to_be_visible()


def act(page: Page, action: str):
    open_action(page, action)
    page.locator(f"#action-{action} button[type=submit]").click()


def expect_state(page: Page, *, open_actions: list[str], gone: list[str]):
    """The page offers exactly the next actions expected (the state moved on)."""
    for action in open_actions:
        expect(page.locator(f"#action-{action}")).to_have_count(1)
    for action in gone:
        expect(page.locator(f"#action-{action}")).to_have_count(0)


# ---- the journey ------------------------------------------------------------------------------------


@pytest.fixture
def fresh_login_limit():
    """Five log-ins from 127.0.0.1 in a minute, after other browser tests: start from a clean count."""
    from app.extensions import limiter

    limiter.reset()


def test_complaint_from_filing_to_acceptance_notice(page: Page, shot, tmp_path: Path, fresh_login_limit):
    respondent = f"深圳市仿冒电子商行{uuid.uuid4().hex[:6]}"  # a new respondent: no duplicate warning

    # 1. The applicant files a complaint with a PDF as evidence.
    log_in(page, APPLICANT)
    expect(page.locator('nav a.nav-link[href="/cases/new"]')).to_have_text(zh("File a complaint"))
    page.locator('nav a.nav-link[href="/cases/new"]').click()
    expect(page).to_have_url(re.compile(r"/cases/new$"))
    expect_chinese(page)
    expect(page.locator("#content")).to_contain_text(ENTERPRISE)
    page.select_option("#kind", value="complaint")
    page.select_option("#ip_type", value="utility_model")
    page.fill("#ip_number", PATENT)
    page.fill("#ip_title", "一种折叠式手机支架")
    page.fill("#respondent_name", respondent)
    page.fill("#respondent_url", "shop.example.com/item/8848")
    page.fill("#facts", FACTS)
    page.fill("#help_wanted", "请求中心组织调解，制止侵权行为。")
    page.fill("#claimed_amount", "50000")
    page.set_input_files("#evidence", pdf_file("侵权产品照片.pdf", "Photo of the infringing product"))
    shot("applicant-filing-filled")
    submit = page.locator("#content form button[name=intent][value=submit]")
    expect(submit).to_have_text(zh("Submit"))
    submit.click()

    expect(page).to_have_url(CASE_NUMBER)
    number = CASE_NUMBER.search(page.url).group(1)
    expect(page.locator("#content .alert-success")).to_contain_text(number)
    expect(page.locator("h1")).to_contain_text(number)
    expect(page.locator("#claimed-amount")).to_have_text("¥50,000.00")
    expect(page.locator("#content")).to_contain_text(PATENT)
    expect(page.locator("#content")).to_contain_text(respondent)
    expect(page.locator("#evidence")).to_contain_text("侵权产品照片.pdf")
    expect_state(page, open_actions=["withdraw"], gone=["submit", "provide_material"])
    expect_chinese(page)
    shot("applicant-submitted")
    log_out(page)

    # 2. The caseworker of the parent centre finds it in the list, acknowledges it and asks for material.
    log_in(page, CASEWORKER)
    open_from_list(page, number)
    expect(page.locator("#content")).to_contain_text(ENTERPRISE)
    expect_state(page, open_actions=["acknowledge"], gone=["accept", "request_material"])
    expect(page.locator("#action-acknowledge button")).to_have_text(zh("Acknowledge receipt"))
    shot("caseworker-opens-case")
    act(page, "acknowledge")
    expect(page).to_have_url(re.compile(rf"/cases/{re.escape(number)}$"))
    expect(page.locator("#content .alert-success")).to_be_visible()
    expect_state(page, open_actions=["request_material", "accept", "decline"], gone=["acknowledge"])
    shot("caseworker-acknowledged")

    open_action(page, "request_material")
    page.fill("#comment-request_material", REQUEST)
    expect(page.locator("#action-request_material button")).to_have_text(zh("Ask for more material"))
    act(page, "request_material")
    expect(page.locator("#content .alert-success")).to_be_visible()
    expect_state(page, open_actions=["decline"], gone=["request_material", "accept"])
    expect(page.locator("#timeline")).to_contain_text(REQUEST)
    shot("caseworker-asked-for-material")
    log_out(page)

    # 3. The applicant reads the request on the timeline, uploads a file and provides the material.
    log_in(page, APPLICANT)
    open_from_list(page, number)
    request_event = page.locator("#timeline li", has_text=REQUEST)
    expect(request_event).to_have_count(1)
    expect(request_event).to_contain_text(zh("The centre asks for more material:"))
    expect_state(page, open_actions=["provide_material", "withdraw"], gone=["acknowledge", "accept"])
    shot("applicant-sees-request")

    page.set_input_files("#evidence-file", pdf_file("购买订单截图.pdf", "Order 8848 receipt"))
    page.fill("#evidence-description", "电商平台购买订单及发票")
    upload = page.locator("#evidence form button[type=submit]")
    expect(upload).to_have_text(zh("Upload"))
    upload.click()
    expect(page).to_have_url(re.compile(rf"/cases/{re.escape(number)}$"))
    expect(page.locator("#content .alert-success")).to_be_visible()
    evidence_rows = page.locator("#evidence tbody tr")
    expect(evidence_rows).to_have_count(2)
    expect(page.locator("#evidence")).to_contain_text("购买订单截图.pdf")
    expect(page.locator("#evidence")).to_contain_text("电商平台购买订单及发票")

    page.fill("#comment-provide_material", PROVIDED)
    expect(page.locator("#action-provide_material button")).to_have_text(zh("Provide the material"))
    shot("applicant-uploaded-and-wrote")
    act(page, "provide_material")
    expect(page.locator("#content .alert-success")).to_be_visible()
    expect_state(page, open_actions=["withdraw"], gone=["provide_material"])
    expect(page.locator("#timeline")).to_contain_text(PROVIDED)
    shot("applicant-provided-material")
    log_out(page)

    # 4. The caseworker accepts the case, confirming the five acceptance conditions.
    log_in(page, CASEWORKER)
    open_from_list(page, number)
    expect(page.locator("#timeline")).to_contain_text(PROVIDED)
    expect(page.locator("#evidence tbody tr")).to_have_count(2)
    open_action(page, "accept")
    conditions = page.locator("#action-accept input[name=conditions]")
    expect(conditions).to_have_count(5)
    expect(page.locator("#action-accept legend")).to_have_text(zh("Acceptance conditions (confirm each)"))
    # Four of five first: the page refuses and keeps the ticks.
    for i in range(4):
        conditions.nth(i).check()
    act(page, "accept")
    expect(page.locator("#action-accept-errors")).to_be_visible()
    expect(page.locator("#action-accept input[name=conditions]:checked")).to_have_count(4)
    shot("caseworker-accept-refused-four-of-five")
    conditions.nth(4).check()
    shot("caseworker-accept-five-conditions")
    act(page, "accept")
    expect(page.locator("#content .alert-success")).to_be_visible()
    expect_state(page, open_actions=["start_handling"], gone=["accept", "decline", "request_material"])
    expect(page.locator("#documents tbody tr")).to_have_count(1)
    shot("caseworker-accepted")
    log_out(page)

    # 5. The applicant downloads the acceptance notice; its text carries the case number.
    log_in(page, APPLICANT)
    open_from_list(page, number)
    expect(page.locator("#timeline")).to_contain_text(zh("Your case was accepted."))
    link = page.locator('#documents a[download][href*="/documents/"]')
    expect(link).to_have_count(1)
    expect(link).to_have_text(zh("Download PDF"))
    expect(page.locator("#documents tbody")).to_contain_text(zh("Acceptance notice"))
    shot("applicant-sees-acceptance-notice")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"{number}-acceptance_notice.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert number in text, text[:500]
    assert ENTERPRISE in text and respondent in text, text[:500]
    assert zh("Acceptance notice") in text, f"the notice of a Chinese applicant is not in Chinese: {text[:300]}"

    # The evidence table's size column is a file's size, not an enterprise's size class (企业规模).
    expect(page.locator("#evidence thead")).not_to_contain_text("企业规模")
    assert not [p for p in page.problems if "page error" in p], page.problems


# ---- the wording ----------------------------------------------------------------------------------------

# What the journey reads and clicks, as msgids.
JOURNEY_LABELS = [
    "File a complaint",
    "Save draft",
    "Submit",
    "Cases",
    "Acknowledge receipt",
    "Ask for more material",
    "What is missing",
    "Provide the material",
    "What you provide",
    "Accept",
    "Acceptance conditions (confirm each)",
    "Upload",
    "Evidence and material",
    "Documents",
    "Download PDF",
    "Timeline",
    "The centre asks for more material:",
    "Your case was accepted.",
    "Acceptance notice",
]


def test_the_journey_labels_are_translated():
    """The buttons and headings of the journey have Chinese translations (quickly, without a browser)."""
    catalog = _catalog()
    missing = [m for m in JOURNEY_LABELS if not (catalog.get(m) and catalog.get(m).string and not catalog.get(m).fuzzy)]
    assert not missing, f"not in the Chinese catalog (run pybabel extract/update and translate): {missing}"
