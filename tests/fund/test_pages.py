"""The fund request pages: the case page's panel, the new-request form (with an invoice photographed in a
row), a refused form kept as typed with the message beside its field, the request page with its working,
the whole walk through the pages by different people, the staff's list, and who may see what."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.cases.models import Attachment
from app.fund.enums import FundRequestState as S
from app.fund.models import FundRequest
from tests.helpers import csrf_token, examples

# The smallest PNG there is (1×1, transparent): what a phone's photograph stands for.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


@pytest.fixture
def en_login(login):
    def do_login(user):
        client = login(user)
        client.set_cookie("lang", "en")
        return client

    return do_login


def _form(fund, invoices, **over) -> dict:
    """The new-request form as a browser sends it: a USD lawyer's invoice among the case's files and a
    court fee in yuan whose receipt is photographed in the row."""
    data = {
        "fund": str(fund.id),
        "dispute_type": "litigation",
        "country": "US",
        "forum": "美国加利福尼亚州中区联邦地区法院",
        "dispute_started_on": "2026-03-01",
        "description": "美国竞争对手起诉本企业专利侵权。",
        "insurance": "1,000.50",
        "settlement": "",
        "other_funding": "",
        "costs-0-kind": "lawyer",
        "costs-0-description": "应诉律师费",
        "costs-0-invoice_number": "INV-2026-001",
        "costs-0-currency": "USD",
        "costs-0-original_amount": "100,000.00",
        "costs-0-rate": "7.1234",
        "costs-0-rate_on": "2026-04-01",
        "costs-0-attachment": str(invoices["lawyer"].id),
        "costs-0-voucher": "",
        "costs-1-kind": "court",
        "costs-1-description": "法院收费",
        "costs-1-invoice_number": "",
        "costs-1-currency": "CNY",
        "costs-1-original_amount": "20000",
        "costs-1-rate": "",
        "costs-1-rate_on": "",
        "costs-1-attachment": "",
        "costs-1-voucher": "",
    }
    data.update(over)
    return data


def _count(session, model) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_panel_offers_the_fund_and_the_form_makes_a_draft_with_a_photographed_invoice(
    world, overseas_case, fund, invoices, en_login, session
):
    client = en_login(world.applicant)
    case_page = client.get(f"/cases/{overseas_case.number}").get_data(as_text=True)
    assert 'id="fund-panel"' in case_page and "Ask the fund for support" in case_page
    url = f"/cases/{overseas_case.number}/fund-requests/new"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "United States" in html and "法院收费收据.jpg" in html and "说明.docx" not in html
    # The common currencies come first.
    currencies = re.findall(r'<option value="([A-Z]{3})"', html.split('id="costs-0-currency"', 1)[1])
    assert currencies[:7] == ["USD", "EUR", "JPY", "GBP", "KRW", "HKD", "CNY"]
    files_before = _count(session, Attachment)
    data = _form(fund, invoices)
    data["csrf_token"] = csrf_token(client, url)
    data["costs-1-file"] = (io.BytesIO(PNG), "receipt.png")
    done = client.post(url, data=data, content_type="multipart/form-data")
    assert done.status_code == 302, done.get_data(as_text=True)[:3000]
    r = session.execute(select(FundRequest)).scalar_one()
    assert r.state is S.DRAFT and r.country == "US" and r.insurance_fen == 100_050
    assert [c.amount_fen for c in r.costs] == [71_234_000, 2_000_000]
    assert r.claimed_fen == 73_234_000
    photo = r.costs[1].invoice
    assert photo.content_type == "image/png" and photo.case_id == overseas_case.id
    assert _count(session, Attachment) == files_before + 1
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Draft" in shown and "100,000.00" in shown and "7.1234" in shown and "¥712,340.00" in shown


def test_bad_input_answers_422_with_the_message_beside_its_field_and_saves_nothing(
    world, overseas_case, fund, invoices, en_login, session
):
    client = en_login(world.applicant)
    url = f"/cases/{overseas_case.number}/fund-requests/new"
    files_before = _count(session, Attachment)
    data = _form(fund, invoices, **{"costs-0-rate": "seven", "forum": "Tribunal de Paris"})
    data["csrf_token"] = csrf_token(client, url)
    data["costs-1-file"] = (io.BytesIO(PNG), "receipt.png")
    refused = client.post(url, data=data, content_type="multipart/form-data")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    # Beside the rate of the first cost, and everything typed kept.
    beside = html.split('id="costs-0-rate"', 1)[1].split("</div>\n", 3)
    assert "exchange rate" in "".join(beside[:3])
    assert 'id="costs-0-rate-error"' in html
    assert 'value="seven"' in html and "Tribunal de Paris" in html and 'value="1,000.50"' in html
    assert "Kept: receipt.png" in html  # the photograph need not be taken again
    assert _count(session, FundRequest) == 0
    assert _count(session, Attachment) == files_before
    # Sent again with the rate corrected (and the kept photo's token): saved.
    token = re.search(r'name="costs-1-staged" value="([^"]+)"', html).group(1)
    data = _form(fund, invoices, **{"costs-1-staged": token})
    data["csrf_token"] = csrf_token(client, url)
    assert client.post(url, data=data).status_code == 302
    r = session.execute(select(FundRequest)).scalar_one()
    assert r.costs[1].invoice.filename.endswith(".png")


def test_a_bad_deduction_and_what_is_missing_are_told_beside_their_fields(
    world, overseas_case, fund, invoices, en_login, session
):
    client = en_login(world.applicant)
    url = f"/cases/{overseas_case.number}/fund-requests/new"
    court = {"costs-1-attachment": str(invoices["court"].id)}
    data = _form(fund, invoices, insurance="12.345", **court)
    data["csrf_token"] = csrf_token(client, url)
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    assert 'id="insurance-error"' in refused.get_data(as_text=True)
    # Everything plainly missing is told at once, each beside its field.
    data = _form(fund, invoices, country="", **{"costs-0-kind": "", "costs-1-original_amount": ""})
    data["csrf_token"] = csrf_token(client, url)
    refused = client.post(url, data=data)  # the court fee has no invoice either
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    for field in ("country", "costs-0-kind", "costs-1-original_amount", "costs-1-attachment"):
        assert f'id="{field}-error"' in html, field
    assert 'id="costs-0-rate-error"' not in html
    assert _count(session, FundRequest) == 0


def test_other_people_get_404(world, make_request, make_user, make_enterprise, login, session):
    from app.auth.models import Role

    r = make_request("submitted")
    outsider = make_user(Role.APPLICANT, email="outsider@firm.cn")
    for user in (outsider, world.other_applicant, world.sibling_caseworker):
        client = login(user)
        assert client.get(f"/fund-requests/{r.id}").status_code == 404
        assert client.get(f"/fund-requests/{r.id}/edit").status_code == 404
        token = csrf_token(client, "/")
        assert client.post(f"/fund-requests/{r.id}/actions/withdraw", data={"csrf_token": token}).status_code == 404
    assert login(world.applicant).get(f"/fund-requests/{r.id}").status_code == 200


def _act(client, r, action, **data):
    token = csrf_token(client, f"/fund-requests/{r.id}")
    return client.post(
        f"/fund-requests/{r.id}/actions/{action}", data={"csrf_token": token, "version": str(r.version), **data}
    )


def _fresh(session, r):
    session.expire_all()
    return session.get(FundRequest, r.id)


def test_the_whole_walk_through_the_pages(world, make_request, people, invoices, en_login, login, session):
    r = make_request("draft")
    applicant, caseworker = en_login(people["applicant"]), en_login(people["caseworker"])
    supervisor, committee = en_login(people["supervisor"]), en_login(people["committee"])

    assert _act(applicant, r, "submit").status_code == 302
    r = _fresh(session, r)
    assert r.state is S.SUBMITTED
    # The reviewer leaves the second cost out, with the reason, then reviews.
    page = caseworker.get(f"/fund-requests/{r.id}").get_data(as_text=True)
    assert 'id="judge-2"' in page
    token = csrf_token(caseworker, f"/fund-requests/{r.id}")
    refused = caseworker.post(f"/fund-requests/{r.id}/costs/2/eligibility", data={"csrf_token": token, "eligible": "0"})
    assert refused.status_code == 422 and "Say why" in refused.get_data(as_text=True)
    done = caseworker.post(
        f"/fund-requests/{r.id}/costs/2/eligibility",
        data={"csrf_token": token, "eligible": "0", "reason": "法院收费不在资助范围"},
    )
    assert done.status_code == 302
    r = _fresh(session, r)
    assert r.costs[1].eligible is False
    assert _act(caseworker, r, "review", comment="材料齐全").status_code == 302
    r = _fresh(session, r)
    assert r.state is S.REVIEWED
    # The reviewer may not approve; the supervisor does.
    assert _act(supervisor, r, "approve").status_code == 302
    r = _fresh(session, r)
    assert r.state is S.APPROVED
    # The working is shown: 50% of the eligible 712,340.00 is 356,170.00, less nothing.
    page = committee.get(f"/fund-requests/{r.id}").get_data(as_text=True)
    working = page.split('id="working"', 1)[1].split("</section>", 1)[0]
    assert "¥356,170.00" in working and "May be granted" in working and 'data-binding="yes"' in working
    assert _act(committee, r, "approve_second", amount_fen="300,000").status_code == 302
    r = _fresh(session, r)
    assert r.state is S.GRANTED and r.approved_fen == 30_000_000
    # The decision letter is listed, for the applicant too.
    page = applicant.get(f"/fund-requests/{r.id}").get_data(as_text=True)
    assert 'id="documents"' in page
    # The payment: refused without an invoice, then paid in full (the request closes).
    refused = _act(caseworker, r, "pay", amount_fen="300000")
    assert refused.status_code == 422
    assert str(invoices["voucher"].id) in refused.get_data(as_text=True).split('id="pay-attachment"', 1)[1][:2000]
    assert (
        _act(
            caseworker, r, "pay", amount_fen="300000", attachment=str(invoices["voucher"].id), reference="回单 88"
        ).status_code
        == 302
    )
    r = _fresh(session, r)
    assert r.state is S.CLOSED and r.paid_fen == 30_000_000
    page = caseworker.get(f"/fund-requests/{r.id}").get_data(as_text=True)
    assert 'data-kind="payout"' in page and 'data-kind="commitment"' in page and "回单 88" in page
    # The applicant sees what came of it, in plain words, and no internal event.
    page = applicant.get(f"/fund-requests/{r.id}").get_data(as_text=True)
    assert "The fund paid ¥300,000.00." in page and 'id="ledger"' not in page
    assert "list-group-item-warning" not in page
    # And the case's timeline says it too.
    case_page = applicant.get(f"/cases/{r.case.number}").get_data(as_text=True)
    assert "The fund granted the request" in case_page


def test_the_page_in_chinese(world, make_request, login, session):
    r = make_request("submitted")
    html = login(world.users["caseworker"]).get(f"/fund-requests/{r.id}").get_data(as_text=True)
    assert "美国" in html and "United States" not in html


def test_the_list_and_awaiting_my_approval(world, make_request, people, en_login, session):
    reviewed = make_request("reviewed")
    supervisor = en_login(people["supervisor"])
    html = supervisor.get("/fund-requests?mine=y").get_data(as_text=True)
    assert f'id="fund-request-{reviewed.id}"' in html
    committee = en_login(people["committee"])
    assert f'id="fund-request-{reviewed.id}"' not in committee.get("/fund-requests?mine=y").get_data(as_text=True)
    assert f'id="fund-request-{reviewed.id}"' in committee.get("/fund-requests?state=reviewed").get_data(as_text=True)
    assert committee.get("/fund-requests?state=nonsense").status_code == 422
    assert "Fund requests" in committee.get("/").get_data(as_text=True)
    assert en_login(people["applicant"]).get("/fund-requests").status_code in (403, 404)
    assert en_login(world.sibling_caseworker).get("/fund-requests").get_data(as_text=True).count("fund-request-") == 0


def test_editing_a_draft(world, make_request, invoices, en_login, session):
    r = make_request("draft")
    client = en_login(world.applicant)
    page = client.get(f"/fund-requests/{r.id}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="100000.00"' in html and 'value="7.1234"' in html
    data = {
        k: v
        for k, v in re.findall(r'name="((?:costs-\d+-)?[a-z_]+)"[^>]*value="([^"]*)"', html)
        if k not in ("csrf_token", "add_row")
    }
    data.update(_form(r.fund, invoices, **{"costs-0-rate": "7.2", "costs-1-attachment": str(invoices["court"].id)}))
    data["version"] = str(r.version)
    data["csrf_token"] = csrf_token(client, f"/fund-requests/{r.id}/edit")
    done = client.post(f"/fund-requests/{r.id}/edit", data=data)
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    r = _fresh(session, r)
    assert r.costs[0].rate_millionths == 7_200_000 and r.costs[0].amount_fen == 72_000_000
    # Sent again from the page read before that change: 409, what was typed kept, the latest version in the form.
    data["costs-0-rate"] = "7.3"
    stale = client.post(f"/fund-requests/{r.id}/edit", data=data)
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert 'id="conflict"' in html and 'value="7.3"' in html and f'name="version" value="{r.version}"' in html
    data["version"] = str(r.version)
    assert client.post(f"/fund-requests/{r.id}/edit", data=data).status_code == 302
    assert _fresh(session, r).costs[0].rate_millionths == 7_300_000


FIELDS = [
    "fund",
    "dispute_type",
    "country",
    "forum",
    "dispute_started_on",
    "description",
    "insurance",
    "settlement",
    "other_funding",
    "costs-0-kind",
    "costs-0-currency",
    "costs-0-original_amount",
    "costs-0-rate",
    "costs-0-rate_on",
    "costs-0-attachment",
    "costs-0-voucher",
    "costs-0-staged",
    "costs-7-rate",
    "costs-99999999999999999999-kind",
    "add_row",
]
ODD = [
    "",
    " ",
    "NaN",
    "1e309",
    "-1",
    "0",
    "99999999999999999999.99",
    "0.001",
    "\x00",
    "𝔘",
    "x" * 6000,
    "2026-02-30",
    "CN",
]


def test_whatever_is_posted_the_form_answers_without_error(world, overseas_case, fund, invoices, en_login, session):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    client = en_login(world.applicant)
    url = f"/cases/{overseas_case.number}/fund-requests/new"
    token = csrf_token(client, url)
    valid = _form(fund, invoices, **{"costs-1-attachment": str(invoices["court"].id)})

    @settings(max_examples=examples(40), deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.dictionaries(st.sampled_from(FIELDS), st.one_of(st.sampled_from(ODD), st.text(max_size=30)), max_size=6))
    def post(changes):
        before = _count(session, FundRequest)
        data = {**valid, **changes, "csrf_token": token}
        response = client.post(url, data=data)
        assert response.status_code in (200, 302, 400, 422), response.status_code  # 400: a NUL byte
        if response.status_code != 302:
            assert _count(session, FundRequest) == before

    post()


def test_a_payout_of_no_sum_is_refused_not_an_error(world, make_request, people, invoices, en_login, session):
    r = make_request("granted")
    client = en_login(people["caseworker"])
    for typed in ("1e30", "1e309", "abc", "-5"):
        response = _act(client, r, "pay", amount_fen=typed, attachment=str(invoices["voucher"].id))
        assert response.status_code == 422, typed
    assert _fresh(session, r).paid_fen == 0
