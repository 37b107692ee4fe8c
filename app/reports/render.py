"""The monthly report (and the statistics) as the PDF template reads it: plain values in one language.

``context(data, language, preview=…)`` turns the figures (``figures.as_dict``) into the tables, the
per-centre breakdown, the notes and the charts (inline SVG strings, marked safe) of
``templates/pdf/monthly_report.html``, in ``language``, with the centre's letterhead. The issuing code
(``app.reports.monthly``) adds the stamp and the date of issue, and ``reading_copy_of`` (the issued
report's number) for a copy in another language than the issued one.
"""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from app.core.pdf import language as pdf_language
from app.reports import charts, tables
from app.reports.figures import CURRENT, PERIODS, PREVIOUS, YEAR_AGO
from app.reports.periods import Period


def period_of(data: dict, which: str = CURRENT) -> Period:
    p = data["periods"][which]
    return Period(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]))


def centre_name(data: dict, language: str) -> str:
    centre = data["centre"]
    return centre["name_en"] if language == "en" and centre.get("name_en") else centre["name_zh"]


def _line(line: tables.Line, periods: list[str]) -> dict:
    return {
        "label": line.label,
        "indent": line.indent,
        "values": [tables.show(line.of(p), line.unit) for p in periods],
        "changes": [tables.show_change(line, p) for p in periods if p != CURRENT],
    }


# The longest figure (in characters, of a run that cannot break) that fits the fixed columns of a table: a
# section's 13 % at 9 pt holds "153,308.00"; the breakdown's narrower columns at 7.5 pt hold "1,234.5".
FITS_FIXED = {"figures": 10, "breakdown": 7}


def _wide(texts, table: str) -> bool:
    """A table holding a figure too long for its fixed columns (a fund's balance in the tens of millions) is laid
    out by its content instead (``table.wide``): its columns widen and its labels wrap, rather than the figures
    running into each other. Only then: measuring the content makes a table dearer to lay out."""
    return any(len(run) > FITS_FIXED[table] for text in texts for run in str(text).split())


def _notes(data: dict) -> list[str]:
    notes = []
    if data.get("years_missing"):
        notes.append(
            _(
                "The working-day calendar of %(years)s is not entered: the clocks due then cannot be counted.",
                years="、".join(str(y) for y in data["years_missing"]),
            )
        )
    return notes


def context(data: dict, language: str, *, preview: bool) -> dict:
    """The report's tables, notes and charts as plain values in ``language``."""
    lang = pdf_language(language)
    with force_locale(lang):
        periods = [p for p in PERIODS if p in data["values"]]
        period = period_of(data)
        sections = [
            {
                "title": s.title,
                "note": s.note,
                "lines": [_line(line, periods) for line in s.lines],
            }
            for s in tables.sections(data)
        ]
        for section in sections:
            section["wide"] = _wide((v for ln in section["lines"] for v in [*ln["values"], *ln["changes"]]), "figures")
        breakdown = [
            {
                "name": row.name,
                "code": row.code,
                "own": row.own,
                "total": row.code == "all",
                "values": [tables.show(v, unit) for _k, unit, v in row.values],
            }
            for row in tables.breakdown(data, "en" if lang == "en" else "zh")
        ]
        svgs = charts.all_charts(data)
        return {
            "report": {
                "title": _("Monthly report") if period.is_month else _("Statistics"),
                "centre_name": centre_name(data, lang),
                "period": period.label(),
                "scope": _("The centre and every centre below it") if data["subtree"] else _("The centre alone"),
                "periods": [
                    {"title": str(tables.PERIOD_TITLES[p]), "label": period_of(data, p).label()} for p in periods
                ],
                "change_titles": [
                    {PREVIOUS: _("Change against the previous period"), YEAR_AGO: _("Change against a year before")}[p]
                    for p in periods
                    if p != CURRENT
                ],
                "preview": preview,
                "filters": _filters_text(data),
            },
            "sections": sections,
            "breakdown_labels": [str(label) for label in tables.breakdown_labels()],
            "breakdown": breakdown if len(data["groups"]) > 1 else [],
            "breakdown_wide": _wide((v for row in breakdown for v in row["values"]), "breakdown"),
            "notes": _notes(data),
            "charts": {name: Markup(svg) for name, svg in svgs.items()},
            "centre": _letterhead(data, lang),
            "handler": {"name": "", "phone": ""},
        }


def _letterhead(data: dict, lang: str) -> dict:
    """The centre as the letterhead and the closing lines name it."""
    from sqlalchemy import select

    from app.centres.models import Centre
    from app.extensions import db

    centre = db.session.execute(select(Centre).where(Centre.code == data["centre"]["code"])).scalar_one_or_none()
    return {
        "name": centre_name(data, lang),
        "address": (centre.address or "") if centre is not None else "",
        "phone": (centre.phone or "") if centre is not None else "",
        "contact_person": (centre.contact_person or "") if centre is not None else "",
    }


def _filters_text(data: dict) -> str:
    from app.cases.enums import CaseKind, IPType

    parts = []
    filters = data.get("filters") or {}
    if filters.get("kind"):
        parts.append(_("Kind: %(kind)s", kind=CaseKind(filters["kind"]).label))
    if filters.get("ip_type"):
        parts.append(_("Type of right: %(type)s", type=IPType(filters["ip_type"]).label))
    return "; ".join(parts)
