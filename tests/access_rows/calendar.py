"""Access rows: the working-day calendar.

Administrators read it; only the national centre's change it, and the admin here is a municipal
one (tests/clocks/test_calendar_admin.py, test_calendar_permissions.py)."""

from tests.access_rows import expect

ROWS = [
    ("GET", lambda w: "/admin/calendar", expect(403, anon=302, admin=200)),
    ("GET", lambda w: "/admin/calendar/edit", expect(403, anon=302, admin=200)),
    (
        "POST",
        lambda w: "/admin/calendar/edit",
        expect(403, anon=302),
        lambda w: {"year": "2099", "holidays": "2099-01-01 元旦", "workdays": ""},
    ),
    (
        "POST",
        lambda w: "/admin/calendar/edit",
        expect(403, anon=302),
        lambda w: {"year": "2099", "holidays": "2098-01-01 元旦", "workdays": ""},
    ),
]
