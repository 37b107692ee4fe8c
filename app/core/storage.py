"""File storage outside the web root: evidence uploads and issued documents.

Files live under ``UPLOAD_FOLDER`` at generated paths (``<area>/<yyyy>/<mm>/<random hex>``);
names given by users are kept only in the database, sanitised. Each file is
written to a temporary name, fsynced and renamed, and its SHA-256 is computed
on the way. A file written during a request that then rolls back is removed
again, so a refused or failed upload leaves neither a file nor a row.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, g, has_request_context

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to the storage root, with forward slashes
    size: int
    sha256: str


class StoredFileCorrupted(Exception):
    """A stored file no longer matches the sha256 recorded when it was kept (it is never served)."""


class TooLarge(Exception):
    pass


def root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]).resolve()


def absolute(relative: str) -> Path:
    """The file's absolute path; refuses anything that would leave the storage root."""
    base = root()
    target = (base / relative).resolve()
    if base not in target.parents:
        raise ValueError("path outside the storage root")
    return target


def _new_relative(area: str) -> str:
    now = datetime.now(UTC)
    return f"{area}/{now:%Y}/{now:%m}/{secrets.token_hex(16)}"


def store_stream(stream, area: str, max_bytes: int | None = None) -> StoredFile:
    """Copy ``stream`` into a new file under ``area``; raises ``TooLarge`` past ``max_bytes``."""
    relative = _new_relative(area)
    target = absolute(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with open(temp, "xb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise TooLarge()
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _remove_on_rollback(relative)
    return StoredFile(relative, size, digest.hexdigest())


def store_bytes(data: bytes, area: str) -> StoredFile:
    import io

    return store_stream(io.BytesIO(data), area)


def remove(relative: str) -> None:
    try:
        absolute(relative).unlink(missing_ok=True)
    except ValueError:
        pass


def _remove_on_rollback(relative: str) -> None:
    """Within a request, a file is kept only if the request commits (see ``app.core.requests``)."""
    if has_request_context():
        g.setdefault("_stored_files", []).append(relative)


def forget_request_files(committed: bool) -> None:
    """Called at the end of a request: on rollback, delete the files it wrote."""
    files = g.pop("_stored_files", []) if has_request_context() else []
    if not committed:
        for relative in files:
            remove(relative)


def sanitise_filename(name: str, fallback: str = "file") -> str:
    """A display name safe in a header and on any disk: no path, no control characters, at most 150 chars."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '<>:"|?*')
    name = name.strip(" .")
    if not name:
        name = fallback
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:150]
    return name
