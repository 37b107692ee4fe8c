"""Page speed at national scale: indexes each page's filters can use.

- ``ix_case_clocks_due_at_met_at_cover`` replaces ``ix_case_clocks_due_at_met_at`` with the columns the
  on-time rates group and filter by, so the rates of a month read the index alone.
- ``ix_case_clocks_running_due`` (running clocks by due time) also holds what the SLA scan and the
  escalation board filter by and join on.
- ``ix_cases_board``: the cases the escalation board shows (open or declined), with their state and
  scope, so its join from the running clocks reads no case row.

Revision ID: e5f7a9b1c3d5
Revises: d4e6f8a0b2c3
Create Date: 2026-12-06 21:30:00
"""

from alembic import op
from sqlalchemy import text

revision = "e5f7a9b1c3d5"
down_revision = "d4e6f8a0b2c3"
branch_labels = None
depends_on = None

COVER = ["due_at", "met_at", "name", "centre_id", "responsible_id", "stopped_at", "paused_at"]
RUNNING = "met_at IS NULL AND stopped_at IS NULL"
RUNNING_COVER = ["due_at", "warn_at", "paused_at", "case_id", "centre_id", "met_at", "stopped_at"]
# The states as they were when this revision was written (a later change of the board's states moves
# the index in a revision of its own).
BOARD = "state IN ('draft', 'submitted', 'acknowledged', 'awaiting_material', 'accepted', 'in_progress', 'resolved', 'declined')"


def _partial(where: str) -> dict:
    return {"sqlite_where": text(where), "postgresql_where": text(where)}


def upgrade() -> None:
    op.create_index("ix_case_clocks_due_at_met_at_cover", "case_clocks", COVER, unique=False)
    op.drop_index("ix_case_clocks_due_at_met_at", table_name="case_clocks")
    op.drop_index("ix_case_clocks_running_due", table_name="case_clocks")
    op.create_index("ix_case_clocks_running_due", "case_clocks", RUNNING_COVER, unique=False, **_partial(RUNNING))
    op.create_index("ix_cases_board", "cases", ["id", "state", "centre_id", "filed_by_id"], **_partial(BOARD))


def downgrade() -> None:
    op.drop_index("ix_cases_board", table_name="cases")
    op.drop_index("ix_case_clocks_running_due", table_name="case_clocks")
    op.create_index("ix_case_clocks_running_due", "case_clocks", ["due_at"], unique=False, **_partial(RUNNING))
    op.create_index("ix_case_clocks_due_at_met_at", "case_clocks", ["due_at", "met_at"], unique=False)
    op.drop_index("ix_case_clocks_due_at_met_at_cover", table_name="case_clocks")
