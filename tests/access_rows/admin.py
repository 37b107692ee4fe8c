"""Access rows: administration of users and centres (the admin here is the city's)."""

from tests.access_rows import expect

ROWS = [
    ("GET", lambda w: "/admin/users", expect(403, anon=302, admin=200)),
    ("GET", lambda w: "/admin/users/new", expect(403, anon=302, admin=200)),
    ("GET", lambda w: f"/admin/users/{w.users['caseworker'].id}/edit", expect(403, anon=302, admin=200)),
    ("GET", lambda w: f"/admin/users/{w.sibling_caseworker.id}/edit", expect(403, anon=302, admin=404)),
    ("GET", lambda w: f"/admin/users/{w.applicant.id}/edit", expect(403, anon=302, admin=404)),
    ("POST", lambda w: f"/admin/users/{w.sibling_caseworker.id}/deactivate", expect(403, anon=302, admin=404)),
    ("POST", lambda w: f"/admin/users/{w.sibling_caseworker.id}/password", expect(403, anon=302, admin=404)),
    ("GET", lambda w: "/admin/centres/new", expect(403, anon=302, admin=200)),
    ("GET", lambda w: f"/admin/centres/{w.county.id}/edit", expect(403, anon=302, admin=200)),
    ("GET", lambda w: f"/admin/centres/{w.sibling.id}/edit", expect(403, anon=302, admin=404)),
    ("GET", lambda w: f"/admin/centres/{w.province.id}/edit", expect(403, anon=302, admin=404)),
    ("GET", lambda w: f"/admin/centres/{w.county.id}/settings", expect(403, anon=302, admin=200)),
    ("GET", lambda w: f"/admin/centres/{w.sibling.id}/settings", expect(403, anon=302, admin=404)),
    ("POST", lambda w: f"/admin/centres/{w.sibling.id}/settings", expect(403, anon=302, admin=404)),
]
