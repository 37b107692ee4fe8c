"""Index pending join requests by status, so staff find them without scanning every membership.

Revision ID: 5826d5701d8f
Revises: 1ecfe3c36415
Create Date: 2026-11-21 11:59:14.206772
"""

from alembic import op

revision = "5826d5701d8f"
down_revision = "1ecfe3c36415"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_enterprise_members_status_enterprise_id", "enterprise_members", ["status", "enterprise_id"])


def downgrade() -> None:
    op.drop_index("ix_enterprise_members_status_enterprise_id", table_name="enterprise_members")
