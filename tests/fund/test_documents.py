"""The decision and refusal letters of a fund request: issued by the actions, numbered, their text read
back with pdftotext (the amount in figures and in capitals, the working, the reason)."""

from __future__ import annotations

import subprocess

from sqlalchemy import select

from app.cases.enums import DocumentKind
from app.cases.models import Document
from app.core import storage
from app.fund import services


def pdf_text(app, document) -> str:
    with app.app_context():
        path = storage.absolute(document.storage_path)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def test_the_decision_letter_states_the_amount_in_figures_and_capitals(make_request, people, session, app, world):
    r = make_request("approved")
    services.transition(r, "approve_second", people["committee"])
    session.commit()
    letter = session.execute(
        select(Document).where(Document.subject_type == "fund_request", Document.subject_id == r.id)
    ).scalar_one()
    assert letter.kind is DocumentKind.FUND_DECISION and "资" in letter.number
    text = pdf_text(app, letter)
    assert "资助决定书" in text and world.enterprise.name in text and r.case.number in text
    assert "366,170.00" in text and "叁拾陆万陆仟壹佰柒拾元整" in text  # figures and capitals
    assert "资助金额计算过程" in text and "美国" in text and "USD" in text and "7.1234" in text
    assert "海外诉讼" in text and "律师费" in text  # the dispute's and the costs' kinds, in words


def test_the_refusal_letter_states_the_reason(make_request, people, session, app):
    r = make_request("submitted")
    services.transition(r, "reject", people["caseworker"], comment="所附发票与申报费用不符，且未提供付款凭证。")
    session.commit()
    letter = session.execute(
        select(Document).where(Document.subject_type == "fund_request", Document.subject_id == r.id)
    ).scalar_one()
    assert letter.kind is DocumentKind.FUND_REFUSAL
    text = pdf_text(app, letter)
    assert "不予资助决定书" in text and "所附发票与申报费用不符" in text and "732,340.00" in text
