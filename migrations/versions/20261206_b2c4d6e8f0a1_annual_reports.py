"""Reports: the annual reports on SME work (one per centre and year, a workflow with its own audit chain and
the 31 January clock ``annual``, already allowed by a1b3c5d7e9f0's CHECK on ``case_clocks.name``).

Revision ID: b2c4d6e8f0a1
Revises: a1b3c5d7e9f0
Create Date: 2026-12-06 14:08:37.544537
"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "b2c4d6e8f0a1"
down_revision = "a1b3c5d7e9f0"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "annual_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft", "submitted", "issued", name="annual_report_state", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("figures_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("situation", sa.Text(), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("suggestions", sa.Text(), nullable=False),
        sa.Column("return_note", sa.Text(), nullable=False),
        sa.Column("submitted_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state <> 'issued' OR approved_at IS NOT NULL", name=op.f("ck_annual_reports_issued_has_approval")
        ),
        sa.CheckConstraint(
            "state = 'draft' OR submitted_at IS NOT NULL", name=op.f("ck_annual_reports_submitted_has_time")
        ),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_annual_reports_year_range")),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_annual_reports_approved_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_annual_reports_centre_id_centres"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_annual_reports_submitted_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_reports")),
        sa.UniqueConstraint("centre_id", "year", name="uq_annual_reports_centre_id_year"),
    )
    with op.batch_alter_table("annual_reports", schema=None) as batch_op:
        batch_op.create_index("ix_annual_reports_year_state", ["year", "state"], unique=False)


def downgrade() -> None:
    # The reports' clocks and chains go with them (their documents stay: issued documents are kept).
    op.execute("DELETE FROM case_clocks WHERE subject_type = 'annual_report'")
    op.execute("DELETE FROM audit_events WHERE chain_type = 'annual_report'")
    op.execute("DELETE FROM audit_heads WHERE chain_type = 'annual_report'")
    with op.batch_alter_table("annual_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_annual_reports_year_state")
    op.drop_table("annual_reports")
