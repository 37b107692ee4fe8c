"""``flask --app wsgi backup create --to DIR``, ``backup verify DIR``, ``backup restore --from DIR``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app


def _human(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def _summary(manifest: dict) -> str:
    files = [e for e in manifest["files"] if e["path"].startswith("files/")]
    total = sum(e["size"] for e in manifest["files"])
    db = manifest["database"]
    return (
        f"{db['kind']} database at revision {db['alembic_revision']}, {len(files)} stored files, "
        f"{_human(total)} in all, made {manifest['created_at']}"
    )


def register_backup_cli(app) -> None:
    @app.cli.group("backup")
    def backup_group():
        """Back up the database and the stored files, verify a backup, restore one onto an empty installation."""

    @backup_group.command("create")
    @click.option(
        "--to", "to", required=True, type=click.Path(file_okay=False, path_type=Path), help="An empty or new directory."
    )
    def create_command(to: Path):
        """Back up the database (pg_dump, or SQLite's online backup) and every stored file into DIR,
        with a manifest of their sha256 values."""
        from app.ops.backup import BackupError, create

        try:
            manifest = create(current_app.config["SQLALCHEMY_DATABASE_URI"], current_app.config["UPLOAD_FOLDER"], to)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Backup written to {to}: {_summary(manifest)}.")

    @backup_group.command("verify")
    @click.argument("backup", type=click.Path(path_type=Path))
    def verify_command(backup: Path):
        """Check a backup's manifest and every file's sha256; exit 1 naming each changed, missing or extra file."""
        from app.ops.backup import verify

        manifest, problems = verify(backup)
        if problems:
            for problem in problems:
                click.echo(f"BAD {problem}", err=True)
            click.echo(f"The backup in {backup} does not verify: {len(problems)} problem(s).", err=True)
            raise SystemExit(1)
        click.echo(f"Backup verified: {_summary(manifest)}; every file matches its sha256.")

    @backup_group.command("restore")
    @click.option("--from", "source", required=True, type=click.Path(path_type=Path), help="The backup directory.")
    def restore_command(source: Path):
        """Restore a backup into this installation's empty database and empty upload folder, then upgrade
        the schema to head. Stop the application first."""
        from app.extensions import db
        from app.ops.backup import BackupError, restore

        db.session.remove()
        current_app.extensions["db_engine"].dispose()  # no pooled connection of ours in the way
        try:
            manifest = restore(
                source, current_app.config["SQLALCHEMY_DATABASE_URI"], current_app.config["UPLOAD_FOLDER"]
            )
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            current_app.extensions["db_engine"].dispose()
        click.echo(f"Restored from {source}: {_summary(manifest)}.")
        click.echo("Now check it: flask --app wsgi audit-verify && flask --app wsgi fund-verify")
