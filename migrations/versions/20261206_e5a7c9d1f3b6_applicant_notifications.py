"""Notifications to applicants: delivery channels, delivery state, and how staff told them.

Revision ID: e5a7c9d1f3b6
Revises: d3e6a9b2f5c8
Create Date: 2026-12-06 00:00:00.000000
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "e5a7c9d1f3b6"
down_revision = "d3e6a9b2f5c8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
