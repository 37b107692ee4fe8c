"""Staff pages about centres: the tree of their scope and each centre's settings."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.centres.models import Centre, CentreLevel
from app.centres.queries import below_counts, children_of, line_to, search_centres, staff_counts
from app.centres.settings import UNIT_LABELS, effective_settings
from app.core.permissions import staff_required
from app.core.scope import get_visible
from app.core.views import id_arg

bp = Blueprint("centres", __name__)

SEARCH_LIMIT = 50


def _labels() -> dict:
    """The words each row repeats, translated once per page."""
    return {
        "levels": {level: str(level.label) for level in CentreLevel},
        "active": _("Active"),
        "inactive": _("Inactive"),
    }


@bp.get("/centres")
@staff_required
def index():
    """The tree collapsed: a centre of the user's subtree (their own, or ``?under=``) and the centres
    directly below it, each with how many stand below it and a link to open its branch; or, with
    ``?q=``, the centres of the subtree whose code or name holds the words (the first ``SEARCH_LIMIT``)."""
    q = (request.args.get("q") or "").strip()[:100]
    if q:
        found = search_centres(current_user, q, SEARCH_LIMIT + 1)
        shown = found[:SEARCH_LIMIT]
        ids = [c.id for c in shown]
        return render_template(
            "centres/index.html",
            q=q,
            found=shown,
            more=len(found) > SEARCH_LIMIT,
            counts=staff_counts(ids),
            below=below_counts(current_user.centre, ids),
            labels=_labels(),
        )
    under_id = id_arg("under")
    if under_id:
        top = get_visible(Centre, under_id, current_user)
        if top is None:
            abort(404)
    else:
        top = current_user.centre
    children = children_of(top)
    ids = [top.id, *(c.id for c in children)]
    return render_template(
        "centres/index.html",
        q="",
        top=top,
        line=line_to(current_user, top) if top.id != current_user.centre_id else [],
        children=children,
        counts=staff_counts(ids),
        below=below_counts(top, ids),
        labels=_labels(),
    )


@bp.get("/centres/<int:centre_id>")
@staff_required
def show(centre_id: int):
    centre = get_visible(Centre, centre_id, current_user)
    if centre is None:
        abort(404)
    return render_template(
        "centres/show.html", centre=centre, settings=effective_settings(centre).values(), unit_labels=UNIT_LABELS
    )
