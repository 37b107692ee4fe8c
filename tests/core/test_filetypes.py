"""File types are judged from content: real documents and images pass, disguised programs and markup do not.

The ``sample_*`` builders make small but real files (images by Pillow, Office
containers as their formats lay them out); ``tests/cases/test_evidence.py`` uploads them.
"""

from __future__ import annotations

import codecs
import io
import os
import struct
import zipfile

import pytest

from app.core import filetypes
from app.core.filetypes import DOC, DOCX, GIF, JPEG, OFD, PDF, PNG, TEXT_GB18030, TEXT_UTF8, TEXT_UTF16, WEBP, XLS, XLSX

# ---- sample builders ----------------------------------------------------------------------------------


def _image(fmt: str, **kw) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 30, 30)).save(buffer, fmt, **kw)
    return buffer.getvalue()


def sample_pdf() -> bytes:
    return _image("PDF")


def sample_png() -> bytes:
    return _image("PNG")


def sample_jpeg() -> bytes:
    return _image("JPEG", quality=80)


def _zip(parts: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
    ' Target="{target}"/></Relationships>'
)


def _docx_parts() -> dict[str, str]:
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": _RELS.format(target="word/document.xml"),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>侵权产品购买凭证</w:t></w:r></w:p></w:body></w:document>"
        ),
    }


def sample_docx() -> bytes:
    return _zip(_docx_parts())


def sample_xlsx() -> bytes:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return _zip(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/worksheets/sheet1.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                "</Types>"
            ),
            "_rels/.rels": _RELS.format(target="xl/workbook.xml"),
            "xl/workbook.xml": (
                f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ),
            "xl/_rels/workbook.xml.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
            ),
            "xl/worksheets/sheet1.xml": (
                f'<worksheet xmlns="{main}"><sheetData><row r="1"><c r="A1"><v>42</v></c></row></sheetData></worksheet>'
            ),
        }
    )


def sample_text() -> bytes:
    return "购买凭证：2024-03-01 淘宝订单 123456\r\n金额 199.00 元\n".encode()


ENDOFCHAIN, FATSECT, FREESECT = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _dir_entry(name: str, kind: int) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    entry = encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
    return entry.ljust(128, b"\x00")


