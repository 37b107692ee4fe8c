"""Command-line tools: ``flask --app wsgi seed-demo``, ``create-user``, ``demo-accounts``."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db


def register_cli(app: Flask) -> None:
    from app.agencies.cli import register_agency_cli
    from app.api.cli import register_api_cli
    from app.cases.cli import register_case_cli
    from app.clocks.cli import register_clock_cli
    from app.core.signing import register_signing_cli
    from app.fund.cli import register_fund_cli
    from app.ops.cli import register_backup_cli
    from app.privacy.cli import register_privacy_cli
    from app.reports.cli import register_reports_cli

    register_case_cli(app)
    register_api_cli(app)
    register_clock_cli(app)
    register_signing_cli(app)
    register_agency_cli(app)
    register_fund_cli(app)
    register_reports_cli(app)
    register_backup_cli(app)
    register_privacy_cli(app)

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only seed when the database has no centre yet.")
    def seed_demo_command(if_empty: bool):
        """Load the demo centres, staff, enterprises and applicants (idempotent)."""
        from app.admin.demo import seed_demo
        from app.centres.models import Centre

        if if_empty and db.session.scalar(select(func.count(Centre.id))):
            click.echo("Demo data: database already has data, nothing loaded.")
            return
        created = seed_demo()
        db.session.commit()
        click.echo(
            "Demo data: {centres} centres, {users} users, {enterprises} enterprises, {cases} cases created.".format(
                **created
            )
        )

    @app.cli.command("demo-accounts")
    def demo_accounts_command():
        """Print the demo accounts, one per role."""
        from app.admin.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

        click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD})")
        for role, email in DEMO_ACCOUNTS:
            click.echo(f"  {role:<15} {email}")

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option(
        "--role",
        required=True,
        type=click.Choice(["applicant", "caseworker", "mediator", "supervisor", "fund_committee", "admin"]),
    )
    @click.option("--centre", "centre_code", help="Centre code (required for staff).")
    @click.option("--password", help="Prompted for when not given.")
    def create_user_command(email, name, role, centre_code, password):
        """Create an account, e.g. the first administrator of a new installation."""
        from app.auth.models import Role
        from app.auth.services import new_user
        from app.centres.models import Centre
        from app.core.errors import ServiceError

        if password is None:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        centre = None
        if centre_code:
            centre = db.session.execute(select(Centre).where(Centre.code == centre_code.upper())).scalar_one_or_none()
            if centre is None:
                raise click.ClickException(f"No centre with code {centre_code!r}.")
        try:
            user = new_user(email=email, name=name, role=Role(role), centre=centre, password=password)
        except ServiceError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc.message)) from None
        db.session.commit()
        click.echo(f"Created {user.role.value} {user.email}" + (f" at {centre.code}" if centre else ""))
