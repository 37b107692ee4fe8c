"""The plan's pages: the case page's panel, drafting one, the editor (rows added, moved and removed without
script; a stale save keeps what was typed; bad input shown beside its field), the plan page's actions, and
what the applicant's side sees (never a draft; the issued plan and its PDF)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.plans.enums import PlanState
from app.plans.models import Plan
from tests.helpers import csrf_token, post_form
from tests.plans.conftest import CONTENT


def _form(plan, **fields):
    """The editor's form for CONTENT (two rows, three routes), with ``fields`` changed."""
    data = {
        "version": str(plan.version),
        "op": "save",
        "facts": CONTENT["facts"],
        "right_index": "0",
        "right_scope": "权利要求1、2",
        "rows": "2",
        "evidence_held": "专利证书\n\n公证购买的被控产品及发票\n",
        "evidence_needed": "专利权评价报告",
        "damages_amount": "50,000",
        "damages_basis": "按销量估算",
    }
    for i, row in enumerate(CONTENT["comparison"]):
        data.update({f"row-{i}-{k}": v for k, v in row.items()})
    for value, cost, duration in (("mediation", "0", "1个月"), ("litigation", "30000.50", "6至12个月")):
        data.update({f"route-{value}-on": "y", f"route-{value}-cost": cost, f"route-{value}-duration": duration})
    data.update(fields)
    return data


def _save(client, plan, **fields):
    return post_form(client, f"/plans/{plan.id}/edit", _form(plan, **fields))


def test_drafting_from_the_case_page_opens_the_editor(login, accepted, people, session):
    client = login(people.caseworker)
    page = client.get(f"/cases/{accepted.number}").get_data(as_text=True)
    assert 'id="plan-panel"' in page and 'id="plan-start-form"' in page
    response = post_form(client, f"/cases/{accepted.number}/plans", {}, token_url=f"/cases/{accepted.number}")
    plan = session.execute(select(Plan).where(Plan.case_id == accepted.id)).scalar_one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/plans/{plan.id}/edit")
    page = client.get(f"/plans/{plan.id}/edit").get_data(as_text=True)
    assert accepted.facts.strip() in page and 'id="no-rows"' in page
    # A second one is refused with the reason, on the case page.
    response = post_form(client, f"/cases/{accepted.number}/plans", {}, token_url=f"/cases/{accepted.number}")
    assert response.status_code == 422
    assert 'id="plan-open"' in response.get_data(as_text=True)


def test_the_panel_says_why_a_plan_cannot_be_drafted(login, accepted, people, make_plan):
    make_plan(accepted, "issued")
    page = login(people.caseworker).get(f"/cases/{accepted.number}").get_data(as_text=True)
    assert 'id="plan-start-form"' not in page and 'id="plan-current"' in page
    mediator_page = login(people.mediator).get(f"/cases/{accepted.number}").get_data(as_text=True)
    assert 'id="plan-current"' in mediator_page and "/edit" not in mediator_page.split('id="plan-panel"')[1][:3000]


