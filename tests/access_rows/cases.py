"""Access rows: cases (lists, filing, the case page, drafts, workflow actions, notes, messages, related
cases, evidence, documents) and the beyond-scope rule.

The world's cases (``build``): the city enterprise's cases (filed by ``world.applicant``), a county
enterprise's case (in the staff's scope, another enterprise for the applicant), a sibling city's
case and a case of the province above the city (nobody here may see them), and the applicant's
unsubmitted drafts (staff do not see them). Whatever may not be seen answers 404, exactly as a
case number that does not exist; a role that may never use a route answers 403 whatever the case.
Mediators, the fund committee and admins see the cases of their subtree and may write internal
notes, but take no workflow action, write no message to the applicant, add no file, link no case
and issue no document.

A POST that succeeds changes its own case only (one case per action that succeeds), and each role's
rows run in a transaction of their own, rolled back before the next role.
"""

from __future__ import annotations

import io
import re

from tests.access_rows import expect
from tests.conftest import ALL_CONDITIONS
from tests.core.test_filetypes import sample_pdf

HANDLERS = {"caseworker": 302, "supervisor": 302}  # the staff who act on cases (302: done, back to the page)
VIEW_ONLY = {"mediator": 403, "fund_committee": 403, "admin": 403}  # staff who see cases but never act


def filing(**overrides):
    """A complete complaint as the filing form sends it."""
    data = {
        "kind": "complaint",
        "ip_type": "utility_model",
        "ip_number": "ZL202320123456.1",
        "ip_title": "一种折叠式支架",
        "respondent_name": "矩阵测试科技有限公司",
        "facts": "被投诉人在电商平台销售与本专利相同的产品。",
        "help_wanted": "请求调解",
        "claimed_amount": "12800.50",
        "intent": "submit",
    }
    data.update(overrides)
    return data


def recording(credit_code):
    data = filing(channel="hotline", credit_code=credit_code, duplicates="ignore")
    del data["intent"]
    return data


def evidence():
    return {"description": "购买凭证", "file": (io.BytesIO(sample_pdf()), "购买凭证.pdf")}


