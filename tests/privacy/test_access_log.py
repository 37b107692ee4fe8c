"""The staff's read-access log: which reads are recorded, who sees the log and its exports."""

from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import select, text
from werkzeug.datastructures import FileStorage

from app.cases import services
from app.privacy.models import PersonalDataRead, ReadKind
from tests.core.test_filetypes import sample_pdf
from tests.helpers import csrf_token

NAME, PHONE = "王小明", "13912345678"


@pytest.fixture
def cases(world, app):
    """A person's hotline case with an evidence file (recorded by the caseworker), and the city
    enterprise's case filed by its applicant."""
    from app.cases.attachments import add_attachment
    from app.extensions import db

    with app.app_context():  # the evidence's storage is the app's
        return _build(world, db.session, add_attachment)


def _build(world, session, add_attachment):
    cw = session.merge(world.users["caseworker"])
    person = services.create_case(
        cw,
        enterprise=None,
        kind="complaint",
        channel="hotline",
        title="外观设计被仿冒",
        facts="被投诉人销售仿冒产品。",
        rights=[{"type": "trademark", "number": "12345678", "title": "小明"}],
        respondents=[{"name": "某某贸易有限公司"}],
        complainant={"type": "individual", "name": NAME, "phone": PHONE},
    )
    evidence = add_attachment(person, cw, FileStorage(BytesIO(sample_pdf()), filename="证据.pdf"))
    firm = services.create_case(
        session.merge(world.applicant),
        enterprise=session.merge(world.enterprise),
        kind="consultation",
        channel="web",
        title="咨询维权途径",
        help_wanted="请问如何维权",
    )
    session.commit()
    return person, evidence, firm


def reads(session, case=None) -> list[tuple]:
    session.expire_all()
    stmt = select(PersonalDataRead).order_by(PersonalDataRead.id)
    if case is not None:
        stmt = stmt.where(PersonalDataRead.case_id == case.id)
    return [(r.user_id, r.case_id, r.what) for r in session.execute(stmt).scalars()]


def test_staff_reads_are_logged_an_applicants_are_not(world, cases, login, session, app):
    from app.api.services import issue_token

    person, evidence, firm = cases
    cw = world.users["caseworker"]
    applicant = login(world.applicant)
    assert applicant.get(f"/cases/{firm.number}").status_code == 200
    assert reads(session) == []

    staff = login(cw)
    page = staff.get(f"/cases/{person.number}", headers={"X-Request-Id": "req-access-log-1"})
    assert page.status_code == 200
    assert staff.get(f"/cases/{person.number}/evidence/{evidence.id}").status_code == 200
    _token, value = issue_token(cw, "tests")
    session.commit()
    api = app.test_client()
    assert api.get(f"/api/v1/cases/{person.number}", headers={"Authorization": f"Bearer {value}"}).status_code == 200
    # The API's list names the person: logged; the enterprise's case in it is not.
    listed = api.get("/api/v1/cases", headers={"Authorization": f"Bearer {value}"})
    assert {c["number"] for c in listed.get_json()["items"]} == {person.number, firm.number}
    expected = [
        (cw.id, person.id, ReadKind.CASE_PAGE),
        (cw.id, person.id, ReadKind.EVIDENCE),
        (cw.id, person.id, ReadKind.API_CASE),
        (cw.id, person.id, ReadKind.API_CASE),
    ]
    assert reads(session) == expected
    row = session.execute(select(PersonalDataRead).order_by(PersonalDataRead.id).limit(1)).scalar_one()
    assert row.client_address == "127.0.0.1"
    if "X-Request-Id" in page.headers:  # the request id of the JSON logs, when they are on
        assert row.request_id == page.headers["X-Request-Id"]

    # A refused action re-renders the page (422, its transaction rolled back): the read still counts.
    refused = staff.post(f"/cases/{person.number}/actions/accept", data={"csrf_token": csrf_token(staff, "/")})
    assert refused.status_code == 422 and NAME in refused.get_data(as_text=True)
    assert reads(session)[-1] == (cw.id, person.id, ReadKind.CASE_PAGE) and len(reads(session)) == 5


def test_the_case_list_export_logs_the_persons_it_names(world, cases, login, session):
    person, _evidence, firm = cases
    staff = login(world.users["supervisor"])
    response = staff.get("/cases/export.csv")
    assert response.status_code == 200 and NAME in response.get_data(as_text=True)
    assert reads(session) == [(world.users["supervisor"].id, person.id, ReadKind.EXPORT)]


def test_the_log_is_append_only(world, cases, login, session):
    login(world.users["caseworker"]).get(f"/cases/{cases[0].number}")
    for statement in ("UPDATE personal_data_reads SET what = 'export'", "DELETE FROM personal_data_reads"):
        with pytest.raises(Exception, match="append-only"):
            with session.begin_nested():
                session.execute(text(statement))
    assert len(reads(session)) == 1


