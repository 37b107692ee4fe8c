"""``flask --app wsgi reports annual-drafts [--year YYYY]`` (cron, 1 January): prepare the draft of the
annual report on SME work of every active centre with the year's figures (default: the previous year).
Safe to run twice, or twice at once: each centre's draft is made once. Prints one line of JSON."""

from __future__ import annotations

import json

import click

from app.reports.cli import reports_cli


@reports_cli.command("annual-drafts")
@click.option("--year", "year_text", default=None, help="The year reported, YYYY (default: the previous year).")
def annual_drafts(year_text):
    """Prepare the annual report's draft of every active centre (the previous year by default)."""
    from app.core.db import utcnow
    from app.core.errors import ServiceError
    from app.reports.annual import services

    now = utcnow()
    try:
        year = services.check_year(year_text, now) if year_text is not None else None
        prepared = services.prepare_drafts(year, now=now)
    except ServiceError as exc:
        raise click.BadParameter(str(exc.message), param_hint="--year") from None
    click.echo(json.dumps({"year": prepared.year, "created": len(prepared.created), "existing": prepared.existing}))
