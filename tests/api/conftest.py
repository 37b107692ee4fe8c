"""Fixtures of the API tests: tokens and a client that sends them."""

from __future__ import annotations

import pytest


@pytest.fixture
def token_for(session):
    """``token_for(user)``: a new API token of ``user`` (the value, shown once)."""
    from app.api.services import issue_token

    def make(user, name="tests"):
        _token, value = issue_token(user, name)
        session.commit()
        return value

    return make


class ApiClient:
    """A test client that sends a bearer token and a language with every request."""

    def __init__(self, client, token: str | None, language: str = "en"):
        self.client = client
        self.token = token
        self.language = language

    def headers(self, extra=None) -> dict:
        headers = {"Accept-Language": self.language}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def get(self, path, **kw):
        return self.client.get(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, path, **kw):
        return self.client.post(path, headers=self.headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def api(app, token_for):
    """``api(user, language="en")``: a client acting as ``user`` through a fresh token."""

    def make(user, language="en"):
        return ApiClient(app.test_client(), token_for(user), language)

    return make


def error_of(response) -> dict:
    """The ``error`` object of a JSON error answer (asserting its shape)."""
    assert response.is_json, (response.status_code, response.get_data(as_text=True)[:300])
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]
