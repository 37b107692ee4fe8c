"""Case list "due first" and the overdue filter: an index on (next_due_at, id).

Due times tie often (every clock is due at 23:59:59 China time of its last day), so the list's
keyset order (next due time, then id) needs the id in the index for a page to start its range
scan at the cursor. It replaces the single-column index on next_due_at, its prefix.

Revision ID: 317396fdd997
Revises: 5485e05259af
Create Date: 2026-12-02 09:00:00.000000
"""

from alembic import op

revision = "317396fdd997"
down_revision = "5485e05259af"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_next_due_at_id", "cases", ["next_due_at", "id"])
    op.drop_index("ix_cases_next_due_at", table_name="cases")


def downgrade() -> None:
    op.create_index("ix_cases_next_due_at", "cases", ["next_due_at"])
    op.drop_index("ix_cases_next_due_at_id", table_name="cases")
