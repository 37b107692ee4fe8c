"""Every write about cases. ``transition`` is the one door through which a case's state changes.

Services take the acting user explicitly, flush and never commit: the request
(or the CLI command) commits once at its end.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role, User
from app.cases import handovers, workflow
from app.cases.enums import OPEN_STATES, AcceptanceCondition, CaseKind, CaseState, Channel, DeclineReason, IPType
from app.cases.models import (
    Case,
    CaseAuditHead,
    CaseEvent,
    CaseLink,
    CaseRespondent,
    CaseRight,
    CaseSequence,
)
from app.cases.permissions import (
    actions_beyond_scope,
    can_act_on_case,
    can_see_case,
    is_active_member,
)
from app.clocks import services as clock_services
from app.core.audit import GENESIS, head_seal, seal
from app.core.db import utcnow
from app.core.errors import ConflictError, ServiceError
from app.core.identifiers import IdentifierError, normalise_credit_code, normalise_right_number
from app.core.permissions import centre_in_scope
from app.enterprises.models import Enterprise
from app.extensions import db
from app.notifications.services import notify

CHINA = ZoneInfo("Asia/Shanghai")
MAX_AMOUNT_FEN = 10**15  # ten trillion yuan: anything above is a typing error
MAX_RIGHTS = 20
MAX_RESPONDENTS = 20


class CaseNotFound(ServiceError):
    """The case does not exist or is not the actor's to see (both answer 404)."""


class UnknownAction(ServiceError):
    pass


class ActionRefused(ServiceError):
    """A workflow action the actor may not take now; ``reasons`` says why.

    ``forbidden`` is True when the actor's role may never take it (403), False when a
    state or guard blocks it (422).
    """

    def __init__(self, reasons, forbidden: bool = False):
        super().__init__(reasons[0] if reasons else _l("This action is not possible."))
        self.reasons = list(reasons)
        self.forbidden = forbidden


# ---- numbers -----------------------------------------------------------------------------------------


def next_case_number(centre, year: int) -> tuple[int, str]:
    """Take the next number of ``centre`` for ``year``.

    The counter row is updated in the caller's transaction, so concurrent filers queue on
    its row lock (PostgreSQL) or on the write lock (SQLite), and a rolled-back filing
    gives its number back: numbers stay gapless.
    """
    stmt = (
        update(CaseSequence)
        .where(CaseSequence.centre_id == centre.id, CaseSequence.year == year)
        .values(last_value=CaseSequence.last_value + 1)
        .returning(CaseSequence.last_value)
        .execution_options(synchronize_session=False)
    )
    value = db.session.execute(stmt).scalar_one_or_none()
    if value is None:
        try:
            with db.session.begin_nested():
                db.session.add(CaseSequence(centre_id=centre.id, year=year, last_value=1))
            value = 1
        except IntegrityError:  # someone created the counter meanwhile: take the next value
            value = db.session.execute(stmt).scalar_one()
    if value > 99999:
        raise ServiceError(_l("This centre has used every case number of the year."))
    return value, f"{centre.code}-{year}-{value:05d}"


# ---- audit -------------------------------------------------------------------------------------------


