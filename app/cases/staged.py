"""Staged uploads: files chosen in a form that then failed, kept so nobody has to choose them again.

A file sent with a form (a filing, the answer to a request for material) passes the same
checks as any evidence (``attachments.store_checked``: size, emptiness, type from the bytes,
macros) and is then kept as a ``StagedUpload`` of its uploader, under a random token. The
form, shown again, lists it as "kept: <name> (remove)" and sends the token back; when the
form finally succeeds, the staged files become the case's evidence. A token works only for
the user who uploaded the file (anyone else's is ignored), and only for a day: the
``sla-scan`` removes older ones, rows and files (``purge_stale``).

Staging commits on its own (``keep``), because the failed form's request rolls back.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import g, has_request_context
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core import storage
from app.core.db import Base, UTCDateTime, utcnow
from app.extensions import db

STORAGE_AREA = "staged"
LIFETIME = timedelta(days=1)
MAX_TOKENS = 20  # a form sends back at most this many kept files


class StagedUpload(Base):
    """A checked file waiting for its form to succeed; only its owner may use it."""

    __tablename__ = "staged_uploads"
    __table_args__ = (
        CheckConstraint("size > 0", name="size_positive"),
        Index("ix_staged_uploads_owner_id_created_at", "owner_id", "created_at"),
        Index("ix_staged_uploads_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    storage_path: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def checked(self):
        from app.cases.attachments import CheckedFile

        return CheckedFile(
            self.filename, self.content_type, storage.StoredFile(self.storage_path, self.size, self.sha256)
        )


def stage(owner, file_storage) -> StagedUpload:
    """Check and keep one uploaded file for ``owner`` (raises the evidence checks' errors). Flushes."""
    from app.cases.attachments import store_checked

    stream = getattr(file_storage, "stream", None)
    if stream is not None and hasattr(stream, "seek"):
        stream.seek(0)  # the same request may have read it once already
    checked = store_checked(file_storage, STORAGE_AREA)
    row = StagedUpload(
        owner_id=owner.id,
        token=secrets.token_urlsafe(24),
        filename=checked.filename,
        size=checked.stored.size,
        sha256=checked.stored.sha256,
        content_type=checked.content_type,
        storage_path=checked.stored.path,
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def keep(rows: list[StagedUpload], removed_paths: list[str] = ()) -> None:
    """Commit the staged rows now and keep their files although the request goes on to fail;
    the files of those discarded (``removed_paths``) go once that is committed."""
    db.session.commit()
    for path in removed_paths:
        storage.remove(path)
    if has_request_context():
        written = g.get("_stored_files", [])
        for row in rows:
            if row.storage_path in written:
                written.remove(row.storage_path)


def tokens_from(form) -> list[str]:
    """The kept files a form sent back: its ``staged`` tokens, less those ticked ``unstage``."""
    removed = set(form.getlist("unstage"))
    tokens = []
    for token in form.getlist("staged"):
        if isinstance(token, str) and 0 < len(token) <= 64 and token not in removed and token not in tokens:
            tokens.append(token)
    return tokens[:MAX_TOKENS]


def owned(owner, tokens: list[str], now: datetime | None = None) -> list[StagedUpload]:
    """The staged uploads of ``owner`` among ``tokens`` that are still fresh, in the order given;
    anyone else's token, an expired or an unknown one is left out."""
    if not tokens or owner is None or not getattr(owner, "id", None):
        return []
    since = (now or utcnow()) - LIFETIME
    rows = db.session.execute(
        select(StagedUpload).where(
            StagedUpload.token.in_(tokens), StagedUpload.owner_id == owner.id, StagedUpload.created_at > since
        )
    ).scalars()
    by_token = {row.token: row for row in rows}
    return [by_token[t] for t in tokens if t in by_token]


def discard(owner, tokens: list[str]) -> list[str]:
    """Delete ``owner``'s staged uploads among ``tokens`` (the user ticked "remove"); flushes and
    returns their files' paths, for ``keep`` to remove once committed."""
    rows = owned(owner, tokens)
    paths = [row.storage_path for row in rows]
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    return paths


def attach_all(case, actor, rows: list[StagedUpload], description: str = "") -> list:
    """Make the staged files evidence of ``case`` (the same record and event as any upload); the
    files stay where they are and now belong to the attachments. Flushes."""
    from app.cases.attachments import attach_stored

    attachments = []
    for row in rows:
        attachments.append(attach_stored(case, actor, row.checked(), description))
        db.session.delete(row)
    db.session.flush()
    return attachments


def purge_stale(now: datetime | None = None) -> int:
    """Delete the staged uploads older than a day, their files included; commits. Returns how many."""
    cutoff = (now or utcnow()) - LIFETIME
    rows = list(
        db.session.execute(select(StagedUpload.id, StagedUpload.storage_path).where(StagedUpload.created_at <= cutoff))
    )
    if not rows:
        return 0
    db.session.execute(delete(StagedUpload).where(StagedUpload.id.in_([r.id for r in rows])))
    db.session.commit()
    for row in rows:
        storage.remove(row.storage_path)
    return len(rows)
