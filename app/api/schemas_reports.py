"""The reports through the API (API.md "Reports"): the query of ``GET /api/v1/reports/monthly`` and the
figures it answers with ``format=json``."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from flask_babel import lazy_gettext as _l
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema

from app.api.schemas import Model, Out, Say, _first, refuse
from app.api.schemas_visit import MONTH_PATTERN

CODE_PATTERN = "^[A-Za-z0-9_-]{1,30}$"


def _code(value):
    value = _first(value)
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(CODE_PATTERN, value):
        return value
    raise refuse(_l("Give a centre's code."))


def _month_text(value):
    value = _first(value)
    if value is None:
        raise refuse(_l("Required: a month as YYYY-MM."))
    if isinstance(value, str) and re.fullmatch(MONTH_PATTERN, value):
        return value
    raise refuse(_l("Give a month as YYYY-MM."))


def _format(value):
    value = _first(value)
    if value is None:
        return None
    if value in ("pdf", "json", "xlsx"):
        return value
    raise refuse(_l("The format is pdf, json or xlsx."))


class MonthlyReportQuery(Model):
    model_config = ConfigDict(extra="ignore")

    centre: Annotated[
        str | None,
        BeforeValidator(_code),
        WithJsonSchema(
            {"type": "string", "pattern": CODE_PATTERN, "description": "The centre's code (default: the caller's)."}
        ),
    ] = None
    month: Annotated[
        str,
        BeforeValidator(_month_text),
        WithJsonSchema({"type": "string", "pattern": MONTH_PATTERN, "description": "The month (YYYY-MM)."}),
        Say(required=_l("Required: a month as YYYY-MM.")),
    ]
    format: Annotated[
        Literal["pdf", "json", "xlsx"] | None,
        BeforeValidator(_format),
        WithJsonSchema(
            {
                "type": "string",
                "enum": ["pdf", "json", "xlsx"],
                "description": "pdf (the default: the issued PDF, or a preview), json (the figures) or xlsx.",
            }
        ),
    ] = None


class ReportCentre(Out):
    code: str
    name: str


class ReportIssue(Out):
    number: str | None
    verification_code: str | None
    issued_at: str


class CaseFigures(Out):
    received: int
    accepted: int
    declined: int
    answered: int
    closed: int
    by_channel: dict[str, int]
    by_kind: dict[str, int]
    by_ip_type: dict[str, int]


class ClockFigures(Out):
    counted: int
    on_time: int
    rate: float | None


class MediationFigures(Out):
    opened: int
    agreed: int
    failed: int
    median_days: float | None
    agreed_fen: int


class ReferralFigures(Out):
    sent: int
    answered: int
    opened: int
    not_opened: int
    police: int
    concluded: int
    penalty_fen: int
    chases_due: int
    chases_overdue: int


class VisitFigures(Out):
    done: int
    required: int
    centres_short: int


class FundFigures(Out):
    submitted: int
    granted: int
    granted_fen: int
    refused: int
    paid: int
    payouts_fen: int
    balance_fen: int | None
    committed_fen: int | None
    available_fen: int | None


class RatingFigures(Out):
    rated: int
    average: float | None
    by_stars: dict[str, int]


class Figures(Out):
    start: str
    end: str
    cases: CaseFigures
    clocks: dict[str, ClockFigures]
    mediations: MediationFigures
    referrals: ReferralFigures
    visits: VisitFigures
    fund: FundFigures
    ratings: RatingFigures


class CentreFigures(Out):
    code: str
    name: str
    own: bool
    figures: Figures


class NotCounted(Out):
    clock: str
    year: int
    count: int


class MonthlyReportFigures(Out):
    centre: ReportCentre
    month: str
    preview: bool
    issued: ReportIssue | None
    current: Figures
    previous: Figures
    year_ago: Figures
    by_centre: list[CentreFigures]
    not_counted: list[NotCounted]
    years_missing: list[int]


def _measure(value):
    from app.reports.figures import MEASURES

    value = _first(value)
    if value is None:
        raise refuse(_l("Required: the figure to list."))
    if isinstance(value, str) and value in MEASURES:
        return value
    raise refuse(_l("No such figure: choose one of the report's counted figures."))


def _period_key(value):
    value = _first(value)
    if value is None:
        return "current"
    if value in ("current", "previous", "year_ago"):
        return value
    raise refuse(_l("The period is current, previous or year_ago."))


def _positive(value):
    value = _first(value)
    if value is None:
        return None
    from app.api.queries import MAX_ID

    if isinstance(value, str) and value.isdigit() and 0 < len(value) <= 12 and 0 < int(value) <= MAX_ID:
        return int(value)
    raise refuse(_l("Give a whole number above zero."))


def _limit(value):
    number = _positive(value)
    if number is None:
        return 100
    if number > 500:
        raise refuse(_l("At most 500 a page."))
    return number


def _measure_schema():
    from app.reports.figures import MEASURES

    return {"type": "string", "enum": sorted(MEASURES), "description": "A counted figure of the report."}


class FigureListQuery(MonthlyReportQuery):
    measure: Annotated[str, BeforeValidator(_measure), WithJsonSchema(_measure_schema())]
    period: Annotated[
        str,
        BeforeValidator(_period_key),
        WithJsonSchema({"type": "string", "enum": ["current", "previous", "year_ago"]}),
    ] = "current"
    group: Annotated[
        str | None,
        BeforeValidator(_code),
        WithJsonSchema(
            {"type": "string", "pattern": CODE_PATTERN, "description": "One row of the breakdown (a centre's code)."}
        ),
    ] = None
    after: Annotated[
        int | None,
        BeforeValidator(_positive),
        WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,10}$", "description": "`next_after` of the last page."}),
    ] = None
    limit: Annotated[
        int | None,
        BeforeValidator(_limit),
        WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,3}$", "description": "1 to 500 (default 100)."}),
    ] = None


class FigureItem(Out):
    id: int
    number: str | None
    title: str | None
    state: str | None
    centre: str
    visited_on: str | None


class FigureList(Out):
    measure: str
    subject: str
    count: int
    items: list[FigureItem]
    next_after: int | None