ROWS = [
    # ---- cases: lists, the workflow page ----
    ("GET", lambda w: "/cases", expect(200, anon=302)),
    ("GET", lambda w: "/cases/export.csv", expect(403, anon=302, staff=200)),
    ("GET", lambda w: "/workflow", expect(403, anon=302, staff=200)),
    # ---- filing (applicants) and recording (caseworkers, supervisors) ----
    # staff who record are sent on to the recording form, the others may not file
    ("GET", lambda w: "/cases/new", expect(403, anon=302, applicant=200, **HANDLERS)),
    ("POST", lambda w: "/cases/new", expect(403, anon=302, applicant=302, **HANDLERS), lambda w: filing()),
    ("GET", lambda w: "/cases/record", expect(403, anon=302, caseworker=200, supervisor=200)),
    # an enterprise of the county: in scope
    (
        "POST",
        lambda w: "/cases/record",
        expect(403, anon=302, **HANDLERS),
        lambda w: recording(w.county_enterprise.credit_code),
    ),
    # a sibling city's enterprise: refused (the page names the centre that serves it, by design)
    (
        "POST",
        lambda w: "/cases/record",
        expect(403, anon=302),
        lambda w: recording(w.other_enterprise.credit_code),
    ),
    # ---- the case page ----
    ("GET", lambda w: f"/cases/{w.case.number}", expect(200, anon=302)),
    ("GET", lambda w: f"/cases/{w.county_case.number}", expect(404, anon=302, staff=200)),
    ("GET", lambda w: f"/cases/{w.sibling_case.number}", expect(404, anon=302)),
    ("GET", lambda w: f"/cases/{w.province_case.number}", expect(404, anon=302)),
    ("GET", lambda w: f"/cases/{w.draft.ref}", expect(404, anon=302, applicant=200)),
    ("GET", lambda w: "/cases/CA-2099-99999", expect(404, anon=302)),
    ("GET", lambda w: "/cases/not-a-number", expect(404, anon=302)),
    # ---- a draft: only whoever started it deletes it (a submitted case is withdrawn instead) ----
    ("POST", lambda w: f"/cases/{w.draft_to_delete.ref}/delete", expect(404, anon=302, applicant=303)),
    ("POST", lambda w: f"/cases/{w.submitted.number}/delete", expect(403, anon=302, applicant=303)),
    ("POST", lambda w: f"/cases/{w.sibling_draft.ref}/delete", expect(404, anon=302)),
    # ---- a draft: only whoever started it edits it ----
    ("GET", lambda w: f"/cases/{w.draft.ref}/edit", expect(404, anon=302, applicant=200)),
    (
        "POST",
        lambda w: f"/cases/{w.draft.ref}/edit",
        expect(404, anon=302, applicant=302),
        lambda w: filing(intent="draft", version=w.draft.version),
    ),
    # a submitted case is no longer edited (its filer is sent to the page); staff never edit a filing
    ("GET", lambda w: f"/cases/{w.case.number}/edit", expect(403, anon=302, applicant=302)),
    ("GET", lambda w: f"/cases/{w.county_case.number}/edit", expect(404, anon=302, staff=403)),
    ("GET", lambda w: f"/cases/{w.sibling_draft.ref}/edit", expect(404, anon=302)),
    ("POST", lambda w: f"/cases/{w.sibling_draft.ref}/edit", expect(404, anon=302), lambda w: filing()),
    # ---- workflow actions ----
    ("POST", lambda w: f"/cases/{w.submitted.number}/actions/acknowledge", expect(403, anon=302, **HANDLERS)),
    (
        "POST",
        lambda w: f"/cases/{w.awaiting.number}/actions/provide_material",
        expect(403, anon=302, applicant=302, **HANDLERS),
        lambda w: {"comment": "已上传购买凭证"},
    ),
    (
        "POST",
        lambda w: f"/cases/{w.to_accept.number}/actions/accept",
        expect(403, anon=302, **HANDLERS),
        lambda w: {"conditions": list(ALL_CONDITIONS), "version": w.to_accept.version},
    ),
    # the wrong state: refused with the reason (422) to those who may take the action at all
    ("POST", lambda w: f"/cases/{w.case.number}/actions/close", expect(403, anon=302, caseworker=422, supervisor=422)),
    ("POST", lambda w: f"/cases/{w.case.number}/actions/no_such_action", expect(404, anon=302)),
    (
        "POST",
        lambda w: f"/cases/{w.county_submitted.number}/actions/acknowledge",
        expect(404, anon=302, **HANDLERS, **VIEW_ONLY),
    ),
    (
        "POST",
        lambda w: f"/cases/{w.sibling_case.number}/actions/withdraw",
        expect(404, anon=302),
        lambda w: {"comment": "撤回"},
    ),
    ("POST", lambda w: f"/cases/{w.sibling_case.number}/actions/no_such_action", expect(404, anon=302)),
    ("POST", lambda w: f"/cases/{w.province_case.number}/actions/acknowledge", expect(404, anon=302)),
    ("POST", lambda w: f"/cases/{w.draft_to_submit.ref}/actions/submit", expect(404, anon=302, applicant=302)),
    # ---- internal notes (staff), messages (those who act) ----
    (
        "POST",
        lambda w: f"/cases/{w.case.number}/notes",
        expect(403, anon=302, staff=302),
        lambda w: {"text": "内部备注"},
    ),
    (
        "POST",
        lambda w: f"/cases/{w.county_case.number}/notes",
        expect(404, anon=302, staff=302),
        lambda w: {"text": "内部备注"},
    ),
    ("POST", lambda w: f"/cases/{w.sibling_case.number}/notes", expect(404, anon=302), lambda w: {"text": "备注"}),
    (
        "POST",
        lambda w: f"/cases/{w.draft.ref}/notes",
        expect(404, anon=302, applicant=403),
        lambda w: {"text": "备注"},
    ),
    (
        "POST",
        lambda w: f"/cases/{w.case.number}/messages",
        expect(403, anon=302, applicant=302, **HANDLERS),
        lambda w: {"text": "请问进展如何？"},
    ),
    (
        "POST",
        lambda w: f"/cases/{w.county_case.number}/messages",
        expect(404, anon=302, **HANDLERS, **VIEW_ONLY),
        lambda w: {"text": "您好"},
    ),
    ("POST", lambda w: f"/cases/{w.sibling_case.number}/messages", expect(404, anon=302), lambda w: {"text": "您好"}),
    # ---- related cases (caseworkers, supervisors; both cases in their scope) ----
    (
        "POST",
        lambda w: f"/cases/{w.case.number}/related",
        expect(403, anon=302, **HANDLERS),
        lambda w: {"number": w.county_case.number},
    ),
    # another centre's number is "not in your scope", as a number that does not exist
    (
        "POST",
        lambda w: f"/cases/{w.case.number}/related",
        expect(403, anon=302, caseworker=422, supervisor=422),
        lambda w: {"number": w.sibling_case.number},
    ),
    (
        "POST",
        lambda w: f"/cases/{w.county_case.number}/related",
        expect(404, anon=302, **HANDLERS, **VIEW_ONLY),
        lambda w: {"number": w.case.number},
    ),
    (
        "POST",
        lambda w: f"/cases/{w.sibling_case.number}/related",
        expect(404, anon=302),
        lambda w: {"number": w.case.number},
    ),
    # ---- evidence ----
    (
        "POST",
        lambda w: f"/cases/{w.case.number}/evidence",
        expect(403, anon=302, applicant=302, **HANDLERS),
        lambda w: evidence(),
    ),
    (
        "POST",
        lambda w: f"/cases/{w.county_case.number}/evidence",
        expect(404, anon=302, **HANDLERS, **VIEW_ONLY),
        lambda w: evidence(),
    ),
    ("POST", lambda w: f"/cases/{w.sibling_case.number}/evidence", expect(404, anon=302), lambda w: evidence()),
    ("POST", lambda w: f"/cases/{w.draft.ref}/evidence", expect(404, anon=302, applicant=302), lambda w: evidence()),
    ("GET", lambda w: f"/cases/{w.case.number}/evidence/{w.case_file.id}", expect(200, anon=302)),
    ("GET", lambda w: f"/cases/{w.county_case.number}/evidence/{w.county_file.id}", expect(404, anon=302, staff=200)),
    ("GET", lambda w: f"/cases/{w.sibling_case.number}/evidence/{w.sibling_file.id}", expect(404, anon=302)),
    # a file of another case, asked for under a case the user sees
    ("GET", lambda w: f"/cases/{w.case.number}/evidence/{w.sibling_file.id}", expect(404, anon=302)),
    ("GET", lambda w: f"/cases/{w.case.number}/evidence/{w.county_file.id}", expect(404, anon=302)),
    ("GET", lambda w: f"/cases/{w.draft.ref}/evidence/{w.draft_file.id}", expect(404, anon=302, applicant=200)),
    # the answer to a request for material, with its files (one form)
    (
        "POST",
        lambda w: f"/cases/{w.awaiting_files.number}/material",
        expect(403, anon=302, applicant=302, **HANDLERS),
        lambda w: {"comment": "已上传购买凭证", **evidence()},
    ),
    (
        "POST",
        lambda w: f"/cases/{w.county_case.number}/material",
        expect(404, anon=302, caseworker=422, supervisor=422, **VIEW_ONLY),
        lambda w: {"comment": "已上传购买凭证", **evidence()},
    ),
    (
        "POST",
        lambda w: f"/cases/{w.sibling_case.number}/material",
        expect(404, anon=302),
        lambda w: {"comment": "已上传购买凭证", **evidence()},
    ),
    # ---- issued documents, previews, summaries ----
    ("GET", lambda w: f"/cases/{w.accepted.number}/documents/{w.accepted_notice.id}", expect(200, anon=302)),
    (
        "GET",
        lambda w: f"/cases/{w.county_accepted.number}/documents/{w.county_notice.id}",
        expect(404, anon=302, staff=200),
    ),
    ("GET", lambda w: f"/cases/{w.sibling_case.number}/documents/{w.sibling_notice.id}", expect(404, anon=302)),
    ("GET", lambda w: f"/cases/{w.accepted.number}/documents/{w.sibling_notice.id}", expect(404, anon=302)),
    ("GET", lambda w: f"/cases/{w.accepted.number}/documents/{w.county_notice.id}", expect(404, anon=302)),
    (
        "GET",
        lambda w: f"/cases/{w.case.number}/documents/preview/acceptance_notice",
        expect(403, anon=302, staff=200),
    ),
    (
        "GET",
        lambda w: f"/cases/{w.county_case.number}/documents/preview/case_summary",
        expect(403, anon=302, staff=200),
    ),
    (
        "GET",
        lambda w: f"/cases/{w.sibling_case.number}/documents/preview/acceptance_notice",
        expect(403, anon=302, staff=404),
    ),
    ("GET", lambda w: f"/cases/{w.draft.ref}/documents/preview/case_summary", expect(403, anon=302, staff=404)),
    ("GET", lambda w: f"/cases/{w.case.number}/documents/preview/no_such_kind", expect(403, anon=302, staff=404)),
    ("POST", lambda w: f"/cases/{w.case.number}/summary", expect(403, anon=302, **HANDLERS)),
    (
        "POST",
        lambda w: f"/cases/{w.sibling_case.number}/summary",
        expect(403, anon=302, caseworker=404, supervisor=404),
    ),
    ("POST", lambda w: f"/cases/{w.draft.ref}/summary", expect(403, anon=302, caseworker=404, supervisor=404)),
    # ---- beyond scope: writes are not workflow actions (app.cases.assignments) ----
    # A case the caseworker took up and that went to the sibling city: as its first responder they
    # still see it and confirm what the applicant was told, but upload, note, message, summary
    # and link nothing there; the other staff here no longer see it; its applicant still writes.
    ("GET", lambda w: f"/cases/{w.transferred_away.number}", expect(404, anon=302, applicant=200, caseworker=200)),
    (
        "POST",
        lambda w: f"/cases/{w.transferred_away.number}/notes",
        expect(404, anon=302, applicant=403, caseworker=403),
        lambda w: {"text": "内部备注"},
    ),
    (
        "POST",
        lambda w: f"/cases/{w.transferred_away.number}/messages",
        expect(404, anon=302, applicant=302, caseworker=403),
        lambda w: {"text": "您好"},
    ),
    (
        "POST",
        lambda w: f"/cases/{w.transferred_away.number}/evidence",
        expect(404, anon=302, applicant=302, caseworker=403),
        lambda w: evidence(),
    ),
    ("POST", lambda w: f"/cases/{w.transferred_away.number}/summary", expect(403, anon=302, supervisor=404)),
    (
        "POST",
        lambda w: f"/cases/{w.transferred_away.number}/related",
        expect(404, anon=302, applicant=403, caseworker=403),
        lambda w: {"number": w.case.number},
    ),
    # A sibling city's case offered to this centre: its staff see it and may only answer the offer.
    ("GET", lambda w: f"/cases/{w.offered_here.number}", expect(404, anon=302, staff=200)),
    (
        "POST",
        lambda w: f"/cases/{w.offered_here.number}/notes",
        expect(404, anon=302, staff=403),
        lambda w: {"text": "内部备注"},
    ),
    (
        "POST",
        lambda w: f"/cases/{w.offered_here.number}/messages",
        expect(404, anon=302, staff=403),
        lambda w: {"text": "您好"},
    ),
    (
        "POST",
        lambda w: f"/cases/{w.offered_here.number}/evidence",
        expect(404, anon=302, staff=403),
        lambda w: evidence(),
    ),
    ("POST", lambda w: f"/cases/{w.offered_here.number}/summary", expect(403, anon=302)),
    (
        "POST",
        lambda w: f"/cases/{w.offered_here.number}/related",
        expect(404, anon=302, staff=403),
        lambda w: {"number": w.case.number},
    ),
]


