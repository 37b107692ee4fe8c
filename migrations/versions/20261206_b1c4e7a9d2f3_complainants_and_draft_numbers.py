"""Complainants without a credit code, hotline calls, and drafts without an official number.

A case is brought by an enterprise, a natural person or an anonymous tip-off (``complainant_type``;
the enterprise is then null); a hotline case keeps its call (caller, phone, time, 12330 ticket). A
draft takes its number when it is submitted, so number, year and sequence become nullable (existing
drafts keep the numbers they took). An enterprise recorded by code and name alone has the size
class ``unknown`` until its figures are given.

Revision ID: b1c4e7a9d2f3
Revises: f2b7d4e1a8c5
Create Date: 2026-12-06 00:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "b1c4e7a9d2f3"
down_revision = "f2b7d4e1a8c5"
branch_labels = None
depends_on = None

SIZES = ("large", "medium", "small", "micro")
COMPLAINANTS = ("enterprise", "individual", "anonymous")
CASE_CHECKS = {
    "submitted_has_number": "state = 'draft' OR number IS NOT NULL",
    "number_complete": "(number IS NULL AND year IS NULL AND sequence IS NULL) "
    "OR (number IS NOT NULL AND year IS NOT NULL AND sequence IS NOT NULL)",
    "complainant_enterprise": "(complainant_type = 'enterprise' AND enterprise_id IS NOT NULL) "
    "OR (complainant_type <> 'enterprise' AND enterprise_id IS NULL)",
    "individual_named": "complainant_type <> 'individual' OR complainant_name <> ''",
}
CLASSIFIED = "size_class = 'unknown' OR (industry IS NOT NULL AND staff_count IS NOT NULL AND revenue_wan IS NOT NULL)"


# SQLite's batch mode rebuilds the table, which drops its triggers: the first responder's stays fixed.
SQLITE_FIRST_RESPONDER_TRIGGER = """
CREATE TRIGGER cases_first_responder_fixed BEFORE UPDATE OF first_responder_id ON cases
WHEN OLD.first_responder_id IS NOT NULL
 AND (NEW.first_responder_id IS NULL OR NEW.first_responder_id <> OLD.first_responder_id)
BEGIN SELECT RAISE(ABORT, 'the first responder of a case never changes'); END
"""


def _restore_sqlite_trigger() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS cases_first_responder_fixed")
        op.execute(SQLITE_FIRST_RESPONDER_TRIGGER)


def _sizes(values) -> str:
    return "size_class IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table("enterprises") as batch:
        batch.drop_constraint("size_class", type_="check")
        batch.alter_column("size_class", existing_type=sa.String(length=6), type_=sa.String(length=7))
        batch.alter_column("industry", existing_type=sa.String(length=24), nullable=True)
        batch.alter_column("staff_count", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("revenue_wan", existing_type=sa.Numeric(14, 2), nullable=True)
        batch.create_check_constraint("size_class", _sizes((*SIZES, "unknown")))
        batch.create_check_constraint("classified_has_figures", CLASSIFIED)

    with op.batch_alter_table("cases") as batch:
        batch.alter_column("number", existing_type=sa.String(length=40), nullable=True)
        batch.alter_column("year", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("sequence", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("enterprise_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(
            sa.Column(
                "complainant_type",
                sa.Enum(*COMPLAINANTS, name="complainant_type", native_enum=False, create_constraint=True, length=10),
                server_default="enterprise",
                nullable=False,
            )
        )
        for name, length in (
            ("complainant_name", 100),
            ("complainant_phone", 40),
            ("caller_name", 100),
            ("caller_phone", 40),
        ):
            batch.add_column(sa.Column(name, sa.String(length=length), server_default="", nullable=False))
        batch.add_column(sa.Column("called_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("call_ticket", sa.String(length=40), server_default="", nullable=False))
        for name, condition in CASE_CHECKS.items():
            batch.create_check_constraint(name, condition)
    _restore_sqlite_trigger()


def downgrade() -> None:
    # Cases of a person or an anonymous tip-off, drafts without a number and enterprises without figures
    # cannot be expressed by the older schema: the downgrade refuses rather than losing them.
    bind = op.get_bind()
    for table, condition, what in (
        ("cases", "enterprise_id IS NULL", "cases without an enterprise"),
        ("cases", "number IS NULL", "drafts without a number"),
        ("enterprises", "size_class = 'unknown'", "enterprises without their figures"),
    ):
        if bind.execute(sa.text(f"SELECT 1 FROM {table} WHERE {condition} LIMIT 1")).first() is not None:
            raise RuntimeError(f"cannot downgrade: there are {what}")

    with op.batch_alter_table("cases") as batch:
        for name in reversed(CASE_CHECKS):
            batch.drop_constraint(name, type_="check")
        batch.drop_constraint("complainant_type", type_="check")
        for name in (
            "call_ticket",
            "called_at",
            "caller_phone",
            "caller_name",
            "complainant_phone",
            "complainant_name",
            "complainant_type",
        ):
            batch.drop_column(name)
        batch.alter_column("enterprise_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("sequence", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("year", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("number", existing_type=sa.String(length=40), nullable=False)
    _restore_sqlite_trigger()

    with op.batch_alter_table("enterprises") as batch:
        batch.drop_constraint("classified_has_figures", type_="check")
        batch.drop_constraint("size_class", type_="check")
        batch.alter_column("revenue_wan", existing_type=sa.Numeric(14, 2), nullable=False)
        batch.alter_column("staff_count", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("industry", existing_type=sa.String(length=24), nullable=False)
        batch.alter_column("size_class", existing_type=sa.String(length=7), type_=sa.String(length=6))
        batch.create_check_constraint("size_class", _sizes(SIZES))
