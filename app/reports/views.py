"""The reports pages: a centre's monthly report (page, PDF, workbook), the drill-down list of every
counted figure, and the statistics of any period.

Supervisors and administrators read the reports of their own centre and of every centre below it; a
centre outside their subtree (or unknown) answers 404, the other roles 403. Every figure comes from
``app.reports.figures`` (live) or from the issued report's frozen figures (``app.reports.monthly``),
laid out by ``app.reports.tables``; the drill-down list selects the rows by the very condition that
counted the figure (``figures.members``), so its count is the figure.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import distinct, func, or_, select

from app.auth.models import Role
from app.cases.enums import CaseKind, IPType
from app.cases.models import Case
from app.centres.models import Centre
from app.core import recent
from app.core.db import utcnow
from app.core.enums import member_of
from app.core.errors import ServiceError
from app.core.i18n import current_language
from app.core.permissions import centre_in_scope, roles_required
from app.core.workdays import china_day
from app.extensions import db
from app.reports import charts, figures, render, tables, workbook
from app.reports.forms import SCOPES, MonthForm, StatisticsForm, parse_day
from app.reports.periods import Period, parse_month, parse_range

bp = Blueprint("reports", __name__, url_prefix="/reports")

VIEWERS = (Role.SUPERVISOR, Role.ADMIN)
PAGE_SIZE = 50
#: The three periods a drill-down may open, as the query string names them.
PERIOD_ARGS = {figures.CURRENT, figures.PREVIOUS, figures.YEAR_AGO}


def today() -> date:
    return china_day(utcnow())


# ---- what the templates read ------------------------------------------------------------------------------


@bp.app_template_global("report_sections")
def report_sections(data: dict, group: str = figures.ALL):
    return tables.sections(data, group)


@bp.app_template_global("report_show")
def report_show(value, unit: str) -> str:
    return tables.show(value, unit)


@bp.app_template_global("report_change")
def report_change(line, against: str) -> str:
    return tables.show_change(line, against)


@bp.app_template_global("report_drill_url")
def report_drill_url(drill_args: dict):
    """A function of (measure, period) giving the drill-down's URL, as ``url_for("reports.drill",
    measure=…, period=…, **drill_args)`` would: the page's part of the query string is built once,
    not once for each of its 200 figures."""
    path = url_for("reports.drill")
    tail = urlencode(drill_args)

    def drill(measure: str, period: str) -> str:
        return f"{path}?{urlencode({'measure': measure, 'period': period})}&{tail}"

    return drill


@bp.app_template_global("report_period_titles")
def report_period_titles(data: dict) -> list[tuple[str, str, str]]:
    """(key, title, the period's dates in words) of the periods the figures hold."""
    return [
        (p, str(tables.PERIOD_TITLES[p]), render.period_of(data, p).label())
        for p in figures.PERIODS
        if p in data["values"]
    ]


# ---- the centre, the month, the figures ------------------------------------------------------------------


def centre_or_404(code: str | None) -> Centre:
    """The centre a report is asked for (the reader's own by default): 404 outside the reader's subtree."""
    if not code:
        centre = current_user.centre
    else:
        centre = db.session.execute(select(Centre).where(Centre.code == code[:40])).scalar_one_or_none()
    if centre is None or not centre_in_scope(current_user, centre):
        abort(404)
    return centre


def picker_centres(centre: Centre) -> list[Centre]:
    """The centres the page's picker offers: the way from the reader's own centre down to the one shown,
    then the centres just below it (each of those opens its own report, and so on down): a few lines,
    not every centre of a national subtree."""
    ids = centre.ancestor_ids
    own = current_user.centre
    way = ids[ids.index(own.id) :] if own is not None and own.id in ids else [centre.id]
    rows = db.session.execute(
        select(Centre).where(or_(Centre.id.in_(way), Centre.parent_id == centre.id)).order_by(Centre.path)
    ).scalars()
    above = {c.id: c for c in rows}
    children = sorted((c for c in above.values() if c.parent_id == centre.id), key=lambda c: c.code)
    return [above[i] for i in way if i in above] + children


def default_month() -> Period:
    return Period.of_month(today()).previous()


def load(centre: Centre, period: Period, subtree: bool):
    """The issued report's frozen figures when there is one, else the figures computed now."""
    from app.reports import monthly

    return monthly.load(centre, period, subtree=subtree)


def _month_args(centre: Centre, period: Period, subtree: bool) -> dict:
    return {"centre": centre.code, "month": period.key, "scope": "subtree" if subtree else "alone"}


def _issued_info(issued) -> dict | None:
    if issued is None:
        return None
    document = issued.document
    from app.core.document_numbers import grouped

    return {
        "number": document.number or "",
        "code": grouped(document.verification_code) if document.verification_code else "",
        "issued_at": issued.issued_at,
    }


# ---- the monthly report ----------------------------------------------------------------------------------


def _read_month_args():
    """(form, centre, period or None, subtree, error) from the query string."""
    centre = centre_or_404(request.args.get("centre"))
    form = MonthForm(formdata=request.args).fill(picker_centres(centre))
    form.centre.data = centre.code
    subtree = request.args.get("scope", "subtree") != "alone"
    form.scope.data = "subtree" if subtree else "alone"
    text = form.month.data
    if not text:
        period = default_month()
        form.month.data = period.key
        return form, centre, period, subtree
    try:
        period = parse_month(text[:20], today())
    except ServiceError as e:
        form.month.errors = [str(e.message)]
        return form, centre, None, subtree
    return form, centre, period, subtree


@bp.get("/monthly")
@roles_required(*VIEWERS)
def monthly():
    form, centre, period, subtree = _read_month_args()
    if period is None:
        return render_template("reports/monthly.html", form=form, centre=centre, data=None)
    lang = "en" if current_language() == "en" else "zh"

    def count():
        loaded = load(centre, period, subtree)
        return loaded, charts.all_charts(loaded.data, inline_style=False) if loaded.issued is None else None

    # A preview's figures (and charts) may be a minute old (``app.core.recent``); issued ones are frozen.
    loaded, counted_charts = recent.remembered(("monthly", centre.id, period.key, subtree, lang), count)
    data = loaded.data
    args = _month_args(centre, period, subtree)
    return render_template(
        "reports/monthly.html",
        counted_at=_counted_at(data) if loaded.issued is None else None,
        form=form,
        centre=centre,
        period=period,
        data=data,
        preview=loaded.preview or loaded.issued is None,
        still_open=period.is_open(today()),
        issued=_issued_info(loaded.issued),
        args=args,
        breakdown=tables.breakdown(data, lang) if len(data["groups"]) > 1 else [],
        breakdown_labels=tables.breakdown_labels(),
        breakdown_drills=BREAKDOWN_DRILLS,
        charts=counted_charts or charts.all_charts(data, inline_style=False),
        notes=render._notes(data),
        child_links={
            g["code"]: url_for("reports.monthly", centre=g["code"], month=period.key, scope="subtree")
            for g in data["groups"]
            if not g["own"]
        },
    )


#: The breakdown's columns that open a drill-down (the counted ones).
BREAKDOWN_DRILLS = {key for key, _unit in tables.BREAKDOWN_COLUMNS if key in figures.MEASURES}


def _file_name(centre: Centre, period: Period, ext: str) -> str:
    return f"monthly-report-{centre.code}-{period.key}.{ext}"


@bp.get("/monthly.pdf")
@roles_required(*VIEWERS)
def monthly_pdf():
    form, centre, period, subtree = _read_month_args()
    if period is None:
        return render_template("reports/monthly.html", form=form, centre=centre, data=None), 422
    from app.reports import monthly

    body = monthly.pdf_bytes(load(centre, period, subtree), current_language())
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{_file_name(centre, period, "pdf")}"'},
    )


