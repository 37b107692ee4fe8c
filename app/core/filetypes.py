"""What a file is, judged from its content and never from its name.

Evidence files come from outside and are opened by staff on their own computers,
so only a short list of document and image formats is accepted: PDF, OFD (the
national format of electronic invoices), JPEG, PNG, GIF, WebP, Word and Excel
(OOXML and the legacy OLE2 formats) and plain text. Everything else, including
executables, HTML, scripts, macro-enabled Office files and general ZIP archives
(which could carry any of those), is refused. Office files are looked into: a legacy
file with a macro storage (listed with ``olefile``), and a ZIP-based one with a macro
part, a program, a part outside its format's layout or an entry name that leads out
of the archive (``..``, an absolute path) are refused. Pure Python, no libmagic.

``detect(file)`` reads a seekable binary file and answers a ``FileType`` (content
type and canonical extension) or ``None`` when the file is refused; ``refusal_reason(file)``
then says why in the user's language when there is more to say than "not a type we
accept" (macros, a program or a stray part inside a document). The name a
user gave is kept for display, but ``display_name`` makes its extension agree
with the content, so ``invoice.exe`` holding a PDF downloads as ``invoice.exe.pdf``.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import NamedTuple

import olefile
from flask_babel import lazy_gettext as _l

CHUNK = 1024 * 1024


class FileType(NamedTuple):
    content_type: str
    extension: str


PDF = FileType("application/pdf", "pdf")
OFD = FileType("application/ofd", "ofd")
JPEG = FileType("image/jpeg", "jpg")
PNG = FileType("image/png", "png")
GIF = FileType("image/gif", "gif")
WEBP = FileType("image/webp", "webp")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
DOC = FileType("application/msword", "doc")
XLS = FileType("application/vnd.ms-excel", "xls")
TEXT_UTF8 = FileType("text/plain; charset=utf-8", "txt")
TEXT_UTF16 = FileType("text/plain; charset=utf-16", "txt")
TEXT_GB18030 = FileType("text/plain; charset=gb18030", "txt")

# Extensions a user's name may keep for each canonical extension (compared in lower case).
EXTENSION_ALIASES = {
    "pdf": {"pdf"},
    "ofd": {"ofd"},
    "jpg": {"jpg", "jpeg", "jpe", "jfif"},
    "png": {"png"},
    "gif": {"gif"},
    "webp": {"webp"},
    "docx": {"docx"},
    "xlsx": {"xlsx"},
    "doc": {"doc"},
    "xls": {"xls"},
    "txt": {"txt", "text", "csv", "log", "md"},
}

# For the upload form's ``accept`` attribute: a hint to the browser's file picker, not a check.
ACCEPT = ",".join(
    [".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".doc", ".docx", ".xls", ".xlsx", ".txt", ".csv"]
)

ACCEPTED_TYPES_TEXT = _l(
    "Accepted are PDF and OFD documents, JPEG, PNG, GIF and WebP images, "
    "Word (.doc, .docx) and Excel (.xls, .xlsx) files and plain text."
)

_LABELS = {
    PDF.content_type: _l("PDF document"),
    OFD.content_type: _l("OFD document"),
    JPEG.content_type: _l("JPEG image"),
    PNG.content_type: _l("PNG image"),
    GIF.content_type: _l("GIF image"),
    WEBP.content_type: _l("WebP image"),
    DOCX.content_type: _l("Word document"),
    DOC.content_type: _l("Word document"),
    XLSX.content_type: _l("Excel workbook"),
    XLS.content_type: _l("Excel workbook"),
}


def type_label(content_type: str):
    """A short human name of a detected type, e.g. "PDF document"."""
    if content_type.startswith("text/plain"):
        return _l("Text")
    return _LABELS.get(content_type, content_type)


# ---- detection ---------------------------------------------------------------------------------------


# Why a file was refused, when there is more to say than that its type is not accepted.
MACROS = "macros"
UNSAFE_PARTS = "unsafe_parts"

REFUSAL_REASONS = {
    MACROS: _l(
        "It contains macros, which can run programs on the computer that opens it. "
        "Save it without macros (for example as .docx or .xlsx) and upload it again."
    ),
    UNSAFE_PARTS: _l(
        "It contains parts that do not belong in a document of its type, such as a program or a file "
        "placed outside the document. Save it again from the program that made it, or upload it as a PDF."
    ),
}


class _Refused(Exception):
    """Raised inside detection when a file is refused for a reason worth telling (see REFUSAL_REASONS)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def detect(fileobj) -> FileType | None:
    """The type of a seekable binary file from its content, or None when it is refused."""
    try:
        return _detect(fileobj)
    except _Refused:
        return None


