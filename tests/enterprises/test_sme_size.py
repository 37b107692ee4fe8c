"""SME size classes (工信部联企业〔2011〕300号): SME_SIZE.md, row by row.

Expected classes are written out from the table in SME_SIZE.md, not derived
from ``RULES``. Figures: staff in persons, revenue and assets in 万元.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale

from app.enterprises.sme_size import Industry, SizeClass, classify, explain, needs_assets

LARGE, MEDIUM, SMALL, MICRO = SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL, SizeClass.MICRO

# A figure the row does not use: deliberately huge, to show it is ignored.
HUGE = 10**7

# One entry per SME_SIZE.md row: (staff, revenue, assets, expected) cases covering
# large (exactly at the SME limit, i.e. not under it), exactly at every medium bound,
# one below each medium bound, exactly at every small bound, one below each small bound.
TABLE = {
    # revenue < 20000 | medium revenue 500 | small revenue 50
    Industry.AGRICULTURE: [
        (HUGE, 20000, None, LARGE),
        (HUGE, 19999, None, MEDIUM),
        (HUGE, 500, None, MEDIUM),
        (HUGE, 499, None, SMALL),
        (HUGE, 50, None, SMALL),
        (HUGE, 49, None, MICRO),
        (0, 0, None, MICRO),
    ],
    # staff < 1000 or revenue < 40000 | staff 300, revenue 2000 | staff 20, revenue 300
    Industry.INDUSTRY: [
        (1000, 40000, None, LARGE),
        (300, 2000, None, MEDIUM),
        (299, 2000, None, SMALL),
        (300, 1999, None, SMALL),
        (20, 300, None, SMALL),
        (19, 300, None, MICRO),
        (20, 299, None, MICRO),
    ],
    # revenue < 80000 or assets < 80000 | revenue 6000, assets 5000 | revenue 300, assets 300
    Industry.CONSTRUCTION: [
        (HUGE, 80000, 80000, LARGE),
        (HUGE, 6000, 5000, MEDIUM),
        (HUGE, 5999, 5000, SMALL),
        (HUGE, 6000, 4999, SMALL),
        (HUGE, 300, 300, SMALL),
        (HUGE, 299, 300, MICRO),
        (HUGE, 300, 299, MICRO),
    ],
    # staff < 200 or revenue < 40000 | staff 20, revenue 5000 | staff 5, revenue 1000
    Industry.WHOLESALE: [
        (200, 40000, None, LARGE),
        (20, 5000, None, MEDIUM),
        (19, 5000, None, SMALL),
        (20, 4999, None, SMALL),
        (5, 1000, None, SMALL),
        (4, 1000, None, MICRO),
        (5, 999, None, MICRO),
    ],
    # staff < 300 or revenue < 20000 | staff 50, revenue 500 | staff 10, revenue 100
    Industry.RETAIL: [
        (300, 20000, None, LARGE),
        (50, 500, None, MEDIUM),
        (49, 500, None, SMALL),
        (50, 499, None, SMALL),
        (10, 100, None, SMALL),
        (9, 100, None, MICRO),
        (10, 99, None, MICRO),
    ],
    # staff < 1000 or revenue < 30000 | staff 300, revenue 3000 | staff 20, revenue 200
    Industry.TRANSPORT: [
        (1000, 30000, None, LARGE),
        (300, 3000, None, MEDIUM),
        (299, 3000, None, SMALL),
        (300, 2999, None, SMALL),
        (20, 200, None, SMALL),
        (19, 200, None, MICRO),
        (20, 199, None, MICRO),
    ],
    # staff < 200 or revenue < 30000 | staff 100, revenue 1000 | staff 20, revenue 100
    Industry.WAREHOUSING: [
        (200, 30000, None, LARGE),
        (100, 1000, None, MEDIUM),
        (99, 1000, None, SMALL),
        (100, 999, None, SMALL),
        (20, 100, None, SMALL),
        (19, 100, None, MICRO),
        (20, 99, None, MICRO),
    ],
    # staff < 1000 or revenue < 30000 | staff 300, revenue 2000 | staff 20, revenue 100
    Industry.POSTAL: [
        (1000, 30000, None, LARGE),
        (300, 2000, None, MEDIUM),
        (299, 2000, None, SMALL),
        (300, 1999, None, SMALL),
        (20, 100, None, SMALL),
        (19, 100, None, MICRO),
        (20, 99, None, MICRO),
    ],
    # staff < 300 or revenue < 10000 | staff 100, revenue 2000 | staff 10, revenue 100
    Industry.ACCOMMODATION: [
        (300, 10000, None, LARGE),
        (100, 2000, None, MEDIUM),
        (99, 2000, None, SMALL),
        (100, 1999, None, SMALL),
        (10, 100, None, SMALL),
        (9, 100, None, MICRO),
        (10, 99, None, MICRO),
    ],
    # staff < 300 or revenue < 10000 | staff 100, revenue 2000 | staff 10, revenue 100
    Industry.CATERING: [
        (300, 10000, None, LARGE),
        (100, 2000, None, MEDIUM),
        (99, 2000, None, SMALL),
        (100, 1999, None, SMALL),
        (10, 100, None, SMALL),
        (9, 100, None, MICRO),
        (10, 99, None, MICRO),
    ],
    # staff < 2000 or revenue < 100000 | staff 100, revenue 1000 | staff 10, revenue 100
    Industry.INFORMATION_TRANSMISSION: [
        (2000, 100000, None, LARGE),
        (1999, 100000, None, MEDIUM),
        (100, 1000, None, MEDIUM),
        (99, 1000, None, SMALL),
        (100, 999, None, SMALL),
        (10, 100, None, SMALL),
        (9, 100, None, MICRO),
        (10, 99, None, MICRO),
    ],
    # staff < 300 or revenue < 10000 | staff 100, revenue 1000 | staff 10, revenue 50
    Industry.SOFTWARE_IT: [
        (300, 10000, None, LARGE),
        (100, 1000, None, MEDIUM),
        (99, 1000, None, SMALL),
        (100, 999, None, SMALL),
        (10, 50, None, SMALL),
        (9, 50, None, MICRO),
        (10, 49, None, MICRO),
    ],
    # revenue < 200000 or assets < 10000 | revenue 1000, assets 5000 | revenue 100, assets 2000
    Industry.REAL_ESTATE_DEVELOPMENT: [
        (HUGE, 200000, 10000, LARGE),
        (HUGE, 1000, 5000, MEDIUM),
        (HUGE, 999, 5000, SMALL),
        (HUGE, 1000, 4999, SMALL),
        (HUGE, 100, 2000, SMALL),
        (HUGE, 99, 2000, MICRO),
        (HUGE, 100, 1999, MICRO),
    ],
    # staff < 1000 or revenue < 5000 | staff 300, revenue 1000 | staff 100, revenue 500
    Industry.PROPERTY_MANAGEMENT: [
        (1000, 5000, None, LARGE),
        (300, 1000, None, MEDIUM),
        (299, 1000, None, SMALL),
        (300, 999, None, SMALL),
        (100, 500, None, SMALL),
        (99, 500, None, MICRO),
        (100, 499, None, MICRO),
    ],
    # staff < 300 or assets < 120000 | staff 100, assets 8000 | staff 10, assets 100
    Industry.LEASING_BUSINESS: [
        (300, HUGE, 120000, LARGE),
        (100, HUGE, 8000, MEDIUM),
        (99, HUGE, 8000, SMALL),
        (100, HUGE, 7999, SMALL),
        (10, HUGE, 100, SMALL),
        (9, HUGE, 100, MICRO),
        (10, HUGE, 99, MICRO),
    ],
    # staff < 300 | staff 100 | staff 10
    Industry.OTHER: [
        (300, HUGE, None, LARGE),
        (299, HUGE, None, MEDIUM),
        (100, HUGE, None, MEDIUM),
        (99, HUGE, None, SMALL),
        (10, HUGE, None, SMALL),
        (9, HUGE, None, MICRO),
    ],
}


def test_table_covers_every_industry():
    assert set(TABLE) == set(Industry)
    assert len(TABLE) == 16


@pytest.mark.parametrize("industry", list(TABLE), ids=lambda i: i.value)
def test_table_row(industry):
    got = [
        (staff, revenue, assets, classify(industry, staff, revenue, assets).size_class)
        for staff, revenue, assets, _ in TABLE[industry]
    ]
    assert got == TABLE[industry]


@pytest.mark.parametrize(
    "staff, revenue, expected",
    [
        (15, 5000, MICRO),  # staff under 20
        (250, 3000, SMALL),  # staff under 300 for medium
        (400, 2500, MEDIUM),
        (1200, 50000, LARGE),
        (1200, 1500, SMALL),  # an SME because revenue < 40000; medium fails on revenue
    ],
)
def test_worked_examples(staff, revenue, expected):
    assert classify(Industry.INDUSTRY, staff, revenue).size_class is expected


def test_industry_accepts_its_string_value():
    assert classify("industry", 400, 2500).size_class is MEDIUM


# ---- "or" in the SME column --------------------------------------------------------------


@pytest.mark.parametrize(
    "industry, staff, revenue, assets, expected",
    [
        # over the staff limit, under the revenue limit
        (Industry.INDUSTRY, 5000, 39999, None, MEDIUM),
        (Industry.INDUSTRY, 1200, 1500, None, SMALL),
        # under the staff limit, over the revenue limit
        (Industry.INDUSTRY, 999, 10**6, None, MEDIUM),
        (Industry.RETAIL, 9, 10**6, None, MICRO),
        # construction: over on revenue, under on assets; and the other way round
        (Industry.CONSTRUCTION, 0, 90000, 7000, MEDIUM),
        (Industry.CONSTRUCTION, 0, 7000, 90000, MEDIUM),
        # leasing: over on staff, under on assets
        (Industry.LEASING_BUSINESS, 500, 0, 1000, SMALL),
        # real estate: huge revenue, assets just under the SME limit
        (Industry.REAL_ESTATE_DEVELOPMENT, 0, 10**6, 9999, MEDIUM),
    ],
)
def test_under_either_sme_limit_is_enough(industry, staff, revenue, assets, expected):
    assert classify(industry, staff, revenue, assets).size_class is expected


# ---- assets ------------------------------------------------------------------------------


ASSET_INDUSTRIES = {Industry.CONSTRUCTION, Industry.REAL_ESTATE_DEVELOPMENT, Industry.LEASING_BUSINESS}


@pytest.mark.parametrize("industry", list(Industry), ids=lambda i: i.value)
def test_needs_assets_only_for_construction_real_estate_and_leasing(industry):
    assert needs_assets(industry) is (industry in ASSET_INDUSTRIES)


@pytest.mark.parametrize("industry", sorted(ASSET_INDUSTRIES), ids=lambda i: i.value)
def test_classify_requires_assets_where_the_row_uses_them(industry):
    with pytest.raises(ValueError, match="assets"):
        classify(industry, 50, 1000, None)


@pytest.mark.parametrize("industry", sorted(set(Industry) - ASSET_INDUSTRIES), ids=lambda i: i.value)
def test_classify_does_not_need_assets_elsewhere(industry):
    assert classify(industry, 50, 1000, None).size_class in set(SizeClass)


# ---- bad figures -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "industry, staff, revenue, assets",
    [
        (Industry.INDUSTRY, -1, 1000, None),
        (Industry.INDUSTRY, 50, -1, None),
        (Industry.INDUSTRY, 50, Decimal("-0.01"), None),
        (Industry.CONSTRUCTION, 50, 1000, -1),
        (Industry.LEASING_BUSINESS, -5, 1000, 1000),
    ],
)
def test_negative_figures_are_rejected(industry, staff, revenue, assets):
    with pytest.raises(ValueError, match="negative"):
        classify(industry, staff, revenue, assets)


# ---- Decimal figures at the bounds -------------------------------------------------------


@pytest.mark.parametrize(
    "staff, revenue, expected",
    [
        (20, Decimal("299.99"), MICRO),  # a fen under the small revenue bound 300
        (20, Decimal("300"), SMALL),
        (20, Decimal("300.00"), SMALL),
        (20, 300, SMALL),
        (300, Decimal("1999.99"), SMALL),  # just under the medium revenue bound 2000
        (300, Decimal("2000.00"), MEDIUM),
        (1000, Decimal("39999.99"), MEDIUM),  # just under the SME revenue limit 40000
        (1000, Decimal("40000.00"), LARGE),
    ],
)
def test_decimal_revenue_at_the_bounds(staff, revenue, expected):
    assert classify(Industry.INDUSTRY, staff, revenue).size_class is expected


# ---- explain() ---------------------------------------------------------------------------


def english_explanation(app, industry, staff, revenue, assets=None):
    with app.app_context(), force_locale("en"):
        return explain(classify(industry, staff, revenue, assets))


def test_explain_sme_by_revenue_failing_medium_on_revenue(app):
    # Worked example: 1200 staff, revenue 1500 → small.
    lines = english_explanation(app, Industry.INDUSTRY, 1200, 1500)
    assert lines[0] == "Industry row: Industry (mining, manufacturing, utilities)."
    sme, not_medium, small = lines[1:]
    assert "SME" in sme
    assert "1500 < 40000" in sme
    assert "1200" not in sme  # staff is not under 1000, so it is not why the firm is an SME
    assert not_medium.startswith("Not medium")
    assert "revenue" in not_medium and "1500 < 2000" in not_medium
    assert "staff" not in not_medium  # staff 1200 meets the medium bound 300
    assert small.startswith("Small")


def test_explain_micro_names_the_small_bound_it_is_under(app):
    # Worked example: 15 staff, revenue 5000 → micro (staff under 20).
    lines = english_explanation(app, Industry.INDUSTRY, 15, 5000)
    assert lines[-1].startswith("Micro")
    assert "staff 15 < 20" in lines[-1]
    assert "revenue" not in lines[-1]  # revenue 5000 meets the small bound 300


def test_explain_micro_names_every_small_bound_it_is_under(app):
    lines = english_explanation(app, Industry.CONSTRUCTION, 0, 299, Decimal("250.5"))
    assert lines[-1].startswith("Micro")
    assert "299 < 300" in lines[-1]
    assert "250.5 < 300" in lines[-1]


def test_explain_large_and_medium(app):
    large = english_explanation(app, Industry.INDUSTRY, 1200, 50000)
    assert large[-1].startswith("Not an SME")
    assert "1200 ≥ 1000" in large[-1] and "50000 ≥ 40000" in large[-1]
    medium = english_explanation(app, Industry.INDUSTRY, 400, 2500)
    assert medium[-1].startswith("Medium")
    assert "400 ≥ 300" in medium[-1] and "2500 ≥ 2000" in medium[-1]


def test_explain_formats_decimals_without_noise(app):
    lines = english_explanation(app, Industry.INDUSTRY, 20, Decimal("1500.00"))
    assert "1500 < 40000" in lines[1]
    assert "1500.00" not in " ".join(lines)
    lines = english_explanation(app, Industry.INDUSTRY, 20, Decimal("299.99"))
    assert "299.99 < 300" in lines[-1]
