"""Password hashing (argon2id, OWASP ASVS strength) and the password policy.

argon2-cffi's defaults are RFC 9106's "low memory" profile (argon2id,
t=3, m=64 MiB, p=4), above OWASP's minimum of m=19 MiB, t=2, p=1.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

# The application's profile. The test suite swaps in a cheap one (``use_hasher``): this one costs about
# a tenth of a second per login, and the suite logs in thousands of times.
PRODUCTION = PasswordHasher()
_hasher = PRODUCTION
# A fixed hash verified when the e-mail is unknown, so a login takes the same time either way (made
# with the hasher in use, on first need: hashing it at import cost every process start 0.2 s).
_dummy_hash: str | None = None


def use_hasher(hasher: PasswordHasher) -> None:
    """Hash and verify with ``hasher`` from now on (tests only; the application never calls this)."""
    global _hasher, _dummy_hash
    _hasher, _dummy_hash = hasher, None


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not-a-real-password-just-for-timing")
    return _dummy_hash


MIN_LENGTH = 8
MAX_LENGTH = 128

# Commonly used passwords and keyboard runs that are also refused whatever their length.
_EXTRA_COMMON = {
    "woaini1314",
    "5201314520",
    "1qaz2wsx",
    "qwertyuiop",
    "zxcvbnm123",
    "password123",
    "admin12345",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "abcd1234",
    "a1234567",
    "aa123456",
    "qq123456",
    "iloveyou",
}


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of the zxcvbn corpus, lower-cased."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"]) | _EXTRA_COMMON


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def password_problems(password: str, *, email: str = "", name: str = "") -> list:
    """Reasons a new password is refused (translatable), empty when it is fine."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    lowered = password.lower()
    if lowered in common_passwords() or len(set(password)) <= 2:
        problems.append(_l("This password is too common and easy to guess; choose another."))
    local = email.split("@")[0].lower() if email else ""
    if local and len(local) >= 4 and local in lowered:
        problems.append(_l("The password must not contain your e-mail address."))
    return problems
