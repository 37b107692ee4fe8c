"""A referral through the one door: decided, approved, sent with its letter, answered by the agency."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.cases.enums import DocumentKind
from app.cases.models import CaseEvent, Document
from app.clocks.models import CaseClock, ClockName
from app.core import storage
from app.core.engine import ActionRefused
from app.core.workdays import china_day
from app.referrals import reply, services
from app.referrals.enums import ReferralState as S


def _refer(world, case, agency, evidence, **kw):
    values = {
        "agency": agency.id,
        "grounds": "被请求人持续销售侵权产品，数量较大",
        "evidence": [f.id for f in evidence],
    }
    values.update(kw)
    return services.refer(case, world.users["caseworker"], **values)


def _sent(world, case, agencies, evidence, second_supervisor):
    r = _refer(world, case, agencies["market"], evidence)
    services.transition(r, "approve", world.users["supervisor"])
    services.transition(r, "send", world.users["caseworker"], data={"method": "post"})
    return r


def test_a_referral_needs_grounds_evidence_and_an_agency(world, accepted, agencies, session):
    with pytest.raises(ActionRefused) as refused:
        services.refer(accepted, world.users["caseworker"], agency=None, grounds=" ", evidence=[])
    text = " ".join(str(r) for r in refused.value.reasons)
    assert "agency" in text and "grounds" in text and "evidence" in text
    assert session.execute(select(services.Referral)).first() is None


def test_evidence_of_another_case_is_refused(world, accepted, agencies, evidence, make_case, session):
    other = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    with pytest.raises(ActionRefused) as refused:
        _refer(world, other, agencies["market"], evidence)
    assert "files of this case" in " ".join(str(r) for r in refused.value.reasons)


def test_an_agency_that_does_not_fit_needs_a_comment_and_then_the_supervisors_word(
    world, accepted, agencies, evidence, session
):
    with pytest.raises(ActionRefused) as refused:
        _refer(world, accepted, agencies["copyright"], evidence)
    assert "does not fit" in " ".join(str(r) for r in refused.value.reasons)
    r = _refer(world, accepted, agencies["copyright"], evidence, override="该局已同意受理本线索")
    assert r.mismatch and r.state is S.PROPOSED
    with pytest.raises(ActionRefused):
        services.transition(r, "approve", world.users["supervisor"])  # no comment
    services.transition(r, "approve", world.users["supervisor"], comment="与版权局电话确认")
    assert r.state is S.APPROVED and r.override_comment == "与版权局电话确认"


def test_only_a_supervisor_who_did_not_propose_approves(world, accepted, agencies, evidence, second_supervisor):
    r = services.refer(
        accepted, world.users["supervisor"], agency=agencies["market"].id, grounds="理由", evidence=[evidence[0].id]
    )
    with pytest.raises(ActionRefused):
        services.transition(r, "approve", world.users["caseworker"])
    with pytest.raises(ActionRefused) as refused:
        services.transition(r, "approve", world.users["supervisor"])
    assert "Another supervisor" in " ".join(str(x) for x in refused.value.reasons)
    services.transition(r, "approve", second_supervisor)
    assert r.state is S.APPROVED


def test_the_whole_way_to_an_outcome(world, accepted, agencies, evidence, second_supervisor, session, app):
    r = _refer(world, accepted, agencies["market"], evidence)
    send = session.execute(
        select(CaseClock).where(CaseClock.subject_type == "referral", CaseClock.name == ClockName.SEND)
    ).scalar_one()
    assert send.is_running and send.unit.value == "working_days" and send.amount == 5
    services.transition(r, "approve", world.users["supervisor"])
    services.transition(r, "send", world.users["caseworker"], data={"method": "post"})
    assert r.state is S.SENT and r.sent_at is not None
    session.refresh(send)
    assert send.met_at is not None
    chase = session.execute(
        select(CaseClock).where(CaseClock.subject_type == "referral", CaseClock.name == ClockName.CHASE)
    ).scalar_one()
    assert chase.is_running and chase.amount == 30 and chase.unit.value == "calendar_days"

    letter = session.execute(
        select(Document).where(Document.subject_type == "referral", Document.kind == DocumentKind.TRANSFER_LETTER)
    ).scalar_one()
    with app.app_context():
        path = storage.absolute(letter.storage_path)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    squeezed = "".join(text.split())
    assert "本市市场监督管理局" in squeezed and accepted.number in squeezed
    assert "侵权产品照片1.png" in squeezed and "回执" in squeezed and "/agency-replies/" in squeezed

    # The agency answers through the link printed on the letter.
    raw = squeezed.split("/agency-replies/")[1][:43]
    token = reply.find(raw)
    assert token is not None and token.referral_id == r.id and reply.is_live(token)
    agency = reply.AgencyActor.of(token)
    services.transition(r, "record_receipt", agency, data={})
    services.transition(r, "record_decision", agency, data={"agency_case_number": "市监处〔2026〕88号"})
    assert r.state is S.CASE_OPENED and r.opened is True
    with pytest.raises(ActionRefused) as refused:
        services.transition(r, "record_outcome", agency, data={"summary": "罚款", "penalty_fen": -100})
    assert "negative" in " ".join(str(x) for x in refused.value.reasons)
    services.transition(
        r,
        "record_outcome",
        agency,
        data={"summary": "责令停止侵权并罚款", "penalty_fen": 5_000_000, "stop_ordered": "y"},
    )
    assert r.state is S.CONCLUDED and r.penalty_fen == 5_000_000 and r.stop_ordered
    assert not reply.is_live(token)  # the referral is over: the link stops working
    words = session.execute(
        select(CaseEvent).where(CaseEvent.subject_type == "referral", CaseEvent.action == "record_outcome")
    ).scalar_one()
    assert words.actor_id is None and words.data["by"] == "agency"


def test_staff_record_the_agencys_word_with_how_it_came(world, accepted, agencies, evidence, second_supervisor):
    r = _sent(world, accepted, agencies, evidence, second_supervisor)
    with pytest.raises(ActionRefused) as refused:
        services.transition(r, "record_receipt", world.users["caseworker"], data={})
    assert "telephone" in " ".join(str(x) for x in refused.value.reasons)
    services.transition(r, "record_receipt", world.users["caseworker"], data={"channel": "phone"})
    services.transition(
        r,
        "record_decision",
        world.users["caseworker"],
        data={"opened": False, "reason": "证据不足", "channel": "letter"},
    )
    assert r.state is S.NOT_OPENED and r.not_opened_reason == "证据不足"


def test_police_steps_follow_the_regulation(world, accepted, agencies, evidence, second_supervisor):
    r = _sent(world, accepted, agencies, evidence, second_supervisor)
    cw = world.users["caseworker"]
    today = china_day(r.sent_at).isoformat()
    services.transition(r, "record_receipt", cw, data={"channel": "phone"})
    services.transition(r, "record_police_transfer", cw, data={"transferred_on": today, "channel": "letter"})
    assert r.state is S.WITH_POLICE
    with pytest.raises(ActionRefused) as refused:
        services.transition(r, "record_police_step", cw, data={"step": "opened", "on": today, "channel": "phone"})
    assert "earlier step" in " ".join(str(x) for x in refused.value.reasons)
    for step in ("received", "not_opened", "reconsideration_asked", "reconsideration_answered"):
        services.transition(r, "record_police_step", cw, data={"step": step, "on": today, "channel": "phone"})
    assert [s["step"] for s in r.police_steps][-1] == "reconsideration_answered"


def test_a_chase_issues_a_letter_and_restarts_the_clock(
    world, accepted, agencies, evidence, second_supervisor, session
):
    r = _sent(world, accepted, agencies, evidence, second_supervisor)
    services.transition(r, "chase", world.users["caseworker"])
    assert r.chase_count == 1
    clocks = (
        session.execute(
            select(CaseClock)
            .where(CaseClock.subject_type == "referral", CaseClock.name == ClockName.CHASE)
            .order_by(CaseClock.id)
        )
        .scalars()
        .all()
    )
    assert len(clocks) == 2 and clocks[0].met_at is not None and clocks[1].is_running
    chase_letter = session.execute(
        select(Document).where(Document.subject_type == "referral", Document.kind == DocumentKind.CHASE_LETTER)
    ).scalar_one()
    assert chase_letter.number and "催" in chase_letter.number


def test_closing_revokes_every_link(world, accepted, agencies, evidence, second_supervisor, session):
    r = _sent(world, accepted, agencies, evidence, second_supervisor)
    services.transition(r, "close", world.users["caseworker"], comment="机构已口头答复处理完毕")
    tokens = (
        session.execute(select(reply.ReferralReplyToken).where(reply.ReferralReplyToken.referral_id == r.id))
        .scalars()
        .all()
    )
    assert tokens and all(t.revoked_at is not None for t in tokens)
    assert r.closed_at is not None and r.closed_at - r.sent_at < timedelta(minutes=5)


def test_repeated_infringement_lists_the_earlier_cases_in_the_letter(
    world, agencies, make_case, session, app, second_supervisor
):
    from app.cases.models import Attachment

    respondent = [{"name": "深圳市某某五金有限公司", "credit_code": "91440300MA5DKX8U4C"}]
    earlier = make_case(
        world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"], respondents=respondent
    )
    later = make_case(
        world.applicant,
        world.enterprise,
        state="accepted",
        staff=world.users["caseworker"],
        respondents=[{"name": "深圳市某某五金有限公司（分店）", "credit_code": "91440300MA5DKX8U4C"}],
    )
    f = Attachment(
        case_id=later.id,
        filename="a.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        storage_path="e/x.pdf",
    )
    session.add(f)
    session.flush()
    r = services.refer(
        later,
        world.users["caseworker"],
        agency=agencies["market"].id,
        grounds="再次侵权",
        evidence=[f.id],
        ground_kinds=["repeat"],
    )
    assert [c["number"] for c in r.earlier_cases] == [earlier.number]
    services.transition(r, "approve", world.users["supervisor"])
    services.transition(r, "send", world.users["caseworker"], data={"method": "hand"})
    letter = session.execute(
        select(Document).where(Document.subject_type == "referral", Document.kind == DocumentKind.TRANSFER_LETTER)
    ).scalar_one()
    with app.app_context():
        path = storage.absolute(letter.storage_path)
    text = "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert earlier.number in text and "重复侵权" in text


def test_one_open_referral_per_case_and_agency(world, accepted, agencies, evidence, session):
    _refer(world, accepted, agencies["market"], evidence)
    with pytest.raises(ActionRefused) as refused:
        _refer(world, accepted, agencies["market"], evidence)
    assert "already under way" in " ".join(str(x) for x in refused.value.reasons)
    other = _refer(world, accepted, agencies["copyright"], evidence, override="同时涉及包装图案著作权")
    assert other.state is S.PROPOSED


@pytest.mark.parametrize("action", [["approve"], {"a": 1}, None, 7])
def test_an_action_that_is_not_a_name_is_unknown(world, accepted, agencies, evidence, action):
    from app.core.engine import UnknownAction

    r = _refer(world, accepted, agencies["market"], evidence)
    with pytest.raises(UnknownAction):
        services.transition(r, action, world.users["supervisor"])
    assert r.state == S.PROPOSED
