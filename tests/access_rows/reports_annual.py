"""Access rows: the annual reports' pages (tests/reports/annual/test_pages.py checks what they show).

The world's reports (``build``): ``annual`` (the city's, a draft: the city's supervisor writes it),
``county_annual`` (the county's, issued: the city's supervisor approved it) and ``sibling_annual`` (a sibling
city's: nobody here sees it). Supervisors and administrators read the reports of their subtree; the other
roles are refused the pages (403); which actions a reader may take is the report's door's (403 for an
action of the wrong centre).
"""

from __future__ import annotations

from tests.access_rows import expect

READERS = {"supervisor": 200, "admin": 200}
SECTIONS = {
    "situation": "情况",
    "results": "成效",
    "problems": "问题",
    "next_steps": "下一步",
    "suggestions": "建议",
}

ROWS = [
    ("GET", lambda w: "/reports/annual", expect(403, anon=302, **READERS)),
    ("GET", lambda w: f"/reports/annual/{w.annual.id}", expect(403, anon=302, **READERS)),
    ("GET", lambda w: f"/reports/annual/{w.county_annual.id}", expect(403, anon=302, **READERS)),
    ("GET", lambda w: f"/reports/annual/{w.sibling_annual.id}", expect(403, anon=302, supervisor=404, admin=404)),
    ("GET", lambda w: "/reports/annual/2147483647", expect(403, anon=302, supervisor=404, admin=404)),
    # the PDF: issued (the county's), not yet (the city's), out of scope (the sibling's)
    ("GET", lambda w: f"/reports/annual/{w.county_annual.id}/pdf", expect(403, anon=302, **READERS)),
    ("GET", lambda w: f"/reports/annual/{w.annual.id}/pdf", expect(403, anon=302, supervisor=404, admin=404)),
    ("GET", lambda w: f"/reports/annual/{w.sibling_annual.id}/pdf", expect(403, anon=302, supervisor=404, admin=404)),
    # the actions: the city's supervisor writes the city's report; the administrator acts on none of it
    (
        "POST",
        lambda w: f"/reports/annual/{w.annual.id}/actions/save",
        expect(403, anon=302, supervisor=302),
        lambda w: SECTIONS,
    ),
    (
        "POST",
        lambda w: f"/reports/annual/{w.annual.id}/actions/approve",
        expect(403, anon=302),
    ),
    (
        "POST",
        lambda w: f"/reports/annual/{w.annual.id}/actions/no_such_action",
        expect(403, anon=302, supervisor=404, admin=404),
    ),
    (
        "POST",
        lambda w: f"/reports/annual/{w.sibling_annual.id}/actions/save",
        expect(403, anon=302, supervisor=404, admin=404),
        lambda w: SECTIONS,
    ),
    (
        "POST",
        lambda w: f"/reports/annual/{w.county_annual.id}/actions/return",  # issued: read-only
        expect(403, anon=302, supervisor=422),
        lambda w: {"comment": "再改改"},
    ),
]


def build(w, make):
    """The reports the rows reach (see the module's docstring)."""
    from app.auth.models import Role
    from app.core.db import utcnow
    from app.core.workdays import china_day
    from app.reports.annual import services

    now = utcnow()
    year = china_day(now).year - 1
    w.annual = services.prepare_draft(w.city, year, now)
    w.sibling_annual = services.prepare_draft(w.sibling, year, now)
    w.county_annual = services.prepare_draft(w.county, year, now)
    county_writer = make.make_user(Role.SUPERVISOR, centre=w.county, email="sup@county-annual.cn")
    services.submit(county_writer, w.county_annual, SECTIONS)
    services.approve(w.users["supervisor"], w.county_annual)
    make.session.commit()
