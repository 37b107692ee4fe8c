"""The pages of the fast mediation: the case page's panel and the start form, the mediation page for
each role, its action endpoint (done, refused, stale, forbidden), the lists and their scope."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.core.workdays import CHINA
from app.mediation import services
from app.mediation.enums import MediationState as S
from app.mediation.models import Mediation
from tests.helpers import csrf_token, statements_for


@pytest.fixture
def login(login):
    """Log in as the conftest does, with the interface in English so the assertions read the msgids."""

    def do_login(user):
        client = login(user)
        client.set_cookie("lang", "en")
        return client

    return do_login


@pytest.fixture
def accepted(world, make_case):
    return make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])


def _request(world, case, **kw):
    values = {
        "mediator": world.users["mediator"].email,
        "scope": "damages",
        "requests": "请求赔偿",
        "not_in_court": True,
    }
    values.update(kw)
    m = services.request_mediation(case, world.users["caseworker"], **values)
    return m


def _today():
    return datetime.now(CHINA).date()


def _open(world, case, session, **kw):
    """A mediation of ``case`` that is open (the respondent served and agreed)."""
    m = _request(world, case, **kw)
    services.transition(
        m, "serve_respondent", world.users["caseworker"], data={"served_on": _today().isoformat(), "method": "post"}
    )
    services.transition(m, "respondent_agrees", world.users["caseworker"], data={})
    session.commit()
    return m


def _schedule(world, m, session, place="中心二楼调解室", online_url="", days=3):
    starts = (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()
    services.transition(
        m,
        "schedule_session",
        world.users["mediator"],
        data={"starts_at": starts, "place": place, "online_url": online_url},
    )
    session.commit()
    return m.sessions[-1]


def _post(client, path, data, token_path="/"):
    return client.post(path, data={"csrf_token": csrf_token(client, token_path), **data})


def _fresh(session, m) -> Mediation:
    session.expire_all()
    return session.get(Mediation, m.id)


# ---- the case page's panel and the start form -------------------------------------------------------------


def test_an_eligible_caseworker_gets_the_start_form(world, login, accepted):
    html = login(world.users["caseworker"]).get(f"/cases/{accepted.number}").get_data(as_text=True)
    assert 'id="mediation-panel"' in html and 'id="mediation-start-form"' in html
    assert f'action="/cases/{accepted.number}/mediations"' in html
    assert f'value="{world.users["mediator"].email}"' in html  # the mediators of the centre are offered
    assert "Infringement and damages" in html and 'name="not_in_court"' in html
    assert "mediation-not-possible" not in html


def test_the_reasons_are_shown_in_words_when_not_eligible(world, login, make_case):
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    html = login(world.users["supervisor"]).get(f"/cases/{case.number}").get_data(as_text=True)
    assert 'id="mediation-not-possible"' in html
    assert "The case must be accepted before a mediation starts." in html
    assert 'id="mediation-start-form"' not in html


@pytest.mark.parametrize("role", ["mediator", "fund_committee", "admin", "applicant"])
def test_roles_that_never_start_one_see_no_panel_on_a_case_without_mediation(world, login, accepted, role):
    html = login(world.users[role]).get(f"/cases/{accepted.number}").get_data(as_text=True)
    assert 'id="mediation-panel"' not in html


def test_starting_a_mediation_from_the_case_page(world, login, accepted, session):
    c = login(world.users["caseworker"])
    response = _post(
        c,
        f"/cases/{accepted.number}/mediations",
        {
            "mediator": world.users["mediator"].email,
            "scope": "ownership",
            "requests": "确认申请权归属",
            "not_in_court": "y",
        },
        f"/cases/{accepted.number}",
    )
    assert response.status_code == 302
    m = session.execute(select(Mediation).where(Mediation.case_id == accepted.id)).scalar_one()
    assert response.headers["Location"].endswith(f"/mediations/{m.id}")
    assert m.state is S.REQUESTED and m.scope.value == "ownership" and m.mediator_id == world.users["mediator"].id
    html = c.get(f"/cases/{accepted.number}").get_data(as_text=True)
    assert f'id="mediation-summary-{m.id}"' in html and "Requested" in html
    assert 'id="mediation-start-form"' not in html  # one open mediation per case
    assert 'id="mediation-not-possible"' not in html  # the mediation under way says enough


def test_a_refused_start_gives_every_reason_and_keeps_what_was_typed(world, login, accepted, make_user, session):
    stranger = make_user(Role.MEDIATOR, centre=world.sibling, email="med@sibling.cn")
    c = login(world.users["caseworker"])
    typed = "请求停止销售并赔偿损失——这段文字不能丢"
    response = _post(
        c,
        f"/cases/{accepted.number}/mediations",
        {"mediator": stranger.email, "scope": "pre_grant_use", "requests": typed},
        f"/cases/{accepted.number}",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="mediation-start-errors"' in html
    assert "Confirm that the dispute is not before a court" in html
    assert "The mediator must belong to the case&#39;s centre or to a centre above it." in html
    assert typed in html and re.search(
        r'<option selected value="pre_grant_use">|<option value="pre_grant_use" selected>', html
    )
    assert session.execute(select(func.count(Mediation.id))).scalar_one() == 0


def test_only_caseworkers_and_supervisors_start_one(world, login, accepted, session):
    for role in ("mediator", "applicant", "admin"):
        c = login(world.users[role])
        response = _post(c, f"/cases/{accepted.number}/mediations", {"scope": "damages", "not_in_court": "y"})
        assert response.status_code == 403, role
    sibling_case = _sibling_case(world, session)
    c = login(world.users["caseworker"])
    assert _post(c, f"/cases/{sibling_case.number}/mediations", {"not_in_court": "y"}).status_code == 404
    assert session.execute(select(func.count(Mediation.id))).scalar_one() == 0


def test_the_applicant_sees_the_case_mediation_without_internal_details(world, login, accepted, session):
    m = _open(world, accepted, session)
    s = _schedule(world, m, session)
    html = login(world.applicant).get(f"/cases/{accepted.number}").get_data(as_text=True)
    assert f'id="mediation-summary-{m.id}"' in html and "In mediation" in html
    assert s.starts_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") in html and "中心二楼调解室" in html
    assert 'id="mediation-start-form"' not in html and "mediation-not-possible" not in html
    # Its events on the case's timeline are told in the applicant's words.
    assert "The respondent agreed to mediate: the mediation is open." in html


def _sibling_case(world, session):
    from tests.conftest import new_case

    return new_case(
        session, world.other_applicant, world.other_enterprise, state="accepted", staff=world.sibling_caseworker
    )


# ---- the mediation page ------------------------------------------------------------------------------------


def test_the_mediation_page_for_staff(world, login, accepted, session):
    m = _open(world, accepted, session)
    s = _schedule(world, m, session, place="会议室, 3楼; A区")
    services.transition(
        m,
        "record_session",
        world.users["mediator"],
        data={"session": "", "held_at": datetime.now(UTC).isoformat(), "minutes": "双方陈述意见，内部纪要"},
    )
    session.commit()
    html = login(world.users["caseworker"]).get(f"/mediations/{m.id}").get_data(as_text=True)
    assert "本市企业有限公司" in html and "某某科技有限公司" in html  # the parties
    assert "Utility model" in html and m.right_number in html
    assert "Infringement and damages" in html and "请求赔偿" in html
    assert world.users["mediator"].name in html
    assert "By registered post" in html and "In time" in html
    assert 'data-clock="reply"' in html and 'data-clock="mediation"' in html
    assert s.starts_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") in html and "会议室, 3楼; A区" in html
    assert "双方陈述意见，内部纪要" in html  # minutes, for staff
    assert f"/mediations/{m.id}/sessions/{s.id}.ics" in html
    assert "Record service on the respondent" in html  # its timeline, in staff labels
    assert f"Mediator: {world.users['mediator'].name}</div>" in html  # the person, not their address
    assert f": {world.users['mediator'].email}" not in html
    for raw in ("in_mediation", "awaiting_respondent", "respondent_agrees", "serve_respondent"):
        assert f">{raw}<" not in html and f" {raw} " not in html


def test_the_mediator_acts_and_the_applicant_sees_only_what_is_meant_for_them(world, login, accepted, session):
    m = _open(world, accepted, session)
    s = _schedule(world, m, session)
    services.transition(
        m,
        "record_session",
        world.users["mediator"],
        comment="内部说明：不告知申请人",
        data={"session": str(s.id), "held_at": datetime.now(UTC).isoformat(), "minutes": "内部纪要：被申请人愿意赔偿"},
    )
    session.commit()
    mediator_html = login(world.users["mediator"]).get(f"/mediations/{m.id}").get_data(as_text=True)
    assert 'id="action-item-record_agreement"' in mediator_html and 'id="action-item-schedule_session"' in mediator_html
    assert 'type="datetime-local"' in mediator_html and 'inputmode="decimal"' in mediator_html

    html = login(world.applicant).get(f"/mediations/{m.id}").get_data(as_text=True)
    assert "内部纪要" not in html and "内部说明" not in html  # minutes and internal events stay with staff
    assert "The mediation was updated." not in html
    assert "Record a session held" not in html
    assert "A mediation session is scheduled for" in html
    assert 'id="action-item-withdraw"' in html and 'id="action-item-record_agreement"' not in html
    assert world.users["mediator"].email not in html


def test_an_agreement_shows_the_amount_in_figures_and_capitals_and_its_document(world, login, accepted, session):
    m = _open(world, accepted, session)
    c = login(world.users["mediator"])
    data = {
        "version": str(m.version),
        "facts": "被申请人销售侵权产品",
        "disputed_issues": "是否侵权及赔偿数额",
        "liability": "被申请人承担侵权责任",
        "terms": "被申请人停止销售侵权产品\n被申请人赔偿申请人人民币壹万伍仟元",
        "amount_fen": "15,000",
        "perform_by": (_today() + timedelta(days=20)).isoformat(),
        "performance_method": "银行转账",
        "costs_borne_by": "各自承担",
    }
    response = _post(c, f"/mediations/{m.id}/actions/record_agreement", data, f"/mediations/{m.id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    fresh = _fresh(session, m)
    assert fresh.state is S.AGREED and fresh.amount_fen == 1_500_000 and len(fresh.terms) == 2
    html = login(world.applicant).get(f"/mediations/{m.id}").get_data(as_text=True)
    assert "¥15,000.00" in html and "壹万伍仟元整" in html
    assert "被申请人停止销售侵权产品" in html
    assert re.search(rf"/cases/{accepted.number}/documents/\d+", html)  # the agreement, to download
    assert "The parties reached a mediation agreement." in html


def test_a_refused_action_keeps_what_was_typed(world, login, accepted, session):
    m = _open(world, accepted, session)
    c = login(world.users["mediator"])
    data = {
        "facts": "保留的事实陈述",
        "disputed_issues": "争议",
        "liability": "责任",
        "terms": "双方确认专利权有效\n第二条保留条款",
        "amount_fen": "-12.5",
        "perform_by": "",
        "performance_method": "银行转账",
        "costs_borne_by": "",
        "comment": "保留的说明",
    }
    response = _post(c, f"/mediations/{m.id}/actions/record_agreement", data, f"/mediations/{m.id}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="action-refused"' in html
    assert "validity or ownership of the patent" in html and "cannot be negative" in html
    assert "保留的事实陈述" in html and "双方确认专利权有效\n第二条保留条款" in html and "保留的说明" in html
    assert 'value="-12.50"' in html  # the sum typed, in yuan again
    assert _fresh(session, m).state is S.IN_MEDIATION


def test_a_stale_version_says_changed_meanwhile_and_keeps_what_was_typed(world, login, accepted, session):
    m = _open(world, accepted, session)
    stale = m.version
    _schedule(world, m, session)  # someone else acts first
    c = login(world.users["mediator"])
    typed = "被申请人已提出无效宣告请求——这段文字不能丢"
    response = _post(
        c, f"/mediations/{m.id}/actions/suspend", {"version": str(stale), "comment": typed}, f"/mediations/{m.id}"
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="conflict"' in html and "This mediation was changed meanwhile." in html and typed in html
    fresh = _fresh(session, m)
    assert fresh.state is S.IN_MEDIATION
    assert f'name="version" value="{fresh.version}"' in html


def test_a_mediator_not_assigned_cannot_act(world, login, accepted, make_user, session):
    other = make_user(Role.MEDIATOR, centre=world.city, email="other-mediator@city.cn")
    m = _open(world, accepted, session)
    c = login(other)
    assert c.get(f"/mediations/{m.id}").status_code == 200  # a mediator of the centre sees it
    response = _post(c, f"/mediations/{m.id}/actions/suspend", {"comment": "中止"}, f"/mediations/{m.id}")
    assert response.status_code == 403
    assert _post(login(world.applicant), f"/mediations/{m.id}/actions/suspend", {"comment": "x"}).status_code == 403
    assert (
        _post(login(world.users["admin"]), f"/mediations/{m.id}/actions/withdraw", {"comment": "x"}).status_code == 403
    )
    assert _fresh(session, m).state is S.IN_MEDIATION


def test_an_action_done_through_the_page(world, login, accepted, session):
    m = _request(world, accepted)
    session.commit()
    c = login(world.users["caseworker"])
    response = _post(
        c,
        f"/mediations/{m.id}/actions/serve_respondent",
        {"version": str(m.version), "served_on": _today().isoformat(), "method": "hand"},
        f"/mediations/{m.id}",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/mediations/{m.id}")
    fresh = _fresh(session, m)
    assert fresh.state is S.AWAITING_RESPONDENT and fresh.served_method.value == "hand"
    assert (
        c.post(f"/mediations/{m.id}/actions/no_such_action", data={"csrf_token": csrf_token(c, "/")}).status_code == 404
    )


def test_the_next_routes_after_a_failure(world, login, accepted, session):
    m = _open(world, accepted, session)
    services.transition(m, "record_failure", world.users["mediator"], comment="双方分歧过大")
    session.commit()
    c = login(world.users["caseworker"])
    html = c.get(f"/mediations/{m.id}").get_data(as_text=True)
    assert (
        'id="next-routes"' in html
        and "Request an administrative ruling" in html
        and 'id="action-advise_next_route"' in html
    )
    # the route is advised in its own box: no empty "what you can do" card beside it
    assert 'id="actions"' not in html and "No action is open to you at this stage." not in html
    response = _post(c, f"/mediations/{m.id}/actions/advise_next_route", {"route": "court"}, f"/mediations/{m.id}")
    assert response.status_code == 302
    assert _fresh(session, m).next_route.value == "court"
    html = login(world.applicant).get(f"/mediations/{m.id}").get_data(as_text=True)
    assert "The centre advises the next step: Bring the dispute before a court." in html


@pytest.mark.parametrize("who", ["sibling_caseworker", "other_applicant"])
def test_another_centre_or_enterprise_gets_404(world, login, accepted, session, who):
    m = _open(world, accepted, session)
    s = _schedule(world, m, session)
    c = login(getattr(world, who))
    assert c.get(f"/mediations/{m.id}").status_code == 404
    assert c.get(f"/mediations/{m.id}/sessions/{s.id}.ics").status_code == 404
    assert _post(c, f"/mediations/{m.id}/actions/withdraw", {"comment": "x"}).status_code == 404
    assert c.get("/mediations/2147483647").status_code == 404


# ---- the lists --------------------------------------------------------------------------------------------


def _overdue(session, m):
    """Move the mediation's running deadline into the past."""
    clock = services.deadline_of(m)
    clock.due_at = datetime.now(UTC) - timedelta(days=1)
    clock.warn_at = clock.due_at - timedelta(days=1)
    session.commit()


