"""The charts: SVG from pygal, inline in the page (their styles served apart, the page's Content
Security Policy refusing inline ones) and in the PDF; no script, greys only, values printed."""

from __future__ import annotations

import re
import subprocess

from flask_babel import force_locale

from app.cases.enums import Channel
from app.reports import charts
from tests.reports.ui import MONTH, figures_of, value


def test_the_charts_are_plain_svg_in_greys_with_their_values(app, rworld):
    data = figures_of(rworld.province)
    with app.test_request_context(), force_locale("zh_CN"):
        svgs = charts.all_charts(data)
        web = charts.all_charts(data, inline_style=False)
        web_label = str(Channel.WEB.label)
    assert set(svgs) == {"channels", "ip_types", "trend"}
    for name, svg in svgs.items():
        assert svg.startswith("<svg") and "<?xml" not in svg and "<script" not in svg and "<!--" not in svg
        assert "<style" in svg and "<style" not in web[name] and "style=" not in web[name]
        colours = set(re.findall(r"#[0-9a-fA-F]{6}\b", svg))
        assert colours and all(c[1:3].lower() == c[3:5].lower() == c[5:7].lower() for c in colours), colours
    # The channel bars carry the counts (values printed on the bars) and Chinese labels.
    assert f">{web_label}</text>" in svgs["channels"]
    web_count = value(data, "cases.channel.web")
    assert web_count and re.search(rf'class="value[^"]*"[^>]*>{web_count}</text>', svgs["channels"])
    assert "Noto Sans CJK SC" in svgs["channels"]
    assert "stroke-dasharray" in svgs["trend"]  # the clocks' lines told apart by their dashes


def test_the_page_links_the_charts_stylesheet(rworld, login):
    c = login(rworld.supervisor)
    html = c.get(f"/reports/monthly?centre={rworld.province.code}&month={MONTH}").get_data(as_text=True)
    assert "/reports/charts.css" in html
    assert "<style" not in html  # the Content Security Policy refuses inline styles
    css = c.get("/reports/charts.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    body = css.get_data(as_text=True)
    for name in ("channels", "ip_types", "trend"):
        assert f"#report-chart-{name}" in body and f'id="report-chart-{name}"' in html
    assert "&gt;" not in body and ".tooltip{display:none}" in body


def test_the_pdf_draws_the_charts(rworld, login, tmp_path):
    r = login(rworld.english).get(f"/reports/monthly.pdf?centre={rworld.province.code}&month={MONTH}")
    path = tmp_path / "report.pdf"
    path.write_bytes(r.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert "Cases received by channel" in text and "On-time rate of the three quick clocks, 12 months" in text
    # The charts are drawn: the last page (the trend) has dark pixels beyond its text.
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) >= 3
