"""Access rows: the staff's read-access log (tests/privacy/test_access_log.py checks what it records).

Administrators read the log of the cases of their subtree (CA and the county CAC); a case of a
sibling city or of the province above answers 404, as a number that does not exist. Every other role
is refused (403), whatever the case. Bad filters are said on the page (422), never a 500.
"""

from __future__ import annotations

from tests.access_rows import expect

READ = expect(403, anon=302, admin=200)
HIDDEN = expect(403, anon=302, admin=404)

ROWS = [
    ("GET", lambda w: "/privacy/access-log", READ),
    ("GET", lambda w: f"/privacy/access-log?case={w.case.number}&what=case_page&date_from=2026-01-01", READ),
    ("GET", lambda w: "/privacy/access-log?date_from=2026-13-01", expect(403, anon=302, admin=422)),
    ("GET", lambda w: "/privacy/access-log.csv", READ),
    ("GET", lambda w: "/privacy/access-log.xlsx", READ),
    ("GET", lambda w: f"/cases/{w.case.number}/access-log", READ),
    ("GET", lambda w: f"/cases/{w.county_case.number}/access-log", READ),
    ("GET", lambda w: f"/cases/{w.sibling_case.number}/access-log", HIDDEN),
    ("GET", lambda w: f"/cases/{w.province_case.number}/access-log", HIDDEN),
    ("GET", lambda w: "/cases/CA-1999-99999/access-log", HIDDEN),
]


def check(role, w, client):
    """The reads of this role's rows: staff's are logged, an applicant's never; an administrator's
    log shows its own reads of the case and none of a sibling city's."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.privacy.models import PersonalDataRead

    if role == "anon":
        return
    client.get(f"/cases/{w.case.number}")
    mine = db.session.scalar(
        select(func.count(PersonalDataRead.id)).where(PersonalDataRead.user_id == w.users[role].id)
    )
    assert (mine == 0) if role == "applicant" else (mine > 0), (role, mine)
    if role == "admin":
        html = client.get(f"/cases/{w.case.number}/access-log").get_data(as_text=True)
        assert 'class="access-row"' in html and w.users["admin"].email in html
        listed = client.get("/privacy/access-log").get_data(as_text=True)
        assert w.sibling_case.number not in listed
