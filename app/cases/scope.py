"""Scope rules of cases and what hangs off them."""

from sqlalchemy import or_

from app.cases.enums import CaseState
from app.cases.models import Case
from app.centres.models import CentreLevel
from app.core.db import among, kept
from app.core.scope import active_enterprise_ids, centre_subtree_ids, scope_rule
from app.extensions import db

WIDE_LEVELS = (CentreLevel.NATIONAL, CentreLevel.PROVINCIAL)
NARROW_ROWS = 5000  # at most this many rows of a narrow scope: their ids are read first (``case_seen``)


@scope_rule(Case)
def _cases(stmt, user):
    if user.is_staff:
        # An applicant's unsubmitted draft is theirs alone.
        return stmt.where(
            _centre_column(user).in_(centre_subtree_ids(user)),
            or_(Case.state != CaseState.DRAFT, Case.filed_by_id == user.id),
        )
    # A person's or an anonymous tip-off's case belongs to no enterprise: no applicant sees it.
    return stmt.where(Case.enterprise_id.is_not(None), Case.enterprise_id.in_(active_enterprise_ids(user)))


def _centre_column(user):
    """``cases.centre_id``, or for a national or provincial scope on SQLite ``centre_id + 0``.

    SQLite's planner guesses that "centre in the subtree" keeps few rows and reads the cases
    centre by centre, then sorts them all: at 100,000 cases a national list filtered by state
    took 67 ms that way. Written as an expression it cannot use that index, so SQLite walks the
    date or state index instead and stops at the end of the page (PostgreSQL plans this well).
    """
    centre = user.centre
    if centre is not None and centre.level in WIDE_LEVELS and db.session.get_bind().dialect.name == "sqlite":
        return Case.centre_id + 0
    return Case.centre_id


def narrow_scope(user) -> bool:
    """A member of staff whose scope is below the provincial centres: a few hundred cases (a few
    thousand at a million), so the rules of what belongs to a case read its rows' ids (``case_seen``)."""
    centre = user.centre
    return user.is_staff and (centre is None or centre.level not in WIDE_LEVELS)


def case_seen(case_id, user, *, answers_for: bool = True):
    """SQL for the scope rules of what belongs to a case (a referral, a plan, a mediation, a fund
    request): the row's case (``case_id``, its column) is one ``user``, a member of staff, may see,
    or (``answers_for``) answers for beyond their scope (``app.cases.assignments``).

    Written for the breadth of the scope, so that no planner has to guess it. A national or
    provincial scope holds most cases: a list reads its rows in the order of its own index and
    checks each one's case by its primary key (a correlated EXISTS), and finds a page's worth at
    once. A narrower scope holds a few hundred cases (a few thousand at a million) and fewer of the
    rows: their ids are read first (``_narrow_rows``) and the statement is given them. Left to the
    planner, both databases read the list's index in order for a workstation too, checking every
    row in the country to find the few of its scope (at a million cases, 64,000 referrals read for
    41 shown): the estimate of the scope's rows cannot be right, neither as an OR of its ways nor
    as a list of its cases (most of which have no referral at all)."""
    from sqlalchemy import select

    from app.cases.assignments import sql_clause
    from app.core.scope import visible

    if narrow_scope(user):
        found = _narrow_rows(case_id, user, answers_for)
        if found is not None:
            return found
    reach = visible(select(Case.id), user, Case).whereclause
    if answers_for:
        reach = sql_clause(user) if reach is None else or_(reach, sql_clause(user))
    # Never correlated to a ``cases`` of the outer statement (a list may join the row's case itself).
    return select(Case.id).where(Case.id == case_id, reach).correlate_except(Case).exists()


def _narrow_rows(case_id, user, answers_for: bool):
    """``row id IN (the ids of the rows of the scope's cases)``, read now in one statement; None when
    there are more than ``NARROW_ROWS`` (the EXISTS form then). The scope's cases are found each way
    on its own (the scope, then each assignment), each from its own index: one OR of them all would
    be read case by case through the whole table. Kept for the rest of the request's reads until
    anything is written (a list runs the rule once per segment and once for its counts)."""
    from sqlalchemy import select, union

    from app.cases.assignments import ASSIGNMENTS
    from app.core.scope import visible

    column = getattr(case_id, "expression", case_id)
    table = column.table
    row_id = next(iter(table.primary_key))

    def read():
        parts = [visible(select(Case.id), user, Case)]
        parts += [select(Case.id).where(a.condition(user)) for a in ASSIGNMENTS if answers_for]
        cases = union(*parts) if len(parts) > 1 else parts[0]
        ids = db.session.execute(select(row_id).where(column.in_(cases)).limit(NARROW_ROWS + 1)).scalars().all()
        return ids if len(ids) <= NARROW_ROWS else None

    ids = kept(("case_seen_rows", table.name, user.id, user.centre_id, answers_for), read)
    return None if ids is None else among(row_id, ids)
