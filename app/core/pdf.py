"""The one PDF renderer: the only module that imports WeasyPrint.

``render_pdf(template_name, context, lang)`` renders ``templates/pdf/<template_name>``
with a context of plain values (str, numbers, dates, lists and dicts of them: never
ORM objects), in the language ``lang``, into PDF bytes.

- Resources: the URL fetcher serves only files of the app's own static folder (and the
  fonts below), and the images the renderer itself makes for the document being rendered
  (``qr_image(text)`` in a template: a QR code as a PNG, under an ``ipaid-image:`` URL that
  only that render answers); any other URL (http, data:, another file) is refused and left out.
- QR codes are grey PNG images, eight pixels a module, drawn without smoothing: 14 ms a document,
  most of it segno choosing the mask. As inline SVG they cost 24 ms: WeasyPrint parsed and drew
  the code's path of some 600 points in Python.
- Fonts: Noto Serif CJK SC for text and Noto Sans CJK SC Bold for headings (Debian
  ``fonts-noto-cjk``, found through fontconfig).
- Speed: WeasyPrint subsets every embedded font with HarfBuzz, keeping glyph ids, so its
  cost grows with the highest glyph id a document uses. The system CJK fonts hold 65,535
  glyphs and common Han characters sit at ids 9,000-60,000, which made a Chinese notice
  about 3x slower than the same notice in Latin text. So, once per machine, the two faces
  are cut down with HarfBuzz to the characters of GB 2312 (6,763 Han characters, CJK
  punctuation, full-width forms) plus Latin: about 7,800 glyphs, cached under
  ``instance/cache/pdf-fonts``. Documents use them through ``@font-face``, and a character
  outside them falls back to the full system font. The fontconfig configuration holding
  them is built once per thread and reused by every render. ``bench/pdf.py`` measures it.

Settings (app config): ``PDF_COMPACT_FONTS`` (default True) and ``PDF_REUSE_FONT_CONFIG``
(default True), both there so the benchmark can show what they are worth.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import logging
import mimetypes
import os
import re
import shutil
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app
from flask_babel import force_locale, format_date, format_datetime

if TYPE_CHECKING:  # WeasyPrint is imported when a document is rendered: it costs every process start 0.5 s
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

log = logging.getLogger(__name__)

PRINT_CSS = "pdf/print.css"  # under the static folder; applied to every document
TEMPLATE_NAME_RE = re.compile(r"^(?:pdf/)?([a-z][a-z0-9_]*\.html)$")
PLAIN_TYPES = (str, int, float, bool, Decimal, date, datetime, type(None))  # datetime is a date; bool an int

# The faces documents use: CSS family, weight, the fontconfig pattern of the system font.
FACES = (
    ("IPAid Serif", "normal", "Noto Serif CJK SC:style=Regular"),
    ("IPAid Sans", "bold", "Noto Sans CJK SC:style=Bold"),
)
# OpenType features kept in the compact fonts: what HarfBuzz applies to horizontal text.
# Leaving out ``locl`` and the vertical and width alternates keeps only the SC glyphs.
KEEP_FEATURES = (b"ccmp", b"calt", b"clig", b"kern", b"liga", b"rlig", b"mark", b"mkmk", b"palt")
COMPACT_FONT_VERSION = "1"  # bump when the character set or the features change


def language(lang: str | None) -> str:
    """The document language: ``en`` for any English locale, else ``zh_CN``."""
    return "en" if (lang or "").lower().startswith("en") else "zh_CN"


@contextmanager
def document_language(lang: str | None):
    """Translate (``_()``, enum labels, dates) in the document's language inside the block."""
    with force_locale(language(lang)):
        yield


# ---- rendering ---------------------------------------------------------------------------------------


