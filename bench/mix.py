"""The pages of every process for ``bench.pages``, each at the widest scope and the narrowest.

The widest scope is the national centre's user of the role the page is for (``caseworker0.cn``,
``mediator2.cn``, ``supervisor3.cn``, ``fund_committee4.cn``, ``admin5.cn``); the narrowest the same
role at a workstation: ``GDC1W`` when it has cases, else the workstation with the most cases. Lists
are measured at both scopes; the detail pages (a case, a referral, a visit, and a mediation, plan,
fund request, fund or annual report when the database has one) are picked by SQL, and a page whose
rows are missing is left out and named under ``skipped``. An applicant (an active member of the
enterprise with the most cases) gets their home page, case list and one of their cases.
"""

from __future__ import annotations

from sqlalchemy import func, select

PREFERRED_WORKSTATION = "GDC1W"


def email(role: str, code: str) -> str:
    """A generated staff user: ``role`` as numbered by ``bench.generate`` (``caseworker0``, ``admin5``)."""
    return f"{role}.{code.lower()}@bench.cn"


def workstation(conn) -> tuple[int, str]:
    """The workstation of the narrow scope (id, code): ``GDC1W`` when it has cases, else the one with the most."""
    from app.cases.models import Case
    from app.centres.models import Centre, CentreLevel

    with_cases = (
        select(Centre.id, Centre.code)
        .join(Case, Case.centre_id == Centre.id)
        .where(Centre.level == CentreLevel.WORKSTATION)
        .group_by(Centre.id, Centre.code)
    )
    preferred = conn.execute(with_cases.where(Centre.code == PREFERRED_WORKSTATION)).first()
    if preferred is not None:
        return preferred.id, preferred.code
    busiest = conn.execute(with_cases.order_by(func.count(Case.id).desc()).limit(1)).one()
    return busiest.id, busiest.code


