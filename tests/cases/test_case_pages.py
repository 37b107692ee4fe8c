"""The case pages: filing and recording, duplicates, the case page's actions per role, the
workflow actions through the page (refusals, conflicts), timelines and scope."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.cases.enums import CaseState, DeclineReason
from app.cases.models import Attachment, Case, CaseEvent, CaseLink
from app.enterprises.models import Enterprise
from app.enterprises.sme_size import SizeClass
from tests.conftest import ALL_CONDITIONS, VALID_UTILITY_MODEL
from tests.helpers import csrf_token, post_form, valid_credit_code

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4
VALID_DESIGN = "202330123456.7"  # design patent (type digit 3) with its check character


@pytest.fixture
def login(login):
    """Log in as the conftest does, with the interface in English so the assertions read the msgids."""

    def do_login(user):
        client = login(user)
        client.set_cookie("lang", "en")
        return client

    return do_login


def _filing(**overrides) -> dict:
    data = {
        "kind": "complaint",
        "ip_type": "utility_model",
        "ip_number": "ZL 2023 2012 3456.1",
        "ip_title": "一种折叠式支架",
        "respondent_name": "某某科技有限公司",
        "respondent_credit_code": "",
        "respondent_address": "深圳市南山区科技园",
        "respondent_url": "shop.example.com/item/1",
        "title": "",
        "facts": "被投诉人在电商平台销售与本专利相同的产品。",
        "help_wanted": "请求调解",
        "claimed_amount": "12800.5",
        "intent": "submit",
    }
    data.update(overrides)
    return data


def _record(**overrides) -> dict:
    data = _filing(channel="hotline", credit_code="", intent="")
    data.pop("intent")
    data.update(overrides)
    return data


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count(model.id)))


def _case(session, number) -> Case:
    session.expire_all()
    if number.startswith("draft-"):  # a draft's reference: it has no number yet
        return session.execute(select(Case).where(Case.id == int(number.removeprefix("draft-")))).scalar_one()
    return session.execute(select(Case).where(Case.number == number)).scalar_one()


def _number_from(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.search(r"/cases/([A-Z0-9]+-\d{4}-\d{5}|draft-\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def _action_forms(html: str) -> set[str]:
    return set(re.findall(r'<form[^>]*\bid="action-([a-z_]+)"', html))


def _error_beside(html: str, field: str) -> str:
    match = re.search(rf'<div class="invalid-feedback" id="{field}-error">(.*?)</div>', html, re.S)
    assert match, f"no error beside {field}"
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', html)
    return match.group(1)


def _post_action(client, case, action, data=None, version=None):
    url = f"/cases/{case.number}"
    token = csrf_token(client, url)
    body = {"csrf_token": token, "version": str(case.version if version is None else version)}
    body.update(data or {})
    return client.post(f"{url}/actions/{action}", data=body)


# ---- filing ------------------------------------------------------------------------------------


def test_applicant_saves_a_draft_then_submits_it(world, login, session):
    c = login(world.applicant)
    page = c.get("/cases/new")
    assert page.status_code == 200 and world.enterprise.name in page.get_data(as_text=True)
    number = _number_from(post_form(c, "/cases/new", _filing(intent="draft", facts="")))
    case = _case(session, number)
    assert case.state is CaseState.DRAFT and case.channel.value == "web"
    assert case.ip_number == VALID_UTILITY_MODEL  # "ZL 2023 2012 3456.1" normalised
    assert case.claimed_amount_fen == 1_280_050
    assert case.respondents[0].url == "https://shop.example.com/item/1"
    html = c.get(f"/cases/{number}").get_data(as_text=True)
    # Without facts the draft cannot be submitted yet: the page says why instead of offering the button.
    assert f"/cases/{number}/edit" in html and _action_forms(html) == set()
    assert re.search(r'data-action="submit"><strong>[^<]+</strong>: Describe the facts', html)

    # Submitting from the edit page without facts is refused beside the field, and the draft stays.
    edit = post_form(c, f"/cases/{number}/edit", _filing(intent="submit", facts="", version=str(case.version)))
    assert edit.status_code == 422
    assert "Describe the facts" in _error_beside(edit.get_data(as_text=True), "facts")
    assert _case(session, number).state is CaseState.DRAFT

    case = _case(session, number)
    response = post_form(c, f"/cases/{number}/edit", _filing(intent="submit", version=str(case.version)))
    # The draft takes its official number when it is submitted.
    assert number.startswith("draft-") and case.number is None
    number = _number_from(response)
    assert re.fullmatch(r"CA-\d{4}-\d{5}", number)
    case = _case(session, number)
    assert case.state is CaseState.SUBMITTED and case.submitted_at is not None
    html = c.get(f"/cases/{number}").get_data(as_text=True)
    assert "Your complaint was received." in html and f"/cases/{number}/edit" not in html


def test_staff_do_not_see_an_applicants_draft(world, login, session):
    c = login(world.applicant)
    number = _number_from(post_form(c, "/cases/new", _filing(intent="draft")))
    assert login(world.users["caseworker"]).get(f"/cases/{number}").status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ip_number", "201710601862.4", "check character does not match"),
        ("ip_number", "2017106018", "12 digits"),
        ("ip_number", VALID_DESIGN, "another type"),  # a design number given as a utility model
        ("respondent_credit_code", "91440300708461136X", "check character"),
        ("respondent_credit_code", "9144030070846113", "18 characters"),
        ("claimed_amount", "-1", "cannot be negative"),
        ("claimed_amount", "NaN", "Enter a number"),
        ("claimed_amount", "1e20", "too large"),
        ("claimed_amount", "12,80x", "Enter a number"),
        ("respondent_url", "not a url", "web address"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(world, login, session, field, value, message):
    c = login(world.applicant)
    before = _count(session, Case)
    response = post_form(c, "/cases/new", _filing(**{field: value}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in _error_beside(html, field)
    assert "被投诉人在电商平台销售与本专利相同的产品。" in html  # what was typed is kept
    assert _count(session, Case) == before


def test_the_right_number_is_checked_against_the_declared_type(world, login, session):
    c = login(world.applicant)
    number = _number_from(post_form(c, "/cases/new", _filing(ip_type="design", ip_number=VALID_DESIGN)))
    assert _case(session, number).ip_number == VALID_DESIGN


def test_an_applicant_without_an_enterprise_is_sent_to_the_enterprise_page(world, login, make_user, session):
    from app.auth.models import Role

    loner = make_user(Role.APPLICANT, email="loner@example.cn")
    c = login(loner)
    page = c.get("/cases/new")
    assert page.status_code == 200 and 'href="/enterprise"' in page.get_data(as_text=True)
    before = _count(session, Case)
    assert post_form(c, "/cases/new", _filing()).status_code == 403
    assert _count(session, Case) == before


def test_evidence_files_are_saved_with_the_filing(world, login, session):
    c = login(world.applicant)
    data = _filing()
    data["csrf_token"] = csrf_token(c, "/cases/new")
    data["evidence"] = [(io.BytesIO(PDF), "购买凭证.pdf"), (io.BytesIO(PDF), "截图.pdf")]
    number = _number_from(c.post("/cases/new", data=data, content_type="multipart/form-data"))
    case = _case(session, number)
    names = session.scalars(select(Attachment.filename).where(Attachment.case_id == case.id)).all()
    assert sorted(names) == ["截图.pdf", "购买凭证.pdf"]


def test_one_refused_file_refuses_the_whole_filing(world, login, session, app):
    from pathlib import Path

    c = login(world.applicant)
    uploads = Path(app.config["UPLOAD_FOLDER"])
    files_before = {p for p in uploads.rglob("*") if p.is_file()}
    cases, attachments = _count(session, Case), _count(session, Attachment)
    data = _filing(facts="侵权事实说明ABC")
    data["csrf_token"] = csrf_token(c, "/cases/new")
    data["evidence"] = [(io.BytesIO(PDF), "ok.pdf"), (io.BytesIO(EXE), "setup.exe")]
    response = c.post("/cases/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 415
    html = response.get_data(as_text=True)
    assert "setup.exe" in _error_beside(html, "evidence") and "侵权事实说明ABC" in html
    assert _count(session, Case) == cases and _count(session, Attachment) == attachments
    # The refused file is gone; the good one is kept for the next try (a staged upload), not lost.
    new_files = {p for p in uploads.rglob("*") if p.is_file()} - files_before
    assert [p.relative_to(uploads).parts[0] for p in new_files] == ["staged"]
    assert "ok.pdf" in html and 'name="staged"' in html


def test_a_file_too_large_answers_413(world, login, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 16)
    c = login(world.applicant)
    cases = _count(session, Case)
    data = _filing()
    data["csrf_token"] = csrf_token(c, "/cases/new")
    data["evidence"] = [(io.BytesIO(PDF), "big.pdf")]
    response = c.post("/cases/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 413 and "big.pdf" in _error_beside(response.get_data(as_text=True), "evidence")
    assert _count(session, Case) == cases


# ---- recording by staff -----------------------------------------------------------------------


def test_staff_record_a_case_for_a_new_enterprise(world, login, session):
    caseworker = world.users["caseworker"]
    c = login(caseworker)
    code = valid_credit_code()
    fields = {
        "enterprise_name": "新登记科技有限公司",
        "industry": "software_it",
        "staff_count": "12",
        "revenue_wan": "80",
    }

    # Without the enterprise's details the form asks for them and saves nothing.
    missing = post_form(c, "/cases/record", _record(credit_code=code))
    assert missing.status_code == 422
    assert "not registered yet" in _error_beside(missing.get_data(as_text=True), "enterprise_name")
    assert session.scalar(select(func.count(Enterprise.id)).where(Enterprise.credit_code == code)) == 0

    number = _number_from(post_form(c, "/cases/record", _record(credit_code=code, **fields)))
    case = _case(session, number)
    firm = case.enterprise
    assert firm.credit_code == code and firm.name == "新登记科技有限公司" and firm.centre_id == world.city.id
    assert firm.size_class is SizeClass.SMALL  # software & IT: small from 10 staff and 50 (10k yuan)
    assert firm.revenue_wan == Decimal("80")
    assert case.state is CaseState.ACKNOWLEDGED and case.channel.value == "hotline"
    assert case.first_responder_id == caseworker.id and case.owner_id == caseworker.id
    assert case.number.startswith("CA-")


def test_staff_record_for_an_enterprise_of_their_subtree(world, login, session):
    c = login(world.users["supervisor"])
    response = post_form(c, "/cases/record", _record(credit_code=world.county_enterprise.credit_code, channel="letter"))
    case = _case(session, _number_from(response))
    assert case.enterprise_id == world.county_enterprise.id and case.state is CaseState.ACKNOWLEDGED


@pytest.mark.parametrize("enterprise", ["other_enterprise", "far_enterprise"])
def test_recording_for_an_enterprise_outside_the_scope_is_refused(world, login, session, enterprise):
    c = login(world.users["caseworker"])
    before = _count(session, Case)
    firm = getattr(world, enterprise)
    response = post_form(c, "/cases/record", _record(credit_code=firm.credit_code))
    assert response.status_code == 403
    assert "scope. Ask that centre to record the case" in _error_beside(response.get_data(as_text=True), "credit_code")
    assert _count(session, Case) == before


@pytest.mark.parametrize("role", ["applicant", "mediator", "fund_committee", "admin"])
def test_only_caseworkers_and_supervisors_record(world, login, role):
    assert login(world.users[role]).get("/cases/record").status_code == 403


# ---- duplicates ---------------------------------------------------------------------------------


def test_staff_are_warned_of_a_duplicate_and_may_link_it(world, login, make_case, session):
    caseworker = world.users["caseworker"]
    existing = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    c = login(caseworker)
    data = _record(credit_code=world.county_enterprise.credit_code, ip_number=VALID_UTILITY_MODEL)
    before = _count(session, Case)

    warning = post_form(c, "/cases/record", data)
    assert warning.status_code == 200
    html = warning.get_data(as_text=True)
    assert 'id="duplicates"' in html and f'href="/cases/{existing.number}"' in html
    assert 'value="link"' in html and 'value="ignore"' in html
    assert _count(session, Case) == before  # nothing saved before the choice

    number = _number_from(post_form(c, "/cases/record", {**data, "duplicates": "link"}))
    new = _case(session, number)
    pairs = set(session.execute(select(CaseLink.case_id, CaseLink.related_id)).all())
    assert {(new.id, existing.id), (existing.id, new.id)} <= pairs
    assert f'href="/cases/{existing.number}"' in c.get(f"/cases/{number}").get_data(as_text=True)

    anyway = _number_from(post_form(c, "/cases/record", {**data, "duplicates": "ignore"}))
    other = _case(session, anyway)
    assert session.scalar(select(func.count(CaseLink.id)).where(CaseLink.case_id == other.id)) == 0


def test_no_warning_for_a_closed_case_or_another_respondent(world, login, make_case, session):
    caseworker = world.users["caseworker"]
    make_case(world.applicant, world.enterprise, state="declined", staff=caseworker)
    c = login(caseworker)
    data = _record(credit_code=world.county_enterprise.credit_code)
    assert post_form(c, "/cases/record", data).status_code == 302
    make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    assert post_form(c, "/cases/record", {**data, "respondent_name": "另一家公司"}).status_code == 302


def test_applicants_are_told_of_a_similar_case_of_their_enterprise(world, login, make_case, session):
    existing = make_case(world.applicant, world.enterprise, state="submitted")
    c = login(world.applicant)
    number = _number_from(post_form(c, "/cases/new", _filing()))
    html = c.get(f"/cases/{number}").get_data(as_text=True)
    assert "already has an open case" in html and existing.number in html


def test_applicants_are_not_told_of_other_enterprises_cases(world, login, make_case, session):
    make_case(world.other_applicant, world.other_enterprise, state="submitted")
    c = login(world.applicant)
    number = _number_from(post_form(c, "/cases/new", _filing()))
    assert "already has an open case" not in c.get(f"/cases/{number}").get_data(as_text=True)


# ---- the case page and its actions -----------------------------------------------------------

EXPECTED_ACTIONS = {
    # acknowledged complaint: (role) -> the action forms shown
    # (the caseworker took the case up; a supervisor may hand over any case of the centre)
    "caseworker": {"request_material", "accept", "decline", "withdraw", "offer_handover", "offer_transfer"},
    "supervisor": {"request_material", "accept", "decline", "withdraw", "offer_handover", "offer_transfer"},
    "applicant": {"withdraw"},
    "mediator": set(),
    "fund_committee": set(),
    "admin": set(),
}


@pytest.mark.parametrize("role", sorted(EXPECTED_ACTIONS))
def test_the_case_page_shows_exactly_the_allowed_actions(world, login, make_case, role):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    response = login(world.users[role]).get(f"/cases/{case.number}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _action_forms(html) == EXPECTED_ACTIONS[role]
    blocked = set(re.findall(r'<li data-action="([a-z_]+)"', html))
    if role in ("caseworker", "supervisor"):
        # "answer" is open in this state but only for a consultation: listed with its reason.
        assert blocked == {"answer"} and "Only a consultation" in html
    else:
        assert blocked == set()  # wrong state or wrong role: not listed
    assert ('id="note-text"' in html) == (role != "applicant")
    assert ('id="message-text"' in html) == (role in ("caseworker", "supervisor", "applicant"))
    assert ('id="related-number"' in html) == (role in ("caseworker", "supervisor"))


def test_later_states_offer_their_own_actions(world, login, make_case):
    caseworker = world.users["caseworker"]
    resolved = make_case(world.applicant, world.enterprise, state="resolved", staff=caseworker)
    html = login(caseworker).get(f"/cases/{resolved.number}").get_data(as_text=True)
    assert _action_forms(html) == {"inform_outcome", "withdraw", "offer_handover", "offer_transfer"}
    assert re.search(r'data-action="close"><strong>[^<]+</strong>: Tell the applicant the outcome first', html)
    closed = make_case(world.applicant, world.enterprise, state="closed", staff=caseworker)
    assert _action_forms(login(world.applicant).get(f"/cases/{closed.number}").get_data(as_text=True)) == {"rate"}
    assert _action_forms(login(world.users["supervisor"]).get(f"/cases/{closed.number}").get_data(as_text=True)) == {
        "reopen"
    }


def test_accept_without_every_condition_is_refused_and_changes_nothing(world, login, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    version = case.version
    c = login(world.users["caseworker"])
    four = [name for name in ALL_CONDITIONS if name != "within_jurisdiction"]
    response = _post_action(c, case, "accept", {"conditions": four, "comment": "材料齐全"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="action-accept-errors"' in html and "Not confirmed" in html and "jurisdiction" in html
    for name in four:  # the ticked boxes stay ticked
        assert re.search(rf'id="accept-{name}"\s+checked', html)
    assert not re.search(r'id="accept-within_jurisdiction"\s+checked', html)
    assert "材料齐全" in html
    fresh = _case(session, case.number)
    assert fresh.state is CaseState.ACKNOWLEDGED and fresh.version == version and fresh.decided_at is None

    response = _post_action(c, fresh, "accept", {"conditions": list(ALL_CONDITIONS)})
    assert response.status_code == 302
    assert _case(session, case.number).state is CaseState.ACCEPTED


def test_decline_needs_a_reason_and_records_it(world, login, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    c = login(world.users["supervisor"])
    refused = _post_action(c, case, "decline", {"comment": "不属于本中心受理范围"})
    assert refused.status_code == 422 and "Choose the reason" in refused.get_data(as_text=True)
    assert _case(session, case.number).state is CaseState.ACKNOWLEDGED

    done = _post_action(c, case, "decline", {"reason": "outside_jurisdiction", "comment": "不属于本中心受理范围"})
    assert done.status_code == 302
    fresh = _case(session, case.number)
    assert fresh.state is CaseState.DECLINED and fresh.decline_reason is DeclineReason.OUTSIDE_JURISDICTION
    applicant_html = login(world.applicant).get(f"/cases/{case.number}").get_data(as_text=True)
    assert "Your case was not accepted. Reason: Outside the centre&#39;s jurisdiction." in applicant_html
    assert "不属于本中心受理范围" in applicant_html


def test_a_stale_version_answers_409_and_keeps_what_was_typed(world, login, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    stale = case.version
    # Someone else acts first: the case now awaits material (decline is still open from there).
    other = login(world.users["supervisor"])
    assert _post_action(other, case, "request_material", {"comment": "请补充购买凭证"}).status_code == 302

    c = login(world.users["caseworker"])
    typed = "证据不足，且被投诉人不明确——这段文字不能丢"
    response = _post_action(c, case, "decline", {"reason": "insufficient_evidence", "comment": typed}, version=stale)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="conflict"' in html and typed in html
    assert re.search(r'<option value="insufficient_evidence" selected>', html)
    fresh = _case(session, case.number)
    assert fresh.state is CaseState.AWAITING_MATERIAL
    assert f'name="version" value="{fresh.version}"' in html  # the page now carries the new version


def test_refused_roles_get_403(world, login, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    accept = {"conditions": list(ALL_CONDITIONS)}
    assert _post_action(login(world.applicant), case, "accept", accept).status_code == 403
    assert _post_action(login(world.users["mediator"]), case, "accept", accept).status_code == 403
    assert _post_action(login(world.users["mediator"]), case, "withdraw", {"comment": "x"}).status_code == 403
    assert _case(session, case.number).state is CaseState.ACKNOWLEDGED


def test_unknown_action_is_404(world, login, make_case):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    assert _post_action(login(world.users["caseworker"]), case, "explode").status_code == 404


def test_the_applicant_rates_a_closed_case(world, login, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="closed", staff=world.users["caseworker"])
    c = login(world.applicant)
    assert _post_action(c, case, "rate", {"comment": "很满意"}).status_code == 422
    assert _post_action(c, case, "rate", {"rating": "4", "comment": "很满意"}).status_code == 302
    fresh = _case(session, case.number)
    assert fresh.rating == 4 and fresh.rating_comment == "很满意"


# ---- timeline, notes, messages, links ---------------------------------------------------------


def test_the_applicant_timeline_never_shows_internal_notes(world, login, make_case, session):
    caseworker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    staff = login(caseworker)
    note = "内部备注：该企业曾有类似投诉 NOTE-7731"
    response = post_form(staff, f"/cases/{case.number}/notes", {"text": note}, token_url=f"/cases/{case.number}")
    assert response.status_code == 302
    message = "请于三日内补充购买发票 MSG-4410"
    response = post_form(staff, f"/cases/{case.number}/messages", {"text": message}, token_url=f"/cases/{case.number}")
    assert response.status_code == 302
    assert (
        _post_action(staff, _case(session, case.number), "request_material", {"comment": "补充发票"}).status_code == 302
    )

    staff_html = staff.get(f"/cases/{case.number}").get_data(as_text=True)
    assert note in staff_html and message in staff_html and "list-group-item-warning" in staff_html

    applicant = login(world.applicant)
    html = applicant.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "NOTE-7731" not in html and "list-group-item-warning" not in html
    assert message in html and "The centre wrote:" in html
    assert "Your complaint was received." in html and "The centre asks for more material:" in html
    internal = session.scalar(
        select(func.count(CaseEvent.id)).where(CaseEvent.case_id == case.id, CaseEvent.visibility == "internal")
    )
    assert internal == 1

    # The applicant answers; staff see it.
    reply = "发票已上传 REPLY-2207"
    response = post_form(
        applicant, f"/cases/{case.number}/messages", {"text": reply}, token_url=f"/cases/{case.number}"
    )
    assert response.status_code == 302 and reply in staff.get(f"/cases/{case.number}").get_data(as_text=True)


def test_notes_are_for_staff_and_empty_text_is_refused(world, login, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    url = f"/cases/{case.number}"
    assert post_form(login(world.applicant), f"{url}/notes", {"text": "x"}, token_url=url).status_code == 403
    empty = post_form(login(world.users["caseworker"]), f"{url}/notes", {"text": "   "}, token_url=url)
    assert empty.status_code == 422 and _error_beside(empty.get_data(as_text=True), "note-text")
    assert post_form(login(world.users["mediator"]), f"{url}/messages", {"text": "x"}, token_url=url).status_code == 403


def test_link_related_by_number(world, login, make_case, session):
    caseworker = world.users["caseworker"]
    first = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    second = make_case(
        world.applicant,
        world.enterprise,
        state="acknowledged",
        staff=caseworker,
        rights=[{"type": "trademark", "number": "12345678", "title": "商标"}],
    )
    c = login(caseworker)
    url = f"/cases/{first.number}"
    unknown = post_form(c, f"{url}/related", {"number": "CB-2020-00001"}, token_url=url)
    assert unknown.status_code == 422 and "no case with this number" in unknown.get_data(as_text=True)
    assert post_form(c, f"{url}/related", {"number": second.number}, token_url=url).status_code == 302
    assert f'href="/cases/{second.number}"' in c.get(url).get_data(as_text=True)
    assert (
        post_form(login(world.applicant), f"{url}/related", {"number": second.number}, token_url=url).status_code == 403
    )


# ---- scope ---------------------------------------------------------------------------------------


def _routes(number):
    return [
        ("GET", f"/cases/{number}", {}),
        ("GET", f"/cases/{number}/edit", {}),
        ("POST", f"/cases/{number}/edit", _filing()),
        ("POST", f"/cases/{number}/actions/accept", {"conditions": list(ALL_CONDITIONS)}),
        ("POST", f"/cases/{number}/actions/withdraw", {"comment": "x"}),
        ("POST", f"/cases/{number}/notes", {"text": "x"}),
        ("POST", f"/cases/{number}/messages", {"text": "x"}),
        ("POST", f"/cases/{number}/related", {"number": number}),
    ]


@pytest.mark.parametrize("who", ["sibling_caseworker", "other_applicant"])
def test_other_centres_and_enterprises_get_404_on_every_case_route(world, login, make_case, session, who):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    version = case.version
    c = login(getattr(world, who))
    token = csrf_token(c, "/")
    wrong = []
    for method, path, data in _routes(case.number):
        if method == "GET":
            status = c.get(path).status_code
        else:
            status = c.post(path, data={**data, "csrf_token": token}).status_code
        if status != 404:
            wrong.append(f"{method} {path}: {status}")
    assert not wrong
    assert _case(session, case.number).version == version
    assert c.get("/cases/CA-2020-99999").status_code == 404 and c.get("/cases/not-a-number").status_code == 404


def test_a_colleague_cannot_edit_someone_elses_draft(world, login, make_user, session):
    from app.auth.models import Role
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    colleague = make_user(Role.APPLICANT, email="colleague@firm.cn")
    session.add(EnterpriseMember(enterprise=world.enterprise, user=colleague, status=MembershipStatus.ACTIVE))
    session.commit()
    number = _number_from(post_form(login(world.applicant), "/cases/new", _filing(intent="draft")))
    c = login(colleague)
    assert c.get(f"/cases/{number}").status_code == 200
    assert c.get(f"/cases/{number}/edit").status_code == 403


# ---- the workflow page -----------------------------------------------------------------------------


def test_the_workflow_page_shows_the_rules_and_a_diagram(world, login):
    from app.cases.workflow import ACTIONS

    response = login(world.users["mediator"]).get("/workflow")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<svg") == 1 and "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    for name in ACTIONS:
        assert f'id="rule-{name}"' in html
    assert "Acknowledged" in html.split("<svg", 1)[1]  # the states are drawn with their labels
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    # Handover and transfer keep the state: named once under the diagram, not looped on every box.
    assert "Hand over to a colleague" in svg and "Transfer to another centre" in svg
    assert 'style="' not in html
    assert login(world.applicant).get("/workflow").status_code == 403


def test_every_guard_is_described_in_words():
    from app.cases import diagram
    from app.cases.workflow import ACTIONS

    assert {g for a in ACTIONS.values() for g in a.guards} <= set(diagram.GUARD_TEXTS)


def test_the_diagram_draws_every_state_and_every_rule():
    from app.cases import diagram
    from app.cases.enums import CaseState as S

    plan = diagram.layout()
    nodes = plan.nodes
    assert set(nodes) == set(S)
    assert nodes[S.DRAFT].layer == 0 and nodes[S.SUBMITTED].layer == 1
    assert (S.AWAITING_MATERIAL, S.ACKNOWLEDGED) in plan.back and (S.CLOSED, S.IN_PROGRESS) in plan.back
    for source, target, _action in plan.edges:
        if source != target and (source, target) not in plan.back:
            assert nodes[source].layer < nodes[target].layer
    positions = {(n.x, n.y) for n in nodes.values()}
    assert len(positions) == len(nodes)  # no two boxes on top of each other
    # "withdraw" is drawn from a box around exactly its states, and the box holds no other state.
    withdraw_sources = {s for s, _t, a in plan.edges if a.name == "withdraw"}
    assert plan.grouped == {"withdraw": withdraw_sources}
    box = diagram._box([nodes[s] for s in withdraw_sources])
    assert {s for s, n in nodes.items() if diagram._within(n, box)} == withdraw_sources


def test_case_pages_carry_no_inline_script_or_style(world, login, make_case):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    for user in (world.users["caseworker"], world.applicant):
        c = login(user)
        for path in (f"/cases/{case.number}", "/cases/new", "/cases/record"):
            html = c.get(path).get_data(as_text=True)
            assert "<script>" not in html and " onclick=" not in html and 'style="' not in html, path
