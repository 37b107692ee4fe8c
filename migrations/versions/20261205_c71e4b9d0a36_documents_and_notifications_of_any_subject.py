"""Documents and notifications of any workflow's subject; a document belongs to the centre that issued it.

Every existing document and notification is about a case: their subject is that case, and a
document's centre is its case's centre (the case has not moved since, or its transfer is in
its chain). A document issued under no case (a monthly report) has no ``case_id``.

Revision ID: c71e4b9d0a36
Revises: a3f9c1d27b58
Create Date: 2026-12-05 00:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "c71e4b9d0a36"
down_revision = "a3f9c1d27b58"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("centre_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("subject_type", sa.String(length=30), server_default="case", nullable=False))
        batch.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(
            "fk_documents_centre_id_centres", "centres", ["centre_id"], ["id"], ondelete="RESTRICT"
        )
        batch.create_index("ix_documents_centre_id", ["centre_id"])
        batch.create_index("ix_documents_subject", ["subject_type", "subject_id"])
    op.execute("UPDATE documents SET subject_id = case_id WHERE subject_id IS NULL")
    op.execute(
        "UPDATE documents SET centre_id = (SELECT cases.centre_id FROM cases WHERE cases.id = documents.case_id)"
        " WHERE centre_id IS NULL"
    )
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("subject_type", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE notifications SET subject_type = 'case', subject_id = case_id"
        " WHERE case_id IS NOT NULL AND subject_id IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("subject_id")
        batch.drop_column("subject_type")
    op.execute("DELETE FROM documents WHERE case_id IS NULL")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_subject")
        batch.drop_index("ix_documents_centre_id")
        batch.drop_constraint("fk_documents_centre_id_centres", type_="foreignkey")
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("subject_id")
        batch.drop_column("subject_type")
        batch.drop_column("centre_id")
