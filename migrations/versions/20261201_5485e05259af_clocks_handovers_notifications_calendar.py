"""The three clocks of a case, handovers and transfers, notifications, entered calendar years.

Cases get ``number_centre_id``, the centre whose sequence issued the number (a transferred case
keeps its number; the gapless-number constraint moves to that column), and ``next_due_at``.
Also a trigger that keeps a case's first responder fixed once set (the model refuses the
change too; the trigger holds for any other writer of the database). Cases filed before this
revision have no clocks: their deadlines were not recorded when they ran.

Revision ID: 5485e05259af
Revises: c220e6ba5f67
Create Date: 2026-12-01 19:00:42.647697
"""

import sqlalchemy as sa
from alembic import op

import app.core.db


revision = "5485e05259af"
down_revision = "c220e6ba5f67"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_calendar_years_year_range")),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["users.id"], name=op.f("fk_calendar_years_entered_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("is_working_day", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["year"], ["calendar_years.year"], name=op.f("fk_calendar_days_year_calendar_years"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    with op.batch_alter_table("calendar_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_days_year"), ["year"], unique=False)

    op.create_table(
        "case_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "name",
            sa.Enum("response", "handling", "feedback", name="clock_name", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("trigger", sa.String(length=30), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("started_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("warn_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unknown_year", sa.Integer(), nullable=True),
        sa.Column("paused_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("pauses", sa.JSON(), nullable=False),
        sa.Column("met_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_soon_recorded_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("breach_recorded_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("met_at IS NULL OR stopped_at IS NULL", name=op.f("ck_case_clocks_met_or_stopped")),
        sa.CheckConstraint("working_days >= 0", name=op.f("ck_case_clocks_working_days_not_negative")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_clocks_case_id_cases"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_case_clocks_centre_id_centres"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["responsible_id"], ["users.id"], name=op.f("fk_case_clocks_responsible_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_clocks")),
    )
    with op.batch_alter_table("case_clocks", schema=None) as batch_op:
        batch_op.create_index("ix_case_clocks_case_id_started_at", ["case_id", "started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_clocks_centre_id"), ["centre_id"], unique=False)
        batch_op.create_index("ix_case_clocks_due_at_met_at", ["due_at", "met_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_clocks_responsible_id"), ["responsible_id"], unique=False)
        batch_op.create_index(
            "ix_case_clocks_running_due",
            ["due_at"],
            unique=False,
            sqlite_where=sa.text("met_at IS NULL AND stopped_at IS NULL"),
            postgresql_where=sa.text("met_at IS NULL AND stopped_at IS NULL"),
        )

    op.create_table(
        "case_handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("handover", "transfer", name="handover_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "offered",
                "accepted",
                "declined",
                "cancelled",
                name="handover_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("from_user_id", sa.Integer(), nullable=True),
        sa.Column("from_centre_id", sa.Integer(), nullable=False),
        sa.Column("to_user_id", sa.Integer(), nullable=True),
        sa.Column("to_centre_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("offered_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'handover' AND to_user_id IS NOT NULL) OR (kind = 'transfer' AND to_centre_id IS NOT NULL)",
            name=op.f("ck_case_handovers_receiver_given"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_handovers_case_id_cases"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_case_handovers_decided_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["from_centre_id"],
            ["centres.id"],
            name=op.f("fk_case_handovers_from_centre_id_centres"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["from_user_id"], ["users.id"], name=op.f("fk_case_handovers_from_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["to_centre_id"], ["centres.id"], name=op.f("fk_case_handovers_to_centre_id_centres"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["to_user_id"], ["users.id"], name=op.f("fk_case_handovers_to_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_handovers")),
    )
    with op.batch_alter_table("case_handovers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_handovers_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_case_handovers_to_centre_status", ["to_centre_id", "status"], unique=False)
        batch_op.create_index("ix_case_handovers_to_user_status", ["to_user_id", "status"], unique=False)
        batch_op.create_index(
            "uq_case_handovers_one_open",
            ["case_id"],
            unique=True,
            sqlite_where=sa.text("status = 'offered'"),
            postgresql_where=sa.text("status = 'offered'"),
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_notifications_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_notifications_user_id_created_at", ["user_id", "created_at"], unique=False)
        batch_op.create_index("ix_notifications_user_id_read_at", ["user_id", "read_at"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_due_at", app.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_next_due_at"), ["next_due_at"], unique=False)
        batch_op.add_column(sa.Column("number_centre_id", sa.Integer(), nullable=True))
    # A transfer moves a case to another centre; its number stays that of the centre that issued it.
    op.execute("UPDATE cases SET number_centre_id = centre_id")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("number_centre_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_number_centre_id_centres"),
            "centres",
            ["number_centre_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.drop_constraint("uq_cases_centre_year_sequence", type_="unique")
        batch_op.create_unique_constraint(
            "uq_cases_number_centre_year_sequence", ["number_centre_id", "year", "sequence"]
        )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION cases_first_responder_fixed() RETURNS trigger AS $$
            BEGIN
              IF OLD.first_responder_id IS NOT NULL
                 AND NEW.first_responder_id IS DISTINCT FROM OLD.first_responder_id THEN
                RAISE EXCEPTION 'the first responder of a case never changes';
              END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER cases_first_responder_fixed BEFORE UPDATE OF first_responder_id ON cases "
            "FOR EACH ROW EXECUTE FUNCTION cases_first_responder_fixed()"
        )
    else:
        op.execute(
            """
            CREATE TRIGGER cases_first_responder_fixed BEFORE UPDATE OF first_responder_id ON cases
            WHEN OLD.first_responder_id IS NOT NULL
             AND (NEW.first_responder_id IS NULL OR NEW.first_responder_id <> OLD.first_responder_id)
            BEGIN SELECT RAISE(ABORT, 'the first responder of a case never changes'); END
            """
        )


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER IF EXISTS cases_first_responder_fixed"
        + (" ON cases" if op.get_bind().dialect.name == "postgresql" else "")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS cases_first_responder_fixed()")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint("uq_cases_number_centre_year_sequence", type_="unique")
        batch_op.create_unique_constraint("uq_cases_centre_year_sequence", ["centre_id", "year", "sequence"])
        batch_op.drop_constraint(batch_op.f("fk_cases_number_centre_id_centres"), type_="foreignkey")
        batch_op.drop_column("number_centre_id")
        batch_op.drop_index(batch_op.f("ix_cases_next_due_at"))
        batch_op.drop_column("next_due_at")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_read_at")
        batch_op.drop_index("ix_notifications_user_id_created_at")
        batch_op.drop_index(batch_op.f("ix_notifications_case_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("case_handovers", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_case_handovers_one_open",
            sqlite_where=sa.text("status = 'offered'"),
            postgresql_where=sa.text("status = 'offered'"),
        )
        batch_op.drop_index("ix_case_handovers_to_user_status")
        batch_op.drop_index("ix_case_handovers_to_centre_status")
        batch_op.drop_index(batch_op.f("ix_case_handovers_case_id"))

    op.drop_table("case_handovers")
    with op.batch_alter_table("case_clocks", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_case_clocks_running_due",
            sqlite_where=sa.text("met_at IS NULL AND stopped_at IS NULL"),
            postgresql_where=sa.text("met_at IS NULL AND stopped_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_case_clocks_responsible_id"))
        batch_op.drop_index("ix_case_clocks_due_at_met_at")
        batch_op.drop_index(batch_op.f("ix_case_clocks_centre_id"))
        batch_op.drop_index("ix_case_clocks_case_id_started_at")

    op.drop_table("case_clocks")
    with op.batch_alter_table("calendar_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_days_year"))

    op.drop_table("calendar_days")
    op.drop_table("calendar_years")
