"""``flask --app wsgi api-token create|list|revoke``: tokens of the integration API."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from app.extensions import db


def _when(value) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "-"


def register_api_cli(app) -> None:
    @app.cli.group("api-token")
    def token_group():
        """Tokens of the integration API (stored hashed; shown once when created)."""

    @token_group.command("create")
    @click.option("--email", required=True, help="The account the token acts as.")
    @click.option("--name", default="", help="What the token is for, e.g. the calling system.")
    def create_command(email: str, name: str):
        """Issue a token and print it (it cannot be shown again)."""
        from app.api.services import issue_token
        from app.auth.models import User
        from app.core.errors import ServiceError

        user = db.session.execute(
            select(User).where(func.lower(User.email) == email.strip().lower())
        ).scalar_one_or_none()
        if user is None:
            raise click.ClickException(f"No account with e-mail {email!r}.")
        try:
            token, value = issue_token(user, name)
        except ServiceError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc.message)) from None
        db.session.commit()
        click.echo(f"Token {token.prefix}… for {user.email} ({user.role.value}); copy it now, it is not shown again:")
        click.echo(value)

    @token_group.command("list")
    @click.option("--email", default=None, help="Only this account's tokens.")
    def list_command(email: str | None):
        """Show tokens: id, prefix, account, name, created, last used, revoked."""
        from app.api.models import ApiToken
        from app.auth.models import User

        stmt = select(ApiToken, User.email).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
        if email:
            stmt = stmt.where(func.lower(User.email) == email.strip().lower())
        rows = db.session.execute(stmt).all()
        if not rows:
            click.echo("No tokens.")
            return
        click.echo(
            f"{'id':>5}  {'prefix':<12}  {'account':<30}  {'name':<20}  {'created':<25}  {'last used':<25}  revoked"
        )
        for token, user_email in rows:
            click.echo(
                f"{token.id:>5}  {token.prefix:<12}  {user_email:<30}  {token.name:<20}  {_when(token.created_at):<25}  "
                f"{_when(token.last_used_at):<25}  {_when(token.revoked_at)}"
            )

    @token_group.command("revoke")
    @click.option("--prefix", default=None, help="The token's prefix as listed (e.g. ipaid_AbC123).")
    @click.option("--id", "token_id", type=int, default=None, help="The token's id as listed.")
    def revoke_command(prefix: str | None, token_id: int | None):
        """Revoke a token by its prefix or id; it answers 401 from then on."""
        from app.api.models import ApiToken
        from app.api.services import find_tokens, revoke_token

        if (prefix is None) == (token_id is None):
            raise click.UsageError("Give either --prefix or --id.")
        if token_id is not None:
            found = db.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
            tokens = [found] if found is not None else []
        else:
            tokens = find_tokens(prefix.strip())
        if not tokens:
            raise click.ClickException("No such token.")
        if len(tokens) > 1:
            ids = ", ".join(str(t.id) for t in tokens)
            raise click.ClickException(f"Several tokens share this prefix (ids {ids}); revoke with --id.")
        token = revoke_token(tokens[0])
        db.session.commit()
        click.echo(f"Revoked token {token.id} ({token.prefix}…) at {_when(token.revoked_at)}.")
