"""Closing one's own account: refused while a case is unfinished (nothing changed); otherwise at once, with
the personal fields gone, the sessions ended, the cases kept and the audit chains still whole."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.cases.models import Case
from app.core.chains import AuditEvent
from app.enterprises.models import EnterpriseMember
from tests.conftest import PASSWORD
from tests.helpers import post_form

CLOSE = {"password": PASSWORD, "confirm": "y"}


def membership(session, user):
    return session.execute(select(EnterpriseMember).where(EnterpriseMember.user_id == user.id)).scalar_one_or_none()


def test_refused_while_a_case_is_open(world, make_case, login, session):
    worker = world.users["caseworker"]
    make_case(world.applicant, world.enterprise, state="closed", staff=worker)
    open_case = make_case(world.applicant, world.enterprise, state="accepted", staff=worker)
    client = login(world.applicant)
    page = client.get("/account/close").get_data(as_text=True)
    assert open_case.number in page  # named before they even try

    for data, status in (
        (CLOSE, 422),
        ({"password": "wrong-password-1", "confirm": "y"}, 422),
        ({"password": PASSWORD}, 422),  # the box not ticked
    ):
        response = post_form(client, "/account/close", data)
        assert response.status_code == status
    assert open_case.number in response.get_data(as_text=True)

    session.expire_all()
    user = session.get(User, world.applicant.id)
    assert user.is_active and user.closed_at is None and user.email == "applicant@city.cn"
    assert membership(session, user) is not None
    assert client.get("/account").status_code == 200  # still logged in


def test_closed_at_once_when_every_case_is_finished(app, world, make_case, login, session):
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="closed", staff=worker)
    user_id, old_email, old_name = world.applicant.id, world.applicant.email, world.applicant.name
    world.applicant.phone = "13800138000"
    session.commit()
    client = login(world.applicant)

    response = post_form(client, "/account/close", CLOSE)
    assert response.status_code == 303 and response.headers["Location"] == "/login"

    session.expire_all()
    user = session.get(User, user_id)
    assert not user.is_active and user.closed_at is not None
    assert str(user_id) in user.name and old_name not in user.name
    assert user.email.endswith(".invalid") and old_email not in user.email
    assert user.phone == "" and user.privacy_consented_at is None and user.privacy_notice_version is None
    assert membership(session, user) is None
    # The case record stays as it was.
    kept = session.get(Case, case.id)
    assert kept.facts == case.facts and kept.filed_by_id == user_id

    # Logged out everywhere; logging in again fails like a wrong password.
    assert client.get("/account").status_code == 302
    again = post_form(app.test_client(), "/login", {"email": old_email, "password": PASSWORD})
    wrong = post_form(app.test_client(), "/login", {"email": old_email, "password": "wrong-password-1"})
    assert again.status_code == wrong.status_code == 422
    assert _error(again) == _error(wrong)

    # Recorded in the account's chain, without personal data; every chain still verifies.
    (event,) = session.execute(
        select(AuditEvent).where(AuditEvent.chain_type == "account", AuditEvent.chain_id == user_id)
    ).scalars()
    assert event.action == "close_account" and event.data == {} and event.comment == ""
    result = app.test_cli_runner().invoke(args=["audit-verify", "--no-files"])
    assert result.exit_code == 0, result.output


def _error(response) -> str:
    html = response.get_data(as_text=True)
    start = html.index('class="alert alert-danger"')
    return html[start : html.index("</div>", start)]


def test_staff_cannot_close_their_account_here(world, login):
    client = login(world.users["caseworker"])
    page = client.get("/account/close").get_data(as_text=True)
    assert 'id="close-account"' not in page and 'name="password"' not in page
    assert post_form(client, "/account/close", CLOSE, token_url="/account").status_code == 403
