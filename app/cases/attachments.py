"""Evidence files of a case: adding them (a write with its audit event) and finding them again.

A file is streamed to storage (size limit and SHA-256 on the way), then its type is
judged from the stored bytes (``app.core.filetypes``), never from its name. Any
refusal or failure after the bytes were written removes them again at once, and a
request that ends in an error rolls back and removes whatever it stored, so a
refused upload leaves neither a file nor a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.cases.models import Attachment, Case
from app.cases.permissions import can_act_on_case, may_write
from app.cases.services import ActionRefused, lock_case, record_event
from app.core import filetypes, storage
from app.core.errors import ServiceError
from app.extensions import db

STORAGE_AREA = "evidence"
MAX_DESCRIPTION = 300


class FileTooLarge(ServiceError):
    """The file is larger than ``EVIDENCE_MAX_BYTES`` (the API answers 413)."""


class FileTypeRefused(ServiceError):
    """The file's content is not one of the accepted types (the API answers 415)."""


class EmptyFile(ServiceError):
    """The file has no content (422)."""


def max_bytes() -> int:
    return int(current_app.config["EVIDENCE_MAX_BYTES"])


def human_size(size: int) -> str:
    """A size for people: KB below one megabyte, MB above (1 KB = 1024 bytes)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size / 1024, 0.1):.1f} KB"


def can_add_evidence(user, case: Case) -> bool:
    """Those who may act on the case may add files while it is open."""
    return case.is_open and can_act_on_case(user, case) and may_write(user, case, "add_evidence")


def check_may_add(actor, case: Case) -> None:
    """Raise ``ActionRefused`` (forbidden for those who may not act on the case) unless ``actor``
    may add files to ``case`` now."""
    if not can_act_on_case(actor, case) or not may_write(actor, case, "add_evidence"):
        raise ActionRefused([_l("You may not add files to this case.")], forbidden=True)
    if not case.is_open:
        raise ActionRefused(
            [_l("Files can no longer be added: the case is %(state)s.", state=case.state.label)],
        )


def add_attachment(case: Case, actor, file_storage, description: str = "") -> Attachment:
    """Store an uploaded evidence file (a werkzeug ``FileStorage``) and record it on the case.

    Raises ``ActionRefused`` when the actor may not add files or the case is no longer open,
    ``EmptyFile``, ``FileTooLarge`` past ``EVIDENCE_MAX_BYTES`` and ``FileTypeRefused`` when
    the content is not an accepted type. Flushes; the caller commits.
    """
    check_may_add(actor, case)
    description = clean_description(description)
    checked = store_checked(file_storage, STORAGE_AREA)
    try:
        return attach_stored(case, actor, checked, description)
    except BaseException:
        storage.remove(checked.stored.path)
        raise


def clean_description(description) -> str:
    """A file's description, checked (``ServiceError`` beside the description field when too long)."""
    description = (description or "").replace("\x00", "").strip() if isinstance(description, str) else ""
    if len(description) > MAX_DESCRIPTION:
        raise ServiceError(
            _l("%(field)s is too long (at most %(n)d characters).", field=_l("Description"), n=MAX_DESCRIPTION),
            field="description",
        )
    return description


@dataclass(frozen=True)
class CheckedFile:
    """A file stored and judged: its display name (extension agreeing with the content), type and bytes."""

    filename: str
    content_type: str
    stored: storage.StoredFile


def store_checked(file_storage, area: str) -> CheckedFile:
    """Stream an uploaded file to storage under ``area`` and judge it as evidence: not empty, not
    larger than ``EVIDENCE_MAX_BYTES``, an accepted type (from its bytes). A refused file is
    removed at once (``EmptyFile``, ``FileTooLarge``, ``FileTypeRefused``)."""
    name = storage.sanitise_filename(getattr(file_storage, "filename", None) or "", fallback="evidence")
    limit = max_bytes()
    try:
        stored = storage.store_stream(file_storage.stream, area, max_bytes=limit)
    except storage.TooLarge:
        raise FileTooLarge(
            _l(
                "%(name)s is larger than %(limit)s, the largest file accepted.",
                name=name,
                limit=human_size(limit),
            )
        ) from None
    try:
        if stored.size == 0:
            raise EmptyFile(_l("%(name)s is empty.", name=name))
        filetype = filetypes.detect_path(storage.absolute(stored.path))
        if filetype is None:
            raise FileTypeRefused(
                _l(
                    "%(name)s is not a type of file we accept. %(accepted)s",
                    name=name,
                    accepted=filetypes.ACCEPTED_TYPES_TEXT,
                )
            )
    except BaseException:
        storage.remove(stored.path)
        raise
    return CheckedFile(filetypes.display_name(name, filetype), filetype.content_type, stored)


def attach_stored(case: Case, actor, checked: CheckedFile, description: str = "") -> Attachment:
    """Record a file already stored and judged (``store_checked``, or a staged upload) as evidence
    of ``case``, with its audit event. Does not remove the file when refused: its owner does."""
    # Under the case's row lock: a case closed meanwhile takes no more files.
    case = lock_case(case)
    check_may_add(actor, case)
    attachment = Attachment(
        case_id=case.id,
        uploaded_by_id=actor.id,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.stored.size,
        sha256=checked.stored.sha256,
        storage_path=checked.stored.path,
        description=description,
    )
    db.session.add(attachment)
    db.session.flush()
    data = {"attachment": attachment.id, "filename": attachment.filename, "sha256": checked.stored.sha256}
    record_event(case, actor, "add_evidence", comment=description, data=data)
    return attachment


def get_attachment(case: Case, attachment_id) -> Attachment | None:
    """The attachment if it belongs to ``case``, else None (the caller answers 404)."""
    try:
        attachment_id = int(attachment_id)
    except (TypeError, ValueError):
        return None
    if not 0 < attachment_id < 2**31:
        return None
    return db.session.execute(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.case_id == case.id)
    ).scalar_one_or_none()


def list_attachments(case: Case) -> list[Attachment]:
    """The case's files, oldest first, with their uploaders loaded; read once for the session until
    anything is written (``kept``): the case page's evidence list and its referral form both ask."""
    from app.core.db import kept

    def read():
        return list(
            db.session.execute(
                select(Attachment)
                .where(Attachment.case_id == case.id)
                .order_by(Attachment.created_at, Attachment.id)
                .options(selectinload(Attachment.uploaded_by))
            ).scalars()
        )

    return list(kept(("case_attachments", case.id), read))


def open_attachment(attachment: Attachment) -> Path:
    """The stored file's absolute path (never outside the storage root)."""
    return storage.absolute(attachment.storage_path)
