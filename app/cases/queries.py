"""Reads about cases: every one goes through the scope helper.

The case lists page by keyset: a cursor carries the sort key of the last row shown
(priority, creation time, id; or the next due time, or its absence, and the id), so a
page costs the same however deep it is and rows filed meanwhile neither repeat nor
vanish between pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, false, func, literal, or_, select, tuple_, union_all
from sqlalchemy.orm import aliased, joinedload, load_only, selectinload

from app.auth.models import User
from app.cases.enums import CaseKind, CaseState, Channel, IPType
from app.cases.models import Case, CaseRight
from app.centres.models import Centre
from app.core.identifiers import IdentifierError, normalise_patent_number
from app.core.scope import visible
from app.enterprises.models import Enterprise
from app.extensions import db

NUMBER_RE = re.compile(r"^[A-Z0-9]{1,20}-\d{4}-\d{5}$")
CHINA = ZoneInfo("Asia/Shanghai")  # the day a date filter means is a day in China

SORTS = ("newest", "oldest", "priority", "due")
DATE_FIELDS = ("submitted", "created")
MAX_QUERY = 100
MAX_TERMS = 5
MAX_LIMIT = 500


DRAFT_REF_RE = re.compile(r"^draft-([1-9][0-9]{0,9})$")


def get_case_by_number(number: str, user) -> Case | None:
    """The case if it exists and ``user`` may see it, else None (callers answer 404).

    ``number`` is the case's reference (``Case.ref``): its official number, or ``draft-<id>`` for a
    draft that has none yet (seen only by its author: the scope rule keeps drafts to them)."""
    if not isinstance(number, str):
        return None
    draft = DRAFT_REF_RE.match(number)
    if draft is not None:
        draft_id = int(draft.group(1))
        if draft_id >= 2**31:
            return None
        where = (Case.id == draft_id, Case.number.is_(None))
    elif NUMBER_RE.match(number):
        where = (Case.number == number,)
    else:
        return None
    # The enterprise and the centre too (a primary key's row each, joined): every reader of a case names
    # them, and the case of a centre below the viewer's would read its centre in a statement of its own.
    options = (
        selectinload(Case.rights),
        selectinload(Case.respondents),
        joinedload(Case.enterprise),
        joinedload(Case.centre),
    )
    stmt = visible(select(Case).where(*where), user, Case).options(*options)
    case = db.session.execute(stmt).scalar_one_or_none()
    if case is None and getattr(user, "is_staff", False):
        # Outside the user's subtree, a case may still be theirs to answer for (first responder,
        # or a transfer offered to their centre): the one rule of ``app.cases.assignments``.
        from app.cases.assignments import sql_clause

        case = db.session.execute(
            select(Case).where(*where, Case.state != CaseState.DRAFT, sql_clause(user)).options(*options)
        ).scalar_one_or_none()
    return case


# ---- filters -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilters:
    """What a case list is narrowed to. Values are already parsed; the view's form checks them.

    ``first_responder`` is a user id or ``"me"``; ``owner`` a user id, ``"me"`` or ``"none"``
    (nobody owns it); ``centre`` a centre id whose subtree is meant (outside the user's own
    subtree it matches nothing); dates are days in Asia/Shanghai, both ends included;
    ``min_priority`` keeps cases with at least that many priority flags.

    ``overdue`` reads ``Case.next_due_at`` (the earliest due time of the case's running,
    unpaused clocks, kept by the one door): True keeps the cases due before ``now``, False
    the others (due later, or no clock running). ``due_soon`` keeps those due from ``now``
    to the end of today in China (a clock warns from the start of its last day). ``now`` is
    the moment they are judged at (the time of the request when not given).
    """

    states: tuple[CaseState, ...] = ()
    kind: CaseKind | None = None
    ip_type: IPType | None = None
    channel: Channel | None = None
    centre: int | None = None
    first_responder: int | str | None = None
    owner: int | str | None = None
    date_field: str = "submitted"
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    min_priority: int | None = None
    overdue: bool | None = None
    due_soon: bool = False
    now: datetime | None = None


# A word typed as a whole patent number (prefixed, or 12 digits and a check character).
_PATENT_WORD = re.compile(r"^(?:(?:zl|cn)[0-9.x]+|[0-9]{12}[0-9x])$", re.IGNORECASE)


_NORMALISED_PATENT = re.compile(r"^(?:[0-9]{12}|[0-9]{8})\.[0-9x]$")


def search_terms(q: str) -> list[str]:
    """The lower-cased words of a search, as ``search_text`` stores them.

    A word that is a patent number in any accepted form (``ZL`` prefix, no dot) is
    written the way cases store it, so ``ZL2023201234561`` finds ``202320123456.1``.
    """
    text = " ".join((q or "").replace("\x00", " ").split())[:MAX_QUERY]
    text = re.sub(r"(?i)\b(?:zl|cn)\s+(?=\d)", "", text)  # "ZL 2023…" is one number
    terms = []
    for word in text.split():
        if _PATENT_WORD.match(word):
            try:
                word = normalise_patent_number(word)
            except IdentifierError:  # a partial number: search for its digits
                word = re.sub(r"(?i)^(?:zl|cn)", "", word)
        word = word.lower()
        if word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def china_day_start(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in China."""
    return datetime.combine(day, time(), tzinfo=CHINA).astimezone(UTC)


