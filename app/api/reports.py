"""The reports through the API (API.md "Reports").

``GET /api/v1/reports/monthly?centre=CODE&month=YYYY-MM``: the centre's monthly report (with its
subtree). ``Accept: application/pdf`` or no ``format``: the issued PDF as it was issued, or for a month
still open or not yet issued a preview (marked as such; the header ``X-Report-Preview: 1`` says so);
``format=json``: the figures (of the issued report when there is one; the same numbers as its PDF);
``format=xlsx``: the workbook. A centre outside the caller's subtree answers 404, as one that does not
exist; only supervisors and administrators read reports.
"""

from __future__ import annotations

from flask import Response, g, jsonify, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.api import schemas_reports as schemas
from app.api.errors import ApiError
from app.api.openapi import operation
from app.api.views import bp, parse
from app.auth.models import Role
from app.centres.models import Centre
from app.core.db import utcnow
from app.core.errors import ServiceError
from app.core.permissions import centre_in_scope
from app.core.workdays import china_day
from app.extensions import db
from app.reports import figures as f
from app.reports import monthly, tables
from app.reports.periods import parse_month

READERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _reader():
    """Only supervisors and administrators read reports (before anything of the request is read)."""
    user = g.api_user
    if not user.is_staff or user.role not in READERS or user.centre is None:
        raise ApiError(403, _l("Only supervisors and administrators read the reports."))
    return user


def _centre(code: str | None):
    user = _reader()
    if code is None:
        return user.centre
    centre = db.session.execute(select(Centre).where(Centre.code == code)).scalar_one_or_none()
    if centre is None or not centre_in_scope(user, centre):
        raise ApiError(404)
    return centre


def figures_of(data: dict, group: str = f.ALL, period: str = f.CURRENT) -> dict:
    """One group's figures of one period, as the API's JSON names them."""

    r = tables.Reader(data, group)

    def v(key):
        return r.value(key, period) or 0

    def of(name):
        return r.of(name, period)

    def prefixed(prefix):
        return {
            key[len(prefix) :]: v(key) for key in f.MEASURES if key.startswith(prefix) and "." not in key[len(prefix) :]
        }

    clocks = {}
    for key in f.MEASURES:
        if key.startswith("clocks.") and key.endswith(".counted"):
            name = key.split(".")[1]
            counted = v(key)
            if counted or name in f.QUICK:
                clocks[name] = {
                    "counted": counted,
                    "on_time": v(f"clocks.{name}.on_time"),
                    "rate": r.rate(name, period),
                }
    fund = data.get("fund", {}).get(period, {}) if group == f.ALL else {}
    held = bool(fund.get("funds"))
    chase_due = v("clocks.chase.counted")
    p = data["periods"].get(period) or data["periods"][f.CURRENT]
    return {
        "start": p["start"],
        "end": p["end"],
        "cases": {
            "received": v("cases.received"),
            "accepted": v("cases.accepted"),
            "declined": v("cases.declined"),
            "answered": v("cases.answered"),
            "closed": v("cases.closed"),
            "by_channel": prefixed("cases.channel."),
            "by_kind": prefixed("cases.kind."),
            "by_ip_type": prefixed("cases.ip_type."),
        },
        "clocks": clocks,
        "mediations": {
            "opened": v("mediations.opened"),
            "agreed": v("mediations.agreed"),
            "failed": v("mediations.failed"),
            "median_days": of("medians"),
            "agreed_fen": v("mediations.agreed_fen"),
        },
        "referrals": {
            "sent": v("referrals.sent"),
            "answered": v("referrals.answered"),
            "opened": v("referrals.opened"),
            "not_opened": v("referrals.not_opened"),
            "police": v("referrals.police"),
            "concluded": v("referrals.concluded"),
            "penalty_fen": v("referrals.penalty_fen"),
            "chases_due": chase_due,
            "chases_overdue": chase_due - v("clocks.chase.on_time"),
        },
        "visits": {
            "done": v("visits.done"),
            "required": of("visits_required") or 0,
            "centres_short": of("centres_short") or 0,
        },
        "fund": {
            "submitted": v("fund.submitted"),
            "granted": v("fund.granted"),
            "granted_fen": v("fund.granted_fen"),
            "refused": v("fund.refused"),
            "paid": v("fund.paid"),
            "payouts_fen": fund.get("payouts_fen", 0) if group == f.ALL else 0,
            "balance_fen": fund.get("balance_fen") if held else None,
            "committed_fen": fund.get("committed_fen") if held else None,
            "available_fen": fund.get("available_fen") if held else None,
        },
        "ratings": {
            "rated": v("ratings.rated"),
            "average": r.average(period),
            "by_stars": {str(n): v(f"ratings.stars.{n}") for n in range(1, 6)},
        },
    }


