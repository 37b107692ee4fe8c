"""Style sheets, scripts and SVG sent gzipped from files compressed once, at build time.

What a phone downloads is mostly Bootstrap (305 KB as files, about 55 KB gzipped). ``make setup``
writes ``<file>.gz`` next to every ``.css``, ``.js`` and ``.svg`` of the static folder (gzip level 9,
no time in the header, so the same file always gives the same bytes): ``python -m app.core.static_gzip``.

The static endpoint then sends the ``.gz`` to a browser that takes gzip, when it is at least as new as
the file it was made from (a stale or missing one is never sent: the plain file goes instead), with the
original's Content-Type, ``Content-Encoding: gzip``, ``Vary: Accept-Encoding`` and an ETag of its own
(the identity ETag's form, ``-gz`` added), so a conditional request is answered 304 for either body.
Nothing is compressed while a request is answered, and pages and API answers never are (a page carries
its CSRF token beside text a visitor may choose: BREACH); a reverse proxy may compress what it judges safe.
"""

from __future__ import annotations

import gzip
import mimetypes
import os
import sys
from pathlib import Path
from zlib import adler32

from flask import Flask, current_app, request
from werkzeug.security import safe_join
from werkzeug.utils import send_file

SUFFIXES = (".css", ".js", ".svg")


# ---- build: <file>.gz next to each file ----------------------------------------------------------------


def _fresh(original: Path, packed: Path) -> bool:
    try:
        return packed.stat().st_mtime >= original.stat().st_mtime
    except OSError:
        return False


def compress_static(folder: str | os.PathLike) -> list[Path]:
    """Write ``<file>.gz`` for every CSS, JS and SVG file under ``folder`` whose ``.gz`` is missing or older.

    Returns the files written. Each is written to a temporary name and renamed, so a server reading the
    folder meanwhile never sees half a file."""
    written = []
    for original in sorted(Path(folder).rglob("*")):
        if not original.is_file() or original.suffix not in SUFFIXES:
            continue
        packed = original.with_name(original.name + ".gz")
        if _fresh(original, packed):
            continue
        body = gzip.compress(original.read_bytes(), compresslevel=9, mtime=0)
        partial = packed.with_name(f".{packed.name}.{os.getpid()}.tmp")
        partial.write_bytes(body)
        os.replace(partial, packed)
        written.append(packed)
    return written


# ---- serving ---------------------------------------------------------------------------------------------


def _takes_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0 and "Range" not in request.headers


def send_static(filename: str):
    """The static endpoint: the fresh ``.gz`` to a browser that takes gzip, else Flask's own answer."""
    app = current_app
    max_age = app.get_send_file_max_age(filename)
    compressible = filename.endswith(SUFFIXES)
    path = safe_join(app.static_folder, filename) if compressible and _takes_gzip() else None
    if path and os.path.isfile(path) and _fresh(Path(path), Path(path + ".gz")):
        stat = os.stat(path)
        # The identity answer's ETag (Werkzeug's form) with "-gz": another body, another tag.
        etag = f"{stat.st_mtime}-{stat.st_size}-{adler32(path.encode()) & 0xFFFFFFFF}-gz"
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = send_file(
            path + ".gz",
            request.environ,
            mimetype=mimetype,
            download_name=os.path.basename(path),  # Content-Disposition names the file, not the .gz
            etag=etag,
            last_modified=stat.st_mtime,
            max_age=max_age,
            conditional=True,
        )
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = app.send_static_file(filename)
    if compressible:
        response.vary.add("Accept-Encoding")
    return response


def register_static_gzip(app: Flask) -> None:
    if app.has_static_folder and "static" in app.view_functions:
        app.view_functions["static"] = send_static


if __name__ == "__main__":  # python -m app.core.static_gzip [folder]
    target = sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "static"
    done = compress_static(target)
    print(f"  static files gzipped: {len(done)} written" if done else "  static files gzipped: up to date")
