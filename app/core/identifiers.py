"""Validation of the identifiers of DOMAIN.md.

Pure functions; each returns a normalised value or raises ``IdentifierError``
whose message is translatable, so forms and the API say what is wrong in the
user's language.
"""

from __future__ import annotations

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


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def normalise_credit_code(raw: str) -> str:
    """Check a unified social credit code (GB 32100-2015) and return it upper-cased.

    Spaces are ignored; letters I, O, S, V and Z never occur in a code.
    """
    code = "".join((raw or "").split()).upper()
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
