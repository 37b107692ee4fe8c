"""An applicant's own data (JSON and PDF): everything their pages show them, nothing internal, nobody else's."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest

from app.auth.models import Role
from app.cases import services
from app.cases.models import Attachment

NOTE = "内部备注：申请人可能夸大了损失"
STAFF_MESSAGE = "请于本周内补充购买凭证"
OWN_MESSAGE = "购买凭证已上传"
EVIDENCE = "侵权商品购买凭证.pdf"


def attach(session, case, uploader, name):
    data = f"{name} {case.id}".encode()
    a = Attachment(
        case_id=case.id,
        uploaded_by_id=uploader.id,
        filename=name,
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_path=f"evidence/privacy-{case.id}-{hashlib.sha256(name.encode()).hexdigest()[:12]}",
    )
    session.add(a)
    session.flush()
    return a


@pytest.fixture
def story(world, make_case, session):
    """The applicant's case with messages both ways, their evidence and an internal note; another
    applicant's case beside it."""
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=worker, title="外观设计被抄袭")
    services.send_message(case, worker, STAFF_MESSAGE)
    services.send_message(case, world.applicant, OWN_MESSAGE)
    services.add_note(case, worker, NOTE)
    evidence = attach(session, case, world.applicant, EVIDENCE)
    other = make_case(world.other_applicant, world.other_enterprise, title="邻市企业的商标纠纷", facts="邻市企业的事实")
    session.commit()
    return case, evidence, other


def test_json_holds_the_applicants_data_and_nothing_internal(world, story, login):
    case, evidence, other = story
    response = login(world.applicant).get("/account/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    data = json.loads(body)

    assert data["account"]["email"] == world.applicant.email
    assert data["account"]["privacy_notice_version"]
    assert [e["credit_code"] for e in data["enterprises"]] == [world.enterprise.credit_code]
    (mine,) = [c for c in data["cases"] if c["number"] == case.number]
    assert mine["title"] == "外观设计被抄袭" and mine["facts"] == case.facts
    assert [r["number"] for r in mine["rights"]] == [case.rights[0].number]
    comments = [e["comment"] for e in mine["timeline"]]
    assert STAFF_MESSAGE in comments and OWN_MESSAGE in comments
    assert all(e["event"] for e in mine["timeline"])  # each event worded as the page words it
    assert mine["evidence"] == [
        {
            "filename": EVIDENCE,
            "size": evidence.size,
            "size_text": "0.1 KB",
            "uploaded_at": evidence.created_at.isoformat(),
            "uploaded_by": world.applicant.name,
            "description": "",
            "sha256": evidence.sha256,
        }
    ]
    # Nothing internal, nobody else's.
    assert NOTE not in body
    assert other.number not in body and "邻市企业" not in body
    assert world.other_applicant.email not in body
    assert world.users["caseworker"].name not in body  # staff appear as "the centre", as on the pages
    for internal in ('"hash"', "prev_hash", "digest", "storage_path", "internal"):
        assert internal not in body


def test_a_crafted_parameter_cannot_change_whose_data(world, story, login):
    client = login(world.applicant)
    for url in (
        f"/account/data.json?user_id={world.other_applicant.id}",
        f"/account/data.json?id={world.other_applicant.id}&email={world.other_applicant.email}",
    ):
        data = client.get(url).get_json()
        assert data["account"]["email"] == world.applicant.email
        assert story[2].number not in json.dumps(data, ensure_ascii=False)


def test_staff_download_their_account_only(world, story, login):
    data = login(world.users["caseworker"]).get("/account/data.json").get_json()
    assert data["account"]["email"] == world.users["caseworker"].email
    assert data["cases"] == [] and data["enterprises"] == []


def test_pdf_reads_back_with_the_same_content(world, story, login, session):
    case, _evidence, other = story
    world.applicant.locale = "en"
    session.commit()
    response = login(world.applicant).get("/account/data.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=response.data, capture_output=True, check=True
    ).stdout.decode()
    flat = "".join(text.split())
    for expected in (world.applicant.email, case.number, "外观设计被抄袭", EVIDENCE, OWN_MESSAGE, STAFF_MESSAGE):
        assert "".join(expected.split()) in flat, expected
    assert "Timeline" in text  # the reader's language (English here)
    assert NOTE not in flat and other.number not in flat


def test_applicant_without_cases(world, make_user, make_enterprise, login):
    person = make_user(Role.APPLICANT, email="quiet@firm.cn")
    data = login(person).get("/account/data.json").get_json()
    assert data["cases"] == [] and data["account"]["name"] == person.name


def test_the_tracks_panels_are_exported_as_the_page_shows_them(world, story, login, session):
    """The panel of a plan issued to the applicant is in their export as it reads on their case page
    (its state and version, without the buttons and forms); a plan still in draft, which their page does
    not show, is not."""
    from app.plans import services as plans
    from app.privacy.export import panel_texts
    from tests.plans.conftest import CONTENT

    case, _evidence, _other = story
    worker, supervisor = world.users["caseworker"], world.users["supervisor"]
    plan = plans.create_plan(case, worker, CONTENT)
    session.commit()
    client = login(world.applicant)

    def exported_tracks():
        data = json.loads(client.get("/account/data.json").get_data(as_text=True))
        (mine,) = [c for c in data["cases"] if c["number"] == case.number]
        return mine["tracks"]

    assert panel_texts(client.get(f"/cases/{case.number}").get_data(as_text=True)) == []
    assert exported_tracks() == []

    session.expire_all()  # the requests moved the case on (the applicant's page view is recorded)
    for action, actor in (("submit_for_review", worker), ("approve", supervisor), ("issue", worker)):
        plans.transition(plan, action, actor)
    session.commit()
    shown = panel_texts(client.get(f"/cases/{case.number}").get_data(as_text=True))
    assert [p["title"] for p in shown] == ["维权方案"]
    assert "第1版" in " ".join(shown[0]["text"])
    tracks = exported_tracks()
    assert tracks == shown
    text = json.dumps(tracks, ensure_ascii=False)
    assert "csrf" not in text.lower() and "<" not in text
    pdf = client.get("/account/data.pdf")
    assert pdf.status_code == 200
    read = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout
    assert "维权方案" in read.decode() and "第1版" in read.decode()
