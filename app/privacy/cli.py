"""``flask --app wsgi privacy-anonymise [--dry-run] [--now ISO]``: the retention period's daily run."""

from __future__ import annotations

import click


def register_privacy_cli(app) -> None:
    """``privacy-anonymise``: see ``app.privacy.retention``."""
    from app.clocks.cli import IsoTime

    @app.cli.command("privacy-anonymise")
    @click.option("--dry-run", is_flag=True, help="List the cases that are due; change nothing.")
    @click.option(
        "--now",
        "now",
        type=IsoTime(),
        default=None,
        help="Judge the periods as if it were this time (ISO 8601; without an offset, China time). Default: now.",
    )
    @click.option("--batch", default=200, show_default=True, type=click.IntRange(1, 10_000), help="Cases per commit.")
    def anonymise_command(dry_run: bool, now, batch: int):
        """Anonymise the complainants' personal fields of every case that ended longer ago than its
        centre's retention period, each through an event of the case's audit chain."""
        from app.privacy.retention import run

        result = run(now, dry_run=dry_run, batch=batch)
        if dry_run:
            for number in result.numbers:
                click.echo(number)
            click.echo(f"{_cases(result.due)} due for anonymisation (dry run: nothing changed).")
        else:
            click.echo(f"{_cases(result.anonymised)} anonymised.")


def _cases(n: int) -> str:
    return f"{n} case" if n == 1 else f"{n} cases"
