"""A fast mediation through the one door, from the request to the agreement and its follow-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.cases.enums import DocumentKind
from app.cases.models import CaseEvent, Document
from app.clocks.models import CaseClock, ClockName
from app.core.engine import ActionRefused
from app.core.workdays import CHINA
from app.mediation import services
from app.mediation.enums import MediationState as S


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
    return services.request_mediation(case, world.users["caseworker"], **values)


def test_request_needs_every_condition(world, make_case, session):
    submitted = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    with pytest.raises(ActionRefused) as refused:
        services.request_mediation(submitted, world.users["caseworker"], not_in_court=None)
    text = " ".join(str(r) for r in refused.value.reasons)
    assert "accepted" in text and "court" in text
    assert session.execute(select(services.Mediation)).first() is None


def test_a_mediator_of_a_sibling_centre_is_refused(world, accepted, make_user, session):
    from app.auth.models import Role

    stranger = make_user(Role.MEDIATOR, centre=world.sibling, email="med@sibling.cn")
    with pytest.raises(ActionRefused) as refused:
        _request(world, accepted, mediator=stranger.email)
    assert "centre above" in " ".join(str(r) for r in refused.value.reasons)


def test_the_whole_way_to_an_agreement(world, accepted, session):
    mediator, caseworker = world.users["mediator"], world.users["caseworker"]
    m = _request(world, accepted)
    assert m.state is S.REQUESTED and m.ip_type.value == "utility_model"
    with pytest.raises(ActionRefused):
        _request(world, accepted)  # one open mediation per case
    today = datetime.now(CHINA).date()
    services.transition(m, "serve_respondent", caseworker, data={"served_on": today.isoformat(), "method": "post"})
    assert m.state is S.AWAITING_RESPONDENT
    reply = session.execute(select(CaseClock).where(CaseClock.name == ClockName.REPLY)).scalar_one()
    assert reply.due_at is not None and reply.responsible_id == mediator.id
    services.transition(m, "respondent_agrees", mediator, data={})
    assert m.state is S.IN_MEDIATION and not m.reply_is_late
    deadline = services.deadline_of(m)
    assert deadline.name is ClockName.MEDIATION and deadline.unit.value == "months"
    starts = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    services.transition(
        m, "schedule_session", mediator, data={"starts_at": starts, "place": "中心二楼调解室", "online_url": ""}
    )
    assert len(m.sessions) == 1
    services.transition(
        m,
        "record_session",
        mediator,
        data={"session": str(m.sessions[0].id), "held_at": datetime.now(UTC).isoformat(), "minutes": "双方陈述意见"},
    )
    agreement = {
        "facts": "被申请人销售侵权产品",
        "disputed_issues": "是否侵权及赔偿数额",
        "liability": "被申请人承担侵权责任",
        "terms": ["被申请人停止销售侵权产品", "被申请人赔偿申请人人民币壹万伍仟元"],
        "amount_fen": 1_500_000,
        "perform_by": (today + timedelta(days=20)).isoformat(),
        "performance_method": "银行转账",
        "costs_borne_by": "各自承担",
    }
    bad = dict(agreement, terms=["双方确认专利权有效"], amount_fen=-1)
    with pytest.raises(ActionRefused) as refused:
        services.transition(m, "record_agreement", mediator, data=bad)
    text = " ".join(str(r) for r in refused.value.reasons)
    assert "validity or ownership" in text and "negative" in text
    services.transition(m, "record_agreement", mediator, data=agreement)
    assert m.state is S.AGREED and m.amount_fen == 1_500_000
    doc = session.execute(select(Document).where(Document.kind == DocumentKind.MEDIATION_AGREEMENT)).scalar_one()
    assert doc.subject_type == "mediation" and doc.subject_id == m.id and doc.number
    names = {c.name for c in services.mediation_clocks(m) if c.is_running}
    assert names == {ClockName.CONFIRMATION, ClockName.PERFORMANCE}
    services.transition(m, "record_performance", caseworker, data={})
    services.transition(
        m,
        "record_judicial_confirmation",
        caseworker,
        data={"court": "某市中级人民法院", "confirmed_on": today.isoformat(), "ruling_number": "（2026）某01民特1号"},
    )
    assert m.state is S.PERFORMED and m.confirmed_on == today
    events = (
        session.execute(
            select(CaseEvent).where(CaseEvent.case_id == accepted.id, CaseEvent.subject_type == "mediation")
        )
        .scalars()
        .all()
    )
    assert [e.action for e in events][:3] == ["request_mediation", "serve_respondent", "respondent_agrees"]


def test_only_the_assigned_mediator_acts(world, accepted, make_user):
    from app.auth.models import Role

    other = make_user(Role.MEDIATOR, centre=world.city, email="other-mediator@city.cn")
    m = _request(world, accepted)
    services.transition(
        m, "serve_respondent", world.users["caseworker"], data={"served_on": date.today().isoformat(), "method": "post"}
    )
    with pytest.raises(ActionRefused) as refused:
        services.transition(m, "respondent_agrees", other, data={})
    assert refused.value.forbidden
    assert services.available_actions(m, other) == []


def test_a_mediation_changed_behind_the_door_is_caught(app, world, accepted, session):
    from sqlalchemy import text

    m = _request(world, accepted)
    services.transition(
        m, "serve_respondent", world.users["caseworker"], data={"served_on": date.today().isoformat(), "method": "post"}
    )
    session.commit()
    result = app.test_cli_runner().invoke(args=["audit-verify", "--no-files"])
    assert result.exit_code == 0, result.output
    session.execute(text("UPDATE mediations SET respondent_name = '别人' WHERE id = :id"), {"id": m.id})
    session.commit()
    result = app.test_cli_runner().invoke(args=["audit-verify", "--no-files"])
    assert result.exit_code != 0 and "mediation" in result.output and "changed after this event" in result.output


def test_a_case_is_not_closed_while_its_mediation_is_open(world, accepted, session):
    from app.cases import services as case_services
    from app.cases.enums import CaseState
    from tests.conftest import ACTION_INPUT

    caseworker = world.users["caseworker"]
    m = _request(world, accepted)
    for action in ("start_handling", "resolve", "inform_outcome"):
        case_services.transition(accepted, action, caseworker, **ACTION_INPUT.get(action, {}))
    with pytest.raises(ActionRefused) as refused:
        case_services.transition(accepted, "close", caseworker, **ACTION_INPUT["close"])
    assert "the mediation (Requested)" in " ".join(str(r) for r in refused.value.reasons)
    assert accepted.state is CaseState.RESOLVED
    close = next(c for c in case_services.available_actions(accepted, caseworker) if c.action.name == "close")
    assert not close.allowed  # the page shows the button blocked, with the reason
    services.transition(m, "withdraw", caseworker, comment="申请人撤回调解请求")
    case_services.transition(accepted, "close", caseworker, **ACTION_INPUT["close"])
    assert accepted.state is CaseState.CLOSED


def test_a_withdrawn_case_takes_its_open_mediation_with_it(world, accepted, session):
    from app.cases import services as case_services
    from app.cases.enums import CaseState

    m = _request(world, accepted)
    today = datetime.now(CHINA).date()
    services.transition(
        m, "serve_respondent", world.users["caseworker"], data={"served_on": today.isoformat(), "method": "post"}
    )
    running = select(CaseClock).where(
        CaseClock.subject_type == "mediation",
        CaseClock.subject_id == m.id,
        CaseClock.stopped_at.is_(None),
        CaseClock.met_at.is_(None),
    )
    assert session.execute(running).first() is not None  # the respondent's reply window
    case_services.transition(accepted, "withdraw", world.applicant, comment="已与对方和解，撤回投诉")
    assert accepted.state is CaseState.WITHDRAWN
    assert m.state is S.WITHDRAWN
    assert session.execute(running).first() is None  # no clock of it runs on under the withdrawn case
    event = session.execute(
        select(CaseEvent).where(CaseEvent.subject_type == "mediation", CaseEvent.action == "withdraw")
    ).scalar_one()
    assert event.actor_id == world.applicant.id and event.comment == "已与对方和解，撤回投诉"
