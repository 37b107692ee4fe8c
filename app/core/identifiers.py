"""Validation of the identifiers of DOMAIN.md.

Pure functions; each returns a normalised value or raises ``IdentifierError``
whose message is translatable, so forms and the API say what is wrong in the
user's language.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


class IdentifierError(ValueError):
    """Carries a lazily translated message, rendered in the locale of whoever reads it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


# The ideographic full stop (and its half-width form) typed as a decimal point between digits.
_IDEOGRAPHIC_POINT = re.compile(r"(?<=[0-9])\s*[\u3002\uff61]\s*(?=[0-9Xx])")


def as_typed(raw: str | None) -> str:
    """Text as a Chinese input method may give it, in the characters the identifiers are written in.

    NFKC folds full-width digits, letters, the full-width dot (．) and the ideographic space into
    their ASCII forms; an ideographic full stop (。) between digits is a decimal point."""
    text = unicodedata.normalize("NFKC", raw or "")
    return _IDEOGRAPHIC_POINT.sub(".", text)


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def normalise_credit_code(raw: str) -> str:
    """Check a unified social credit code (GB 32100-2015) and return it upper-cased.

    Spaces are ignored, full-width characters read as their ASCII forms; letters I, O, S, V
    and Z never occur in a code.
    """
    code = "".join(as_typed(raw).split()).upper()
    if not code:
        raise IdentifierError(_l("Enter the unified social credit code."))
    if len(code) != 18:
        raise IdentifierError(_l("A unified social credit code has 18 characters; this one has %(n)d.", n=len(code)))
    bad = sorted({c for c in code if c not in CREDIT_CODE_CHARSET})
    if bad:
        raise IdentifierError(_l("A unified social credit code cannot contain %(chars)s.", chars=", ".join(bad)))
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise IdentifierError(
            _l(
                "The check character (the 18th) does not match the first 17 characters: "
                "this credit code has a typing error."
            )
        )
    return code


def credit_code_region(code: str) -> str:
    """The administrative division code (positions 3-8) of a valid credit code."""
    return code[2:8]


# ---- Chinese patent application numbers -------------------------------------------------------------

PATENT_WEIGHTS_12 = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
PATENT_WEIGHTS_8 = (2, 3, 4, 5, 6, 7, 8, 9)
# The type digit of an application number and the right types it may carry.
PATENT_TYPE_DIGITS = {
    "1": "invention_patent",
    "8": "invention_patent",  # PCT application entering the national phase
    "2": "utility_model",
    "9": "utility_model",  # PCT
    "3": "design",
}


# A patent publication number: CN, 7 to 9 digits and the kind code (A, B, C for inventions, U and Y
# for utility models, S and D for designs), as printed on a patent document's front page.
PUBLICATION_NUMBER = re.compile(r"^CN[0-9]{7,9}[ABCUYSD][0-9]?$")
PUBLICATION_MESSAGE = _l(
    "This is a publication number (公告号/公开号), not the application number (申请号) the centre needs. "
    "The application number is the “patent number” (专利号) on the patent certificate, e.g. ZL201710601862.3, "
    "or the “application number” (申请号) on the CNIPA patent search page."
)


def patent_check_char(digits: str) -> str:
    weights = PATENT_WEIGHTS_12 if len(digits) == 12 else PATENT_WEIGHTS_8
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "X" if total == 10 else str(total)


def normalise_patent_number(raw: str, ip_type: str | None = None) -> str:
    """Check a Chinese patent application number and return it as ``201710601862.3``.

    Accepts the granted form ``ZL…``, a ``CN`` prefix, spaces and a missing dot. Since 2003
    the number has 12 digits (year, type digit, serial); before, 8 digits (two-digit year,
    type digit, serial). The type digit must agree with ``ip_type`` when one is declared.
    Full-width digits and dots (from a Chinese input method) read as their ASCII forms. A
    publication number (``CN 209123456 U``) is refused, saying where the application number is.
    """
    text = "".join(as_typed(raw).split()).upper()
    if PUBLICATION_NUMBER.match(text):
        raise IdentifierError(PUBLICATION_MESSAGE)
    for prefix in ("ZL", "CN"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if not text:
        raise IdentifierError(_l("Enter the patent number."))
    if "." in text:
        digits, _, check = text.partition(".")
    else:
        digits, check = text[:-1], text[-1:]
    if not digits.isdigit() or not digits.isascii() or len(digits) not in (8, 12) or len(check) != 1:
        raise IdentifierError(
            _l(
                "A patent number has 12 digits, a dot and a check character, e.g. 201710601862.3 (8 digits before 2004)."
            )
        )
    if check not in "0123456789X":
        raise IdentifierError(_l("The check character of a patent number is a digit or X."))
    if len(digits) == 12:
        year, type_digit = int(digits[:4]), digits[4]
        if not 1985 <= year <= 2100:
            raise IdentifierError(_l("The first four digits of a patent number are the filing year."))
    else:
        type_digit = digits[2]
    if type_digit not in PATENT_TYPE_DIGITS:
        raise IdentifierError(
            _l("The type digit of this patent number (%(digit)s) is not a known type.", digit=type_digit)
        )
    if patent_check_char(digits) != check:
        raise IdentifierError(_l("The check character does not match: this patent number has a typing error."))
    declared = PATENT_TYPE_DIGITS[type_digit]
    if ip_type is not None and ip_type != declared:
        raise IdentifierError(
            _l(
                "This number belongs to a patent of another type (type digit %(digit)s); "
                "check the type of right or the number.",
                digit=type_digit,
            )
        )
    return f"{digits}.{check}"


def normalise_right_number(raw: str, ip_type: str) -> str:
    """The number of a right of ``ip_type``: patents are checked; a trademark registration number is
    digits; other rights keep the text as given (registration numbers vary)."""
    text = " ".join(as_typed(raw).split())
    if ip_type in ("invention_patent", "utility_model", "design"):
        return normalise_patent_number(text, ip_type)
    if ip_type == "trademark" and text:
        compact = text.replace(" ", "")
        if not (compact.isdigit() and compact.isascii() and 1 <= len(compact) <= 10):
            raise IdentifierError(_l("A trademark registration number has up to 10 digits."))
        return compact
    if len(text) > 60:
        raise IdentifierError(_l("A registration number has at most 60 characters."))
    return text