def test_my_mediations_lists_mine_open_and_overdue_first(world, login, make_case, make_user, session):
    mediator = world.users["mediator"]
    cases = [
        make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
        for _ in range(4)
    ]
    soon = _open(world, cases[0], session)
    late = _open(world, cases[1], session)
    _overdue(session, late)
    ended = _open(world, cases[2], session)
    services.transition(ended, "record_failure", mediator, comment="未达成一致")
    other = make_user(Role.MEDIATOR, centre=world.city, email="other-mediator@city.cn")
    theirs = _open(world, cases[3], session, mediator=other.email)
    session.commit()
    html = login(mediator).get("/mediations/mine").get_data(as_text=True)
    order = [int(x) for x in re.findall(r'id="mediation-row-(\d+)"', html)]
    assert order == [late.id, soon.id, ended.id]
    assert theirs.id not in order
    assert "table-danger" in html and "Overdue" in html
    only_late = login(mediator).get("/mediations/mine?overdue=y").get_data(as_text=True)
    assert [int(x) for x in re.findall(r'id="mediation-row-(\d+)"', only_late)] == [late.id]
    failed = login(mediator).get("/mediations/mine?state=failed").get_data(as_text=True)
    assert [int(x) for x in re.findall(r'id="mediation-row-(\d+)"', failed)] == [ended.id]


