"""Style sheets, scripts and SVG sent compressed (zstd, brotli or gzip, as the browser takes them).

A page's own weight is small; what a phone downloads is mostly Bootstrap (300 KB as files, about 55 KB
compressed). Flask-Compress does the encoding and the content negotiation; only the ``static``
endpoint's answers go through it. Pages and API answers are never compressed: a page carries its CSRF
token next to text a visitor may choose, which compression would let an eavesdropper guess (BREACH),
and the reverse proxy of a deployment may compress what it judges safe.

Each static file is compressed once per encoding and process, keyed by its path and ETag (so a file
changed on disk is compressed again).
"""

from __future__ import annotations

from flask import Flask, request
from flask_compress import Compress

STATIC_MIMETYPES = ["text/css", "application/javascript", "text/javascript", "image/svg+xml"]
KEPT = 256  # files kept compressed per process (the static folder holds a few dozen)


class _Kept(dict):
    """Flask-Compress's cache backend: compressed bodies by encoding, path and ETag, bounded."""

    def set(self, key, value) -> None:
        if key not in self and len(self) >= KEPT:
            self.clear()
        self[key] = value


def _key(req) -> str:
    return f"{req.path};{req.environ.get('ipaid.static_etag', '')}"


def register_compression(app: Flask) -> None:
    app.config.setdefault("COMPRESS_REGISTER", False)  # not every answer: the static files only
    app.config.setdefault("COMPRESS_MIMETYPES", STATIC_MIMETYPES)
    app.config.setdefault("COMPRESS_STREAMS", False)
    app.config.setdefault("COMPRESS_CACHE_KEY", _key)
    kept = _Kept()
    app.config.setdefault("COMPRESS_CACHE_BACKEND", lambda: kept)
    compress = Compress(app)

    @app.after_request
    def _compress_static(response):
        if request.endpoint != "static" or response.status_code != 200 or "Range" in request.headers:
            return response
        if response.mimetype not in compress.compress_mimetypes_set:
            return response
        # The file is read into the answer, so it is compressed (and kept) like any body.
        etag, _weak = response.get_etag()
        request.environ["ipaid.static_etag"] = etag or ""
        response.direct_passthrough = False
        response.set_data(response.get_data())
        return compress.after_request(response)