def build(w, make):
    """The cases the rows reach, their files and notices (see the module's docstring)."""
    from werkzeug.datastructures import FileStorage

    from app.auth.models import Role
    from app.cases import services
    from app.cases.attachments import add_attachment
    from app.cases.enums import DocumentKind
    from app.cases.models import Document
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    session, make_case, make_user = make.session, make.make_case, make.make_user
    # Built in the app's context: the notices issued below render and are stored with that app.
    caseworker = w.users["caseworker"]
    applicant = w.applicant
    county_applicant = make_user(Role.APPLICANT, email="applicant@county-firm.cn")
    session.add(EnterpriseMember(enterprise=w.county_enterprise, user=county_applicant, status=MembershipStatus.ACTIVE))
    session.commit()
    province_applicant = make_user(Role.APPLICANT, email="applicant@province-firm.cn")
    province_enterprise = make.make_enterprise(w.province, members=[province_applicant], name="省级企业有限公司")

    # The city enterprise's cases, one per action that succeeds, so that no row changes another's case.
    w.case = make_case(applicant, w.enterprise, state="acknowledged", staff=caseworker)
    w.submitted = make_case(applicant, w.enterprise, state="submitted")
    w.awaiting = make_case(applicant, w.enterprise, state="awaiting_material", staff=caseworker)
    w.awaiting_files = make_case(applicant, w.enterprise, state="awaiting_material", staff=caseworker)
    w.to_accept = make_case(applicant, w.enterprise, state="acknowledged", staff=caseworker)
    w.accepted = make_case(applicant, w.enterprise, state="accepted", staff=caseworker)
    w.draft = make_case(applicant, w.enterprise, state="draft")
    w.draft_to_submit = make_case(applicant, w.enterprise, state="draft")
    w.draft_to_delete = make_case(applicant, w.enterprise, state="draft")
    # The county's (in the staff's scope; another enterprise for the applicant).
    w.county_case = make_case(county_applicant, w.county_enterprise, state="acknowledged", staff=caseworker)
    w.county_submitted = make_case(county_applicant, w.county_enterprise, state="submitted")
    w.county_accepted = make_case(county_applicant, w.county_enterprise, state="accepted", staff=caseworker)
    # A sibling city's and the province's (above the city): out of everyone's scope here.
    w.sibling_case = make_case(w.other_applicant, w.other_enterprise, state="accepted", staff=w.sibling_caseworker)
    w.sibling_draft = make_case(w.other_applicant, w.other_enterprise, state="draft")
    w.province_case = make_case(province_applicant, province_enterprise, state="submitted")

    # Beyond scope: a city case its caseworker took up, transferred to the sibling city; and a
    # sibling city's case offered to the city.
    w.transferred_away = make_case(applicant, w.enterprise, state="accepted", staff=caseworker)
    services.transition(
        w.transferred_away, "offer_transfer", caseworker, comment="由对方中心办理", data={"to_centre": w.sibling.code}
    )
    services.transition(w.transferred_away, "accept_transfer", w.sibling_caseworker)
    w.offered_here = make_case(w.other_applicant, w.other_enterprise, state="acknowledged", staff=w.sibling_caseworker)
    services.transition(
        w.offered_here, "offer_transfer", w.sibling_caseworker, comment="请贵中心办理", data={"to_centre": w.city.code}
    )
    session.commit()

    def attach(case, who):
        upload = FileStorage(stream=io.BytesIO(sample_pdf()), filename="证据.pdf")
        attachment = add_attachment(case, who, upload, "侵权产品照片")
        session.commit()
        return attachment

    w.case_file = attach(w.case, applicant)
    w.county_file = attach(w.county_case, caseworker)
    w.sibling_file = attach(w.sibling_case, w.other_applicant)
    w.draft_file = attach(w.draft, applicant)

    def notice(case):
        return session.query(Document).filter_by(case_id=case.id, kind=DocumentKind.ACCEPTANCE_NOTICE).one()

    w.accepted_notice = notice(w.accepted)
    w.county_notice = notice(w.county_accepted)
    w.sibling_notice = notice(w.sibling_case)