def render_pdf(template_name: str, context: dict, lang: str) -> bytes:
    """Render ``templates/pdf/<template_name>`` with ``context`` in ``lang`` and return the PDF."""
    name = template_path(template_name)
    check_plain(context)
    lang = language(lang)
    app = current_app._get_current_object()
    images: dict[str, bytes] = {}
    with document_language(lang):
        template = app.jinja_env.get_template(name)
        html = template.render(
            **context,
            lang=lang,
            html_lang="en" if lang == "en" else "zh-CN",
            pdf_date=_pdf_date,
            pdf_datetime=_pdf_datetime,
            qr_image=functools.partial(_qr_image, images),
        )
    fetcher = static_url_fetcher(app, images)
    font_config, stylesheets = _stylesheets(app, fetcher)
    from weasyprint import HTML

    document = HTML(string=html, base_url=_static_base_url(app), url_fetcher=fetcher)
    return document.write_pdf(
        font_config=font_config,
        stylesheets=stylesheets,
        # The options that matter for speed, spelled out (they are WeasyPrint's defaults): embed only
        # the glyphs used (HarfBuzz subsetting), without TrueType hinting; the only raster images are the QR
        # codes, already small.
        full_fonts=False,
        hinting=False,
        optimize_images=False,
    )


def template_path(template_name: str) -> str:
    """``acceptance_notice.html`` or ``pdf/acceptance_notice.html`` -> ``pdf/acceptance_notice.html``."""
    match = TEMPLATE_NAME_RE.match(template_name or "")
    if not match:
        raise ValueError(f"not a template under templates/pdf/: {template_name!r}")
    return f"pdf/{match.group(1)}"


