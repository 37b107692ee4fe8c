"""Error pages: 400, 403, 404, 409, 413, 429 and 500, in Chinese and in English, and JSON under /api/."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import Conflict, Forbidden, RequestEntityTooLarge, TooManyRequests

from tests.conftest import make_app

TITLES = {
    400: ("Bad request", "请求有误"),
    403: ("Not allowed", None),
    404: ("Not found", None),
    409: ("Changed meanwhile", None),
    413: ("Too large", None),
    429: ("Too many requests", None),
    500: ("Something went wrong", None),
}


@pytest.fixture(scope="module")
def error_app(database_url):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    errors = {400: ValueError, 403: Forbidden, 409: Conflict, 413: RequestEntityTooLarge, 429: TooManyRequests}

    @app.get("/boom/<int:code>")
    def boom(code):
        if code == 500:
            raise RuntimeError("unexpected")
        if code == 400:
            from flask import abort

            abort(400)
        raise errors[code]()

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("unexpected")

    return app


@pytest.mark.parametrize("code", [400, 403, 404, 409, 413, 429, 500])
def test_error_pages_in_both_languages(error_app, code):
    from flask_babel import force_locale, gettext

    from app.core.errors import ERROR_TEXTS

    client = error_app.test_client()
    path = "/no-such-page" if code == 404 else f"/boom/{code}"
    chinese = client.get(path)
    assert chinese.status_code == code
    with error_app.test_request_context("/"), force_locale("zh_CN"):
        title_zh = str(ERROR_TEXTS[code][0])
        assert title_zh != TITLES[code][0], "untranslated error title"
    assert title_zh in chinese.get_data(as_text=True)
    client.set_cookie("lang", "en")
    english = client.get(path)
    assert english.status_code == code and TITLES[code][0] in english.get_data(as_text=True)
    assert gettext  # imported for the locale machinery


def test_api_errors_are_json(error_app):
    response = error_app.test_client().get("/api/v1/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "server_error"
    response = error_app.test_client().get("/api/v1/nothing-here", headers={"Accept-Language": "zh-CN"})
    body = response.get_json()
    assert response.status_code == 404 and body["error"]["code"] == "not_found"
    assert body["error"]["message"] != "This page does not exist, or it is not yours to see."