def record_event(
    case: Case,
    actor: User | None,
    action: str,
    *,
    from_state=None,
    to_state=None,
    comment: str = "",
    data: dict | None = None,
    internal: bool = False,
) -> CaseEvent:
    """Append one event to the case's chain (the only way events are written)."""
    head = db.session.execute(
        select(CaseAuditHead).where(CaseAuditHead.case_id == case.id).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = CaseAuditHead(case_id=case.id, seq=0, hash=GENESIS, seal="")
        db.session.add(head)
    event = CaseEvent(
        case_id=case.id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        from_state=from_state.value if from_state is not None else None,
        to_state=to_state.value if to_state is not None else None,
        comment=comment or "",
        data=data or {},
        visibility="internal" if internal else "applicant",
        created_at=utcnow(),
    )

    class _Prev:  # the head stands in for the previous event
        seq = head.seq
        hash = head.hash

    seal(event, _Prev if head.seq else None)
    db.session.add(event)
    head.seq, head.hash = event.seq, event.hash
    head.seal = head_seal(case.id, head.seq, head.hash)
    db.session.flush()
    return event


# ---- filing ------------------------------------------------------------------------------------------


def _clean(value, limit: int, field: str, label) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise ServiceError(_l("%(field)s must be text.", field=label), field=field)
    if len(text) > limit:
        raise ServiceError(_l("%(field)s is too long (at most %(n)d characters).", field=label, n=limit), field=field)
    return text


def _rights(raw: list, kind: CaseKind) -> list[CaseRight]:
    if not isinstance(raw, list) or len(raw) > MAX_RIGHTS:
        raise ServiceError(_l("Give at most %(n)d rights.", n=MAX_RIGHTS), field="ip_right")
    rights = []
    for position, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ServiceError(_l("Describe the right with its type and number."), field="ip_right")
        type_value = item.get("type")
        try:
            ip_type = IPType(type_value)
        except (ValueError, TypeError):
            raise ServiceError(_l("Choose the type of right."), field="ip_type") from None
        number_raw = item.get("number") or ""
        if not isinstance(number_raw, str):
            raise ServiceError(_l("The number of the right must be text."), field="ip_number")
        try:
            number = normalise_right_number(number_raw, ip_type.value) if number_raw.strip() else ""
        except IdentifierError as exc:
            raise ServiceError(exc.message, field="ip_number") from None
        if ip_type.is_patent and not number and kind is not CaseKind.CONSULTATION:
            raise ServiceError(_l("Enter the patent number."), field="ip_number")
        title = _clean(item.get("title"), 200, "ip_title", _l("Name of the right"))
        rights.append(CaseRight(position=position, type=ip_type, number=number, title=title))
    if not rights and kind is not CaseKind.CONSULTATION:
        raise ServiceError(_l("Name the right that was infringed."), field="ip_type")
    return rights


def _respondents(raw: list) -> list[CaseRespondent]:
    if not isinstance(raw, list) or len(raw) > MAX_RESPONDENTS:
        raise ServiceError(_l("Give at most %(n)d respondents.", n=MAX_RESPONDENTS), field="respondent_name")
    out = []
    for position, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ServiceError(_l("Describe the respondent with a name."), field="respondent_name")
        name = _clean(item.get("name"), 200, "respondent_name", _l("Respondent"))
        code_raw = item.get("credit_code")
        code = None
        if code_raw not in (None, ""):
            if not isinstance(code_raw, str):
                raise ServiceError(_l("The credit code must be text."), field="respondent_credit_code")
            try:
                code = normalise_credit_code(code_raw)
            except IdentifierError as exc:
                raise ServiceError(exc.message, field="respondent_credit_code") from None
        address = _clean(item.get("address"), 300, "respondent_address", _l("Address")) or None
        url = _clean(item.get("url"), 500, "respondent_url", _l("Web address")) or None
        if not name and (code or address or url):
            raise ServiceError(_l("Give the respondent's name."), field="respondent_name")
        if name:
            out.append(CaseRespondent(position=position, name=name, credit_code=code, address=address, url=url))
    for position, respondent in enumerate(out):
        respondent.position = position
    return out


def _amount(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(_l("The amount must be a whole number of fen."), field="claimed_amount")
    if value < 0:
        raise ServiceError(_l("The amount cannot be negative."), field="claimed_amount")
    if value > MAX_AMOUNT_FEN:
        raise ServiceError(_l("The amount is too large."), field="claimed_amount")
    return value


def refresh_search_text(case: Case) -> None:
    parts = [case.number, case.title, case.enterprise.name if case.enterprise else "", case.enterprise.credit_code]
    parts += [r.number for r in case.rights] + [r.title for r in case.rights]
    parts += [r.name for r in case.respondents] + [r.credit_code or "" for r in case.respondents]
    case.search_text = " ".join(p for p in parts if p).lower()


def _priority(enterprise: Enterprise) -> int:
    return sum((enterprise.is_specialised_new, enterprise.is_little_giant, enterprise.is_in_hardship))


def create_case(
    actor: User,
    *,
    enterprise: Enterprise,
    kind: str,
    channel: str,
    title: str = "",
    rights: list | None = None,
    respondents: list | None = None,
    facts: str = "",
    help_wanted: str = "",
    claimed_amount_fen=None,
    draft: bool = False,
) -> Case:
    """File a case for ``enterprise``.

    An applicant files for their own enterprise through the web portal; a caseworker or
    supervisor records a case from any channel for an enterprise in their scope, becomes its
    first responder, and the case counts as acknowledged at once.
    """
    try:
        kind_value = CaseKind(kind)
    except (ValueError, TypeError):
        raise ServiceError(_l("Choose the kind of case."), field="kind") from None
    try:
        channel_value = Channel(channel)
    except (ValueError, TypeError):
        raise ServiceError(_l("Choose the channel the case came through."), field="channel") from None

    if actor.role is Role.APPLICANT:
        if not is_active_member(actor, enterprise.id):
            raise ServiceError(_l("You can file cases only for your own enterprise."), field="enterprise")
        if channel_value is not Channel.WEB:
            raise ServiceError(_l("Cases you file yourself come through the web portal."), field="channel")
        centre = enterprise.centre
    elif actor.role in workflow.HANDLERS:
        if not centre_in_scope(actor, enterprise.centre):
            raise ServiceError(_l("This enterprise is not served by your centre."), field="enterprise")
        centre = actor.centre
    else:
        raise ActionRefused([_l("Your role cannot file cases.")], forbidden=True)

    case_rights = _rights(rights or [], kind_value)
    case_respondents = _respondents(respondents or [])
    title_text = _clean(title, 200, "title", _l("Subject"))
    if not title_text:
        if case_rights and case_rights[0].title:
            title_text = case_rights[0].title
        elif case_respondents:
            title_text = str(_l("Against %(name)s", name=case_respondents[0].name))[:200]
        else:
            title_text = kind_value.label
    facts_text = _clean(facts, 20000, "facts", _l("Facts"))
    help_text = _clean(help_wanted, 5000, "help_wanted", _l("Help wanted"))
    if kind_value is not CaseKind.CONSULTATION and not draft and not facts_text:
        raise ServiceError(_l("Describe the facts of the infringement."), field="facts")
    if kind_value is CaseKind.CONSULTATION and not draft and not (facts_text or help_text):
        raise ServiceError(_l("Write your question."), field="help_wanted")
    amount = _amount(claimed_amount_fen)

    now = utcnow()
    year = now.astimezone(CHINA).year
    sequence, number = next_case_number(centre, year)
    case = Case(
        number=number,
        centre=centre,
        centre_id=centre.id,
        number_centre_id=centre.id,
        year=year,
        sequence=sequence,
        kind=kind_value,
        channel=channel_value,
        state=CaseState.DRAFT,
        enterprise=enterprise,
        enterprise_id=enterprise.id,
        filed_by_id=actor.id,
        title=title_text,
        facts=facts_text,
        help_wanted=help_text,
        claimed_amount_fen=amount,
        priority=_priority(enterprise),
        created_at=now,
    )
    case.rights = case_rights
    case.respondents = case_respondents
    _sync_primary(case)
    refresh_search_text(case)
    db.session.add(case)
    db.session.flush()
    record_event(case, actor, "create", to_state=CaseState.DRAFT, data={"channel": channel_value.value})
    if actor.is_staff:
        _take_up(case, actor)
    if not draft:
        transition(case, "submit", actor)
        if actor.is_staff:
            transition(case, "acknowledge", actor)
    return case


def _sync_primary(case: Case) -> None:
    first_right = case.rights[0] if case.rights else None
    case.ip_type = first_right.type if first_right else None
    case.ip_number = first_right.number if first_right else ""
    case.respondent_name = case.respondents[0].name if case.respondents else ""


def update_draft(actor: User, case: Case, version: int | None, **fields) -> Case:
    """Change a draft before it is submitted (only its filer, or staff for their own drafts)."""
    if case.state is not CaseState.DRAFT:
        raise ActionRefused([_l("Only a draft can be edited.")])
    if case.filed_by_id != actor.id:
        raise ActionRefused([_l("Only whoever started the draft can edit it.")], forbidden=True)
    if version is not None and version != case.version:
        raise ConflictError(_l("Someone else changed this case meanwhile."))
    kind_value = case.kind
    if "kind" in fields:
        try:
            kind_value = CaseKind(fields["kind"])
        except (ValueError, TypeError):
            raise ServiceError(_l("Choose the kind of case."), field="kind") from None
    rights = _rights(fields.get("rights") or [], kind_value) if "rights" in fields else None
    respondents = _respondents(fields.get("respondents") or []) if "respondents" in fields else None
    case.kind = kind_value
    if "title" in fields:
        case.title = _clean(fields["title"], 200, "title", _l("Subject")) or case.title
    if "facts" in fields:
        case.facts = _clean(fields["facts"], 20000, "facts", _l("Facts"))
    if "help_wanted" in fields:
        case.help_wanted = _clean(fields["help_wanted"], 5000, "help_wanted", _l("Help wanted"))
    if "claimed_amount_fen" in fields:
        case.claimed_amount_fen = _amount(fields["claimed_amount_fen"])
    if rights is not None or respondents is not None:
        # The old rows go first: the new ones take the same positions, unique per case.
        if rights is not None:
            case.rights = []
        if respondents is not None:
            case.respondents = []
        db.session.flush()
    if rights is not None:
        case.rights = rights
    if respondents is not None:
        case.respondents = respondents
    db.session.flush()
    _sync_primary(case)
    refresh_search_text(case)
    record_event(case, actor, "edit_draft", from_state=case.state, to_state=case.state)
    return case


def _take_up(case: Case, actor: User) -> None:
    """The first staff member to take up a case becomes its first responder, for good."""
    if case.first_responder_id is None and actor.role in workflow.HANDLERS:
        case.first_responder_id = actor.id
        case.first_responder = actor
        if case.owner_id is None:
            case.owner_id = actor.id
            case.owner = actor


# ---- the one door ------------------------------------------------------------------------------------


def lock_case(case: Case) -> Case:
    """Reload the case under a row lock so two people acting at once cannot both win."""
    return db.session.execute(
        select(Case).where(Case.id == case.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def transition(
    case: Case,
    action_name: str,
    actor: User,
    *,
    comment: str | None = None,
    data: dict | None = None,
    expected_version: int | None = None,
) -> Case:
    """Apply one workflow action: the only code that assigns ``case.state``."""
    if not isinstance(action_name, str) or action_name not in workflow.ACTIONS:
        raise UnknownAction(_l("There is no such action."))
    action = workflow.ACTIONS[action_name]
    if not can_see_case(actor, case):
        raise CaseNotFound(_l("Case not found."))
    case = lock_case(case)
    if expected_version is not None and expected_version != case.version:
        raise ConflictError(_l("Someone else changed this case meanwhile."))
    if data is not None and not isinstance(data, dict):
        raise ServiceError(_l("The action's data must be an object."), field="data")
    if comment is not None and not isinstance(comment, str):
        raise ServiceError(_l("The comment must be text."), field="comment")
    comment = (comment or "").strip()
    if len(comment) > 10000:
        raise ServiceError(_l("The comment is too long (at most %(n)d characters).", n=10000), field="comment")
    data = dict(data or {})
    if not can_act_on_case(actor, case):
        raise ActionRefused([_l("Your role cannot take this action.")], forbidden=True)
    limited = actions_beyond_scope(actor, case)
    if limited is not None and action_name not in limited:
        if case.first_responder_id == actor.id:
            reason = _l("The case is now another centre's: as first responder you confirm what the applicant was told.")
        else:
            reason = _l("Your centre may only answer the transfer offered to it.")
        raise ActionRefused([reason], forbidden=True)
    ctx = handovers.action_context(case, data)
    result = workflow.check(case, action, actor, {"comment": comment, "data": data, **ctx})
    if not result.allowed:
        raise ActionRefused(list(result.reasons), forbidden=result.role_refused)

    source = case.state
    target = action.target_for(case)
    now = utcnow()
    notices = []
    # Nothing is flushed until the event is recorded, so the case row is written once (one version).
    with db.session.no_autoflush:
        recorded = _apply_effects(case, action_name, actor, data, comment, now)
        if action_name in handovers.ACTIONS:
            extra, notices = handovers.apply(case, action_name, actor, ctx, comment, now)
            recorded.update(extra)
        elif target in (CaseState.WITHDRAWN, CaseState.CLOSED):
            handovers.cancel_open_offer(case, now)
        case.state = target
        case.updated_at = now
        clock_services.on_transition(case, action_name, actor, now)
    record_event(
        case,
        actor,
        action_name,
        from_state=source,
        to_state=target,
        comment=comment,
        data=recorded,
        internal=not action.visible_to_applicant,
    )
    db.session.flush()
    from app.cases import documents

    documents.after_transition(case, action_name, actor)
    for user_ids, kind, params in notices:
        notify(user_ids, kind, case, params)
    return case


def _apply_effects(case: Case, action: str, actor: User, data: dict, comment: str, now: datetime) -> dict:
    """Timestamps and fields each action sets; returns the data kept in the audit event."""
    recorded: dict = {}
    if action == "submit":
        case.submitted_at = now
    elif action == "acknowledge":
        case.acknowledged_at = now
        _take_up(case, actor)
    elif action == "accept":
        case.decided_at = now
        # The guard saw every condition confirmed; record those, never other keys a client sent.
        recorded["conditions"] = {c.value: True for c in AcceptanceCondition}
    elif action == "decline":
        case.decided_at = now
        case.decline_reason = DeclineReason(data["reason"])
        recorded["reason"] = case.decline_reason.value
    elif action == "answer":
        case.decided_at = now
        case.outcome = comment
        case.closed_at = now
        case.outcome_informed_at = now
    elif action == "resolve":
        case.resolved_at = now
        case.outcome = comment
    elif action == "inform_outcome":
        case.outcome_informed_at = now
    elif action == "close":
        case.closed_at = now
    elif action == "reopen":
        case.closed_at = None
        case.resolved_at = None
        case.outcome_informed_at = None
    elif action == "rate":
        case.rating = data["rating"]
        case.rating_comment = comment[:2000]
        recorded["rating"] = case.rating
    return recorded


def available_actions(case: Case, actor: User) -> list[workflow.Check]:
    """What ``actor`` may do on ``case`` now, and why the rest is blocked."""
    if not can_act_on_case(actor, case):
        return []
    checks = workflow.available_actions(case, actor, handovers.action_context(case))
    limited = actions_beyond_scope(actor, case)
    if limited is not None:
        checks = [c for c in checks if c.action.name in limited]
    return checks


# ---- notes, messages and links -----------------------------------------------------------------------


def add_note(case: Case, actor: User, text: str) -> CaseEvent:
    """An internal note: staff only, never shown to the applicant."""
    if not actor.is_staff or not can_see_case(actor, case):
        raise ActionRefused([_l("Only staff can write internal notes.")], forbidden=True)
    text = _clean(text, 10000, "text", _l("Note"))
    if not text:
        raise ServiceError(_l("Write the note."), field="text")
    return record_event(case, actor, "note", from_state=case.state, to_state=case.state, comment=text, internal=True)


def send_message(case: Case, actor: User, text: str) -> CaseEvent:
    """A message on the applicant's timeline, from staff or from the applicant."""
    if not can_act_on_case(actor, case):
        raise ActionRefused([_l("You cannot write on this case.")], forbidden=True)
    text = _clean(text, 10000, "text", _l("Message"))
    if not text:
        raise ServiceError(_l("Write the message."), field="text")
    return record_event(case, actor, "message", from_state=case.state, to_state=case.state, comment=text)


def link_related(case: Case, other: Case, actor: User) -> CaseLink:
    """Mark two cases in the actor's scope as related (both directions)."""
    if actor.role not in workflow.HANDLERS or not can_see_case(actor, case) or not can_see_case(actor, other):
        raise ActionRefused([_l("You cannot link these cases.")], forbidden=True)
    if case.id == other.id:
        raise ServiceError(_l("A case cannot be related to itself."), field="related")
    existing = db.session.execute(
        select(CaseLink).where(CaseLink.case_id == case.id, CaseLink.related_id == other.id)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    link = CaseLink(case_id=case.id, related_id=other.id, created_by_id=actor.id)
    db.session.add_all([link, CaseLink(case_id=other.id, related_id=case.id, created_by_id=actor.id)])
    db.session.flush()
    record_event(case, actor, "link_related", data={"related": other.number}, internal=True)
    record_event(other, actor, "link_related", data={"related": case.number}, internal=True)
    return link


def find_duplicates(actor: User, ip_numbers: list[str], respondent_names: list[str], exclude_id=None) -> list[Case]:
    """Open cases in the actor's scope with one of the same right numbers against the same respondent."""
    from app.core.scope import visible

    numbers = sorted({n for n in ip_numbers if n})
    names = sorted({n.strip().lower() for n in respondent_names if n and n.strip()})
    if not numbers or not names:
        return []
    stmt = select(Case).where(
        Case.ip_number.in_(numbers),
        func.lower(Case.respondent_name).in_(names),
        Case.state.in_(OPEN_STATES),
    )
    if exclude_id is not None:
        stmt = stmt.where(Case.id != exclude_id)
    stmt = visible(stmt, actor, Case).order_by(Case.created_at.desc()).limit(10)
    return list(db.session.execute(stmt).scalars())