def refusal_reason(fileobj):
    """Why ``detect`` refuses the file, as a message in the user's language, when there is more to
    say than that its type is not accepted (macros, a program or a stray part inside a document);
    None otherwise (an accepted file, or one whose type is simply not accepted)."""
    try:
        _detect(fileobj)
    except _Refused as refused:
        return REFUSAL_REASONS[refused.reason]
    return None


def _detect(fileobj) -> FileType | None:
    fileobj.seek(0)
    head = fileobj.read(16)
    if not head:
        return None
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(OLE2_SIGNATURE):
        return _detect_ole2(fileobj)
    if head.startswith(b"PK\x03\x04"):
        # Only a file that *starts* as a ZIP: a self-extracting executable has its archive at the end.
        return _detect_zip(fileobj)
    return _detect_text(fileobj)


def detect_bytes(data: bytes) -> FileType | None:
    return detect(io.BytesIO(data))


def detect_path(path: str | Path) -> FileType | None:
    with open(path, "rb") as fh:
        return detect(fh)


def display_name(filename: str, filetype: FileType) -> str:
    """``filename`` with an extension that agrees with the content: kept when it does, else the
    canonical one appended (so a renamed file cannot open in another program than its type's)."""
    stem, dot, ext = filename.rpartition(".")
    if dot and stem and ext.lower() in EXTENSION_ALIASES[filetype.extension]:
        return filename
    return f"{filename}.{filetype.extension}"


# ---- ZIP containers: OOXML and OFD -------------------------------------------------------------------

# Parts that hold a VBA project, wherever they are (``word/vbaProject.bin`` in a .docm, ``xl/...`` in an .xlsm).
_MACRO_PARTS = {
    "vbaproject.bin",
    "vbadata.xml",
    "vbaprojectsignature.bin",
    "vbaprojectsignatureagile.bin",
    "vbaprojectsignaturev3.bin",
}
# Members that are macro-enabled Office files themselves (embedded in a document).
_MACRO_EXTENSIONS = {"docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm", "ppam", "sldm"}
# Members that are programs, scripts or shortcuts to one: no document carries them.
_PROGRAM_EXTENSIONS = {
    "exe", "dll", "com", "scr", "pif", "cpl", "msi", "msp", "msc", "sys", "ocx", "drv", "efi",
    "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "sct", "jar",
    "class", "lnk", "url", "scf", "inf", "reg", "sh", "bash", "py", "pyc", "pl", "apk", "app",
    "dmg", "pkg", "deb", "rpm", "so", "dylib", "elf",
}  # fmt: skip
_PROGRAM_MAGIC = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"#!")
# The top level of each format as Word, Excel, WPS and the invoice platforms write it (lower case):
# OOXML has its content types (the one file at the top), relationships, properties, custom XML,
# signatures and Office's "[trash]" beside its main folder; OFD has its entry file and one folder
# per document.
_OOXML_DIRS = {"_rels", "docprops", "customxml", "_xmlsignatures", "[trash]"}
_OOXML_MAIN = {DOCX: "word", XLSX: "xl"}
_OFD_DOCUMENT = re.compile(r"^doc_[0-9]+$")
# Embedded objects are looked into (for macros, programs) up to this size each, after decompression.
MAX_EMBEDDED = 64 * 1024 * 1024


def _detect_zip(fileobj) -> FileType | None:
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
            names = [info.filename.lower() for info in infos]
            _check_entry_names(infos)
            filetype = _zip_type(set(names))
            if filetype is None:
                return None
            _check_members(filetype, infos)
            _check_embedded(archive, infos)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error, RuntimeError):
        return None  # malformed, or encrypted members (RuntimeError): not a document we can vouch for
    return filetype


def _zip_type(names: set[str]) -> FileType | None:
    if "[content_types].xml" in names:
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
        return None
    if "ofd.xml" in names:
        return OFD
    return None


def _check_entry_names(infos) -> None:
    """Every entry stays inside the archive: no absolute path, drive letter or ``..``; no entry twice."""
    seen: set[str] = set()
    for info in infos:
        for name in {info.filename, info.orig_filename}:
            path = name.replace("\\", "/")
            if (
                not path
                or "\x00" in path
                or path.startswith("/")
                or re.match(r"^[A-Za-z]:", path)
                or ".." in path.split("/")
            ):
                raise _Refused(UNSAFE_PARTS)
        key = info.filename.replace("\\", "/").lower()
        if key in seen:  # two parts of one name: which one a reader takes is anybody's guess
            raise _Refused(UNSAFE_PARTS)
        seen.add(key)


