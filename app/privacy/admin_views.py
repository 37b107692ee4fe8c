"""The read-access log's pages: who of the staff read which case's personal data (administrators only).

``/privacy/access-log`` lists the reads of the cases of the administrator's centre and the centres
below it, newest first (keyset pagination on the row id), filtered by case number, staff member
(name or e-mail), kind of read and China-time date range; ``.csv`` and ``.xlsx`` export the same
filtered rows. ``/cases/<number>/access-log`` is the same page for one case (linked from the case
page); a case outside the administrator's subtree answers 404, as a case that does not exist.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Blueprint, Response, abort, make_response, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms import DateField, StringField
from wtforms.validators import Optional

from app.auth.models import Role, User
from app.cases.models import Case
from app.centres.models import Centre
from app.core.db import utcnow
from app.core.forms import AppForm, DateRangeChecks, SelectField, max_length, strip_filter
from app.core.i18n import DISPLAY_TZ
from app.core.permissions import admin_required
from app.core.scope import centre_subtree_ids, visible
from app.core.views import id_arg
from app.core.workdays import start_of_day
from app.extensions import db
from app.privacy import access_log
from app.privacy.models import PersonalDataRead, ReadKind

bp = Blueprint("privacy_admin", __name__)
# The log's writes hang off every request of the app (``app.privacy.access_log``).
bp.record_once(access_log.register)

PAGE_SIZE = 50
EXPORT_BATCH = 1000
#: Excel's last row, less the header.
XLSX_MAX_ROWS = 1_048_575


class LogFilterForm(DateRangeChecks, AppForm):
    """The log's filters, read from the query string."""

    EARLIEST = date(2000, 1, 1)  # before the log existed: nothing to find

    class Meta:
        csrf = False

    case = StringField(_l("Case number"), filters=[strip_filter], validators=[Optional(), max_length(40)])
    user = StringField(
        _l("Staff member"),
        filters=[strip_filter],
        validators=[Optional(), max_length(100)],
        render_kw={"placeholder": _l("Name or e-mail")},
    )
    what = SelectField(_l("What was read"), default="")
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, formdata=request.args, **kwargs)
        self.what.choices = [("", _("Any")), *ReadKind.choices()]

    def args(self, **extra) -> dict:
        """The filters as query arguments (for the next page's link and the exports)."""
        values = {
            "case": self.case.data or "",
            "user": self.user.data or "",
            "what": self.what.data or "",
            "date_from": self.date_from.data.isoformat() if self.date_from.data else "",
            "date_to": self.date_to.data.isoformat() if self.date_to.data else "",
        }
        return {k: v for k, v in {**values, **extra}.items() if v}


def _rows(form: LogFilterForm, case: Case | None = None):
    """The filtered reads of the administrator's scope, newest first: plain rows."""
    stmt = (
        select(
            PersonalDataRead.id,
            PersonalDataRead.at,
            PersonalDataRead.what,
            PersonalDataRead.request_id,
            PersonalDataRead.client_address,
            Case.number.label("case_number"),
            User.name.label("user_name"),
            User.email.label("user_email"),
            User.role.label("user_role"),
            Centre.code.label("user_centre"),
        )
        .join(Case, Case.id == PersonalDataRead.case_id)
        .join(User, User.id == PersonalDataRead.user_id)
        .outerjoin(Centre, Centre.id == User.centre_id)
        .order_by(PersonalDataRead.id.desc())
    )
    stmt = visible(stmt, current_user, PersonalDataRead)
    if case is not None:
        stmt = stmt.where(PersonalDataRead.case_id == case.id)
    elif form.case.data:
        stmt = stmt.where(Case.number == form.case.data.upper())
    if form.user.data:
        text = form.user.data
        stmt = stmt.where(
            or_(
                User.email == text.lower(),
                User.name.contains(text, autoescape=True),
                User.email.startswith(text.lower(), autoescape=True),
            )
        )
    if form.what.data:
        stmt = stmt.where(PersonalDataRead.what == ReadKind(form.what.data))
    if form.date_from.data:
        stmt = stmt.where(PersonalDataRead.at >= start_of_day(form.date_from.data))
    if form.date_to.data:
        stmt = stmt.where(PersonalDataRead.at < start_of_day(form.date_to.data + timedelta(days=1)))
    return stmt


def _case_or_404(number: str) -> Case:
    """The case, if it is of the administrator's subtree (else 404, as a number that does not exist)."""
    case = db.session.execute(
        select(Case).where(Case.number == number.upper(), Case.centre_id.in_(centre_subtree_ids(current_user)))
    ).scalar_one_or_none()
    if case is None:
        abort(404)
    return case


