"""Reads about repeat infringers: a respondent's other cases and the respondents named most often.

Two respondents are the same party when their credit codes are equal; when either has no code, when
their name keys (``app.respondents.keys``) are equal. Two different codes never match, whatever the
names say (two companies of one name in two cities). Every read goes through the scope helper, so a
viewer only learns of cases they may open; a draft is nobody's case against anyone yet and is left
out everywhere. Each function runs a fixed number of statements, however many cases match.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, false, func, literal, or_, select, union

from app.cases.enums import CaseState, ComplainantType, DeclineReason
from app.cases.models import Case, CaseRespondent
from app.centres.models import Centre
from app.core.db import among
from app.core.scope import visible
from app.enterprises.models import Enterprise
from app.extensions import db
from app.respondents.keys import normalise_respondent_name

R = CaseRespondent
# Not a case against the respondent for an earlier-cases list: a draft was never filed, and a
# withdrawn complaint was taken back by its complainant.
NOT_EARLIER = (CaseState.DRAFT, CaseState.WITHDRAWN)


@dataclass(frozen=True)
class Party:
    """A respondent as it is matched: its name and credit code (None when not given)."""

    name: str
    credit_code: str | None = None

    @property
    def name_key(self) -> str:
        return normalise_respondent_name(self.name)


def respondent_key(respondent) -> tuple[str, str]:
    """``("code", credit code)`` when the respondent has one, else ``("name", its name key)``."""
    code = (getattr(respondent, "credit_code", None) or "").strip().upper()
    if code:
        return ("code", code)
    return ("name", normalise_respondent_name(getattr(respondent, "name", "")))


def _parties(respondents) -> list[Party]:
    """Respondents (``CaseRespondent`` rows, ``Party``s, or anything with ``name`` and ``credit_code``)
    as parties; an empty credit code is none."""
    out = []
    for r in respondents:
        code = (getattr(r, "credit_code", None) or "").strip().upper() or None
        out.append(Party(getattr(r, "name", "") or "", code))
    return out


def match_condition(respondents):
    """SQL over ``case_respondents``: the rows naming the same party as any of ``respondents``
    (``false()`` when they give nothing to match on)."""
    parties = _parties(respondents)
    codes = {p.credit_code for p in parties if p.credit_code}
    keys = {p.name_key for p in parties if p.name_key}
    uncoded_keys = {p.name_key for p in parties if p.name_key and not p.credit_code}
    clauses = []
    if codes:
        clauses.append(R.credit_code.in_(sorted(codes)))
    if keys:
        # A row without a code, of a name we know; or any row of a name we know without its code. Led by
        # the name so that the name's index is read: "credit_code IS NULL" first made SQLite read every
        # respondent without a code (most of them) to find a few names.
        either = R.credit_code.is_(None)
        if uncoded_keys:
            either = or_(either, R.name_key.in_(sorted(uncoded_keys)))
        clauses.append(and_(R.name_key.in_(sorted(keys)), either))
    return or_(*clauses) if clauses else false()


# ---- a respondent's other cases ---------------------------------------------------------------------------


@dataclass
class OtherCase:
    """Another case against the same respondent, as the panel and the referral page show it."""

    id: int
    number: str
    title: str
    state: CaseState
    decline_reason: DeclineReason | None
    outcome: str
    created_at: datetime
    closed_at: datetime | None
    centre: Centre
    complainant: str
    # How that case names the respondent, and whether the credit code (rather than the name) matched.
    respondent_names: list[str] = field(default_factory=list)
    by_code: bool = False
    # The latest mediation's and referral's state (None: there was none), and a referral's penalty.
    mediation_state: object = None
    referral_state: object = None
    penalty_fen: int | None = None


# Up to this many other cases naming a respondent are passed to the scoped statement by id.
OTHER_CANDIDATES = 500


def other_cases(case, user, limit: int = 20, respondents=None) -> list[OtherCase]:
    """The cases ``user`` may see, other than ``case``, against any of its respondents (or of
    ``respondents``, e.g. the one a referral names), newest first, with their outcomes. Four
    statements at most (the cases; how they name the respondent; their mediations; their referrals)."""
    condition = match_condition(case.respondents if respondents is None else respondents)
    # Which other cases name the respondent comes first, by the respondents' indexes: most respondents
    # are named in no other case, and the page then asks nothing more (the scoped statement below
    # took PostgreSQL 2-3 ms to plan, to find nothing). A respondent named in many cases is asked
    # for in the statement itself.
    named = select(R.case_id).where(condition, R.case_id != case.id).distinct()
    candidates = db.session.execute(named.limit(OTHER_CANDIDATES + 1)).scalars().all()
    if not candidates:
        return []
    named_ids = among(Case.id, candidates) if len(candidates) <= OTHER_CANDIDATES else Case.id.in_(named)
    base = select(Case.id).where(named_ids, Case.state != CaseState.DRAFT)  # ``named`` leaves the case out
    ids = visible(base, user, Case)
    if getattr(user, "is_staff", False):
        # Outside the subtree, the cases the user answers for (first responder after a transfer…).
        from app.cases.assignments import sql_clause

        ids = union(ids, base.where(sql_clause(user)))
    complainant = func.coalesce(Enterprise.name, Case.complainant_name)
    rows = db.session.execute(
        select(
            Case.id,
            Case.number,
            Case.title,
            Case.state,
            Case.decline_reason,
            Case.outcome,
            Case.created_at,
            Case.closed_at,
            Case.complainant_type,
            complainant,
            Centre,
        )
        .join(Centre, Centre.id == Case.centre_id)
        .outerjoin(Enterprise, Enterprise.id == Case.enterprise_id)
        .where(Case.id.in_(ids))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(max(0, int(limit)))
    ).all()
    found = [
        OtherCase(
            id=r.id,
            number=r.number,
            title=r.title,
            state=r.state,
            decline_reason=r.decline_reason,
            outcome=r.outcome or "",
            created_at=r.created_at,
            closed_at=r.closed_at,
            centre=r.Centre,
            complainant=str(ComplainantType.ANONYMOUS.label)
            if r.complainant_type is ComplainantType.ANONYMOUS
            else (r[9] or ""),
        )
        for r in rows
    ]
    if found:
        _add_matches(found, condition, case.respondents if respondents is None else respondents)
        _add_tracks(found)
    return found


def _add_matches(found: list[OtherCase], condition, respondents) -> None:
    codes = {p.credit_code for p in _parties(respondents) if p.credit_code}
    by_id = {c.id: c for c in found}
    for case_id, name, code in db.session.execute(
        select(R.case_id, R.name, R.credit_code).where(R.case_id.in_(list(by_id)), condition).order_by(R.position)
    ):
        item = by_id[case_id]
        if name not in item.respondent_names:
            item.respondent_names.append(name)
        item.by_code = item.by_code or (code is not None and code in codes)


def _add_tracks(found: list[OtherCase]) -> None:
    """The latest mediation's and referral's state of each case (two statements)."""
    from app.mediation.models import Mediation
    from app.referrals.models import Referral

    by_id = {c.id: c for c in found}
    ids = list(by_id)
    for case_id, state in db.session.execute(
        select(Mediation.case_id, Mediation.state).where(Mediation.case_id.in_(ids)).order_by(Mediation.created_at)
    ):
        by_id[case_id].mediation_state = state
    for case_id, state, penalty in db.session.execute(
        select(Referral.case_id, Referral.state, Referral.penalty_fen)
        .where(Referral.case_id.in_(ids))
        .order_by(Referral.created_at, Referral.id)
    ):
        by_id[case_id].referral_state, by_id[case_id].penalty_fen = state, penalty


# ---- the transfer letter's earlier cases ------------------------------------------------------------------


def earlier_cases_for_letter(case, respondents=None) -> list[dict]:
    """The cases of the subtree of ``case``'s centre against the same respondent (any of the case's,
    or of ``respondents``, e.g. the one the referral names), filed before ``case``: what a transfer
    letter lists as repeated infringement, oldest first. Not scoped to a viewer: the letter is the
    centre's. Drafts and withdrawn complaints are left out. ``[{"number", "state", "created_at"}]``,
    ready for a JSON column: ``state`` its value (the letter words it), ``created_at`` the day it was
    filed in China (``YYYY-MM-DD``)."""
    from app.core.i18n import DISPLAY_TZ

    condition = match_condition(case.respondents if respondents is None else respondents)
    subtree = select(Centre.id).where(Centre.path.startswith(case.centre.path, autoescape=True))
    rows = db.session.execute(
        select(Case.number, Case.state, Case.created_at)
        .where(
            Case.id.in_(select(R.case_id).where(condition)),
            Case.id != case.id,
            Case.centre_id.in_(subtree),
            Case.created_at < case.created_at,
            Case.state.not_in(NOT_EARLIER),
            Case.number.is_not(None),
        )
        .order_by(Case.created_at, Case.id)
    ).all()
    return [
        {"number": n, "state": s.value, "created_at": at.astimezone(DISPLAY_TZ).date().isoformat()} for n, s, at in rows
    ]


# ---- the ranking ------------------------------------------------------------------------------------------


@dataclass
class RankedRespondent:
    key: tuple[str, str]
    name: str  # the spelling the cases use most often
    credit_code: str | None
    cases: int
    complainants: int  # distinct complainant enterprises
    last_case_at: datetime


def _key_columns():
    """A respondent's key as two columns: its credit code, and its name key when it has no code."""
    return R.credit_code, case((R.credit_code.is_(None), R.name_key), else_=literal(""))


