"""The report's charts as SVG (pygal), drawn from its figures as plain values (``figures.as_dict``).

Each chart is an ``<svg>`` element (no XML declaration, no script) embedded inline in the page and in
the PDF (the PDF renderer fetches no ``data:`` URLs). They print in black and white: the series are
greys and dash patterns, and every bar carries its value. Labels are in the current language, in the
CJK font the documents use. The SVG has a viewBox and no fixed size: it takes the width of its box.
"""

from __future__ import annotations

import html
import math
import re
from functools import lru_cache

from flask_babel import gettext as _
from markupsafe import Markup

from app.cases.enums import Channel, IPType
from app.clocks.models import ClockName
from app.reports.figures import ALL, NO_IP_TYPE, PERIODS, QUICK
from app.reports.periods import Period
from app.reports.tables import PERIOD_TITLES, trend

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', sans-serif"
#: Black, mid grey, light grey: told apart in black-and-white print (the values are on the bars too).
GREYS = ("#1a1a1a", "#7a7a7a", "#c4c4c4", "#4d4d4d")
WIDTH, HEIGHT = 760, 330  # about the text width of an A4 page at 96 dpi


def _style():
    from pygal.style import Style

    return Style(
        font_family=FONT,
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1a1a1a",
        foreground_strong="#1a1a1a",
        foreground_subtle="#d0d0d0",
        opacity="1",
        opacity_hover="1",
        colors=GREYS,
        value_colors=("#1a1a1a",),
        title_font_size=16,
        label_font_size=12,
        major_label_font_size=12,
        legend_font_size=12,
        value_font_size=11,
        tooltip_font_size=11,
        stroke_opacity="1",
        stroke_opacity_hover="1",
        guide_stroke_color="#dddddd",
        guide_stroke_dasharray="2,3",
        major_guide_stroke_color="#bbbbbb",
        major_guide_stroke_dasharray="2,3",
    )


def _config(**kw) -> dict:
    base = {
        "style": _style(),
        "width": WIDTH,
        "height": HEIGHT,
        "js": [],
        "disable_xml_declaration": True,
        "explicit_size": False,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "show_y_guides": True,
        "print_zeroes": False,
        "truncate_label": -1,
        "truncate_legend": -1,
        "margin": 8,
        "no_data_text": _("Nothing to show"),
    }
    base.update(kw)
    return base


#: A number with three decimals or more (pygal writes coordinates to 15 digits; labels have two at most).
LONG_DECIMAL_RE = re.compile(r"(\d\.\d)\d{2,}")
STYLE_RE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
ID_RE = re.compile(r"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _split(chart, name: str) -> tuple[str, str]:
    """(the SVG without comments, script or style, its stylesheet), the chart's id made stable
    (``report-chart-<name>``) so that one stylesheet serves every page."""
    svg = chart.render(is_unicode=True)
    svg = ID_RE.sub(f"report-chart-{name}", svg)
    svg = svg.replace('id="activate-serie-', f'id="report-chart-{name}-serie-')  # unique on the page
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"<script[^>]*>.*?</script>", "", svg, flags=re.S)
    css = "\n".join(html.unescape(m) for m in STYLE_RE.findall(svg))
    svg = STYLE_RE.sub("", svg)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(_title_of(chart))}" ', 1)
    svg = LONG_DECIMAL_RE.sub(r"\1", svg)  # coordinates to a tenth of a pixel: a third of the bytes
    return svg, css + EXTRA_CSS.replace("#ID", f"#report-chart-{name}")


#: Without scripts the tooltips stay hidden; the page's stylesheet cannot rely on their inline style.
EXTRA_CSS = "\n#ID .tooltip{display:none}"


def _title_of(chart) -> str:
    return str(chart.config.title or "")


def _svg(chart, name: str, inline_style: bool) -> Markup:
    svg, css = _split(chart, name)
    if not inline_style:  # the pages: no style attribute either (the tooltips are hidden by the stylesheet)
        svg = re.sub(r'\sstyle="[^"]*"', "", svg)
    if inline_style:  # the PDF: the style travels inside the SVG (the renderer reads <style> in <svg>)
        svg = svg.replace("<defs>", f'<defs><style type="text/css">{html.escape(css, quote=False)}</style>', 1)
    return Markup(svg)


def _count_value(data: dict, period: str, key: str) -> int | None:
    if period not in data.get("values", {}):
        return None
    return data["values"][period].get(ALL, {}).get(key, 0)


