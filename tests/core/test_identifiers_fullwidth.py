"""Identifiers as people type them: full-width digits, letters and dots from a Chinese input method, the
ideographic full stop as a decimal point, ideographic spaces; and a patent publication number refused
with where to find the application number. Messages are compared in English (lazy messages render
untranslated outside a request)."""

from __future__ import annotations

import pytest

from app.core.identifiers import (
    IdentifierError,
    normalise_credit_code,
    normalise_patent_number,
    normalise_right_number,
)

DOMAIN_EXAMPLE = "201710601862.3"
CREDIT_CODE = "91440300708461136T"  # a valid code (its check character is right)


def full_width(text: str) -> str:
    """``text`` with every ASCII letter, digit and the dot in its full-width form (U+FF01..U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    "raw",
    [
        "ZL２０１７１０６０１８６２．３",  # the example
        "201710601862．３",
        "２０１７１０６０１８６２．３",
        full_width("ZL201710601862.3"),
        "２０１７１０６０１８６２。３",  # the ideographic full stop typed as the decimal point
        "201710601862。3",
        "ＺＬ　２０１７　１０６０　１８６２．３",  # ideographic spaces
        "ｚｌ２０１７１０６０１８６２．３",
    ],
)
def test_full_width_patent_numbers_validate(raw):
    assert normalise_patent_number(raw) == DOMAIN_EXAMPLE
    assert normalise_right_number(raw, "invention_patent") == DOMAIN_EXAMPLE


def test_a_full_width_number_with_a_typing_error_is_still_refused():
    with pytest.raises(IdentifierError, match="check character does not match"):
        normalise_patent_number("ZL２０１７１０６０１８６２．４")


@pytest.mark.parametrize(
    "raw", [full_width(CREDIT_CODE), full_width(CREDIT_CODE.lower()), "９１４４０３００　７０８４６１１３６Ｔ"]
)
def test_a_full_width_credit_code_validates(raw):
    assert normalise_credit_code(raw) == CREDIT_CODE


def test_a_full_width_credit_code_with_a_typing_error_is_refused():
    with pytest.raises(IdentifierError, match="check character"):
        normalise_credit_code(full_width(CREDIT_CODE[:-1] + "X"))


def test_full_width_trademark_numbers_are_digits():
    assert normalise_right_number("１２３４５６７８", "trademark") == "12345678"
    with pytest.raises(IdentifierError, match="up to 10 digits"):
        normalise_right_number("１２３４５６７８９０１", "trademark")


@pytest.mark.parametrize(
    "raw",
    [
        "CN 209123456 U",  # a utility model's grant publication
        "CN209123456U",
        "cn 112345678 a",  # an invention's application publication
        "CN 112345678 B",
        "CN 305123456 S",  # a design
        "ＣＮ２０９１２３４５６Ｕ",
        "CN 1234567 C",  # an older invention grant
    ],
)
def test_a_publication_number_asks_for_the_application_number(raw):
    with pytest.raises(IdentifierError) as info:
        normalise_patent_number(raw)
    message = str(info.value)
    assert "publication number" in message and "application number" in message
    assert "申请号" in message and "专利号" in message  # the words printed on the certificate and search page
    assert "patent certificate" in message and "CNIPA" in message