def _check_members(filetype: FileType, infos) -> None:
    """No macro part or program anywhere, and nothing outside the format's top-level layout."""
    main = _OOXML_MAIN.get(filetype)
    for info in infos:
        parts = _parts(info)
        _check_member_name(parts)
        top = parts[0] if parts else ""
        if len(parts) == 1 and not info.is_dir():  # a file at the top
            allowed = top == ("[content_types].xml" if main is not None else "ofd.xml")
        elif main is not None:
            allowed = top in _OOXML_DIRS or top == main
        else:
            allowed = bool(_OFD_DOCUMENT.match(top))
        if not allowed:
            raise _Refused(UNSAFE_PARTS)


def _parts(info: zipfile.ZipInfo) -> list[str]:
    return [part for part in PurePosixPath(info.filename.replace("\\", "/").lower()).parts if part]


def _check_member_name(parts: list[str]) -> None:
    name = parts[-1] if parts else ""
    extension = name.rpartition(".")[2] if "." in name else ""
    if name in _MACRO_PARTS or extension in _MACRO_EXTENSIONS:
        raise _Refused(MACROS)  # macro-enabled Office files (.docm, .xlsm) run code when opened
    if extension in _PROGRAM_EXTENSIONS:
        raise _Refused(UNSAFE_PARTS)


def _check_embedded(archive: zipfile.ZipFile, infos, nested: bool = False) -> None:
    """Members that are programs, compound files (embedded Word or Excel objects) with macros, or
    embedded OOXML packages with a macro part or a program (looked into one level deep)."""
    for info in infos:
        if info.is_dir() or info.file_size == 0:
            continue
        with archive.open(info) as member:
            head = member.read(8)
            if head.startswith(_PROGRAM_MAGIC):
                raise _Refused(UNSAFE_PARTS)
            is_ole2, is_zip = head.startswith(OLE2_SIGNATURE), head.startswith(b"PK\x03\x04")
            if not (is_ole2 or is_zip):
                continue
            with tempfile.SpooledTemporaryFile(max_size=CHUNK * 8) as copy:
                copy.write(head)
                while chunk := member.read(CHUNK):  # bounded: a member may inflate far beyond its entry's claim
                    copy.write(chunk)
                    if copy.tell() > MAX_EMBEDDED:
                        raise _Refused(UNSAFE_PARTS)
                if is_ole2:
                    if _ole2_names(copy) is None:
                        raise _Refused(UNSAFE_PARTS)
                elif nested:
                    raise _Refused(UNSAFE_PARTS)  # a package in a package in a package: no document does that
                else:
                    copy.seek(0)
                    with zipfile.ZipFile(copy) as inner:
                        inner_infos = inner.infolist()
                        _check_entry_names(inner_infos)
                        for inner_info in inner_infos:
                            _check_member_name(_parts(inner_info))
                        _check_embedded(inner, inner_infos, nested=True)


# ---- OLE2 compound files: legacy Word and Excel ------------------------------------------------------

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAX_REGULAR_SECTOR = 0xFFFFFFFA
_ENTRY = 128


# Storages and streams of a VBA project: ``Macros`` (Word), ``_VBA_PROJECT_CUR`` (Excel), ``VBA`` inside
# them and its ``_VBA_PROJECT`` stream. Compound-file names compare without case.
MACRO_STORAGES = {"macros", "vba", "_vba_project_cur", "_vba_project"}


def _detect_ole2(fileobj) -> FileType | None:
    """Word and Excel binaries are OLE2 compound files told apart by their main stream; other
    compound files (installers, Outlook messages, encrypted documents ...) are refused, and so
    are those with macros."""
    names = _ole2_names(fileobj)
    if names is None:
        return None
    if "WordDocument" in names:
        return DOC
    if "Workbook" in names or "Book" in names:
        return XLS
    return None


def _ole2_names(fileobj) -> set[str] | None:
    """The entry names of a well-formed compound file without macros; None when it is malformed
    (by our reading or by ``olefile``'s). Raises ``_Refused(MACROS)`` for a VBA project anywhere:
    in any directory entry, even one the storage tree does not reach, or at any depth of the tree
    that ``olefile`` lists (an embedded object's own ``Macros`` storage, for instance)."""
    names = ole2_entry_names(fileobj)
    if names is None:
        return None
    paths = ole2_storage_paths(fileobj)
    if paths is None:
        return None
    if any(name.lower() in MACRO_STORAGES for name in names) or any(
        part.lower() in MACRO_STORAGES for path in paths for part in path
    ):
        raise _Refused(MACROS)
    return names


def ole2_storage_paths(fileobj) -> list[list[str]] | None:
    """The paths of every storage and stream of a compound file as ``olefile`` lists them, or None
    when ``olefile`` finds the file malformed."""
    fileobj.seek(0)
    try:
        ole = olefile.OleFileIO(fileobj)
    except Exception:  # olefile raises OSError, its own errors and plain ones on broken files
        return None
    try:
        return ole.listdir(streams=True, storages=True)
    except Exception:
        return None
    finally:
        ole.close()


