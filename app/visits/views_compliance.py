"""The compliance grid (每月至少开展一次上门服务): the centres of the user's subtree × the months of a
year, each cell the visits done against the centre's minimum. A month that ended short is red with a
✗ and the words for screen readers; the current month is "in progress"; a cell opens the list of that
centre's visits of that month. Routes of the ``visits`` blueprint.
"""

from __future__ import annotations

import re

from flask import render_template, request
from flask_babel import format_date
from flask_login import current_user

from app.core.permissions import roles_required
from app.visits import compliance
from app.visits.views import ACTORS, bp, today

#: Centres a page of the grid shows (the country is 497: 5,964 cells would be 800 KB of HTML).
PAGE_ROWS = 50
_PATH = re.compile(r"^[0-9A-Za-z./_-]{1,400}$")


@bp.get("/visits/compliance")
@roles_required(*ACTORS)
def compliance_grid():
    """Centres of the subtree × the twelve months of a year: visits against the monthly minimum."""
    now = today()
    raw = request.args.get("year", "")
    year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= 2100 else now.year
    months = compliance.months_of_year(year)
    after = request.args.get("after") or None
    if after is not None and not _PATH.match(after):
        after = None  # not a place this page gave out: the first page
    short_only = request.args.get("short") == "y"
    grid = compliance.compliance(current_user, months, after=after, limit=PAGE_ROWS, short_only=short_only)
    this_month = now.replace(day=1)
    keep = {"year": year, **({"short": "y"} if short_only else {})}
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
            after=after,
            short_only=short_only,
            keep=keep,
        ),
        422 if raw and raw != str(year) else 200,
    )
