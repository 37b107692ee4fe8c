"""Privacy: retention of complainants' personal data after closing, and the staff's read-access log.

``cases.anonymised_at`` (when the retention period's anonymisation replaced the complainant's
personal fields, ``app.privacy.retention``) and ``personal_data_reads`` (who of the staff read which
case's personal data, ``app.privacy.access_log``), append-only: a trigger refuses any update or
delete of its rows. The retention period itself is a centre setting (``centre_settings``), no column.

Revision ID: d4e6f8a0b2c3
Revises: c3d5e7f9a1b2
Create Date: 2026-12-06 17:35:00
"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "d4e6f8a0b2c3"
down_revision = "c3d5e7f9a1b2"
branch_labels = None
depends_on = None

TABLE = "personal_data_reads"
KINDS = ("case_page", "evidence", "document", "api_case", "export")
MESSAGE = "the log of reads of personal data is append-only"
# As ``b1c4e7a9d2f3`` left it.
SQLITE_FIRST_RESPONDER_TRIGGER = """
CREATE TRIGGER cases_first_responder_fixed BEFORE UPDATE OF first_responder_id ON cases
WHEN OLD.first_responder_id IS NOT NULL
 AND (NEW.first_responder_id IS NULL OR NEW.first_responder_id <> OLD.first_responder_id)
BEGIN SELECT RAISE(ABORT, 'the first responder of a case never changes'); END
"""


def _append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION personal_data_reads_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            f"CREATE TRIGGER personal_data_reads_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION personal_data_reads_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER personal_data_reads_no_{event.lower()} BEFORE {event} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def upgrade() -> None:
    # SQLite adds a nullable column in place (no table rebuild: the cases' triggers stay).
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("anonymised_at", app.core.db.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "what",
            sa.Enum(*KINDS, name="personal_data_read_kind", native_enum=False, create_constraint=True, length=9),
            nullable=False,
        ),
        sa.Column("at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("client_address", sa.String(length=64), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_personal_data_reads_case_id_cases"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_personal_data_reads_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_reads")),
    )
    op.create_index("ix_personal_data_reads_case_id_id", TABLE, ["case_id", "id"])
    op.create_index("ix_personal_data_reads_user_id_id", TABLE, ["user_id", "id"])
    op.create_index("ix_personal_data_reads_at", TABLE, ["at"])
    _append_only()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS personal_data_reads_append_only ON {TABLE}")
        op.execute("DROP FUNCTION IF EXISTS personal_data_reads_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS personal_data_reads_no_update")
        op.execute("DROP TRIGGER IF EXISTS personal_data_reads_no_delete")
    op.drop_index("ix_personal_data_reads_at", table_name=TABLE)
    op.drop_index("ix_personal_data_reads_user_id_id", table_name=TABLE)
    op.drop_index("ix_personal_data_reads_case_id_id", table_name=TABLE)
    op.drop_table(TABLE)
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("anonymised_at")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's batch mode rebuilds the table to drop a column, which drops its triggers.
        op.execute("DROP TRIGGER IF EXISTS cases_first_responder_fixed")
        op.execute(SQLITE_FIRST_RESPONDER_TRIGGER)
