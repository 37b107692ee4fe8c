"""The drill-down of a figure: the cases (or visits) it lists are counted by the very condition that
counted the figure, so the list's count is the figure, for the report's centre and for a row of the
breakdown, in every period; and bad arguments are a 404, never a 500."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.reports import figures
from tests.reports import gen
from tests.reports.ui import MONTH, figures_of, value

MEASURES = (
    "cases.received",
    "cases.channel.web",
    "cases.channel.hotline",
    "cases.accepted",
    "cases.closed",
    "clocks.response.on_time",
    "clocks.response.counted",
    "visits.done",
    "fund.granted",
    "mediations.agreed",
)


def drill(client, world, key, **kw):
    args = {"measure": key, "centre": world.province.code, "month": MONTH, "period": "current", **kw}
    return client.get("/reports/monthly/list?" + "&".join(f"{k}={v}" for k, v in args.items()))


def count_of(html: str) -> int:
    block = re.search(r'id="drill-count">(.*?)</p>', html, re.S).group(1)
    return int(re.search(r"\d[\d,]*", block).group(0).replace(",", ""))


def listed(html: str) -> set[str]:
    table = html.split('id="drill-list"', 1)[1].split("</table>", 1)[0] if 'id="drill-list"' in html else ""
    return set(re.findall(r'href="(/(?:cases|visits)/[^"]+)"', table))


@pytest.mark.parametrize("which", ["current", "previous", "year_ago"])
def test_the_count_of_each_list_is_its_figure(rworld, login, which):
    data = figures_of(rworld.province)
    c = login(rworld.supervisor)
    nonzero = 0
    for key in MEASURES:
        r = drill(c, rworld, key, period=which)
        assert r.status_code == 200, key
        assert count_of(r.get_data(as_text=True)) == value(data, key, which), (key, which)
        nonzero += bool(value(data, key, which))
    assert nonzero >= 6  # the generated month has something to count for most of them


def test_a_row_of_the_breakdown_and_the_centre_alone(rworld, login):
    data = figures_of(rworld.province)
    c = login(rworld.supervisor)
    city = rworld.cities[1]
    for key in ("cases.received", "cases.accepted", "visits.done"):
        r = drill(c, rworld, key, group=city.code)
        assert count_of(r.get_data(as_text=True)) == value(data, key, group=city.code), key
        r = drill(c, rworld, key, group=rworld.province.code)
        assert count_of(r.get_data(as_text=True)) == value(data, key, group=rworld.province.code), key
    alone = figures_of(rworld.province, subtree=False)
    r = drill(c, rworld, "cases.received", scope="alone")
    assert count_of(r.get_data(as_text=True)) == value(alone, "cases.received")


def test_the_list_holds_exactly_the_counted_cases_page_by_page(app, rworld, login, monkeypatch):
    from app.cases.models import Case
    from app.extensions import db
    from app.reports import views

    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    c = login(rworld.supervisor)
    _subject, stmt = figures.members("cases.received", rworld.province, gen.MONTH)
    ids = set(db.session.execute(stmt).scalars())
    numbers = {f"/cases/{n}" for n in db.session.execute(select(Case.number).where(Case.id.in_(ids))).scalars()}
    seen: set[str] = set()
    pages = (len(ids) + 3) // 4
    assert pages >= 3
    for page in range(1, pages + 1):
        html = drill(c, rworld, "cases.received", page=page).get_data(as_text=True)
        rows = listed(html)
        assert len(rows) == (4 if page < pages else len(ids) - 4 * (pages - 1))
        seen |= rows
    assert seen == numbers


def test_a_sum_lists_its_cases_and_its_total(app, rworld, login):
    from app.reports import tables

    data = figures_of(rworld.province)
    html = drill(login(rworld.supervisor), rworld, "fund.granted_fen").get_data(as_text=True)
    total = value(data, "fund.granted_fen")
    assert total > 0
    with app.test_request_context():
        shown = re.escape(tables.show(total, "fen"))
    block = html.split('id="drill-count"', 1)[1].split("</p>", 1)[0]
    assert re.search(rf"(?<![\d,.]){shown}(?![\d])", block), block


def test_the_statistics_lists_follow_their_filters(rworld, login):
    from datetime import date

    from app.cases.enums import CaseKind
    from app.reports.periods import Period

    period = Period(date(2026, 9, 15), date(2026, 10, 20))
    data = figures.as_dict(figures.compute(rworld.province, period, filters=figures.Filters(CaseKind.COMPLAINT)))
    c = login(rworld.supervisor)
    base = f"/reports/monthly/list?centre={rworld.province.code}&date_from=2026-09-15&date_to=2026-10-20&kind=complaint"
    for key in ("cases.received", "cases.accepted", "visits.done"):
        r = c.get(f"{base}&measure={key}&period=current")
        assert r.status_code == 200
        assert count_of(r.get_data(as_text=True)) == value(data, key), key


def test_bad_arguments_are_a_404(rworld, login):
    c = login(rworld.supervisor)
    assert drill(c, rworld, "no.such.measure").status_code == 404
    assert drill(c, rworld, "cases.received", period="tomorrow").status_code == 404
    assert drill(c, rworld, "cases.received", month="2026-13").status_code == 404
    assert drill(c, rworld, "cases.received", month="2099-01").status_code == 404
    assert drill(c, rworld, "cases.received", centre="NOPE").status_code == 404
    assert drill(c, rworld, "cases.received", group=rworld.other_province.code).status_code == 404
    assert drill(c, rworld, "cases.received", group=rworld.county.code).status_code == 404  # not a child row
    assert drill(c, rworld, "cases.received", page="x").status_code == 200
    assert c.get("/reports/monthly/list").status_code == 404
    assert drill(login(rworld.far_supervisor), rworld, "cases.received").status_code == 404
    assert drill(login(rworld.caseworker), rworld, "cases.received").status_code == 403
