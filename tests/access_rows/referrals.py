"""Access rows: the referral pages and the agency's reply link (tests/referrals/ check what they show).

The world's referrals (``build``): ``referral`` (a city case's, proposed, awaiting approval),
``sent_referral`` (a city case's, sent: the applicant's side sees it), ``county_referral`` (a county
enterprise's case, sent: in the staff's scope, another enterprise for the applicant) and
``sibling_referral`` (a sibling city's: nobody here sees it); ``referable``, an accepted city case
with evidence and no referral. The agency answers through ``reply_token`` without logging in: the
link works for every visitor, and a token that does not exist answers 404.
"""

from __future__ import annotations

import io

from tests.access_rows import expect

STARTERS = {"caseworker": 302, "supervisor": 302}


def _refer_form(w):
    return {"agency": str(w.city_agency.id), "grounds": "持续销售侵权产品", "evidence": str(w.referable_file.id)}


ROWS = [
    ("GET", lambda w: "/referrals", expect(403, anon=302, caseworker=200, supervisor=200)),
    ("POST", lambda w: f"/cases/{w.referable.number}/referrals", expect(403, anon=302, **STARTERS), _refer_form),
    # no grounds: refused with the reasons to those who may refer
    (
        "POST",
        lambda w: f"/cases/{w.referable.number}/referrals",
        expect(403, anon=302, caseworker=422, supervisor=422),
        lambda w: {"agency": str(w.city_agency.id)},
    ),
    ("POST", lambda w: f"/cases/{w.sibling_referral.case.number}/referrals", expect(404, anon=302), _refer_form),
    # ---- a referral's page ----
    ("GET", lambda w: f"/referrals/{w.referral.id}", expect(404, anon=302, staff=200)),
    ("GET", lambda w: f"/referrals/{w.sent_referral.id}", expect(200, anon=302)),
    ("GET", lambda w: f"/referrals/{w.county_referral.id}", expect(404, anon=302, staff=200)),
    ("GET", lambda w: f"/referrals/{w.sibling_referral.id}", expect(404, anon=302)),
    ("GET", lambda w: "/referrals/2147483647", expect(404, anon=302)),
    # ---- its actions ----
    (
        "POST",
        lambda w: f"/referrals/{w.referral.id}/actions/approve",
        expect(403, anon=302, applicant=404, supervisor=302),
    ),
    (
        "POST",
        lambda w: f"/referrals/{w.sent_referral.id}/actions/record_receipt",
        expect(403, anon=302, **STARTERS),
        lambda w: {"channel": "phone"},
    ),
    # the wrong state: refused with the reason to those who may act
    (
        "POST",
        lambda w: f"/referrals/{w.sent_referral.id}/actions/send",
        expect(403, anon=302, caseworker=422, supervisor=422),
        lambda w: {"method": "post"},
    ),
    ("POST", lambda w: f"/referrals/{w.sent_referral.id}/actions/no_such_action", expect(404, anon=302)),
    (
        "POST",
        lambda w: f"/referrals/{w.sibling_referral.id}/actions/chase",
        expect(404, anon=302),
    ),
    # ---- the agency's reply link: no login, the token is the key ----
    ("GET", lambda w: f"/agency-replies/{w.reply_token}", expect(200)),
    ("GET", lambda w: "/agency-replies/" + "x" * 43, expect(404)),
    ("POST", lambda w: f"/agency-replies/{w.reply_token}/record_decision", expect(302), lambda w: {}),
    ("POST", lambda w: f"/agency-replies/{w.reply_token}/chase", expect(404), lambda w: {}),
    ("POST", lambda w: "/agency-replies/" + "x" * 43 + "/record_receipt", expect(404), lambda w: {}),
    ("GET", lambda w: f"/agency-replies/{w.reply_token}/thanks", expect(302)),
]


def build(w, make):
    """The referrals the rows reach (see the module's docstring)."""
    from werkzeug.datastructures import FileStorage

    from app.agencies.models import Agency, AgencyKind
    from app.auth.models import Role
    from app.cases.attachments import add_attachment
    from app.enterprises.models import EnterpriseMember, MembershipStatus
    from app.referrals import reply, services

    session, make_case = make.session, make.make_case
    caseworker, supervisor = w.users["caseworker"], w.users["supervisor"]
    rights = ["invention_patent", "utility_model", "design", "trademark"]
    w.city_agency = Agency(centre_id=w.city.id, name="本市市场监管局", kind=AgencyKind.MARKET_REGULATION, rights=rights)
    sibling_agency = Agency(
        centre_id=w.sibling.id, name="邻市市场监管局", kind=AgencyKind.MARKET_REGULATION, rights=rights
    )
    session.add_all([w.city_agency, sibling_agency])
    session.commit()

    def evidence(case, actor):
        f = add_attachment(case, actor, FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="证据.pdf"))
        session.commit()
        return f

    def referred(case, actor, approver, agency, *, send=True):
        f = evidence(case, actor)
        r = services.refer(case, actor, agency=agency.id, grounds="持续销售侵权产品", evidence=[f.id])
        if send:
            services.transition(r, "approve", approver)
            services.transition(r, "send", actor, data={"method": "post"})
        raw = reply.fresh_token(r)
        session.commit()
        return r, raw

    w.referable = make_case(w.applicant, w.enterprise, state="accepted", staff=caseworker)
    w.referable_file = evidence(w.referable, caseworker)
    w.referral, _ = referred(
        make_case(w.applicant, w.enterprise, state="accepted", staff=caseworker),
        caseworker,
        supervisor,
        w.city_agency,
        send=False,
    )
    w.sent_referral, w.reply_token = referred(
        make_case(w.applicant, w.enterprise, state="accepted", staff=caseworker), caseworker, supervisor, w.city_agency
    )
    county_applicant = make.make_user(Role.APPLICANT, email="applicant@county-referral.cn")
    session.add(EnterpriseMember(enterprise=w.county_enterprise, user=county_applicant, status=MembershipStatus.ACTIVE))
    session.commit()
    w.county_referral, _ = referred(
        make_case(county_applicant, w.county_enterprise, state="accepted", staff=caseworker),
        caseworker,
        supervisor,
        w.city_agency,
    )
    sibling_supervisor = make.make_user(Role.SUPERVISOR, centre=w.sibling, email="supervisor@sibling-referral.cn")
    w.sibling_referral, _ = referred(
        make_case(w.other_applicant, w.other_enterprise, state="accepted", staff=w.sibling_caseworker),
        w.sibling_caseworker,
        sibling_supervisor,
        sibling_agency,
    )
