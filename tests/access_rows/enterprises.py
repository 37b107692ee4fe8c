"""Access rows: enterprises (own, of the county below the city, of a sibling city, of another province)."""

from tests.access_rows import expect

ROWS = [
    ("GET", lambda w: "/enterprise", expect(302, anon=302)),
    ("GET", lambda w: "/enterprises", expect(403, anon=302, staff=200)),
    ("GET", lambda w: "/enterprises/requests", expect(403, anon=302, staff=200)),
    # own enterprise (city): its member and the city's staff
    ("GET", lambda w: f"/enterprises/{w.enterprise.id}", expect(200, anon=302)),
    ("GET", lambda w: f"/enterprises/{w.enterprise.id}/edit", expect(200, anon=302)),
    # an enterprise of the county below the city: staff yes, applicant of another firm no
    ("GET", lambda w: f"/enterprises/{w.county_enterprise.id}", expect(404, anon=302, staff=200)),
    ("GET", lambda w: f"/enterprises/{w.county_enterprise.id}/edit", expect(404, anon=302, staff=200)),
    # a sibling city's enterprise and another province's: nobody here
    ("GET", lambda w: f"/enterprises/{w.other_enterprise.id}", expect(404, anon=302)),
    ("GET", lambda w: f"/enterprises/{w.other_enterprise.id}/edit", expect(404, anon=302)),
    ("GET", lambda w: f"/enterprises/{w.far_enterprise.id}", expect(404, anon=302)),
    ("GET", lambda w: "/enterprises/999999", expect(404, anon=302)),
    (
        "POST",
        lambda w: f"/enterprises/{w.other_enterprise.id}/members/{w.other_member.id}/approve",
        expect(404, anon=302),
    ),
    ("POST", lambda w: f"/enterprises/{w.enterprise.id}/members/{w.other_member.id}/approve", expect(404, anon=302)),
]

COVERED_ELSEWHERE = {"enterprises.join": "tests/enterprises/test_registration.py"}


def build(w, make):
    """A pending member of the sibling city's enterprise (nobody here may approve them)."""
    from app.auth.models import Role
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    joiner = make.make_user(Role.APPLICANT, email="joiner@sibling-firm.cn")
    w.other_member = EnterpriseMember(enterprise=w.other_enterprise, user=joiner, status=MembershipStatus.PENDING)
    make.session.add(w.other_member)
    make.session.commit()
