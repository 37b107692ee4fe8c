"""The one query layer of the reports: every figure of the monthly report, the annual report and the
statistics page, for a centre (alone or with its subtree), a period and optional filters.

A figure is a ``Measure``: a table (cases, clocks, mediations…), a condition on it for the period
(cases submitted in it, clocks due in it…) and what it adds up (a count, or a sum of fen). All the
measures of one table are counted by ONE statement per period (``SUM(CASE WHEN <condition> …)``
grouped by centre), so the number of statements does not grow with the number of centres or cases;
the per-centre rows are then rolled up by centre path into the centre's own row and one row per
child centre (its whole subtree). The drill-down list of a figure (``members``) selects the rows
the same condition picks, so a figure and its list always agree.

Derived figures (on-time rates, the average rating, the visits short of the minimum, the fund's
balance) are computed from counted ones; the median duration of mediations is computed in SQL with
window functions, per group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, bindparam, false, func, literal, or_, select, true
from sqlalchemy import case as sql_case

from app.cases.enums import CaseKind, Channel, IPType
from app.cases.models import Case
from app.centres.models import Centre
from app.clocks.models import CaseClock, ClockName
from app.core.db import utcnow
from app.core.workdays import china_day
from app.extensions import db
from app.fund.enums import EntryKind
from app.fund.models import Fund, FundRequest, LedgerEntry
from app.mediation.enums import MediationState
from app.mediation.models import Mediation
from app.referrals.models import Referral
from app.reports.periods import Period
from app.visits.enums import COUNTED_STATES
from app.visits.models import Visit

#: The three periods every figure is given for.
CURRENT, PREVIOUS, YEAR_AGO = "current", "previous", "year_ago"
PERIODS = (CURRENT, PREVIOUS, YEAR_AGO)
#: How many months the on-time trend covers.
TREND_MONTHS = 12
#: Units of a figure: what the pages, the PDF and the workbook format it as.
COUNT, FEN, RATE, DAYS, AVERAGE = "count", "fen", "rate", "days", "average"
#: The three quick clocks of every case (快速反应、快速处理、快速反馈), reported together too.
QUICK = (ClockName.RESPONSE.value, ClockName.HANDLING.value, ClockName.FEEDBACK.value)
#: The value of an IP type a case has none of (a consultation may name no right).
NO_IP_TYPE = "none"


@dataclass(frozen=True)
class Filters:
    """The statistics page's filters; they narrow every figure drawn from cases (visits and the fund's
    balance are not about one kind of case: the page says they are not filtered)."""

    kind: CaseKind | None = None
    ip_type: IPType | None = None

    @property
    def any(self) -> bool:
        return self.kind is not None or self.ip_type is not None

    def as_dict(self) -> dict:
        return {"kind": self.kind.value if self.kind else None, "ip_type": self.ip_type.value if self.ip_type else None}


@dataclass(frozen=True)
class Ctx:
    """What a condition needs: the period's bounds and the moment the figures are taken. ``SYMBOLIC``
    holds bound parameters instead of values: the counting statements are built (and compiled) once
    per process and executed with ``params()``."""

    period: Period | None
    start: object  # the period's first moment (UTC)
    after: object  # the moment after its last day
    now: object
    first: object  # its first day
    last: object  # its last day

    @classmethod
    def of(cls, period: Period, now: datetime) -> Ctx:
        start, after = period.bounds()
        return cls(period, start, after, now, period.start, period.end)

    def params(self) -> dict:
        return {
            "r_start": self.start,
            "r_after": self.after,
            "r_now": self.now,
            "r_first": self.first,
            "r_last": self.last,
        }

    def within(self, column):
        return and_(column >= self.start, column < self.after)

    def within_days(self, column):
        return and_(column >= self.first, column <= self.last)


SYMBOLIC = Ctx(
    None, bindparam("r_start"), bindparam("r_after"), bindparam("r_now"), bindparam("r_first"), bindparam("r_last")
)


@dataclass(frozen=True)
class _Within(Ctx):
    """``SYMBOLIC`` for the measures of a statement whose WHERE already holds the period's range of
    ``column``: their own test of that range is left out (a row's sums test only what tells them apart)."""

    column: object = None

    def within(self, column):
        return true() if column is self.column else super().within(column)


# ---- the tables --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A table the figures count: its rows' centre, what a drill-down lists (``subject``: the case
    the row belongs to, or the visit), and how the statistics page's filters narrow it."""

    key: str
    model: type
    centre: Callable
    subject: str  # "case" or "visit"
    subject_id: Callable  # the column naming the subject a drill-down lists
    filterable: bool = True
    # The rows a period can count at all, by the table's indexed times (None: any measure's condition).
    touches: Callable | None = None
    # The table's measures counted apart, each part by one statement over the period's range of one
    # indexed time (every measure of a part tests that range): ((the time, the measures' key prefixes), …).
    parts: tuple = ()

    def base(self, filters: Filters, symbolic: bool = False) -> Select:
        """The table's rows the filters keep; ``symbolic``: the filters' values as bound parameters
        (``f_kind``, ``f_ip_type``: ``filter_params``)."""
        stmt = select().select_from(self.model)
        if filters.any and self.filterable:
            if self.model is not Case:
                stmt = stmt.join(Case, Case.id == self.model.case_id)
            if filters.kind is not None:
                stmt = stmt.where(Case.kind == (bindparam("f_kind") if symbolic else filters.kind))
            if filters.ip_type is not None:
                stmt = stmt.where(Case.ip_type == (bindparam("f_ip_type") if symbolic else filters.ip_type))
        return stmt