def check_plain(value, where: str = "context") -> None:
    """Refuse anything but plain values (no ORM objects, no lazy strings) in a PDF context."""
    if isinstance(value, PLAIN_TYPES):
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            check_plain(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: keys must be strings, not {type(key).__name__}")
            check_plain(item, f"{where}.{key}")
        return
    raise TypeError(f"{where} is a {type(value).__name__}: a PDF context holds only plain values")


def _pdf_date(value) -> str:
    """A date in the document's language: 2026年1月8日 / January 8, 2026 (Asia/Shanghai)."""
    return format_date(value, "long") if value is not None else ""


def _pdf_datetime(value) -> str:
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value is not None else ""


# ---- resources: only the app's own static files, and the images made for the document ---------------

IMAGE_SCHEME = "ipaid-image"
QR_SCALE = 8  # pixels a module: sharp at any size even where a reader smooths the image


def _qr_image(images: dict[str, bytes], text: str) -> str:
    """A QR code of ``text`` (``error`` level M) for this document: the URL of its PNG, kept in ``images``."""
    import io

    import segno
    from PIL import Image

    name = "qr-" + hashlib.sha256(text.encode()).hexdigest()[:24]
    if name not in images:
        qr = segno.make(text, error="m", micro=False)
        width, height = qr.symbol_size(border=2)
        # Grey levels, not one bit a pixel: WeasyPrint would turn a 1-bit image into RGB, three times the data
        # to compress (8 ms a document); Pillow also writes the PNG about twice as fast as segno's own writer.
        image = Image.new("L", (width, height), 255)
        image.putdata([0 if dark else 255 for row in qr.matrix_iter(border=2) for dark in row])
        buffer = io.BytesIO()
        image.resize((width * QR_SCALE, height * QR_SCALE), Image.Resampling.NEAREST).save(buffer, "PNG")
        images[name] = buffer.getvalue()
    return f"{IMAGE_SCHEME}:{name}"


class RefusedURL(ValueError):
    pass


@functools.cache
def _static_fetcher_class():
    """``StaticFetcher``: made on first use, so that WeasyPrint is imported only when a document is rendered."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFetcher(URLFetcher):
        """Serves ``file:`` URLs inside the given folders, and ``ipaid-image:`` URLs of the images made
        for this one document; refuses every other URL."""

        def __init__(self, roots, images=None):
            super().__init__(timeout=1, allowed_protocols=("file",), allow_redirects=False)
            self.roots = tuple(Path(r).resolve() for r in roots)
            self.images = images if images is not None else {}

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == IMAGE_SCHEME:
                data = self.images.get(parts.path)
                if data is None:
                    raise RefusedURL(f"no image of that name was made for this document: {url[:200]}")
                return URLFetcherResponse(url, data, {"Content-Type": "image/png"})
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise RefusedURL(f"only the app's own static files may be used in a PDF: {url[:200]}")
            path = Path(url2pathname(parts.path)).resolve()
            if not any(root in path.parents for root in self.roots) or not path.is_file():
                raise RefusedURL(f"not one of the app's static files: {url[:200]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    return StaticFetcher


def static_url_fetcher(app=None, images: dict[str, bytes] | None = None):
    """A URL fetcher that serves the app's own static files and fonts, and the ``images`` made for the
    document (``qr_image``), and refuses any other URL."""
    app = app or current_app
    return _static_fetcher_class()([app.static_folder, _font_dir(app)], images)


def _static_base_url(app) -> str:
    """Relative URLs in PDF templates (``pdf/print.css``) resolve inside the static folder."""
    return Path(app.static_folder).resolve().as_uri() + "/"


# ---- fonts -------------------------------------------------------------------------------------------

_local = threading.local()


@atexit.register
def _forget_stylesheets() -> None:
    """Let the kept font configuration clean up while WeasyPrint's modules still exist (imported on
    first use, they are torn down before it at exit otherwise)."""
    _local.__dict__.clear()


_build_lock = threading.Lock()
_compact_paths: dict[tuple, Path | None] = {}


def _stylesheets(app, fetcher) -> tuple[FontConfiguration, list[CSS]]:
    """The font configuration, the ``@font-face`` rules and the print stylesheet, parsed once per
    thread and reused by every render (parsing them took as long as laying out a notice)."""
    compact = bool(app.config.get("PDF_COMPACT_FONTS", True))
    print_css = Path(app.static_folder, PRINT_CSS)
    key = (str(_font_dir(app)), compact, str(print_css), print_css.stat().st_mtime_ns)
    if not app.config.get("PDF_REUSE_FONT_CONFIG", True):
        return _new_stylesheets(app, fetcher, compact, print_css)
    cache = getattr(_local, "stylesheets", None)
    if cache is None or cache[0] != key:
        cache = _local.stylesheets = (key, _new_stylesheets(app, fetcher, compact, print_css))
    return cache[1]


def _new_stylesheets(app, fetcher, compact: bool, print_css: Path) -> tuple[FontConfiguration, list[CSS]]:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    rules = []
    if compact:
        for family, weight, pattern in FACES:
            path = compact_font(app, pattern)
            if path is not None:
                rules.append(
                    f'@font-face {{ font-family: "{family}"; font-weight: {weight}; src: url("{path.as_uri()}"); }}'
                )
    stylesheets = [CSS(string="\n".join(rules), font_config=font_config, url_fetcher=fetcher)] if rules else []
    stylesheets.append(CSS(url=print_css.resolve().as_uri(), font_config=font_config, url_fetcher=fetcher))
    return font_config, stylesheets


def _font_dir(app) -> Path:
    return Path(app.instance_path) / "cache" / "pdf-fonts"


def compact_font(app, pattern: str) -> Path | None:
    """The cached compact cut of the system font matching ``pattern``, made on first use (None if impossible)."""
    source = _system_font(pattern)
    if source is None:
        return None
    file, index = source
    stat = os.stat(file)
    digest = hashlib.sha256(
        f"{file}|{index}|{stat.st_size}|{stat.st_mtime_ns}|{COMPACT_FONT_VERSION}".encode()
    ).hexdigest()[:16]
    key = (str(_font_dir(app)), digest)
    if key in _compact_paths:
        return _compact_paths[key]
    with _build_lock:
        if key not in _compact_paths:
            _compact_paths[key] = _build_compact_font(app, file, index, digest, pattern)
    return _compact_paths[key]


def _build_compact_font(app, file: str, index: int, digest: str, pattern: str) -> Path | None:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", pattern.split(":")[0]).strip("-").lower()
    target = _font_dir(app) / f"{stem}-{digest}.otf"
    if target.is_file() and target.stat().st_size > 0:
        return target
    try:
        data = _harfbuzz_subset(file, index, compact_charset(), KEEP_FEATURES)
    except Exception:  # no HarfBuzz subsetter here: the full system fonts are used (slower for Chinese)
        log.warning("Could not make a compact cut of %s; PDFs use the full font", file, exc_info=True)
        return None
    if not data or data[:4] not in (b"OTTO", b"\x00\x01\x00\x00", b"true"):
        log.warning("HarfBuzz returned no usable font for %s; PDFs use the full font", file)
        return None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, suffix=".part")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except OSError:
        log.warning("Cannot write %s; PDFs use the full font", target, exc_info=True)
        return None
    return target


def _system_font(pattern: str) -> tuple[str, int] | None:
    """The file and face index fontconfig gives for ``pattern``, if it is really that family."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        out = subprocess.run(
            [fc_match, "--format=%{file}\n%{index}\n%{family}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    if len(out) < 3 or not out[0] or not out[1].isdigit():
        return None
    wanted = pattern.split(":")[0]
    if wanted not in [f.strip() for f in out[2].split(",")]:
        return None
    return out[0], int(out[1])


def compact_charset() -> list[int]:
    """Latin, general and CJK punctuation, full-width forms, and every character of GB 2312."""
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x250))  # ASCII, Latin-1, Latin Extended-A/B
    chars |= set(range(0x2000, 0x2070)) | set(range(0x2100, 0x2190))  # punctuation, letterlike, numbers
    chars |= set(range(0x2460, 0x2500))  # enclosed numbers ①
    chars |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))  # CJK punctuation, full-width forms
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return sorted(chars)


