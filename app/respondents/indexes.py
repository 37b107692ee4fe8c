"""The indexes the ranking of respondents reads (``queries.ranking``), declared beside the query that
needs them and attached to the tables of ``app.cases.models`` (imported by ``app.models``, so the
metadata and ``alembic check`` know them; created by the migration ``e5f7a9b1c3d5``).

- ``ix_cases_created_at_ranking``: a period's cases with everything the ranking filters and counts by
  (state, scope, complainant, author of a draft), so the cases are read from the index alone.
- ``ix_case_respondents_keyed``: the respondents that can be matched (a credit code or a name key),
  by case, with both keys: the only rows the ranking joins.
"""

from sqlalchemy import Index, text

from app.cases.models import Case, CaseRespondent

KEYED = "credit_code IS NOT NULL OR name_key <> ''"

cases_ranking = Index(
    "ix_cases_created_at_ranking",
    Case.created_at,
    Case.state,
    Case.centre_id,
    Case.enterprise_id,
    Case.filed_by_id,
    Case.id,
)
respondents_keyed = Index(
    "ix_case_respondents_keyed",
    CaseRespondent.case_id,
    CaseRespondent.credit_code,
    CaseRespondent.name_key,
    sqlite_where=text(KEYED),
    postgresql_where=text(KEYED),
)