@bp.get("/monthly.xlsx")
@roles_required(*VIEWERS)
def monthly_xlsx():
    form, centre, period, subtree = _read_month_args()
    if period is None:
        return render_template("reports/monthly.html", form=form, centre=centre, data=None), 422
    loaded = load(centre, period, subtree)
    number = loaded.issued.document.number if loaded.issued is not None else ""
    body = workbook.build(
        loaded.data, current_language(), preview=loaded.preview or loaded.issued is None, issued_number=number or ""
    )
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(centre, period, "xlsx")}"'},
    )


# ---- the drill-down -------------------------------------------------------------------------------------


def _filters_from(args) -> figures.Filters:
    kind = member_of(CaseKind, args.get("kind") or None)
    ip_type = member_of(IPType, args.get("ip_type") or None)
    if (args.get("kind") and kind is None) or (args.get("ip_type") and ip_type is None):
        abort(404)
    return figures.Filters(kind, ip_type)


def _counted_at(data: dict) -> datetime | None:
    """When figures counted now (not issued) were counted."""
    try:
        return datetime.fromisoformat(data["taken_at"])
    except (KeyError, TypeError, ValueError):
        return None


def _taken_at(centre: Centre, period: Period, subtree: bool) -> datetime | None:
    """When the issued report of the month took its figures (its lists count as it did), else None."""
    try:
        from app.reports.models import MonthlyReport
    except ImportError:  # pragma: no cover
        return None
    if not subtree or not period.is_month:
        return None
    figures_ = db.session.execute(
        select(MonthlyReport.figures).where(MonthlyReport.centre_id == centre.id, MonthlyReport.month == period.start)
    ).scalar_one_or_none()
    if not figures_ or not figures_.get("taken_at"):
        return None
    try:
        return datetime.fromisoformat(figures_["taken_at"])
    except ValueError:
        return None


