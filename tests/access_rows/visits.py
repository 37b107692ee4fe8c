"""Access rows: the visit pages (tests/visits/test_pages*.py check what they show).

The world's visits (``build``): ``visit`` (the city's, done: a problem that may become a case, an open
follow-up of the caseworker, a photo and an issued record), ``planned_visit`` (the city's, planned),
``county_visit`` (done at the county: in the staff's scope) and ``sibling_visit`` (a sibling city's:
nobody here sees it). Caseworkers and supervisors use the pages; the other staff roles may read a
visit of their scope but act on none (403); the applicant's side sees visits on their enterprise's
page only, so a visit's own page answers them 404, as an id that does not exist.
"""

from __future__ import annotations

from datetime import timedelta

from tests.access_rows import expect

ACTORS = {"caseworker": 200, "supervisor": 200}
DONE = {"caseworker": 302, "supervisor": 302}
READ_ONLY = {"mediator": 403, "fund_committee": 403, "admin": 403}


def _day(offset: int) -> str:
    from app.core.db import utcnow
    from app.core.workdays import china_day

    return (china_day(utcnow()) + timedelta(days=offset)).isoformat()


def _record_form(w):
    from app.visits.forms import enterprise_label, person_label

    return {
        "centre": str(w.city.id),
        "visited_on": _day(-1),
        "staff-0": person_label(w.users["caseworker"]),
        "enterprises-0": enterprise_label(w.enterprise),
        "topics": "policy_briefing",
        "problems-0-text": "发现仿冒产品",
        "problems-0-enterprise": "e0",
        "follow_ups-0-text": "回访",
        "follow_ups-0-owner": person_label(w.users["caseworker"]),
        "follow_ups-0-due_on": _day(3),
    }


def _planned_form(w):
    form = _record_form(w)
    form.pop("centre")  # (no version: the rows before may have moved it)
    return form


def _replan_form(w):
    from app.visits.forms import enterprise_label, person_label

    return {
        "planned_on": _day(1),
        "staff-0": person_label(w.users["caseworker"]),
        "staff-1": person_label(w.users["supervisor"]),
        "enterprises-0": enterprise_label(w.enterprise),
    }


def _plan_form(w):
    from app.visits.forms import enterprise_label, person_label

    return {
        "centre": str(w.city.id),
        "rows-0-planned_on": _day(2),
        "rows-0-enterprise": enterprise_label(w.enterprise),
        "rows-0-staff": person_label(w.users["caseworker"]),
    }


