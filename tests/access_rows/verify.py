"""Access rows: the public verification page of issued documents (no login, nothing personal)."""

from tests.access_rows import expect

ROWS = [
    ("GET", lambda w: "/verify", expect(200)),
    ("GET", lambda w: f"/verify/{w.accepted_notice.verification_code}", expect(200)),
    ("GET", lambda w: "/verify/ABCD-EFGH-JKLM-NPQR", expect(404)),
    ("GET", lambda w: "/verify/not-a-code", expect(404)),
]


def check(role, w, client):
    """Every visitor sees the same facts, and none of the case's people or its number."""
    page = client.get(f"/verify/{w.accepted_notice.verification_code}").get_data(as_text=True)
    assert w.accepted_notice.sha256 in page
    assert w.accepted.number not in page
