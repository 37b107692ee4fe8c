"""A handover offered on the case page and accepted by the colleague, in the browser (interface in Chinese).

A web complaint of the demo enterprise 深圳市云图软件科技有限公司 (served by the Shenzhen centre SZ)
waits to be taken up. The SZ caseworker 王晓敏 opens it, acknowledges it (becoming its first
responder), sees the three clocks, and offers the work to the SZ supervisor 陈志远 with a note. He
logs in, finds the offer under "My work", opens the case from there and accepts it. The case page
then shows him as the owner and 王晓敏 still as the first responder; she is still its first
responder on her own "My work".

The case is filed through the services before the journey starts (filing in the browser is
``test_case_journey``'s). Elements are found by ids; labels whose translation may not exist yet
are not compared.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_case_journey import act, expect_chinese, log_in, log_out, open_action

pytestmark = pytest.mark.e2e

CASEWORKER = "caseworker@demo.ipaid.cn"  # 王晓敏, SZ
SUPERVISOR = "supervisor@demo.ipaid.cn"  # 陈志远, SZ
APPLICANT = "applicant.yt@demo.ipaid.cn"  # 孙磊, 深圳市云图软件科技有限公司 (SZ)
NOTE = "本人下周出差，请负责人接手跟进。"


@pytest.fixture
def waiting_case(live_server) -> str:
    """A submitted web complaint of the SZ enterprise that nobody has taken up yet; its number."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.cases import services
    from app.enterprises.models import Enterprise
    from app.extensions import db
    from tests.e2e.conftest import _live

    with _live["app"].app_context():
        applicant = db.session.execute(select(User).where(User.email == APPLICANT)).scalar_one()
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
            facts="被投诉人在其网站上提供与我司软件界面相同的产品下载。",
            help_wanted="请求协助制止侵权。",
        )
        services.transition(case, "submit", applicant)
        number = case.number
        db.session.commit()
        db.session.remove()
    return number


def open_case(page: Page, number: str):
    page.goto(f"/cases/{number}")
    expect(page.locator("h1")).to_contain_text(number)


def test_a_handover_offered_and_accepted(page: Page, shot, waiting_case: str):
    number = waiting_case

    # 1. The caseworker takes the case up, and offers it to the supervisor.
    log_in(page, CASEWORKER)
    open_case(page, number)
    act(page, "acknowledge")
    expect(page.locator("#content .alert-success")).to_be_visible()
    expect(page.locator("#first-responder")).to_have_text("王晓敏")
    expect(page.locator("#owner")).to_have_text("王晓敏")
    clocks = page.locator("#clocks")
    expect(clocks.locator("tr[data-clock=response]")).to_have_attribute("data-state", "met_on_time")
    expect(clocks.locator("tr[data-clock=handling]")).to_have_count(1)
    expect(page.locator("#action-accept_handover")).to_have_count(0)  # nothing offered to her
    open_action(page, "offer_handover")
    colleague = page.locator("#handover-to")
    expect(colleague.locator("option[value='supervisor@demo.ipaid.cn']")).to_have_count(1)
    expect(colleague.locator(f"option[value='{CASEWORKER}']")).to_have_count(0)  # not herself
    colleague.select_option(value=SUPERVISOR)
    page.locator("#action-offer_handover details summary").click()
    page.fill("#comment-offer_handover", NOTE)
    shot("caseworker-offers-handover")
    act(page, "offer_handover")
    expect(page.locator("#content .alert-success")).to_be_visible()
    offer = page.locator("#open-offer")
    expect(offer).to_contain_text("陈志远")
    expect(offer).to_contain_text(NOTE)
    expect(page.locator("#owner")).to_have_text("王晓敏")  # nothing changes until he accepts
    expect(page.locator("#action-offer_handover")).to_have_count(0)
    expect_chinese(page)
    shot("caseworker-offer-open")
    log_out(page)

    # 2. The supervisor finds it under "My work" and accepts it on the case page.
    log_in(page, SUPERVISOR)
    page.locator('nav a.nav-link[href="/my-work"]').click()
    expect(page).to_have_url(re.compile(r"/my-work$"))
    offers = page.locator("section[aria-labelledby=offers-heading]")
    expect(offers).to_contain_text(number)
    shot("supervisor-my-work")
    offers.locator(f'a[href$="/cases/{number}"]').first.click()
    expect(page).to_have_url(re.compile(rf"/cases/{re.escape(number)}$"))
    expect(page.locator("#open-offer")).to_contain_text(NOTE)
    expect(page.locator("#action-accept_handover")).to_have_count(1)
    expect(page.locator("#action-decline_handover")).to_have_count(1)
    shot("supervisor-sees-offer")
    act(page, "accept_handover")
    expect(page.locator("#content .alert-success")).to_be_visible()
    expect(page.locator("#owner")).to_have_text("陈志远")
    expect(page.locator("#first-responder")).to_have_text("王晓敏")
    expect(page.locator("#open-offer")).to_have_count(0)
    expect(page.locator("#timeline")).to_contain_text(NOTE)
    shot("supervisor-accepted")
    log_out(page)

    # 3. The first responder still has the case on her "My work".
    log_in(page, CASEWORKER)
    page.goto("/my-work")
    expect(page.locator("#content")).to_contain_text(number)
    assert not page.problems, page.problems