def test_the_centre_list_keeps_to_the_subtree(world, login, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    mine = _open(world, case, session)
    sibling = _request_in_sibling(world, session)
    for role in ("caseworker", "supervisor"):
        html = login(world.users[role]).get("/mediations").get_data(as_text=True)
        ids = [int(x) for x in re.findall(r'id="mediation-row-(\d+)"', html)]
        assert mine.id in ids and sibling.id not in ids, role
    assert login(world.sibling_caseworker).get("/mediations").status_code == 200
    html = login(world.sibling_caseworker).get("/mediations").get_data(as_text=True)
    assert [int(x) for x in re.findall(r'id="mediation-row-(\d+)"', html)] == [sibling.id]


def test_list_filters_refuse_what_does_not_parse(world, login):
    c = login(world.users["supervisor"])
    response = c.get("/mediations?state=bogus")
    assert response.status_code == 422 and "Choose one of the states listed." in response.get_data(as_text=True)
    assert c.get("/mediations?page=abc").status_code == 200
    assert login(world.users["mediator"]).get("/mediations").status_code == 403
    assert login(world.users["caseworker"]).get("/mediations/mine").status_code == 403
    assert login(world.applicant).get("/mediations").status_code == 403


def _request_in_sibling(world, session):
    case = _sibling_case(world, session)
    m = services.request_mediation(case, world.sibling_caseworker, scope="damages", requests="", not_in_court=True)
    session.commit()
    return m


def test_the_lists_read_a_fixed_number_of_statements(world, login, make_case, session, count_statements):
    c = login(world.users["mediator"])
    _open(
        world, make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"]), session
    )
    one = statements_for(c, count_statements, "/mediations/mine")
    for _ in range(4):
        case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
        _schedule(world, _open(world, case, session), session)
    five = statements_for(c, count_statements, "/mediations/mine")
    assert five == one
    s = login(world.users["supervisor"])
    assert statements_for(s, count_statements, "/mediations") == statements_for(
        s, count_statements, "/mediations?overdue="
    )


def test_the_navigation_links(world, login):
    assert 'href="/mediations/mine"' in login(world.users["mediator"]).get("/").get_data(as_text=True)
    for role in ("caseworker", "supervisor"):
        assert 'href="/mediations"' in login(world.users[role]).get("/").get_data(as_text=True)
    assert "/mediations" not in login(world.applicant).get("/").get_data(as_text=True)


def test_the_pages_speak_chinese(world, login, accepted, session):
    m = _open(world, accepted, session)
    _schedule(world, m, session)
    c = login(world.users["mediator"])
    c.set_cookie("lang", "zh_CN")
    html = c.get(f"/mediations/{m.id}").get_data(as_text=True)
    assert "开始时间（北京时间）" in html and "向被申请人送达" in html and "加入日历" in html
    assert "Starts (China time)" not in html and "Served on the respondent" not in html
