"""Access rows: the fund request pages (tests/fund/test_pages.py checks what they show).

The world's requests (``build``): a provincial fund the city enterprise is a paid-up member of;
``fund_case`` (an accepted case of the city enterprise, with an invoice) and its ``fund_draft``
(the applicant's draft) and ``fund_submitted`` (submitted, under review); ``sibling_fund_request``
(a sibling city enterprise's: nobody here sees it). The applicant and the caseworkers and supervisors
of the case's centre ask the fund; every member of staff who sees the case reads its requests.
"""

from __future__ import annotations

from tests.access_rows import expect

STARTERS = {"applicant": 302, "caseworker": 302, "supervisor": 302}
LIST = expect(403, anon=302, caseworker=200, supervisor=200, fund_committee=200, admin=200)


def _new_form(w):
    return {
        "fund": str(w.fund_for_requests.id),
        "dispute_type": "litigation",
        "country": "US",
        "dispute_started_on": "2026-03-01",
        "costs-0-kind": "lawyer",
        "costs-0-currency": "USD",
        "costs-0-original_amount": "1000",
        "costs-0-rate": "7.1",
        "costs-0-rate_on": "2026-04-01",
        "costs-0-attachment": str(w.fund_invoice.id),
    }


def _edit_form(w):
    return {**_new_form(w), "version": str(w.fund_draft.version)}


ROWS = [
    ("GET", lambda w: "/fund-requests", LIST),
    # ---- a new request ----
    (
        "GET",
        lambda w: f"/cases/{w.fund_case.number}/fund-requests/new",
        expect(302, anon=302, **{k: 200 for k in STARTERS}),
    ),
    (
        "POST",
        lambda w: f"/cases/{w.fund_case.number}/fund-requests/new",
        expect(422, anon=302, **STARTERS),
        _new_form,
    ),
    # no country: refused beside the field to those who may ask
    (
        "POST",
        lambda w: f"/cases/{w.fund_case.number}/fund-requests/new",
        expect(422, anon=302),
        lambda w: {**_new_form(w), "country": ""},
    ),
    (
        "POST",
        lambda w: f"/cases/{w.sibling_fund_request.case.number}/fund-requests/new",
        expect(404, anon=302),
        _new_form,
    ),
    # ---- a request's page ----
    ("GET", lambda w: f"/fund-requests/{w.fund_draft.id}", expect(200, anon=302)),
    ("GET", lambda w: f"/fund-requests/{w.fund_submitted.id}", expect(200, anon=302)),
    ("GET", lambda w: f"/fund-requests/{w.sibling_fund_request.id}", expect(404, anon=302)),
    ("GET", lambda w: "/fund-requests/2147483647", expect(404, anon=302)),
    # ---- its edit ----
    (
        "GET",
        lambda w: f"/fund-requests/{w.fund_draft.id}/edit",
        expect(403, anon=302, applicant=200, caseworker=200, supervisor=200),
    ),
    (
        "POST",
        lambda w: f"/fund-requests/{w.fund_draft.id}/edit",
        expect(403, anon=302, **STARTERS),
        _edit_form,
    ),
    ("GET", lambda w: f"/fund-requests/{w.sibling_fund_request.id}/edit", expect(404, anon=302)),
    # ---- the reviewer's judgement of a cost ----
    (
        "POST",
        lambda w: f"/fund-requests/{w.fund_submitted.id}/costs/1/eligibility",
        expect(403, anon=302, caseworker=302, supervisor=302),
        lambda w: {"eligible": "0", "reason": "不在资助范围"},
    ),
    (
        "POST",
        lambda w: f"/fund-requests/{w.sibling_fund_request.id}/costs/1/eligibility",
        expect(404, anon=302),
        lambda w: {"eligible": "0", "reason": "不在资助范围"},
    ),
    # ---- its actions ----
    (
        "POST",
        lambda w: f"/fund-requests/{w.fund_submitted.id}/actions/review",
        expect(403, anon=302, caseworker=302, supervisor=302),
    ),
    # the wrong state: refused with the reason to those who may act
    (
        "POST",
        lambda w: f"/fund-requests/{w.fund_draft.id}/actions/review",
        expect(403, anon=302, caseworker=422, supervisor=422),
    ),
    ("POST", lambda w: f"/fund-requests/{w.fund_draft.id}/actions/no_such_action", expect(404, anon=302)),
    ("POST", lambda w: f"/fund-requests/{w.sibling_fund_request.id}/actions/withdraw", expect(404, anon=302)),
]


def build(w, make):
    import hashlib

    from app.cases.models import Attachment
    from app.fund import services

    session, make_case = make.session, make.make_case
    admin = w.province_admin

    def invoice(case, uploader):
        data = f"发票 {case.id}".encode()
        a = Attachment(
            case_id=case.id,
            uploaded_by_id=uploader.id,
            filename="发票.pdf",
            content_type="application/pdf",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_path=f"evidence/matrix-fund-{case.id}",
        )
        session.add(a)
        session.flush()
        return a

    fund = services.create_fund(admin, w.province, "矩阵省级互助基金")
    services.change_rules(admin, fund, {"requests_per_enterprise_per_year": 5})
    m = services.add_membership(
        admin, fund, w.enterprise, starts_on="2025-01-01", ends_on="2030-12-31", contribution_fen=100_000
    )
    services.record_contribution(admin, m, 100_000, occurred_on="2025-01-10")
    services.record_income(admin, fund, "grant", 100_000_000, occurred_on="2025-02-01")
    w.fund_for_requests = fund
    caseworker = w.users["caseworker"]
    w.fund_case = make_case(w.applicant, w.enterprise, state="accepted", staff=caseworker)
    w.fund_invoice = invoice(w.fund_case, w.applicant)

    def data(inv):
        return {
            "dispute_type": "litigation",
            "country": "US",
            "dispute_started_on": "2026-03-01",
            "costs": [
                {
                    "kind": "lawyer",
                    "currency": "USD",
                    "original_amount": "1000",
                    "rate": "7.1",
                    "rate_on": "2026-04-01",
                    "attachment": inv.id,
                }
            ],
        }

    w.fund_draft = services.start_request(w.fund_case, w.applicant, fund, data(w.fund_invoice))
    w.fund_submitted = services.start_request(w.fund_case, w.applicant, fund, data(w.fund_invoice))
    w.fund_submitted = services.transition(w.fund_submitted, "submit", w.applicant)
    sibling_case = make_case(w.other_applicant, w.other_enterprise, state="accepted", staff=w.sibling_caseworker)
    w.sibling_fund_request = services.start_request(
        sibling_case, w.other_applicant, fund, data(invoice(sibling_case, w.other_applicant))
    )
    session.commit()
