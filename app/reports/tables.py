"""The report's tables, built from its figures as plain values (``figures.as_dict``): the page, the PDF
and the workbook all show these, in the reader's language, so they never disagree.

A ``Section`` is a table of ``Line``s: a label, a unit, the value for the period, the previous period
and the same period a year before, and the measure a drill-down opens (None for derived figures).
``breakdown`` is the per-centre table; ``trend`` the on-time rates of 12 months.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from app.cases.enums import CaseKind, Channel, IPType
from app.clocks.models import ClockName
from app.core.money import yuan
from app.reports.figures import (
    ALL,
    AVERAGE,
    COUNT,
    CURRENT,
    DAYS,
    FEN,
    MEASURES,
    NO_IP_TYPE,
    PERIODS,
    PREVIOUS,
    QUICK,
    RATE,
    YEAR_AGO,
)

SECTION_TITLES = {
    "cases": lazy_pgettext("report section", "Cases"),
    "channels": lazy_pgettext("report section", "Cases received by channel"),
    "kinds": lazy_pgettext("report section", "Cases received by kind"),
    "ip_types": lazy_pgettext("report section", "Cases received by type of right"),
    "clocks": lazy_pgettext("report section", "On-time rate of each clock"),
    "mediations": lazy_pgettext("report section", "Fast mediation"),
    "referrals": lazy_pgettext("report section", "Referrals to enforcement agencies"),
    "visits": lazy_pgettext("report section", "On-site visits"),
    "fund": lazy_pgettext("report section", "Overseas mutual-aid fund"),
    "ratings": lazy_pgettext("report section", "Applicants' ratings"),
}

PERIOD_TITLES = {
    CURRENT: _l("This period"),
    PREVIOUS: _l("Previous period"),
    YEAR_AGO: _l("A year before"),
}


@dataclass
class Line:
    key: str
    label: str
    unit: str
    values: dict  # period key → number or None
    drill: str | None = None  # the measure a drill-down lists
    indent: int = 0

    def of(self, period: str = CURRENT):
        return self.values.get(period)

    def change(self, against: str) -> float | None:
        """The change against another period, as a fraction (None when it cannot be said)."""
        now, then = self.values.get(CURRENT), self.values.get(against)
        if now is None or then in (None, 0) or self.unit in (RATE, AVERAGE, DAYS):
            return None
        return (now - then) / then

    def difference(self, against: str):
        now, then = self.values.get(CURRENT), self.values.get(against)
        if now is None or then is None:
            return None
        return now - then


@dataclass
class Section:
    key: str
    title: str
    lines: list[Line] = field(default_factory=list)
    note: str = ""  # why the section is empty or what it does not count

    @property
    def empty(self) -> bool:
        return all(not line.of(p) for line in self.lines for p in PERIODS)


class Reader:
    """Reads one group's values out of the figures dict."""

    def __init__(self, data: dict, group: str = ALL):
        self.data, self.group = data, group

    def value(self, key: str, period: str):
        if period not in self.data["values"]:
            return None
        return self.data["values"][period].get(self.group, {}).get(key, 0)

    def of(self, name: str, period: str):
        if period not in self.data.get(name, {}):
            return None
        return self.data[name][period].get(self.group)

    def rate(self, clock: str, period: str):
        counted = self.value(f"clocks.{clock}.counted", period)
        if not counted:
            return None
        return self.value(f"clocks.{clock}.on_time", period) / counted

    def average(self, period: str):
        rated = self.value("ratings.rated", period)
        return self.value("ratings.sum", period) / rated if rated else None

    def fund(self, key: str, period: str):
        if self.group != ALL or period not in self.data.get("fund", {}):
            return None
        return self.data["fund"][period].get(key)


def _periods(data: dict) -> list[str]:
    return [p for p in PERIODS if p in data["values"]]


def _counted(r: Reader, key: str, periods, label=None, indent=None) -> Line:
    m = MEASURES[key]
    return Line(
        key,
        str(label if label is not None else m.label),
        m.unit,
        {p: r.value(key, p) for p in periods},
        drill=key,
        indent=m.indent if indent is None else indent,
    )