def report_object(loaded: monthly.Loaded) -> dict:
    data = loaded.data
    english = str(get_locale() or "").startswith("en")
    issued = loaded.issued
    document = issued.document if issued is not None else None
    return {
        "centre": {"code": loaded.centre.code, "name": loaded.centre.name},
        "month": loaded.period.key,
        "preview": loaded.preview,
        "issued": (
            {
                "number": document.number if document else None,
                "verification_code": document.verification_code if document else None,
                "issued_at": issued.issued_at.isoformat(),
            }
            if issued is not None
            else None
        ),
        "current": figures_of(data, period=f.CURRENT),
        "previous": figures_of(data, period=f.PREVIOUS),
        "year_ago": figures_of(data, period=f.YEAR_AGO),
        "by_centre": [
            {
                "code": group["code"],
                "name": (group["name_en"] if english and group["name_en"] else group["name_zh"]),
                "own": group["own"],
                "figures": figures_of(data, group=group["code"]),
            }
            for group in data["groups"]
        ],
        "not_counted": data.get("not_counted", []),
        "years_missing": data.get("years_missing", []),
    }


@bp.get("/reports/monthly")
@operation(
    "reports",
    (
        200,
        schemas.MonthlyReportFigures,
        "The issued report as a PDF (a preview for a month still open or not yet issued), its figures "
        "(`format=json`) or its workbook (`format=xlsx`).",
    ),
    403,
    404,
    422,
    query=schemas.MonthlyReportQuery,
    content=("application/pdf", "application/json", XLSX),
)
def monthly_report():
    """A centre's monthly report (with the centres below it)"""
    _reader()
    query = parse(schemas.MonthlyReportQuery, request.args.to_dict(flat=False))
    centre = _centre(query.centre)
    try:
        period = parse_month(query.month, china_day(utcnow()))
    except ServiceError as exc:
        raise ApiError(422, exc.message) from None
    loaded = monthly.load(centre, period)
    wanted = query.format or ("json" if request.accept_mimetypes.best == "application/json" else "pdf")
    if wanted == "json":
        return jsonify(report_object(loaded))
    name = f"monthly-report-{centre.code}-{period.key}"
    if wanted == "xlsx":
        from app.reports.workbook import build

        number = loaded.issued.document.number if loaded.issued and loaded.issued.document else ""
        lang = "en" if str(get_locale() or "").startswith("en") else "zh_CN"
        body = build(loaded.data, lang, preview=loaded.preview, issued_number=number or "")
        response = Response(body, mimetype=XLSX)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    else:
        response = Response(monthly.pdf_bytes(loaded, str(get_locale() or "")), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response.headers["X-Report-Preview"] = "1" if loaded.preview else "0"
    return response


@bp.get("/reports/monthly/list")
@operation(
    "reports",
    (200, schemas.FigureList, "What one counted figure of the report counts: the cases (or visits), by id."),
    403,
    404,
    422,
    query=schemas.FigureListQuery,
)
def monthly_report_list():
    """The cases (or visits) one figure of a monthly report counts, by the figure's own condition"""
    from sqlalchemy import func

    from app.cases.models import Case
    from app.visits.models import Visit

    _reader()
    query = parse(schemas.FigureListQuery, request.args.to_dict(flat=False))
    centre = _centre(query.centre)
    try:
        period = parse_month(query.month, china_day(utcnow()))
    except ServiceError as exc:
        raise ApiError(422, exc.message) from None
    group = None
    if query.group is not None:
        found = db.session.execute(select(Centre).where(Centre.code == query.group)).scalar_one_or_none()
        if found is None or not (found.id == centre.id or found.parent_id == centre.id):
            raise ApiError(404)
        group = found.id
    periods = {"current": period, "previous": period.previous(), "year_ago": period.year_before()}
    subject, ids = f.members(query.measure, centre, periods[query.period], group=group)
    ids = ids.subquery()
    id_col = ids.c[0]
    count = db.session.execute(select(func.count(func.distinct(id_col)))).scalar_one()
    model = Case if subject == "case" else Visit
    limit = query.limit or 100
    stmt = select(model).where(model.id.in_(select(id_col))).order_by(model.id).limit(limit + 1)
    if query.after is not None:
        stmt = stmt.where(model.id > query.after)
    rows = list(db.session.execute(stmt).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    codes = dict(
        db.session.execute(select(Centre.id, Centre.code).where(Centre.id.in_({r.centre_id for r in rows}))).all()
    )
    items = [
        {
            "id": r.id,
            "number": getattr(r, "number", None),
            "title": getattr(r, "title", None),
            "state": r.state.value,
            "centre": codes.get(r.centre_id, ""),
            "visited_on": r.visited_on.isoformat() if getattr(r, "visited_on", None) else None,
        }
        for r in rows
    ]
    return jsonify(
        {
            "measure": query.measure,
            "subject": subject,
            "count": count,
            "items": items,
            "next_after": rows[-1].id if more and rows else None,
        }
    )