def ole2_entry_names(fileobj) -> set[str] | None:
    """The names of the storages and streams in an OLE2 compound file's directory (MS-CFB),
    or None when it is malformed. Reads only the header, the directory and the FAT sectors
    that chain the directory; every loop is bounded by the file's size."""
    fileobj.seek(0, io.SEEK_END)
    file_size = fileobj.tell()
    fileobj.seek(0)
    header = fileobj.read(512)
    if len(header) < 512 or not header.startswith(OLE2_SIGNATURE) or header[0x1C:0x1E] != b"\xfe\xff":
        return None
    shift = struct.unpack_from("<H", header, 0x1E)[0]
    if shift not in (9, 12):
        return None
    sector_size = 1 << shift
    per_sector = sector_size // 4
    max_sectors = file_size // sector_size + 1
    fat_count, first_dir = struct.unpack_from("<II", header, 0x2C)
    first_difat, difat_count = struct.unpack_from("<II", header, 0x44)

    def read_sector(number: int) -> bytes | None:
        if number >= max_sectors:
            return None
        fileobj.seek((number + 1) * sector_size)
        data = fileobj.read(sector_size)
        return data if len(data) == sector_size else None

    fat_sectors = [n for n in struct.unpack_from("<109I", header, 0x4C) if n < _MAX_REGULAR_SECTOR]
    sector, seen = first_difat, 0
    while sector < _MAX_REGULAR_SECTOR and seen < min(difat_count, max_sectors):
        data = read_sector(sector)
        if data is None:
            return None
        entries = struct.unpack(f"<{per_sector}I", data)
        fat_sectors.extend(n for n in entries[:-1] if n < _MAX_REGULAR_SECTOR)
        sector, seen = entries[-1], seen + 1
    fat_sectors = fat_sectors[:fat_count]

    def next_sector(number: int) -> int | None:
        index = number // per_sector
        if index >= len(fat_sectors):
            return None
        data = read_sector(fat_sectors[index])
        if data is None:
            return None
        return struct.unpack_from("<I", data, (number % per_sector) * 4)[0]

    names: set[str] = set()
    sector, visited = first_dir, 0
    while sector < _MAX_REGULAR_SECTOR:
        visited += 1
        data = read_sector(sector) if visited <= max_sectors else None
        if data is None:
            return None
        for offset in range(0, sector_size, _ENTRY):
            name_length = struct.unpack_from("<H", data, offset + 0x40)[0]
            kind = data[offset + 0x42]
            if kind in (1, 2, 5) and 2 <= name_length <= 64 and name_length % 2 == 0:
                names.add(data[offset : offset + name_length - 2].decode("utf-16-le", "replace"))
        following = next_sector(sector)
        if following is None:
            return None
        sector = following
    return names or None


# ---- plain text --------------------------------------------------------------------------------------

# C0 controls other than tab, line feed, form feed and carriage return; DEL; C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# A text file that a browser or the desktop would treat as markup or as a program.
_MARKUP = re.compile(r"<(?:!doctype|html|head|body|script|iframe|frame|object|embed|svg|meta|\?xml)\b", re.IGNORECASE)
_SNIFF_CHARS = 4096
_MAX_CONTROL_RATIO = 0.01


def _detect_text(fileobj) -> FileType | None:
    """Valid UTF-8 (or UTF-16 with a byte-order mark, or GB18030), no NUL, mostly printable,
    and not markup or a script."""
    fileobj.seek(0)
    start = fileobj.read(2)
    if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        candidates = [("utf-16", TEXT_UTF16)]
    else:
        candidates = [("utf-8-sig", TEXT_UTF8), ("gb18030", TEXT_GB18030)]
    for encoding, filetype in candidates:
        verdict = _read_as_text(fileobj, encoding)
        if verdict is not None:
            return filetype if verdict else None
    return None


def _read_as_text(fileobj, encoding: str) -> bool | None:
    """True if the file is acceptable text in ``encoding``, False if it decodes but is refused,
    None if it does not decode."""
    fileobj.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    head, total, control = "", 0, 0
    while True:
        chunk = fileobj.read(CHUNK)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            return None
        if "\x00" in text:
            return False
        if len(head) < _SNIFF_CHARS:
            head += text[: _SNIFF_CHARS - len(head)]
        total += len(text)
        control += len(_CONTROL.findall(text))
        if not chunk:
            break
    if total == 0 or control > total * _MAX_CONTROL_RATIO:
        return False
    stripped = head.lstrip()
    if stripped.startswith(("<", "#!")) or _MARKUP.search(head):
        return False
    return True