def sample_ole2(stream_names=("WordDocument",), dir_chain=None, truncate: int | None = None) -> bytes:
    """A minimal OLE2 compound file (512-byte sectors): sector 0 is the FAT, the directory
    follows in ``dir_chain`` sectors (default one sector, [1]) as the FAT chains them."""
    dir_chain = dir_chain or [1]
    entries = [_dir_entry("Root Entry", 5)] + [_dir_entry(name, 2) for name in stream_names]
    per_sector = 4
    sectors_needed = max(1, -(-len(entries) // per_sector))
    assert sectors_needed <= len(set(dir_chain)), "not enough directory sectors for the names"
    fat = [FREESECT] * 128
    fat[0] = FATSECT
    for current, following in zip(dir_chain, [*dir_chain[1:], ENDOFCHAIN], strict=True):
        fat[current] = following
    total_sectors = max(dir_chain) + 1
    sectors = [b"\x00" * 512] * total_sectors
    sectors[0] = struct.pack("<128I", *fat)
    entries += [b"\x00" * 128] * (len(dir_chain) * per_sector - len(entries))
    for index, number in enumerate(dict.fromkeys(dir_chain)):
        sectors[number] = b"".join(entries[index * per_sector : (index + 1) * per_sector])
    header = bytearray(512)
    header[0:8] = filetypes.OLE2_SIGNATURE
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<III", header, 0x2C, 1, dir_chain[0], 0)
    struct.pack_into("<II", header, 0x38, 4096, ENDOFCHAIN)
    struct.pack_into("<II", header, 0x44, ENDOFCHAIN, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([FREESECT] * 108))
    data = bytes(header) + b"".join(sectors)
    return data[:truncate] if truncate else data


def _ole2_with_loop() -> bytes:
    """Two directory sectors whose FAT entries point at each other: the reader must stop."""
    data = bytearray(sample_ole2(("Data",) * 6, dir_chain=[1, 2]))
    struct.pack_into("<I", data, 512 + 2 * 4, 1)  # FAT[2] = 1 instead of ENDOFCHAIN
    return bytes(data)


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200

# ---- the table ----------------------------------------------------------------------------------------

ACCEPTED = [
    ("pdf", sample_pdf, PDF),
    ("pdf header only", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", PDF),
    ("png", sample_png, PNG),
    ("jpeg", sample_jpeg, JPEG),
    ("gif", lambda: _image("GIF"), GIF),
    ("webp", lambda: _image("WEBP"), WEBP),
    ("docx", sample_docx, DOCX),
    ("xlsx", sample_xlsx, XLSX),
    ("ofd invoice", lambda: _zip({"OFD.xml": "<ofd:OFD/>", "Doc_0/Document.xml": "<ofd:Document/>"}), OFD),
    ("doc", sample_ole2, DOC),
    ("xls", lambda: sample_ole2(("\x05SummaryInformation", "Workbook")), XLS),
    ("xls (Excel 5 'Book')", lambda: sample_ole2(("Book",)), XLS),
    (
        "doc, directory over two sectors",
        lambda: sample_ole2(("\x01CompObj", "\x05SummaryInformation", "1Table", "Data", "WordDocument"), [1, 2]),
        DOC,
    ),
    ("utf-8 text", sample_text, TEXT_UTF8),
    ("utf-8 text with BOM", lambda: codecs.BOM_UTF8 + sample_text(), TEXT_UTF8),
    ("ascii csv", lambda: b"date,amount\n2024-03-01,199.00\n", TEXT_UTF8),
    ("gb18030 text", lambda: "侵权链接：某电商平台店铺\n".encode("gb18030"), TEXT_GB18030),
    ("utf-16 text (Notepad 'Unicode')", lambda: "购买凭证\r\n".encode("utf-16"), TEXT_UTF16),
    ("text mentioning a tag mid-line", lambda: b"the page said 5 < 6 and <b> is bold\n", TEXT_UTF8),
]

REFUSED = [
    ("empty", lambda: b""),
    ("ELF executable", lambda: ELF),
    ("Windows PE executable", lambda: PE),
    ("self-extracting: executable with a ZIP appended", lambda: PE + sample_docx()),
    ("HTML", lambda: b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
    ("HTML after whitespace and BOM", lambda: codecs.BOM_UTF8 + b"\n  <html><body>x</body></html>"),
    ("script tag later in text", lambda: b"Dear centre,\nplease see <script src=//evil.example/x.js></script>\n"),
    ("SVG", lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("XML", lambda: b'<?xml version="1.0"?><root/>'),
    ("shell script", lambda: b"#!/bin/sh\nrm -rf ~\n"),
    ("text with a NUL", lambda: b"looks like text\x00but is not\n"),
    ("binary noise", lambda: bytes(range(256)) * 8),
    ("mostly control characters", lambda: b"\x1b[31m\x01\x02\x03\x04" * 50 + b"abc"),
    ("plain ZIP archive", lambda: _zip({"evil.exe": PE, "readme.txt": "open me"})),
    ("Java archive", lambda: _zip({"META-INF/MANIFEST.MF": "Main-Class: X\n", "X.class": b"\xca\xfe\xba\xbe"})),
    ("macro-enabled Word (docm)", lambda: _zip({**_docx_parts(), "word/vbaProject.bin": b"\x00" * 64})),
    ("OOXML without a main part", lambda: _zip({"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "<p/>"})),
    ("truncated ZIP", lambda: sample_docx()[:200]),
    ("OLE2 without Word or Excel stream (an installer)", lambda: sample_ole2(("\x05SummaryInformation", "Binary"))),
    ("OLE2 truncated", lambda: sample_ole2(truncate=600)),
    ("OLE2 with a loop in its directory chain", lambda: _ole2_with_loop()),
    ("OLE2 signature only", lambda: filetypes.OLE2_SIGNATURE + b"\x00" * 100),
    ("PNG signature broken", lambda: b"\x89PNX\r\n\x1a\n" + b"\x00" * 40),
]


@pytest.mark.parametrize("label, build, expected", ACCEPTED, ids=[row[0] for row in ACCEPTED])
def test_accepted_content_is_recognised(label, build, expected):
    assert filetypes.detect_bytes(build()) == expected


@pytest.mark.parametrize("label, build", REFUSED, ids=[row[0] for row in REFUSED])
def test_refused_content(label, build):
    assert filetypes.detect_bytes(build()) is None


def test_detect_path_reads_a_file(tmp_path):
    path = tmp_path / "evidence.exe"  # the name does not matter
    path.write_bytes(sample_pdf())
    assert filetypes.detect_path(path) == PDF


def test_text_is_checked_to_the_end():
    """A text head with binary past the first chunk is refused: the whole file is read."""
    data = b"a" * (filetypes.CHUNK + 10) + b"\x00\x01\x02"
    assert filetypes.detect_bytes(data) is None
    assert filetypes.detect_bytes(b"a" * (filetypes.CHUNK + 10)) == TEXT_UTF8


def test_multibyte_character_across_chunks():
    data = b"a" * (filetypes.CHUNK - 1) + "证据".encode()
    assert filetypes.detect_bytes(data) == TEXT_UTF8


def test_random_bytes_are_refused():
    assert filetypes.detect_bytes(os.urandom(4096)) is None


@pytest.mark.parametrize(
    "name, filetype, expected",
    [
        ("scan.PDF", PDF, "scan.PDF"),
        ("photo.jpeg", JPEG, "photo.jpeg"),
        ("photo.JPG", JPEG, "photo.JPG"),
        ("invoice.exe", PDF, "invoice.exe.pdf"),
        ("report.pdf", DOCX, "report.pdf.docx"),
        ("notes", TEXT_UTF8, "notes.txt"),
        ("data.csv", TEXT_UTF8, "data.csv"),
        ("run.sh", TEXT_UTF8, "run.sh.txt"),
        ("pdf", PDF, "pdf.pdf"),
        ("发票.ofd", OFD, "发票.ofd"),
    ],
)
def test_display_name_agrees_with_content(name, filetype, expected):
    assert filetypes.display_name(name, filetype) == expected


def test_every_type_has_aliases_and_a_label():
    for filetype in (PDF, OFD, JPEG, PNG, GIF, WEBP, DOCX, XLSX, DOC, XLS, TEXT_UTF8):
        assert filetype.extension in filetypes.EXTENSION_ALIASES[filetype.extension]
        assert f".{filetype.extension}" in filetypes.ACCEPT
        assert filetypes.type_label(filetype.content_type) != filetype.content_type
