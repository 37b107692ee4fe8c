"""The administrators' pages of the agency directory: the list with its filters, adding and editing an
agency, deactivating and reactivating it, and importing a region's list from CSV.

An administrator manages the agencies of their centre's region and the regions below it: any other
agency answers 404, exactly as one that does not exist. Writes go through ``app.agencies.services``
and ``app.agencies.importer``; a refused one shows the form again with the reasons (422).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.agencies import importer, queries, services
from app.agencies.forms import AgencyForm, ImportForm
from app.agencies.models import Agency, AgencyKind
from app.cases.enums import IPType
from app.centres.models import Centre
from app.centres.queries import centre_choices, centre_label, children_of, line_to
from app.core.errors import ServiceError
from app.core.forms import AppForm
from app.core.permissions import admin_required
from app.core.scope import get_visible
from app.core.views import field_error, id_arg, render_form
from app.extensions import db

bp = Blueprint("agencies", __name__, url_prefix="/admin/agencies")

PAGE_SIZE = 50
STATUSES = ("active", "inactive")


def _agency_or_404(agency_id) -> Agency:
    agency = queries.get_agency(agency_id, current_user)
    if agency is None or not services.may_manage(current_user, agency.centre):
        abort(404)
    return agency


def _centre_or_404(centre_id) -> Centre:
    centre = get_visible(Centre, centre_id, current_user)
    if centre is None:
        abort(404)
    return centre


def _choice(enum_cls, value):
    return enum_cls._value2member_map_.get(value) if isinstance(value, str) else None


@bp.get("")
@admin_required
def index():
    """The agencies of the administrator's regions, filtered by region (with the regions below it), kind,
    right, text and status; pages of ``PAGE_SIZE`` continued after the last one shown (``?after=``)."""
    region_id = id_arg("centre")
    region = get_visible(Centre, region_id, current_user) if region_id else None
    kind = _choice(AgencyKind, request.args.get("kind"))
    right = _choice(IPType, request.args.get("right"))
    status = request.args.get("status") if request.args.get("status") in STATUSES else ""
    q = (request.args.get("q") or "").strip()[:100]
    after_id = id_arg("after")
    after = queries.get_agency(after_id, current_user) if after_id else None
    rows = queries.agencies_for(
        current_user,
        within=region,
        kind=kind,
        right=right,
        q=q,
        include_inactive=status != "active",
        inactive_only=status == "inactive",
        subtree_only=True,
        limit=PAGE_SIZE + 1,
        after=after,
    )
    shown = rows[:PAGE_SIZE]
    return render_template(
        "agencies/index.html",
        agencies=shown,
        next_after=shown[-1].id if len(rows) > PAGE_SIZE else None,
        first_page=after is not None,
        centres=_region_filter_choices(region),
        filters={
            "centre": region.id if region else "",
            "kind": kind.value if kind else "",
            "right": right.value if right else "",
            "status": status,
            "q": q,
        },
        kinds=AgencyKind,
        rights=IPType,
        rights_labels=queries.rights_labels,
        labels=_row_labels(),
        action_form=AppForm(),
    )


def _region_filter_choices(region: Centre | None) -> list[tuple[int, str]]:
    """The regions the filter offers, a few dozen however large the tree: the administrator's own, the
    line down to the chosen one, and the regions directly below the chosen one (or their own), so a
    region deep in the tree is reached a level at a time."""
    top = region or current_user.centre
    line = [*line_to(current_user, top), top] if top.id != current_user.centre_id else [top]
    base = current_user.centre.depth
    choices = [(c.id, centre_label(c, c.depth - base)) for c in line]
    choices += [(c.id, centre_label(c, c.depth - base)) for c in children_of(top)]
    return choices


def _row_labels() -> dict:
    """The words each row repeats, translated once per page."""
    return {
        "kinds": {k: str(k.label) for k in AgencyKind},
        # The rights in ``IPType``'s order, as ``queries.rights_labels`` lists them.
        "rights": [(t.value, str(t.label)) for t in IPType],
        "active": _("Active"),
        "deactivated": _("Deactivated"),
        "edit": _("Edit"),
        "deactivate": _("Deactivate"),
        "reactivate": _("Reactivate"),
        "confirm": _("Deactivate this agency? It will no longer be offered for referrals."),
    }


def _fields(form: AgencyForm) -> dict:
    return {
        "name": form.name.data or "",
        "kind": form.kind.data,
        "rights": form.rights.data or [],
        "address": form.address.data or "",
        "email": form.email.data or "",
        "phone": form.phone.data or "",
        "contact": form.contact.data or "",
    }


def _region_choices(agency: Agency | None = None):
    choices = centre_choices(current_user)
    if agency is not None and agency.centre_id not in {c for c, _label in choices}:
        choices.insert(0, (agency.centre_id, agency.centre.name))  # an inactive centre's agency keeps its region
    return choices


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = AgencyForm()
    form.centre_id.choices = _region_choices()
    if request.method == "GET":
        form.centre_id.data = id_arg("centre") or current_user.centre_id
    if form.validate_on_submit():
        centre = _centre_or_404(form.centre_id.data)
        try:
            agency = services.create_agency(current_user, centre, **_fields(form))
        except ServiceError as exc:
            field_error(form, exc)
        else:
            flash(_("%(name)s has been added to the directory.", name=agency.name), "success")
            return redirect(url_for("agencies.index", centre=centre.id))
    return render_form("agencies/form.html", form, agency=None)


@bp.route("/<int:agency_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(agency_id: int):
    agency = _agency_or_404(agency_id)
    form = AgencyForm(obj=agency)
    form.centre_id.choices = _region_choices(agency)
    if request.method == "GET":
        form.kind.data = agency.kind.value
        form.rights.data = list(agency.rights or [])
    if form.validate_on_submit():
        centre = agency.centre if form.centre_id.data == agency.centre_id else _centre_or_404(form.centre_id.data)
        try:
            services.update_agency(current_user, agency, centre, **_fields(form))
        except ServiceError as exc:
            field_error(form, exc)
        else:
            flash(_("%(name)s has been updated.", name=agency.name), "success")
            return redirect(url_for("agencies.index", centre=agency.centre_id))
    return render_form("agencies/form.html", form, agency=agency)


@bp.post("/<int:agency_id>/<any(activate, deactivate):action>")
@admin_required
def set_active(agency_id: int, action: str):
    agency = _agency_or_404(agency_id)
    if not AppForm().validate_on_submit():
        abort(400)
    services.set_agency_active(current_user, agency, action == "activate")
    if action == "activate":
        flash(_("%(name)s is offered for referrals again.", name=agency.name), "success")
    else:
        flash(
            _(
                "%(name)s has been deactivated: it is no longer offered; referrals that name it keep it.",
                name=agency.name,
            ),
            "success",
        )
    return redirect(request.referrer if _same_list(request.referrer) else url_for("agencies.index"), code=303)


def _same_list(referrer: str | None) -> bool:
    """Back to the list as it was filtered, when the request came from it."""
    from urllib.parse import urlsplit

    if not referrer:
        return False
    parts = urlsplit(referrer)
    return parts.netloc == request.host and parts.path == url_for("agencies.index")


# ---- import ------------------------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def import_csv():
    form = ImportForm()
    form.centre_id.choices = centre_choices(current_user)
    if request.method == "GET":
        form.centre_id.data = current_user.centre_id
    problems = []
    if form.validate_on_submit():
        centre = _centre_or_404(form.centre_id.data)
        upload = form.file.data
        data = upload.stream.read(importer.MAX_BYTES + 1) if hasattr(upload, "stream") else b""
        if not data:
            form.file.errors = [_("Choose a CSV file to import.")]
        else:
            try:
                result = importer.import_agencies(current_user, data, centre)
            except importer.ImportRefused as exc:
                db.session.rollback()
                form.form_errors.append(str(exc.message))
                # Plain text: a lazy string is markup to Jinja (never escaped), and the reasons quote the file.
                problems = [(p.line, [str(r) for r in p.reasons]) for p in exc.problems]
            except ServiceError as exc:
                db.session.rollback()
                field_error(form, exc)
            else:
                flash(
                    _(
                        "The list has been imported: %(created)d agencies added, %(updated)d updated, %(unchanged)d "
                        "unchanged.",
                        created=result.created,
                        updated=result.updated,
                        unchanged=result.unchanged,
                    ),
                    "success",
                )
                return redirect(url_for("agencies.index", centre=centre.id))
    return render_form(
        "agencies/import.html",
        form,
        problems=problems,
        max_rows=importer.MAX_ROWS,
        columns=importer.COLUMNS,
    )


@bp.get("/import/template.csv")
@admin_required
def import_template():
    """A file to start from: the header and two example rows, in UTF-8 with a BOM (Excel opens it as such)."""
    code = current_user.centre.code
    lines = [
        ",".join(importer.COLUMNS),
        f"{code},示例市市场监督管理局,market_regulation,发明专利；实用新型专利；外观设计专利；商标,示例市示例路1号,"
        "zhifa@example.gov.cn,0000-12345678,执法稽查科",
        f"{code},示例市公安局,公安,全部,示例市示例路2号,,110,",
    ]
    body = "\ufeff" + "\r\n".join(lines) + "\r\n"
    response = Response(body.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="agencies.csv"'
    return response