TABLES = {
    t.key: t
    for t in (
        Table(
            "cases",
            Case,
            lambda: Case.centre_id,
            "case",
            lambda: Case.id,
            touches=lambda c: or_(c.within(Case.submitted_at), c.within(Case.decided_at), c.within(Case.closed_at)),
            parts=(
                (lambda: Case.submitted_at, ("cases.received", "cases.channel.", "cases.kind.", "cases.ip_type.")),
                (lambda: Case.decided_at, ("cases.accepted", "cases.declined", "cases.answered")),
                (lambda: Case.closed_at, ("cases.closed", "ratings.")),
            ),
        ),
        Table(
            "clocks",
            CaseClock,
            lambda: CaseClock.centre_id,
            "case",
            lambda: CaseClock.case_id,
            touches=lambda c: c.within(CaseClock.due_at),
        ),
        Table("mediations", Mediation, lambda: Mediation.centre_id, "case", lambda: Mediation.case_id),
        Table("referrals", Referral, lambda: Referral.centre_id, "case", lambda: Referral.case_id),
        Table("fund_requests", FundRequest, lambda: FundRequest.centre_id, "case", lambda: FundRequest.case_id),
        Table(
            "visits",
            Visit,
            lambda: Visit.centre_id,
            "visit",
            lambda: Visit.id,
            filterable=False,
            touches=lambda c: c.within_days(Visit.visited_on),
        ),
    )
}


