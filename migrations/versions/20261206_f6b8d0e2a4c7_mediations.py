"""Fast mediations and their sessions; the mediation's clocks and documents.

Revision ID: f6b8d0e2a4c7
Revises: e5a7c9d1f3b6
Create Date: 2026-12-06 00:40:32.203096
"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "f6b8d0e2a4c7"
down_revision = "e5a7c9d1f3b6"
branch_labels = None
depends_on = None

OLD_CLOCKS = ("response", "handling", "feedback")
CLOCKS = (*OLD_CLOCKS, "reply", "mediation", "confirmation", "performance")
OLD_DOCUMENTS = ("acceptance_notice", "non_acceptance_notice", "case_summary")
DOCUMENTS = (*OLD_DOCUMENTS, "mediation_agreement", "mediation_termination", "protection_plan")


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _widen(table: str, column: str, check: str, values, old_length: int, length: int) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(check, type_="check")
        batch.alter_column(column, existing_type=sa.String(length=old_length), type_=sa.String(length=length))
        batch.create_check_constraint(check, _in(column, values))


def upgrade() -> None:
    op.create_table(
        "mediations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "requested",
                "awaiting_respondent",
                "in_mediation",
                "suspended",
                "agreed",
                "performed",
                "unperformed",
                "failed",
                "refused",
                "withdrawn",
                name="mediation_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "ip_type",
            sa.Enum(
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
                name="mediation_ip_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("right_number", sa.String(length=40), nullable=False),
        sa.Column(
            "scope",
            sa.Enum(
                "damages",
                "ownership",
                "inventorship",
                "reward",
                "pre_grant_use",
                "other",
                name="mediation_scope",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("requests", sa.Text(), nullable=False),
        sa.Column("respondent_name", sa.String(length=200), nullable=False),
        sa.Column("mediator_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("served_on", sa.Date(), nullable=True),
        sa.Column(
            "served_method",
            sa.Enum(
                "post",
                "email",
                "hand",
                "telephone",
                "platform",
                name="service_method",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("reply_received_on", sa.Date(), nullable=True),
        sa.Column("reply_is_late", sa.Boolean(), nullable=False),
        sa.Column("opened_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("agreed_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("disputed_issues", sa.Text(), nullable=False),
        sa.Column("liability", sa.Text(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("perform_by", sa.Date(), nullable=True),
        sa.Column("performance_method", sa.Text(), nullable=False),
        sa.Column("costs_borne_by", sa.Text(), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=True),
        sa.Column("court", sa.String(length=200), nullable=False),
        sa.Column("confirmed_on", sa.Date(), nullable=True),
        sa.Column("ruling_number", sa.String(length=100), nullable=False),
        sa.Column(
            "next_route",
            sa.Enum(
                "referral",
                "administrative_ruling",
                "court",
                name="next_route",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.CheckConstraint(
            "state NOT IN ('agreed', 'performed', 'unperformed') OR agreed_at IS NOT NULL",
            name=op.f("ck_mediations_agreed_has_time"),
        ),
        sa.CheckConstraint("amount_fen IS NULL OR amount_fen >= 0", name=op.f("ck_mediations_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_mediations_case_id_cases"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_mediations_centre_id_centres"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_mediations_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["mediator_id"], ["users.id"], name=op.f("fk_mediations_mediator_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediations")),
    )
    with op.batch_alter_table("mediations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mediations_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_mediations_centre_id_state", ["centre_id", "state"], unique=False)
        batch_op.create_index("ix_mediations_mediator_id_state", ["mediator_id", "state"], unique=False)
        batch_op.create_index(
            "uq_mediations_one_open_per_case",
            ["case_id"],
            unique=True,
            sqlite_where=sa.text("state IN ('requested', 'awaiting_respondent', 'in_mediation', 'suspended')"),
            postgresql_where=sa.text("state IN ('requested', 'awaiting_respondent', 'in_mediation', 'suspended')"),
        )

    op.create_table(
        "mediation_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mediation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("starts_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("online_url", sa.String(length=500), nullable=False),
        sa.Column("held_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("uid", sa.String(length=80), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "held_at IS NOT NULL OR place <> '' OR online_url <> ''", name=op.f("ck_mediation_sessions_place_or_link")
        ),
        sa.CheckConstraint("duration_minutes BETWEEN 15 AND 720", name=op.f("ck_mediation_sessions_duration_range")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_mediation_sessions_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["mediation_id"],
            ["mediations.id"],
            name=op.f("fk_mediation_sessions_mediation_id_mediations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_sessions")),
        sa.UniqueConstraint("uid", name=op.f("uq_mediation_sessions_uid")),
    )
    with op.batch_alter_table("mediation_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_mediation_sessions_mediation_id_position", ["mediation_id", "position"], unique=True)

    with op.batch_alter_table("case_events") as batch:
        batch.add_column(sa.Column("subject_digest", sa.String(length=64), nullable=True))
    _widen("case_clocks", "name", "clock_name", CLOCKS, 8, 12)
    _widen("documents", "kind", "document_kind", DOCUMENTS, 21, 21)


def downgrade() -> None:
    op.execute("DELETE FROM case_clocks WHERE subject_type = 'mediation'")
    op.execute("DELETE FROM documents WHERE " + _in("kind", DOCUMENTS[len(OLD_DOCUMENTS) :]))
    _widen("case_clocks", "name", "clock_name", OLD_CLOCKS, 12, 8)
    _widen("documents", "kind", "document_kind", OLD_DOCUMENTS, 21, 21)
    with op.batch_alter_table("case_events") as batch:
        batch.drop_column("subject_digest")

    with op.batch_alter_table("mediation_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_mediation_sessions_mediation_id_position")

    op.drop_table("mediation_sessions")
    with op.batch_alter_table("mediations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_mediations_one_open_per_case",
            sqlite_where=sa.text("state IN ('requested', 'awaiting_respondent', 'in_mediation', 'suspended')"),
            postgresql_where=sa.text("state IN ('requested', 'awaiting_respondent', 'in_mediation', 'suspended')"),
        )
        batch_op.drop_index("ix_mediations_mediator_id_state")
        batch_op.drop_index("ix_mediations_centre_id_state")
        batch_op.drop_index(batch_op.f("ix_mediations_case_id"))

    op.drop_table("mediations")