def _bars(
    data: dict, title: str, prefix: str, members: list[tuple[str, str]], name: str, inline_style: bool = True
) -> Markup | None:
    """Bars of the members counted in any of the periods (None when none is)."""
    import pygal

    periods = [p for p in PERIODS if p in data.get("values", {})]
    rows = [
        (value, label) for value, label in members if any(_count_value(data, p, f"{prefix}.{value}") for p in periods)
    ]
    if not rows:
        return None
    top = max(_count_value(data, p, f"{prefix}.{v}") or 0 for p in periods for v, _l in rows)
    step = max(1, math.ceil(top / 5))
    chart = pygal.Bar(
        **_config(
            title=title,
            print_values=True,
            print_values_position="top",
            x_label_rotation=0 if len(rows) <= 5 else 20,
            value_formatter=lambda v: f"{v:,.0f}" if v is not None else "",
            y_labels=list(range(0, top + step + 1, step)),
        )
    )
    chart.x_labels = [label for _v, label in rows]
    for period in periods:
        chart.add(str(PERIOD_TITLES[period]), [_count_value(data, period, f"{prefix}.{v}") or 0 for v, _l in rows])
    return _svg(chart, name, inline_style)


def channels(data: dict, inline_style: bool = True) -> Markup | None:
    """Cases received by channel: this period, the previous one and the same period a year before."""
    members = [(c.value, str(c.label)) for c in Channel]
    return _bars(data, _("Cases received by channel"), "cases.channel", members, "channels", inline_style)


def ip_types(data: dict, inline_style: bool = True) -> Markup | None:
    """Cases received by type of right, in the three periods."""
    members = [(t.value, str(t.label)) for t in IPType] + [(NO_IP_TYPE, _("No right named"))]
    return _bars(data, _("Cases received by type of right"), "cases.ip_type", members, "ip_types", inline_style)


def on_time_trend(data: dict, inline_style: bool = True) -> Markup | None:
    """The on-time rate of the three quick clocks together over 12 months (a solid line), and of each
    of them (dashed lines)."""
    import pygal

    points = data.get("trend", [])
    if not any(rate is not None for _m, rate in trend(data)):
        return None
    chart = pygal.Line(
        **_config(
            title=_("On-time rate of the three quick clocks, 12 months"),
            range=(0, 1),
            show_dots=True,
            dots_size=3,
            print_values=False,
            value_formatter=lambda v: f"{v:.0%}" if v is not None else "",
            y_labels=[0, 0.25, 0.5, 0.75, 1],
            legend_at_bottom_columns=2,
            allow_interruptions=True,
        )
    )
    chart.x_labels = [_month_label(p["month"]) for p in points]
    chart.add(
        _("The three together"),
        [rate for _m, rate in trend(data)],
        stroke_style={"width": 3},
    )
    dashes = ("8, 4", "3, 3", "12, 4, 3, 4")
    for clock, dash in zip(QUICK, dashes, strict=True):
        values = []
        for p in points:
            counted, on_time = p["clocks"].get(clock, [0, 0])
            values.append(on_time / counted if counted else None)
        chart.add(str(ClockName(clock).label), values, stroke_style={"width": 1.5, "dasharray": dash})
    return _svg(chart, "trend", inline_style)


def _month_label(key: str) -> str:
    year, month = key.split("-")
    return Period.month(int(year), int(month)).short_label()


def all_charts(data: dict, *, inline_style: bool = True) -> dict[str, Markup]:
    """Every chart of a report that has something to draw, by name. ``inline_style`` False (the pages, whose Content Security
    Policy refuses inline styles): the SVGs without their ``<style>``, which ``stylesheet()`` serves."""
    drawn = {
        "channels": channels(data, inline_style),
        "ip_types": ip_types(data, inline_style),
        "trend": on_time_trend(data, inline_style),
    }
    return {name: svg for name, svg in drawn.items() if svg is not None}


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The charts' stylesheet for the pages: the same for every report (the style and the series are)."""
    sample = {
        "values": {p: {ALL: {"cases.channel.web": 1, "cases.ip_type.trademark": 1}} for p in PERIODS},
        "trend": [{"month": "2026-01", "clocks": {c: [1, 1] for c in QUICK}}],
    }
    parts = []
    for chart in (channels, ip_types, on_time_trend):
        svg = chart(sample, inline_style=True)
        parts.extend(html.unescape(m) for m in STYLE_RE.findall(svg))
    return "\n".join(parts)
