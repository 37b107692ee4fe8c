"""``flask --app wsgi agencies import FILE [--centre CODE]``: load a region's agency list from CSV.

The same import as the administrators' page (``app.agencies.importer``): all rows or none; each bad row
is printed with its line number and reasons, and the command exits with status 1.
"""

from __future__ import annotations

import click
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db


def register_agency_cli(app) -> None:
    @app.cli.group("agencies")
    def agencies_group():
        """The directory of enforcement agencies."""

    @agencies_group.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
    @click.option(
        "--centre",
        "centre_code",
        help="The region the file is for (a centre code); rows may leave "
        "their centre empty and must lie in this region or below.",
    )
    @click.option(
        "--language",
        type=click.Choice(["zh_CN", "en"]),
        default=None,
        help="The language of the report (default: the installation's).",
    )
    def import_command(file: str, centre_code: str | None, language: str | None):
        """Import agencies from a CSV file (UTF-8 or GB18030); nothing is written if any row is bad."""
        from app.agencies.importer import MAX_BYTES, ImportRefused, import_agencies
        from app.centres.models import Centre
        from app.core.errors import ServiceError

        with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
            centre = None
            if centre_code:
                centre = db.session.execute(
                    select(Centre).where(Centre.code == centre_code.strip().upper())
                ).scalar_one_or_none()
                if centre is None:
                    raise click.ClickException(_("No centre has the code %(code)s.", code=centre_code))
            with open(file, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
            try:
                result = import_agencies(None, data, centre)
            except ImportRefused as exc:
                db.session.rollback()
                click.echo(str(exc.message), err=True)
                for problem in exc.problems:
                    reasons = " ".join(str(r) for r in problem.reasons)
                    click.echo(_("Line %(line)d: %(reasons)s", line=problem.line, reasons=reasons), err=True)
                raise SystemExit(1) from None
            except ServiceError as exc:
                db.session.rollback()
                raise click.ClickException(str(exc.message)) from None
            db.session.commit()
            click.echo(
                _(
                    "The list has been imported: %(created)d agencies added, %(updated)d updated, %(unchanged)d "
                    "unchanged.",
                    created=result.created,
                    updated=result.updated,
                    unchanged=result.unchanged,
                )
            )