# ---- the measures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One counted figure: ``when(ctx)`` picks the rows of ``table`` it counts; ``value`` (a column)
    is what it adds up, None for a count."""

    key: str
    table: str
    label: object
    when: Callable[[Ctx], object]
    value: Callable | None = None
    unit: str = COUNT
    indent: int = 0

    def amount(self):
        return self.value() if self.value is not None else literal(1)


MEASURES: dict[str, Measure] = {}


def _m(key, table, label, when, value=None, unit=COUNT, indent=0) -> Measure:
    measure = Measure(key, table, label, when, value, unit, indent)
    MEASURES[key] = measure
    return measure


def _not_consultation():
    return Case.kind != CaseKind.CONSULTATION


# Cases: received (submitted or recorded in the period) by channel, kind and right; decided; closed.
_m("cases.received", "cases", _l("Cases received"), lambda c: c.within(Case.submitted_at))
for _channel in Channel:
    _m(
        f"cases.channel.{_channel.value}",
        "cases",
        LazyString(lambda v=_channel: v.label),  # the reader's language, at each use
        lambda c, v=_channel: and_(c.within(Case.submitted_at), Case.channel == v),
        indent=1,
    )
for _kind in CaseKind:
    _m(
        f"cases.kind.{_kind.value}",
        "cases",
        LazyString(lambda v=_kind: v.label),
        lambda c, v=_kind: and_(c.within(Case.submitted_at), Case.kind == v),
        indent=1,
    )
for _ip in IPType:
    _m(
        f"cases.ip_type.{_ip.value}",
        "cases",
        LazyString(lambda v=_ip: v.label),
        lambda c, v=_ip: and_(c.within(Case.submitted_at), Case.ip_type == v),
        indent=1,
    )
_m(
    f"cases.ip_type.{NO_IP_TYPE}",
    "cases",
    _l("No right named"),
    lambda c: and_(c.within(Case.submitted_at), Case.ip_type.is_(None)),
    indent=1,
)
_m(
    "cases.accepted",
    "cases",
    _l("Accepted"),
    lambda c: and_(c.within(Case.decided_at), Case.decline_reason.is_(None), _not_consultation()),
)
_m(
    "cases.declined",
    "cases",
    _l("Declined"),
    lambda c: and_(c.within(Case.decided_at), Case.decline_reason.is_not(None)),
)
_m(
    "cases.answered",
    "cases",
    _l("Consultations answered"),
    lambda c: and_(c.within(Case.decided_at), Case.kind == CaseKind.CONSULTATION),
)
_m("cases.closed", "cases", _l("Closed"), lambda c: c.within(Case.closed_at))
# Ratings: of the cases closed in the period, those the applicant rated.
_m("ratings.rated", "cases", _l("Cases rated"), lambda c: and_(c.within(Case.closed_at), Case.rating.is_not(None)))
_m(
    "ratings.sum",
    "cases",
    _l("Sum of ratings"),
    lambda c: and_(c.within(Case.closed_at), Case.rating.is_not(None)),
    value=lambda: Case.rating,
)
for _stars in range(1, 6):
    _m(
        f"ratings.stars.{_stars}",
        "cases",
        _l("%(n)s star", n=_stars) if _stars == 1 else _l("%(n)s stars", n=_stars),
        lambda c, v=_stars: and_(c.within(Case.closed_at), Case.rating == v),
        indent=1,
    )


# Clocks: of those due in the period, decided (met, or running past their due time while not paused)
# and on time (met by the due time). Stopped clocks (a withdrawn case) count neither way.
def _clock_counted(c: Ctx, name: ClockName):
    return and_(
        CaseClock.name == name,
        CaseClock.stopped_at.is_(None),
        c.within(CaseClock.due_at),
        or_(CaseClock.met_at.is_not(None), and_(CaseClock.paused_at.is_(None), CaseClock.due_at < c.now)),
    )


for _clock in ClockName:
    _m(
        f"clocks.{_clock.value}.counted",
        "clocks",
        LazyString(lambda v=_clock: v.label),
        lambda c, v=_clock: _clock_counted(c, v),
    )
    _m(
        f"clocks.{_clock.value}.on_time",
        "clocks",
        _l("on time"),
        lambda c, v=_clock: and_(_clock_counted(c, v), CaseClock.met_at <= CaseClock.due_at),
        indent=1,
    )

# Mediations: opened (立案) in the period; ended in it with an agreement, or failed; the sums agreed.
_m("mediations.opened", "mediations", _l("Mediations opened"), lambda c: c.within(Mediation.opened_at))
_m(
    "mediations.agreed",
    "mediations",
    _l("Ended with an agreement"),
    lambda c: and_(c.within(Mediation.ended_at), Mediation.agreed_at.is_not(None)),
)
_m(
    "mediations.failed",
    "mediations",
    _l("Failed"),
    lambda c: and_(c.within(Mediation.ended_at), Mediation.state == MediationState.FAILED),
)
_m(
    "mediations.agreed_fen",
    "mediations",
    _l("Sums agreed"),
    lambda c: and_(c.within(Mediation.ended_at), Mediation.agreed_at.is_not(None)),
    value=lambda: func.coalesce(Mediation.amount_fen, 0),
    unit=FEN,
)

# Referrals: sent; answered (the agency confirmed receipt); the agency's decisions and outcomes.
_m("referrals.sent", "referrals", _l("Referrals sent"), lambda c: c.within(Referral.sent_at))
_m("referrals.answered", "referrals", _l("Answered by the agency"), lambda c: c.within_days(Referral.received_on))
_m(
    "referrals.opened",
    "referrals",
    _l("The agency opened a case"),
    lambda c: and_(c.within_days(Referral.decided_on), Referral.opened.is_(True)),
    indent=1,
)
_m(
    "referrals.not_opened",
    "referrals",
    _l("The agency did not open a case"),
    lambda c: and_(c.within_days(Referral.decided_on), Referral.opened.is_(False)),
    indent=1,
)
_m(
    "referrals.police",
    "referrals",
    _l("Passed to public security"),
    lambda c: c.within_days(Referral.police_transferred_on),
    indent=1,
)
_m("referrals.concluded", "referrals", _l("Outcomes reported"), lambda c: c.within_days(Referral.outcome_on))
_m(
    "referrals.penalty_fen",
    "referrals",
    _l("Fines imposed"),
    lambda c: c.within_days(Referral.outcome_on),
    value=lambda: func.coalesce(Referral.penalty_fen, 0),
    unit=FEN,
    indent=1,
)

# Visits done in the period (the minimum is derived below from the centres' settings).
_m(
    "visits.done",
    "visits",
    _l("Visits done"),
    lambda c: and_(c.within_days(Visit.visited_on), Visit.state.in_(COUNTED_STATES)),
)

# Fund requests: submitted, granted (the second approval) with the sums granted, refused.
_m("fund.submitted", "fund_requests", _l("Fund requests submitted"), lambda c: c.within(FundRequest.submitted_at))
_m(
    "fund.granted",
    "fund_requests",
    _l("Granted"),
    lambda c: c.within(FundRequest.second_approved_at),
)
_m(
    "fund.granted_fen",
    "fund_requests",
    _l("Sums granted"),
    lambda c: c.within(FundRequest.second_approved_at),
    value=lambda: func.coalesce(FundRequest.approved_fen, 0),
    unit=FEN,
    indent=1,
)
_m("fund.refused", "fund_requests", _l("Refused"), lambda c: c.within(FundRequest.rejected_at))


def _payouts(c: Ctx):
    """The requests paid in the period (their payouts are summed from the ledger below)."""
    paid = select(LedgerEntry.request_id).where(
        LedgerEntry.kind == EntryKind.PAYOUT, c.within_days(LedgerEntry.occurred_on)
    )
    return FundRequest.id.in_(paid)


_m("fund.paid", "fund_requests", _l("Requests paid"), _payouts)


# ---- the report --------------------------------------------------------------------------------------


@dataclass
class Group:
    """A row of the per-centre breakdown: the centre's own cases, or a child centre with its subtree."""

    centre_id: int
    code: str
    name_zh: str
    name_en: str
    own: bool  # the report's centre itself (its own cases only)