def _page(form: LogFilterForm, case: Case | None, endpoint: str, **endpoint_args):
    valid = form.validate()
    rows, next_before = [], None
    if valid:
        stmt = _rows(form, case)
        before = id_arg("before")
        if before:
            stmt = stmt.where(PersonalDataRead.id < before)
        rows = db.session.execute(stmt.limit(PAGE_SIZE + 1)).all()
        if len(rows) > PAGE_SIZE:
            rows, next_before = rows[:PAGE_SIZE], rows[PAGE_SIZE - 1].id
    return render_template(
        "privacy/access_log.html",
        form=form,
        case=case,
        rows=rows,
        invalid=not valid,
        next_url=url_for(endpoint, **endpoint_args, **form.args(before=next_before)) if next_before else None,
        first_url=url_for(endpoint, **endpoint_args, **form.args()),
        csv_url=url_for("privacy_admin.export_csv", **form.args(case=case.number if case else form.case.data)),
        xlsx_url=url_for("privacy_admin.export_xlsx", **form.args(case=case.number if case else form.case.data)),
        on_later_page=bool(request.args.get("before")),
    ), (200 if valid else 422)


@bp.get("/privacy/access-log")
@admin_required
def log():
    """The reads of personal data in the administrator's centres."""
    return _page(LogFilterForm(), None, "privacy_admin.log")


@bp.get("/cases/<number>/access-log")
@admin_required
def case_log(number: str):
    """The reads of one case's personal data."""
    case = _case_or_404(number)
    return _page(LogFilterForm(), case, "privacy_admin.case_log", number=case.number)


# ---- exports -------------------------------------------------------------------------------------------


def _header() -> list[str]:
    return [
        _("Time (China)"),
        _("Staff member"),
        _("E-mail"),
        _("Role"),
        _("Centre"),
        _("Case number"),
        _("What was read"),
        _("Client address"),
        _("Request id"),
    ]


def _cells(row) -> list[str]:
    return [
        row.at.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M:%S"),
        row.user_name,
        row.user_email,
        Role(row.user_role).label,
        row.user_centre or "",
        row.case_number,
        ReadKind(row.what).label,
        row.client_address or "",
        row.request_id or "",
    ]


def _batches(stmt):
    """Every row of ``stmt`` (newest first), in keyset batches: a long log keeps memory flat."""
    before = None
    while True:
        page = stmt.where(PersonalDataRead.id < before) if before else stmt
        rows = db.session.execute(page.limit(EXPORT_BATCH)).all()
        if not rows:
            return
        yield rows
        before = rows[-1].id


def _valid_export_form() -> LogFilterForm:
    form = LogFilterForm()
    if not form.validate():
        from app.core.errors import error_response

        problems = "; ".join(f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items())
        abort(make_response(error_response(422, _("The filters are not valid (%(problems)s).", problems=problems))))
    return form


def _filename(extension: str) -> str:
    return f"access-log-{utcnow().astimezone(DISPLAY_TZ):%Y%m%d}.{extension}"


@bp.get("/privacy/access-log.csv")
@admin_required
def export_csv():
    """The filtered log as CSV (UTF-8 with a BOM, so that Excel reads the Chinese text)."""
    from app.cases.views_list import safe_cell

    stmt = _rows(_valid_export_form())

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(_header())
        for rows in _batches(stmt):
            for row in rows:
                writer.writerow([safe_cell(cell) for cell in _cells(row)])
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue().encode("utf-8")

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{_filename("csv")}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/privacy/access-log.xlsx")
@admin_required
def export_xlsx():
    """The filtered log as an Excel workbook (one sheet; at most Excel's number of rows)."""
    import xlsxwriter

    stmt = _rows(_valid_export_form())
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    sheet = book.add_worksheet(_("Access log")[:31])
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, _header(), bold)
    sheet.freeze_panes(1, 0)
    for width, column in ((18, 0), (16, 1), (28, 2), (12, 3), (8, 4), (18, 5), (22, 6), (16, 7), (34, 8)):
        sheet.set_column(column, column, width)
    n = 0
    for rows in _batches(stmt):
        for row in rows[: XLSX_MAX_ROWS - n]:
            n += 1
            sheet.write_row(n, 0, _cells(row))
        if n >= XLSX_MAX_ROWS:
            break
    book.close()
    return Response(
        out.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="{_filename("xlsx")}"',
            "Cache-Control": "no-store",
        },
    )
