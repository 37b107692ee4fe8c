"""What a user types stays where they typed it, whenever our scripts run.

The browser journeys once lost a value typed into an action form (a comment, a fine) now and then.
The cause: opening an action (its summary clicked) fires the ``toggle`` event in a task of its own, and
app.js then put the focus on the form's first field. On a page still busy loading, Playwright (or a
quick user) could click the summary, focus the comment and start typing before that task ran; the
focus then jumped to the first field (a date) and the rest of the typing went there. The same kind of
late script on the visit form: the draft kept on the phone was put back over what had been typed
before visits.js arrived. Both orders are made here on purpose.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import wait_until
from tests.e2e.test_action_panel_journey import CASEWORKER, _make_case, log_in_with_enter

pytestmark = pytest.mark.e2e


def test_a_field_focused_before_the_toggle_event_keeps_the_typing(page: Page):
    number = _make_case("acknowledged")
    log_in_with_enter(page, CASEWORKER)
    page.goto(f"/cases/{number}")
    # The first field of "ask for material" is its due date; the comment comes after it.
    typed = page.evaluate(
        """async () => {
            document.querySelector('#action-item-request_material > summary').click();
            const comment = document.getElementById('comment-request_material');
            comment.focus();                                  // the user is in the comment already
            await new Promise((done) => setTimeout(done, 50)); // ... when the toggle event comes
            document.execCommand('insertText', false, '请补充材料');
            return { comment: comment.value, focused: document.activeElement.id };
        }"""
    )
    assert typed == {"comment": "请补充材料", "focused": "comment-request_material"}
    # Opened by a click and nothing else: the keyboard still lands in the form's first field.
    page.locator("#action-item-decline > summary").click()
    expect(page.locator("#action-decline :focus")).to_have_count(1)


def test_typing_before_the_visit_script_arrives_is_not_overwritten_by_the_draft(page: Page):
    log_in_with_enter(page, CASEWORKER)
    page.goto("/visits/new")
    page.fill("#needs", "草稿里的旧需求")
    page.fill("#problems-0-text", "草稿里的问题")
    wait_until(page, "Object.keys(localStorage).some(k => k.startsWith('ipaid.visit-draft'))")

    held = []
    page.route("**/static/visits.js", lambda route: held.append(route))
    page.goto("/visits/new", wait_until="commit")
    page.fill("#needs", "刚刚输入的需求")  # the form is on screen, its script not here yet
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "visits.js was not held back"
    assert page.evaluate("document.readyState") == "loading"
    held[0].continue_()
    expect(page.locator("#draft-restored")).to_be_visible()
    expect(page.locator("#problems-0-text")).to_have_value("草稿里的问题")  # the rest of the draft comes back
    expect(page.locator("#needs")).to_have_value("刚刚输入的需求")
