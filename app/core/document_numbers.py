"""Document numbers of each centre's series, and the verification code every issued document carries.

A centre numbers the documents it issues by series (受 for acceptance notices, 不受 for notices
of non-acceptance, …; a ``DocumentSpec`` declares its series) and year, gapless, the way a
Chinese office numbers its outgoing documents: ``深知援受〔2026〕5号``. The text of a number comes
from the centre's pattern (``{prefix}{series}〔{year}〕{n}号`` unless the centre or an ancestor sets
another) and the centre's own prefix (深知援; its code when it has none), so two centres never
print the same number.

The counter is a row per (centre, series, year) taken with ``UPDATE … RETURNING`` in the issuing
transaction, exactly as case numbers are (``app.cases.services.next_case_number``): two documents
issued at once queue on the row lock (PostgreSQL) or the write lock (SQLite), and a rolled-back
issue gives its number back.

A verification code is 16 characters of an alphabet without 0/O/1/I (80 random bits), stored
without separators and printed in groups of four: ``7KQM-X3PA-…``. The public page
``/verify/<code>`` (``app.verify``) answers whether it is genuine.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base
from app.core.errors import ServiceError
from app.extensions import db

DEFAULT_PATTERN = "{prefix}{series}〔{year}〕{n}号"
PLACEHOLDERS = ("prefix", "series", "year", "n")
PATTERN_MAX = 60
PREFIX_MAX = 20
MAX_SEQUENCE = 999_999

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 characters: no 0, O, 1, I
CODE_LENGTH = 16  # 80 bits
CODE_GROUP = 4
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:5000"


class DocumentSequence(Base):
    """The last number a centre gave in one series and year."""

    __tablename__ = "document_sequences"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"), primary_key=True)
    series: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


# ---- the pattern -------------------------------------------------------------------------------------

_FIELD_RE = re.compile(r"\{([^{}]*)\}")


def check_pattern(pattern: str) -> str:
    """The pattern stripped, or a ``ServiceError`` naming what is wrong (field ``document_pattern``)."""
    pattern = (pattern or "").strip()
    if len(pattern) > PATTERN_MAX:
        raise ServiceError(
            _l("The document number pattern is too long (at most %(n)d characters).", n=PATTERN_MAX),
            field="document_pattern",
        )
    names = _FIELD_RE.findall(pattern)
    rest = _FIELD_RE.sub("", pattern)
    if "{" in rest or "}" in rest or any(name not in PLACEHOLDERS for name in names):
        raise ServiceError(
            _l("Use only the placeholders {prefix}, {series}, {year} and {n} in the pattern."),
            field="document_pattern",
        )
    if any(names.count(name) != 1 for name in PLACEHOLDERS):
        raise ServiceError(
            _l("The pattern must contain each of {prefix}, {series}, {year} and {n} once."),
            field="document_pattern",
        )
    return pattern


def check_prefix(prefix: str) -> str:
    prefix = (prefix or "").strip()
    if len(prefix) > PREFIX_MAX or "{" in prefix or "}" in prefix:
        raise ServiceError(
            _l("The document number prefix has at most %(n)d characters and no braces.", n=PREFIX_MAX),
            field="document_prefix",
        )
    return prefix


def pattern_of(centre) -> str:
    """The centre's own pattern, else the nearest ancestor's, else the default."""
    node = centre
    while node is not None:
        if node.document_pattern:
            return node.document_pattern
        node = node.parent
    return DEFAULT_PATTERN


def prefix_of(centre) -> str:
    """The centre's own prefix (never inherited: a workstation's series is its own), else its code."""
    return centre.document_prefix or centre.code


def format_number(pattern: str, prefix: str, series: str, year: int, n) -> str:
    values = {"prefix": prefix, "series": series, "year": str(year), "n": str(n)}
    return _FIELD_RE.sub(lambda m: values[m.group(1)], pattern)


def number_example(centre, series: str = "受", year: int = 2026, n: int = 5) -> str:
    return format_number(pattern_of(centre), prefix_of(centre), series, year, n)


# ---- allocation --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentNumber:
    series: str
    year: int
    sequence: int
    text: str


def next_number(centre, series: str, year: int) -> DocumentNumber:
    """Take the next number of ``centre``'s ``series`` for ``year``, in the caller's transaction."""
    stmt = (
        update(DocumentSequence)
        .where(
            DocumentSequence.centre_id == centre.id,
            DocumentSequence.series == series,
            DocumentSequence.year == year,
        )
        .values(last_value=DocumentSequence.last_value + 1)
        .returning(DocumentSequence.last_value)
        .execution_options(synchronize_session=False)
    )
    value = db.session.execute(stmt).scalar_one_or_none()
    if value is None:
        try:
            with db.session.begin_nested():
                db.session.add(DocumentSequence(centre_id=centre.id, series=series, year=year, last_value=1))
            value = 1
        except IntegrityError:  # someone created the counter meanwhile: take the next value
            value = db.session.execute(stmt).scalar_one()
    if value > MAX_SEQUENCE:
        raise ServiceError(_l("This centre has used every document number of the year in this series."))
    text = format_number(pattern_of(centre), prefix_of(centre), series, year, value)
    return DocumentNumber(series, year, value, text)


def preview_number(centre, series: str, year: int) -> str:
    """How the number will look, without taking one (a preview): the sequence left blank."""
    return format_number(pattern_of(centre), prefix_of(centre), series, year, "＿")


# ---- verification codes ------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


_STRIP = str.maketrans("", "", string.whitespace + "-‐‑‒–—―－_")


def normalise_code(text: str | None) -> str | None:
    """``7kqm-x3pa …`` -> ``7KQMX3PA…`` when it can be a code at all, else None."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    code = text.translate(_STRIP).upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def grouped(code: str) -> str:
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def public_base_url() -> str:
    """``PUBLIC_BASE_URL``, else the host of the current request, else the development server."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return DEFAULT_PUBLIC_BASE_URL


def verify_url(code: str) -> str:
    return f"{public_base_url()}/verify/{grouped(code)}"


@dataclass(frozen=True)
class Stamp:
    """What an issued document carries to be checked: its number (if its kind is numbered) and code."""

    number: DocumentNumber | None
    code: str | None
    issued_at: datetime

    def context(self, number_preview: str = "") -> dict:
        """The plain values the PDF templates read as ``stamp``."""
        if self.code is None:  # a preview: nothing is taken, nothing can be verified
            return {"number": number_preview, "code": "", "url": "", "base_url": "", "preview": True}
        return stamp_values(self.number.text if self.number else "", self.code)


def stamp_values(number: str, code: str) -> dict:
    """The plain values the PDF templates read as ``stamp`` for an issued document's number and verification
    code (a document issued now, or the original a reading copy in another language stands for)."""
    return {
        "number": number,
        "code": grouped(code),
        "url": verify_url(code),
        "base_url": public_base_url(),
        "preview": False,
    }


def stamp_for(centre, series: str | None, issued_at: datetime) -> Stamp:
    """Take a number of ``series`` (when the kind is numbered) and a fresh code for a document."""
    from app.core.workdays import china_day

    number = next_number(centre, series, china_day(issued_at).year) if series else None
    return Stamp(number, new_code(), issued_at)
