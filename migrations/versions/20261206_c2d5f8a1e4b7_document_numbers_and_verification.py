"""Document numbers of each centre's series, verification codes, and the centre's particulars.

Revision ID: c2d5f8a1e4b7
Revises: b1c4e7a9d2f3
Create Date: 2026-12-06 00:00:00.000000
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "c2d5f8a1e4b7"
down_revision = "b1c4e7a9d2f3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_sequences",
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centres.id"],
            name=op.f("fk_document_sequences_centre_id_centres"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("centre_id", "series", "year", name=op.f("pk_document_sequences")),
    )
    with op.batch_alter_table("centres") as batch:
        batch.add_column(sa.Column("contact_person", sa.String(length=100), server_default="", nullable=False))
        batch.add_column(sa.Column("document_prefix", sa.String(length=20), server_default="", nullable=False))
        batch.add_column(sa.Column("document_pattern", sa.String(length=60), server_default="", nullable=False))
        batch.add_column(sa.Column("signing_certificate", sa.String(length=255), nullable=True))
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("number", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("series", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("verification_code", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("is_signed", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.create_unique_constraint(
            op.f("uq_documents_centre_series_year_sequence"), ["centre_id", "series", "year", "sequence"]
        )
        batch.create_unique_constraint(op.f("uq_documents_verification_code"), ["verification_code"])


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint(op.f("uq_documents_verification_code"), type_="unique")
        batch.drop_constraint(op.f("uq_documents_centre_series_year_sequence"), type_="unique")
        batch.drop_column("is_signed")
        batch.drop_column("verification_code")
        batch.drop_column("sequence")
        batch.drop_column("year")
        batch.drop_column("series")
        batch.drop_column("number")
    with op.batch_alter_table("centres") as batch:
        batch.drop_column("signing_certificate")
        batch.drop_column("document_pattern")
        batch.drop_column("document_prefix")
        batch.drop_column("contact_person")
    op.drop_table("document_sequences")
