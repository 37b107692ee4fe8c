"""The annual report's journey through the services and the one door: draft → save → submit → return →
submit → approve → the issued PDF; the refusals (an empty section, the wrong person), two people saving at
once, the clock, and the report's own audit chain."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.cases.documents import read_document
from app.cases.models import Document
from app.clocks.models import CaseClock, ClockName
from app.core import chains
from app.core.engine import ActionRefused
from app.core.errors import ConflictError, ServiceError
from app.notifications.models import Notification
from app.reports.annual import services
from app.reports.annual.models import AnnualState
from tests.reports.annual.conftest import SECTIONS, YEAR, china, footprint, pdf_text, tamper


def clock_of(session, report) -> CaseClock:
    return session.execute(
        select(CaseClock).where(CaseClock.subject_type == "annual_report", CaseClock.subject_id == report.id)
    ).scalar_one()


def kinds_told(session, user) -> list[str]:
    return sorted(session.execute(select(Notification.kind).where(Notification.user_id == user.id)).scalars())


def test_the_draft_holds_the_figures_and_runs_to_31_january(world, people, draft, session):
    assert draft.state is AnnualState.DRAFT and draft.year == YEAR and draft.centre_id == world.city.id
    assert draft.figures["centre"]["code"] == world.city.code
    assert draft.figures["period"] == str(YEAR)
    clock = clock_of(session, draft)
    assert clock.name is ClockName.ANNUAL_REPORT and clock.case_id is None and clock.centre_id == world.city.id
    # 31 January 2026 is a Saturday: like every calendar-day deadline, it ends on the next working day.
    assert clock.due_at == china(YEAR + 1, 2, 2, 23, 59).replace(second=59)
    problems, _n = chains.verify()
    assert not problems


def test_the_whole_journey(app, world, people, draft, at, session):
    writer, colleague, reviewer = people["writer"], people["colleague"], people["reviewer"]
    half = {k: v for k, v in SECTIONS.items() if k in ("situation", "results")}
    services.save(writer, draft, half, version=draft.version)
    assert draft.situation == SECTIONS["situation"] and draft.problems == ""
    services.save(colleague, draft, {"problems": "  " + SECTIONS["problems"] + "\r\n"}, version=draft.version)
    assert draft.problems == SECTIONS["problems"]  # kept without its blank margin
    at.set(china(YEAR + 1, 1, 20))
    services.submit(writer, draft, {k: SECTIONS[k] for k in ("next_steps", "suggestions")}, version=draft.version)
    assert draft.state is AnnualState.SUBMITTED and draft.submitted_by_id == writer.id
    clock = clock_of(session, draft)
    assert clock.met_at is not None and clock.met_at <= clock.due_at  # met on submission, on time
    first_met = clock.met_at
    assert "annual_report_submitted" in kinds_told(session, reviewer)

    services.return_report(reviewer, draft, "请补充海外维权数据。", version=draft.version)
    assert draft.state is AnnualState.DRAFT and draft.return_note == "请补充海外维权数据。"
    assert "annual_report_returned" in kinds_told(session, writer)
    services.save(writer, draft, {"results": SECTIONS["results"] + "海外维权案件五件。"}, version=draft.version)
    services.submit(writer, draft, version=draft.version)
    assert clock_of(session, draft).met_at == first_met  # the deadline was met once; a return does not restart it

    services.approve(reviewer, draft, version=draft.version)
    assert draft.state is AnnualState.ISSUED and draft.approved_by_id == reviewer.id and draft.return_note == ""
    document = draft.document
    assert document is not None and document.number and document.verification_code
    assert "年" in document.number and document.centre_id == world.city.id and document.case_id is None
    text = pdf_text(read_document(document))
    assert world.city.name_zh in text
    for value in SECTIONS.values():
        assert value in text
    assert "海外维权案件五件" in text and document.number in text
    assert "annual_report_issued" in kinds_told(session, colleague)

    # read-only once issued
    with pytest.raises(ActionRefused):
        services.save(writer, draft, {"situation": "改动"}, version=draft.version)
    actions = [
        e.action
        for e in session.execute(
            select(chains.AuditEvent)
            .where(chains.AuditEvent.chain_type == "annual_report", chains.AuditEvent.chain_id == draft.id)
            .order_by(chains.AuditEvent.seq)
        ).scalars()
    ]
    assert actions == ["prepare", "save", "save", "submit", "return", "save", "submit", "approve", "issue_document"]
    problems, _n = chains.verify()
    assert not problems
    # the command the operators run covers the report's chain (and its issued document)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit-verify", "--no-files"])
    assert result.exit_code == 0, result.output
    tamper(session, draft, suggestions="篡改")
    result = runner.invoke(args=["audit-verify", "--no-files"])
    assert result.exit_code == 1 and f"annual_report {draft.id}" in result.output
    tamper(session, draft, suggestions=SECTIONS["suggestions"])  # as the chain sealed it
    assert runner.invoke(args=["audit-verify", "--no-files"]).exit_code == 0
    session.execute(update(Document).where(Document.id == document.id).values(sha256="0" * 64))
    result = runner.invoke(args=["audit-verify", "--no-files"])
    assert result.exit_code == 1 and f"document {document.id}" in result.output


def test_an_empty_section_refuses_the_submission_naming_each(english, people, draft, session):
    writer = people["writer"]
    services.save(writer, draft, {"situation": SECTIONS["situation"], "results": SECTIONS["results"]})
    before = footprint(session, draft)
    with pytest.raises(ActionRefused) as refused:
        services.submit(writer, draft, {"problems": "   ", "situation": "新的情况"}, version=draft.version)
    message = " ".join(str(r) for r in refused.value.reasons)
    assert "Write every section before submitting. Still empty: Problems, Next steps, Suggestions." in message
    assert "Situation" not in message and not refused.value.forbidden
    assert footprint(session, draft) == before  # nothing changed, not even the section typed with it
    # in Chinese, the sections are named in Chinese
    with pytest.raises(ActionRefused) as refused:
        services.submit(writer, draft, version=draft.version)
    assert "Next steps" in str(refused.value.reasons[0])


def test_the_wrong_people_are_refused(english, world, people, draft, session):
    services.submit(people["writer"], draft, SECTIONS, version=draft.version)
    before = footprint(session, draft)
    with pytest.raises(ActionRefused) as refused:
        services.approve(people["colleague"], draft)  # the report's own centre does not approve it
    assert refused.value.forbidden
    assert str(refused.value.reasons[0]) == "Only a supervisor of the centre above approves or returns this report."
    for who in ("city_admin", "province_admin"):  # an administrator approves the national centre's report only
        with pytest.raises(ActionRefused) as refused:
            services.approve(people[who], draft)
        assert refused.value.forbidden
    for who in ("sibling", "county", "caseworker"):  # out of scope, below, or not a reader: it does not exist
        with pytest.raises(services.ReportNotFound):
            services.approve(people[who], draft)
    with pytest.raises(ActionRefused) as refused:
        services.return_report(people["reviewer"], draft, "")
    assert "A comment is required" in str(refused.value.reasons[0])
    assert footprint(session, draft) == before


def test_the_national_centre_report_is_approved_by_its_administrator(english, world, people, at, session, make_user):
    from app.auth.models import Role

    root_writer = make_user(Role.SUPERVISOR, centre=world.province, email="sup2@province.cn")
    report = services.prepare_draft(world.province, YEAR, china(YEAR + 1, 1, 1, 0, 30))
    services.submit(root_writer, report, SECTIONS)
    with pytest.raises(ActionRefused) as refused:
        services.approve(people["reviewer"], report)  # a supervisor of the root itself
    assert refused.value.forbidden
    assert "administrator of the national centre" in str(refused.value.reasons[0])
    with pytest.raises(services.ReportNotFound):
        services.approve(world.sibling_admin, report)
    services.approve(people["province_admin"], report)
    assert report.state is AnnualState.ISSUED and report.document is not None


def test_two_people_saving_at_once_the_later_is_refused_and_the_first_kept(people, draft, session):
    seen = draft.version  # both opened the page at this version
    services.save(people["writer"], draft, {"situation": "甲的文字"}, version=seen)
    with pytest.raises(ConflictError) as conflict:
        services.save(people["colleague"], draft, {"situation": "乙的文字"}, version=seen)
    assert "changed this report meanwhile" in str(conflict.value.message) or conflict.value.message
    session.expire_all()
    assert draft.situation == "甲的文字"


def test_bad_input_is_refused_by_the_service(english, people, draft, session):
    before = footprint(session, draft)
    with pytest.raises(ServiceError) as bad:
        services.save(people["writer"], draft, {"nonsense": "x"})
    assert bad.value.field == "nonsense"
    with pytest.raises(ActionRefused) as refused:
        services.save(people["writer"], draft, {"situation": "长" * 20001})
    assert "too long" in str(refused.value.reasons[0])
    with pytest.raises(ActionRefused):
        services.save(people["writer"], draft, {"situation": 5})
    assert footprint(session, draft) == before


def test_refreshing_the_figures_while_a_draft(people, draft, at, session):
    at.set(china(YEAR + 1, 1, 10))
    services.refresh_figures(people["writer"], draft, version=draft.version)
    assert china(YEAR + 1, 1, 10) < draft.figures_at < china(YEAR + 1, 1, 10, 10, 1)
    with pytest.raises(ActionRefused):
        services.refresh_figures(people["reviewer"], draft)
    assert not chains.verify()[0]


def test_the_chain_catches_a_change_behind_the_door(people, draft, session):
    services.save(people["writer"], draft, {"situation": SECTIONS["situation"]})
    session.flush()
    figures = dict(draft.figures)
    assert not chains.verify()[0]
    tamper(session, draft, situation="篡改后的情况")
    problems, _n = chains.verify()
    assert any("annual_report" in str(p) and "fields were changed" in str(p) for p in problems), problems
    tamper(session, draft, situation=SECTIONS["situation"])
    assert not chains.verify()[0]
    tamper(session, draft, figures={**figures, "values": {}})
    assert chains.verify()[0]  # the figures are sealed too
    tamper(session, draft, figures=figures, state="submitted", submitted_at=draft.created_at)
    problems, _n = chains.verify()
    assert any("is not the state its chain recorded" in str(p) for p in problems), problems