def middle_id(conn, model, *where) -> int | None:
    """The id half-way down ``model``'s rows (filtered by ``where``), or None when there are none."""
    total = conn.execute(select(func.count(model.id)).where(*where)).scalar()
    if not total:
        return None
    return conn.execute(select(model.id).where(*where).order_by(model.id).offset(total // 2).limit(1)).scalar()


def process_pages(conn) -> tuple[dict[str, tuple[str, str]], dict[str, str], dict[str, str]]:
    """``(pages, scopes, skipped)``: name -> (who, path); name -> ``national``, ``workstation`` or
    ``applicant``; name -> why it is not measured. ``who`` is ``national`` (the national caseworker,
    as in ``bench.pages``) or ``user:<email>``."""
    from app.cases.models import Case
    from app.enterprises.models import EnterpriseMember, MembershipStatus
    from app.fund.models import Fund, FundRequest
    from app.mediation.models import Mediation
    from app.plans.models import Plan
    from app.referrals.models import Referral
    from app.reports.annual.models import AnnualReport
    from app.visits.models import Visit
    from app.visits.queries import day_of

    ws_id, ws = workstation(conn)
    national = {
        "caseworker": "national",
        "mediator": "user:" + email("mediator2", "CN"),
        "supervisor": "user:" + email("supervisor3", "CN"),
        "fund_committee": "user:" + email("fund_committee4", "CN"),
        "admin": "user:" + email("admin5", "CN"),
    }
    narrow = {
        "caseworker": "user:" + email("caseworker0", ws),
        "mediator": "user:" + email("mediator2", ws),
        "supervisor": "user:" + email("supervisor3", ws),
        "fund_committee": "user:" + email("fund_committee4", ws),
        "admin": "user:" + email("admin5", ws),
    }
    lists = {  # name -> (role, path): measured at both scopes
        "home": ("caseworker", "/"),
        "case_list": ("caseworker", "/cases"),
        "enterprise_list": ("caseworker", "/enterprises"),
        "enterprise_requests": ("caseworker", "/enterprises/requests"),
        "my_work": ("caseworker", "/my-work"),
        "notifications": ("caseworker", "/notifications"),
        "respondents": ("caseworker", "/respondents"),
        "referral_list": ("caseworker", "/referrals"),
        "visit_list": ("caseworker", "/visits"),
        "visit_compliance": ("caseworker", "/visits/compliance"),
        "mediation_list": ("caseworker", "/mediations"),
        "mediation_mine": ("mediator", "/mediations/mine"),
        "escalation_board": ("supervisor", "/escalation"),
        "report_monthly": ("supervisor", "/reports/monthly"),
        "report_statistics": ("supervisor", "/reports/statistics"),
        "report_annual": ("supervisor", "/reports/annual"),
        "fund_request_list": ("fund_committee", "/fund-requests"),
        "fund_list": ("fund_committee", "/funds"),
        "admin_users": ("admin", "/admin/users"),
        "admin_agencies": ("admin", "/admin/agencies"),
        "access_log": ("admin", "/privacy/access-log"),
    }
    pages: dict[str, tuple[str, str]] = {}
    scopes: dict[str, str] = {}
    skipped: dict[str, str] = {}

    def add(name: str, who: str, path: str, scope: str) -> None:
        pages[name] = (who, path)
        scopes[name] = scope

    for name, (role, path) in lists.items():
        add(f"{name}_national", national[role], path, "national")
        add(f"{name}_workstation", narrow[role], path, "workstation")

    # The visit list 90 % of the way down (the national caseworker sees every visit), by its own cursor.
    visits = conn.execute(select(func.count(Visit.id))).scalar()
    if visits:
        day = day_of()
        deep = conn.execute(
            select(day.label("day"), Visit.id).order_by(day.desc(), Visit.id.desc()).offset(int(visits * 0.9)).limit(1)
        ).one()
        add("visit_list_deep_national", "national", f"/visits?cursor={deep.day.isoformat()}.{deep.id}", "national")
    else:
        skipped["visit_list_deep_national"] = "no visits"

    details = {  # name -> (model, role, path prefix, narrow filter or None: national only)
        "case_page": (Case, "caseworker", "/cases/", Case.centre_id == ws_id),
        "referral_page": (Referral, "caseworker", "/referrals/", Referral.centre_id == ws_id),
        "visit_page": (Visit, "caseworker", "/visits/", Visit.centre_id == ws_id),
        "mediation_page": (Mediation, "caseworker", "/mediations/", None),
        "plan_page": (Plan, "caseworker", "/plans/", None),
        "fund_request_page": (FundRequest, "fund_committee", "/fund-requests/", None),
        "fund_page": (Fund, "fund_committee", "/funds/", None),
        "annual_report_page": (AnnualReport, "supervisor", "/reports/annual/", None),
    }
    for name, (model, role, prefix, where) in details.items():
        scoped = [("workstation", narrow[role], (where,))] if where is not None else []
        for scope, who, filters in [("national", national[role], ())] + scoped:
            if model is Case:
                filters = (*filters, Case.state != "draft")
            found = middle_id(conn, model, *filters)
            label = f"{name}_{scope}"
            if found is None:
                skipped[label] = f"no rows in {model.__tablename__}" + (f" at {ws}" if scope == "workstation" else "")
                continue
            key = conn.execute(select(Case.number).where(Case.id == found)).scalar() if model is Case else found
            add(label, who, f"{prefix}{key}", scope)

    # An applicant: an active member of the enterprise with the most cases (an applicant sees their enterprise's).
    top = conn.execute(
        select(Case.enterprise_id)
        .where(Case.enterprise_id.is_not(None), Case.state != "draft")
        .group_by(Case.enterprise_id)
        .order_by(func.count(Case.id).desc())
        .limit(1)
    ).scalar()
    member = None
    if top is not None:
        from app.auth.models import User

        member = conn.execute(
            select(User.email)
            .join(EnterpriseMember, EnterpriseMember.user_id == User.id)
            .where(EnterpriseMember.enterprise_id == top, EnterpriseMember.status == MembershipStatus.ACTIVE)
            .order_by(User.id)
            .limit(1)
        ).scalar()
    if member:
        number = conn.execute(
            select(Case.number).where(Case.enterprise_id == top, Case.state != "draft").order_by(Case.id).limit(1)
        ).scalar()
        add("applicant_home", f"user:{member}", "/", "applicant")
        add("applicant_case_list", f"user:{member}", "/cases", "applicant")
        add("applicant_case_page", f"user:{member}", f"/cases/{number}", "applicant")
    else:
        skipped["applicant_case_list"] = "no applicant is an active member of an enterprise with cases"
    return pages, scopes, skipped