def test_administrators_see_and_export_the_log_of_their_cases_only(world, cases, login, session):
    person, _evidence, firm = cases
    cw = world.users["caseworker"]
    staff = login(cw)
    staff.get(f"/cases/{person.number}")
    staff.get(f"/cases/{person.number}")

    admin = login(world.users["admin"])
    admin.set_cookie("lang", "en")
    page = admin.get(f"/cases/{person.number}")
    assert f'/cases/{person.number}/access-log"' in page.get_data(as_text=True)  # linked from the case page
    log = admin.get(f"/cases/{person.number}/access-log")
    html = log.get_data(as_text=True)
    assert log.status_code == 200 and html.count('class="access-row"') == 3  # two by the caseworker, one by the admin
    assert cw.email in html and "Case page" in html
    filtered = admin.get(f"/privacy/access-log?user={cw.email}&what=case_page")
    assert filtered.get_data(as_text=True).count('class="access-row"') == 2
    assert admin.get("/privacy/access-log?date_from=2026-02-30").status_code == 422

    exported = admin.get(f"/privacy/access-log.csv?case={person.number}&user={cw.email}")
    assert exported.status_code == 200
    lines = exported.get_data(as_text=True).lstrip("\ufeff").strip().splitlines()
    assert len(lines) == 3 and all(person.number in line and cw.email in line for line in lines[1:])
    workbook = admin.get(f"/privacy/access-log.xlsx?case={person.number}")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"

    assert login(world.sibling_admin).get(f"/cases/{person.number}/access-log").status_code == 404
    sibling_list = login(world.sibling_admin).get("/privacy/access-log").get_data(as_text=True)
    assert person.number not in sibling_list
    assert login(world.users["supervisor"]).get(f"/cases/{person.number}/access-log").status_code == 403


# ---- a read while others write, on a database of its own ------------------------------------------------


def _world_in(password_hash):
    """The shared world and this module's three cases (``_build``), built in the current app's database
    (call inside the app context of a test's ``own_database``)."""
    import functools

    from app.cases.attachments import add_attachment
    from app.extensions import db
    from tests.conftest import build_world, new_centre, new_enterprise, new_user

    world = build_world(
        functools.partial(new_centre, db.session),
        functools.partial(new_user, db.session, password_hash),
        functools.partial(new_enterprise, db.session),
    )
    return world, _build(world, db.session, add_attachment)


def _another_connection_commits(other, centre_id: int) -> None:
    """Someone else writes meanwhile: another connection of ``other`` commits a change to a centre."""
    with other.extensions["db_engine"].connect() as writer:
        writer.execute(text("UPDATE centres SET phone = phone || '0' WHERE id = :id"), {"id": centre_id})
        writer.commit()


@pytest.mark.e2e
def test_a_case_page_read_while_another_connection_commits_is_still_logged(tmp_path_factory, app, password_hash):
    """On SQLite a GET's read transaction cannot become a write once another connection has committed
    since it began ("database is locked" at once): the log's insert must not fail the page then."""
    from app.auth.models import User
    from app.cases.models import Case
    from app.extensions import db
    from app.privacy.access_log import log_read
    from tests.conftest import own_database

    with own_database(tmp_path_factory, app, "readlog") as other:
        with other.app_context():
            world, (person, _, _) = _world_in(password_hash)
            case_id, reader_id, number = person.id, world.users["caseworker"].id, person.number
        with other.test_request_context(f"/cases/{number}", method="GET"):
            other.preprocess_request()
            case = db.session.get(Case, case_id)  # the page's read begins
            log_read(db.session.get(User, reader_id), case, ReadKind.CASE_PAGE)
            _another_connection_commits(other, case.centre_id)
            response = other.process_response(other.response_class("the page"))
            other.do_teardown_request()
        assert response.status_code == 200
        with other.app_context():
            logged = db.session.execute(select(PersonalDataRead.case_id, PersonalDataRead.user_id)).all()
            assert logged == [(case_id, reader_id)]
            db.session.rollback()


@pytest.mark.e2e
def test_an_applicant_reading_a_case_page_while_another_connection_commits_marks_it_read(
    tmp_path_factory, app, password_hash
):
    """The applicant's case page marks its notifications read: a write in a GET, as the read log's."""
    from flask_login import login_user

    from app.auth.models import User
    from app.extensions import db
    from app.notifications.models import Notification
    from app.notifications.services import notify
    from tests.conftest import own_database

    with own_database(tmp_path_factory, app, "readmark") as other:
        with other.app_context():
            world, (_, _, firm) = _world_in(password_hash)
            notify([world.applicant.id], "applicant_message", firm, {"comment": "x"})
            db.session.commit()
            number, applicant_id, centre_id = firm.ref, world.applicant.id, firm.centre_id
        with other.test_request_context(f"/cases/{number}", method="GET"):
            other.preprocess_request()
            login_user(db.session.get(User, applicant_id))  # the request's read begins
            _another_connection_commits(other, centre_id)
            response = other.make_response(other.view_functions["cases.show"](number))
            response = other.process_response(response)
            other.do_teardown_request()
        assert response.status_code == 200
        with other.app_context():
            unread = db.session.execute(select(Notification.id).where(Notification.read_at.is_(None))).all()
            assert unread == []
            db.session.rollback()
