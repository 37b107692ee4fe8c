"""A case's chain also records the events of tracks handled under it, naming their subject.

Revision ID: e4a8b2c6d913
Revises: c71e4b9d0a36
Create Date: 2026-12-05 00:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "e4a8b2c6d913"
down_revision = "c71e4b9d0a36"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_events") as batch:
        batch.add_column(sa.Column("subject_type", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_events") as batch:
        batch.drop_column("subject_id")
        batch.drop_column("subject_type")