_HB_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
typedef uint32_t hb_codepoint_t;
typedef uint32_t hb_tag_t;
hb_blob_t *hb_blob_create_from_file_or_fail(const char *file_name);
void hb_blob_destroy(hb_blob_t *blob);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
void hb_face_destroy(hb_face_t *face);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
hb_tag_t hb_tag_from_string(const char *str, int len);
void hb_set_add(hb_set_t *set, hb_codepoint_t codepoint);
void hb_set_clear(hb_set_t *set);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_set_t *hb_subset_input_unicode_set(hb_subset_input_t *input);
hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned value);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""
HB_SUBSET_SETS_LAYOUT_FEATURE_TAG = 6
HB_SUBSET_FLAGS_NO_HINTING = 0x01
HB_SUBSET_FLAGS_NOTDEF_OUTLINE = 0x40


def _harfbuzz_subset(file: str, index: int, codepoints: list[int], features: tuple[bytes, ...]) -> bytes:
    """Cut face ``index`` of ``file`` down to ``codepoints`` with HarfBuzz's subsetter (new glyph ids)."""
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(_HB_CDEF)
    hb = ffi.dlopen("libharfbuzz.so.0")
    hb_subset = ffi.dlopen("libharfbuzz-subset.so.0")
    blob = hb.hb_blob_create_from_file_or_fail(os.fsencode(file))
    if blob == ffi.NULL:
        raise OSError(f"cannot read {file}")
    face = hb.hb_face_create(blob, index)
    subset_input = hb_subset.hb_subset_input_create_or_fail()
    result = result_blob = ffi.NULL
    try:
        if subset_input == ffi.NULL:
            raise OSError("HarfBuzz could not start a subset")
        unicodes = hb_subset.hb_subset_input_unicode_set(subset_input)
        for codepoint in codepoints:
            hb.hb_set_add(unicodes, codepoint)
        feature_set = hb_subset.hb_subset_input_set(subset_input, HB_SUBSET_SETS_LAYOUT_FEATURE_TAG)
        hb.hb_set_clear(feature_set)
        for tag in features:
            hb.hb_set_add(feature_set, hb.hb_tag_from_string(tag, len(tag)))
        hb_subset.hb_subset_input_set_flags(subset_input, HB_SUBSET_FLAGS_NO_HINTING | HB_SUBSET_FLAGS_NOTDEF_OUTLINE)
        result = hb_subset.hb_subset_or_fail(face, subset_input)
        if result == ffi.NULL:
            raise OSError(f"HarfBuzz could not subset {file}")
        result_blob = hb.hb_face_reference_blob(result)
        length = ffi.new("unsigned int *")
        data = hb.hb_blob_get_data(result_blob, length)
        return ffi.unpack(data, length[0]) if data != ffi.NULL else b""
    finally:
        if result_blob != ffi.NULL:
            hb.hb_blob_destroy(result_blob)
        if result != ffi.NULL:
            hb.hb_face_destroy(result)
        if subset_input != ffi.NULL:
            hb_subset.hb_subset_input_destroy(subset_input)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)