CITY_CASES = ("case", "submitted", "awaiting", "awaiting_files", "to_accept", "accepted")
DRAFTS = ("draft", "draft_to_submit", "draft_to_delete")
COUNTY_CASES = ("county_case", "county_submitted", "county_accepted")
OUT_OF_SCOPE = ("sibling_case", "sibling_draft", "province_case")
CASE_NUMBER = re.compile(r"\b[A-Z][A-Z0-9]*-\d{4}-\d{5}\b|\bdraft-\d+\b")


def check(role, w, client):
    """The list rows above answer 200; what they list: the applicant their enterprise's cases, drafts
    included; staff their subtree's submitted cases, never a draft; nobody another centre's."""
    if role == "anon":
        return
    if role == "applicant":
        # The applicant's rows submitted one draft (it took a number then) and deleted another.
        may, may_not = CITY_CASES + ("draft",), COUNTY_CASES + OUT_OF_SCOPE
    else:
        may, may_not = CITY_CASES + COUNTY_CASES, DRAFTS + OUT_OF_SCOPE
    pages = {"/cases": client.get("/cases")}
    if role != "applicant":
        pages["/cases/export.csv"] = client.get("/cases/export.csv")
    for url, response in pages.items():
        assert response.status_code == 200, url
        shown = set(CASE_NUMBER.findall(response.get_data(as_text=True)))
        missing = [name for name in may if getattr(w, name).ref not in shown]
        leaked = [name for name in may_not if getattr(w, name).ref in shown]
        assert not missing and not leaked, f"{role} {url}: missing {missing}, shown but out of scope {leaked}"
