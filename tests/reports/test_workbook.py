"""The report's workbook: opened with openpyxl, its numbers are numbers and equal the figures (fen as
yuan with two decimals, rates as percentages), one sheet per table, headers in the reader's language."""

from __future__ import annotations

import io

import openpyxl
from flask_babel import force_locale

from app.reports import tables
from tests.reports.ui import MONTH, figures_of, value


def workbook_of(client, world, **kw):
    args = {"centre": world.province.code, "month": MONTH, **kw}
    r = client.get("/reports/monthly.xlsx?" + "&".join(f"{k}={v}" for k, v in args.items()))
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"monthly-report-{world.province.code}-{MONTH}.xlsx" in r.headers["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(r.data))


def rows_by_label(ws) -> dict:
    return {row[0].value: row for row in ws.iter_rows(min_row=5) if row[0].value}


def test_every_table_is_a_sheet_whose_numbers_are_the_figures(app, rworld, login):
    data = figures_of(rworld.province)
    book = workbook_of(login(rworld.supervisor), rworld)
    with app.test_request_context(), force_locale("zh_CN"):
        sections = tables.sections(data)
        breakdown = tables.breakdown(data, "zh")
    assert len(book.sheetnames) >= len(sections) + 2  # the sections, the breakdown, the trend
    checked = 0
    for index, section in enumerate(sections):
        ws = book.worksheets[index]
        assert ws["A1"].value and str(ws["A1"].value).strip()  # the title row
        assert ws["A3"].value == section.title
        rows = list(ws.iter_rows(min_row=5, max_row=4 + len(section.lines)))
        for line, cells in zip(section.lines, rows, strict=True):
            assert cells[0].value == line.label
            for col, period in enumerate(("current", "previous", "year_ago"), start=1):
                expected = line.of(period)
                cell = cells[col]
                if expected is None:
                    assert cell.value is None
                    continue
                assert isinstance(cell.value, (int, float)), (line.key, cell.value)
                if line.unit == "fen":
                    assert round(cell.value * 100) == expected and cell.number_format == "#,##0.00"
                elif line.unit == "rate":
                    assert abs(cell.value - expected) < 1e-9 and cell.number_format == "0.0%"
                else:
                    assert abs(cell.value - expected) < 1e-9, line.key
                checked += 1
    assert checked > 100
    # The breakdown's rows: every child centre and the total.
    ws = book.worksheets[len(sections)]
    rows = rows_by_label(ws)
    for row in breakdown:
        cells = rows[row.name]
        for col, (key, unit, v) in enumerate(row.values, start=1):
            if v is None:
                assert cells[col].value is None
            elif unit == "fen":
                assert round(cells[col].value * 100) == v
            else:
                assert abs(cells[col].value - v) < 1e-9, key
    total = rows[breakdown[-1].name]
    assert total[1].value == value(data, "cases.received")


def test_the_trend_sheet_and_the_english_headers(rworld, login):
    book = workbook_of(login(rworld.english), rworld)
    assert "Cases" in book.sheetnames and "By centre" in book.sheetnames and "On-time trend" in book.sheetnames
    ws = book["Cases"]
    assert ws["A4"].value == "Item" and ws["B4"].value.startswith("This period")
    assert "PREVIEW" in ws["A2"].value
    trend = book["On-time trend"]
    months = [row[0].value for row in trend.iter_rows(min_row=5) if row[0].value]
    assert len(months) == 12 and months[-1] == "October 2026"
    rates = [row[1].value for row in trend.iter_rows(min_row=5) if row[1].value is not None]
    assert rates and all(0 <= r <= 1 for r in rates) and trend["B5"].number_format == "0.0%"


def test_a_bad_month_gives_no_workbook(rworld, login):
    r = login(rworld.supervisor).get(f"/reports/monthly.xlsx?centre={rworld.province.code}&month=2026-99")
    assert r.status_code == 422 and "spreadsheet" not in r.mimetype
