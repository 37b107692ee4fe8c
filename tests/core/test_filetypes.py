"""File types are judged from content: real documents and images pass, disguised programs and markup do not.

The ``sample_*`` builders make small but real files (images by Pillow, Office
containers as their formats lay them out); ``tests/cases/test_evidence.py`` uploads them.
"""

from __future__ import annotations

import codecs
import io
import os
import struct
import warnings
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


# ---- macros, programs and stray parts inside Office files ------------------------------------------------

NOSTREAM = 0xFFFFFFFF


def cfb(tree: dict) -> bytes:
    """A small but well-formed compound file (MS-CFB version 3) whose directory holds ``tree``:
    ``{name: {...}}`` is a storage, ``{name: None}`` an empty stream. Each storage's children are
    chained as a sorted tree (right siblings, all black), so that ``olefile`` lists every path."""
    entries: list[dict] = [{"name": "Root Entry", "kind": 5, "left": NOSTREAM, "right": NOSTREAM, "child": NOSTREAM}]

    def order(name: str):
        return (len(name), name.upper())

    def add(children: dict, parent: dict) -> None:
        ids = []
        for name in sorted(children, key=order):
            entries.append({"name": name, "kind": 1 if children[name] is not None else 2})
            entries[-1].update(left=NOSTREAM, right=NOSTREAM, child=NOSTREAM)
            ids.append(len(entries) - 1)
        for current, following in zip(ids, [*ids[1:], NOSTREAM], strict=True):
            entries[current]["right"] = following
        parent["child"] = ids[0] if ids else NOSTREAM
        for name, index in zip(sorted(children, key=order), ids, strict=True):
            if children[name] is not None:
                add(children[name], entries[index])

    add(tree, entries[0])
    raw = b""
    for entry in entries:
        encoded = entry["name"].encode("utf-16-le") + b"\x00\x00"
        raw += encoded.ljust(64, b"\x00") + struct.pack(
            "<HBBIII16sIQQIQ",
            len(encoded),
            entry["kind"],
            1,  # black
            entry["left"],
            entry["right"],
            entry["child"],
            b"\x00" * 16,
            0,
            0,
            0,
            ENDOFCHAIN,  # no content: every stream is empty
            0,
        )
    raw = raw.ljust(-(-len(raw) // 512) * 512, b"\x00")
    dir_sectors = len(raw) // 512
    assert dir_sectors < 128
    fat = [FREESECT] * 128
    fat[0] = FATSECT
    for number in range(1, dir_sectors + 1):
        fat[number] = number + 1 if number < dir_sectors else ENDOFCHAIN
    header = bytearray(512)
    header[0:8] = filetypes.OLE2_SIGNATURE
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<III", header, 0x2C, 1, 1, 0)
    struct.pack_into("<II", header, 0x38, 4096, ENDOFCHAIN)
    struct.pack_into("<II", header, 0x44, ENDOFCHAIN, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([FREESECT] * 108))
    return bytes(header) + struct.pack("<128I", *fat) + raw


WORD_97 = {"\x01CompObj": None, "\x05SummaryInformation": None, "1Table": None, "WordDocument": None}
EXCEL_97 = {"\x05SummaryInformation": None, "Workbook": None}
VBA_PROJECT = {"VBA": {"_VBA_PROJECT": None, "dir": None, "ThisDocument": None}, "PROJECT": None}


def test_the_compound_file_writer_is_read_by_olefile():
    import olefile

    data = cfb({**WORD_97, "ObjectPool": {"_1234": {"\x01Ole": None}}})
    ole = olefile.OleFileIO(io.BytesIO(data))
    assert ["ObjectPool", "_1234", "\x01Ole"] in ole.listdir(streams=True, storages=True)
    assert ole.get_type("ObjectPool") == olefile.STGTY_STORAGE
    assert filetypes.detect_bytes(data) == DOC
    assert filetypes.detect_bytes(cfb(EXCEL_97)) == XLS


LEGACY_WITH_MACROS = [
    ("Word 97 with a Macros storage", lambda: cfb({**WORD_97, "Macros": VBA_PROJECT})),
    ("Excel 97 with _VBA_PROJECT_CUR", lambda: cfb({**EXCEL_97, "_VBA_PROJECT_CUR": VBA_PROJECT})),
    ("Excel 5 'Book' with _VBA_PROJECT_CUR", lambda: cfb({"Book": None, "_VBA_PROJECT_CUR": VBA_PROJECT})),
    ("a bare VBA storage", lambda: cfb({**WORD_97, "VBA": {"dir": None}})),
    ("a _VBA_PROJECT stream", lambda: cfb({**WORD_97, "_VBA_PROJECT": None})),
    ("names in another case", lambda: cfb({**WORD_97, "MACROS": {"vba": {"dir": None}}})),
    (
        "macros of an embedded object",
        lambda: cfb({**WORD_97, "ObjectPool": {"_1234": {"WordDocument": None, "Macros": VBA_PROJECT}}}),
    ),
    # The directory holds it though the storage tree does not reach it: still refused.
    ("macros outside the storage tree", lambda: sample_ole2(("WordDocument", "Macros", "VBA"))),
]


@pytest.mark.parametrize("label, build", LEGACY_WITH_MACROS, ids=[row[0] for row in LEGACY_WITH_MACROS])
def test_legacy_office_files_with_macros_are_refused(label, build):
    data = build()
    assert data.startswith(filetypes.OLE2_SIGNATURE)
    assert filetypes.detect_bytes(data) is None
    assert filetypes.refusal_reason(io.BytesIO(data)) is filetypes.REFUSAL_REASONS[filetypes.MACROS]


def _with(parts: dict, **extra) -> bytes:
    return _zip({**parts, **extra})


def _xlsx_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(sample_xlsx())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _raw_zip(names: list[str]) -> bytes:
    """A docx whose extra entries are named exactly so (``zipfile`` would clean some names up)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": that is the point of one of them
        for name, content in _docx_parts().items():
            archive.writestr(name, content)
        for name in names:
            archive.writestr(zipfile.ZipInfo(name), b"x")
    return buffer.getvalue()


REAL_LAYOUTS = [
    (
        "docx as Word writes it",
        lambda: _with(
            _docx_parts(),
            **{
                "docProps/core.xml": "<cp:coreProperties/>",
                "docProps/app.xml": "<Properties/>",
                "docProps/thumbnail.jpeg": sample_jpeg(),
                "word/_rels/document.xml.rels": "<Relationships/>",
                "word/styles.xml": "<w:styles/>",
                "word/media/image1.png": sample_png(),
                "word/embeddings/Microsoft_Excel_Worksheet.xlsx": sample_xlsx(),
                "word/embeddings/oleObject1.bin": cfb(EXCEL_97),
                "customXml/item1.xml": "<b:Sources/>",
                "customXml/_rels/item1.xml.rels": "<Relationships/>",
                "_xmlsignatures/sig1.xml": "<Signature/>",
            },
        ),
        DOCX,
    ),
    ("xlsx with properties", lambda: _with(_xlsx_parts(), **{"docProps/app.xml": "<Properties/>"}), XLSX),
    (
        "OFD invoice with signatures and attachments",
        lambda: _zip(
            {
                "OFD.xml": "<ofd:OFD/>",
                "Doc_0/Document.xml": "<ofd:Document/>",
                "Doc_0/Pages/Page_0/Content.xml": "<ofd:Page/>",
                "Doc_0/Signs/Sign_0/SignedValue.dat": b"\x30\x82\x01\x00",
                "Doc_0/Attachs/original_invoice.xml": "<EInvoice/>",
            }
        ),
        OFD,
    ),
]


@pytest.mark.parametrize("label, build, expected", REAL_LAYOUTS, ids=[row[0] for row in REAL_LAYOUTS])
def test_real_office_layouts_are_accepted(label, build, expected):
    data = build()
    assert filetypes.detect_bytes(data) == expected
    assert filetypes.refusal_reason(io.BytesIO(data)) is None


ZIP_MACROS = [
    ("docx with word/vbaProject.bin", lambda: _with(_docx_parts(), **{"word/vbaProject.bin": cfb(VBA_PROJECT)})),
    ("xlsx with xl/vbaProject.bin", lambda: _with(_xlsx_parts(), **{"xl/vbaProject.bin": b"\x00" * 64})),
    ("docx with a vbaProject.bin elsewhere", lambda: _with(_docx_parts(), **{"word/media/vbaProject.bin": b"x"})),
    ("docx with vbaData.xml", lambda: _with(_docx_parts(), **{"word/vbaData.xml": "<wne:vbaSuppData/>"})),
    ("docx embedding a .xlsm", lambda: _with(_docx_parts(), **{"word/embeddings/Sheet.xlsm": sample_xlsx()})),
    (
        "docx embedding a Word 97 object with macros",
        lambda: _with(_docx_parts(), **{"word/embeddings/oleObject1.bin": cfb({**WORD_97, "Macros": VBA_PROJECT})}),
    ),
    (
        "docx embedding an xlsx that holds a VBA project",
        lambda: _with(
            _docx_parts(),
            **{"word/embeddings/Sheet.xlsx": _with(_xlsx_parts(), **{"xl/vbaProject.bin": b"\x00" * 64})},
        ),
    ),
]

ZIP_UNSAFE = [
    ("docx with a program", lambda: _with(_docx_parts(), **{"word/media/setup.exe": PE})),
    ("docx with a script", lambda: _with(_docx_parts(), **{"word/run.vbs": 'CreateObject("WScript.Shell")'})),
    ("docx with a program under a harmless name", lambda: _with(_docx_parts(), **{"word/media/image2.png": PE})),
    ("docx with an ELF under a harmless name", lambda: _with(_docx_parts(), **{"docProps/thumbnail.jpeg": ELF})),
    ("docx with a top-level extra file", lambda: _with(_docx_parts(), **{"readme.txt": "open the other file"})),
    ("docx with a top-level extra folder", lambda: _with(_docx_parts(), **{"payload/data.xml": "<x/>"})),
    ("docx with an Excel folder", lambda: _with(_docx_parts(), **{"xl/workbook.xml": "<workbook/>"})),
    ("xlsx with a Word folder", lambda: _with(_xlsx_parts(), **{"word/document.xml": "<w:document/>"})),
    (
        "OFD with a top-level extra file",
        lambda: _zip({"OFD.xml": "<ofd:OFD/>", "Doc_0/D.xml": "<d/>", "x.xml": "<x/>"}),
    ),
    ("OFD with a stray folder", lambda: _zip({"OFD.xml": "<ofd:OFD/>", "Doc_0/D.xml": "<d/>", "bin/a.dat": "a"})),
    ("docx with a .. entry", lambda: _raw_zip(["word/../../evil.xml"])),
    ("docx with a .. entry at the top", lambda: _raw_zip(["../evil.xml"])),
    ("docx with an absolute entry", lambda: _raw_zip(["/etc/cron.d/evil"])),
    ("docx with a backslashed .. entry", lambda: _raw_zip(["word\\..\\..\\evil.xml"])),
    ("docx with a drive letter", lambda: _raw_zip(["C:/Windows/evil.xml"])),
    ("docx with a part twice", lambda: _raw_zip(["word/document.xml"])),
    (
        "docx embedding a broken compound file",
        lambda: _with(_docx_parts(), **{"word/embeddings/oleObject1.bin": filetypes.OLE2_SIGNATURE + b"\x00" * 600}),
    ),
]


@pytest.mark.parametrize("label, build", ZIP_MACROS, ids=[row[0] for row in ZIP_MACROS])
def test_zip_based_office_files_with_macros_are_refused(label, build):
    data = build()
    assert filetypes.detect_bytes(data) is None
    assert filetypes.refusal_reason(io.BytesIO(data)) is filetypes.REFUSAL_REASONS[filetypes.MACROS]


@pytest.mark.parametrize("label, build", ZIP_UNSAFE, ids=[row[0] for row in ZIP_UNSAFE])
def test_zip_based_files_with_stray_parts_or_unsafe_names_are_refused(label, build):
    data = build()
    assert filetypes.detect_bytes(data) is None
    assert filetypes.refusal_reason(io.BytesIO(data)) is filetypes.REFUSAL_REASONS[filetypes.UNSAFE_PARTS]


def test_a_file_refused_for_its_type_alone_has_no_special_reason():
    """The general refusal ("not a type of file we accept") says it all; accepted files have none."""
    assert filetypes.refusal_reason(io.BytesIO(ELF)) is None
    assert filetypes.refusal_reason(io.BytesIO(_zip({"evil.exe": PE}))) is None
    assert filetypes.refusal_reason(io.BytesIO(sample_pdf())) is None
    assert filetypes.refusal_reason(io.BytesIO(cfb(WORD_97))) is None
