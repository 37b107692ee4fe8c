"""The audit chain covers whole records: each case event seals a digest of the case's fields.

A nullable column: events recorded before it have no digest, and their hashes (which did not
cover one) stay valid; every event recorded from now on carries one.

Revision ID: 6b1d0c2a9e47
Revises: 317396fdd997
Create Date: 2026-12-04 23:55:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "6b1d0c2a9e47"
down_revision = "317396fdd997"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_events") as batch:
        batch.add_column(sa.Column("digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_events") as batch:
        batch.drop_column("digest")
