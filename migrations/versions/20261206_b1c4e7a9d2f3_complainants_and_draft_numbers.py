"""Complainants without a credit code, hotline calls, and drafts without an official number.

Revision ID: b1c4e7a9d2f3
Revises: f2b7d4e1a8c5
Create Date: 2026-12-06 00:00:00.000000
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "b1c4e7a9d2f3"
down_revision = "f2b7d4e1a8c5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