def _person_id(value, user) -> int | None:
    if value == "me":
        return user.id
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def apply_filters(stmt: Select, user, filters: CaseFilters) -> Select:
    """Scope ``stmt`` (a select over ``Case``) to ``user`` and narrow it by ``filters``."""
    stmt = visible(stmt, user, Case)
    f = filters
    if f.states:
        stmt = stmt.where(Case.state.in_(list(f.states)))
    if f.kind is not None:
        stmt = stmt.where(Case.kind == f.kind)
    if f.ip_type is not None:
        stmt = stmt.where(Case.ip_type == f.ip_type)
    if f.channel is not None:
        stmt = stmt.where(Case.channel == f.channel)
    if f.centre is not None:
        stmt = stmt.where(_in_centre_subtree(f.centre, user))
    if f.first_responder is not None:
        person = _person_id(f.first_responder, user)
        stmt = stmt.where(Case.first_responder_id == person if person is not None else false())
    if f.owner == "none":
        stmt = stmt.where(Case.owner_id.is_(None))
    elif f.owner is not None:
        person = _person_id(f.owner, user)
        stmt = stmt.where(Case.owner_id == person if person is not None else false())
    column = Case.created_at if f.date_field == "created" else Case.submitted_at
    if f.date_from is not None:
        stmt = stmt.where(column >= china_day_start(f.date_from))
    if f.date_to is not None and f.date_to < date.max:
        stmt = stmt.where(column < china_day_start(f.date_to + timedelta(days=1)))
    for term in search_terms(f.q):
        stmt = stmt.where(_contains(term))
        if _NORMALISED_PATENT.match(term):
            # A whole patent number: the rights' index finds its few cases, so the text match
            # only reads those (SQLite has no trigram index; a scan of 100,000 cases took 0.7 s).
            stmt = stmt.where(Case.id.in_(select(CaseRight.case_id).where(CaseRight.number == term.upper())))
    if f.min_priority:
        stmt = stmt.where(Case.priority >= f.min_priority)
    if f.overdue is not None or f.due_soon:
        from app.clocks.display import due_soon_until
        from app.core.db import utcnow

        now = f.now or utcnow()
        if f.overdue:
            stmt = stmt.where(Case.next_due_at < now)
        elif f.overdue is False:
            stmt = stmt.where(or_(Case.next_due_at.is_(None), Case.next_due_at >= now))
        if f.due_soon:
            stmt = stmt.where(Case.next_due_at >= now, Case.next_due_at <= due_soon_until(now))
    return stmt


