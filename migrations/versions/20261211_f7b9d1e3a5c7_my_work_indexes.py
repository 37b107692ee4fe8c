"""My work and the home page at national scale: the board's cases by who answers for them, and by state.

- ``ix_cases_owner_open`` and ``ix_cases_first_responder_open``: the open (and declined) cases of one
  owner, of one first responder, by their next due time. "My work" read them by intersecting the
  owner index with every open case's state (12,000 index entries at 100,000 cases, ten times that
  at a million); now it reads the person's own cases on the board, the earliest due first.
- ``ix_case_clocks_tracks_running``: the running clocks of tracks (mediations, referrals, visits'
  follow-ups) by the person answering for them, by due time ("my work": read from the person's
  clocks and every running clock intersected, 130,000 index entries at a million cases).
- ``ix_cases_board_centre``: the board's cases of one centre (a workstation's escalation board; without
  it PostgreSQL read a whole partial index of the board's cases, 220,000 entries at a million, to
  learn which of the centre's cases are on the board).
- ``ix_cases_state_due``: the board's cases of one state by next due time (the home page's cases to
  acknowledge, the earliest due first: five read, not the country's five thousand sorted).

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

TRACKS_RUNNING = "met_at IS NULL AND stopped_at IS NULL AND subject_type <> 'case'"


def _partial(where: str) -> dict:
    return {"sqlite_where": text(where), "postgresql_where": text(where)}


def upgrade() -> None:
    op.create_index(
        "ix_cases_owner_open", "cases", ["owner_id", "next_due_at", "state"], unique=False, **_partial(BOARD)
    )
    op.create_index(
        "ix_cases_first_responder_open", "cases", ["first_responder_id", "next_due_at"], unique=False, **_partial(BOARD)
    )
    op.create_index(
        "ix_case_clocks_tracks_running", "case_clocks", ["responsible_id", "due_at", "id"], **_partial(TRACKS_RUNNING)
    )
    op.create_index("ix_cases_board_centre", "cases", ["centre_id", "id"], unique=False, **_partial(BOARD))
    op.create_index(
        "ix_cases_state_due", "cases", ["state", "next_due_at", "id", "centre_id"], unique=False, **_partial(BOARD)
    )


def downgrade() -> None:
    op.drop_index("ix_cases_state_due", table_name="cases")
    op.drop_index("ix_cases_board_centre", table_name="cases")
    op.drop_index("ix_case_clocks_tracks_running", table_name="case_clocks")
    op.drop_index("ix_cases_first_responder_open", table_name="cases")
    op.drop_index("ix_cases_owner_open", table_name="cases")
