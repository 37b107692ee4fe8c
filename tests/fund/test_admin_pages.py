"""The fund administration pages: a fund set up with its rules, a rule changed (its history, a value out
of bounds refused beside its field, a stale version 409), members and their contributions, other
income, the ledger, the fund statement PDF; and who may read and write."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.db import utcnow
from app.core.workdays import china_day
from app.fund.models import Fund, FundMembership, LedgerEntry
from app.visits.forms import enterprise_label
from tests.helpers import csrf_token, post_form


def real_day(offset: int = 0):
    return china_day(utcnow()) + timedelta(days=offset)


def refusals(response) -> str:
    html = response.get_data(as_text=True)
    said = re.findall(r'class="(?:invalid-feedback|alert alert-danger)[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return " | ".join(re.sub(r"<[^>]+>", " ", s).strip() for s in said)


def words_of(response) -> str:
    """The page's text as read (no tags)."""
    return re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-raw", "-", "-"], input=data, capture_output=True, check=True)
    return "".join(result.stdout.decode().split())


RULES = {
    "share_percent": "50",
    "cap_per_request_fen": "500000",
    "cap_per_year_fen": "15000000",
    "requests_per_enterprise_per_year": "1",
    "review_working_days": "15",
    "year_start_month": "1",
    "year_start_day": "1",
    "dispute_types": ["litigation", "customs"],
}


@pytest.fixture
def city_fund(world, session):
    """The city's fund (its admin's), 300,000 yuan of grant sixty days ago."""
    from app.fund import services

    admin = world.users["admin"]
    f = services.create_fund(admin, world.city, "本市海外维权互助基金")
    services.record_income(admin, f, "grant", 30_000_000, occurred_on=real_day(-60).isoformat(), reference="市财政")
    session.commit()
    return f


def rules_form(fund, **over):
    data = {**RULES, "is_active": "y", "version": str(fund.version)}
    data.update(over)
    return data


