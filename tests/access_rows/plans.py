"""Access rows: the rights-protection plan's pages (tests/plans/test_pages.py checks what they show).

The world's plans (``build``): ``plan_draft`` (a complete draft of a city case), ``plan_approved`` (approved,
to be issued), ``plan_issued`` (issued: the applicant's side sees it), ``county_plan`` (a draft of a county
enterprise's case: in the staff's scope, another enterprise for the applicant) and ``sibling_plan`` (issued,
of a sibling city's case: nobody here sees it); and ``plannable``, an accepted city case with no plan. What
may not be seen answers 404, exactly as an id that does not exist (a draft, to the applicant's side); a role
that may never act on a plan answers 403 (mediators, the fund committee and administrators read plans only).
"""

from __future__ import annotations

from tests.access_rows import expect

HANDLERS = {"caseworker": 302, "supervisor": 302}  # who draft and act on plans (302: done, on to the next page)
VIEW_ONLY = {"mediator": 403, "fund_committee": 403, "admin": 403}


def _saved(w):
    """The draft's form as the editor sends it, with a change."""
    return {
        "version": w.plan_draft.version,
        "op": "save",
        "facts": "被投诉人在电商平台销售侵权产品（已补充）。",
        "right_index": "0",
        "right_scope": "权利要求1",
        "rows": "1",
        "row-0-feature": "底座设有三根可折叠支腿",
        "row-0-accused": "被控产品底座设有三根折叠支腿",
        "row-0-verdict": "identical",
        "row-0-evidence": "公证购买的实物",
        "route-mediation-on": "y",
        "route-mediation-cost": "0",
        "route-mediation-duration": "1个月",
    }


ROWS = [
    # ---- drafting one from the case page ----
    ("POST", lambda w: f"/cases/{w.plannable.number}/plans", expect(403, anon=302, **HANDLERS)),
    # a case that already has a plan being written: refused with the reason to those who may draft
    (
        "POST",
        lambda w: f"/cases/{w.plan_draft.case.number}/plans",
        expect(403, anon=302, caseworker=422, supervisor=422),
    ),
    ("POST", lambda w: f"/cases/{w.sibling_plan.case.number}/plans", expect(404, anon=302)),
    # ---- the plan page: a draft is the staff's, an issued plan the applicant's side's too ----
    ("GET", lambda w: f"/plans/{w.plan_draft.id}", expect(200, anon=302, applicant=404)),
    ("GET", lambda w: f"/plans/{w.plan_issued.id}", expect(200, anon=302)),
    ("GET", lambda w: f"/plans/{w.county_plan.id}", expect(404, anon=302, staff=200)),
    ("GET", lambda w: f"/plans/{w.sibling_plan.id}", expect(404, anon=302)),
    ("GET", lambda w: "/plans/2147483647", expect(404, anon=302)),
    # ---- the editor ----
    (
        "GET",
        lambda w: f"/plans/{w.plan_draft.id}/edit",
        expect(403, anon=302, applicant=404, caseworker=200, supervisor=200),
    ),
    # not a draft: back to the plan's page (those who act on it), refused to the others
    ("GET", lambda w: f"/plans/{w.plan_issued.id}/edit", expect(403, anon=302, **HANDLERS)),
    ("GET", lambda w: f"/plans/{w.sibling_plan.id}/edit", expect(404, anon=302)),
    ("POST", lambda w: f"/plans/{w.plan_draft.id}/edit", expect(403, anon=302, applicant=404, **HANDLERS), _saved),
    # adding a row only shows the form again (nothing saved)
    (
        "POST",
        lambda w: f"/plans/{w.plan_draft.id}/edit",
        expect(403, anon=302, applicant=404, caseworker=200, supervisor=200),
        lambda w: {**_saved(w), "op": "add_row"},
    ),
    ("GET", lambda w: f"/plans/{w.county_plan.id}/edit", expect(404, anon=302, **HANDLERS, **VIEW_ONLY)),
    ("POST", lambda w: f"/plans/{w.sibling_plan.id}/edit", expect(404, anon=302), _saved),
    # ---- its actions ----
    (
        "POST",
        lambda w: f"/plans/{w.plan_draft.id}/actions/submit_for_review",
        expect(403, anon=302, applicant=404, **HANDLERS),
    ),
    ("POST", lambda w: f"/plans/{w.plan_approved.id}/actions/issue", expect(403, anon=302, applicant=404, **HANDLERS)),
    # a supervisor approves; a caseworker may never
    ("POST", lambda w: f"/plans/{w.county_plan.id}/actions/approve", expect(404, anon=302, staff=403, supervisor=422)),
    ("POST", lambda w: f"/plans/{w.plan_issued.id}/actions/revise", expect(403, anon=302, **HANDLERS)),
    # the wrong state: refused with the reason (422) to those who may take the action at all
    (
        "POST",
        lambda w: f"/plans/{w.plan_issued.id}/actions/submit_for_review",
        expect(403, anon=302, caseworker=422, supervisor=422),
    ),
    # superseding is the service's own step, never a page's
    ("POST", lambda w: f"/plans/{w.plan_issued.id}/actions/supersede", expect(404, anon=302)),
    ("POST", lambda w: f"/plans/{w.plan_draft.id}/actions/no_such_action", expect(404, anon=302)),
    ("POST", lambda w: f"/plans/{w.sibling_plan.id}/actions/revise", expect(404, anon=302)),
    # ---- the PDF as it would be issued (staff) ----
    ("GET", lambda w: f"/plans/{w.plan_draft.id}/preview.pdf", expect(200, anon=302, applicant=404)),
    ("GET", lambda w: f"/plans/{w.plan_issued.id}/preview.pdf", expect(200, anon=302, applicant=403)),
    ("GET", lambda w: f"/plans/{w.sibling_plan.id}/preview.pdf", expect(404, anon=302)),
]


