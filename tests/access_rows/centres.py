"""Access rows: the centres (the city's subtree is the city and its county)."""

from tests.access_rows import expect

ROWS = [
    ("GET", lambda w: "/centres", expect(403, anon=302, staff=200)),
    ("GET", lambda w: f"/centres/{w.city.id}", expect(403, anon=302, staff=200)),
    ("GET", lambda w: f"/centres/{w.county.id}", expect(403, anon=302, staff=200)),
    ("GET", lambda w: f"/centres/{w.province.id}", expect(403, anon=302, staff=404)),
    ("GET", lambda w: f"/centres/{w.sibling.id}", expect(403, anon=302, staff=404)),
]
