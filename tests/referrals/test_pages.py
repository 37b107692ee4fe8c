"""The referral pages: the case page's panel and its form, the referral page and its actions, the list,
and the applicant's timeline telling what came of the lead."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.referrals import services
from app.referrals.enums import ReferralState as S
from app.referrals.models import Referral
from tests.helpers import csrf_token


@pytest.fixture
def en_login(login):
    def do_login(user):
        client = login(user)
        client.set_cookie("lang", "en")
        return client

    return do_login


def _sent(app, world, accepted, agencies, evidence, session):
    r = services.refer(
        accepted, world.users["caseworker"], agency=agencies["market"].id, grounds="持续销售", evidence=[evidence[0].id]
    )
    services.transition(r, "approve", world.users["supervisor"])
    services.transition(r, "send", world.users["caseworker"], data={"method": "post"})
    session.commit()
    return r


def test_the_panel_proposes_the_competent_agencies_first(app, world, accepted, agencies, evidence, en_login, session):
    session.commit()
    html = en_login(world.users["caseworker"]).get(f"/cases/{accepted.number}").get_data(as_text=True)
    panel = html.split('id="referral-panel"', 1)[1].split("</section>", 1)[0]
    options = re.findall(r'<option value="(\d+)"', panel)
    assert options[0] == str(agencies["market"].id)  # the competent one first
    assert str(agencies["far"].id) not in options  # another province's agency is not offered
    assert "侵权产品照片1.png" in panel


def test_deciding_from_the_page_keeps_what_was_typed_when_refused(
    world, accepted, agencies, evidence, en_login, session
):
    session.commit()
    client = en_login(world.users["caseworker"])
    url = f"/cases/{accepted.number}/referrals"
    token = csrf_token(client, f"/cases/{accepted.number}")
    refused = client.post(
        url, data={"csrf_token": token, "agency": str(agencies["market"].id), "grounds": "理由很充分"}
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Pick the evidence" in html and "理由很充分" in html
    assert session.execute(select(func.count()).select_from(Referral)).scalar_one() == 0
    done = client.post(
        url,
        data={
            "csrf_token": token,
            "agency": str(agencies["market"].id),
            "grounds": "理由很充分",
            "evidence": [str(evidence[0].id), str(evidence[1].id)],
            "ground_kinds": ["wilful"],
        },
    )
    assert done.status_code == 302
    r = session.execute(select(Referral)).scalar_one()
    assert r.state is S.PROPOSED and len(r.evidence) == 2 and r.ground_kinds == ["wilful"]


def test_the_referral_page_and_its_actions(app, world, accepted, agencies, evidence, en_login, session):
    r = services.refer(
        accepted,
        world.users["caseworker"],
        agency=agencies["market"].id,
        grounds="持续销售",
        evidence=[evidence[0].id],
    )
    session.commit()
    supervisor = en_login(world.users["supervisor"])
    page = supervisor.get(f"/referrals/{r.id}")
    assert page.status_code == 200 and "Approve the referral" in page.get_data(as_text=True)
    token = csrf_token(supervisor, f"/referrals/{r.id}")
    stale = supervisor.post(f"/referrals/{r.id}/actions/approve", data={"csrf_token": token, "version": "999"})
    assert stale.status_code == 409 and 'id="conflict"' in stale.get_data(as_text=True)
    done = supervisor.post(f"/referrals/{r.id}/actions/approve", data={"csrf_token": token, "version": str(r.version)})
    assert done.status_code == 302
    session.refresh(r)
    assert r.state is S.APPROVED
    caseworker = en_login(world.users["caseworker"])
    token = csrf_token(caseworker, f"/referrals/{r.id}")
    sent = caseworker.post(
        f"/referrals/{r.id}/actions/send", data={"csrf_token": token, "version": str(r.version), "method": "post"}
    )
    assert sent.status_code == 302
    html = caseworker.get(f"/referrals/{r.id}").get_data(as_text=True)
    assert "Transfer letter" in html and "Chase the agency" in html


def test_the_list_shows_the_subtree_and_how_long_the_agency_is_silent(
    app, world, accepted, agencies, evidence, en_login, session
):
    r = _sent(app, world, accepted, agencies, evidence, session)
    html = en_login(world.users["supervisor"]).get("/referrals").get_data(as_text=True)
    assert f'id="referral-{r.id}"' in html and "0 days" in html
    assert f'id="referral-{r.id}"' not in en_login(world.sibling_caseworker).get("/referrals").get_data(as_text=True)


def test_the_applicant_is_told_what_came_of_the_lead(app, world, accepted, agencies, evidence, en_login, session):
    from app.referrals.reply import AgencyActor, find, fresh_token

    r = _sent(app, world, accepted, agencies, evidence, session)
    raw = fresh_token(r)
    agency = AgencyActor.of(find(raw))
    services.transition(r, "record_decision", agency, data={})
    services.transition(
        r, "record_outcome", agency, data={"summary": "罚款五万元并没收侵权产品", "penalty_fen": 5_000_000}
    )
    session.commit()
    applicant = en_login(world.applicant)
    html = applicant.get(f"/cases/{accepted.number}").get_data(as_text=True)
    assert "referred the lead to the competent enforcement agency" in html
    assert "罚款五万元并没收侵权产品" in html
    assert "持续销售" not in html  # the grounds are the staff's, not the applicant's
    assert applicant.get(f"/referrals/{r.id}").status_code == 200


def test_a_failed_mediation_offers_the_referral(world, accepted, agencies, evidence, en_login, session):
    from app.mediation import services as mediation_services

    caseworker = world.users["caseworker"]
    m = mediation_services.request_mediation(accepted, caseworker, scope="damages", requests="赔偿", not_in_court=True)
    mediation_services.transition(m, "withdraw", caseworker, comment="申请人撤回")
    session.commit()
    client = en_login(caseworker)
    html = client.get(f"/cases/{accepted.number}?mediation={m.id}").get_data(as_text=True)
    panel = html.split('id="referral-panel"', 1)[1].split("</section>", 1)[0]
    assert f'name="mediation" value="{m.id}"' in panel
    assert '<details class="action-item" open id="referral-start">' in panel
    token = csrf_token(client, f"/cases/{accepted.number}")
    done = client.post(
        f"/cases/{accepted.number}/referrals",
        data={
            "csrf_token": token,
            "agency": str(agencies["market"].id),
            "grounds": "调解未成，侵权持续",
            "evidence": [str(evidence[0].id)],
            "mediation": str(m.id),
        },
    )
    assert done.status_code == 302
    assert session.execute(select(Referral.mediation_id)).scalar_one() == m.id
    refused = client.post(
        f"/cases/{accepted.number}/referrals",
        data={
            "csrf_token": token,
            "agency": str(agencies["market"].id),
            "grounds": "x",
            "evidence": [str(evidence[0].id)],
            "mediation": "99999999999",
        },
    )
    assert refused.status_code == 422 and "not one of this case" in refused.get_data(as_text=True)


def test_a_fine_typed_on_the_page_is_read_in_yuan_and_a_negative_one_refused(
    app, world, accepted, agencies, evidence, en_login, session
):
    r = _sent(app, world, accepted, agencies, evidence, session)
    client = en_login(world.users["caseworker"])
    services.transition(r, "record_decision", world.users["caseworker"], data={"channel": "phone"})
    session.commit()
    token = csrf_token(client, f"/referrals/{r.id}")
    base = {"csrf_token": token, "summary": "罚款", "channel": "letter"}
    refused = client.post(
        f"/referrals/{r.id}/actions/record_outcome", data={**base, "version": str(r.version), "penalty_fen": "-5"}
    )
    assert refused.status_code == 422 and "cannot be negative" in refused.get_data(as_text=True)
    done = client.post(
        f"/referrals/{r.id}/actions/record_outcome",
        data={**base, "version": str(r.version), "penalty_fen": "50,000.50"},
    )
    assert done.status_code == 302
    session.refresh(r)
    assert r.penalty_fen == 5_000_050


def test_an_unknown_state_filter_is_refused_with_a_message(world, en_login):
    response = en_login(world.users["supervisor"]).get("/referrals?state=nonsense")
    assert response.status_code == 422 and "Choose one of the states listed." in response.get_data(as_text=True)


def test_the_case_page_reads_the_case_s_documents_once_for_its_list_and_the_panel(
    app, world, accepted, agencies, evidence, en_login, session, count_statements
):
    """The referral's letter is among the case's documents: the panel picks it from those the page
    lists (one statement). The applicant sees neither it nor any other letter only staff may read."""
    _sent(app, world, accepted, agencies, evidence, session)
    with count_statements() as statements:
        html = en_login(world.users["caseworker"]).get(f"/cases/{accepted.number}").get_data(as_text=True)
    panel = html.split('id="referral-panel"', 1)[1].split("</section>", 1)[0]
    assert "Transfer letter" in panel
    assert len([s for s in statements if re.search(r"\bFROM documents\b", s)]) == 1
    letter = re.search(r'href="(/cases/[^"]+/documents/\d+)"', panel).group(1)

    html = en_login(world.applicant).get(f"/cases/{accepted.number}").get_data(as_text=True)
    assert letter not in html and "Transfer letter" not in html
