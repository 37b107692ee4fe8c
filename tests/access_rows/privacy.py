"""Access rows: the privacy notice, consent, one's own data and closing one's account (app.privacy).

None of these routes takes an id: each works on the logged-in user alone (tests/privacy)."""

from tests.access_rows import expect

ROWS = [
    ("GET", lambda w: "/privacy", expect(200)),
    # Everyone in the world has agreed already (or is staff): the consent page sends them on.
    ("GET", lambda w: "/privacy/consent", expect(302)),
    ("POST", lambda w: "/privacy/consent", expect(302), lambda w: {}),
    ("GET", lambda w: "/account/data", expect(200, anon=302)),
    ("GET", lambda w: "/account/data.json", expect(200, anon=302)),
    ("GET", lambda w: "/account/close", expect(200, anon=302)),
    # A wrong password changes nothing (the applicant's account stays open for the rows after this one).
    (
        "POST",
        lambda w: "/account/close",
        expect(422, anon=302, staff=403),
        lambda w: {"password": "not-the-password", "confirm": "y"},
    ),
]

COVERED_ELSEWHERE = {
    "privacy.my_data_pdf": "tests/privacy/test_export.py (a PDF per role would slow the matrix)",
}
