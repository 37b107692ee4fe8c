"""Access rows: the administrators' pages of the agency directory (tests/agencies/test_pages.py checks what
they show).

The world's agencies (``build``): ``city_agency`` (the city CA's: the administrator here manages it),
``county_agency`` (the county below it: theirs too), ``province_agency`` (the province above: in their
line, but kept by the province's administrators) and ``sibling_agency`` (the sibling city CB's). Only
administrators reach these pages (403 for every other role, before any lookup); an agency the
administrator does not manage answers 404, exactly as one that does not exist.
"""

from __future__ import annotations

from tests.access_rows import expect


def _agency_form(w):
    """A complete form for the city's region."""
    return {
        "centre_id": str(w.city.id),
        "name": "矩阵测试局",
        "kind": "copyright",
        "rights": "copyright",
        "email": "",
    }


ROWS = [
    ("GET", lambda w: "/admin/agencies", expect(403, anon=302, admin=200)),
    ("GET", lambda w: "/admin/agencies/new", expect(403, anon=302, admin=200)),
    # no rights chosen: refused beside the field
    (
        "POST",
        lambda w: "/admin/agencies/new",
        expect(403, anon=302, admin=422),
        lambda w: {**_agency_form(w), "rights": ""},
    ),
    ("POST", lambda w: "/admin/agencies/new", expect(403, anon=302, admin=302), _agency_form),
    # a region that is not the administrator's is not a choice
    (
        "POST",
        lambda w: "/admin/agencies/new",
        expect(403, anon=302, admin=422),
        lambda w: {**_agency_form(w), "centre_id": str(w.sibling.id)},
    ),
    ("GET", lambda w: f"/admin/agencies/{w.city_agency.id}/edit", expect(403, anon=302, admin=200)),
    ("GET", lambda w: f"/admin/agencies/{w.county_agency.id}/edit", expect(403, anon=302, admin=200)),
    ("GET", lambda w: f"/admin/agencies/{w.province_agency.id}/edit", expect(403, anon=302, admin=404)),
    ("GET", lambda w: f"/admin/agencies/{w.sibling_agency.id}/edit", expect(403, anon=302, admin=404)),
    ("GET", lambda w: "/admin/agencies/2147483647/edit", expect(403, anon=302, admin=404)),
    (
        "POST",
        lambda w: f"/admin/agencies/{w.city_agency.id}/edit",
        expect(403, anon=302, admin=302),
        lambda w: {**_agency_form(w), "name": w.city_agency.name},
    ),
    ("POST", lambda w: f"/admin/agencies/{w.sibling_agency.id}/edit", expect(403, anon=302, admin=404), _agency_form),
    ("POST", lambda w: f"/admin/agencies/{w.province_agency.id}/edit", expect(403, anon=302, admin=404), _agency_form),
    ("POST", lambda w: f"/admin/agencies/{w.county_agency.id}/deactivate", expect(403, anon=302, admin=303)),
    ("POST", lambda w: f"/admin/agencies/{w.county_agency.id}/activate", expect(403, anon=302, admin=303)),
    ("POST", lambda w: f"/admin/agencies/{w.sibling_agency.id}/deactivate", expect(403, anon=302, admin=404)),
    ("POST", lambda w: f"/admin/agencies/{w.province_agency.id}/deactivate", expect(403, anon=302, admin=404)),
    ("GET", lambda w: "/admin/agencies/import", expect(403, anon=302, admin=200)),
    # no file: refused beside the field
    (
        "POST",
        lambda w: "/admin/agencies/import",
        expect(403, anon=302, admin=422),
        lambda w: {"centre_id": str(w.city.id)},
    ),
    ("GET", lambda w: "/admin/agencies/import/template.csv", expect(403, anon=302, admin=200)),
]


def build(w, make):
    from app.agencies.models import AgencyKind
    from tests.agencies.conftest import new_agency

    session = make.session
    w.city_agency = new_agency(session, w.city, "乙市市场监督管理局（矩阵）")
    w.county_agency = new_agency(session, w.county, "丙县市场监督管理局（矩阵）")
    w.province_agency = new_agency(session, w.province, "甲省海关（矩阵）", AgencyKind.CUSTOMS, ["trademark"])
    w.sibling_agency = new_agency(session, w.sibling, "丁市市场监督管理局（矩阵）")


def check(role, w, client):
    """The administrator's list shows their regions' agencies, never the sibling's."""
    if role != "admin":
        return
    page = client.get("/admin/agencies").get_data(as_text=True)
    assert w.city_agency.name in page and w.county_agency.name in page
    assert w.sibling_agency.name not in page and w.province_agency.name not in page
