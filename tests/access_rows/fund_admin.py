"""Access rows: the fund administration pages (tests/fund/test_admin_pages.py checks what they show).

The world's funds (``build``): ``city_fund`` (the city's, with a grant, a member owing its
contribution and an issued statement) and ``sibling_fund`` (a sibling city's: nobody here sees it).
Every member of staff reads the funds of their scope; supervisors and administrators of the fund's
centre record members and income and issue statements; only administrators set up funds and change
rules. The applicant's side has no fund page (403).
"""

from __future__ import annotations

from datetime import timedelta

from tests.access_rows import expect

READ = expect(200, anon=302, applicant=403)
MANAGE = expect(403, anon=302, supervisor=302, admin=302)
MANAGE_GET = expect(403, anon=302, supervisor=200, admin=200)
RULE = expect(403, anon=302, admin=302)
HIDDEN = expect(404, anon=302, applicant=403)
RULES = {
    "share_percent": "50",
    "cap_per_request_fen": "500000",
    "cap_per_year_fen": "15000000",
    "requests_per_enterprise_per_year": "1",
    "review_working_days": "15",
    "year_start_month": "1",
    "year_start_day": "1",
    "dispute_types": ["litigation"],
    "is_active": "y",
}


def _day(offset: int = 0):
    from app.core.db import utcnow
    from app.core.workdays import china_day

    return china_day(utcnow()) + timedelta(days=offset)


def build(w, make):
    from app.fund import services, statement

    admin = w.users["admin"]
    w.city_fund = services.create_fund(admin, w.city, "矩阵市级基金")
    services.record_income(admin, w.city_fund, "grant", 10_000_000, occurred_on=_day(-10).isoformat())
    w.city_membership = services.add_membership(
        admin,
        w.city_fund,
        w.enterprise,
        starts_on=_day(-5).isoformat(),
        ends_on=_day(300).isoformat(),
        contribution_fen=500_000,
    )
    w.city_statement = statement.issue_statement(admin, w.city_fund, _day(-30), _day(), _day())
    w.sibling_fund = services.create_fund(w.sibling_admin, w.sibling, "矩阵邻市基金")
    make.session.flush()


def _member(w):
    from app.visits.forms import enterprise_label

    return {
        "enterprise": enterprise_label(w.county_enterprise),
        "starts_on": _day().isoformat(),
        "ends_on": _day(100).isoformat(),
        "contribution": "100",
    }


def _contribution(w):
    m = w.city_membership.id
    return {f"m{m}-amount": "100", f"m{m}-occurred_on": _day().isoformat()}


def _income(w):
    return {"kind": "grant", "amount": "10", "occurred_on": _day().isoformat()}


def _statement(w):
    return {"date_from": _day(-7).isoformat(), "date_to": _day().isoformat(), "language": "zh_CN"}


ROWS = [
    ("GET", lambda w: "/funds", READ),
    ("GET", lambda w: "/funds/new", expect(403, anon=302, admin=200)),
    (
        "POST",
        lambda w: "/funds/new",
        expect(403, anon=302, admin=302),
        lambda w: {**RULES, "centre": str(w.city.id), "name": "矩阵新基金"},
    ),
    ("GET", lambda w: f"/funds/{w.city_fund.id}", READ),
    ("GET", lambda w: f"/funds/{w.sibling_fund.id}", HIDDEN),
    ("GET", lambda w: "/funds/999999", HIDDEN),
    ("POST", lambda w: f"/funds/{w.city_fund.id}/rules", RULE, lambda w: dict(RULES, share_percent="60")),
    ("POST", lambda w: f"/funds/{w.sibling_fund.id}/rules", HIDDEN, lambda w: dict(RULES, share_percent="60")),
    ("GET", lambda w: f"/funds/{w.city_fund.id}/enterprises", MANAGE_GET),
    ("POST", lambda w: f"/funds/{w.city_fund.id}/members", MANAGE, _member),
    ("POST", lambda w: f"/funds/{w.city_fund.id}/members/{w.city_membership.id}/contributions", MANAGE, _contribution),
    (
        "POST",
        lambda w: f"/funds/{w.sibling_fund.id}/members/{w.city_membership.id}/contributions",
        HIDDEN,
        _contribution,
    ),
    ("POST", lambda w: f"/funds/{w.city_fund.id}/income", MANAGE, _income),
    ("POST", lambda w: f"/funds/{w.sibling_fund.id}/income", HIDDEN, _income),
    ("POST", lambda w: f"/funds/{w.city_fund.id}/statements", MANAGE, _statement),
    ("GET", lambda w: f"/funds/{w.city_fund.id}/statements/{w.city_statement.id}", READ),
    ("GET", lambda w: f"/funds/{w.sibling_fund.id}/statements/{w.city_statement.id}", HIDDEN),
]


def check(role, w, client):
    """Staff see the fund's money; only those who may write see the forms."""
    if role in ("anon", "applicant"):
        return
    page = client.get(f"/funds/{w.city_fund.id}").get_data(as_text=True)
    assert "100,000.00" in page
    assert ('id="income-form"' in page) == (role in ("supervisor", "admin"))
    assert ('id="rules-form"' in page) == (role == "admin")
