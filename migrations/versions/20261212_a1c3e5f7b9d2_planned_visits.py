"""My work's planned visits: ``ix_visits_planned``, the planned visits by day.

"My work" lists the planned visits a person goes on, the soonest first. PostgreSQL read every visit
the person ever went on (6,500 staff rows for the generated national caseworker) and hashed them
against every planned visit; with the planned ones in day order it reads them from the soonest and
asks the staff table's key of each until the page is full.

Revision ID: a1c3e5f7b9d2
Revises: f7b9d1e3a5c7
Create Date: 2026-12-07 04:40:00
"""

from alembic import op
from sqlalchemy import text

revision = "a1c3e5f7b9d2"
down_revision = "f7b9d1e3a5c7"
branch_labels = None
depends_on = None

PLANNED = "state = 'planned'"


def upgrade() -> None:
    op.create_index(
        "ix_visits_planned",
        "visits",
        ["planned_on", "id"],
        unique=False,
        sqlite_where=text(PLANNED),
        postgresql_where=text(PLANNED),
    )


def downgrade() -> None:
    op.drop_index("ix_visits_planned", table_name="visits")
