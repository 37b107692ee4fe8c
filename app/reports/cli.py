"""``flask --app wsgi reports …``: the reports' jobs for cron.

- ``reports issue [--month YYYY-MM]`` (the first working day of each month): issue the previous
  month's report of every active centre. Safe to run twice, or twice at once: each report is issued
  once. Prints one line of JSON.
- ``reports annual-drafts`` (1 January): see ``app.reports.annual``.
"""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

reports_cli = AppGroup("reports", help="Monthly and annual reports (jobs for cron).")


@reports_cli.command("issue")
@click.option("--month", "month_text", default=None, help="The month to issue, YYYY-MM (default: the previous month).")
@click.option("--centre", "centre_codes", multiple=True, help="Only this centre's report (by code; repeatable).")
def issue_command(month_text, centre_codes):
    """Issue a month's report of every active centre (the previous month by default)."""
    from app.core.db import utcnow
    from app.core.errors import ServiceError
    from app.core.workdays import china_day
    from app.reports import monthly
    from app.reports.periods import parse_month

    now = utcnow()
    today = china_day(now)
    try:
        period = parse_month(month_text, today) if month_text else monthly.previous_month(today)
    except ServiceError as exc:
        raise click.BadParameter(str(exc.message), param_hint="--month") from None
    if period.is_open(today):
        raise click.BadParameter(
            f"{period.key} is not over yet: its report can be previewed on the reports page, and is issued "
            "on the first working day of the next month.",
            param_hint="--month",
        )
    issued, skipped = monthly.issue_all(period, centre_codes=list(centre_codes) or None, now=now)
    click.echo(json.dumps({"month": period.key, "issued": issued, "already_issued": skipped}))


def register_reports_cli(app) -> None:
    from app.reports.annual import cli as _annual_cli  # noqa: F401  (its commands join the group)

    app.cli.add_command(reports_cli)
