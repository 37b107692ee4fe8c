"""The annual report on SME work as issued (中小企业工作年度报告): a document of no case, issued when the
centre above approves the report (``Action.issues`` of ``approve``, through the one renderer).

It belongs to the report and its centre (``Document.case_id`` None, ``subject_type`` ``annual_report``),
takes a number of the centre's series 年 and a verification code; its issue is an event of the report's
own chain (with the document's id and sha256). It is written in Chinese (an official report
to the centre above), with the figures as they were taken for the draft and the five sections.
"""

from __future__ import annotations

from app.cases.documents import _CentreName, issue_document
from app.cases.enums import DocumentKind
from app.core import chains
from app.core.documents import DocumentSpec, register
from app.core.pdf import document_language, language
from app.reports.annual.models import SECTIONS, SUBJECT, AnnualReport, audited_fields

KIND = DocumentKind.ANNUAL_REPORT


def figure_tables(figures: dict | None) -> list[dict]:
    """The figures as plain tables in the current language: [{title, note, lines: [{label, unit, current,
    previous, indent}]}] (the one layer's tables, ``app.reports.tables``); [] when none were taken."""
    if not figures or "values" not in figures:
        return []
    from app.reports import tables
    from app.reports.figures import CURRENT, YEAR_AGO

    out = []
    for section in tables.sections(figures):
        out.append(
            {
                "title": str(section.title),
                "note": str(section.note or ""),
                "lines": [
                    {
                        "label": str(line.label),
                        "current": tables.show(line.of(CURRENT), line.unit),
                        "previous": tables.show(line.of(YEAR_AGO), line.unit),
                        "indent": line.indent,
                    }
                    for line in section.lines
                ],
            }
        )
    return out


def language_of(report: AnnualReport) -> str:
    return language(None)  # the default: Chinese


def gather(report: AnnualReport, kind, issued_at, actor) -> dict:
    """The plain context of the report (labels in the document's language)."""
    centre = report.centre
    writer = report.submitted_by
    with document_language(language_of(report)):
        tables_ = figure_tables(report.figures)
        sections = [{"name": name, "title": str(label), "text": report.sections[name]} for name, label in SECTIONS]
    return {
        "kind": DocumentKind(kind).value,
        "issued_at": issued_at,
        "centre": {
            "name": _CentreName(centre),
            "address": centre.address or "",
            "phone": centre.phone or "",
            "contact_person": centre.contact_person or "",
        },
        "case": {"number": ""},
        "report": {
            "year": report.year,
            "submitted_at": report.submitted_at,
            "submitted_by": writer.name if writer is not None else "",
            "approved_by": actor.name if actor is not None else "",
            "figures_at": report.figures_at,
        },
        "figures": tables_,
        "sections": sections,
        "handler": {
            "name": writer.name if writer is not None else "",
            "phone": (writer.phone or "") if writer is not None else "",
        },
    }


def _record_event(report: AnnualReport, actor):
    def record(document, data):
        chains.record(
            SUBJECT,
            report.id,
            actor,
            "issue_document",
            from_state=report.state,
            to_state=report.state,
            data=data,
            fields=audited_fields(report),
        )

    return record


def issue(report: AnnualReport, kind, actor):
    """Render, store and record the report's PDF (the approval's document)."""
    return issue_document(None, kind, actor, subject=report, record=_record_event(report, actor))


register(DocumentSpec(KIND, "pdf/annual_report.html", gather, language_of, issue, series="年"))
