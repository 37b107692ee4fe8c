"""Page speed at national scale: indexes each page's filters can use.

- ``ix_case_clocks_due_at_met_at_cover`` replaces ``ix_case_clocks_due_at_met_at`` with the columns the
  on-time rates group and filter by, so the rates of a month read the index alone.
- ``ix_case_clocks_running_due`` (running clocks by due time) also holds what the SLA scan and the
  escalation board filter by and join on.
- ``ix_cases_ip_type_created_at`` replaces ``ix_cases_ip_type``: the case list filtered by a type of
  right, newest first, with no sort; alone, five values made SQLite's planner prefer it to the state
  index whatever the states filtered (26,000 rows read for 50 shown).
- ``ix_visits_day_id``: the visit list's order (the day, newest first, then id) with the scope's
  centre, so a page is read backwards from the index rather than every visit sorted (59 ms -> 0.4 ms
  of SQL on PostgreSQL at 50,000 visits).
- ``ix_cases_board``: the cases the escalation board shows (open or declined), with their state and
  scope, so its join from the running clocks reads no case row.
- ``ix_cases_submitted_at_report``, ``ix_cases_decided_at_report``, ``ix_cases_closed_at_report``: the
  reports' counts of a period, each a range of one time with what the counts group and filter by.
- ``ix_case_clocks_not_counted``: the few clocks the reports cannot count (their year's calendar missing).
- ``ix_case_clocks_report``: the reports' on-time figures per centre and clock over a range of due times
  (SQLite reads it in the GROUP BY's order by a skip-scan instead of sorting the period's clocks).
- ``ix_cases_created_at_ranking``, ``ix_case_respondents_keyed``: the respondents' ranking of a period,
  its cases and their matchable respondents read from the indexes alone (declared in ``app.cases.models``).

Revision ID: e5f7a9b1c3d5
Revises: d4e6f8a0b2c3
Create Date: 2026-12-06 21:30:00
"""

from alembic import op
from sqlalchemy import text

revision = "e5f7a9b1c3d5"
down_revision = "d4e6f8a0b2c3"
branch_labels = None
depends_on = None

COVER = ["due_at", "met_at", "name", "centre_id", "responsible_id", "stopped_at", "paused_at"]
RUNNING = "met_at IS NULL AND stopped_at IS NULL"
RUNNING_COVER = ["due_at", "warn_at", "paused_at", "case_id", "centre_id", "met_at", "stopped_at"]
REPORT_CASES = {
    "ix_cases_submitted_at_report": ["submitted_at", "centre_id", "channel", "kind", "ip_type"],
    "ix_cases_decided_at_report": ["decided_at", "centre_id", "kind", "ip_type", "decline_reason"],
    "ix_cases_closed_at_report": ["closed_at", "centre_id", "rating", "kind", "ip_type"],
}
REPORT_CLOCKS = ["centre_id", "name", "due_at", "met_at", "paused_at"]
NOT_COUNTED = "unknown_year IS NOT NULL AND met_at IS NULL AND stopped_at IS NULL"
# The states as they were when this revision was written (a later change of the board's states moves
# the index in a revision of its own).
BOARD = "state IN ('draft', 'submitted', 'acknowledged', 'awaiting_material', 'accepted', 'in_progress', 'resolved', 'declined')"


RANKING_CASES = ["created_at", "state", "centre_id", "enterprise_id", "filed_by_id", "id"]
KEYED = "credit_code IS NOT NULL OR name_key <> ''"


def _partial(where: str) -> dict:
    return {"sqlite_where": text(where), "postgresql_where": text(where)}


def upgrade() -> None:
    op.create_index("ix_case_clocks_due_at_met_at_cover", "case_clocks", COVER, unique=False)
    op.drop_index("ix_case_clocks_due_at_met_at", table_name="case_clocks")
    op.drop_index("ix_case_clocks_running_due", table_name="case_clocks")
    op.create_index("ix_case_clocks_running_due", "case_clocks", RUNNING_COVER, unique=False, **_partial(RUNNING))
    op.create_index("ix_cases_board", "cases", ["id", "state", "centre_id", "filed_by_id"], **_partial(BOARD))
    op.drop_index("ix_cases_ip_type", table_name="cases")
    op.create_index("ix_visits_day_id", "visits", [text("coalesce(visited_on, planned_on)"), "id", "centre_id"])
    op.create_index("ix_cases_ip_type_created_at", "cases", ["ip_type", "created_at", "id"], unique=False)
    for name, columns in REPORT_CASES.items():
        op.create_index(name, "cases", columns, unique=False)
    op.create_index(
        "ix_case_clocks_not_counted",
        "case_clocks",
        ["unknown_year", "name", "centre_id", "started_at"],
        unique=False,
        **_partial(NOT_COUNTED),
    )
    op.create_index(
        "ix_case_clocks_report", "case_clocks", REPORT_CLOCKS, unique=False, **_partial("stopped_at IS NULL")
    )
    op.create_index("ix_cases_created_at_ranking", "cases", RANKING_CASES, unique=False)
    op.create_index(
        "ix_case_respondents_keyed",
        "case_respondents",
        ["case_id", "credit_code", "name_key"],
        unique=False,
        **_partial(KEYED),
    )


def downgrade() -> None:
    op.drop_index("ix_case_respondents_keyed", table_name="case_respondents")
    op.drop_index("ix_cases_created_at_ranking", table_name="cases")
    op.drop_index("ix_case_clocks_report", table_name="case_clocks")
    op.drop_index("ix_case_clocks_not_counted", table_name="case_clocks")
    for name in REPORT_CASES:
        op.drop_index(name, table_name="cases")
    op.drop_index("ix_visits_day_id", table_name="visits")
    op.drop_index("ix_cases_ip_type_created_at", table_name="cases")
    op.create_index("ix_cases_ip_type", "cases", ["ip_type"], unique=False)
    op.drop_index("ix_cases_board", table_name="cases")
    op.drop_index("ix_case_clocks_running_due", table_name="case_clocks")
    op.create_index("ix_case_clocks_running_due", "case_clocks", ["due_at"], unique=False, **_partial(RUNNING))
    op.create_index("ix_case_clocks_due_at_met_at", "case_clocks", ["due_at", "met_at"], unique=False)
    op.drop_index("ix_case_clocks_due_at_met_at_cover", table_name="case_clocks")