def sections(data: dict, group: str = ALL) -> list[Section]:
    """The report's tables for ``group`` (``all``: the centre with its subtree)."""
    r, periods = Reader(data, group), _periods(data)
    out = []

    cases = Section("cases", str(SECTION_TITLES["cases"]))
    for key in ("cases.received", "cases.accepted", "cases.declined", "cases.answered", "cases.closed"):
        cases.lines.append(_counted(r, key, periods))
    out.append(cases)

    for section_key, prefix, members in (
        ("channels", "cases.channel", [c.value for c in Channel]),
        ("kinds", "cases.kind", [k.value for k in CaseKind]),
        ("ip_types", "cases.ip_type", [t.value for t in IPType] + [NO_IP_TYPE]),
    ):
        section = Section(section_key, str(SECTION_TITLES[section_key]))
        for member in members:
            line = _counted(r, f"{prefix}.{member}", periods, indent=0)
            if any(line.of(p) for p in periods) or section_key != "channels" or member in _MAIN_CHANNELS:
                section.lines.append(line)
        out.append(section)

    clocks = Section("clocks", str(SECTION_TITLES["clocks"]))
    for name in ClockName:
        counted = _counted(r, f"clocks.{name.value}.counted", periods, label=_("%(clock)s: counted", clock=name.label))
        if name.value not in QUICK and not any(counted.of(p) for p in periods):
            continue
        on_time = _counted(r, f"clocks.{name.value}.on_time", periods, label=_("on time"), indent=1)
        rate = Line(
            f"clocks.{name.value}.rate",
            _("on-time rate"),
            RATE,
            {p: r.rate(name.value, p) for p in periods},
            indent=1,
        )
        clocks.lines += [counted, on_time, rate]
    if data.get("not_counted"):
        clocks.note = not_counted_note(data)
    out.append(clocks)

    mediations = Section("mediations", str(SECTION_TITLES["mediations"]))
    for key in ("mediations.opened", "mediations.agreed", "mediations.failed"):
        mediations.lines.append(_counted(r, key, periods))
    mediations.lines.append(
        Line("mediations.median_days", _("Median duration (days)"), DAYS, {p: r.of("medians", p) for p in periods})
    )
    mediations.lines.append(_counted(r, "mediations.agreed_fen", periods))
    out.append(mediations)

    referrals = Section("referrals", str(SECTION_TITLES["referrals"]))
    for key in (
        "referrals.sent",
        "referrals.answered",
        "referrals.opened",
        "referrals.not_opened",
        "referrals.police",
        "referrals.concluded",
        "referrals.penalty_fen",
    ):
        referrals.lines.append(_counted(r, key, periods))
    referrals.lines.append(
        _counted(
            r,
            "clocks.chase.counted",
            periods,
            label=_("Agencies' answers due"),
        )
    )
    referrals.lines.append(
        Line(
            "referrals.chases_overdue",
            _("Chases overdue (no answer and no chase in time)"),
            COUNT,
            {p: _late(r, "chase", p) for p in periods},
        )
    )
    out.append(referrals)

    visits = Section("visits", str(SECTION_TITLES["visits"]))
    visits.lines.append(_counted(r, "visits.done", periods))
    visits.lines.append(
        Line(
            "visits.required",
            _("Visits required (the monthly minimum)"),
            COUNT,
            {p: r.of("visits_required", p) or 0 for p in periods},
        )
    )
    visits.lines.append(
        Line(
            "visits.centres_short",
            _("Centres that ended a month short"),
            COUNT,
            {p: r.of("centres_short", p) or 0 for p in periods},
        )
    )
    if data["filters"].get("kind") or data["filters"].get("ip_type"):
        visits.note = _("Visits are not about one kind of case: they are not filtered.")
    out.append(visits)

    fund = Section("fund", str(SECTION_TITLES["fund"]))
    for key in ("fund.submitted", "fund.granted", "fund.granted_fen", "fund.refused", "fund.paid"):
        fund.lines.append(_counted(r, key, periods))
    fund.lines.append(Line("fund.payouts_fen", _("Sums paid out"), FEN, {p: r.fund("payouts_fen", p) for p in periods}))
    if group == ALL and any((data["fund"].get(p) or {}).get("funds") for p in periods):
        fund.lines.append(
            Line("fund.balance_fen", _("Money held at the end"), FEN, {p: r.fund("balance_fen", p) for p in periods})
        )
        fund.lines.append(
            Line(
                "fund.committed_fen",
                _("of which committed"),
                FEN,
                {p: r.fund("committed_fen", p) for p in periods},
                indent=1,
            )
        )
        fund.lines.append(
            Line(
                "fund.available_fen",
                _("of which available"),
                FEN,
                {p: r.fund("available_fen", p) for p in periods},
                indent=1,
            )
        )
    elif group == ALL:
        fund.note = _(
            "No fund is kept by this centre or a centre below it: its balance is reported by the centre that keeps it."
        )
    out.append(fund)

    ratings = Section("ratings", str(SECTION_TITLES["ratings"]))
    ratings.lines.append(_counted(r, "ratings.rated", periods))
    ratings.lines.append(
        Line("ratings.average", _("Average rating (1 to 5)"), AVERAGE, {p: r.average(p) for p in periods})
    )
    for stars in range(5, 0, -1):
        ratings.lines.append(_counted(r, f"ratings.stars.{stars}", periods))
    out.append(ratings)
    return out


_MAIN_CHANNELS = {Channel.WEB.value, Channel.HOTLINE.value, Channel.WALK_IN.value}


