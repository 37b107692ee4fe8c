"""The monthly report of a centre: read (the issued figures, or a live preview), and issued.

On the first working day of each month, ``flask --app wsgi reports issue`` issues the previous month's
report of every active centre (with its subtree): its figures are frozen in ``monthly_reports`` and
its PDF (in Chinese, the official language) takes a number of the centre's series 月报 and a
verification code. Each centre's report is claimed by a unique row before anything is rendered, and
committed on its own: the command can run twice, or twice at once, and each report is issued once.
Every issue is an event of the report's own audit chain, sealing a digest of its frozen figures, so
``audit-verify`` finds figures changed behind the application.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.cases.enums import DocumentKind
from app.cases.models import Document
from app.centres.models import Centre
from app.core import chains
from app.core.db import utcnow
from app.core.documents import DocumentSpec, register
from app.core.pdf import document_language, language
from app.core.workdays import china_day
from app.extensions import db
from app.reports import figures
from app.reports.models import MonthlyReport
from app.reports.periods import Period

log = logging.getLogger(__name__)

KIND = DocumentKind.MONTHLY_REPORT
CHAIN = "monthly_report"
SERIES = "月报"
#: The language an issued report is written in.
ISSUED_LANGUAGE = "zh_CN"


@dataclass
class Loaded:
    """A report as a page shows it: its figures (frozen if issued), the issued row if any, and whether
    it is a preview (the month is still open, or its report has not been issued yet)."""

    centre: Centre
    period: Period
    subtree: bool
    data: dict
    issued: MonthlyReport | None
    preview: bool


def issued_report(centre: Centre, period: Period) -> MonthlyReport | None:
    return db.session.execute(
        select(MonthlyReport).where(MonthlyReport.centre_id == centre.id, MonthlyReport.month == period.start)
    ).scalar_one_or_none()


def load(centre: Centre, period: Period, *, subtree: bool = True, now: datetime | None = None) -> Loaded:
    """The report of ``centre`` for the month ``period``: the issued figures when it was issued (the
    issued report covers the subtree), else the figures as they stand, as a preview."""
    if subtree:
        issued = issued_report(centre, period)
        if issued is not None:
            return Loaded(centre, period, True, issued.figures, issued, preview=False)
    report = figures.compute(centre, period, subtree=subtree, now=now)
    return Loaded(centre, period, subtree, figures.as_dict(report), None, preview=True)


# ---- the audit chain ------------------------------------------------------------------------------------


def figures_digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def report_fields(row: MonthlyReport) -> dict:
    """What the chain seals of an issued report."""
    return {
        "centre_id": row.centre_id,
        "month": row.month.isoformat(),
        "document_id": row.document_id,
        "figures_sha256": figures_digest(row.figures),
    }


def _current(ids):
    rows = db.session.execute(select(MonthlyReport).where(MonthlyReport.id.in_(ids))).scalars()
    return {row.id: (None, report_fields(row)) for row in rows}


chains.register_root(chains.RootKind(CHAIN, _current))


# ---- the document -------------------------------------------------------------------------------------


def gather(row: MonthlyReport, kind, issued_at, actor) -> dict:
    from app.core.documents import app_context
    from app.reports import render

    with app_context(), document_language(ISSUED_LANGUAGE):  # labels in the document's language need an app
        context = render.context(row.figures, ISSUED_LANGUAGE, preview=False)
    context.setdefault("kind", KIND.value)
    context.setdefault("issued_at", issued_at)
    context.setdefault("case", {"number": ""})
    return context


def language_of(row: MonthlyReport) -> str:
    return language(ISSUED_LANGUAGE)


def _record(row: MonthlyReport, actor):
    def record(document, data):
        row.document_id = document.id
        db.session.flush()
        chains.record(
            CHAIN,
            row.id,
            actor,
            "issue_document",
            data={**data, "month": row.month.isoformat(), "centre": row.centre.code},
            fields=report_fields(row),
        )

    return record


def issue(row: MonthlyReport, kind, actor) -> Document:
    from app.cases.documents import issue_document

    return issue_document(None, kind, actor, subject=row, record=_record(row, actor))


register(DocumentSpec(KIND, "pdf/monthly_report.html", gather, language_of, issue, series=SERIES))


# ---- issuing --------------------------------------------------------------------------------------------


class NotYetOver(ValueError):
    """A month still open cannot be issued."""


def issue_month(centre: Centre, period: Period, actor=None, *, now: datetime | None = None) -> MonthlyReport | None:
    """Issue ``centre``'s report of ``period`` (with its subtree) unless it was issued already: the
    claimed row, its frozen figures and its PDF, in the caller's transaction. Returns the new row, or
    None when another run issued it first (the claim is a unique row, taken under a savepoint)."""
    now = now or utcnow()
    if period.is_open(china_day(now)):
        raise NotYetOver(period.key)
    if issued_report(centre, period) is not None:
        return None
    data = figures.as_dict(figures.compute(centre, period, subtree=True, now=now))
    row = MonthlyReport(
        centre=centre, month=period.start, figures=data, issued_by_id=actor.id if actor else None, issued_at=now
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return None  # issued meanwhile by another run
    issue(row, KIND, actor)
    return row


def issue_all(period: Period, actor=None, *, centre_codes: list[str] | None = None, now=None) -> tuple[int, int]:
    """Issue ``period``'s report of every active centre (or of the centres named), each committed on
    its own. Returns (issued now, already issued)."""
    stmt = select(Centre).where(Centre.is_active.is_(True)).order_by(Centre.path)
    if centre_codes:
        stmt = stmt.where(Centre.code.in_(centre_codes))
    centre_ids = list(db.session.execute(stmt.with_only_columns(Centre.id)).scalars())
    issued = skipped = 0
    for centre_id in centre_ids:
        centre = db.session.get(Centre, centre_id)
        try:
            row = issue_month(centre, period, actor, now=now)
        except Exception:
            db.session.rollback()
            log.exception("monthly report of %s for %s could not be issued", centre_id, period.key)
            raise
        if row is None:
            db.session.rollback()
            skipped += 1
        else:
            db.session.commit()
            issued += 1
    return issued, skipped


def previous_month(today: date) -> Period:
    return Period.of_month(today).previous()


def pdf_bytes(loaded: Loaded, lang: str | None) -> bytes:
    """The report as a PDF for a reader of ``lang``: the issued document itself when the month's report
    was issued (and the reader reads its language), else rendered now, a preview or a reading copy of the
    issued report in the reader's language, through the one renderer."""
    from app.cases.documents import read_document
    from app.core.documents import stamp_context
    from app.core.pdf import render_pdf
    from app.reports import render

    lang = language(lang)
    if loaded.issued is not None and loaded.issued.document is not None and lang == ISSUED_LANGUAGE:
        return read_document(loaded.issued.document)
    from app.core.documents import app_context

    now = utcnow()
    with app_context(), document_language(lang):
        context = render.context(loaded.data, lang, preview=loaded.preview)
        context["stamp"] = stamp_context(KIND, loaded.centre, now, None)
        if loaded.issued is not None and loaded.issued.document is not None:
            # A reading copy in another language carries the issued report's number and verification
            # code (the verification page answers for the issued original).
            from app.core.document_numbers import stamp_values

            document = loaded.issued.document
            context["reading_copy_of"] = document.number or ""
            if document.verification_code:
                context["stamp"] = stamp_values(document.number or "", document.verification_code)
    context.setdefault("kind", KIND.value)
    context.setdefault("issued_at", now)
    context.setdefault("case", {"number": ""})
    return render_pdf("pdf/monthly_report.html", context, lang)
