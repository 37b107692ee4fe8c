"""``ix_case_clocks_waiting_person``: the clocks waiting for a calendar, by the person answering for them.

The home page tells a person when a deadline they answer for waits for a year's calendar nobody has
entered. PostgreSQL intersected every clock waiting for that year (10,000 at a million cases) with
every clock of the person (33,000 for the generated national caseworker), 3 ms; this reads the
person's own waiting clocks.

Revision ID: b3d5f7a9c1e4
Revises: a1c3e5f7b9d2
Create Date: 2026-12-07 08:40:00
"""

from alembic import op
from sqlalchemy import text

revision = "b3d5f7a9c1e4"
down_revision = "a1c3e5f7b9d2"
branch_labels = None
depends_on = None

WAITING = "unknown_year IS NOT NULL AND met_at IS NULL AND stopped_at IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_case_clocks_waiting_person",
        "case_clocks",
        ["responsible_id", "unknown_year"],
        unique=False,
        sqlite_where=text(WAITING),
        postgresql_where=text(WAITING),
    )


def downgrade() -> None:
    op.drop_index("ix_case_clocks_waiting_person", table_name="case_clocks")
