"""Access rows: the monthly report, its PDF and workbook, its drill-down lists and the statistics
(tests/reports/test_pages.py and test_drill.py check what they show).

The users are at the city CA; its subtree is CA and the county CAC. Supervisors and administrators
read the reports of their subtree (another centre, above, beside or unknown, is a 404); the other
roles are refused (403). Bad input is a message on the page (200), never a 500.
"""

from __future__ import annotations

from tests.access_rows import expect

READ = expect(403, anon=302, supervisor=200, admin=200)
HIDDEN = expect(403, anon=302, supervisor=404, admin=404)
INVALID = expect(403, anon=302, supervisor=422, admin=422)

ROWS = [
    ("GET", lambda w: "/reports/monthly", READ),
    ("GET", lambda w: "/reports/monthly?centre=CAC&month=2026-10&scope=alone", READ),
    ("GET", lambda w: "/reports/monthly?centre=CA&month=2099-01", READ),  # the form says why
    ("GET", lambda w: "/reports/monthly?centre=CB", HIDDEN),  # a sibling city
    ("GET", lambda w: "/reports/monthly?centre=PA", HIDDEN),  # the province above
    ("GET", lambda w: "/reports/monthly?centre=NOPE", HIDDEN),
    ("GET", lambda w: "/reports/monthly.pdf?centre=CA&month=2026-10", READ),
    ("GET", lambda w: "/reports/monthly.pdf?centre=CB&month=2026-10", HIDDEN),
    ("GET", lambda w: "/reports/monthly.pdf?centre=CA&month=2026-00", INVALID),
    ("GET", lambda w: "/reports/monthly.xlsx?centre=CA&month=2026-10", READ),
    ("GET", lambda w: "/reports/monthly.xlsx?centre=PB&month=2026-10", HIDDEN),
    ("GET", lambda w: "/reports/monthly/list?measure=cases.received&centre=CA&month=2026-10", READ),
    ("GET", lambda w: "/reports/monthly/list?measure=cases.received&centre=CB&month=2026-10", HIDDEN),
    ("GET", lambda w: "/reports/monthly/list?measure=no.such&centre=CA&month=2026-10", HIDDEN),
    ("GET", lambda w: "/reports/statistics?centre=CA&date_from=2026-01-01&date_to=2026-01-31&kind=complaint", READ),
    ("GET", lambda w: "/reports/statistics?centre=CA&date_from=bad", READ),  # the form says why
    ("GET", lambda w: "/reports/statistics?centre=CB", HIDDEN),
    ("GET", lambda w: "/reports/charts.css", expect(200)),  # the charts' styles: no data in them
]
