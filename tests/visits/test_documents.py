"""The visit record (上门服务记录表): issued through the one renderer and the documents registry as a
document of no case (the visit's and its centre's, numbered in the centre's series 访), in Chinese by
default and in English when asked; never the internal notes; a preview saves nothing."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import func, select

from app.cases.documents import read_document
from app.cases.enums import DocumentKind
from app.cases.models import Document
from app.core import chains
from app.core.engine import ActionRefused
from app.visits import documents, services
from app.visits.enums import VisitState
from tests.visits.conftest import day


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-raw", "-", "-"], input=data, capture_output=True, check=True)
    return "".join(result.stdout.decode().split())  # CJK text without the layout's spaces


@pytest.fixture
def visit(world, record, staff, session):
    cw, sup = staff
    v = record(
        staff=[cw, sup],
        follow_ups=[{"text": "寄送专利快速预审政策材料", "owner": sup, "due_on": day(5)}],
    )
    session.commit()
    return v


def test_the_record_is_issued_in_chinese_with_everything_but_the_notes(app, world, visit, staff, session):
    cw, sup = staff
    document = documents.issue_record(cw, visit)
    session.commit()
    assert document.case_id is None and document.centre_id == world.city.id
    assert (document.subject_type, document.subject_id, document.kind) == ("visit", visit.id, DocumentKind.VISIT_RECORD)
    assert document.number and "访" in document.number and document.verification_code
    text = pdf_text(read_document(document))
    for expected in (
        "上门服务记录表",
        world.city.name_zh,
        "2026年3月9日",
        cw.name,
        sup.name,
        world.enterprise.name,
        world.enterprise.credit_code,
        "竞争对手仿冒其外观设计产品在电商平台销售",
        "希望了解专利快速预审政策",
        "寄送专利快速预审政策材料",
        "2026年3月15日",
        "王经理",
        "0755-12345678",
        document.number,
    ):
        assert "".join(expected.split()) in text, expected
    assert "内部" not in text and "维权意愿强烈" not in text  # the notes stay inside
    events = [e for e in services_events(session, visit) if e.action == "issue_document"]
    assert events and events[-1].data["document_id"] == document.id
    problems, _ = chains.verify()
    assert [p for p in problems if "visit" in str(p.chain)] == []


def services_events(session, visit):
    from app.core.chains import AuditEvent

    return list(
        session.execute(
            select(AuditEvent).where(AuditEvent.chain_type == "visit", AuditEvent.chain_id == visit.id)
        ).scalars()
    )


def test_english_when_asked(world, visit, staff, session):
    document = documents.issue_record(staff[0], visit, language="en")
    text = pdf_text(read_document(document))
    assert document.language == "en"
    assert "On-siteservicerecord" in text or "On-siteServiceRecord" in text
    assert "March9,2026" in text


def test_a_preview_saves_nothing(world, visit, staff, session):
    before = session.execute(select(func.count(Document.id))).scalar_one()
    data = documents.preview_record(staff[0], visit)
    assert data.startswith(b"%PDF") and "上门服务记录表" in pdf_text(data)
    assert session.execute(select(func.count(Document.id))).scalar_one() == before


def test_who_may_issue_and_when(world, at, visit, staff, session):
    with pytest.raises(ActionRefused):
        documents.issue_record(world.users["mediator"], visit)
    with pytest.raises(services.VisitNotFound):
        documents.issue_record(world.sibling_caseworker, visit)
    planned = services.plan_visit(
        staff[1], centre=world.city, planned_on=day(1), staff=[staff[0]], enterprises=[world.enterprise]
    )
    assert planned.state is VisitState.PLANNED
    with pytest.raises(ActionRefused):
        documents.issue_record(staff[0], planned)
