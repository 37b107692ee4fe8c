"""The annual report's pages: the list in the viewer's scope, the report's page (the sections' form while a
draft, the action panel, the issued PDF), and the refusals as pages (an empty section, a stale version)."""

from __future__ import annotations

import html
import re

import pytest

from app.reports.annual import services
from app.reports.annual.models import AnnualState
from tests.helpers import csrf_token
from tests.reports.annual.conftest import SECTIONS, YEAR, footprint, pdf_text


@pytest.fixture
def in_english(people, session):
    """The people read the pages in English (what the assertions quote)."""
    for user in people.values():
        user.locale = "en"
    session.commit()


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return html.unescape(response.get_data(as_text=True))


def post(client, report, action, data, version=None):
    token = csrf_token(client, f"/reports/annual/{report.id}")
    form = {"csrf_token": token, "version": str(report.version if version is None else version), **data}
    return client.post(f"/reports/annual/{report.id}/actions/{action}", data=form)


def test_the_list_shows_the_reports_in_scope(world, people, draft, login, session, make_centre):
    other = services.prepare_draft(world.sibling, YEAR, draft.created_at)
    session.flush()
    text = page(login(people["reviewer"]), "/reports/annual")
    assert f"/reports/annual/{draft.id}" in text and f"/reports/annual/{other.id}" in text
    text = page(login(people["writer"]), f"/reports/annual?year={YEAR}")
    assert f"/reports/annual/{draft.id}" in text and f"/reports/annual/{other.id}" not in text
    assert world.city.name_zh in text and "2026-02-02" in text  # the deadline
    writer = login(people["writer"])
    assert writer.get("/reports/annual?year=abc").status_code == 422
    assert writer.get("/reports/annual?state=nonsense").status_code == 422
    assert f"/reports/annual/{draft.id}" not in page(writer, f"/reports/annual?year={YEAR}&state=issued")
    assert login(people["caseworker"]).get("/reports/annual").status_code == 403


def test_writing_submitting_and_approving_through_the_pages(in_english, world, people, draft, login, session):
    writer = login(people["writer"])
    text = page(writer, f"/reports/annual/{draft.id}")
    assert 'id="section-situation"' in text and 'id="submit-report"' in text
    assert "Still empty" in text  # the panel says why it cannot be submitted yet
    # saving
    response = post(writer, draft, "save", {"situation": SECTIONS["situation"], "results": SECTIONS["results"]})
    assert response.status_code == 302
    session.expire_all()
    assert draft.situation == SECTIONS["situation"]
    # submitting with empty sections: the reasons, what was typed kept, nothing changed
    before = footprint(session, draft)
    response = post(writer, draft, "submit", {"problems": "写了一半的问题"})
    assert response.status_code == 422
    text = html.unescape(response.get_data(as_text=True))
    assert "Still empty: Next steps, Suggestions." in text and "写了一半的问题" in text
    assert footprint(session, draft) == before
    # submitting
    assert post(writer, draft, "submit", SECTIONS).status_code == 302
    session.expire_all()
    assert draft.state is AnnualState.SUBMITTED
    assert 'id="section-situation"' not in page(writer, f"/reports/annual/{draft.id}")
    assert post(writer, draft, "approve", {}).status_code == 403  # the writing centre does not approve it
    # the centre above returns it, then approves it
    reviewer = login(people["reviewer"])
    text = page(reviewer, f"/reports/annual/{draft.id}")
    assert 'id="action-approve"' in text and 'id="action-return"' in text
    response = post(reviewer, draft, "return", {"comment": ""})
    assert response.status_code == 422 and "A comment is required" in response.get_data(as_text=True)
    assert post(reviewer, draft, "return", {"comment": "请补充数据"}).status_code == 302
    assert "请补充数据" in page(writer, f"/reports/annual/{draft.id}")
    session.expire_all()
    assert post(writer, draft, "submit", {}).status_code == 302
    session.expire_all()
    assert post(reviewer, draft, "approve", {}).status_code == 302
    session.expire_all()
    assert draft.state is AnnualState.ISSUED
    text = page(writer, f"/reports/annual/{draft.id}")
    assert f"/reports/annual/{draft.id}/pdf" in text and draft.document.number in text
    response = writer.get(f"/reports/annual/{draft.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert SECTIONS["suggestions"] in pdf_text(response.data)


def test_a_stale_page_keeps_what_was_typed_and_the_other_edit(in_english, people, draft, login, session):
    first, second = login(people["writer"]), login(people["colleague"])
    seen = draft.version
    assert post(first, draft, "save", {"situation": "甲先保存的文字"}, version=seen).status_code == 302
    response = post(second, draft, "save", {"situation": "乙后来输入的文字"}, version=seen)
    assert response.status_code == 409
    text = html.unescape(response.get_data(as_text=True))
    assert 'id="conflict"' in text and "乙后来输入的文字" in text and "甲先保存的文字" in text
    session.expire_all()
    assert draft.situation == "甲先保存的文字"
    # the form now carries the new version: saving again works
    version = re.search(r'name="version" value="(\d+)"', text).group(1)
    assert post(second, draft, "save", {"situation": "乙的文字"}, version=int(version)).status_code == 302


def test_out_of_scope_and_unknown(world, people, draft, login):
    assert login(people["sibling"]).get(f"/reports/annual/{draft.id}").status_code == 404
    assert login(people["county"]).get(f"/reports/annual/{draft.id}").status_code == 404
    assert login(people["caseworker"]).get(f"/reports/annual/{draft.id}").status_code == 403
    writer = login(people["writer"])
    assert writer.get(f"/reports/annual/{draft.id}/pdf").status_code == 404  # not issued yet
    assert writer.get("/reports/annual/2147483647").status_code == 404
    assert post(writer, draft, "no_such_action", {}).status_code == 404
    assert post(login(people["sibling"]), draft, "save", {}).status_code in (400, 404)
