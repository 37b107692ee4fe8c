"""API tokens: issued by the CLI and shown once, stored only hashed, revocable; no token, a bad,
revoked or deactivated one, or a session cookie alone answer 401; use is recorded at most once a
minute; the API is rate-limited per token."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from app.api.models import ApiToken
from app.auth.models import Role
from app.core.db import utcnow
from tests.api.conftest import ApiClient, error_of


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def token_from_output(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("ipaid_")]
    assert len(lines) == 1, output
    return lines[0].strip()


def test_cli_creates_a_token_that_is_stored_only_hashed(app, world, session, client):
    result = cli(app, "api-token", "create", "--email", "Caseworker@City.cn", "--name", "12330 hotline")
    assert result.exit_code == 0, result.output
    value = token_from_output(result.output)
    assert len(value) > 40

    session.expire_all()
    row = session.execute(select(ApiToken).where(ApiToken.user_id == world.users["caseworker"].id)).scalar_one()
    assert row.token_hash == hashlib.sha256(value.encode()).hexdigest()
    assert row.prefix == value[:12] and row.name == "12330 hotline"
    stored = [str(getattr(row, column.key)) for column in ApiToken.__table__.columns]
    assert not any(value in text for text in stored), "the token itself must not be stored"

    response = ApiClient(client, value).get("/api/v1/cases")
    assert response.status_code == 200, response.get_data(as_text=True)

    listing = cli(app, "api-token", "list", "--email", "caseworker@city.cn")
    assert listing.exit_code == 0 and row.prefix in listing.output and "12330 hotline" in listing.output
    assert value not in listing.output


def test_cli_refuses_unknown_accounts(app, world):
    result = cli(app, "api-token", "create", "--email", "nobody@nowhere.cn")
    assert result.exit_code != 0 and "No account" in result.output


def test_revoked_token_answers_401(app, world, session, client):
    value = token_from_output(cli(app, "api-token", "create", "--email", "caseworker@city.cn").output)
    api = ApiClient(client, value)
    assert api.get("/api/v1/cases").status_code == 200

    result = cli(app, "api-token", "revoke", "--prefix", value[:12])
    assert result.exit_code == 0, result.output
    response = api.get("/api/v1/cases")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"

    again = cli(app, "api-token", "revoke", "--id", "999999999999")
    assert again.exit_code != 0 and "No such token" in again.output


def test_revoke_needs_exactly_one_selector(app, world):
    assert cli(app, "api-token", "revoke").exit_code != 0


def test_deactivated_user_answers_401(api, world, session):
    client = api(world.users["caseworker"])
    assert client.get("/api/v1/cases").status_code == 200
    world.users["caseworker"].is_active = False
    session.commit()
    assert client.get("/api/v1/cases").status_code == 401


def test_missing_and_malformed_tokens_answer_401(client, world, token_for):
    value = token_for(world.users["caseworker"])
    attempts = [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer ipaid_not-a-real-token"},
        {"Authorization": f"Basic {value}"},
        {"Authorization": f"Bearer {value}x"},
        {"Authorization": "Bearer " + "a" * 5000},
    ]
    for headers in attempts:
        response = client.get("/api/v1/cases", headers=headers)
        assert response.status_code == 401, headers
        assert error_of(response)["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/cases", headers={"Authorization": f"bearer {value}"}).status_code == 200


def test_a_session_cookie_alone_is_not_enough(login, world):
    """The API reads no cookie: a logged-in browser cannot be made to call it (no CSRF through the API)."""
    browser = login(world.users["caseworker"])  # asserts the login form accepted the password
    response = browser.get("/api/v1/cases")
    assert response.status_code == 401
    response = browser.post("/api/v1/cases", json={"kind": "complaint"})
    assert response.status_code == 401


def test_the_api_needs_no_csrf_token(api, world):
    """CSRF protection is on in tests; a bearer request is accepted without a CSRF token."""
    response = api(world.applicant).post("/api/v1/cases", json={"kind": "complaint"})
    assert response.status_code == 422, response.get_data(as_text=True)


def test_last_used_is_recorded_at_most_once_a_minute(api, world, session):
    client = api(world.users["caseworker"])
    token = session.execute(select(ApiToken)).scalar_one()
    assert token.last_used_at is None

    assert client.get("/api/v1/cases").status_code == 200
    session.expire_all()
    first = token.last_used_at
    assert first is not None

    assert client.get("/api/v1/cases/XX-2024-00001").status_code == 404  # even a failed request is a use
    session.expire_all()
    assert token.last_used_at == first, "written again within the minute"

    token.last_used_at = utcnow() - timedelta(minutes=2)
    session.commit()
    assert client.get("/api/v1/cases").status_code == 200
    session.expire_all()
    assert token.last_used_at > first


def test_a_request_reads_its_token_user_and_centre_in_one_statement(api, world, count_statements):
    """Every API request authenticates: its token, its user and the user's centre (which the scope rules
    read) come in one statement, not one each."""
    client = api(world.users["caseworker"])
    assert client.get("/api/v1/cases").status_code == 200  # the token's first use is written
    with count_statements() as statements:
        assert client.get("/api/v1/cases").status_code == 200
    reads = [s for s in statements if re.search(r"\bapi_tokens\b|^SELECT (users|centres)\.", s.lstrip())]
    assert len(reads) == 1, reads
    assert all(re.search(rf"\b{table}\b", reads[0]) for table in ("api_tokens", "users", "centres")), reads[0]
    assert len(statements) == 2, statements  # and the page of cases


def test_rate_limit_answers_429_json(app, api, world):
    client = api(world.users["caseworker"])
    other = api(world.users["supervisor"])
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [client.get("/api/v1/cases").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = client.get("/api/v1/cases")
        assert error_of(response)["code"] == "rate_limited"
        assert other.get("/api/v1/cases").status_code == 200, "each token has its own budget"
    finally:
        app.config.pop("API_RATE_LIMIT", None)


def test_token_of_an_applicant_acts_as_the_applicant(api, world, make_case, session):
    mine = make_case(world.applicant, world.enterprise)
    theirs = make_case(world.other_applicant, world.other_enterprise)
    client = api(world.applicant)
    assert client.get(f"/api/v1/cases/{mine.number}").status_code == 200
    assert client.get(f"/api/v1/cases/{theirs.number}").status_code == 404
    assert world.applicant.role is Role.APPLICANT
