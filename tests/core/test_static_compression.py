"""Style sheets, scripts and SVG go gzipped (from the ``.gz`` made at build time) to a browser that takes
gzip, the plain file to any other; a missing or stale ``.gz`` is never sent; pages are never compressed.

Each test serves a static folder of its own (copies of the real files), so the ``.gz`` files of the
working tree play no part."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pytest

from app.core.static_gzip import compress_static

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"
FILES = {
    "vendor/bootstrap/bootstrap.min.css": "text/css; charset=utf-8",
    "js/app.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml; charset=utf-8",
}
GZIP = {"Accept-Encoding": "gzip, deflate, br, zstd"}


@pytest.fixture
def static(app, tmp_path, monkeypatch):
    """A static folder of copies of the real files, their ``.gz`` built; the app serves from it."""
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(STATIC / name, tmp_path / name)
    (tmp_path / "vendor/bootstrap/LICENSE").write_text("MIT")
    written = compress_static(tmp_path)
    assert sorted(p.name for p in written) == sorted(Path(name).name + ".gz" for name in FILES)
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("name", list(FILES))
def test_gzip_is_sent_to_a_browser_that_takes_it_and_unpacks_to_the_file(client, static, name):
    plain = client.get(f"/static/{name}")
    packed = client.get(f"/static/{name}", headers=GZIP)
    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Content-Type"] == FILES[name] == plain.headers["Content-Type"]
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert packed.headers["Content-Disposition"] == plain.headers["Content-Disposition"]
    assert int(packed.headers["Content-Length"]) == len(packed.data)
    assert gzip.decompress(packed.data) == (static / name).read_bytes() == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert packed.headers["ETag"].strip('"').endswith("-gz")
    assert packed.headers["Cache-Control"] == plain.headers["Cache-Control"]
    assert packed.headers["Last-Modified"] == plain.headers["Last-Modified"]


def test_bootstrap_goes_at_least_five_times_smaller(client, static):
    plain = client.get("/static/vendor/bootstrap/bootstrap.min.css")
    packed = client.get("/static/vendor/bootstrap/bootstrap.min.css", headers=GZIP)
    assert len(packed.data) * 5 < len(plain.data)


@pytest.mark.parametrize("headers", [{}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "br, gzip;q=0"}])
def test_the_plain_file_goes_to_a_browser_that_does_not_take_gzip(client, static, headers):
    response = client.get("/static/js/app.js", headers=headers)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.data == (static / "js/app.js").read_bytes()
    assert "Accept-Encoding" in response.headers["Vary"]  # a cache keeps both bodies apart
    assert not response.headers["ETag"].strip('"').endswith("-gz")


@pytest.mark.parametrize("headers", [{}, GZIP])
def test_a_conditional_request_is_answered_304_for_either_body(client, static, headers):
    first = client.get("/static/vendor/bootstrap/bootstrap.min.css", headers=headers)
    again = client.get(
        "/static/vendor/bootstrap/bootstrap.min.css", headers={**headers, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_the_other_bodys_etag_does_not_match(client, static):
    """A cache holding the plain file asks with its tag and gets the gzipped one whole (and the reverse)."""
    plain = client.get("/static/js/app.js")
    packed = client.get("/static/js/app.js", headers={**GZIP, "If-None-Match": plain.headers["ETag"]})
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    back = client.get("/static/js/app.js", headers={"If-None-Match": packed.headers["ETag"]})
    assert back.status_code == 200 and "Content-Encoding" not in back.headers


def test_without_its_gz_the_plain_file_goes(client, static):
    (static / "js/app.js.gz").unlink()
    response = client.get("/static/js/app.js", headers=GZIP)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.data == (static / "js/app.js").read_bytes()


def test_a_gz_older_than_its_file_is_not_sent_and_the_build_makes_it_again(client, static):
    source = static / "js/app.js"
    source.write_text(source.read_text() + "\n// changed\n")
    packed = static / "js/app.js.gz"
    os.utime(packed, (source.stat().st_mtime - 10, source.stat().st_mtime - 10))
    response = client.get("/static/js/app.js", headers=GZIP)
    assert "Content-Encoding" not in response.headers
    assert response.data == source.read_bytes()

    assert compress_static(static) == [packed]
    response = client.get("/static/js/app.js", headers=GZIP)
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == source.read_bytes()


def test_the_build_is_reproducible_and_leaves_other_files(static):
    first = (static / "js/app.js.gz").read_bytes()
    (static / "js/app.js.gz").unlink()
    compress_static(static)
    assert (static / "js/app.js.gz").read_bytes() == first
    assert first[4:8] == b"\0\0\0\0"  # no time in the gzip header
    assert compress_static(static) == []  # all fresh: nothing written
    assert not (static / "vendor/bootstrap/LICENSE.gz").exists()
    assert not list(static.rglob("*.gz.gz")) and not list(static.rglob("*.tmp"))


def test_other_files_and_missing_files(client, static):
    licence = client.get("/static/vendor/bootstrap/LICENSE", headers=GZIP)
    assert licence.status_code == 200 and "Content-Encoding" not in licence.headers
    assert client.get("/static/js/missing.js", headers=GZIP).status_code == 404
    assert client.get("/static/../config.py", headers=GZIP).status_code == 404


def test_pages_are_never_compressed(client, static):
    response = client.get("/login", headers=GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert b"<html" in response.data
