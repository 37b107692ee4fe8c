"""The case lists: staff filter and search their subtree's cases and export them as CSV;
applicants see their own enterprise's cases, drafts included.

Filters travel in the query string (GET, no CSRF token: they change nothing). A value
that does not parse is shown as an error beside its field (422) and the list stays empty
rather than silently dropping the filter; a cursor that does not parse starts again at
the first page.
"""

from __future__ import annotations

import csv
import io

from flask import Response, current_app, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import DateField, StringField
from wtforms.validators import Optional

from app.cases.enums import CaseKind, CaseState, Channel, IPType
from app.cases.queries import DATE_FIELDS, MAX_QUERY, SORTS, CaseFilters, case_list, export_rows, staff_choices
from app.cases.views import bp
from app.centres.queries import centre_filter_choices
from app.core.db import utcnow
from app.core.errors import error_response
from app.core.forms import AppForm, DateRangeChecks, SelectField, SelectMultipleField, max_length, strip_filter
from app.core.i18n import DISPLAY_TZ
from app.core.permissions import staff_required
from app.core.scope import active_enterprise_ids
from app.core.views import MAX_ID, id_arg
from app.extensions import db
from app.privacy.access_log import log_streamed
from app.privacy.retention import ANONYMISED_NAME

PAGE_SIZE = 50
EXPORT_BATCH = 2000

STATE_BADGES = {
    CaseState.DRAFT: "text-bg-light border",
    CaseState.SUBMITTED: "text-bg-primary",
    CaseState.ACKNOWLEDGED: "text-bg-info",
    CaseState.AWAITING_MATERIAL: "text-bg-warning",
    CaseState.ACCEPTED: "text-bg-primary",
    CaseState.DECLINED: "text-bg-secondary",
    CaseState.IN_PROGRESS: "text-bg-primary",
    CaseState.RESOLVED: "text-bg-success",
    CaseState.CLOSED: "text-bg-dark",
    CaseState.WITHDRAWN: "text-bg-secondary",
}


def _as_id(value: str) -> int | None:
    """An id from the query string, or None (as ``id_arg``, for repeated parameters)."""
    return (
        int(value)
        if value.isascii() and value.isdigit() and 0 < len(value) <= 10 and 0 < int(value) <= MAX_ID
        else None
    )