def _contains(term: str):
    """``search_text`` contains ``term``, with % and _ matched as themselves.

    search_text and the terms are lower-cased, so LIKE (not ILIKE) reads the same on both
    databases; on PostgreSQL the trigram index answers it. The pattern is written into the
    statement rather than bound: psycopg prepares a statement run five times, and PostgreSQL's
    generic plan for a pattern it cannot see chose the trigram index per centre, a full index
    scan for short words (minutes at 100,000 cases, against 30 ms planned for the actual word).
    SQLAlchemy renders the value as a quoted literal.
    """
    escaped = term.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return Case.search_text.like(literal(f"%{escaped}%", literal_execute=True), escape="/")


def _in_centre_subtree(centre_id: int, user):
    """Cases of ``centre_id`` and the centres below it; nothing when that centre is not the user's to see."""
    centre = db.session.execute(
        visible(select(Centre).where(Centre.id == centre_id), user, Centre)
    ).scalar_one_or_none()
    if centre is None:
        return false()
    return Case.centre_id.in_(select(Centre.id).where(Centre.path.startswith(centre.path, autoescape=True)))


# ---- keyset ------------------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR_RE = re.compile(r"^(?P<sort>[nop])(?:(?P<priority>[0-3])\.)?(?P<micros>\d{1,17})\.(?P<id>\d{1,10})$")
# "due first": the due time in microseconds, or "-" when the row has none (those come last).
_DUE_CURSOR_RE = re.compile(r"^d(?P<micros>\d{1,17}|-)\.(?P<id>\d{1,10})$")
_SORT_CODES = {"newest": "n", "oldest": "o", "priority": "p", "due": "d"}


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _moment(micros: str) -> datetime | None:
    try:
        moment = _EPOCH + timedelta(microseconds=int(micros))
    except OverflowError:
        return None
    return moment if moment.year <= 9000 else None


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: the sort key of the last row of this one. For "due first"
    that is ``next_due_at`` (None: the row had no due time) and the id; ``created_at`` is unused."""

    sort: str
    created_at: datetime | None
    id: int
    priority: int = 0
    due_at: datetime | None = None

    def encode(self) -> str:
        if self.sort == "due":
            due = "-" if self.due_at is None else str(_micros(self.due_at))
            return f"d{due}.{self.id}"
        priority = f"{self.priority}." if self.sort == "priority" else ""
        return f"{_SORT_CODES[self.sort]}{priority}{_micros(self.created_at)}.{self.id}"

    @classmethod
    def of(cls, sort: str, row) -> Cursor:
        if sort == "due":
            return cls(sort=sort, created_at=None, id=row.id, due_at=row.next_due_at)
        return cls(sort=sort, created_at=row.created_at, id=row.id, priority=row.priority)

    @classmethod
    def decode(cls, text: str | None, sort: str) -> Cursor | None:
        """The cursor, or None when it is missing, malformed or made for another sort order."""
        if not text or not isinstance(text, str) or len(text) > 40:
            return None
        if sort == "due":
            match = _DUE_CURSOR_RE.match(text)
            if match is None or not 0 < int(match["id"]) < 2**31:
                return None
            if match["micros"] == "-":
                return cls(sort=sort, created_at=None, id=int(match["id"]))
            due_at = _moment(match["micros"])
            return None if due_at is None else cls(sort=sort, created_at=None, id=int(match["id"]), due_at=due_at)
        match = _CURSOR_RE.match(text)
        if match is None or match["sort"] != _SORT_CODES.get(sort):
            return None
        if (sort == "priority") != (match["priority"] is not None):
            return None
        case_id = int(match["id"])
        if not 0 < case_id < 2**31:
            return None
        created_at = _moment(match["micros"])
        if created_at is None:
            return None
        return cls(sort=sort, created_at=created_at, id=case_id, priority=int(match["priority"] or 0))


def _order(sort: str, table=None) -> list:
    t = Case if table is None else table.c
    if sort == "oldest":
        return [t.created_at.asc(), t.id.asc()]
    if sort == "priority":
        return [t.priority.desc(), t.created_at.desc(), t.id.desc()]
    if sort == "due":  # nulls last on both databases (SQLite puts them first by default)
        return [t.next_due_at.is_(None), t.next_due_at.asc(), t.id.asc()]
    return [t.created_at.desc(), t.id.desc()]


def _after(cursor: Cursor):
    """Rows strictly after the cursor in its sort order (a row-value comparison the indexes serve).

    The cursor's values are written into the statement (they are parsed numbers and a time),
    so each page is planned for its own position: PostgreSQL's generic plan for a prepared
    keyset statement read a whole national subtree per page (150 ms against 5 ms).
    """
    created_at = literal(cursor.created_at, Case.created_at.type, literal_execute=True)
    case_id = literal(cursor.id, Case.id.type, literal_execute=True)
    if cursor.sort == "oldest":
        return tuple_(Case.created_at, Case.id) > tuple_(created_at, case_id)
    if cursor.sort == "priority":  # every key descending: one row comparison
        priority = literal(cursor.priority, Case.priority.type, literal_execute=True)
        return tuple_(Case.priority, Case.created_at, Case.id) < tuple_(priority, created_at, case_id)
    return tuple_(Case.created_at, Case.id) < tuple_(created_at, case_id)


def _paged(stmt: Select, sort: str, cursor: Cursor | None, limit: int) -> Select:
    if cursor is not None:
        stmt = stmt.where(_after(cursor))
    return stmt.order_by(*_order(sort)).limit(limit)


def _due_paged(stmt: Select, cursor: Cursor | None, limit: int):
    """A page of "due first": the cases with a due time after the cursor, by (due time, id), then
    those without one, by id; as a subquery with ``id`` and ``next_due_at``.

    Two limited parts joined by UNION ALL, each a plain range of the (next_due_at, id) index: one
    ``(due, id) > cursor OR due IS NULL`` condition could not start the index scan at the cursor,
    so every page would read all the rows before it.
    """
    parts = []
    columns = stmt.with_only_columns(Case.id, Case.next_due_at)
    if cursor is None or cursor.due_at is not None:
        due = columns.where(Case.next_due_at.is_not(None))
        if cursor is not None:
            due_at = literal(cursor.due_at, Case.next_due_at.type, literal_execute=True)
            case_id = literal(cursor.id, Case.id.type, literal_execute=True)
            due = due.where(tuple_(Case.next_due_at, Case.id) > tuple_(due_at, case_id))
        parts.append(due.order_by(Case.next_due_at, Case.id).limit(limit).subquery("due_part"))
    undated = columns.where(Case.next_due_at.is_(None))
    if cursor is not None and cursor.due_at is None:
        undated = undated.where(Case.id > literal(cursor.id, Case.id.type, literal_execute=True))
    parts.append(undated.order_by(Case.id).limit(limit).subquery("undated_part"))
    both = union_all(*(select(p.c.id, p.c.next_due_at) for p in parts)).subquery("both_parts")
    return select(both.c.id, both.c.next_due_at).order_by(*_order("due", both)).limit(limit).subquery("page")


def _page_of_ids(user, filters: CaseFilters, sort: str, cursor: Cursor | None, limit: int):
    """The ids of one page, as a subquery: scope, filters, order and limit on ``cases`` alone.

    Joining the enterprise, centre and people only to the rows of the page (not before the
    sort) is what keeps a page of a national subtree fast: measured on SQLite at 100,000
    cases, 1.1 s when the joins came first, 15 ms this way.
    """
    stmt = apply_filters(select(Case.id), user, filters)
    if sort == "due":
        return _due_paged(stmt, cursor, limit)
    return _paged(stmt, sort, cursor, limit).subquery("page")


# ---- lists -------------------------------------------------------------------------------------------


@dataclass
class CasePage:
    cases: list[Case]
    next_cursor: str | None


LIST_COLUMNS = (
    "number",
    "complainant_type",
    "complainant_name",
    "anonymised_at",  # an anonymised person reads as such (``Case.complainant_label``)
    "title",
    "kind",
    "state",
    "channel",
    "ip_type",
    "ip_number",
    "respondent_name",
    "priority",
    "created_at",
    "submitted_at",
    "centre_id",
    "enterprise_id",
    "first_responder_id",
    "owner_id",
    "filed_by_id",
    "next_due_at",
    "version",
)


def list_row_loads() -> tuple:
    """What a row of a list of cases shows of its case: ``LIST_COLUMNS`` (no long texts), the enterprise's
    name and the centre's code and names, joined. The case list, the home page, "my work" and the
    escalation board add their own (the people's names) as they read them."""
    return (
        load_only(*(getattr(Case, name) for name in LIST_COLUMNS)),
        joinedload(Case.enterprise).load_only(Enterprise.name),
        joinedload(Case.centre).load_only(Centre.code, Centre.name_zh, Centre.name_en),
    )


def case_list(
    user, filters: CaseFilters | None = None, cursor: str | None = None, limit: int = 50, sort: str = "newest"
) -> CasePage:
    """One page of the cases ``user`` may see, narrowed by ``filters``.

    Everything the list shows (enterprise, centre, first responder, owner) is loaded by the
    same statement, so a page runs the same few statements whatever its length (a test counts
    them). (Not ``raiseload("*")`` on top: it also marks unloaded relationships of objects
    already in the session, such as another user's centre, and breaks later code of the
    request.) A cursor that does not parse, or was made for another sort order, is ignored:
    the list starts at its first page.
    """
    sort = sort if sort in SORTS else "newest"
    limit = max(1, min(int(limit), MAX_LIMIT))
    page = _page_of_ids(user, filters or CaseFilters(), sort, Cursor.decode(cursor, sort), limit + 1)
    stmt = (
        select(Case)
        .join(page, page.c.id == Case.id)
        .options(
            # Only the columns a list row shows (and the sort keys): long texts and the people's
            # password hashes stay in the database, and building 50 rows costs less.
            *list_row_loads(),
            joinedload(Case.first_responder).load_only(User.name),
            joinedload(Case.owner).load_only(User.name),
        )
        .order_by(*_order(sort))
    )
    rows = db.session.execute(stmt).unique().scalars().all()
    next_cursor = Cursor.of(sort, rows[limit - 1]).encode() if len(rows) > limit else None
    return CasePage(cases=list(rows[:limit]), next_cursor=next_cursor)


def export_rows(user, filters: CaseFilters | None = None, sort: str = "newest", batch: int = 500) -> Iterator:
    """Every case the filtered list holds, as plain rows, fetched in keyset batches of ``batch``.

    Columns only (no ORM objects), so a long export keeps nothing in the session.
    """
    sort = sort if sort in SORTS else "newest"
    filters = filters or CaseFilters()
    responder, owner = aliased(User), aliased(User)
    columns = select(
        Case.id,
        Case.priority,
        Case.created_at,
        Case.submitted_at,
        Case.number,
        Case.title,
        Case.kind,
        Case.state,
        # A person's case names the person; an anonymous tip-off's, nobody.
        func.coalesce(Enterprise.name, Case.complainant_name).label("enterprise_name"),
        func.coalesce(Enterprise.credit_code, "").label("enterprise_credit_code"),
        Case.ip_type,
        Case.ip_number,
        Case.respondent_name,
        Case.channel,
        responder.name.label("first_responder_name"),
        owner.name.label("owner_name"),
        Centre.code.label("centre_code"),
        Case.next_due_at,
    )
    cursor = None
    while True:
        page = _page_of_ids(user, filters, sort, cursor, batch)
        stmt = (
            columns.join(page, page.c.id == Case.id)
            .outerjoin(Enterprise, Enterprise.id == Case.enterprise_id)
            .join(Centre, Centre.id == Case.centre_id)
            .outerjoin(responder, responder.id == Case.first_responder_id)
            .outerjoin(owner, owner.id == Case.owner_id)
            .order_by(*_order(sort))
        )
        rows = db.session.execute(stmt).all()
        yield from rows
        if len(rows) < batch:
            return
        cursor = Cursor.of(sort, rows[-1])


def staff_choices(user, centre_id: int | None = None, also=()) -> list[tuple[int, str]]:
    """Handlers to offer in the list's person filters: those of the user's own centre, of the
    centre chosen in the filter, and anyone already chosen (a link may carry them), always
    within the user's subtree. Not every handler of a national subtree: thousands of options
    made the page slow to render and to use."""
    from app.cases.workflow import HANDLERS
    from app.core.scope import centre_subtree_ids

    if not user.is_staff:
        return []
    wanted = [User.centre_id == user.centre_id]
    if centre_id:
        wanted.append(User.centre_id == centre_id)
    if also:
        wanted.append(User.id.in_(list(also)))
    own = case((User.centre_id == user.centre_id, 0), else_=1)
    people = db.session.execute(
        select(User.id, User.name, Centre.code, own.label("elsewhere"))
        .join(Centre, Centre.id == User.centre_id)
        .where(User.centre_id.in_(centre_subtree_ids(user)), User.role.in_(list(HANDLERS)), or_(*wanted))
        .order_by(own, Centre.code, User.name, User.id)
        .limit(500)
    ).all()
    return [(p.id, f"{p.name}（{p.code}）" if p.elsewhere else p.name) for p in people]


@dataclass(frozen=True)
class MaterialRequest:
    """What the centre asked the applicant for, and by when (``due_on`` may be None)."""

    what: str
    due_on: date | None
    requested_at: datetime


def open_material_request(case: Case) -> MaterialRequest | None:
    """The request for material the case is waiting on (the latest ``request_material`` event),
    or None when the case is not awaiting material."""
    from app.cases.models import CaseEvent

    if case.state is not CaseState.AWAITING_MATERIAL:
        return None
    event = db.session.execute(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.action == "request_material", CaseEvent.subject_type.is_(None))
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    ).scalar_one_or_none()
    if event is None:
        return None
    return _material_request(event.comment, event.data, event.created_at)


def open_material_requests(cases) -> dict[int, MaterialRequest]:
    """``open_material_request`` for many cases in one statement: case id -> the request each of
    ``cases`` that awaits material waits on (the latest ``request_material`` event of each)."""
    from sqlalchemy import func

    from app.cases.models import CaseEvent

    ids = sorted({c.id for c in cases if c.state is CaseState.AWAITING_MATERIAL})
    if not ids:
        return {}
    own_requests = (
        CaseEvent.case_id.in_(ids),
        CaseEvent.action == "request_material",
        CaseEvent.subject_type.is_(None),
    )
    latest = (
        select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq"))
        .where(*own_requests)
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    rows = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.comment, CaseEvent.data, CaseEvent.created_at).join(
            latest, (latest.c.case_id == CaseEvent.case_id) & (latest.c.seq == CaseEvent.seq)
        )
    ).all()
    return {row.case_id: _material_request(row.comment, row.data, row.created_at) for row in rows}


def _material_request(comment: str, data, requested_at: datetime) -> MaterialRequest:
    due = (data or {}).get("due_on")
    try:
        due_on = date.fromisoformat(due) if due else None
    except (TypeError, ValueError):
        due_on = None
    return MaterialRequest(comment, due_on, requested_at)
