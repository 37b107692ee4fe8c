"""``flask --app wsgi sla-scan``: record and send the clocks' due-soon and breach warnings.

Made for cron, every minute (see the README): quiet unless something happened, then one line
of JSON; exit 0 (a clock it could not claim this time is retried by the next run). Safe to run
concurrently and again and again: each warning is recorded and sent once (``app.clocks.scan``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from app.core.workdays import CHINA


class IsoTime(click.ParamType):
    name = "ISO-time"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(value.strip())
        except (AttributeError, ValueError):
            self.fail(f"{value!r} is not an ISO 8601 time, e.g. 2026-10-08T09:00+08:00.", param, ctx)
        if moment.tzinfo is None:  # the centres' own time
            moment = moment.replace(tzinfo=CHINA)
        try:
            return moment.astimezone(UTC)
        except (OverflowError, ValueError):
            self.fail(f"{value!r} is out of range.", param, ctx)


def register_clock_cli(app) -> None:
    @app.cli.command("sla-scan")
    @click.option(
        "--now",
        "now",
        type=IsoTime(),
        default=None,
        help="Scan as if it were this time (ISO 8601; without an offset, China time). Default: now.",
    )
    @click.option("--verbose", is_flag=True, help="Print the summary even when nothing happened.")
    @click.option("--no-mail", is_flag=True, help="Record and notify in the app, but send no e-mail this run.")
    def sla_scan_command(now, verbose: bool, no_mail: bool):
        """Record each clock's due-soon and breach event once and notify the people concerned."""
        from app.clocks.scan import scan

        result = scan(now, deliver=not no_mail)
        if result.happened or verbose:
            click.echo(json.dumps(result.as_dict(), separators=(",", ":")))