@dataclass
class Report:
    centre: Centre
    period: Period
    subtree: bool
    filters: Filters
    taken_at: datetime
    periods: dict[str, Period]
    groups: list[Group] = field(default_factory=list)
    # values[period key][group id or None (all)][measure key] → int
    values: dict = field(default_factory=dict)
    medians: dict = field(default_factory=dict)  # [period][group or None] → days (float) or None
    visits_required: dict = field(default_factory=dict)  # [period][group or None] → int
    centres_short: dict = field(default_factory=dict)  # [period][group or None] → int
    fund: dict = field(
        default_factory=dict
    )  # [period] → {balance_fen, committed_fen, available_fen, payouts_fen, funds}
    trend: list = field(default_factory=list)  # [(Period, {clock value: (counted, on_time)})]
    not_counted: list = field(default_factory=list)  # [(clock name, year, how many)]
    years_missing: list = field(default_factory=list)  # the calendar years the period needs that are not entered
    statements: int = 0

    def value(self, key: str, period: str = CURRENT, group: int | None = None) -> int:
        return self.values.get(period, {}).get(group, {}).get(key, 0)

    def rate(self, clock: str, period: str = CURRENT, group: int | None = None) -> float | None:
        counted = self.value(f"clocks.{clock}.counted", period, group)
        return self.value(f"clocks.{clock}.on_time", period, group) / counted if counted else None

    def average_rating(self, period: str = CURRENT, group: int | None = None) -> float | None:
        rated = self.value("ratings.rated", period, group)
        return self.value("ratings.sum", period, group) / rated if rated else None

    def is_preview(self, today: date | None = None) -> bool:
        return self.period.is_open(today or china_day(utcnow()))

    def clocks_shown(self) -> list[ClockName]:
        """The clocks with anything due in one of the three periods (a centre without mediations is
        not shown nine empty rows)."""
        return [
            name
            for name in ClockName
            if any(self.value(f"clocks.{name.value}.counted", p) for p in PERIODS)
            or name in (ClockName.RESPONSE, ClockName.HANDLING, ClockName.FEEDBACK)
        ]


