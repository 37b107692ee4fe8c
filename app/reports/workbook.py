"""The report as an Excel workbook (xlsxwriter), from its figures as plain values (``figures.as_dict``).

One sheet per table of the report (``tables.sections``), one for the per-centre breakdown and one for
the on-time trend; each starts with a title row, then its headers in the reader's language. Figures
are numbers, never text: counts as integers, sums in fen as yuan with two decimals, rates as
percentages, durations and averages with one decimal; the changes are numbers too (a fraction for
counts and sums, percentage points for rates).
"""

from __future__ import annotations

import io
import re

from flask_babel import force_locale
from flask_babel import gettext as _

from app.core.pdf import language as pdf_language
from app.reports import tables
from app.reports.figures import AVERAGE, CURRENT, DAYS, FEN, PERIODS, RATE
from app.reports.render import centre_name, period_of

SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def number(value, unit: str):
    """A figure as the cell holds it: yuan for fen, a fraction for a rate, else the value."""
    if value is None:
        return None
    if unit == FEN:
        return value / 100
    return value


def build(data: dict, language: str, *, preview: bool = False, issued_number: str = "") -> bytes:
    """The workbook of the report in ``language``, as the bytes of an .xlsx file."""
    import xlsxwriter

    lang = pdf_language(language)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    font = "Microsoft YaHei" if lang != "en" else "Calibri"
    base = {"font_name": font, "font_size": 10}
    f = {
        "title": book.add_format({**base, "bold": True, "font_size": 14}),
        "subtitle": book.add_format({**base, "italic": True, "font_color": "#555555"}),
        "head": book.add_format(
            {**base, "bold": True, "bg_color": "#EEEEEE", "border": 1, "text_wrap": True, "valign": "top"}
        ),
        "label": book.add_format({**base, "border": 1}),
        "label1": book.add_format({**base, "border": 1, "indent": 1}),
        "label2": book.add_format({**base, "border": 1, "indent": 2}),
        "total": book.add_format({**base, "border": 1, "bold": True}),
        "count": book.add_format({**base, "border": 1, "num_format": "#,##0"}),
        "fen": book.add_format({**base, "border": 1, "num_format": "#,##0.00"}),
        "rate": book.add_format({**base, "border": 1, "num_format": "0.0%"}),
        "decimal": book.add_format({**base, "border": 1, "num_format": "0.0"}),
        "change": book.add_format({**base, "border": 1, "num_format": "+0.0%;-0.0%;0.0%"}),
        "points": book.add_format({**base, "border": 1, "num_format": "+0.0;-0.0;0.0"}),
        "empty": book.add_format({**base, "border": 1}),
        "note": book.add_format({**base, "text_wrap": True, "font_color": "#555555"}),
    }
    unit_format = {FEN: f["fen"], RATE: f["rate"], DAYS: f["decimal"], AVERAGE: f["decimal"]}

    with force_locale(lang):
        period = period_of(data)
        title = _("%(centre)s — report for %(period)s", centre=centre_name(data, lang), period=period.label())
        if preview:
            subtitle = _("PREVIEW — not an issued report: the figures may still change.")
        elif issued_number:
            subtitle = _("The figures of issued report No. %(number)s.", number=issued_number)
        else:
            subtitle = ""
        periods = [p for p in PERIODS if p in data["values"]]
        names: set[str] = set()

        def sheet(name: str):
            clean = SHEET_NAME_BAD.sub(" ", name).strip()[:31] or "Sheet"
            candidate, n = clean, 2
            while candidate.lower() in names:
                suffix = f" ({n})"
                candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
            names.add(candidate.lower())
            ws = book.add_worksheet(candidate)
            ws.write_string(0, 0, title, f["title"])
            if subtitle:
                ws.write_string(1, 0, subtitle, f["subtitle"])
            return ws

        def value_cell(ws, row, col, value, unit):
            v = number(value, unit)
            if v is None:
                ws.write_blank(row, col, None, f["empty"])
            else:
                ws.write_number(row, col, v, unit_format.get(unit, f["count"]))

        # One sheet per section.
        change_heads = {
            "previous": _("Change against the previous period"),
            "year_ago": _("Change against a year before"),
        }
        for section in tables.sections(data):
            ws = sheet(section.title)
            ws.write_string(2, 0, section.title, f["total"])
            heads = (
                [_("Item")]
                + [f"{tables.PERIOD_TITLES[p]} ({period_of(data, p).label()})" for p in periods]
                + [change_heads[p] for p in periods if p != CURRENT]
            )
            for col, head in enumerate(heads):
                ws.write_string(3, col, head, f["head"])
            row = 4
            for line in section.lines:
                ws.write_string(row, 0, line.label, f[f"label{line.indent}"] if line.indent else f["label"])
                for col, p in enumerate(periods, start=1):
                    value_cell(ws, row, col, line.of(p), line.unit)
                col = len(periods) + 1
                for p in periods:
                    if p == CURRENT:
                        continue
                    if line.unit == RATE:
                        diff = line.difference(p)
                        if diff is None:
                            ws.write_blank(row, col, None, f["empty"])
                        else:
                            ws.write_number(row, col, round(diff * 100, 4), f["points"])
                    else:
                        change = line.change(p)
                        if change is None:
                            ws.write_blank(row, col, None, f["empty"])
                        else:
                            ws.write_number(row, col, change, f["change"])
                    col += 1
                row += 1
            notes = [section.note] if section.note else []
            if any(line.unit == RATE for line in section.lines):
                notes.append(_("The changes of rates are in percentage points."))
            for note in notes:
                row += 1
                ws.write_string(row, 0, note, f["note"])
            ws.set_column(0, 0, 40)
            ws.set_column(1, len(heads) - 1, 16)
            ws.set_row(3, 45)
            ws.freeze_panes(4, 1)

        # The per-centre breakdown.
        ws = sheet(_("By centre"))
        labels = [str(label) for label in tables.breakdown_labels()]
        ws.write_string(2, 0, _("By centre (this period)"), f["total"])
        for col, head in enumerate([_("Centre"), *labels]):
            ws.write_string(3, col, head, f["head"])
        row = 4
        for item in tables.breakdown(data, "en" if lang == "en" else "zh"):
            total = item.code == "all"
            ws.write_string(row, 0, item.name, f["total"] if total else f["label"])
            for col, (_key, unit, value) in enumerate(item.values, start=1):
                value_cell(ws, row, col, value, unit)
            row += 1
        ws.set_column(0, 0, 36)
        ws.set_column(1, len(labels), 14)
        ws.set_row(3, 45)
        ws.freeze_panes(4, 1)

        # The on-time trend.
        if data.get("trend"):
            from app.clocks.models import ClockName
            from app.reports.figures import QUICK

            ws = sheet(_("On-time trend"))
            ws.write_string(2, 0, _("On-time rate of the three quick clocks, 12 months"), f["total"])
            heads = [_("Month"), _("The three together")] + [str(ClockName(c).label) for c in QUICK]
            for col, head in enumerate(heads):
                ws.write_string(3, col, head, f["head"])
            rates = dict(tables.trend(data))
            for row, point in enumerate(data["trend"], start=4):
                year, month = point["month"].split("-")
                ws.write_string(row, 0, period_of_month(int(year), int(month)).label(), f["label"])
                value_cell(ws, row, 1, rates.get(point["month"]), RATE)
                for col, clock in enumerate(QUICK, start=2):
                    counted, on_time = point["clocks"].get(clock, [0, 0])
                    value_cell(ws, row, col, on_time / counted if counted else None, RATE)
            ws.set_column(0, 0, 18)
            ws.set_column(1, len(heads) - 1, 16)
            ws.set_row(3, 30)
            ws.freeze_panes(4, 1)

        if data.get("not_counted") or data.get("years_missing"):
            ws = sheet(_("Notes"))
            row = 2
            for note in [tables.not_counted_note(data), *_years_note(data)]:
                if note:
                    ws.write_string(row, 0, note, f["note"])
                    row += 1
            ws.set_column(0, 0, 100)
    book.close()
    return out.getvalue()


def period_of_month(year: int, month: int):
    from app.reports.periods import Period

    return Period.month(year, month)


def _years_note(data: dict) -> list[str]:
    from app.reports.render import _notes

    return _notes(data)
