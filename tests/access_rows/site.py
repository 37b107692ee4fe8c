"""Access rows: the site's pages that need no object."""

from tests.access_rows import expect

ROWS = [
    ("GET", lambda w: "/", expect(200)),
    ("GET", lambda w: "/healthz", expect(200)),
    ("GET", lambda w: "/readyz", expect(200)),
    ("GET", lambda w: "/login", expect(302, anon=200)),
    ("GET", lambda w: "/register", expect(302, anon=200)),
    ("GET", lambda w: "/account", expect(200, anon=302)),
]

# Routes deliberately not in the matrix, with the test that covers them.
COVERED_ELSEWHERE = {
    "static": "served files",
    "auth.logout": "tests/auth/test_login.py",
    "main.switch_language": "tests/test_i18n.py",
}