def compute(
    centre: Centre,
    period: Period,
    *,
    subtree: bool = True,
    filters: Filters | None = None,
    now: datetime | None = None,
    compare: bool = True,
    trend: bool = True,
) -> Report:
    """Every figure of ``centre`` (with its subtree, or alone) for ``period``, the previous period and
    the same period a year before (``compare``), broken down per child centre, with the on-time trend
    of the 12 months up to the period (``trend``)."""
    filters = filters or Filters()
    now = now or utcnow()
    periods = {CURRENT: period}
    if compare:
        periods[PREVIOUS] = period.previous()
        periods[YEAR_AGO] = period.year_before()
        if periods[PREVIOUS] == periods[YEAR_AGO]:  # a calendar year: the year before is both
            del periods[PREVIOUS]
    report = Report(centre, period, subtree, filters, now, periods)
    centres = _centres(centre, subtree)
    report.groups = _groups(centre, centres, subtree)
    group_of = _group_of(centre, centres, subtree)
    scope = _scope(centres)
    visits = _Visits.of(centres, scope, list(periods.values()), report)

    for key, p in periods.items():
        ctx = Ctx.of(p, now)
        per_group: dict = defaultdict(lambda: defaultdict(int))
        for table in TABLES.values():
            for centre_id, sums in _count_table(table, ctx, scope, filters, report).items():
                if centre_id not in group_of:  # a centre added since the centres were read
                    continue
                for target in (None, group_of[centre_id]):
                    for measure_key, amount in sums.items():
                        per_group[target][measure_key] += amount
        report.values[key] = per_group
        report.medians[key] = _medians(ctx, centre, centres, scope, subtree, filters, report)
        _visits_minimum(report, key, p, visits, group_of, now)
        report.fund[key] = _fund(ctx, scope, filters, report)
    if trend:
        report.trend = _trend(period, scope, filters, now, report)
    report.not_counted, report.years_missing = _not_counted(period, scope, report)
    return report


# ---- the statements ----------------------------------------------------------------------------------


def _centres(centre: Centre, subtree: bool) -> list[Centre]:
    if not subtree:
        return [centre]
    return list(
        db.session.execute(
            select(Centre).where(Centre.path.startswith(centre.path, autoescape=True)).order_by(Centre.path)
        ).scalars()
    )


def _scope(centres: list[Centre]) -> list[int] | None:
    """The ids of the centres counted, or None when they are every centre (the national centre with
    its subtree): the statements then read each table's time ranges with no list of 500 ids."""
    ids = [c.id for c in centres]
    if len(ids) > 1 and len(ids) == db.session.execute(select(func.count()).select_from(Centre)).scalar_one():
        return None
    return ids


def _in(column, scope: list[int] | None):
    return true() if scope is None else column.in_(scope)


def _groups(centre: Centre, centres: list[Centre], subtree: bool) -> list[Group]:
    groups = [Group(centre.id, centre.code, centre.name_zh, centre.name_en or centre.name_zh, own=True)]
    if subtree:
        groups += [
            Group(c.id, c.code, c.name_zh, c.name_en or c.name_zh, own=False)
            for c in centres
            if c.parent_id == centre.id
        ]
    return groups


def _group_of(centre: Centre, centres: list[Centre], subtree: bool) -> dict[int, int]:
    """{centre id: the group it rolls up into}: the report's centre itself, or its child above it."""
    depth = len(centre.ancestor_ids)
    out = {}
    for c in centres:
        ids = c.ancestor_ids
        out[c.id] = ids[depth] if subtree and len(ids) > depth else centre.id
    return out


def _count_table(table: Table, ctx: Ctx, scope: list[int] | None, filters: Filters, report: Report) -> dict:
    """{centre id: {measure key: sum}} for every measure of ``table``: one statement (or one per part
    of the table, each over the range of one indexed time)."""
    if filters.any and not table.filterable:
        return {}
    params = {**ctx.params(), **_filter_params(filters), "scope": scope or []}
    out: dict = defaultdict(dict)
    for part in range(max(1, len(table.parts))):
        stmt, read = _statement(table.key, part, filters.kind is not None, filters.ip_type is not None, scope is None)
        report.statements += 1
        for row in db.session.execute(stmt, params).all():
            read(out, row)
    return out


def _filter_params(filters: Filters) -> dict:
    return {"f_kind": filters.kind, "f_ip_type": filters.ip_type}


#: The counting statements, built once per process: {(table, part, by kind, by type, every centre):
#: (the statement with bound parameters, what reads a row of it into {centre id: {measure: sum}})}.
_STATEMENTS: dict = {}


def _statement(table_key: str, part: int, kind: bool, ip_type: bool, everything: bool):
    key = (table_key, part, kind, ip_type, everything)
    if key not in _STATEMENTS:
        table = TABLES[table_key]
        filters = Filters(
            CaseKind.COMPLAINT if kind else None, IPType.TRADEMARK if ip_type else None
        )  # their kind only
        scope = None if everything else bindparam("scope", expanding=True)
        if table_key == "clocks":
            _STATEMENTS[key] = _clocks_statement(filters, scope)
        else:
            measures = [m for m in MEASURES.values() if m.table == table_key]
            ctx = SYMBOLIC
            if table.parts:
                column, prefixes = table.parts[part]
                measures, touches = [m for m in measures if m.key.startswith(prefixes)], SYMBOLIC.within(column())
                ctx = _Within(
                    *(getattr(SYMBOLIC, f) for f in ("period", "start", "after", "now", "first", "last")), column()
                )
            else:
                touches = table.touches(SYMBOLIC) if table.touches else None
            _STATEMENTS[key] = _sums_statement(table, measures, touches, filters, scope, ctx)
    return _STATEMENTS[key]


