"""Style sheets and scripts go compressed to a browser that takes it; pages and API answers never do
(a page carries its CSRF token beside text a visitor chooses: BREACH)."""

from __future__ import annotations

import gzip

import pytest


@pytest.mark.parametrize("path", ["/static/vendor/bootstrap/bootstrap.min.css", "/static/js/app.js"])
def test_static_text_is_sent_compressed_and_the_same_once_unpacked(client, app, path):
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    packed = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2
    assert int(packed.headers["Content-Length"]) == len(packed.data)
    # the second answer comes from what was kept, and is the same
    again = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert again.data == packed.data
    # a browser that has it answers 304, whatever the encoding
    etag = packed.headers["ETag"]
    assert client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": etag}).status_code == 304


def test_pages_and_api_answers_are_never_compressed(client):
    for path in ("/login", "/api/v1/openapi.json"):
        response = client.get(path, headers={"Accept-Encoding": "gzip, br, zstd"})
        assert "Content-Encoding" not in response.headers, path


def test_a_range_of_a_static_file_is_left_as_it_is(client):
    response = client.get(
        "/static/vendor/bootstrap/bootstrap.min.css", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-99"}
    )
    assert response.status_code == 206 and "Content-Encoding" not in response.headers and len(response.data) == 100
