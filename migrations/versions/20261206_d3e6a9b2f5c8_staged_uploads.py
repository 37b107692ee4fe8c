"""Staged uploads: evidence files kept across a failed form submit.

Revision ID: d3e6a9b2f5c8
Revises: c2d5f8a1e4b7
Create Date: 2026-12-06 00:00:00.000000
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "d3e6a9b2f5c8"
down_revision = "c2d5f8a1e4b7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
