"""Respondent keys for finding repeat infringers: ``case_respondents.name_key`` (the normalised name,
``app.respondents.keys``), back-filled for the existing rows, and the indexes that find a
respondent's cases by credit code or by that key.

Revision ID: c0e2a4b6d8f1
Revises: b8d0f2a4c6e9
Create Date: 2026-12-07 04:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

from app.respondents.keys import normalise_respondent_name

revision = "c0e2a4b6d8f1"
down_revision = "b8d0f2a4c6e9"
branch_labels = None
depends_on = None

BATCH = 2000


def backfill(bind, batch: int = BATCH) -> int:
    """Fill ``name_key`` of every respondent from its name, ``batch`` rows at a time in id order (the
    same statements on SQLite and PostgreSQL; memory stays flat however many rows there are)."""
    table = sa.table(
        "case_respondents", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("name_key", sa.String)
    )
    update = table.update().where(table.c.id == sa.bindparam("row_id")).values(name_key=sa.bindparam("key"))
    last, done = 0, 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c.name).where(table.c.id > last).order_by(table.c.id).limit(batch)
        ).all()
        if not rows:
            return done
        bind.execute(update, [{"row_id": row_id, "key": normalise_respondent_name(name)} for row_id, name in rows])
        last, done = rows[-1][0], done + len(rows)


def upgrade() -> None:
    with op.batch_alter_table("case_respondents") as batch:
        batch.add_column(sa.Column("name_key", sa.String(length=200), server_default="", nullable=False))
    backfill(op.get_bind())
    op.create_index("ix_case_respondents_name_key_case_id", "case_respondents", ["name_key", "case_id"])
    op.create_index("ix_case_respondents_credit_code_case_id", "case_respondents", ["credit_code", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_respondents_credit_code_case_id", table_name="case_respondents")
    op.drop_index("ix_case_respondents_name_key_case_id", table_name="case_respondents")
    with op.batch_alter_table("case_respondents") as batch:
        batch.drop_column("name_key")