def build(w, make):
    """The plans the rows reach (see the module's docstring), each driven through the one door."""
    from app.auth.models import Role
    from app.enterprises.models import EnterpriseMember, MembershipStatus
    from app.plans import services
    from tests.plans.conftest import CONTENT

    session, make_case = make.session, make.make_case
    caseworker, supervisor = w.users["caseworker"], w.users["supervisor"]

    def plan(case, steps, drafter=caseworker, approver=supervisor):
        p = services.create_plan(case, drafter, CONTENT)
        for action in steps:
            services.transition(p, action, approver if action == "approve" else drafter)
        session.commit()
        return p

    accepted = make_case(w.applicant, w.enterprise, state="accepted", staff=caseworker)
    w.plannable = make_case(w.applicant, w.enterprise, state="accepted", staff=caseworker)
    w.plan_draft = plan(accepted, [])
    w.plan_approved = plan(
        make_case(w.applicant, w.enterprise, state="accepted", staff=caseworker), ["submit_for_review", "approve"]
    )
    w.plan_issued = plan(
        make_case(w.applicant, w.enterprise, state="accepted", staff=caseworker),
        ["submit_for_review", "approve", "issue"],
    )
    county_applicant = make.make_user(Role.APPLICANT, email="plans@county-firm.cn")
    session.add(EnterpriseMember(enterprise=w.county_enterprise, user=county_applicant, status=MembershipStatus.ACTIVE))
    session.commit()
    # In review, drafted by the city's supervisor: another supervisor must approve it (422 for them here).
    w.county_plan = plan(
        make_case(county_applicant, w.county_enterprise, state="accepted", staff=caseworker),
        ["submit_for_review"],
        drafter=supervisor,
    )
    sibling_supervisor = make.make_user(Role.SUPERVISOR, centre=w.sibling, email="plans-sup@sibling.cn")
    w.sibling_plan = plan(
        make_case(w.other_applicant, w.other_enterprise, state="accepted", staff=w.sibling_caseworker),
        ["submit_for_review", "approve", "issue"],
        drafter=w.sibling_caseworker,
        approver=sibling_supervisor,
    )


def check(role, w, client):
    """The applicant's side sees the issued plan's panel on its case and never the draft's."""
    if role != "applicant":
        return
    page = client.get(f"/cases/{w.plan_draft.case.number}").get_data(as_text=True)
    assert 'id="plan-panel"' not in page and f"/plans/{w.plan_draft.id}" not in page
    page = client.get(f"/cases/{w.plan_issued.case.number}").get_data(as_text=True)
    assert f"/plans/{w.plan_issued.id}" in page and 'id="plan-current"' in page