def test_rows_are_added_moved_and_removed_without_script(login, accepted, people, make_plan, session):
    plan = make_plan(accepted, "draft", data={})
    client = login(people.caseworker)
    # "Add a row": the form again with one more (empty) row, nothing saved.
    response = _save(client, plan, op="add_row")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="unsaved"' in page
    assert 'name="rows" value="3"' in page and 'id="row-2-feature"' in page
    assert CONTENT["comparison"][1]["accused"] in page  # what was typed is kept
    session.refresh(plan)
    assert plan.comparison == [] and plan.version == 1
    # "Move down" the first row: the order changes on the form only.
    page = _save(client, plan, op="down-0").get_data(as_text=True)
    first, second = CONTENT["comparison"][0]["feature"], CONTENT["comparison"][1]["feature"]
    assert page.index(second) < page.index(first)
    # Saving: the ticked row and the blank one are dropped, the rest kept in order.
    response = _save(client, plan, rows="3", **{"row-0-remove": "y", "row-2-feature": " ", "row-2-accused": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/plans/{plan.id}/edit")
    session.refresh(plan)
    assert [r["feature"] for r in plan.comparison] == [second]
    assert plan.evidence_held == ["专利证书", "公证购买的被控产品及发票"]
    assert [(r["route"], r["cost_fen"]) for r in plan.routes] == [("mediation", 0), ("litigation", 3_000_050)]
    assert plan.damages_fen == 5_000_000 and plan.right_scope == "权利要求1、2"


def test_bad_input_is_shown_beside_its_field_and_kept(login, accepted, people, make_plan, session):
    plan = make_plan(accepted, "draft", data={})
    client = login(people.caseworker)
    response = _save(client, plan, **{"route-litigation-cost": "-30,000", "damages_basis": "", "row-1-feature": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="plan-errors"' in page
    assert re.search(r'class="form-control is-invalid"[^>]*id="route-litigation-cost"[^>]*value="-30,000"', page)
    assert 'id="route-litigation-cost-error"' in page and 'id="damages_basis-error"' in page
    assert 'id="row-1-feature-error"' in page
    session.refresh(plan)
    assert plan.version == 1 and plan.routes == []


def test_a_stale_save_keeps_what_was_typed(login, accepted, people, make_plan, session):
    plan = make_plan(accepted, "draft", data={})
    mine, theirs = login(people.caseworker), login(people.supervisor)
    token = csrf_token(mine, f"/plans/{plan.id}/edit")  # both open the editor at version 1
    assert _save(theirs, plan, facts="主管的版本").status_code == 302
    response = mine.post(f"/plans/{plan.id}/edit", data={**_form(plan, facts="经办人的版本"), "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="conflict"' in page and "经办人的版本" in page
    session.refresh(plan)
    assert plan.facts == "主管的版本" and plan.version == 2
    assert f'name="version" value="{plan.version}"' in page  # saving again now replaces theirs, knowingly


def test_the_action_panel_submits_and_the_four_eyes_rule_is_shown(login, accepted, people, make_plan, session):
    plan = make_plan(accepted, "draft", drafter=people.supervisor)
    client = login(people.supervisor)
    url = f"/plans/{plan.id}/actions/submit_for_review"
    response = post_form(client, url, {"version": plan.version}, token_url=f"/plans/{plan.id}")
    assert response.status_code == 302
    session.refresh(plan)
    assert plan.state is PlanState.IN_REVIEW
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    blocked = page.split('id="blocked-actions"')[1].split("</ul>")[0]
    assert 'data-action="approve"' in blocked and "双人复核" in blocked
    response = post_form(client, f"/plans/{plan.id}/actions/approve", {"version": plan.version})
    assert response.status_code == 422 and "双人复核" in response.get_data(as_text=True)
    other = login(people.other_supervisor)
    assert post_form(other, f"/plans/{plan.id}/actions/approve", {"version": plan.version}).status_code == 302
    stale = post_form(other, f"/plans/{plan.id}/actions/issue", {"version": plan.version})
    assert stale.status_code == 409 and 'id="conflict"' in stale.get_data(as_text=True)


def test_revising_from_the_page_opens_the_new_draft(login, accepted, people, make_plan, session):
    plan = make_plan(accepted, "issued")
    client = login(people.caseworker)
    response = post_form(client, f"/plans/{plan.id}/actions/revise", {"version": plan.version, "comment": "更新"})
    revision = session.execute(select(Plan).where(Plan.supersedes_id == plan.id)).scalar_one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/plans/{revision.id}/edit")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert 'id="revised-by"' in page and 'data-action="revise"' in page  # blocked now, with its reason
    assert client.get(f"/plans/{plan.id}/edit").status_code == 302  # an issued plan is not edited


def test_the_applicant_never_sees_a_draft_and_downloads_the_issued_plan(login, accepted, people, make_plan, session):
    from app.plans import services

    plan = make_plan(accepted, "approved")
    client = login(people.applicant)
    assert client.get(f"/plans/{plan.id}").status_code == 404
    assert client.get(f"/plans/{plan.id}/edit").status_code == 404
    case_page = client.get(f"/cases/{accepted.number}").get_data(as_text=True)
    assert 'id="plan-panel"' not in case_page
    session.expire_all()  # the page views above moved the case on (its notifications read)
    services.transition(plan, "issue", people.caseworker)
    session.commit()
    case_page = client.get(f"/cases/{accepted.number}").get_data(as_text=True)
    assert 'id="plan-current"' in case_page and "中心已为您出具维权方案" in case_page  # the timeline's words
    links = re.findall(r'href="(/cases/[^"]+/documents/\d+)"', case_page.split('id="plan-panel"')[1])
    pdf = client.get(links[0])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    page = client.get(f"/plans/{plan.id}")
    assert page.status_code == 200 and 'id="actions"' not in page.get_data(as_text=True)
    assert client.get(f"/plans/{plan.id}/preview.pdf").status_code == 403
    assert login(people.other_applicant).get(f"/plans/{plan.id}").status_code == 404


def test_the_case_timeline_names_the_plans_events(login, accepted, people, make_plan):
    make_plan(accepted, "issued")
    page = login(people.caseworker).get(f"/cases/{accepted.number}").get_data(as_text=True)
    timeline = page.split('id="timeline"')[1]
    for words in ("起草维权方案", "提交审核", "批准方案", "出具方案", "出具文书：维权方案"):
        assert words in timeline, words


def test_staff_preview_the_pdf_before_it_is_issued(login, accepted, people, make_plan):
    client = login(people.caseworker)
    # A track's documents are previewed on the track's own page, not among the case's (no 500 for a case there).
    for kind in ("protection_plan", "mediation_agreement", "mediation_termination"):
        assert client.get(f"/cases/{accepted.number}/documents/preview/{kind}").status_code == 404
    plan = make_plan(accepted, "draft")
    preview = client.get(f"/plans/{plan.id}/preview.pdf")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    assert "attachment" not in preview.headers.get("Content-Disposition", "")


def test_a_plan_submitted_meanwhile_is_not_changed_and_the_text_is_kept(login, accepted, people, make_plan, session):
    from app.plans import services

    plan = make_plan(accepted, "draft")
    client = login(people.caseworker)
    token = csrf_token(client, f"/plans/{plan.id}/edit")
    form = {**_form(plan, facts="还没保存的事实"), "csrf_token": token}
    services.transition(plan, "submit_for_review", people.supervisor)
    session.commit()
    for op in ("save", "add_row"):
        response = client.post(f"/plans/{plan.id}/edit", data={**form, "op": op})
        page = response.get_data(as_text=True)
        assert response.status_code == 409 and 'id="plan-errors"' in page and "还没保存的事实" in page
    session.refresh(plan)
    assert plan.facts == CONTENT["facts"]
