"""Indexes of the referral list and the running clocks: the list's order (when the agency was last
heard of, then id) read straight from an index however deep the page; the newest change of any
referral (what the state counts' cache compares) read from its index; and the running clocks of one
kind of subject by due time (the overdue referrals of the list, the scan's candidates).

Revision ID: e1a3c5d7f9b2
Revises: c0e2a4b6d8f1
Create Date: 2026-12-06 07:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "e1a3c5d7f9b2"
down_revision = "c0e2a4b6d8f1"
branch_labels = None
depends_on = None

RUNNING = "met_at IS NULL AND stopped_at IS NULL"


def upgrade():
    op.create_index("ix_referrals_heard", "referrals", [sa.text("coalesce(last_word_at, sent_at)"), "id", "state"])
    op.create_index("ix_referrals_updated_at", "referrals", ["updated_at"])
    op.create_index(
        "ix_case_clocks_running_subject_due",
        "case_clocks",
        ["subject_type", "due_at", "subject_id", "paused_at"],
        sqlite_where=sa.text(RUNNING),
        postgresql_where=sa.text(RUNNING),
    )


def downgrade():
    op.drop_index("ix_case_clocks_running_subject_due", table_name="case_clocks")
    op.drop_index("ix_referrals_updated_at", table_name="referrals")
    op.drop_index("ix_referrals_heard", table_name="referrals")
