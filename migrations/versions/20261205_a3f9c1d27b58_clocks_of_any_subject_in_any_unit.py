"""Clocks of any workflow's subject, counting working days, calendar days or months.

``subject_type``/``subject_id`` name what a clock runs on (every existing clock is its case's
own); ``unit`` says what its amount counts (every existing clock counts working days). The
amount keeps its column, ``working_days``.

Revision ID: a3f9c1d27b58
Revises: 6b1d0c2a9e47
Create Date: 2026-12-05 00:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "a3f9c1d27b58"
down_revision = "6b1d0c2a9e47"
branch_labels = None
depends_on = None

UNITS = ("working_days", "calendar_days", "months")


def upgrade() -> None:
    with op.batch_alter_table("case_clocks") as batch:
        batch.add_column(sa.Column("subject_type", sa.String(length=30), server_default="case", nullable=False))
        batch.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "unit",
                sa.Enum(*UNITS, name="clock_unit", native_enum=False, create_constraint=True, length=13),
                server_default="working_days",
                nullable=False,
            )
        )
    op.execute("UPDATE case_clocks SET subject_id = case_id WHERE subject_id IS NULL")
    op.create_index("ix_case_clocks_subject", "case_clocks", ["subject_type", "subject_id"])


def downgrade() -> None:
    op.drop_index("ix_case_clocks_subject", table_name="case_clocks")
    with op.batch_alter_table("case_clocks") as batch:
        batch.drop_constraint("clock_unit", type_="check")
        batch.drop_column("unit")
        batch.drop_column("subject_id")
        batch.drop_column("subject_type")
