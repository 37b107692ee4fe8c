"""My work at national scale: a person's cases on the board, by who answers for them.

- ``ix_cases_owner_open`` and ``ix_cases_first_responder_open``: the open (and declined) cases of one
  owner, of one first responder, with their next due time. "My work" read them by intersecting the
  owner index with every open case's state (12,000 index entries at 100,000 cases, ten times that
  at a million); now it reads the person's own cases on the board and nothing else.

Revision ID: f7b9d1e3a5c7
Revises: e5f7a9b1c3d5
Create Date: 2026-12-07 01:10:00
"""

from alembic import op
from sqlalchemy import text

revision = "f7b9d1e3a5c7"
down_revision = "e5f7a9b1c3d5"
branch_labels = None
depends_on = None

# The board's states as they were when this revision was written (``app.cases.enums.BOARD_STATES_SQL``).
BOARD = "state IN ('draft', 'submitted', 'acknowledged', 'awaiting_material', 'accepted', 'in_progress', 'resolved', 'declined')"


def _partial(where: str) -> dict:
    return {"sqlite_where": text(where), "postgresql_where": text(where)}


def upgrade() -> None:
    op.create_index("ix_cases_owner_open", "cases", ["owner_id", "next_due_at"], unique=False, **_partial(BOARD))
    op.create_index(
        "ix_cases_first_responder_open", "cases", ["first_responder_id", "next_due_at"], unique=False, **_partial(BOARD)
    )


def downgrade() -> None:
    op.drop_index("ix_cases_first_responder_open", table_name="cases")
    op.drop_index("ix_cases_owner_open", table_name="cases")
