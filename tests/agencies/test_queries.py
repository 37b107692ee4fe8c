"""The competent agencies of a case's right and region (nearest region first, then by kind and name), why
an agency does not fit, and the directory lists as each user may see them."""

from __future__ import annotations

from flask_babel import force_locale

from app.agencies.models import AgencyKind
from app.agencies.queries import KIND_ORDER, agencies_for, competent_agencies, mismatch_reasons
from app.cases.enums import IPType


def names(agencies):
    return [a.name for a in agencies]


def test_the_nearest_region_comes_first_then_kind_then_name(directory, regions):
    found = competent_agencies(regions.county, IPType.TRADEMARK)
    assert names(found) == [
        "丙县市场监督管理局",  # the county's own
        "乙市市场监督管理局",  # then the city's: market regulation before public security
        "乙市公安局",
        "甲省市场监督管理局",  # then the province's: market regulation before customs
        "甲省海关",
    ]


def test_only_active_agencies_that_take_the_right(directory, regions):
    found = names(competent_agencies(regions.city, "utility_model"))
    assert found == ["乙市市场监督管理局", "乙市知识产权局", "乙市公安局", "甲省市场监督管理局", "甲省海关"]
    assert "乙市原工商局" not in found  # deactivated, though it takes patents
    assert "丙县市场监督管理局" not in found  # below the city: not its region
    assert "丁市市场监督管理局" not in found and "戊省市场监督管理局" not in found
    assert names(competent_agencies(regions.city, IPType.COPYRIGHT)) == ["乙市公安局", "甲省版权局", "甲省海关"]
    assert names(competent_agencies(regions.sibling, IPType.PLANT_VARIETY)) == ["甲省海关"]


def test_kinds_are_offered_in_the_documented_order(regions, make_agency):
    for i, kind in enumerate(reversed(list(AgencyKind))):
        make_agency(regions.city, f"机关{i}", kind, ["trademark"])
    assert [a.kind for a in competent_agencies(regions.city, IPType.TRADEMARK)] == list(KIND_ORDER)


def test_an_agency_that_fits_has_no_reasons(directory, regions):
    assert mismatch_reasons(directory.city_market, regions.city, IPType.TRADEMARK) == []
    # an agency of a region above serves the case's region too
    assert mismatch_reasons(directory.province_customs, regions.county, IPType.PLANT_VARIETY) == []


def test_the_reasons_name_the_right_and_both_regions(directory, regions):
    with force_locale("en"):
        reasons = [str(r) for r in mismatch_reasons(directory.sibling_market, regions.city, IPType.COPYRIGHT)]
    assert reasons == [
        "This agency does not take Copyright matters.",
        "This agency serves 甲省丁市, not the region of the case's centre (甲省乙市).",
    ]
    # a region below the case's centre is not the case's region either
    with force_locale("en"):
        reasons = [str(r) for r in mismatch_reasons(directory.county_market, regions.city, IPType.TRADEMARK)]
    assert reasons == ["This agency serves 甲省乙市丙县, not the region of the case's centre (甲省乙市)."]


def test_a_deactivated_agency_says_so(directory, regions):
    with force_locale("en"):
        reasons = [str(r) for r in mismatch_reasons(directory.city_old, regions.city, "trademark")]
    assert reasons == ["This agency has been deactivated in the directory."]


def test_staff_see_their_line_never_a_siblings(directory, regions):
    caseworker = regions.users["caseworker"]  # at the city
    seen = set(names(agencies_for(caseworker, include_inactive=True)))
    assert seen == {
        "甲省市场监督管理局",
        "甲省海关",
        "甲省版权局",
        "乙市市场监督管理局",
        "乙市知识产权局",
        "乙市公安局",
        "乙市原工商局",
        "丙县市场监督管理局",
    }
    assert "乙市原工商局" not in names(agencies_for(caseworker))
    assert names(agencies_for(caseworker, inactive_only=True)) == ["乙市原工商局"]
    assert agencies_for(regions.applicant) == []
    # what an administrator manages: their subtree
    admin = regions.users["admin"]
    assert set(names(agencies_for(admin, subtree_only=True))) == {
        "乙市市场监督管理局",
        "乙市知识产权局",
        "乙市公安局",
        "丙县市场监督管理局",
    }


def test_the_list_filters(directory, regions):
    user = regions.province_admin
    assert names(agencies_for(user, region_centre=regions.sibling)) == ["丁市市场监督管理局"]
    assert names(agencies_for(user, kind=AgencyKind.CUSTOMS)) == ["甲省海关"]
    # a right's value is matched exactly, not as a part of another's
    assert set(names(agencies_for(user, right=IPType.DESIGN))) == {
        "甲省市场监督管理局",
        "甲省海关",
        "乙市市场监督管理局",
        "乙市知识产权局",
        "乙市公安局",
        "丙县市场监督管理局",
        "丁市市场监督管理局",
    }
    assert set(names(agencies_for(user, right="copyright"))) == {"甲省海关", "甲省版权局", "乙市公安局"}
    assert names(agencies_for(user, q="知识产权")) == ["乙市知识产权局"]
    assert names(agencies_for(user, q="amr.jia")) == ["甲省市场监督管理局"]
    assert agencies_for(user, q="100%_") == []


def test_the_list_is_ordered_by_region_then_kind(directory, regions):
    found = agencies_for(regions.province_admin)
    paths = [a.centre.path for a in found]
    assert paths == sorted(paths)
    city = [a.name for a in found if a.centre_id == regions.city.id]
    assert city == ["乙市市场监督管理局", "乙市知识产权局", "乙市公安局"]
