"""The plan's services: drafting one, editing a draft (the version, every reason for bad input, the audit
event), the four-eyes review, issuing (the numbered PDF, the applicant told) and revising (a new draft,
then the one it replaces superseded through its own action; both kept)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.cases.enums import DocumentKind
from app.cases.models import CaseEvent, Document
from app.core.engine import ActionRefused
from app.core.errors import ConflictError
from app.notifications.models import Notification
from app.plans import services
from app.plans.enums import PlanState
from app.plans.models import Plan
from app.plans.queries import get_plan
from tests.plans.conftest import CONTENT, content


def _reasons(exc) -> str:
    return " ".join(str(r) for r in exc.value.reasons)


def _events(session, plan, action=None):
    stmt = select(CaseEvent).where(CaseEvent.subject_type == "plan", CaseEvent.subject_id == plan.id)
    if action:
        stmt = stmt.where(CaseEvent.action == action)
    return list(session.execute(stmt.order_by(CaseEvent.seq)).scalars())


# ---- drafting --------------------------------------------------------------------------------------------


def test_a_plan_is_drafted_only_for_an_accepted_case_by_its_centre(world, make_case, people, session):
    acknowledged = make_case(world.applicant, world.enterprise, state="acknowledged", staff=people.caseworker)
    with pytest.raises(ActionRefused) as refused:
        services.create_plan(acknowledged, people.caseworker)
    assert "must be accepted" in _reasons(refused) and not refused.value.forbidden
    with pytest.raises(ActionRefused) as refused:
        services.create_plan(acknowledged, people.mediator)
    assert refused.value.forbidden and "Only caseworkers and supervisors" in _reasons(refused)
    assert session.execute(select(Plan)).first() is None


def test_a_draft_starts_from_the_case_and_one_at_a_time(accepted, people, session):
    plan = services.create_plan(accepted, people.caseworker)
    assert plan.state is PlanState.DRAFT and plan.revision == 1 and plan.version == 1
    assert plan.facts == accepted.facts.strip()
    assert plan.right_type.value == "utility_model" and plan.right_number == accepted.rights[0].number
    [event] = _events(session, plan)
    assert event.action == "create_plan" and event.visibility == "internal" and event.subject_digest
    with pytest.raises(ActionRefused) as refused:
        services.create_plan(accepted, people.supervisor)
    assert "already being drafted" in _reasons(refused)


def test_the_panel_reasons_say_to_revise_an_issued_plan(accepted, people, make_plan):
    make_plan(accepted, "issued")
    assert "revise it instead" in " ".join(str(r) for r in services.eligibility(accepted, people.caseworker).reasons)


# ---- editing -------------------------------------------------------------------------------------------------


def test_saving_a_draft_records_what_changed(accepted, people, session):
    plan = services.create_plan(accepted, people.caseworker)
    services.save_plan(plan, people.caseworker, content(), plan.version)
    assert plan.version == 2 and plan.routes[2]["cost_fen"] == 3_000_000 and len(plan.comparison) == 2
    [event] = _events(session, plan, "edit_plan")
    assert event.visibility == "internal"
    assert set(event.data["fields"]) == {
        "facts",
        "right",
        "comparison",
        "evidence_held",
        "evidence_needed",
        "routes",
        "damages",
    }
    services.save_plan(plan, people.caseworker, content(), plan.version)  # the same again: nothing recorded
    assert plan.version == 2 and len(_events(session, plan, "edit_plan")) == 1
    services.save_plan(plan, people.caseworker, {"facts": "新的事实"}, plan.version)
    assert plan.facts == "新的事实" and plan.routes == CONTENT["routes"]
    assert _events(session, plan, "edit_plan")[-1].data["fields"] == ["facts"]


def test_a_stale_version_is_refused_and_nothing_is_written(accepted, people, session):
    plan = services.create_plan(accepted, people.caseworker)
    seen = plan.version
    services.save_plan(plan, people.supervisor, {"facts": "主管先改了"}, seen)
    session.commit()
    with pytest.raises(ConflictError) as conflict:
        services.save_plan(plan, people.caseworker, {"facts": "经办人后改"}, seen)
    assert "changed this plan meanwhile" in str(conflict.value.message)
    session.rollback()
    session.refresh(plan)
    assert plan.facts == "主管先改了" and len(_events(session, plan, "edit_plan")) == 1
    with pytest.raises(ConflictError):
        services.save_plan(plan, people.caseworker, {"facts": "x"}, None)


def test_bad_input_is_refused_with_every_reason(accepted, people, session):
    plan = services.create_plan(accepted, people.caseworker)
    bad = content(
        facts="事" * 10_001,
        right={"index": 7, "scope": ""},
        comparison=[{"feature": "", "accused": "a", "verdict": "maybe", "evidence": ""}] * 51,
        routes=[
            {"route": "mediation", "cost_fen": -100, "duration": "1个月", "note": ""},
            {"route": "litigation", "cost_fen": 12.5, "duration": "", "note": ""},
            {"route": "mediation", "cost_fen": 0, "duration": "1个月", "note": ""},
        ],
        damages={"amount_fen": 100, "basis": ""},
        evidence_held=["x" * 501],
    )
    with pytest.raises(services.PlanInputError) as refused:
        services.save_plan(plan, people.caseworker, bad, plan.version)
    problems = refused.value.problems
    assert set(problems) == {
        "facts",
        "right.index",
        "comparison",
        "routes[0].cost_fen",
        "routes[1].cost_fen",
        "routes[1].duration",
        "routes[2].route",
        "damages.basis",
        "evidence_held[0]",
    }
    text = " ".join(str(m) for m in problems.values())
    for words in ("too long", "at most 50", "cannot be negative", "two decimals", "recommended twice", "based on"):
        assert words in text, words
    rows = content(comparison=[{"feature": "", "accused": "a", "verdict": "maybe", "evidence": ""}])
    with pytest.raises(services.PlanInputError) as refused:
        services.save_plan(plan, people.caseworker, rows, plan.version)
    assert set(refused.value.problems) == {"comparison[0].feature", "comparison[0].verdict"}
    session.refresh(plan)
    assert plan.version == 1 and plan.routes == [] and _events(session, plan, "edit_plan") == []


def test_only_a_draft_is_edited_and_only_by_its_handlers(accepted, people, make_plan, session):
    plan = make_plan(accepted, "in_review")
    with pytest.raises(ActionRefused) as refused:
        services.save_plan(plan, people.caseworker, {"facts": "x"}, plan.version)
    assert "Only a draft can be changed" in _reasons(refused) and not refused.value.forbidden
    with pytest.raises(ActionRefused) as refused:
        services.save_plan(plan, people.mediator, {"facts": "x"}, plan.version)
    assert refused.value.forbidden
    with pytest.raises(services.PlanNotFound):
        services.save_plan(plan, people.sibling_caseworker, {"facts": "x"}, plan.version)


# ---- review ------------------------------------------------------------------------------------------------


def test_submitting_needs_facts_a_right_a_route_and_for_a_patent_a_comparison(accepted, people, session):
    plan = services.create_plan(accepted, people.caseworker, {"facts": "", "right": None})
    with pytest.raises(ActionRefused) as refused:
        services.transition(plan, "submit_for_review", people.caseworker)
    text = _reasons(refused)
    assert "Write the facts." in text and "Choose the right relied on." in text and "at least one route" in text
    services.save_plan(plan, people.caseworker, content(comparison=[]), plan.version)
    with pytest.raises(ActionRefused) as refused:
        services.transition(plan, "submit_for_review", people.caseworker)
    assert _reasons(refused) == (
        "The right relied on is a patent: compare at least one feature with the accused product."
    )
    services.save_plan(plan, people.caseworker, content(), plan.version)
    services.transition(plan, "submit_for_review", people.caseworker)
    assert plan.state is PlanState.IN_REVIEW and plan.submitted_by_id == people.caseworker.id
    told = session.execute(select(Notification.user_id).where(Notification.kind == "plan_for_review")).scalars()
    assert set(told) == {people.supervisor.id, people.other_supervisor.id}


def test_four_eyes_nobody_approves_a_plan_they_drafted(accepted, people, session):
    plan = services.create_plan(accepted, people.supervisor, content())
    services.transition(plan, "submit_for_review", people.supervisor)
    with pytest.raises(ActionRefused) as refused:
        services.transition(plan, "approve", people.supervisor)
    assert "You drafted this plan" in _reasons(refused) and "four-eyes" in _reasons(refused)
    assert not refused.value.forbidden and plan.state is PlanState.IN_REVIEW
    [check] = [c for c in services.available_actions(plan, people.supervisor) if c.action.name == "approve"]
    assert not check.allowed and "four-eyes" in str(check.reasons[0])
    services.transition(plan, "approve", people.other_supervisor)
    assert plan.state is PlanState.APPROVED and plan.approved_by_id == people.other_supervisor.id


def test_a_supervisor_who_edited_a_caseworkers_draft_drafted_it_too(accepted, people, session):
    plan = services.create_plan(accepted, people.caseworker, content())
    services.save_plan(plan, people.supervisor, {"facts": "主管补充了事实"}, plan.version)
    services.transition(plan, "submit_for_review", people.caseworker)
    with pytest.raises(ActionRefused) as refused:
        services.transition(plan, "approve", people.supervisor)
    assert "four-eyes" in _reasons(refused)
    services.transition(plan, "approve", people.other_supervisor)
    assert plan.state is PlanState.APPROVED


def test_return_for_changes_needs_a_comment_and_tells_the_drafter(accepted, people, make_plan, session):
    plan = make_plan(accepted, "in_review")
    with pytest.raises(ActionRefused) as refused:
        services.transition(plan, "return_for_changes", people.supervisor)
    assert "comment is required" in _reasons(refused)
    services.transition(plan, "return_for_changes", people.supervisor, comment="请补充专利权评价报告")
    assert plan.state is PlanState.DRAFT
    note = session.execute(select(Notification).where(Notification.kind == "plan_returned")).scalar_one()
    assert note.user_id == people.caseworker.id and note.params["comment"] == "请补充专利权评价报告"


# ---- issuing and revising --------------------------------------------------------------------------------


def _documents(session, plan):
    return list(
        session.execute(
            select(Document).where(Document.subject_type == "plan", Document.subject_id == plan.id)
        ).scalars()
    )


def test_issuing_numbers_the_pdf_in_the_series_and_tells_the_applicant(accepted, people, make_plan, session):
    plan = make_plan(accepted, "issued")
    assert plan.state is PlanState.ISSUED and plan.issued_at and plan.issued_by_id == people.caseworker.id
    [document] = _documents(session, plan)
    assert document.kind is DocumentKind.PROTECTION_PLAN and document.case_id == accepted.id
    assert document.series == "方" and "方" in document.number and document.verification_code
    [note] = session.execute(select(Notification).where(Notification.kind == "plan_issued")).scalars()
    assert note.user_id == people.applicant.id and note.subject_type == "plan" and note.subject_id == plan.id
    issue = _events(session, plan, "issue")[0]
    assert issue.visibility == "applicant"


def test_a_revision_copies_the_plan_and_supersedes_it_once_issued(accepted, people, make_plan, session):
    first = make_plan(accepted, "issued")
    revision = services.transition(first, "revise", people.caseworker, comment="被投诉人更换了产品型号")
    assert first.state is PlanState.ISSUED  # still in force until the revision is issued
    assert revision.state is PlanState.DRAFT and revision.revision == 2 and revision.supersedes_id == first.id
    assert revision.comparison == first.comparison and revision.routes == first.routes
    assert revision.damages_fen == first.damages_fen and revision.created_by_id == people.caseworker.id
    with pytest.raises(ActionRefused) as refused:
        services.transition(first, "revise", people.supervisor)
    assert "Revision 2 of this plan is already being drafted." in _reasons(refused)
    with pytest.raises(ActionRefused) as refused:  # never by hand while the revision is not issued
        services.transition(first, "supersede", people.caseworker)
    assert "only once the revision that replaces it is issued" in _reasons(refused)

    services.save_plan(revision, people.caseworker, {"evidence_needed": []}, revision.version)
    for action, actor in (
        ("submit_for_review", people.caseworker),
        ("approve", people.supervisor),
        ("issue", people.caseworker),
    ):
        services.transition(revision, action, actor)
    assert revision.state is PlanState.ISSUED
    assert first.state is PlanState.SUPERSEDED and first.superseded_at is not None
    [supersede] = _events(session, first, "supersede")
    assert supersede.from_state == "issued" and supersede.to_state == "superseded"
    # Both stay on record with their PDFs; the revision's says what it supersedes.
    assert len(_documents(session, first)) == 1 and len(_documents(session, revision)) == 1
    reissued = session.execute(select(Notification).where(Notification.kind == "plan_reissued")).scalar_one()
    assert reissued.params["revision"] == 2
    assert get_plan(first.id, people.applicant) is not None and get_plan(revision.id, people.applicant) is not None
    # The new revision may in turn be revised.
    third = services.transition(revision, "revise", people.supervisor)
    assert third.revision == 3 and third.supersedes_id == revision.id


def test_the_case_must_still_be_in_hand(accepted, people, make_plan, session):
    from app.cases import services as case_services

    plan = make_plan(accepted, "approved")
    case_services.transition(accepted, "withdraw", people.caseworker, comment="申请人撤回")
    with pytest.raises(ActionRefused) as refused:
        services.transition(plan, "issue", people.caseworker)
    assert "accepted and still in hand" in _reasons(refused)


# ---- who sees what -------------------------------------------------------------------------------------------


def test_the_applicant_never_sees_a_draft_and_another_centre_sees_nothing(accepted, people, make_plan, make_user):
    plan = make_plan(accepted, "approved")
    assert get_plan(plan.id, people.applicant) is None
    assert get_plan(plan.id, people.other_applicant) is None
    assert get_plan(plan.id, people.sibling_caseworker) is None
    assert get_plan(plan.id, people.mediator) is not None  # reads it only
    assert not services.can_act_on_plan(people.mediator, plan)
    province = make_user(Role.SUPERVISOR, centre=accepted.centre.parent, email="sup@province.cn")
    assert get_plan(plan.id, province) is not None and services.can_act_on_plan(province, plan)
    services.transition(plan, "issue", people.caseworker)
    assert get_plan(plan.id, people.applicant) is not None
    assert get_plan(plan.id, people.other_applicant) is None


def test_the_chain_vouches_for_the_plan(accepted, people, make_plan, session):
    """audit-verify finds the chain whole, and a plan changed behind its door caught."""
    from sqlalchemy import update

    from app.cases.verify import verify_all_chains

    plan = make_plan(accepted, "issued")
    problems, _count = verify_all_chains(check_files=False)
    assert not [p for p in problems if accepted.number in str(p)], problems
    session.execute(update(Plan).where(Plan.id == plan.id).values(routes=[]))
    session.expire_all()
    problems, _count = verify_all_chains(check_files=False)
    assert any("plan" in str(p) and "changed after this event" in str(p) for p in problems), problems