ROWS = [
    # ---- the list, the grid, the pickers' suggestions ----
    ("GET", lambda w: "/visits", expect(403, anon=302, **ACTORS)),
    ("GET", lambda w: "/visits/compliance", expect(403, anon=302, **ACTORS)),
    # (what they suggest, within scope only: tests/visits/test_pages_more.py)
    ("GET", lambda w: "/visits/search/enterprises", expect(403, anon=302, **ACTORS)),
    ("GET", lambda w: "/visits/search/staff", expect(403, anon=302, **ACTORS)),
    # ---- recording an unplanned visit ----
    ("GET", lambda w: "/visits/new", expect(403, anon=302, **ACTORS)),
    ("POST", lambda w: "/visits/new", expect(403, anon=302, **DONE), _record_form),
    ("POST", lambda w: "/visits/new", expect(403, anon=302, caseworker=422, supervisor=422), lambda w: {}),
    # ---- the plan of the month: supervisors ----
    ("GET", lambda w: "/visits/plan", expect(403, anon=302, supervisor=200)),
    ("POST", lambda w: "/visits/plan", expect(403, anon=302, supervisor=302), _plan_form),
    # ---- a visit's page ----
    ("GET", lambda w: f"/visits/{w.visit.id}", expect(404, anon=302, staff=200)),
    ("GET", lambda w: f"/visits/{w.planned_visit.id}", expect(404, anon=302, staff=200)),
    ("GET", lambda w: f"/visits/{w.county_visit.id}", expect(404, anon=302, staff=200)),
    ("GET", lambda w: f"/visits/{w.sibling_visit.id}", expect(404, anon=302)),
    ("GET", lambda w: "/visits/2147483647", expect(404, anon=302)),
    ("GET", lambda w: f"/visits/{w.planned_visit.id}/record", expect(403, anon=302, **ACTORS)),
    # ---- changing the plan: supervisors (a done visit sends them back to its page) ----
    ("GET", lambda w: f"/visits/{w.planned_visit.id}/replan", expect(403, anon=302, supervisor=200)),
    ("POST", lambda w: f"/visits/{w.planned_visit.id}/replan", expect(403, anon=302, supervisor=302), _replan_form),
    ("POST", lambda w: f"/visits/{w.planned_visit.id}/replan", expect(403, anon=302, supervisor=422), lambda w: {}),
    ("GET", lambda w: f"/visits/{w.visit.id}/replan", expect(403, anon=302, supervisor=302)),
    ("GET", lambda w: f"/visits/{w.sibling_visit.id}/replan", expect(403, anon=302, supervisor=404)),
    # ---- its actions (cancel before the planned visit is recorded below) ----
    (
        "POST",
        lambda w: f"/visits/{w.planned_visit.id}/actions/cancel",
        expect(403, anon=302, applicant=404, supervisor=302),
        lambda w: {"comment": "企业停产"},
    ),
    (
        "POST",
        lambda w: f"/visits/{w.visit.id}/actions/close",  # a follow-up is still open: refused with the reason
        expect(403, anon=302, applicant=404, caseworker=422, supervisor=422),
        lambda w: {"version": str(w.visit.version)},
    ),
    ("POST", lambda w: f"/visits/{w.visit.id}/actions/no_such_action", expect(404, anon=302)),
    ("POST", lambda w: f"/visits/{w.visit.id}/actions/record", expect(404, anon=302)),  # its own form
    ("POST", lambda w: f"/visits/{w.sibling_visit.id}/actions/close", expect(404, anon=302)),
    # ---- recording the planned one (a cancelled one sends the supervisor back to its page) ----
    ("GET", lambda w: f"/visits/{w.sibling_visit.id}/record", expect(403, anon=302, caseworker=404, supervisor=404)),
    ("POST", lambda w: f"/visits/{w.planned_visit.id}/record", expect(403, anon=302, **DONE), _planned_form),
    ("GET", lambda w: f"/visits/{w.visit.id}/record", expect(403, anon=302, **DONE)),  # done already
    # ---- a problem becomes a case; a follow-up is done ----
    (
        "POST",
        lambda w: f"/visits/{w.visit.id}/problems/{w.problem.id}/case",
        expect(403, anon=302, applicant=404, **DONE),
        lambda w: {},  # no version: the rows before may have moved it
    ),
    (
        "POST",
        lambda w: f"/visits/{w.county_visit.id}/problems/{w.problem.id}/case",
        expect(404, anon=302),
        lambda w: {},
    ),
    (
        "POST",
        lambda w: f"/visits/{w.sibling_visit.id}/problems/{w.sibling_problem.id}/case",
        expect(404, anon=302),
        lambda w: {},
    ),
    (
        "POST",
        lambda w: f"/visits/{w.visit.id}/follow-ups/{w.follow_up.id}/done",
        expect(403, anon=302, applicant=404, **DONE),
        lambda w: {"comment": "已寄送"},
    ),
    (
        "POST",
        lambda w: f"/visits/{w.county_visit.id}/follow-ups/{w.follow_up.id}/done",  # another visit's follow-up
        expect(404, anon=302),
        lambda w: {"comment": "已寄送"},
    ),
    # ---- files and the visit record ----
    ("GET", lambda w: f"/visits/{w.visit.id}/files/{w.visit_file.id}", expect(404, anon=302, staff=200)),
    ("GET", lambda w: f"/visits/{w.county_visit.id}/files/{w.visit_file.id}", expect(404, anon=302)),
    ("GET", lambda w: f"/visits/{w.sibling_visit.id}/files/{w.visit_file.id}", expect(404, anon=302)),
    ("GET", lambda w: f"/visits/{w.visit.id}/documents/{w.visit_record.id}", expect(404, anon=302, staff=200)),
    ("GET", lambda w: f"/visits/{w.county_visit.id}/documents/{w.visit_record.id}", expect(404, anon=302)),
    (
        "POST",
        lambda w: f"/visits/{w.visit.id}/documents",
        expect(403, anon=302, **DONE),
        lambda w: {"version": str(w.visit.version)},
    ),
    (
        "POST",
        lambda w: f"/visits/{w.sibling_visit.id}/documents",
        expect(403, anon=302, caseworker=404, supervisor=404),
    ),
]


def build(w, make):
    """The visits the rows reach (see the module's docstring)."""
    import io

    from werkzeug.datastructures import FileStorage

    from app.cases.attachments import store_checked
    from app.core.db import utcnow
    from app.core.workdays import china_day
    from app.visits import documents, services

    session = make.session
    cw, sup = w.users["caseworker"], w.users["supervisor"]
    today = china_day(utcnow())
    yesterday, soon = today - timedelta(days=1), today + timedelta(days=5)

    def recorded(actor, centre, enterprise, **over):
        fields = {
            "centre": centre,
            "visited_on": yesterday,
            "staff": [actor],
            "enterprises": [enterprise],
            "topics": ["policy_briefing"],
            "problems": [{"text": "电商平台销售仿冒产品", "ip_type": "trademark", "right_number": "12345678"}],
            "follow_ups": [{"text": "寄送政策材料", "owner": actor, "due_on": soon}],
            "notes": "内部备注",
        }
        fields.update(over)
        return services.record_visit(actor, None, **fields)

    w.visit = recorded(cw, w.city, w.enterprise)
    w.follow_up, w.problem = w.visit.follow_ups[0], w.visit.problems[0]
    checked = store_checked(FileStorage(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32), filename="现场.png"), "visits")
    w.visit_file = services.attach_files(cw, w.visit, [(checked, "photo")])[0]
    w.visit_record = documents.issue_record(cw, w.visit)
    w.planned_visit = services.plan_visit(sup, centre=w.city, planned_on=today, staff=[cw], enterprises=[w.enterprise])
    w.county_visit = recorded(cw, w.county, w.county_enterprise, follow_ups=[])
    w.sibling_visit = recorded(w.sibling_caseworker, w.sibling, w.other_enterprise)
    w.sibling_problem = w.sibling_visit.problems[0]
    session.commit()
