"""Case list: a trigram index for the text search (PostgreSQL), indexes for the priority order and date filters.

On PostgreSQL, ``search_text LIKE '%words%'`` is answered by a GIN index with pg_trgm's
``gin_trgm_ops`` instead of reading every case. SQLite has no such index type: there the
declared index is an empty partial index (``WHERE 0``), so that both databases carry the
schema the models declare (``alembic check`` stays clean) while SQLite pays nothing for it;
its search reads search_text row by row, which measures fast enough at 100,000 cases.

Revision ID: c220e6ba5f67
Revises: fa848f12411a
Create Date: 2026-11-21 12:32:40.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "c220e6ba5f67"
down_revision = "fa848f12411a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_cases_search_text_trgm",
        "cases",
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
        sqlite_where=sa.text("0"),
    )
    op.create_index("ix_cases_priority_created_at_id", "cases", ["priority", "created_at", "id"])
    op.create_index("ix_cases_submitted_at", "cases", ["submitted_at"])
    # A search for a whole patent number starts from the rights that carry it.
    op.create_index("ix_case_rights_number", "case_rights", ["number"])


def downgrade() -> None:
    op.drop_index("ix_case_rights_number", table_name="case_rights")
    op.drop_index("ix_cases_submitted_at", table_name="cases")
    op.drop_index("ix_cases_priority_created_at_id", table_name="cases")
    op.drop_index("ix_cases_search_text_trgm", table_name="cases")
    # The pg_trgm extension stays: other objects of the database may use it, and it holds no data.
