"""``flask --app wsgi fund-verify``: recompute every fund from its ledger and fail on any difference.

Checks that each fund's money held, committed and available are what its entries add up to (and that
money held is committed plus available), that its entries are numbered without a gap, that each entry
is what the fund's audit chain sealed when it was posted, that each request's amounts committed,
paid, released and clawed back, and each membership's contributions, match their movements. Prints
one line of JSON; exit 1 when anything differs.
"""

from __future__ import annotations

import json

import click


def register_fund_cli(app) -> None:
    @app.cli.command("fund-verify")
    def fund_verify_command():
        """Recompute every fund from its ledger; exit 1 on any difference."""
        from sqlalchemy import func, select

        from app.extensions import db
        from app.fund.ledger import verify
        from app.fund.models import Fund, LedgerEntry

        problems = verify()
        funds = db.session.execute(select(func.count()).select_from(Fund)).scalar_one()
        entries = db.session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
        click.echo(json.dumps({"funds": funds, "entries": entries, "problems": problems}, ensure_ascii=False))
        if problems:
            raise SystemExit(1)
