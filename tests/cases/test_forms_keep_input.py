"""Forms that keep what people typed and chose: staged uploads across a failed submit, every
field's error at once, the action panel re-opened after a refusal, the applicant's one-form answer
to a request for material, and no developers' artefacts on the pages."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cases.enums import CaseState
from app.cases.models import Attachment, Case, CaseEvent
from app.cases.staged import StagedUpload
from tests.core.test_filetypes import sample_pdf, sample_png
from tests.helpers import csrf_token

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4


@pytest.fixture
def login(login):
    def do_login(user):
        client = login(user)
        client.set_cookie("lang", "en")
        return client

    return do_login


def _filing(**overrides) -> dict:
    data = {
        "kind": "complaint",
        "ip_type": "utility_model",
        "ip_number": "ZL 2023 2012 3456.1",
        "ip_title": "一种折叠式支架",
        "respondent_name": "某某科技有限公司",
        "respondent_address": "",
        "respondent_url": "",
        "respondent_credit_code": "",
        "title": "",
        "facts": "被投诉人在电商平台销售与本专利相同的产品。",
        "help_wanted": "",
        "claimed_amount": "",
        "intent": "submit",
    }
    data.update(overrides)
    return data


def _post(client, url, data, files=(), token_url=None):
    body = dict(data)
    body["csrf_token"] = csrf_token(client, token_url or url)
    if files:
        body.setdefault("evidence", [(io.BytesIO(content), name) for content, name in files])
    return client.post(url, data=body, content_type="multipart/form-data")


def _tokens(html: str) -> list[str]:
    return re.findall(r'name="staged" value="([^"]+)"', html)


def _count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count(model.id)).where(*where))


def _uploads(app) -> set[Path]:
    return {p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()}


# ---- staged uploads: the new-case form ---------------------------------------------------------------


def test_a_file_chosen_before_a_failed_submit_is_kept_and_used_on_success(world, login, session, app):
    c = login(world.applicant)
    cases = _count(session, Case)
    failed = _post(c, "/cases/new", _filing(facts="", ip_type="", ip_number=""), files=[(sample_pdf(), "购买凭证.pdf")])
    assert failed.status_code == 422
    html = failed.get_data(as_text=True)
    # Every missing field is named at once, not one per submit.
    assert "Name the right that was infringed." in html and "Describe the facts of the infringement." in html
    assert "Kept: 购买凭证.pdf" in html
    (token,) = _tokens(html)
    staged = session.execute(select(StagedUpload).where(StagedUpload.token == token)).scalar_one()
    assert staged.owner_id == world.applicant.id and staged.content_type == "application/pdf"
    assert _count(session, Case) == cases

    # The second try sends the token back instead of the file; the kept file becomes evidence.
    ok = _post(c, "/cases/new", {**_filing(), "staged": token})
    assert ok.status_code == 302, ok.get_data(as_text=True)[:1500]
    case = session.execute(select(Case).order_by(Case.id.desc()).limit(1)).scalar_one()
    names = session.scalars(select(Attachment.filename).where(Attachment.case_id == case.id)).all()
    assert names == ["购买凭证.pdf"]
    assert _count(session, StagedUpload, StagedUpload.token == token) == 0
    event = session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "add_evidence")
    ).scalar_one()
    assert event.data["filename"] == "购买凭证.pdf"


def test_a_kept_file_can_be_removed(world, login, session, app):
    c = login(world.applicant)
    html = _post(c, "/cases/new", _filing(facts=""), files=[(sample_pdf(), "a.pdf")]).get_data(as_text=True)
    (token,) = _tokens(html)
    path = session.execute(select(StagedUpload.storage_path).where(StagedUpload.token == token)).scalar_one()
    assert (Path(app.config["UPLOAD_FOLDER"]) / path).is_file()
    again = _post(c, "/cases/new", {**_filing(facts=""), "staged": token, "unstage": token})
    assert again.status_code == 422 and "Kept: a.pdf" not in again.get_data(as_text=True)
    assert _count(session, StagedUpload, StagedUpload.token == token) == 0
    assert not (Path(app.config["UPLOAD_FOLDER"]) / path).exists()


def test_another_users_token_is_ignored(world, login, session, app, make_user):
    from app.auth.models import Role
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    first = login(world.applicant)
    (token,) = _tokens(
        _post(first, "/cases/new", _filing(facts=""), files=[(sample_pdf(), "秘密.pdf")]).get_data(as_text=True)
    )

    colleague = make_user(Role.APPLICANT, email="colleague@firm.cn")
    session.add(EnterpriseMember(enterprise=world.enterprise, user=colleague, status=MembershipStatus.ACTIVE))
    session.commit()
    other = login(colleague)
    shown = _post(other, "/cases/new", {**_filing(facts=""), "staged": token})
    assert shown.status_code == 422 and "秘密.pdf" not in shown.get_data(as_text=True)
    filed = _post(other, "/cases/new", {**_filing(), "staged": token})
    assert filed.status_code == 302
    case = session.execute(select(Case).order_by(Case.id.desc()).limit(1)).scalar_one()
    assert _count(session, Attachment, Attachment.case_id == case.id) == 0
    assert _count(session, StagedUpload, StagedUpload.token == token) == 1  # still the first user's


def test_a_refused_file_is_not_kept_but_the_good_one_is(world, login, session, app):
    c = login(world.applicant)
    before = _uploads(app)
    response = _post(c, "/cases/new", _filing(), files=[(sample_png(), "shop.png"), (EXE, "setup.exe")])
    assert response.status_code == 415
    html = response.get_data(as_text=True)
    assert "setup.exe" in html and "Kept: shop.png" in html and "Kept: setup.exe" not in html
    assert len(_uploads(app) - before) == 1


def test_stale_staged_uploads_are_removed_by_the_sla_scan(world, session, app):
    from app.cases import staged
    from app.clocks.scan import scan
    from app.core.db import utcnow

    with app.test_request_context("/"):
        fresh = staged.stage(world.applicant, _file(sample_pdf(), "new.pdf"))
        old = staged.stage(world.applicant, _file(sample_pdf(), "old.pdf"))
        old.created_at = utcnow() - timedelta(days=1, minutes=1)
        staged.keep([fresh, old])
    root = Path(app.config["UPLOAD_FOLDER"])
    old_path, fresh_path = root / old.storage_path, root / fresh.storage_path
    assert old_path.is_file() and fresh_path.is_file()
    # An expired token no longer works even before the scan removes it.
    assert [r.token for r in staged.owned(world.applicant, [old.token, fresh.token])] == [fresh.token]

    with app.app_context():
        result = scan(deliver=False)
    assert result.staged_removed == 1 and result.as_dict()["staged_removed"] == 1
    assert not old_path.exists() and fresh_path.is_file()
    assert _count(session, StagedUpload) == 1


def test_the_sla_scan_command_removes_them_too(world, session, app):
    from app.cases import staged
    from app.core.db import utcnow

    with app.test_request_context("/"):
        row = staged.stage(world.applicant, _file(sample_pdf(), "old.pdf"))
        staged.keep([row])
    path = Path(app.config["UPLOAD_FOLDER"]) / row.storage_path
    later = (utcnow() + timedelta(days=2)).isoformat()
    out = app.test_cli_runner().invoke(args=["sla-scan", "--now", later, "--no-mail"])
    assert out.exit_code == 0 and '"staged_removed":1' in out.output
    assert not path.exists() and _count(session, StagedUpload) == 0


def _file(content: bytes, name: str):
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(content), filename=name)


# ---- the action panel -----------------------------------------------------------------------------------


@pytest.fixture
def acknowledged(world, make_case):
    return make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])


def _open_items(html: str) -> list[str]:
    return re.findall(r'<details class="action-item[^"]*" name="actions" id="action-item-([a-z_]+)" open', html)


def test_action_forms_are_closed_disclosures_of_one_group(world, login, acknowledged):
    html = login(world.users["caseworker"]).get(f"/cases/{acknowledged.number}").get_data(as_text=True)
    items = re.findall(r'<details class="action-item[^"]*" name="actions" id="action-item-([a-z_]+)"', html)
    assert {"request_material", "accept", "decline"} <= set(items)
    assert _open_items(html) == []  # nothing open until chosen: not six forms at once
    # Facts first, then the actions, then the deadlines and history.
    assert html.index('id="facts-heading"') < html.index('id="actions"') < html.index('id="clocks"')


def test_a_refused_action_opens_again_with_its_input_and_reasons(world, login, acknowledged, session):
    c = login(world.users["caseworker"])
    response = c.post(
        f"/cases/{acknowledged.number}/actions/accept",
        data={
            "csrf_token": csrf_token(c, f"/cases/{acknowledged.number}"),
            "version": acknowledged.version,
            "conditions": ["real_name", "named_respondent"],
            "comment": "先核对权属证明",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _open_items(html) == ["accept"]
    accept = html[html.index('id="action-item-accept"') :]
    accept = accept[: accept.index("</details>")]
    assert 'id="action-accept-errors"' in accept and "先核对权属证明" in accept
    assert len(re.findall(r'name="conditions" value="[a-z_]+" id="[^"]+" checked', accept)) == 2


# ---- the request for material, answered in one form -----------------------------------------------


@pytest.fixture
def awaiting(world, make_case):
    return make_case(world.applicant, world.enterprise, state="awaiting_material", staff=world.users["caseworker"])


def _material(client, case, comment, files=(), **extra):
    data = {
        "csrf_token": csrf_token(client, f"/cases/{case.number}"),
        "version": case.version,
        "comment": comment,
        "file": [(io.BytesIO(content), name) for content, name in files],
        **extra,
    }
    return client.post(f"/cases/{case.number}/material", data=data, content_type="multipart/form-data")


def test_the_applicant_sees_the_banner_and_answers_in_one_form(world, login, awaiting, session):
    c = login(world.applicant)
    html = c.get(f"/cases/{awaiting.number}").get_data(as_text=True)
    banner = html[html.index('id="material-request"') : html.index("</section>", html.index('id="material-request"'))]
    assert "Material requested:" in banner and f'action="/cases/{awaiting.number}/material"' in banner
    assert 'name="comment"' in banner and 'name="file"' in banner
    assert 'id="action-item-provide_material"' not in html  # not a second time in the panel

    response = _material(c, awaiting, "已上传订单截图。", files=[(sample_pdf(), "订单截图.pdf")])
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    session.expire_all()
    case = session.get(Case, awaiting.id)
    assert case.state is CaseState.ACKNOWLEDGED
    names = session.scalars(select(Attachment.filename).where(Attachment.case_id == case.id)).all()
    assert names == ["订单截图.pdf"]
    actions = session.scalars(
        select(CaseEvent.action).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    ).all()
    assert actions[-2:] == ["provide_material", "add_evidence"]
    assert session.scalar(select(func.count(StagedUpload.id))) == 0


def test_a_missing_answer_keeps_the_files_and_says_why(world, login, awaiting, session):
    c = login(world.applicant)
    response = _material(c, awaiting, "  ", files=[(sample_pdf(), "发票.pdf")])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Write what you provide." in html and "Kept: 发票.pdf" in html
    assert session.get(Case, awaiting.id).state is CaseState.AWAITING_MATERIAL
    (token,) = _tokens(html)
    ok = _material(c, awaiting, "补充发票。", staged=token)
    assert ok.status_code == 302
    session.expire_all()
    assert session.scalars(select(Attachment.filename).where(Attachment.case_id == awaiting.id)).all() == ["发票.pdf"]


def test_staff_see_the_request_but_not_the_applicants_form(world, login, awaiting):
    html = login(world.users["caseworker"]).get(f"/cases/{awaiting.number}").get_data(as_text=True)
    assert 'id="material-request"' in html and f'action="/cases/{awaiting.number}/material"' not in html


def test_outsiders_cannot_post_material(world, login, awaiting, session):
    response = _material(login(world.other_applicant), awaiting, "x", files=[(sample_pdf(), "x.pdf")])
    assert response.status_code == 404
    assert session.scalar(select(func.count(StagedUpload.id))) == 0


# ---- nothing of the developers' world ------------------------------------------------------------------


def test_applicants_see_no_checksum_and_no_raw_codes(world, login, awaiting, session):
    c = login(world.applicant)
    assert _material(c, awaiting, "补充。", files=[(sample_pdf(), "a.pdf")]).status_code == 302
    html = c.get(f"/cases/{awaiting.number}").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", html)
    assert "SHA" not in text and "Checksum" not in text
    for code in ("add_evidence", "provide_material", "request_material", "awaiting_material"):
        assert code not in text, code


def test_settings_pages_name_rules_not_files(world, login):
    admin = login(world.users["admin"])
    centre = world.users["admin"].centre
    for url in (f"/centres/{centre.id}", f"/admin/centres/{centre.id}/settings"):
        response = admin.get(url)
        if response.status_code == 404:
            continue
        html = response.get_data(as_text=True)
        assert "DOMAIN.md" not in html and "centre practice" not in html, url
    settings = admin.get(f"/centres/{centre.id}").get_data(as_text=True)
    assert "Default from: Rules for referring cases to enforcement agencies" in settings
