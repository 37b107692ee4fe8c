"""Reports: the issued monthly reports (one per centre and month), indexes on the decision and
closing times of cases (the reports count them per month), the documents ``monthly_report`` and
``annual_report`` and the clock ``annual`` (the annual report's 31 January deadline) in the CHECK
constraints of ``documents.kind`` and ``case_clocks.name``.

Revision ID: a1b3c5d7e9f0
Revises: f1a3b5c7d9e2
Create Date: 2026-12-06 14:03:42.110856
"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "a1b3c5d7e9f0"
down_revision = "f1a3b5c7d9e2"
branch_labels = None
depends_on = None

OLD_CLOCKS = (
    "response",
    "handling",
    "feedback",
    "reply",
    "mediation",
    "confirmation",
    "performance",
    "send",
    "chase",
    "follow_up",
    "fund_review",
)
CLOCKS = (*OLD_CLOCKS, "annual")
OLD_DOCUMENTS = (
    "acceptance_notice",
    "non_acceptance_notice",
    "case_summary",
    "mediation_agreement",
    "mediation_termination",
    "protection_plan",
    "transfer_letter",
    "chase_letter",
    "visit_record",
    "fund_decision",
    "fund_refusal",
    "fund_statement",
)
DOCUMENTS = (*OLD_DOCUMENTS, "monthly_report", "annual_report")


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _widen(table: str, column: str, check: str, values) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(check, type_="check")
        batch.create_check_constraint(check, _in(column, values))


def upgrade() -> None:
    op.create_table(
        "monthly_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_monthly_reports_centre_id_centres"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_monthly_reports_document_id_documents"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name=op.f("fk_monthly_reports_issued_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_reports")),
        sa.UniqueConstraint("centre_id", "month", name="uq_monthly_reports_centre_id_month"),
        sa.UniqueConstraint("document_id", name=op.f("uq_monthly_reports_document_id")),
    )
    with op.batch_alter_table("monthly_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monthly_reports_centre_id"), ["centre_id"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_closed_at", ["closed_at"], unique=False)
        batch_op.create_index("ix_cases_decided_at", ["decided_at"], unique=False)
    _widen("case_clocks", "name", "clock_name", CLOCKS)
    _widen("documents", "kind", "document_kind", DOCUMENTS)


def downgrade() -> None:
    op.execute("DELETE FROM case_clocks WHERE name = 'annual'")
    op.drop_table("monthly_reports")
    op.execute("DELETE FROM documents WHERE kind IN ('monthly_report', 'annual_report')")
    _widen("case_clocks", "name", "clock_name", OLD_CLOCKS)
    _widen("documents", "kind", "document_kind", OLD_DOCUMENTS)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_decided_at")
        batch_op.drop_index("ix_cases_closed_at")