class CaseFilterForm(DateRangeChecks, AppForm):
    """The staff list's filters, read from the query string."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        filters=[strip_filter],
        validators=[Optional(), max_length(MAX_QUERY)],
        description=_l("Case number, enterprise, respondent, right number or subject"),
    )
    # No Optional(): it stops at a blank first value and clears the refusal of what follows, so
    # ``?state=`` or ``?state=&state=bogus`` reached the query. A blank is not a state: 422.
    state = SelectMultipleField(_l("State"))
    kind = SelectField(_l("Kind of case"), default="")
    ip_type = SelectField(_l("Type of right"), default="")
    channel = SelectField(_l("Channel"), default="")
    centre = SelectField(_l("Centre"), default="")
    first_responder = SelectField(_l("First responder"), default="")
    owner = SelectField(_l("Owner"), default="")
    date_field = SelectField(_l("Date of"), default="submitted")
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    priority = SelectField(_l("Priority"), default="")
    overdue = SelectField(_l("Deadline"), default="")
    sort = SelectField(_l("Order"), default="newest")

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, formdata=request.args, **kwargs)
        anything = ("", _("Any"))
        self.state.choices = CaseState.choices()
        self.kind.choices = [anything, *CaseKind.choices()]
        self.ip_type.choices = [anything, *IPType.choices()]
        self.channel.choices = [anything, *Channel.choices()]
        self.centre.choices = [
            ("", _("All my centres")),
            *((str(i), label) for i, label in centre_filter_choices(user, id_arg("centre"))),
        ]
        people = [(str(i), name) for i, name in staff_choices(user, id_arg("centre"), self._people_in_args())]
        self.first_responder.choices = [anything, ("me", _("Me")), *people]
        self.owner.choices = [anything, ("me", _("Me")), ("none", _("Nobody")), *people]
        self.date_field.choices = [("submitted", _("Submitted")), ("created", _("Created"))]
        self.priority.choices = [
            anything,
            ("1", _("Priority (at least one flag)")),
            ("2", _("At least two flags")),
            ("3", _("All three flags")),
        ]
        self.overdue.choices = [
            anything,
            ("yes", _("Overdue")),
            ("soon", _("Due soon (today)")),
            ("no", _("Not overdue")),
        ]
        self.sort.choices = [
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("priority", _("Priority, then newest")),
            ("due", _("Due first")),
        ]

    @staticmethod
    def _people_in_args() -> list[int]:
        ids = [_as_id(v) for name in ("first_responder", "owner") for v in request.args.getlist(name)]
        return [i for i in ids if i is not None][:10]

    def to_filters(self) -> tuple[CaseFilters, str]:
        """The checked values as the query's filters, and the sort order."""

        def person(value):
            return value if value in ("me", "none") else (int(value) if value else None)

        return (
            CaseFilters(
                states=tuple(CaseState(s) for s in self.state.data or ()),
                kind=CaseKind(self.kind.data) if self.kind.data else None,
                ip_type=IPType(self.ip_type.data) if self.ip_type.data else None,
                channel=Channel(self.channel.data) if self.channel.data else None,
                centre=int(self.centre.data) if self.centre.data else None,
                first_responder=person(self.first_responder.data),
                owner=person(self.owner.data),
                date_field=self.date_field.data if self.date_field.data in DATE_FIELDS else "submitted",
                date_from=self.date_from.data,
                date_to=self.date_to.data,
                q=self.q.data or "",
                min_priority=int(self.priority.data) if self.priority.data else None,
                overdue={"yes": True, "no": False}.get(self.overdue.data),
                due_soon=self.overdue.data == "soon",
                now=utcnow(),
            ),
            self.sort.data if self.sort.data in SORTS else "newest",
        )


def case_url(number: str) -> str:
    """The case page (``cases.show``), built without a ``url_for`` per row of a long list."""
    return f"{request.script_root}/cases/{number}"


FILTER_NAMES = frozenset(
    ("q", "state", "kind", "ip_type", "channel", "centre", "first_responder", "owner")
    + ("date_field", "date_from", "date_to", "priority", "overdue", "sort")
)


def _filter_args() -> dict:
    """The filters of the query string (not the cursor, nor anything else), for links that keep them."""
    return {key: values for key, values in request.args.lists() if key in FILTER_NAMES}


@bp.get("/cases")
@login_required
def index():
    """Staff: their subtree's cases, filtered and paged. Applicants: their enterprise's cases."""
    if not current_user.is_staff:
        return _my_cases()
    form = CaseFilterForm(current_user)
    if not form.validate():
        return render_template(
            "cases/index.html", form=form, cases=[], next_cursor=None, invalid=True, **_list_context()
        ), 422
    filters, sort = form.to_filters()
    page = case_list(current_user, filters, cursor=request.args.get("cursor"), limit=PAGE_SIZE, sort=sort)
    return render_template(
        "cases/index.html", form=form, cases=page.cases, next_cursor=page.next_cursor, invalid=False, **_list_context()
    )


# The staff list's columns after the case number: (key, heading, shown unless the user chose otherwise).
# The usual set fits 1280 pixels; the column picker (remembered in the browser) shows the others.
def list_columns() -> list[tuple[str, str, bool]]:
    return [
        ("title", _("Subject"), True),
        ("kind", _("Kind of case"), False),
        ("state", _("State and next due"), True),
        ("enterprise", _("Enterprise"), True),
        ("right", _("Right"), False),
        ("respondent", _("Respondent"), True),
        ("channel", _("Channel"), False),
        ("first_responder", _("First responder"), False),
        ("owner", _("Owner"), True),
        ("centre", _("Centre"), True),
        ("submitted", _("Submitted"), True),
        ("priority", _("Priority"), True),
    ]


