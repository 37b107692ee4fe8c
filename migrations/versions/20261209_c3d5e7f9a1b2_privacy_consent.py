"""Privacy: consent to the privacy notice recorded at registration, and accounts closed at their owner's request.

Existing accounts have not consented to any version of the notice: an applicant is asked once at
their next login (staff are not asked). No account is closed.

Revision ID: c3d5e7f9a1b2
Revises: b2c4d6e8f0a1
Create Date: 2026-12-06 17:35:00
"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "c3d5e7f9a1b2"
down_revision = "b2c4d6e8f0a1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("privacy_consented_at", app.core.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("privacy_notice_version", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("closed_at", app.core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("closed_at")
        batch.drop_column("privacy_notice_version")
        batch.drop_column("privacy_consented_at")
