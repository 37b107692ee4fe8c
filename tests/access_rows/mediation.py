"""Access rows: the fast mediation's pages (tests/mediation/test_pages.py and test_ics.py check what they show).

The world's mediations (``build``): ``mediation`` (a city case, open, its mediator the city's), ``county_mediation``
(a county enterprise's case: in the staff's scope, another enterprise for the applicant; no mediator yet) and
``sibling_mediation`` (a sibling city's: nobody here sees it), each with a session scheduled; and ``mediable``, an
accepted city case with no mediation. Whatever may not be seen answers 404, exactly as an id that does not exist;
a role that may never act on a mediation answers 403. Mediators act only on the mediations assigned to them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.access_rows import expect

STARTERS = {"caseworker": 302, "supervisor": 302}  # who start a mediation (302: done, on to its page)


def _served(w):
    return {"served_on": datetime.now(UTC).date().isoformat(), "method": "post", "version": ""}


ROWS = [
    # ---- the lists ----
    ("GET", lambda w: "/mediations", expect(403, anon=302, caseworker=200, supervisor=200)),
    ("GET", lambda w: "/mediations/mine", expect(403, anon=302, mediator=200)),
    # ---- starting one from the case page ----
    (
        "POST",
        lambda w: f"/cases/{w.mediable.number}/mediations",
        expect(403, anon=302, **STARTERS),
        lambda w: {"scope": "damages", "requests": "请求赔偿", "not_in_court": "y"},
    ),
    # the confirmation missing: refused with the reason to those who may start one
    (
        "POST",
        lambda w: f"/cases/{w.mediable.number}/mediations",
        expect(403, anon=302, caseworker=422, supervisor=422),
        lambda w: {"scope": "damages"},
    ),
    (
        "POST",
        lambda w: f"/cases/{w.sibling_mediable.number}/mediations",
        expect(404, anon=302),
        lambda w: {"scope": "damages", "not_in_court": "y"},
    ),
    # ---- the mediation page ----
    ("GET", lambda w: f"/mediations/{w.mediation.id}", expect(200, anon=302)),
    ("GET", lambda w: f"/mediations/{w.county_mediation.id}", expect(404, anon=302, staff=200)),
    ("GET", lambda w: f"/mediations/{w.sibling_mediation.id}", expect(404, anon=302)),
    ("GET", lambda w: "/mediations/2147483647", expect(404, anon=302)),
    # ---- its actions ----
    # the mediator acts on their own mediation; the applicant's side and the view-only roles may not
    (
        "POST",
        lambda w: f"/mediations/{w.mediation.id}/actions/suspend",
        expect(403, anon=302, mediator=302, supervisor=302),
        lambda w: {"comment": "被申请人已向国家知识产权局提出无效宣告请求"},
    ),
    # the wrong state: refused with the reason (422) to those whose role may take it
    (
        "POST",
        lambda w: f"/mediations/{w.mediation.id}/actions/serve_respondent",
        expect(403, anon=302, caseworker=422, mediator=422, supervisor=422),
        _served,
    ),
    ("POST", lambda w: f"/mediations/{w.mediation.id}/actions/no_such_action", expect(404, anon=302)),
    # a mediator not assigned to it sees it (their centre's subtree) but acts on nothing there
    (
        "POST",
        lambda w: f"/mediations/{w.county_mediation.id}/actions/suspend",
        expect(404, anon=302, staff=403, supervisor=302),
        lambda w: {"comment": "被申请人已向国家知识产权局提出无效宣告请求"},
    ),
    (
        "POST",
        lambda w: f"/mediations/{w.sibling_mediation.id}/actions/withdraw",
        expect(404, anon=302),
        lambda w: {"comment": "撤回"},
    ),
    ("POST", lambda w: f"/mediations/{w.sibling_mediation.id}/actions/no_such_action", expect(404, anon=302)),
    # ---- a session's calendar file ----
    ("GET", lambda w: f"/mediations/{w.mediation.id}/sessions/{w.mediation_session.id}.ics", expect(200, anon=302)),
    (
        "GET",
        lambda w: f"/mediations/{w.county_mediation.id}/sessions/{w.county_session.id}.ics",
        expect(404, anon=302, staff=200),
    ),
    (
        "GET",
        lambda w: f"/mediations/{w.sibling_mediation.id}/sessions/{w.sibling_session.id}.ics",
        expect(404, anon=302),
    ),
    # a session of another mediation, asked for under one the user sees
    (
        "GET",
        lambda w: f"/mediations/{w.mediation.id}/sessions/{w.sibling_session.id}.ics",
        expect(404, anon=302),
    ),
]


def build(w, make):
    """The mediations the rows reach (see the module's docstring)."""
    from app.auth.models import Role
    from app.enterprises.models import EnterpriseMember, MembershipStatus
    from app.mediation import services

    session, make_case = make.session, make.make_case
    caseworker, supervisor = w.users["caseworker"], w.users["supervisor"]
    today = datetime.now(UTC).date().isoformat()
    starts = (datetime.now(UTC) + timedelta(days=3)).isoformat()

    def opened(case, actor, scheduler, mediator=None):
        """A mediation of ``case`` that is open, with a session scheduled by ``scheduler``."""
        m = services.request_mediation(
            case, actor, mediator=mediator, scope="damages", requests="请求赔偿", not_in_court=True
        )
        services.transition(m, "serve_respondent", actor, data={"served_on": today, "method": "post"})
        services.transition(m, "respondent_agrees", actor, data={})
        services.transition(
            m, "schedule_session", scheduler, data={"starts_at": starts, "place": "调解室", "online_url": ""}
        )
        session.commit()
        return m

    w.mediable = make_case(w.applicant, w.enterprise, state="accepted", staff=caseworker)
    city_case = make_case(w.applicant, w.enterprise, state="accepted", staff=caseworker)
    w.mediation = opened(city_case, caseworker, w.users["mediator"], w.users["mediator"].email)
    county_applicant = make.make_user(Role.APPLICANT, email="applicant@county-mediation.cn")
    session.add(EnterpriseMember(enterprise=w.county_enterprise, user=county_applicant, status=MembershipStatus.ACTIVE))
    session.commit()
    county_case = make_case(county_applicant, w.county_enterprise, state="accepted", staff=caseworker)
    w.county_mediation = opened(county_case, caseworker, supervisor)
    sibling_supervisor = make.make_user(Role.SUPERVISOR, centre=w.sibling, email="supervisor@sibling-mediation.cn")
    sibling_case = make_case(w.other_applicant, w.other_enterprise, state="accepted", staff=w.sibling_caseworker)
    w.sibling_mediation = opened(sibling_case, w.sibling_caseworker, sibling_supervisor)
    w.sibling_mediable = make_case(w.other_applicant, w.other_enterprise, state="accepted", staff=w.sibling_caseworker)
    w.mediation_session = w.mediation.sessions[0]
    w.county_session = w.county_mediation.sessions[0]
    w.sibling_session = w.sibling_mediation.sessions[0]
