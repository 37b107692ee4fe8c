"""Access rows: my work and the escalation board (tests/clocks/test_pages.py checks what they show)."""

from tests.access_rows import expect

ROWS = [
    ("GET", lambda w: "/my-work", expect(403, anon=302, caseworker=200, supervisor=200, mediator=200)),
    ("GET", lambda w: "/escalation", expect(403, anon=302, supervisor=200)),
]