def _in_scope(column, scope):
    """``scope``: None (every centre) or the expanding bound parameter of the centres' ids."""
    return true() if scope is None else column.in_(scope)


def _sums_statement(table: Table, measures: list[Measure], touches, filters: Filters, scope, ctx: Ctx = SYMBOLIC):
    conditions = [m.when(ctx) for m in measures]
    columns = [
        func.coalesce(func.sum(sql_case((cond, m.amount()), else_=0)), 0)
        for m, cond in zip(measures, conditions, strict=True)
    ]
    centre_col = table.centre()
    stmt = (
        table.base(filters, symbolic=True)
        .add_columns(centre_col, *columns)
        .where(_in_scope(centre_col, scope), touches if touches is not None else or_(*conditions))
        .group_by(centre_col)
    )
    keys = [m.key for m in measures]

    def read(out: dict, row) -> None:
        sums = out[row[0]]
        for k, v in zip(keys, row[1:], strict=True):
            if v:
                sums[k] = int(v)

    return stmt, read


def _clocks_statement(filters: Filters, scope):
    """The clocks' measures (``clocks.<name>.counted`` and ``.on_time``, the conditions of
    ``_clock_counted``) by centre and clock in one statement over the range of due times, which the
    covering index ``ix_case_clocks_due_at_met_at_cover`` holds: two sums a row, not two per clock."""
    c = SYMBOLIC
    decided = and_(
        CaseClock.stopped_at.is_(None),
        c.within(CaseClock.due_at),
        or_(CaseClock.met_at.is_not(None), and_(CaseClock.paused_at.is_(None), CaseClock.due_at < c.now)),
    )
    stmt = (
        TABLES["clocks"]
        .base(filters, symbolic=True)
        .add_columns(
            CaseClock.centre_id,
            CaseClock.name,
            func.count(),
            func.coalesce(func.sum(sql_case((CaseClock.met_at <= CaseClock.due_at, 1), else_=0)), 0),
        )
        .where(_in_scope(CaseClock.centre_id, scope), decided)
        .group_by(CaseClock.centre_id, CaseClock.name)
    )
    keys = {name.value: (f"clocks.{name.value}.counted", f"clocks.{name.value}.on_time") for name in ClockName}

    def read(out: dict, row) -> None:
        centre_id, name, counted, on_time = row
        counted_key, on_time_key = keys[ClockName(name).value]
        if counted:
            out[centre_id][counted_key] = int(counted)
        if on_time:
            out[centre_id][on_time_key] = int(on_time)

    return stmt, read


def members(
    key: str, centre: Centre, period: Period, *, subtree: bool = True, group: int | None = None, filters=None, now=None
) -> tuple[str, Select]:
    """The drill-down of a counted figure: (what is listed, "case" or "visit"; a SELECT of the ids of
    the cases or visits it counts), by the very condition that counted it. ``group`` narrows it to one
    row of the breakdown (a child centre's subtree, or the centre's own)."""
    measure = MEASURES[key]
    table = TABLES[measure.table]
    filters = filters or Filters()
    if filters.any and not table.filterable:
        return table.subject, select(table.subject_id()).where(false())
    ctx = Ctx.of(period, now or utcnow())
    centres = _centres(centre, subtree)
    if group is not None:
        group_of = _group_of(centre, centres, subtree)
        centres = [c for c in centres if group_of[c.id] == group]
    stmt = (
        table.base(filters)
        .add_columns(table.subject_id())
        .where(table.centre().in_([c.id for c in centres]), measure.when(ctx), table.subject_id().is_not(None))
    )
    return table.subject, stmt


def _days_between(start, end):
    if db.session.get_bind().dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / 86400.0


