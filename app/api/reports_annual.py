"""The annual report on SME work through the API (API.md "Reports").

``GET /api/v1/reports/annual?centre=CODE&year=YYYY``: the centre's annual report once it is issued. No
``format`` (or ``format=pdf``): the PDF kept when it was issued; ``format=json``: its sections and the
figures it was issued with (the same numbers as its PDF). A report not issued yet answers 404 saying so; a
centre outside the caller's subtree answers 404, as one that does not exist; only supervisors and
administrators read reports (the same scope rule as the pages, ``app.reports.annual.queries``).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from flask import Response, g, jsonify, request
from flask_babel import lazy_gettext as _l
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema

from app.api.errors import ApiError
from app.api.openapi import operation
from app.api.reports import figures_of
from app.api.schemas import Model, Out, Say, _first, refuse
from app.api.schemas_reports import CODE_PATTERN, Figures, ReportCentre, _code
from app.api.views import bp, parse
from app.reports.annual import queries
from app.reports.annual.models import SECTION_NAMES, AnnualState
from app.reports.annual.services import VIEWERS

YEAR_PATTERN = "^[0-9]{4}$"


def _year(value):
    value = _first(value)
    if value is None:
        raise refuse(_l("Required: a year as YYYY."))
    if isinstance(value, str) and re.fullmatch(YEAR_PATTERN, value) and 2000 <= int(value) <= 2100:
        return int(value)
    raise refuse(_l("Give a year as YYYY, from 2000 to 2100."))


def _format(value):
    value = _first(value)
    if value is None:
        return None
    if value in ("pdf", "json"):
        return value
    raise refuse(_l("The format is pdf or json."))


class AnnualReportQuery(Model):
    model_config = ConfigDict(extra="ignore")

    centre: Annotated[
        str | None,
        BeforeValidator(_code),
        WithJsonSchema(
            {"type": "string", "pattern": CODE_PATTERN, "description": "The centre's code (default: the caller's)."}
        ),
    ] = None
    year: Annotated[
        int,
        BeforeValidator(_year),
        WithJsonSchema({"type": "string", "pattern": YEAR_PATTERN, "description": "The year reported (YYYY)."}),
        Say(required=_l("Required: a year as YYYY.")),
    ]
    format: Annotated[
        Literal["pdf", "json"] | None,
        BeforeValidator(_format),
        WithJsonSchema(
            {"type": "string", "enum": ["pdf", "json"], "description": "pdf (the default: the issued PDF) or json."}
        ),
    ] = None


class AnnualIssue(Out):
    number: str | None
    verification_code: str | None
    issued_at: str
    sha256: str


class AnnualSections(Out):
    situation: str
    results: str
    problems: str
    next_steps: str
    suggestions: str


class AnnualReportObject(Out):
    centre: ReportCentre
    year: int
    issued: AnnualIssue
    sections: AnnualSections
    figures: Figures | None
    previous_year: Figures | None


def _report():
    user = g.api_user
    if not user.is_staff or user.role not in VIEWERS or user.centre is None:
        raise ApiError(403, _l("Only supervisors and administrators read the reports."))
    query = parse(AnnualReportQuery, request.args.to_dict(flat=False))
    code = query.centre or user.centre.code
    report = queries.find_report(user, code, query.year)
    if report is None:
        raise ApiError(404, _l("No annual report of this centre and year in your scope."))
    if report.state is not AnnualState.ISSUED or report.document is None:
        raise ApiError(404, _l("This annual report is not issued yet (it is “%(state)s”).", state=report.state.label))
    return report, query


def _figures(data, period):
    if not data or period not in (data.get("values") or {}):
        return None
    return figures_of(data, period=period)


@bp.get("/reports/annual")
@operation(
    "reports",
    (200, AnnualReportObject, "The issued report as the PDF kept when it was issued, or (`format=json`) its content."),
    403,
    404,
    422,
    query=AnnualReportQuery,
    content=("application/pdf", "application/json"),
)
def annual_report():
    """A centre's annual report on SME work, once issued"""
    from app.cases.documents import read_document
    from app.reports.figures import CURRENT, YEAR_AGO

    report, query = _report()
    document = report.document
    wanted = query.format or ("json" if request.accept_mimetypes.best == "application/json" else "pdf")
    if wanted == "json":
        return jsonify(
            {
                "centre": {"code": report.centre.code, "name": report.centre.name},
                "year": report.year,
                "issued": {
                    "number": document.number,
                    "verification_code": document.verification_code,
                    "issued_at": document.created_at.isoformat(),
                    "sha256": document.sha256,
                },
                "sections": {name: report.sections[name] for name in SECTION_NAMES},
                "figures": _figures(report.figures, CURRENT),
                "previous_year": _figures(report.figures, YEAR_AGO),
            }
        )
    response = Response(read_document(document), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="annual-report-{report.centre.code}-{report.year}.pdf"'
    )
    response.headers["X-Content-SHA256"] = document.sha256
    return response
