"""The audit chain vouches for whole records, not only states and its own links.

Each event seals a digest of its case's audited fields, so ``audit-verify`` catches a case
changed behind the door (moved to another enterprise or centre, another owner, outcome,
decline reason, rating, facts or amount, a right or respondent rewritten), a whole case deleted
with its events (its number leaves a gap in the centre's series), a chain missing, and a
document or evidence file whose recorded sha256 or stored bytes no longer agree with the
event that recorded it. A document failing its hash is refused with a clear message, never a 500.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.cases import services
from app.cases.models import Attachment, CaseEvent, Document
from app.core import storage
from tests.cases.test_audit_chain import audit_verify, broken_lines, events_of


@pytest.fixture
def cases(world, make_case, session, make_enterprise, app):
    from app.cases import documents

    documents.remember_app(app)
    caseworker = world.users["caseworker"]
    resolved = make_case(world.applicant, world.enterprise, state="closed", staff=caseworker)
    declined = make_case(world.applicant, world.enterprise, state="declined", staff=caseworker)
    accepted = make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker)
    other_firm = make_enterprise(world.city, name="另一家企业有限公司")
    session.commit()
    return {"closed": resolved, "declined": declined, "accepted": accepted, "other_firm": other_firm}


def _last_event(session, case) -> CaseEvent:
    return events_of(session, case)[-1]


@pytest.mark.parametrize(
    "case_name, sql",
    [
        ("accepted", "UPDATE cases SET enterprise_id = :other_firm WHERE id = :id"),
        ("accepted", "UPDATE cases SET centre_id = :county WHERE id = :id"),
        ("accepted", "UPDATE cases SET owner_id = :supervisor WHERE id = :id"),
        ("closed", "UPDATE cases SET outcome = '双方和解，被投诉人赔偿十万元' WHERE id = :id"),
        ("declined", "UPDATE cases SET decline_reason = 'duplicate' WHERE id = :id"),
        ("closed", "UPDATE cases SET rating = 1 WHERE id = :id"),
        ("accepted", "UPDATE cases SET facts = '改写的事实' WHERE id = :id"),
        ("accepted", "UPDATE cases SET claimed_amount_fen = 99999999 WHERE id = :id"),
        ("accepted", "UPDATE cases SET closed_at = created_at WHERE id = :id"),
        ("accepted", "UPDATE case_rights SET number = 'ZL201010000000.0' WHERE case_id = :id"),
        ("accepted", "UPDATE case_respondents SET name = '替换的被投诉人' WHERE case_id = :id"),
    ],
)
def test_a_field_changed_behind_the_door_is_caught(app, session, world, cases, case_name, sql):
    case = cases[case_name]
    last = _last_event(session, case)
    params = {
        "id": case.id,
        "other_firm": cases["other_firm"].id,
        "county": world.county.id,
        "supervisor": world.users["supervisor"].id,
    }
    session.execute(text(sql), params)
    code, output = audit_verify(app, session)
    assert code != 0
    assert broken_lines(output) == [
        f"BROKEN chain {case.number}: event id {last.id} (position {last.seq}): "
        "the case's fields were changed after this event (not through the workflow)"
    ], output
    assert "1 of 3 audit chains are broken." in output


def test_derived_and_bookkeeping_fields_are_not_vouched_for(app, session, cases):
    """The search text, the next due time and the version change without events (by design)."""
    case = cases["accepted"]
    session.execute(
        text("UPDATE cases SET search_text = 'x', next_due_at = NULL, version = version + 5 WHERE id = :id"),
        {"id": case.id},
    )
    code, output = audit_verify(app, session)
    assert code == 0, output


def test_changes_through_the_door_keep_the_records_verified(app, session, world, cases):
    case = cases["accepted"]
    services.transition(case, "start_handling", world.users["caseworker"])
    services.transition(case, "resolve", world.users["caseworker"], comment="已达成和解")
    services.add_note(case, world.users["caseworker"], "备注")
    code, output = audit_verify(app, session)
    assert code == 0, output


def _delete_case(session, case_id: int) -> None:
    for table in (
        "notifications",
        "case_clocks",
        "case_handovers",
        "documents",
        "attachments",
        "case_events",
        "case_audit_heads",
        "case_rights",
        "case_respondents",
        "case_links",
    ):
        column = "case_id"
        session.execute(text(f"DELETE FROM {table} WHERE {column} = :id"), {"id": case_id})
    session.execute(text("DELETE FROM case_links WHERE related_id = :id"), {"id": case_id})
    session.execute(text("DELETE FROM cases WHERE id = :id"), {"id": case_id})


def test_a_case_deleted_with_its_events_leaves_a_gap_that_is_named(app, session, cases):
    victim = cases["declined"]
    number = victim.number
    _delete_case(session, victim.id)
    code, output = audit_verify(app, session)
    assert code != 0
    assert broken_lines(output) == [f"BROKEN case {number}: issued, but no case has this number (deleted?)"], output


def test_a_case_without_a_chain_is_named(app, session, cases):
    case = cases["accepted"]
    session.execute(text("DELETE FROM documents WHERE case_id = :id"), {"id": case.id})
    session.execute(text("DELETE FROM attachments WHERE case_id = :id"), {"id": case.id})
    session.execute(text("DELETE FROM case_events WHERE case_id = :id"), {"id": case.id})
    session.execute(text("DELETE FROM case_audit_heads WHERE case_id = :id"), {"id": case.id})
    code, output = audit_verify(app, session)
    assert code != 0
    assert broken_lines(output) == [
        f"BROKEN chain {case.number}: a missing event (position 1): the case has no audit events"
    ]


def test_a_document_whose_recorded_hash_was_edited_is_named_and_refused(app, session, world, cases, login):
    case = cases["accepted"]
    document = session.execute(select(Document).where(Document.case_id == case.id)).scalar_one()
    session.execute(text("UPDATE documents SET sha256 = :h WHERE id = :id"), {"h": "a" * 64, "id": document.id})
    code, output = audit_verify(app, session)
    assert code != 0
    assert broken_lines(output) == [
        f"BROKEN case {case.number}, document {document.id}: its recorded sha256 differs from the one its event sealed"
    ], output
    session.expire_all()
    reader = login(world.applicant)
    response = reader.get(f"/cases/{case.number}/documents/{document.id}")
    assert response.status_code == 409
    assert "与中心出具时留存的版本不一致" in response.get_data(as_text=True)  # in the default language
    reader.set_cookie("lang", "en")
    response = reader.get(f"/cases/{case.number}/documents/{document.id}")
    assert response.status_code == 409
    assert "no longer matches the copy the centre kept" in response.get_data(as_text=True)


def test_a_document_file_changed_on_disk_is_named_and_refused(app, session, world, cases, login):
    case = cases["accepted"]
    document = session.execute(select(Document).where(Document.case_id == case.id)).scalar_one()
    with app.app_context():
        path = storage.absolute(document.storage_path)
        original = path.read_bytes()
        path.write_bytes(original.replace(b"%%EOF", b"%%EOF\n% changed"))
    try:
        code, output = audit_verify(app, session)
        assert code != 0
        assert broken_lines(output) == [
            f"BROKEN case {case.number}, document {document.id}: its file was changed after it was stored"
        ], output
        # Without reading files, the records alone still agree.
        session.expire_all()
        assert app.test_cli_runner().invoke(args=["audit-verify", "--no-files"]).exit_code == 0
        response = login(world.applicant).get(f"/cases/{case.number}/documents/{document.id}")
        assert response.status_code == 409, response.status_code
        assert "%PDF" not in response.get_data(as_text=True)
    finally:
        with app.app_context():
            path.write_bytes(original)


def test_an_evidence_file_moved_to_another_case_is_named(app, session, world, cases):
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    from app.cases.attachments import add_attachment
    from tests.core.test_filetypes import sample_pdf

    case, other = cases["accepted"], cases["closed"]
    with app.app_context():
        attachment = add_attachment(case, world.applicant, FileStorage(BytesIO(sample_pdf()), filename="证据.pdf"))
        session.commit()
    session.execute(text("UPDATE attachments SET case_id = :o WHERE id = :id"), {"o": other.id, "id": attachment.id})
    code, output = audit_verify(app, session)
    assert code != 0
    assert broken_lines(output) == [
        f"BROKEN case {other.number}, evidence file {attachment.id}: belongs to another case than the one that recorded it"
    ], output
    assert session.get(Attachment, attachment.id) is not None