def _late(r: Reader, clock: str, period: str):
    counted = r.value(f"clocks.{clock}.counted", period)
    if counted is None:
        return None
    return counted - r.value(f"clocks.{clock}.on_time", period)


def not_counted_note(data: dict) -> str:
    """Which clocks the figures could not count, in words."""
    parts = [
        _(
            "%(clock)s: %(count)s (the calendar of %(year)s is not entered)",
            clock=ClockName(n["clock"]).label,
            count=n["count"],
            year=n["year"],
        )
        for n in data.get("not_counted", [])
    ]
    return _("Not counted: %(list)s.", list="; ".join(parts)) if parts else ""


# ---- the per-centre table -------------------------------------------------------------------------------

BREAKDOWN_COLUMNS = (
    ("cases.received", COUNT),
    ("cases.accepted", COUNT),
    ("cases.declined", COUNT),
    ("cases.closed", COUNT),
    ("clocks.quick.rate", RATE),
    ("mediations.agreed", COUNT),
    ("referrals.sent", COUNT),
    ("visits.done", COUNT),
    ("visits.required", COUNT),
    ("fund.granted_fen", FEN),
)


def breakdown_labels() -> list[str]:
    labels = {
        "clocks.quick.rate": _("On time (three quick clocks)"),
        "visits.required": _("Visits required"),
    }
    return [labels.get(key) or str(MEASURES[key].label) for key, _unit in BREAKDOWN_COLUMNS]


@dataclass
class BreakdownRow:
    code: str
    name: str
    own: bool
    values: list  # (key, unit, value) in BREAKDOWN_COLUMNS' order


def breakdown(data: dict, language: str) -> list[BreakdownRow]:
    """One row per group: the centre's own cases, then each child centre with its subtree, then all."""
    rows = []
    for g in [*data["groups"], {"code": ALL, "name_zh": "", "name_en": "", "own": False}]:
        r = Reader(data, g["code"])
        values = []
        for key, unit in BREAKDOWN_COLUMNS:
            if key == "clocks.quick.rate":
                counted = sum(r.value(f"clocks.{c}.counted", CURRENT) or 0 for c in QUICK)
                on_time = sum(r.value(f"clocks.{c}.on_time", CURRENT) or 0 for c in QUICK)
                values.append((key, unit, on_time / counted if counted else None))
            elif key == "visits.required":
                values.append((key, unit, r.of("visits_required", CURRENT) or 0))
            else:
                values.append((key, unit, r.value(key, CURRENT)))
        name = g["name_en"] if language == "en" and g["name_en"] else g["name_zh"]
        rows.append(BreakdownRow(g["code"], name if g["code"] != ALL else _("All"), g["own"], values))
    return rows


# ---- the on-time trend ---------------------------------------------------------------------------------


def trend(data: dict) -> list[tuple[str, float | None]]:
    """(month ``YYYY-MM``, the on-time rate of the three quick clocks together) for each month."""
    out = []
    for point in data.get("trend", []):
        counted = sum(point["clocks"].get(c, [0, 0])[0] for c in QUICK)
        on_time = sum(point["clocks"].get(c, [0, 0])[1] for c in QUICK)
        out.append((point["month"], on_time / counted if counted else None))
    return out


# ---- formatting ------------------------------------------------------------------------------------------


def show(value, unit: str) -> str:
    """A figure as the tables print it: counts as integers, fen as yuan, rates as percentages."""
    if value is None:
        return "—"
    if unit == FEN:
        return yuan(value)
    if unit == RATE:
        return _number(value, "#,##0.0%")
    if unit in (DAYS, AVERAGE):
        return _number(value, "#,##0.0")
    return _number(value, "#,##0")


def show_change(line: Line, against: str) -> str:
    """The change against ``against``: +12.5% for counts and sums, +3.1 points for rates."""
    if line.unit == RATE:
        diff = line.difference(against)
        return (
            "—"
            if diff is None
            else _("%(sign)s%(points)s pts", sign="+" if diff >= 0 else "−", points=_number(abs(diff) * 100, "0.0"))
        )
    change = line.change(against)
    if change is None:
        return "—"
    return ("+" if change >= 0 else "−") + _number(abs(change), "#,##0.0%")


@lru_cache(maxsize=16)
def _pattern(pattern: str):
    from babel.numbers import parse_pattern

    return parse_pattern(pattern)


def _number(value, pattern: str) -> str:
    """``value`` in the reader's locale by ``pattern`` (babel's ``format_decimal``/``format_percent``,
    the pattern parsed once per process instead of once per figure)."""
    from babel import Locale
    from babel.numbers import LC_NUMERIC
    from flask_babel import get_locale

    return _pattern(pattern).apply(value, Locale.parse(get_locale() or LC_NUMERIC))