def _medians(
    ctx: Ctx, centre: Centre, centres: list[Centre], scope, subtree: bool, filters: Filters, report: Report
) -> dict:
    """{group id or None: the median days from opening to the end of the mediations that ended in the
    period after being opened}, by window functions in SQL: one statement for the groups, one for all."""
    table = TABLES["mediations"]
    ended = and_(ctx.within(Mediation.ended_at), Mediation.opened_at.is_not(None))
    days = _days_between(Mediation.opened_at, Mediation.ended_at)
    children = [c for c in centres if c.parent_id == centre.id] if subtree else []
    group_expr = (
        sql_case(*[(Centre.path.startswith(c.path, autoescape=True), c.id) for c in children], else_=centre.id)
        if children
        else literal(centre.id)
    )
    out: dict = {}
    for grouped in (True, False):
        inner = (
            table.base(filters)
            .join(Centre, Centre.id == Mediation.centre_id)
            .add_columns((group_expr if grouped else literal(0)).label("grp"), days.label("d"))
            .where(_in(Mediation.centre_id, scope), ended)
            .subquery()
        )
        ranked = select(
            inner.c.grp,
            inner.c.d,
            func.row_number().over(partition_by=inner.c.grp, order_by=inner.c.d).label("rn"),
            func.count().over(partition_by=inner.c.grp).label("n"),
        ).subquery()
        stmt = (
            select(ranked.c.grp, func.avg(ranked.c.d))
            .where(ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
            .group_by(ranked.c.grp)
        )
        report.statements += 1
        for grp, median in db.session.execute(stmt).all():
            out[grp if grouped else None] = round(float(median), 1) if median is not None else None
    return out


@dataclass
class _Visits:
    """What the visits' minimum needs, read once for the three periods: each owing centre's monthly
    minimum and first month owed (``visits.compliance.owes``: active, created before the month began),
    and the visits done per centre and month over all the periods' whole months (one statement)."""

    required_by: dict  # {centre id: visits required a month}, the active centres only
    owed_from: dict  # {centre id: the day it was created, China time}
    counts: dict  # {(centre id, month): visits done}

    @classmethod
    def of(cls, centres: list[Centre], scope, periods: list[Period], report: Report) -> _Visits:
        from app.visits.compliance import _counts, required_by_centre

        active = [c for c in centres if c.is_active]
        required_by = required_by_centre(active)
        owed_from = {c.id: china_day(c.created_at) for c in active}
        months = [m for p in periods for m in _whole_months(p)]
        counts = {}
        if months and active:
            counts = _counts(scope, min(months), _next(max(months)))
            report.statements += 1
        return cls(required_by, owed_from, counts)


def _whole_months(p: Period) -> list[date]:
    """The first days of the whole months of the period (a run of days that starts or ends mid-month
    owes nothing for the part-months)."""
    return [m.start for m in p.months_back(_months_in(p)) if m.start >= p.start and m.end <= p.end]


def _visits_minimum(report: Report, key: str, p: Period, visits: _Visits, group_of, now) -> None:
    """Visits required in the period (each owing centre's monthly minimum × the months it owes) and the
    centres that ended a month short, from the per-centre counts of one statement."""
    months = _whole_months(p)
    this_month = china_day(now).replace(day=1)
    required: dict = defaultdict(int)
    short: dict = defaultdict(int)
    for centre_id, created in visits.owed_from.items():
        need = visits.required_by[centre_id]
        group = group_of[centre_id]
        for month in months:
            if created > month:
                continue
            required[None] += need
            required[group] += need
            if month < this_month and visits.counts.get((centre_id, month), 0) < need:
                short[None] += 1
                short[group] += 1
    report.visits_required[key] = dict(required)
    report.centres_short[key] = dict(short)


def _months_in(p: Period) -> int:
    return (p.end.year - p.start.year) * 12 + p.end.month - p.start.month + 1


def _next(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _fund(ctx: Ctx, scope: list[int] | None, filters: Filters, report: Report) -> dict:
    """The payouts of the period (from the ledger, for the requests of the scope's centres) and, for
    the funds kept by a centre of the scope, the money held, committed and available at its end."""
    from app.fund import ledger

    paid = (
        select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
        .join(FundRequest, FundRequest.id == LedgerEntry.request_id)
        .where(
            LedgerEntry.kind == EntryKind.PAYOUT,
            ctx.within_days(LedgerEntry.occurred_on),
            _in(FundRequest.centre_id, scope),
        )
    )
    if filters.any:
        paid = paid.join(Case, Case.id == FundRequest.case_id)
        if filters.kind is not None:
            paid = paid.where(Case.kind == filters.kind)
        if filters.ip_type is not None:
            paid = paid.where(Case.ip_type == filters.ip_type)
    payouts = int(db.session.execute(paid).scalar_one())
    fund_ids = list(db.session.execute(select(Fund.id).where(_in(Fund.centre_id, scope))).scalars())
    report.statements += 2
    out = {"payouts_fen": payouts, "funds": len(fund_ids), "balance_fen": 0, "committed_fen": 0, "available_fen": 0}
    if fund_ids:
        report.statements += 1
        for sums in ledger.sums_by_fund(fund_ids, until=ctx.period.end).values():
            out["balance_fen"] += sums.balance_fen
            out["committed_fen"] += sums.committed_fen
            out["available_fen"] += sums.available_fen
    return out


def _trend(period: Period, scope: list[int] | None, filters: Filters, now: datetime, report: Report) -> list:
    """The on-time rate of each clock in each of the 12 months up to the period: one statement, the
    month found by a CASE over the months' bounds."""
    months = period.months_back(TREND_MONTHS)
    first, _ = months[0].bounds()
    _, after = months[-1].bounds()
    which = sql_case(*[(CaseClock.due_at < m.bounds()[1], i) for i, m in enumerate(months)], else_=-1)
    decided = and_(
        CaseClock.stopped_at.is_(None),
        CaseClock.due_at >= first,
        CaseClock.due_at < after,
        or_(CaseClock.met_at.is_not(None), and_(CaseClock.paused_at.is_(None), CaseClock.due_at < now)),
    )
    stmt = (
        TABLES["clocks"]
        .base(filters)
        .add_columns(
            which.label("m"),
            CaseClock.name,
            func.count(),
            func.coalesce(func.sum(sql_case((CaseClock.met_at <= CaseClock.due_at, 1), else_=0)), 0),
        )
        .where(_in(CaseClock.centre_id, scope), decided)
        .group_by(which, CaseClock.name)
    )
    report.statements += 1
    points = [(m, {}) for m in months]
    for index, name, counted, on_time in db.session.execute(stmt).all():
        if 0 <= index < len(points):
            points[index][1][ClockName(name).value] = (int(counted), int(on_time))
    return points


def _not_counted(period: Period, scope: list[int] | None, report: Report) -> tuple[list, list]:
    """The clocks of the scope the figures could not count because the working-day calendar of a year
    is not entered (their due time is unknown), and the years of the period whose calendar is missing."""
    from app.clocks.models import CalendarYear
    from app.core.workdays import package_years

    stmt = (
        select(CaseClock.name, CaseClock.unknown_year, func.count())
        .where(
            _in(CaseClock.centre_id, scope),
            CaseClock.unknown_year.is_not(None),
            CaseClock.met_at.is_(None),
            CaseClock.stopped_at.is_(None),
            CaseClock.started_at < period.bounds()[1],
        )
        .group_by(CaseClock.name, CaseClock.unknown_year)
        .order_by(CaseClock.unknown_year, CaseClock.name)
    )
    rows = [(ClockName(name), int(year), int(n)) for name, year, n in db.session.execute(stmt).all()]
    entered = set(db.session.execute(select(CalendarYear.year)).scalars()) | set(package_years())
    report.statements += 2
    missing = [y for y in range(period.start.year, period.end.year + 1) if y not in entered]
    return rows, missing


# ---- what the pages, the API and the workbook read ---------------------------------------------------


# ---- the figures as plain values ---------------------------------------------------------------------

ALL = "all"


def as_dict(report: Report) -> dict:
    """The report's figures as JSON values, keyed by measure and by group (``all``, or a centre's code):
    what an issued report keeps (``MonthlyReport.figures``), what the tables, the PDF, the workbook and
    the API read. Labels are not in it: the reader's language gives them."""
    code_of = {g.centre_id: g.code for g in report.groups}

    def by_group(values: dict) -> dict:
        return {(ALL if k is None else code_of[k]): v for k, v in values.items() if k is None or k in code_of}

    return {
        "version": 1,
        "centre": {"code": report.centre.code, "name_zh": report.centre.name_zh, "name_en": report.centre.name_en},
        "period": report.period.key,
        "subtree": report.subtree,
        "filters": report.filters.as_dict(),
        "taken_at": report.taken_at.isoformat(),
        "periods": {k: {"start": p.start.isoformat(), "end": p.end.isoformat()} for k, p in report.periods.items()},
        "groups": [{"code": g.code, "name_zh": g.name_zh, "name_en": g.name_en, "own": g.own} for g in report.groups],
        "values": {k: by_group({g: dict(v) for g, v in per.items()}) for k, per in report.values.items()},
        "medians": {k: by_group(v) for k, v in report.medians.items()},
        "visits_required": {k: by_group(v) for k, v in report.visits_required.items()},
        "centres_short": {k: by_group(v) for k, v in report.centres_short.items()},
        "fund": report.fund,
        "trend": [
            {"month": m.key, "clocks": {name: list(pair) for name, pair in sorted(d.items())}} for m, d in report.trend
        ],
        "not_counted": [{"clock": n.value, "year": y, "count": c} for n, y, c in report.not_counted],
        "years_missing": report.years_missing,
    }
