"""Import of an agency list from CSV: all rows or none.

The first line names the columns (``centre,name,kind,rights,address,email,phone,contact``; the Chinese
names of the columns are understood too). ``centre`` is a centre's code or its region text (empty: the
region the import is for); ``kind`` an ``AgencyKind`` value or its label in either language; ``rights``
values or labels separated by ``;``, ``；``, ``、`` or ``，``. The file is UTF-8, with or without BOM, or
GB18030 as Excel saves it in China. Every row is checked first; if any is bad nothing is written and each
bad row is reported with its line number and reasons. A row whose region already has an agency of that
name updates it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.agencies import services
from app.agencies.models import Agency, AgencyKind
from app.agencies.words import HEADER_ALIASES, KIND_ALIASES, RIGHT_ALIASES
from app.cases.enums import IPType
from app.centres.models import Centre, CentreLevel
from app.core.db import utcnow
from app.core.errors import ServiceError
from app.extensions import db

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
COLUMNS = ("centre", "name", "kind", "rights", "address", "email", "phone", "contact")
REQUIRED_COLUMNS = ("name", "kind", "rights")
RIGHT_SEPARATORS = re.compile(r"[;；、，,/|]")


class ImportRefused(ServiceError):
    """The file as a whole cannot be read (``problems`` empty), or rows are bad (each in ``problems``)."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True)
class RowProblem:
    line: int
    reasons: list = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _key(text: str) -> str:
    """How a kind or right is matched: case, spaces, underscores, hyphens and brackets do not count."""
    return re.sub(r"[\s_\-()（）]", "", (text or "").casefold())


def _labels_of(enum_cls) -> dict[str, object]:
    """Each member by its value and its label in both languages."""
    found = {}
    for member in enum_cls:
        found[_key(member.value)] = member
        for locale in ("zh_CN", "en"):
            with force_locale(locale):
                found.setdefault(_key(member.label), member)
    return found


def _kinds() -> dict[str, AgencyKind]:
    found = _labels_of(AgencyKind)
    for alias, kind in KIND_ALIASES.items():
        found.setdefault(_key(alias), kind)
    return found


def _rights() -> dict[str, tuple]:
    found = {k: (v,) for k, v in _labels_of(IPType).items()}
    for alias, types in RIGHT_ALIASES.items():
        found.setdefault(_key(alias), types)
    return found


# ---- reading the file -------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (a BOM is dropped), UTF-16 with its BOM, else GB18030."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(_l("This is an Excel workbook, not a CSV file: save it as “CSV UTF-8” and upload that."))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                return data.decode("gb18030").lstrip("\ufeff")
            except UnicodeDecodeError:
                pass
    raise ImportRefused(_l("The file is not text in UTF-8 or GB18030: save it from Excel as “CSV UTF-8”."))


def _header(row: list[str]) -> list[str | None]:
    columns = []
    for cell in row:
        name = cell.strip().lstrip("\ufeff").strip()
        name = HEADER_ALIASES.get(name, name.lower())
        columns.append(name if name in COLUMNS else None)
    named = [c for c in columns if c]
    missing = [c for c in REQUIRED_COLUMNS if c not in named]
    unknown = [cell.strip() for cell, c in zip(row, columns, strict=True) if c is None and cell.strip()]
    if missing or unknown or len(set(named)) != len(named):
        raise ImportRefused(
            _l(
                "The first line must name the columns: %(columns)s (centre, address, email, phone and contact may "
                "be left out).",
                columns=",".join(COLUMNS),
            )
        )
    return columns


def read_rows(text: str) -> tuple[list[str | None], list[tuple[int, dict]]]:
    """The columns and the rows that are not blank, each with the line it starts on."""
    delimiter = "\t" if "\t" in text.split("\n", 1)[0] and "," not in text.split("\n", 1)[0] else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    line = 1
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ImportRefused(_l("The file is empty."))
        columns = _header(header)
        line = reader.line_num + 1
        for row in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportRefused(_l("The file has more than %(n)d rows: split it into several files.", n=MAX_ROWS))
            cells = {c: "" for c in COLUMNS}
            extra = len(row) > len(columns) and any(cell.strip() for cell in row[len(columns) :])
            for name, cell in zip(columns, row, strict=False):
                if name is not None:
                    cells[name] = cell
            rows.append((start, {**cells, "_extra": extra}))
    except csv.Error:
        raise ImportRefused(_l("The file could not be read as CSV near line %(line)d.", line=line)) from None
    if not rows:
        raise ImportRefused(_l("The file has no agency rows below its first line."))
    return columns, rows


# ---- judging the rows -------------------------------------------------------------------------------------


class _Centres:
    """Finds a row's centre by code or region text, among those the import may write to."""

    def __init__(self, actor, default_centre: Centre | None):
        self.default = default_centre
        self.all = list(db.session.execute(select(Centre)).scalars())
        self.by_code = {c.code.upper(): c for c in self.all}
        self.actor = actor

    def allowed(self, centre: Centre) -> bool:
        if not services.may_manage(self.actor, centre):
            return False
        return self.default is None or centre.path.startswith(self.default.path)

    def find(self, text: str):
        """``(centre, None)`` or ``(None, reason)``."""
        text = text.strip()
        if not text:
            if self.default is None:
                return None, _l("Give the centre's code or region in the centre column.")
            return self.default, None
        centre = self.by_code.get(text.upper())
        if centre is None:
            matches = [c for c in self.all if text in (c.region, c.name_zh)]
            if len(matches) > 1:  # a region's own centre before a sub-centre or workstation of the same place
                regional = [c for c in matches if c.level not in (CentreLevel.SUB_CENTRE, CentreLevel.WORKSTATION)]
                matches = regional if len(regional) == 1 else matches
            if len(matches) > 1:
                return None, _l("Several centres serve “%(text)s”: give the centre's code instead.", text=text)
            centre = matches[0] if matches else None
        if centre is None:
            return None, _l("No centre has the code or region “%(text)s”.", text=text)
        if not self.allowed(centre):
            if self.default is not None:
                return None, _l(
                    "The centre %(code)s is outside the region of this import (%(region)s).",
                    code=centre.code,
                    region=self.default.region or self.default.name_zh,
                )
            return None, services.OUT_OF_SCOPE
        return centre, None


