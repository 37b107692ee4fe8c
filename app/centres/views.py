"""Staff pages about centres: the tree of their scope and each centre's settings."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.centres.models import Centre
from app.centres.queries import centres_in_scope, staff_counts
from app.centres.settings import UNIT_LABELS, effective_settings
from app.core.permissions import staff_required
from app.core.scope import get_visible

bp = Blueprint("centres", __name__)


@bp.get("/centres")
@staff_required
def index():
    centres = centres_in_scope(current_user)
    base_depth = current_user.centre.depth
    return render_template(
        "centres/index.html", centres=centres, base_depth=base_depth, counts=staff_counts([c.id for c in centres])
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
