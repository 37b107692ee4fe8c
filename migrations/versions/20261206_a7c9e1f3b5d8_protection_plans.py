"""Rights-protection plans: one table; the comparison rows, the evidence lists and the recommended routes
are JSON lists on the plan (edited, reviewed, issued and revised as one document with it, and covered by
the digest the case's chain seals of the plan's row).

The document kind ``protection_plan`` was added to ``documents.kind`` by the mediations revision.

Revision ID: a7c9e1f3b5d8
Revises: f6b8d0e2a4c7
Create Date: 2026-12-06 01:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "a7c9e1f3b5d8"
down_revision = "f6b8d0e2a4c7"
branch_labels = None
depends_on = None

OPEN_STATES = sa.text("state IN ('draft', 'in_review', 'approved')")
RIGHT_TYPES = (
    "invention_patent",
    "utility_model",
    "design",
    "trademark",
    "copyright",
    "geographical_indication",
    "trade_secret",
    "plant_variety",
    "ic_layout",
    "other",
)


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "in_review",
                "approved",
                "issued",
                "superseded",
                name="plan_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("right_position", sa.Integer(), nullable=True),
        sa.Column(
            "right_type",
            sa.Enum(*RIGHT_TYPES, name="plan_right_type", native_enum=False, create_constraint=True),
            nullable=True,
        ),
        sa.Column("right_number", sa.String(length=60), nullable=False),
        sa.Column("right_title", sa.String(length=200), nullable=False),
        sa.Column("right_scope", sa.Text(), nullable=False),
        sa.Column("comparison", sa.JSON(), nullable=False),
        sa.Column("evidence_held", sa.JSON(), nullable=False),
        sa.Column("evidence_needed", sa.JSON(), nullable=False),
        sa.Column("routes", sa.JSON(), nullable=False),
        sa.Column("damages_fen", sa.BigInteger(), nullable=True),
        sa.Column("damages_basis", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("issued_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(revision = 1 AND supersedes_id IS NULL) OR (revision > 1 AND supersedes_id IS NOT NULL)",
            name=op.f("ck_plans_revision_supersedes"),
        ),
        sa.CheckConstraint("damages_fen IS NULL OR damages_fen >= 0", name=op.f("ck_plans_damages_not_negative")),
        sa.CheckConstraint(
            "state NOT IN ('issued', 'superseded') OR issued_at IS NOT NULL", name=op.f("ck_plans_issued_has_time")
        ),
        sa.CheckConstraint(
            "state <> 'superseded' OR superseded_at IS NOT NULL", name=op.f("ck_plans_superseded_has_time")
        ),
        sa.CheckConstraint(
            "state NOT IN ('approved', 'issued', 'superseded') OR approved_at IS NOT NULL",
            name=op.f("ck_plans_approved_has_time"),
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_plans_case_id_cases"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_plans_centre_id_centres"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["plans.id"], name=op.f("fk_plans_supersedes_id_plans"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_plans_created_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_plans_submitted_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_plans_approved_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name=op.f("fk_plans_issued_by_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("case_id", "revision", name="uq_plans_case_id_revision"),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_plans_supersedes_id")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index("ix_plans_centre_id_state", ["centre_id", "state"], unique=False)
        batch_op.create_index(
            "uq_plans_one_open_per_case",
            ["case_id"],
            unique=True,
            sqlite_where=OPEN_STATES,
            postgresql_where=OPEN_STATES,
        )


def downgrade() -> None:
    # The PDFs issued for plans stay on record (their kind is the mediations revision's to remove).
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index("uq_plans_one_open_per_case", sqlite_where=OPEN_STATES, postgresql_where=OPEN_STATES)
        batch_op.drop_index("ix_plans_centre_id_state")
    op.drop_table("plans")