def _column(name: str, message) -> object:
    return _l("Column %(column)s: %(message)s", column=name, message=message)


def _parse_kind(text: str, kinds: dict):
    kind = kinds.get(_key(text))
    if kind is None and text.strip():
        return None, _l("“%(text)s” is not a kind of agency.", text=text.strip())
    return kind, None


def _parse_rights(text: str, rights: dict):
    found, unknown = [], []
    for item in RIGHT_SEPARATORS.split(text or ""):
        if not item.strip():
            continue
        types = rights.get(_key(item))
        if types is None:
            unknown.append(item.strip())
        else:
            found.extend(t.value for t in types)
    if unknown:
        return None, _l("Not a type of right: %(items)s.", items="、".join(f"“{u}”" for u in unknown[:5]))
    return found, None


def _judge(columns_rows, centres: _Centres):
    """``(ok rows [(line, centre, fields)], problems)``; a row's reasons in the order of its columns."""
    kinds, rights = _kinds(), _rights()
    good, problems, seen = [], [], {}
    for line, cells in columns_rows:
        found = []  # (column, message): column None for the row as a whole
        if cells["_extra"]:
            found.append((None, _l("This row has more cells than the first line has columns.")))
        centre, reason = centres.find(cells["centre"])
        if reason is not None:
            found.append(("centre", reason))
        kind, kind_problem = _parse_kind(cells["kind"], kinds)
        values, rights_problem = _parse_rights(cells["rights"], rights)
        found.extend((f, p) for f, p in (("kind", kind_problem), ("rights", rights_problem)) if p is not None)
        own = {f for f, _p in found}
        fields, field_problems = services.clean(
            name=cells["name"],
            kind=kind,
            rights=values or [],
            address=cells["address"],
            email=cells["email"],
            phone=cells["phone"],
            contact=cells["contact"],
        )
        found.extend((f, message) for f, message in field_problems if f not in own)
        found.sort(key=lambda pair: -1 if pair[0] is None else COLUMNS.index(pair[0]))
        reasons = [message if column is None else _column(column, message) for column, message in found]
        if fields is not None and centre is not None:
            key = (centre.id, fields.name)
            if key in seen:
                reasons.append(_l("Line %(line)d already has an agency of this name in this region.", line=seen[key]))
            else:
                seen[key] = line
        if reasons:
            problems.append(RowProblem(line, reasons))
        else:
            good.append((line, centre, fields))
    return good, problems


# ---- writing ----------------------------------------------------------------------------------------------


def _same(agency: Agency, fields: services.AgencyFields) -> bool:
    return (
        agency.kind == fields.kind
        and list(agency.rights or []) == fields.rights
        and (agency.address, agency.email, agency.phone, agency.contact)
        == (fields.address, fields.email, fields.phone, fields.contact)
    )


def existing_agencies(centre_ids) -> dict[tuple[int, str], Agency]:
    """The agencies of the regions ``centre_ids`` by (region, name): the rows an import updates."""
    found = db.session.execute(select(Agency).where(Agency.centre_id.in_(centre_ids))).scalars()
    return {(a.centre_id, a.name): a for a in found}


def import_agencies(actor, data: bytes, default_centre: Centre | None = None) -> ImportResult:
    """Import the CSV ``data`` for ``actor`` (an administrator; None: the command line) into the regions of
    ``default_centre``'s subtree (None: any the actor manages). All rows or none: ``ImportRefused`` names
    the file's problem or every bad row. Flushes; the caller commits."""
    if actor is not None and not services.may_manage(actor, actor.centre):
        raise ServiceError(_l("Only administrators can do this."))
    if default_centre is not None and not services.may_manage(actor, default_centre):
        raise ServiceError(services.OUT_OF_SCOPE)
    if len(data) > MAX_BYTES:
        raise ImportRefused(_l("The file is larger than %(n)d MB.", n=MAX_BYTES // (1024 * 1024)))
    _columns, rows = read_rows(decode(data))
    good, problems = _judge(rows, _Centres(actor, default_centre))
    if problems:
        raise ImportRefused(
            _l("Nothing was imported: %(n)d of %(total)d rows have problems.", n=len(problems), total=len(rows)),
            problems,
        )
    existing = existing_agencies({centre.id for _line, centre, _f in good})
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    now = utcnow()

    def write():
        for _line, centre, fields in good:
            agency = existing.get((centre.id, fields.name))
            if agency is None:
                agency = Agency(centre=centre, is_active=True, created_at=now, name=fields.name)
                db.session.add(agency)
                counts["created"] += 1
            elif _same(agency, fields):
                counts["unchanged"] += 1
                continue
            else:
                counts["updated"] += 1
            agency.kind, agency.rights = fields.kind, list(fields.rights)
            agency.address, agency.email = fields.address, fields.email
            agency.phone, agency.contact = fields.phone, fields.contact
            agency.updated_at = now
        db.session.flush()

    try:
        with db.session.begin_nested():  # begun before the writes: a refusal leaves the transaction usable
            write()
    except IntegrityError:
        raise ImportRefused(
            _l("Someone changed the directory meanwhile; nothing was imported. Please try again.")
        ) from None
    return ImportResult(**counts)