def _active_filters(args: dict) -> int:
    """How many filters narrow the list (the order and the date field alone narrow nothing)."""
    return sum(1 for key, values in args.items() if key not in ("sort", "date_field") and any(v for v in values))


def _list_context() -> dict:
    from app.clocks.display import due_soon_until

    now = utcnow()
    filter_args = _filter_args()
    return {
        "now": now,
        "due_soon_until": due_soon_until(now),
        "filter_args": filter_args,
        "active_filters": _active_filters(filter_args),
        "list_columns": list_columns(),
        "on_later_page": bool(request.args.get("cursor")),
        "case_url": case_url,
        "state_badges": STATE_BADGES,
    }


def _my_cases():
    page = case_list(current_user, CaseFilters(), cursor=request.args.get("cursor"), limit=PAGE_SIZE)
    has_enterprise = db.session.execute(active_enterprise_ids(current_user).limit(1)).first() is not None
    new_case_url = url_for("cases.new") if "cases.new" in current_app.view_functions else "/cases/new"
    return render_template(
        "cases/my_cases.html",
        cases=page.cases,
        next_cursor=page.next_cursor,
        has_enterprise=has_enterprise,
        new_case_url=new_case_url,
        **_list_context(),
    )


# ---- CSV ---------------------------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection): such text gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _csv_header() -> list[str]:
    return [
        _("Case number"),
        _("Subject"),
        _("Kind of case"),
        _("State"),
        _("Enterprise"),
        _("Credit code"),
        _("Type of right"),
        _("Right number"),
        _("Respondent"),
        _("Channel"),
        _("First responder"),
        _("Owner"),
        _("Centre"),
        _("Created"),
        _("Submitted"),
        _("Priority"),
        _("Next due"),
    ]


def _china_time(value) -> str:
    """As the ``localtime`` filter shows it (yyyy-MM-dd HH:mm in China); plain strftime, as Babel's
    formatter took most of the time of a 100,000-row export."""
    return value.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _csv_row_writer():
    """A function turning an export row into its cells, with each enum label translated once."""
    labels = {member: member.label for enum in (CaseKind, CaseState, IPType, Channel) for member in enum}

    def cells(row) -> list[str]:
        return [
            row.number,
            row.title,
            labels[row.kind],
            labels[row.state],
            row.enterprise_name,
            row.enterprise_credit_code,
            labels[row.ip_type] if row.ip_type else "",
            row.ip_number,
            row.respondent_name,
            labels[row.channel],
            row.first_responder_name or "",
            row.owner_name or "",
            row.centre_code,
            _china_time(row.created_at),
            _china_time(row.submitted_at),
            str(row.priority),
            _china_time(row.next_due_at),
        ]

    return cells


@bp.get("/cases/export.csv")
@staff_required
def export():
    """The filtered list as CSV: every matching row, streamed in keyset batches, UTF-8 with a BOM
    so that Excel reads the Chinese text."""
    form = CaseFilterForm(current_user)
    if not form.validate():
        problems = "; ".join(f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items())
        return error_response(422, _("The filters are not valid (%(problems)s).", problems=problems))
    filters, sort = form.to_filters()
    user = current_user._get_current_object()

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow([safe_cell(cell) for cell in _csv_header()])
        cells = _csv_row_writer()
        persons = []  # the rows naming a person (no enterprise): their reads are logged (app.privacy.access_log)
        for n, row in enumerate(export_rows(user, filters, sort, batch=EXPORT_BATCH), start=1):
            writer.writerow([safe_cell(cell) for cell in cells(row)])
            if not row.enterprise_credit_code and row.enterprise_name not in ("", ANONYMISED_NAME) and row.number:
                persons.append(row.id)
            if n % EXPORT_BATCH == 0:
                log_streamed(user, persons)
                persons.clear()
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        log_streamed(user, persons)
        yield buffer.getvalue().encode("utf-8")

    filename = f"cases-{utcnow().astimezone(DISPLAY_TZ):%Y%m%d}.csv"
    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
