"""Access rows: notifications (everyone their own)."""

from tests.access_rows import expect

ROWS = [
    ("GET", lambda w: "/notifications", expect(200, anon=302)),
    ("POST", lambda w: "/notifications/read", expect(302), lambda w: {"all": "1"}),
    ("POST", lambda w: "/notifications/read", expect(422, anon=302), lambda w: {"id": "not-an-id"}),
]