def ranking(user, since: datetime | None = None, limit: int = 50, until: datetime | None = None):
    """The respondents named most often in the cases of ``user``'s subtree (staff only), filed from
    ``since`` until before ``until`` when given: the most cases first, then the latest. Two statements
    (the counts; the spellings and complainants of the respondents ranked).

    On PostgreSQL the counts are taken of each respondent's distinct cases first (a hash of
    (respondent, case)), so no count is DISTINCT over the whole period and both steps hash rather than
    sort (SQLite sorts either way, and one GROUP BY sorts least); the indexes
    ``ix_cases_created_at_ranking`` and ``ix_case_respondents_keyed`` (``app.cases.models``) hold every column read, so the
    period's cases and the named respondents are read from the indexes alone. The complainants are
    counted for the ranked respondents only."""
    if not getattr(user, "is_staff", False):
        return []
    code, name_key = _key_columns()

    def scoped(stmt):
        stmt = stmt.join(Case, Case.id == R.case_id).where(
            Case.state != CaseState.DRAFT, or_(R.credit_code.is_not(None), R.name_key != "")
        )
        if since is not None:
            stmt = stmt.where(Case.created_at >= since)
        if until is not None:
            stmt = stmt.where(Case.created_at < until)
        return visible(stmt, user, Case)

    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite sorts for a DISTINCT as for a GROUP BY: one GROUP BY, its DISTINCT count per group.
        cases_n, last = func.count(func.distinct(R.case_id)), func.max(Case.created_at)
        counted = scoped(select(code, name_key, cases_n, last).select_from(R)).group_by(code, name_key)
        order = (cases_n.desc(), last.desc(), code, name_key)
    else:
        named = (
            scoped(select(code.label("code"), name_key.label("key"), R.case_id, Case.created_at).select_from(R))
            .distinct()
            .subquery()
        )
        cases_n, last = func.count(), func.max(named.c.created_at)
        counted = select(named.c.code, named.c.key, cases_n, last).group_by(named.c.code, named.c.key)
        order = (cases_n.desc(), last.desc(), named.c.code, named.c.key)
    top = db.session.execute(counted.order_by(*order).limit(max(0, int(limit)))).all()
    if not top:
        return []
    codes = [c for c, _k, *_ in top if c is not None]
    keys = [k for c, k, *_ in top if c is None]
    spellings: dict[tuple, Counter] = defaultdict(Counter)
    firms: dict[tuple, set] = defaultdict(set)
    clauses = []
    if codes:
        clauses.append(R.credit_code.in_(codes))
    if keys:
        clauses.append(and_(R.credit_code.is_(None), R.name_key.in_(keys)))
    for c, k, name, enterprise_id, n in db.session.execute(
        scoped(
            select(code, name_key, R.name, Case.enterprise_id, func.count()).select_from(R).where(or_(*clauses))
        ).group_by(code, name_key, R.name, Case.enterprise_id)
    ):
        spellings[(c, k)][name] += n
        if enterprise_id is not None:
            firms[(c, k)].add(enterprise_id)
    ranked = []
    for c, k, n_cases, last_at in top:
        names = spellings.get((c, k)) or Counter()
        # The most common spelling; among equals, the first in order (the same every time).
        name = min(names.items(), key=lambda item: (-item[1], item[0]))[0] if names else k
        ranked.append(
            RankedRespondent(
                key=("code", c) if c is not None else ("name", k),
                name=name,
                credit_code=c,
                cases=n_cases,
                complainants=len(firms.get((c, k), ())),
                last_case_at=last_at,
            )
        )
    return ranked
