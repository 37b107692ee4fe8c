"""The monthly report's page, its PDF, the statistics page: who may read them, what they show, and
bad input answered with a clear message (never a 500)."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from app.reports import tables
from tests.reports.ui import MONTH, figures_of, pdf_text, text_of, value


def url(world, **kw):
    args = {"centre": world.province.code, "month": MONTH, **kw}
    return "/reports/monthly?" + "&".join(f"{k}={v}" for k, v in args.items())


def test_the_page_shows_every_section_with_its_figures_in_chinese(app, rworld, login):
    data = figures_of(rworld.province)
    c = login(rworld.supervisor)
    r = c.get(url(rworld))
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    text = text_of(html)
    with app.test_request_context(), force_locale("zh_CN"):
        sections = tables.sections(data)
        preview = _("PREVIEW")
    for s in sections:
        assert s.title in text
    # The cases received, by channel and accepted, each as a link to its list.
    for key in ("cases.received", "cases.accepted", "cases.channel.web"):
        n = value(data, key)
        assert f"measure={key}&amp;period=current" in html
        assert f">{n:,}</a>" in html, key
    assert 'id="preview-banner"' in html and preview in text  # not issued: a preview
    assert 'id="breakdown"' in html
    for city in rworld.cities:  # each child row opens the child's own report
        assert f"/reports/monthly?centre={city.code}&amp;month={MONTH}" in html
    assert html.count("<svg") >= 3 and "<script" not in html.split("<svg", 1)[1].split("</svg>")[0]
    assert "cases.received" not in text  # no raw keys among what a reader sees


def test_the_page_in_english(rworld, login):
    c = login(rworld.english)
    r = c.get(url(rworld))
    assert r.status_code == 200
    text = text_of(r.get_data(as_text=True))
    assert "Cases received by channel" in text and "October 2026" in text
    assert "PREVIEW" in text and "This period" in text


def test_the_default_is_the_own_centre_and_the_previous_month(rworld, login):
    from app.core.db import utcnow
    from app.core.workdays import china_day
    from app.reports.periods import Period

    r = login(rworld.supervisor).get("/reports/monthly")
    assert r.status_code == 200
    expected = Period.of_month(china_day(utcnow())).previous().key
    assert f'value="{expected}"' in r.get_data(as_text=True)


def test_the_centre_alone(rworld, login):
    alone = figures_of(rworld.province, subtree=False)
    html = login(rworld.supervisor).get(url(rworld, scope="alone")).get_data(as_text=True)
    assert f"measure=cases.received&amp;period=current&amp;centre={rworld.province.code}" in html
    assert f">{value(alone, 'cases.received'):,}</a>" in html
    assert 'id="breakdown"' not in html


def test_an_issued_month_shows_its_number_and_serves_the_issued_pdf(app, rworld, login, session):
    from app.cases.documents import read_document
    from app.reports import monthly

    row = monthly.issue_month(rworld.province, monthly.previous_month(__import__("datetime").date(2026, 11, 3)))
    session.commit()
    assert row is not None and row.document is not None
    c = login(rworld.supervisor)
    html = c.get(url(rworld)).get_data(as_text=True)
    assert 'id="issued-banner"' in html and row.document.number in html and 'id="preview-banner"' not in html
    pdf = c.get(url(rworld).replace("/monthly?", "/monthly.pdf?"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == read_document(row.document)  # the issued document itself
    english = login(rworld.english).get(url(rworld).replace("/monthly?", "/monthly.pdf?"))
    text = pdf_text(english.data)
    assert english.data != pdf.data and "Reading copy" in text
    assert row.document.number in "".join(text.split())


def test_the_preview_pdf_holds_the_figures(app, rworld, login):
    data = figures_of(rworld.province)
    r = login(rworld.supervisor).get(url(rworld).replace("/monthly?", "/monthly.pdf?"))
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = pdf_text(r.data)
    with app.test_request_context(), force_locale("zh_CN"):
        banner = _("PREVIEW — not an issued report: the figures may still change.")
        lines = {line.key: line for s in tables.sections(data) for line in s.lines}
    assert banner in " ".join(text.split()) or banner.replace(" ", "") in text.replace(" ", "")
    rows = {" ".join(line.split()) for line in text.splitlines()}
    for key in ("cases.received", "cases.accepted", "visits.done", "fund.granted_fen"):
        line = lines[key]
        shown = tables.show(line.of("current"), line.unit)
        assert any(row.startswith(line.label) and shown in row.split() for row in rows), (key, shown)


def test_the_english_pdf(rworld, login):
    r = login(rworld.english).get(url(rworld).replace("/monthly?", "/monthly.pdf?"))
    text = pdf_text(r.data)
    assert "Monthly report" in text and "PREVIEW" in text and "Cases received by channel" in text


def test_only_supervisors_and_administrators_of_the_centre_or_above(rworld, login):
    assert login(rworld.admin).get(url(rworld)).status_code == 200
    assert login(rworld.caseworker).get(url(rworld)).status_code == 403
    far = login(rworld.far_supervisor)
    for path in ("/reports/monthly?", "/reports/monthly.pdf?", "/reports/monthly.xlsx?", "/reports/statistics?"):
        assert far.get(url(rworld).replace("/reports/monthly?", path)).status_code == 404, path
    city = login(rworld.city_supervisor)
    assert city.get(url(rworld)).status_code == 404  # the centre above is not theirs
    assert city.get(url(rworld, centre=rworld.county.code)).status_code == 200  # the one below is
    assert login(rworld.supervisor).get(url(rworld, centre="NO-SUCH")).status_code == 404


def test_a_bad_month_is_a_message_on_the_page(rworld, login, app):
    c = login(rworld.supervisor)
    en = login(rworld.english)
    for month, message in (
        ("2026-13", "Give the month as YYYY-MM, for example 2026-11."),
        ("yesterday", "Give the month as YYYY-MM, for example 2026-11."),
        ("2099-01", "That month has not begun yet: its report cannot be made."),
        ("1999-12", "There are no reports before 2000."),
    ):
        r = c.get(url(rworld, month=month))
        assert r.status_code == 200 and 'id="month-error"' in r.get_data(as_text=True)
        assert 'id="section-cases"' not in r.get_data(as_text=True)
        r = en.get(url(rworld, month=month))
        assert message in text_of(r.get_data(as_text=True))
        for path in ("/reports/monthly.pdf?", "/reports/monthly.xlsx?"):
            assert c.get(url(rworld, month=month).replace("/reports/monthly?", path)).status_code == 422


def test_statistics_for_any_period_filtered_by_kind(rworld, login):
    from app.cases.enums import CaseKind
    from app.reports import figures
    from app.reports.periods import Period

    c = login(rworld.english)
    base = f"/reports/statistics?centre={rworld.province.code}&date_from=2026-09-15&date_to=2026-10-20"
    r = c.get(base + "&kind=complaint")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    data = figures.as_dict(
        figures.compute(
            rworld.province,
            Period(__import__("datetime").date(2026, 9, 15), __import__("datetime").date(2026, 10, 20)),
            filters=figures.Filters(CaseKind.COMPLAINT),
        )
    )
    n = value(data, "cases.received")
    assert f">{n:,}</a>" in html
    assert 'id="not-filtered"' in html and "Visits are not about one kind of case" in text_of(html)
    assert html.count("<svg") >= 3


def test_statistics_bad_input(rworld, login):
    c = login(rworld.english)
    base = f"/reports/statistics?centre={rworld.province.code}"
    for query, message in (
        ("&date_from=2026-10-20&date_to=2026-09-01", "The period cannot end before it starts."),
        ("&date_from=garbage&date_to=2026-09-01", "Give the first day of the period (YYYY-MM-DD)."),
        ("&date_from=2026-09-01&date_to=", "Give the last day of the period (YYYY-MM-DD)."),
        ("&date_from=2099-01-01&date_to=2099-02-01", "The period cannot start after today."),
        ("&kind=nonsense", "Choose one of the kinds listed."),
    ):
        r = c.get(base + query)
        assert r.status_code == 200, query
        assert message in text_of(r.get_data(as_text=True)), query


def test_whatever_the_query_string_the_pages_never_fail(world, login):
    """Random text in every argument of every report page: a page, a message or a 404, never a 5xx."""
    from urllib.parse import urlencode

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    c = login(world.users["supervisor"])
    junk = st.one_of(
        st.text(max_size=30),
        st.sampled_from(["2026-10", "2026-1", "0000-00", "9999-12", "CA", "CAC", "PB", "1e309", "'; --", "%", ""]),
    )
    paths = ["/reports/monthly", "/reports/monthly.xlsx", "/reports/monthly/list", "/reports/statistics"]
    names = [
        "centre",
        "month",
        "scope",
        "date_from",
        "date_to",
        "kind",
        "ip_type",
        "measure",
        "period",
        "group",
        "page",
    ]

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(path=st.sampled_from(paths), args=st.dictionaries(st.sampled_from(names), junk, max_size=6))
    def run(path, args):
        r = c.get(path + "?" + urlencode(args))
        assert r.status_code < 500, (path, args)

    run()


def test_the_breakdown_rows_open_their_own_reports_and_the_picker_offers_a_few_centres(rworld, login):
    """The per-centre table is the centre's own cases and one row per centre just below it: each such
    row's name opens that centre's own report (monthly and statistics alike), where its figures open their
    lists; the picker offers the way from the reader's centre down to the one shown and the centres just
    below it, never every centre of the subtree."""
    import re

    c = login(rworld.supervisor)
    stats = f"/reports/statistics?centre={rworld.province.code}&date_from=2026-09-15&date_to=2026-10-20"
    for path in (stats, url(rworld)):
        html = c.get(path).get_data(as_text=True)
        table = html.split('id="breakdown"', 1)[1].split("</table>", 1)[0]
        rows = table.split("<tr")
        for city in rworld.cities:
            city_row = [r for r in rows if f"centre={city.code}&amp;" in r]
            assert len(city_row) == 1  # the row's name opens the city's own report
            assert "reports/monthly/list" not in city_row[0]  # its figures are drilled from its own report
        own_row = [r for r in rows if f"group={rworld.province.code}" in r]
        assert own_row and "reports/monthly/list" in own_row[0]  # the centre's own cases still drill here
        picker = html.split('id="centre"', 1)[1].split("</select>", 1)[0]
        offered = set(re.findall(r'value="([^"]+)"', picker))
        assert offered == {rworld.province.code, *(city.code for city in rworld.cities)}
    assert f"/reports/statistics?centre={rworld.cities[0].code}&amp;date_from=2026-09-15" in c.get(stats).get_data(
        as_text=True
    )
    html = c.get(url(rworld, centre=rworld.county.code)).get_data(as_text=True)
    picker = html.split('id="centre"', 1)[1].split("</select>", 1)[0]
    offered = set(re.findall(r'value="([^"]+)"', picker))
    assert offered == {rworld.province.code, rworld.cities[1].code, rworld.county.code}


def test_figures_not_issued_are_kept_a_minute_and_say_when_they_were_counted(app, rworld, login, monkeypatch):
    """With REPORT_FIGURES_SECONDS set (60 outside the tests), the statistics of a period are counted once
    and served again, saying when they were counted; a period not asked before is counted afresh."""
    from app.core import recent

    monkeypatch.setitem(app.config, "REPORT_FIGURES_SECONDS", 60)
    recent.forget()
    c = login(rworld.english)
    base = f"/reports/statistics?centre={rworld.province.code}&date_from=2026-09-15&date_to=2026-10-20"
    counted = []
    original = recent.remembered

    def spy(key, count):
        def counting():
            counted.append(key[0])
            return count()

        return original(key, counting)

    monkeypatch.setattr(recent, "remembered", spy)
    first = c.get(base).get_data(as_text=True)
    again = c.get(base).get_data(as_text=True)
    assert counted == ["statistics"]
    assert 'id="counted-at"' in first and "Figures as of" in first
    strip = lambda html: html.split('id="counted-at"')[1]  # noqa: E731  (the navigation differs by CSRF token)
    assert strip(first) == strip(again)
    c.get(base.replace("2026-10-20", "2026-10-21"))
    assert counted == ["statistics", "statistics"]
    monkeypatch.setitem(app.config, "REPORT_FIGURES_SECONDS", 0)
    c.get(base)
    assert counted == ["statistics", "statistics", "statistics"]
    recent.forget()
