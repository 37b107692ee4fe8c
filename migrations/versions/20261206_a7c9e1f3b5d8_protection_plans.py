"""Rights-protection plans, their comparison rows and recommended routes.

Revision ID: a7c9e1f3b5d8
Revises: f6b8d0e2a4c7
Create Date: 2026-12-06 01:50:00.000000
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import app.core.db  # noqa: F401

revision = "a7c9e1f3b5d8"
down_revision = "f6b8d0e2a4c7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled by the plans feature


def downgrade() -> None:
    pass
