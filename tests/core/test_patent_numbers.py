"""Chinese patent application numbers and other right numbers (DOMAIN.md "Identifiers worth validating").

Expected check characters come from ``reference_check`` below, a plain transcription of
DOMAIN.md (weights 2,3,4,5,6,7,8,9,2,3,4,5 for 12 digits, 2..9 for the old 8 digits; sum
mod 11, 10 written X). The app's own ``patent_check_char`` never produces an expected value.
Messages are compared in English (lazy messages render untranslated outside a request).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.identifiers import IdentifierError, normalise_patent_number, normalise_right_number


def reference_check(digits: str) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5] if len(digits) == 12 else [2, 3, 4, 5, 6, 7, 8, 9]
    assert len(digits) == len(weights)
    total = 0
    for digit, weight in zip(digits, weights, strict=True):
        total += int(digit) * weight
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def numbered(body: str) -> str:
    return f"{body}.{reference_check(body)}"


def first_body_with_check(prefix: str, check: str) -> str:
    """The first 12-digit body starting with ``prefix`` whose check character is ``check``."""
    for n in range(10 ** (12 - len(prefix))):
        body = prefix + str(n).zfill(12 - len(prefix))
        if reference_check(body) == check:
            return body
    raise AssertionError(f"no body {prefix}… with check {check}")


DOMAIN_EXAMPLE = "201710601862.3"
# One number of each type digit, with what each digit stands for (DOMAIN.md).
BY_TYPE_DIGIT = {
    "1": ("invention_patent", numbered("201710601862")),
    "2": ("utility_model", numbered("202320123456")),
    "3": ("design", numbered("201930512345")),
    "8": ("invention_patent", numbered("201880034567")),  # PCT application, national phase
    "9": ("utility_model", numbered("202190045678")),  # PCT utility model
}
WITH_X = numbered(first_body_with_check("20203", "X"))
WITH_ZERO = numbered(first_body_with_check("20221", "0"))
# Before 2004: two-digit year, type digit, five-digit serial, check with weights 2..9.
OLD = {
    "1": ("invention_patent", numbered("98100123")),
    "2": ("utility_model", numbered("02234567")),
    "3": ("design", numbered("85300001")),
}
OLD_WITH_X = numbered(next(b for b in (f"991{n:05d}" for n in range(100000)) if reference_check(b) == "X"))
VALID = [DOMAIN_EXAMPLE, WITH_X, WITH_ZERO] + [n for _, n in BY_TYPE_DIGIT.values()] + [n for _, n in OLD.values()]
VALID.append(OLD_WITH_X)

FORMAT = "12 digits, a dot and a check character"
CHECK_CHAR_FORM = "The check character of a patent number is a digit or X."
TYPING_ERROR = "The check character does not match"
EMPTY = "Enter the patent number."
YEAR = "filing year"
OTHER_TYPE = "belongs to a patent of another type"


def message(raw, ip_type=None) -> str:
    with pytest.raises(IdentifierError) as info:
        normalise_patent_number(raw, ip_type)
    return str(info.value)


def test_reference_agrees_with_the_domain_example():
    # Guards the reference itself: if it were wrong, every test below would prove nothing.
    assert reference_check("201710601862") == "3"
    assert WITH_X.endswith(".X") and WITH_ZERO.endswith(".0") and OLD_WITH_X.endswith(".X")


# ---- valid numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers_are_accepted_as_written(number):
    assert normalise_patent_number(number) == number


@pytest.mark.parametrize("digit", sorted(BY_TYPE_DIGIT))
def test_each_type_digit_goes_with_its_type_of_right(digit):
    ip_type, number = BY_TYPE_DIGIT[digit]
    assert number[4] == digit
    assert normalise_patent_number(number, ip_type) == number
    for other in {"invention_patent", "utility_model", "design"} - {ip_type}:
        assert OTHER_TYPE in message(number, other)
        assert f"type digit {digit}" in message(number, other)


@pytest.mark.parametrize("digit", sorted(OLD))
def test_old_eight_digit_numbers_carry_the_type_in_their_third_digit(digit):
    ip_type, number = OLD[digit]
    assert len(number) == 10 and number[2] == digit
    assert normalise_patent_number(number, ip_type) == number
    for other in {"invention_patent", "utility_model", "design"} - {ip_type}:
        assert OTHER_TYPE in message(number, other)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("ZL201710601862.3", DOMAIN_EXAMPLE),  # a granted patent
        ("zl201710601862.3", DOMAIN_EXAMPLE),
        ("CN201710601862.3", DOMAIN_EXAMPLE),
        ("cn 201710601862.3", DOMAIN_EXAMPLE),
        ("ZL 2017 1060 1862.3", DOMAIN_EXAMPLE),
        ("  201710601862.3  ", DOMAIN_EXAMPLE),
        ("2017106018623", DOMAIN_EXAMPLE),  # the dot left out
        ("ZL2017106018623", DOMAIN_EXAMPLE),
        ("2017\t1060\n1862 . 3", DOMAIN_EXAMPLE),
        ("2017\u30001060\u30001862.3", DOMAIN_EXAMPLE),  # ideographic spaces from a Chinese IME
        (WITH_X.lower(), WITH_X),  # a lower-case x
        (WITH_X.replace(".", ""), WITH_X),
        ("ZL" + OLD["1"][1], OLD["1"][1]),
        (OLD["2"][1].replace(".", ""), OLD["2"][1]),
        (OLD_WITH_X.lower(), OLD_WITH_X),
    ],
)
def test_prefixes_spaces_case_and_a_missing_dot_are_normalised(raw, expected):
    assert normalise_patent_number(raw) == expected


def test_the_year_may_be_from_1985_to_2100():
    assert normalise_patent_number(numbered("198510000017")) == numbered("198510000017")
    assert normalise_patent_number(numbered("210020000017")) == numbered("210020000017")


# ---- typing errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("number", VALID)
def test_every_single_digit_substitution_is_rejected(number):
    """Every weight is below 11 and 11 is prime, so changing any one digit changes the sum mod 11."""
    digits, check = number.split(".")
    accepted = []
    tried = 0
    for position in range(len(digits)):
        for replacement in "0123456789":
            if replacement == digits[position]:
                continue
            typo = f"{digits[:position]}{replacement}{digits[position + 1 :]}.{check}"
            tried += 1
            try:
                normalise_patent_number(typo)
            except IdentifierError:
                continue
            accepted.append(typo)
    assert tried == 9 * len(digits)
    assert accepted == []


@pytest.mark.parametrize("number", VALID)
def test_every_other_check_character_is_rejected_as_a_typing_error(number):
    digits, check = number.split(".")
    for wrong in "0123456789X":
        if wrong != check:
            assert TYPING_ERROR in message(f"{digits}.{wrong}")


@pytest.mark.parametrize("number", VALID)
def test_swapping_two_neighbouring_digits_is_rejected(number):
    """Neighbouring weights differ (by 1, or by 7 where 9 meets 2), so a swap of different digits is caught."""
    digits, check = number.split(".")
    swapped = 0
    for i in range(len(digits) - 1):
        if digits[i] == digits[i + 1]:
            continue
        typo = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
        with pytest.raises(IdentifierError):
            normalise_patent_number(f"{typo}.{check}")
        swapped += 1
    assert swapped > 0


@pytest.mark.parametrize("digit", ["0", "4", "5", "6", "7"])
def test_unknown_type_digits_are_rejected_and_named(digit):
    body = f"2017{digit}0601862"
    text = message(numbered(body))  # a correct check character: only the type digit is wrong
    assert f"type digit of this patent number ({digit})" in text
    old = f"98{digit}00123"
    assert f"({digit})" in message(numbered(old))


@pytest.mark.parametrize("year", ["1984", "0000", "2101", "9999"])
def test_a_year_outside_1985_to_2100_is_rejected(year):
    assert YEAR in message(numbered(f"{year}10601862"))


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("", EMPTY),
        (None, EMPTY),
        ("   ", EMPTY),
        ("\u3000", EMPTY),
        ("ZL", EMPTY),
        ("CN", EMPTY),
        ("20171060186.3", FORMAT),  # 11 digits
        ("2017106018621.3", FORMAT),  # 13 digits
        ("201710601862.34", FORMAT),  # two check characters
        ("201710601862.", FORMAT),
        (".3", FORMAT),
        ("3", FORMAT),
        ("2017.10601862.3", FORMAT),
        ("2017106O1862.3", FORMAT),  # the letter O for a zero
        ("2017I0601862.3", FORMAT),  # the letter I for a one
        ("ABCDEFGHIJKL.3", FORMAT),
        ("201710601862-3", FORMAT),
        ("ZL201710601862.3号", FORMAT),
        ("9810012.3", FORMAT),  # 7 digits
        ("981001234.5", FORMAT),  # 9 digits
        ("201710601862.A", CHECK_CHAR_FORM),
        ("201710601862.Y", CHECK_CHAR_FORM),
        ("201710601862.三", CHECK_CHAR_FORM),
    ],
)
def test_malformed_input_is_rejected_with_a_clear_message(raw, expected):
    assert expected in message(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "２０１７１０６０１８６２．３",  # full-width digits and dot
        "２０１７１０６０１８６２.3",
        "201710601862.３",
        "٢٠١٧١٠٦٠١٨٦٢.3",  # Arabic-Indic digits are digits to Python, not to a patent office
    ],
)
def test_non_ascii_digits_never_pass_as_some_other_number(raw):
    """Whatever the function does with them, it never crashes or returns anything but the one right number."""
    try:
        result = normalise_patent_number(raw)
    except IdentifierError:
        return
    assert result == DOMAIN_EXAMPLE


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    year=st.integers(1985, 2100),
    type_digit=st.sampled_from("12389"),
    serial=st.integers(0, 9_999_999),
    wrong=st.sampled_from("0123456789X"),
)
def test_any_twelve_digit_number_has_exactly_one_check_character(year, type_digit, serial, wrong):
    body = f"{year}{type_digit}{serial:07d}"
    right = reference_check(body)
    assert normalise_patent_number(f"ZL{body}{right}") == f"{body}.{right}"
    if wrong != right:
        assert TYPING_ERROR in message(f"{body}.{wrong}")


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=20))
def test_any_text_is_either_a_well_formed_number_or_an_identifier_error(raw):
    try:
        result = normalise_patent_number(raw)
    except IdentifierError as exc:
        assert str(exc).strip()
        return
    digits, check = result.split(".")
    assert digits.isascii() and digits.isdigit() and len(digits) in (8, 12)
    assert check == reference_check(digits)


# ---- other rights ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ip_type, raw, expected",
    [
        ("utility_model", "ZL 202320123456.1", "202320123456.1"),
        ("invention_patent", "2017106018623", DOMAIN_EXAMPLE),
        ("design", BY_TYPE_DIGIT["3"][1], BY_TYPE_DIGIT["3"][1]),
        ("trademark", "12345678", "12345678"),
        ("trademark", " 1234 5678 ", "12345678"),
        ("trademark", "1", "1"),
        ("trademark", "1234567890", "1234567890"),
        ("trademark", "", ""),
        ("copyright", "国作登字-2021-F-00012345", "国作登字-2021-F-00012345"),
        ("copyright", "  软著登字   第1234567号 ", "软著登字 第1234567号"),
        ("geographical_indication", "AGI2015-01-1234", "AGI2015-01-1234"),
        ("plant_variety", "CNA20151234.5", "CNA20151234.5"),
        ("ic_layout", "BS.12500123.4", "BS.12500123.4"),
        ("trade_secret", "", ""),
        ("other", "x" * 60, "x" * 60),
    ],
)
def test_right_numbers_are_normalised_by_type(ip_type, raw, expected):
    assert normalise_right_number(raw, ip_type) == expected


@pytest.mark.parametrize(
    "ip_type, raw, expected",
    [
        ("invention_patent", "202320123456.1", OTHER_TYPE),  # a utility model number
        ("design", DOMAIN_EXAMPLE, OTHER_TYPE),
        ("utility_model", "202320123456.2", TYPING_ERROR),
        ("utility_model", "", EMPTY),
        ("trademark", "12345678901", "up to 10 digits"),
        ("trademark", "12345A", "up to 10 digits"),
        ("trademark", "第12345678号", "up to 10 digits"),
        # Full-width digits are read as ASCII digits now (tests/core/test_identifiers_fullwidth.py).
        ("trademark", "-1234", "up to 10 digits"),
        ("copyright", "x" * 61, "at most 60 characters"),
        ("other", "字" * 61, "at most 60 characters"),
    ],
)
def test_bad_right_numbers_are_rejected(ip_type, raw, expected):
    with pytest.raises(IdentifierError) as info:
        normalise_right_number(raw, ip_type)
    assert expected in str(info.value)
