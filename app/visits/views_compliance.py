"""The compliance grid (每月至少开展一次上门服务): the centres of the user's subtree × the months of a
year, each cell the visits done against the centre's minimum. A month that ended short is red with a
✗ and the words for screen readers; the current month is "in progress"; a cell opens the list of that
centre's visits of that month. Routes of the ``visits`` blueprint.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import format_date
from flask_login import current_user

from app.core.permissions import roles_required
from app.visits import compliance
from app.visits.views import ACTORS, bp, today


@bp.get("/visits/compliance")
@roles_required(*ACTORS)
def compliance_grid():
    """Centres of the subtree × the twelve months of a year: visits against the monthly minimum."""
    now = today()
    raw = request.args.get("year", "")
    year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= 2100 else now.year
    months = compliance.months_of_year(year)
    grid = compliance.compliance(current_user, months)
    this_month = now.replace(day=1)
    return (
        render_template(
            "visits/compliance.html",
            grid=grid,
            year=year,
            years=sorted(set(range(now.year - 4, now.year + 1)) | {year}),
            months=months,
            month_names=[format_date(m, "MMM") for m in months],
            month_keys=[m.strftime("%Y-%m") for m in months],
            this_month=this_month,
        ),
        422 if raw and raw != str(year) else 200,
    )