@bp.get("/monthly/list")
@roles_required(*VIEWERS)
def drill():
    """The cases (or visits) a counted figure counts, 50 a page."""
    key = request.args.get("measure", "")
    measure = figures.MEASURES.get(key)
    if measure is None:
        abort(404)
    centre = centre_or_404(request.args.get("centre"))
    subtree = request.args.get("scope", "subtree") != "alone"
    which = request.args.get("period") or figures.CURRENT
    if which not in PERIOD_ARGS:
        abort(404)
    statistics = bool(request.args.get("date_from") or request.args.get("date_to"))
    try:
        if statistics:
            base = parse_range(
                parse_day(request.args.get("date_from")), parse_day(request.args.get("date_to")), today()
            )
        else:
            base = parse_month((request.args.get("month") or default_month().key)[:20], today())
    except ServiceError:
        abort(404)
    filters = _filters_from(request.args) if statistics else figures.Filters()
    period = {figures.CURRENT: base, figures.PREVIOUS: base.previous(), figures.YEAR_AGO: base.year_before()}[which]
    group_code = request.args.get("group") or figures.ALL
    group = None
    if group_code != figures.ALL:
        if group_code == centre.code:
            group = centre.id
        else:
            child = db.session.execute(
                select(Centre).where(Centre.code == group_code[:40], Centre.parent_id == centre.id)
            ).scalar_one_or_none()
            if child is None or not subtree:
                abort(404)
            group = child.id
    now = None if statistics else _taken_at(centre, base, subtree)
    subject, stmt = figures.members(key, centre, period, subtree=subtree, group=group, filters=filters, now=now)
    ids = stmt.subquery()
    id_col = ids.c[0]
    counted = db.session.execute(select(func.count()).select_from(ids)).scalar_one()
    subjects = db.session.execute(select(func.count(distinct(id_col)))).scalar_one()
    total_fen = None
    if measure.unit == figures.FEN:
        sums = stmt.add_columns(measure.amount().label("amount")).subquery()
        total_fen = int(db.session.execute(select(func.coalesce(func.sum(sums.c.amount), 0))).scalar_one())
    pages = max(1, (subjects + PAGE_SIZE - 1) // PAGE_SIZE)
    try:
        page = min(max(1, int(request.args.get("page", "1")[:6])), pages)
    except ValueError:
        page = 1
    if subject == "visit":
        from app.visits.models import Visit

        rows = list(
            db.session.execute(
                select(Visit)
                .where(Visit.id.in_(select(id_col)))
                .order_by(Visit.visited_on.desc(), Visit.id.desc())
                .limit(PAGE_SIZE)
                .offset((page - 1) * PAGE_SIZE)
            ).scalars()
        )
    else:
        rows = list(
            db.session.execute(
                select(Case)
                .where(Case.id.in_(select(id_col)))
                .order_by(Case.submitted_at.desc(), Case.id.desc())
                .limit(PAGE_SIZE)
                .offset((page - 1) * PAGE_SIZE)
            ).scalars()
        )
    lang = "en" if current_language() == "en" else "zh"
    group_name = None
    if group is not None:
        g = db.session.get(Centre, group)
        group_name = (g.name_en if lang == "en" and g.name_en else g.name_zh) if g else None
    keep = {k: v for k, v in request.args.items() if k != "page"}
    back = (
        url_for("reports.statistics", **{k: v for k, v in keep.items() if k in STATISTICS_ARGS})
        if statistics
        else url_for("reports.monthly", centre=centre.code, month=base.key, scope="subtree" if subtree else "alone")
    )
    return render_template(
        "reports/drill.html",
        measure_label=_measure_label(key),
        centre=centre,
        period=period,
        which=str(tables.PERIOD_TITLES[which]),
        subtree=subtree,
        group_name=group_name,
        subject=subject,
        rows=rows,
        counted=counted,
        subjects=subjects,
        total=tables.show(total_fen, figures.FEN) if total_fen is not None else None,
        page=page,
        pages=pages,
        keep=keep,
        back=back,
        filters_text=render._filters_text({"filters": filters.as_dict()}),
    )


STATISTICS_ARGS = ("centre", "date_from", "date_to", "kind", "ip_type", "scope")


def _measure_label(key: str) -> str:
    """The figure's name as the tables give it (a clock's lines say which clock)."""
    measure = figures.MEASURES[key]
    if key.startswith("clocks."):
        from app.clocks.models import ClockName

        _prefix, clock, what = key.split(".", 2)
        name = member_of(ClockName, clock)
        if name is not None:
            part = _("counted") if what == "counted" else _("on time")
            return f"{name.label}: {part}"
    return str(measure.label)


# ---- the charts' stylesheet ------------------------------------------------------------------------------


@bp.get("/charts.css")
def charts_css():
    """The charts' styles (the pages' Content Security Policy refuses the SVGs' inline ones)."""
    response = Response(charts.stylesheet(), mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# ---- the statistics -------------------------------------------------------------------------------------


@bp.get("/statistics")
@roles_required(*VIEWERS)
def statistics():
    centre = centre_or_404(request.args.get("centre"))
    form = StatisticsForm(formdata=request.args).fill(picker_centres(centre))
    form.centre.data = centre.code
    subtree = request.args.get("scope", "subtree") != "alone"
    form.scope.data = "subtree" if subtree else "alone"
    errors = False
    kind = member_of(CaseKind, form.kind.data or None)
    if form.kind.data and kind is None:
        form.kind.errors = [_("Choose one of the kinds listed.")]
        errors = True
    ip_type = member_of(IPType, form.ip_type.data or None)
    if form.ip_type.data and ip_type is None:
        form.ip_type.errors = [_("Choose one of the types listed.")]
        errors = True
    if not form.date_from.data and not form.date_to.data:
        t = today()
        form.date_from.data, form.date_to.data = t.replace(month=1, day=1).isoformat(), t.isoformat()
    period = None
    try:
        period = parse_range(parse_day(form.date_from.data), parse_day(form.date_to.data), today())
    except ServiceError as e:
        getattr(form, e.field or "date_from").errors = [str(e.message)]
        errors = True
    if errors or period is None:
        return render_template("reports/statistics.html", form=form, centre=centre, data=None)
    filters = figures.Filters(kind, ip_type)
    lang = "en" if current_language() == "en" else "zh"

    def count():
        counted = figures.as_dict(figures.compute(centre, period, subtree=subtree, filters=filters))
        return counted, charts.all_charts(counted, inline_style=False)

    # Figures of any period may be a minute old (``app.core.recent``): the page says when they were counted.
    key = ("statistics", centre.id, period.start, period.end, subtree, kind, ip_type, lang)
    data, counted_charts = recent.remembered(key, count)
    args = {
        "centre": centre.code,
        "date_from": period.start.isoformat(),
        "date_to": period.end.isoformat(),
        "scope": "subtree" if subtree else "alone",
    }
    if kind is not None:
        args["kind"] = kind.value
    if ip_type is not None:
        args["ip_type"] = ip_type.value
    return render_template(
        "reports/statistics.html",
        form=form,
        centre=centre,
        period=period,
        data=data,
        args=args,
        breakdown=tables.breakdown(data, lang) if len(data["groups"]) > 1 else [],
        breakdown_labels=tables.breakdown_labels(),
        breakdown_drills=BREAKDOWN_DRILLS,
        charts=counted_charts,
        counted_at=_counted_at(data),
        notes=render._notes(data),
        filters_text=render._filters_text(data),
        scopes=SCOPES,
        child_links={
            g["code"]: url_for("reports.statistics", **{**args, "centre": g["code"]})
            for g in data["groups"]
            if not g["own"]
        },
    )
