"""Staged uploads: evidence files kept across a failed form submit.

Revision ID: d3e6a9b2f5c8
Revises: c2d5f8a1e4b7
Create Date: 2026-12-06 00:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "d3e6a9b2f5c8"
down_revision = "c2d5f8a1e4b7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staged_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("storage_path", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_staged_uploads_size_positive")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_staged_uploads_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staged_uploads")),
        sa.UniqueConstraint("storage_path", name=op.f("uq_staged_uploads_storage_path")),
        sa.UniqueConstraint("token", name=op.f("uq_staged_uploads_token")),
    )
    op.create_index("ix_staged_uploads_created_at", "staged_uploads", ["created_at"], unique=False)
    op.create_index("ix_staged_uploads_owner_id_created_at", "staged_uploads", ["owner_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_staged_uploads_owner_id_created_at", table_name="staged_uploads")
    op.drop_index("ix_staged_uploads_created_at", table_name="staged_uploads")
    op.drop_table("staged_uploads")
