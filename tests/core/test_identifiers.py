"""Unified social credit code check (GB 32100-2015, DOMAIN.md "Identifiers worth validating").

Expected check characters are computed by ``reference_check_char`` below, an
independent, deliberately plain transcription of DOMAIN.md; the app's own
``credit_code_check_char`` is never used to produce an expected value.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.identifiers import IdentifierError, normalise_credit_code

# DOMAIN.md: 18 characters from this set (no I, O, S, V, Z).
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
MO_FILE = Path(__file__).resolve().parents[2] / "app" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.mo"


def reference_check_char(first17: str) -> str:
    """Position i (0-based) has weight 3^i mod 31; check = charset[(31 - sum mod 31) mod 31]."""
    assert len(first17) == 17
    total = 0
    for i, ch in enumerate(first17):
        weight = (3**i) % 31
        total += CHARSET.index(ch) * weight
    return CHARSET[(31 - total % 31) % 31]


def with_check(first17: str) -> str:
    return first17 + reference_check_char(first17)


def english(exc: IdentifierError) -> str:
    with force_locale("en"):
        return str(exc)


DOMAIN_EXAMPLES = ["91110000802100433B", "91440300708461136T"]

# Bodies chosen to exercise letters and the two ends of the charset: the first
# two give check characters "0" (sum ≡ 0 mod 31, so the outer "mod 31" matters)
# and "Y" (the last character).
COMPUTED_BODIES = [
    "91440300000000025",  # check "0"
    "91440300000000015",  # check "Y"
    "91310000MA1FL0000",
    "12100000400000000",
    "52110000MJ0000000",
    "Y1440300XXXXXXXXX",
]
VALID_CODES = DOMAIN_EXAMPLES + [with_check(b) for b in COMPUTED_BODIES]


def test_reference_implementation_agrees_with_domain_examples():
    # Guards the reference itself: if it were wrong, the tests below would prove nothing.
    for code in DOMAIN_EXAMPLES:
        assert reference_check_char(code[:17]) == code[17]
    assert reference_check_char("91440300000000025") == "0"
    assert reference_check_char("91440300000000015") == "Y"


# ---- valid codes -------------------------------------------------------------------------


@pytest.mark.parametrize("code", DOMAIN_EXAMPLES)
def test_domain_examples_are_valid(code):
    assert normalise_credit_code(code) == code


@pytest.mark.parametrize("body", COMPUTED_BODIES)
def test_codes_with_independently_computed_check_char_are_valid(body):
    code = body + reference_check_char(body)
    assert normalise_credit_code(code) == code


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("91110000802100433b", "91110000802100433B"),  # lower-case check character
        ("91310000ma1fl0000n", "91310000MA1FL0000N"),  # lower-case letters in the body
        ("9111 0000 8021 0043 3B", "91110000802100433B"),  # grouped with spaces
        ("  91440300708461136T  ", "91440300708461136T"),  # surrounding spaces
        ("914403\t00708461\n136T", "91440300708461136T"),  # tab and newline
        ("9144\u300003007084\u300061136t", "91440300708461136T"),  # ideographic space from a Chinese IME
    ],
    ids=["lower-check", "lower-body", "grouped", "padded", "tab-newline", "ideographic-space"],
)
def test_lower_case_and_whitespace_are_normalised(raw, expected):
    assert normalise_credit_code(raw) == expected


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(alphabet=CHARSET, min_size=17, max_size=17))
def test_any_body_with_its_reference_check_char_is_accepted_and_no_other_is(body):
    right = reference_check_char(body)
    assert normalise_credit_code(body + right) == body + right
    for wrong in CHARSET.replace(right, ""):
        with pytest.raises(IdentifierError):
            normalise_credit_code(body + wrong)


# ---- invalid codes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, length",
    [
        ("91110000802100433", 17),  # check character dropped
        ("91110000802100433BB", 19),  # one character too many
        ("9111000080210043", 16),
        ("9", 1),
        ("91110000802100433B91110000802100433B", 36),  # pasted twice
    ],
)
def test_wrong_length_is_rejected_with_the_length_in_the_message(app, raw, length):
    with app.app_context(), pytest.raises(IdentifierError) as info:
        normalise_credit_code(raw)
    with app.app_context():
        message = english(info.value)
    assert "18 characters" in message
    assert f"has {length}" in message


@pytest.mark.parametrize("raw", ["", "   ", "\u3000", None])
def test_empty_input_is_rejected_asking_for_a_code(app, raw):
    with app.app_context(), pytest.raises(IdentifierError) as info:
        normalise_credit_code(raw)
    with app.app_context():
        assert english(info.value) == "Enter the unified social credit code."


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
@pytest.mark.parametrize("position", [0, 9, 17])
def test_forbidden_letters_are_rejected_and_named(app, letter, position):
    code = DOMAIN_EXAMPLES[0]
    bad = code[:position] + letter + code[position + 1 :]
    assert len(bad) == 18
    with app.app_context(), pytest.raises(IdentifierError) as info:
        normalise_credit_code(bad)
    with app.app_context():
        message = english(info.value)
    assert "cannot contain" in message
    assert message.endswith(f"contain {letter}.")
    assert "check character" not in message


def test_several_forbidden_letters_are_all_named(app):
    with app.app_context(), pytest.raises(IdentifierError) as info:
        normalise_credit_code("9111000080210O4S3i")  # lower-case i is upper-cased, then refused
    with app.app_context():
        message = english(info.value)
    for letter in "IOS":
        assert letter in message.split("contain", 1)[1]


@pytest.mark.parametrize("code", VALID_CODES)
def test_wrong_check_character_is_rejected_with_a_specific_message(app, code):
    wrong = CHARSET[(CHARSET.index(code[17]) + 1) % 31]
    with app.app_context(), pytest.raises(IdentifierError) as info:
        normalise_credit_code(code[:17] + wrong)
    with app.app_context():
        message = english(info.value)
    assert "check character" in message
    assert "18th" in message


@pytest.mark.parametrize("code", VALID_CODES)
def test_every_single_character_substitution_is_detected(app, code):
    """Weights 3^i mod 31 are never 0 mod the prime 31, so changing any one character changes the sum."""
    misses = []
    for position in range(18):
        for replacement in CHARSET:
            if replacement == code[position]:
                continue
            typo = code[:position] + replacement + code[position + 1 :]
            try:
                normalise_credit_code(typo)
            except IdentifierError:
                continue
            misses.append(typo)
    assert misses == []


@pytest.mark.parametrize("code", VALID_CODES)
def test_every_adjacent_transposition_in_the_body_is_detected(code):
    """Swapping distinct characters at i, i+1 changes the sum by ±2·(a-b)·3^i, never 0 mod 31."""
    swapped = 0
    for i in range(16):
        if code[i] == code[i + 1]:
            continue
        typo = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        with pytest.raises(IdentifierError):
            normalise_credit_code(typo)
        swapped += 1
    assert swapped > 0


# ---- messages in both languages ----------------------------------------------------------


def test_zh_cn_catalog_is_compiled():
    assert MO_FILE.exists(), f"{MO_FILE} missing: run `.venv/bin/pybabel compile -d app/translations -D messages`"


def test_zh_cn_locale_finds_the_zh_cn_catalog(app):
    # Babel parses "zh_CN" as zh_Hans_CN; the catalog must be found under the name Babel looks for,
    # otherwise every Chinese user silently gets English however complete messages.po is.
    from flask_babel import get_locale, get_translations

    with app.app_context(), force_locale("zh_CN"):
        locale, loaded = str(get_locale()), list(get_translations().files)
    assert loaded, f"no messages.mo loaded for locale {locale} from app/translations"


@pytest.mark.parametrize(
    "raw",
    ["91110000802100433C", "91110000802100433", "9111000080210043OB", ""],
    ids=["check-character", "length", "forbidden-letter", "empty"],
)
def test_message_is_translated_into_chinese(app, raw):
    assert MO_FILE.exists()
    with app.app_context():
        with pytest.raises(IdentifierError) as info:
            normalise_credit_code(raw)
        # The message is lazy: the same exception renders in whichever locale reads it.
        with force_locale("en"):
            in_english = str(info.value)
        with force_locale("zh_CN"):
            in_chinese = str(info.value)
    assert in_english
    assert in_chinese
    assert in_chinese != in_english, f"zh_CN message is untranslated: {in_chinese!r}"
