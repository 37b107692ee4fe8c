"""The agency's signed reply link: bound to one referral, refused when forged, foreign, or once the
referral is over; answers go through the one door with the agency as actor; requests are throttled."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases.models import CaseEvent
from app.referrals import reply, services
from app.referrals.enums import ReferralState as S
from app.referrals.models import ReferralReplyToken
from tests.helpers import csrf_token


def _sent(world, case, agency, files, session):
    r = services.refer(case, world.users["caseworker"], agency=agency.id, grounds="理由", evidence=[files[0].id])
    services.transition(r, "approve", world.users["supervisor"])
    services.transition(r, "send", world.users["caseworker"], data={"method": "post"})
    raw = reply.fresh_token(r)
    session.commit()
    return r, raw


@pytest.fixture
def two(app, world, accepted, agencies, evidence, make_case, session):

    first = _sent(world, accepted, agencies["market"], evidence, session)
    other_case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    from app.cases.models import Attachment

    f = Attachment(
        case_id=other_case.id,
        filename="b.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        storage_path=f"evidence/test-b-{other_case.id}.pdf",
    )
    session.add(f)
    session.flush()
    second = _sent(world, other_case, agencies["market"], [f], session)
    return first, second


def test_the_token_is_stored_only_as_its_hash(two, session):
    (r, raw), _ = two
    stored = session.execute(select(ReferralReplyToken).where(ReferralReplyToken.referral_id == r.id)).scalar_one()
    assert stored.token_hash != raw and len(stored.token_hash) == 64 and raw not in stored.token_hash


def test_the_page_shows_the_letter_and_nothing_else_of_the_case(two, client, accepted):
    (r, raw), _ = two
    html = client.get(f"/agency-replies/{raw}").get_data(as_text=True)
    assert r.case.number in html and r.respondent_name in html
    assert "侵权产品照片2.png" not in html  # not a file the letter sent
    assert "理由" not in html.split('id="letter"', 1)[1].split("</dl>", 1)[0]


def test_an_answer_is_recorded_as_the_agencys_word(two, client, session):
    (r, raw), _ = two
    token = csrf_token(client, f"/agency-replies/{raw}")
    done = client.post(f"/agency-replies/{raw}/record_receipt", data={"csrf_token": token, "version": str(r.version)})
    assert done.status_code == 302
    session.refresh(r)
    assert r.state is S.RECEIVED
    event = session.execute(
        select(CaseEvent).where(CaseEvent.subject_id == r.id, CaseEvent.action == "record_receipt")
    ).scalar_one()
    assert event.actor_id is None and event.data["by"] == "agency" and event.data["via"] == "link"
    again = client.post(f"/agency-replies/{raw}/record_receipt", data={"csrf_token": token, "version": str(r.version)})
    assert again.status_code == 422  # a step already answered is not answered twice


def test_a_token_of_one_referral_never_reaches_another(two, client, session, app):
    (first, raw_first), (second, _raw) = two
    token = csrf_token(client, f"/agency-replies/{raw_first}")
    client.post(
        f"/agency-replies/{raw_first}/record_receipt", data={"csrf_token": token, "version": str(first.version)}
    )
    session.refresh(second)
    assert second.state is S.SENT
    actor = reply.AgencyActor.of(reply.find(raw_first))
    with pytest.raises(services.ReferralNotFound):
        services.transition(second, "record_receipt", actor, data={})


def test_forged_and_malformed_tokens_are_not_found(two, client):
    (_r, raw), _ = two
    forged = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    assert client.get(f"/agency-replies/{forged}").status_code == 404
    assert client.get("/agency-replies/short").status_code == 404
    token = csrf_token(client, "/login")
    assert client.post(f"/agency-replies/{forged}/record_receipt", data={"csrf_token": token}).status_code == 404


def test_agency_actions_only(two, client):
    (r, raw), _ = two
    token = csrf_token(client, f"/agency-replies/{raw}")
    for action in ("chase", "close", "withdraw", "approve"):
        assert client.post(f"/agency-replies/{raw}/{action}", data={"csrf_token": token}).status_code == 404


def test_the_form_is_csrf_protected(two, client, session):
    (r, raw), _ = two
    client.get(f"/agency-replies/{raw}")
    refused = client.post(f"/agency-replies/{raw}/record_receipt", data={"version": str(r.version)})
    assert refused.status_code in (400, 422)
    session.refresh(r)
    assert r.state is S.SENT


def test_the_link_stops_working_when_the_referral_is_closed_or_revoked(two, client, world, session, app):
    (r, raw), (second, raw_second) = two
    services.transition(r, "close", world.users["caseworker"], comment="已电话确认办结")
    session.commit()
    assert client.get(f"/agency-replies/{raw}").status_code == 410
    token = csrf_token(client, "/login")
    assert client.post(f"/agency-replies/{raw}/record_receipt", data={"csrf_token": token}).status_code == 410
    token = reply.find(raw_second)
    from app.core.db import utcnow

    token.revoked_at = utcnow()
    session.commit()
    assert client.get(f"/agency-replies/{raw_second}").status_code == 410


def test_requests_are_throttled(two, app, client, monkeypatch):
    from app.extensions import limiter

    (_r, raw), _ = two
    monkeypatch.setitem(app.config, "AGENCY_REPLY_RATE_LIMIT", "3 per minute")
    was = limiter.enabled
    limiter.enabled = True
    limiter.reset()
    try:
        codes = [client.get(f"/agency-replies/{raw}").status_code for _ in range(5)]
    finally:
        limiter.reset()
        limiter.enabled = was
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_the_applicant_never_gets_the_letters_that_carry_the_link(two, login, world, session):
    """The transfer and chase letters print the agency's reply link: the applicant's side lists and
    downloads neither (pages and API), and their timeline does not show them issued."""
    from app.api.models import ApiToken  # noqa: F401  (the API's token table exists)
    from app.cases.models import Document

    (r, raw), _ = two
    services.transition(r, "chase", world.users["caseworker"])
    session.commit()
    letters = (
        session.execute(select(Document).where(Document.subject_type == "referral", Document.subject_id == r.id))
        .scalars()
        .all()
    )
    assert {d.kind.value for d in letters} == {"transfer_letter", "chase_letter"}
    applicant = login(world.applicant)
    page = applicant.get(f"/cases/{r.case.number}").get_data(as_text=True)
    assert raw not in page
    for d in letters:
        assert f"/documents/{d.id}" not in page
        assert applicant.get(f"/cases/{r.case.number}/documents/{d.id}").status_code == 404
    staff = login(world.users["caseworker"])
    for d in letters:
        assert staff.get(f"/cases/{r.case.number}/documents/{d.id}").status_code == 200
    issued = (
        session.execute(select(CaseEvent).where(CaseEvent.case_id == r.case_id, CaseEvent.action == "issue_document"))
        .scalars()
        .all()
    )
    assert issued and all(e.visibility == "internal" for e in issued if e.subject_type == "referral")