def test_an_admin_sets_up_a_fund_with_rules_prefilled_and_bounded(login, world, session):
    admin = login(world.users["admin"])
    page = admin.get("/funds/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="500000"' in html  # the cap per request from the centre's settings, in yuan
    assert "0.01 元至 100,000,000,000.00 元" in html or "From 0.01 to 100,000,000,000.00 yuan." in html
    token = csrf_token(admin, "/funds/new")
    refused = admin.post(
        "/funds/new",
        data={**RULES, "centre": str(world.city.id), "name": "新基金", "share_percent": "0", "csrf_token": token},
    )
    assert refused.status_code == 422
    assert re.search(r'id="share_percent-error">[^<]*(1|100)', refused.get_data(as_text=True)), refusals(refused)
    assert session.execute(select(func.count()).select_from(Fund)).scalar_one() == 0
    done = admin.post(
        "/funds/new",
        data={
            **RULES,
            "centre": str(world.city.id),
            "name": "新基金",
            "cap_per_request_fen": "400,000.50",
            "csrf_token": token,
        },
    )
    assert done.status_code == 302, refusals(done)
    fund = session.execute(select(Fund)).scalar_one()
    assert (fund.centre_id, fund.cap_per_request_fen, fund.dispute_types) == (
        world.city.id,
        40_000_050,
        ["litigation", "customs"],
    )
    assert done.headers["Location"].endswith(f"/funds/{fund.id}")
    listing = admin.get("/funds").get_data(as_text=True)
    assert "新基金" in listing


def test_a_rule_change_is_kept_in_the_history_refused_out_of_bounds_and_stale(login, world, city_fund, session):
    admin = login(world.users["admin"])
    url = f"/funds/{city_fund.id}"
    version = city_fund.version
    out = post_form(admin, f"{url}/rules", rules_form(city_fund, share_percent="150"), token_url=url)
    assert out.status_code == 422
    assert re.search(r'id="share_percent-error">[^<]*100', out.get_data(as_text=True)), refusals(out)
    session.expire_all()
    assert session.get(Fund, city_fund.id).share_percent == 50
    done = post_form(admin, f"{url}/rules", rules_form(city_fund, share_percent="60"), token_url=url)
    assert done.status_code == 302, refusals(done)
    session.expire_all()
    assert session.get(Fund, city_fund.id).share_percent == 60
    html = admin.get(url).get_data(as_text=True)
    history = html[html.index('id="rule-history"') :]
    assert "50%" in history and "60%" in history and "→" in history
    words = re.sub(r"<[^>]+>", " ", html)
    for raw in ("share_percent", "rules_changed", "fund_created", "_fen", "litigation"):
        assert raw not in words, raw
    # The form of before the change is stale now: 409, nothing changed.
    stale = post_form(
        admin, f"{url}/rules", rules_form(city_fund, share_percent="70", version=str(version)), token_url=url
    )
    assert stale.status_code == 409
    session.expire_all()
    assert session.get(Fund, city_fund.id).share_percent == 60


def test_members_contributions_income_and_the_ledger(login, world, city_fund, session):
    admin = login(world.users["supervisor"])  # a supervisor of the fund's centre records members and income
    url = f"/funds/{city_fund.id}"
    unknown = post_form(
        admin,
        f"{url}/members",
        {
            "enterprise": enterprise_label(world.far_enterprise),
            "starts_on": real_day(-10).isoformat(),
            "ends_on": real_day(300).isoformat(),
            "contribution": "10000",
        },
        token_url=url,
    )
    assert unknown.status_code == 422 and 'id="enterprise-error"' in unknown.get_data(as_text=True)
    added = post_form(
        admin,
        f"{url}/members",
        {
            "enterprise": enterprise_label(world.county_enterprise),
            "starts_on": real_day(-10).isoformat(),
            "ends_on": real_day(300).isoformat(),
            "contribution": "10,000",
        },
        token_url=url,
    )
    assert added.status_code == 302, refusals(added)
    m = session.execute(select(FundMembership)).scalar_one()
    assert (m.enterprise_id, m.contribution_fen, m.paid_fen) == (world.county_enterprise.id, 1_000_000, 0)
    too_much = post_form(
        admin,
        f"{url}/members/{m.id}/contributions",
        {f"m{m.id}-amount": "10000.01", f"m{m.id}-occurred_on": real_day(-1).isoformat()},
        token_url=url,
    )
    assert too_much.status_code == 422
    assert re.search(rf'id="m{m.id}-amount-error">[^<]*10,000.00', too_much.get_data(as_text=True)), refusals(too_much)
    paid = post_form(
        admin,
        f"{url}/members/{m.id}/contributions",
        {f"m{m.id}-amount": "10000", f"m{m.id}-occurred_on": real_day(-1).isoformat(), f"m{m.id}-reference": "回单 88"},
        token_url=url,
    )
    assert paid.status_code == 302, refusals(paid)
    bad_income = post_form(
        admin, f"{url}/income", {"kind": "grant", "amount": "-5", "occurred_on": real_day().isoformat()}, token_url=url
    )
    assert bad_income.status_code == 422 and 'id="amount-error"' in bad_income.get_data(as_text=True)
    grant = post_form(
        admin,
        f"{url}/income",
        {
            "kind": "grant",
            "amount": "2500.5",
            "occurred_on": real_day().isoformat(),
            "reference": "捐赠 7",
            "note": "本地商会捐赠",
        },
        token_url=url,
    )
    assert grant.status_code == 302, refusals(grant)
    session.expire_all()
    fund = session.get(Fund, city_fund.id)
    assert (fund.balance_fen, fund.available_fen, fund.committed_fen) == (30_000_000 + 1_000_000 + 250_050,) * 2 + (0,)
    assert session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one() == 3
    html = admin.get(url).get_data(as_text=True)
    ledger = html[html.index('id="ledger-list"') :]
    for expected in (
        "会员缴费" if "会员缴费" in ledger else "Member",
        "回单 88",
        "捐赠 7",
        "2,500.50",
        "10,000.00",
        world.county_enterprise.name,
    ):
        assert expected in ledger, expected
    assert ledger.index('id="entry-3"') < ledger.index('id="entry-1"')  # newest first
    members = html[html.index('id="member-list"') :]
    assert world.county_enterprise.name in members


def test_the_statement_pdf_has_the_balances_from_the_ledger(login, world, city_fund, session):
    from app.cases.documents import read_document
    from app.cases.models import Document
    from app.core.money import yuan_in_capitals
    from app.fund import services

    sup = world.users["supervisor"]
    m = services.add_membership(
        sup,
        city_fund,
        world.enterprise,
        starts_on=real_day(-40).isoformat(),
        ends_on=real_day(300).isoformat(),
        contribution_fen=1_234_567,
    )
    services.record_contribution(sup, m, 1_234_567, occurred_on=real_day(-5).isoformat(), reference="回单 1")
    session.commit()
    client = login(sup)
    url = f"/funds/{city_fund.id}"
    wrong = post_form(
        client,
        f"{url}/statements",
        {"date_from": real_day(-1).isoformat(), "date_to": real_day(-3).isoformat(), "language": "zh_CN"},
        token_url=url,
    )
    assert wrong.status_code == 422 and 'id="date_to-error"' in wrong.get_data(as_text=True)
    issued = post_form(
        client,
        f"{url}/statements",
        {"date_from": real_day(-30).isoformat(), "date_to": real_day().isoformat(), "language": "zh_CN"},
        token_url=url,
    )
    assert issued.status_code == 302, refusals(issued)
    document = session.execute(select(Document).where(Document.subject_type == "fund")).scalar_one()
    assert document.case_id is None and document.number and "基" in document.number
    page = client.get(url).get_data(as_text=True)
    assert f"/funds/{city_fund.id}/statements/{document.id}" in page
    download = client.get(f"/funds/{city_fund.id}/statements/{document.id}")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    text = pdf_text(read_document(document))
    closing = 30_000_000 + 1_234_567
    for expected in (
        "收支报表",
        city_fund.name,
        "300,000.00",  # the opening balance: the grant of sixty days ago
        "312,345.67",  # the closing balance
        "12,345.67",  # the contribution of the period
        yuan_in_capitals(closing),
        "回单1",
        document.number,
    ):
        assert "".join(expected.split()) in text, expected
    assert yuan_in_capitals(closing) == "叁拾壹万贰仟叁佰肆拾伍元陆角柒分"
    # In English when asked: the balances named.
    post_form(
        client,
        f"{url}/statements",
        {"date_from": real_day(-30).isoformat(), "date_to": real_day().isoformat(), "language": "en"},
        token_url=url,
    )
    english = session.execute(
        select(Document).where(Document.subject_type == "fund", Document.language == "en")
    ).scalar_one()
    text = pdf_text(read_document(english))
    for expected in (
        "Fundstatement",
        "Openingbalance(moneyheld)300,000.00",
        "Closingbalance(moneyheld)312,345.67",
        "Closingbalanceinwords:" + yuan_in_capitals(closing),
        "Availableattheendoftheperiod312,345.67",
    ):
        assert expected in text, expected
    # A caseworker downloads it too, but does not issue one.
    reader = login(world.users["caseworker"])
    assert reader.get(f"/funds/{city_fund.id}/statements/{document.id}").status_code == 200


def test_who_reads_and_who_writes(login, world, city_fund, session):
    url = f"/funds/{city_fund.id}"
    caseworker = login(world.users["caseworker"])
    assert caseworker.get("/funds").status_code == 200
    page = caseworker.get(url)
    assert page.status_code == 200 and "300,000.00" in page.get_data(as_text=True)
    assert 'id="rules-form"' not in page.get_data(as_text=True) and 'id="income-form"' not in page.get_data(
        as_text=True
    )
    token = csrf_token(caseworker, url)
    for path, data in (
        ("rules", rules_form(city_fund, share_percent="60")),
        ("members", {"enterprise": enterprise_label(world.enterprise)}),
        ("income", {"kind": "grant", "amount": "1", "occurred_on": real_day().isoformat()}),
        ("statements", {"date_from": real_day(-1).isoformat(), "date_to": real_day().isoformat()}),
    ):
        assert caseworker.post(f"{url}/{path}", data={**data, "csrf_token": token}).status_code == 403, path
    # A supervisor records income but does not change the rules.
    sup = login(world.users["supervisor"])
    assert post_form(sup, f"{url}/rules", rules_form(city_fund, share_percent="60"), token_url=url).status_code == 403
    # A sibling city's administrator does not see the city's fund at all.
    sibling = login(world.sibling_admin)
    assert sibling.get(url).status_code == 404
    assert f"/funds/{city_fund.id}" not in sibling.get("/funds").get_data(as_text=True)
    assert post_form(sibling, f"{url}/income", {"kind": "grant", "amount": "1"}, token_url="/funds").status_code == 404
    # An applicant sees no fund page.
    applicant = login(world.applicant)
    assert applicant.get("/funds").status_code == 403
    assert applicant.get(url).status_code in (403, 404)
    session.expire_all()
    fund = session.get(Fund, city_fund.id)
    assert (fund.share_percent, fund.balance_fen, fund.ledger_seq) == (50, 30_000_000, 1)


@pytest.mark.parametrize(
    "path, data",
    [
        (
            "rules",
            {
                "share_percent": "五十",
                "cap_per_request_fen": "1e400",
                "cap_per_year_fen": "NaN",
                "dispute_types": ["x"],
                "year_start_day": "99999999999999999999",
                "version": "abc",
            },
        ),
        ("rules", {**RULES, "dispute_types": [], "cap_per_year_fen": "-1"}),
        (
            "members",
            {"enterprise": "x" * 400, "starts_on": "2026-02-30", "ends_on": "tomorrow", "contribution": "12.345"},
        ),
        ("income", {"kind": "payout", "amount": "Infinity", "occurred_on": "9999-12-31"}),
        ("income", {"kind": "grant", "amount": "100", "occurred_on": "2999-01-01"}),
        ("statements", {"date_from": "2026-13-01", "date_to": "", "language": "fr"}),
        ("members/999999/contributions", {"m999999-amount": "1"}),
    ],
)
def test_bad_input_is_refused_with_nothing_changed(login, world, city_fund, session, path, data):
    admin = login(world.users["admin"])
    url = f"/funds/{city_fund.id}"
    response = post_form(admin, f"{url}/{path}", data, token_url=url)
    assert response.status_code in (404, 422), response.status_code
    if response.status_code == 422:
        assert "invalid-feedback" in response.get_data(as_text=True) or "alert-danger" in response.get_data(
            as_text=True
        )
    session.expire_all()
    fund = session.get(Fund, city_fund.id)
    assert (fund.version, fund.ledger_seq, fund.share_percent) == (city_fund.version, 1, 50)
    assert session.execute(select(func.count()).select_from(FundMembership)).scalar_one() == 0
