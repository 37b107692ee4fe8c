"""Every write about cases. ``transition`` applies a workflow action through the engine's one
door (``app.core.engine``), which the case reaches through ``CaseDoor``.

Services take the acting user explicitly, flush and never commit: the request
(or the CLI command) commits once at its end.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role, User
from app.cases import handovers, workflow
from app.cases.enums import OPEN_STATES, CaseKind, CaseState, Channel, ComplainantType, IPType
from app.cases.events import record_applied, record_event
from app.cases.models import (
    Attachment,
    Case,
    CaseAuditHead,
    CaseEvent,
    CaseLink,
    CaseRespondent,
    CaseRight,
    CaseSequence,
    Document,
)
from app.cases.permissions import (
    actions_beyond_scope,
    can_act_on_case,
    can_see_case,
    is_active_member,
    may_write,
)
from app.core import engine
from app.core.db import utcnow
from app.core.engine import ActionRefused, Door, NotFound, UnknownAction  # noqa: F401 (the API and views catch them here)
from app.core.errors import ConflictError, ServiceError
from app.core.identifiers import IdentifierError, as_typed, normalise_credit_code, normalise_right_number
from app.core.permissions import centre_in_scope
from app.enterprises.models import Enterprise
from app.extensions import db

CHINA = ZoneInfo("Asia/Shanghai")
MAX_AMOUNT_FEN = 10**15  # ten trillion yuan: anything above is a typing error
MAX_RIGHTS = 20
MAX_RESPONDENTS = 20


class CaseNotFound(NotFound):
    """The case does not exist or is not the actor's to see (both answer 404)."""


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


def assign_number(case: Case, now) -> None:
    """Give a case its official number when it is submitted (a draft takes none): the next of its
    centre's series for the year of submission. A case that has one (a draft numbered before drafts
    stopped taking numbers) keeps it."""
    if case.number is not None:
        return
    year = now.astimezone(CHINA).year
    with db.session.no_autoflush:  # the case's changes go in the action's one flush (one version step)
        sequence, number = next_case_number(case.centre, year)
    case.number, case.year, case.sequence = number, year, sequence
    case.number_centre_id = case.centre_id
    refresh_search_text(case)


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
    firm = case.enterprise
    parts = [case.number or "", case.title, firm.name if firm else "", firm.credit_code if firm else ""]
    parts += [case.complainant_name, case.complainant_phone, case.caller_name, case.caller_phone, case.call_ticket]
    parts += [r.number for r in case.rights] + [r.title for r in case.rights]
    parts += [r.name for r in case.respondents] + [r.credit_code or "" for r in case.respondents]
    case.search_text = " ".join(p for p in parts if p).lower()


def _priority(enterprise: Enterprise | None) -> int:
    if enterprise is None:
        return 0
    return sum((enterprise.is_specialised_new, enterprise.is_little_giant, enterprise.is_in_hardship))


_PHONE_CHARS = frozenset("0123456789+-() ")


def _phone(value, field: str, label) -> str:
    text = " ".join(as_typed(_clean(value, 40, field, label)).split())
    if text and (not set(text) <= _PHONE_CHARS or sum(c.isdigit() for c in text) < 3):
        raise ServiceError(_l("Enter a phone number: digits, with +, - or spaces, e.g. 0755-12345678."), field=field)
    return text


def _complainant(actor: User, raw: dict | None, enterprise: Enterprise | None) -> tuple[ComplainantType, str, str]:
    """Who brings the case: the enterprise, or (recorded by staff) a natural person or an anonymous tip-off."""
    if raw is None:
        if enterprise is None:
            raise ServiceError(_l("Name the enterprise, or the person who complains."), field="enterprise")
        return ComplainantType.ENTERPRISE, "", ""
    if not isinstance(raw, dict):
        raise ServiceError(_l("Describe the complainant with their type, name and phone."), field="complainant_type")
    try:
        kind = ComplainantType(raw.get("type"))
    except (ValueError, TypeError):
        raise ServiceError(_l("Choose who complains."), field="complainant_type") from None
    if kind is ComplainantType.ENTERPRISE:
        if enterprise is None:
            raise ServiceError(_l("Name the enterprise, or the person who complains."), field="enterprise")
        return kind, "", ""
    if actor.role not in workflow.HANDLERS:
        raise ServiceError(
            _l(
                "Only the centre's staff record a case for a person or an anonymous tip-off; you file for your enterprise."
            ),
            field="complainant_type",
        )
    if enterprise is not None:
        raise ServiceError(
            _l("A case of a person or an anonymous tip-off names no enterprise; leave the enterprise out."),
            field="enterprise",
        )
    name = _clean(raw.get("name"), 100, "complainant_name", _l("Complainant's name"))
    phone = _phone(raw.get("phone"), "complainant_phone", _l("Complainant's phone"))
    if kind is ComplainantType.INDIVIDUAL and not name:
        raise ServiceError(_l("Give the name of the person who complains."), field="complainant_name")
    return kind, name, phone


def _call(actor: User, raw: dict | None, channel: Channel) -> dict:
    """A hotline call's caller, phone, time and 12330 ticket (staff only, hotline cases only)."""
    if raw is None or not any(v not in (None, "") for v in raw.values()):
        return {}
    if actor.role not in workflow.HANDLERS:
        raise ServiceError(_l("Only the centre's staff record the details of a hotline call."), field="call")
    if channel is not Channel.HOTLINE:
        raise ServiceError(_l("Call details belong to a case that came through the 12330 hotline."), field="call")
    called_at = raw.get("called_at")
    if called_at is not None:
        if not isinstance(called_at, datetime) or called_at.tzinfo is None:
            raise ServiceError(_l("Give the time of the call with its date."), field="called_at")
        if called_at > utcnow() + timedelta(minutes=5):
            raise ServiceError(_l("The call cannot be in the future."), field="called_at")
    ticket = "".join(as_typed(_clean(raw.get("ticket"), 40, "call_ticket", _l("12330 ticket number"))).split())
    return {
        "caller_name": _clean(raw.get("caller_name"), 100, "caller_name", _l("Caller's name")),
        "caller_phone": _phone(raw.get("caller_phone"), "caller_phone", _l("Caller's phone")),
        "called_at": called_at,
        "call_ticket": ticket,
    }


def create_case(
    actor: User,
    *,
    enterprise: Enterprise | None,
    kind: str,
    channel: str,
    title: str = "",
    rights: list | None = None,
    respondents: list | None = None,
    facts: str = "",
    help_wanted: str = "",
    claimed_amount_fen=None,
    draft: bool = False,
    complainant: dict | None = None,
    call: dict | None = None,
) -> Case:
    """File a case for ``enterprise``, or (staff) for a person or an anonymous tip-off (``complainant``:
    ``{"type", "name", "phone"}``, with ``enterprise`` None).

    An applicant files for their own enterprise through the web portal; a caseworker or
    supervisor records a case from any channel for an enterprise in their scope, or for a
    person or tip-off, becomes its first responder, and the case counts as acknowledged at
    once. A hotline case may carry its ``call`` (caller, phone, time, 12330 ticket). The case
    takes its official number when it is submitted; a draft has none.
    """
    try:
        kind_value = CaseKind(kind)
    except (ValueError, TypeError):
        raise ServiceError(_l("Choose the kind of case."), field="kind") from None
    try:
        channel_value = Channel(channel)
    except (ValueError, TypeError):
        raise ServiceError(_l("Choose the channel the case came through."), field="channel") from None

    complainant_type, complainant_name, complainant_phone = _complainant(actor, complainant, enterprise)
    call_fields = _call(actor, call, channel_value)
    if actor.role is Role.APPLICANT:
        if enterprise is None or not is_active_member(actor, enterprise.id):
            raise ServiceError(_l("You can file cases only for your own enterprise."), field="enterprise")
        if channel_value is not Channel.WEB:
            raise ServiceError(_l("Cases you file yourself come through the web portal."), field="channel")
        centre = enterprise.centre
    elif actor.role in workflow.HANDLERS:
        if enterprise is not None and not centre_in_scope(actor, enterprise.centre):
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
    case = Case(
        number=None,
        centre=centre,
        centre_id=centre.id,
        number_centre_id=centre.id,
        year=None,
        sequence=None,
        kind=kind_value,
        channel=channel_value,
        state=CaseState.DRAFT,
        complainant_type=complainant_type,
        complainant_name=complainant_name,
        complainant_phone=complainant_phone,
        enterprise=enterprise,
        enterprise_id=enterprise.id if enterprise is not None else None,
        filed_by_id=actor.id,
        **call_fields,
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
    if actor.is_staff:
        workflow.take_up(case, actor)
    db.session.add(case)
    db.session.flush()
    created = {"channel": channel_value.value}
    if complainant_type is not ComplainantType.ENTERPRISE:
        created["complainant"] = complainant_type.value
    record_event(case, actor, "create", to_state=CaseState.DRAFT, data=created)
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


def delete_draft(actor: User, case: Case, version: int | None = None) -> str:
    """Its author deletes a draft with everything it holds (rights, respondents, evidence files, its
    chain of events). Nothing was submitted, so nothing of it needs keeping; a draft that took an
    official number before drafts stopped taking one is kept (its number must stay accounted for).
    Returns the reference the draft had."""
    if case.filed_by_id != actor.id:
        raise ActionRefused([_l("Only whoever started the draft can delete it.")], forbidden=True)
    if case.state is not CaseState.DRAFT:
        raise ActionRefused([_l("Only a draft can be deleted; a submitted case can be withdrawn.")])
    if case.number is not None:
        raise ActionRefused(
            [
                _l(
                    "This draft already holds the official number %(number)s, which must stay on record: submit it or "
                    "ask the centre to close it.",
                    number=case.number,
                )
            ]
        )
    if version is not None and version != case.version:
        raise ConflictError(_l("Someone else changed this case meanwhile."))
    case = lock_case(case)
    if case.state is not CaseState.DRAFT:
        raise ConflictError(_l("Someone else changed this case meanwhile."))
    ref = case.ref
    from app.clocks.models import CaseClock
    from app.core import storage

    paths = list(db.session.execute(select(Attachment.storage_path).where(Attachment.case_id == case.id)).scalars())
    paths += db.session.execute(select(Document.storage_path).where(Document.case_id == case.id)).scalars().all()
    for model in (Attachment, Document, CaseClock, CaseEvent, CaseAuditHead):
        db.session.execute(delete(model).where(model.case_id == case.id).execution_options(synchronize_session=False))
    db.session.delete(case)  # its rights, respondents, links and notifications go with it
    db.session.flush()
    for path in paths:
        _remove_after_commit(path, storage)
    return ref


def _remove_after_commit(path: str, storage) -> None:
    """Within a request, a deleted draft's file goes once the deletion is committed; elsewhere at once."""
    from flask import has_request_context

    if has_request_context():
        from app.core.requests import after_commit

        after_commit(storage.remove, path)
    else:
        storage.remove(path)


# ---- the one door ------------------------------------------------------------------------------------


class CaseDoor(Door):
    """How the engine's one door reaches a case: who sees and acts on it, who answers for it
    beyond their scope, what its guards read, and its audit chain."""

    workflow = workflow.CASES
    model = Case
    not_found = CaseNotFound
    not_found_text = _l("Case not found.")
    conflict_text = _l("Someone else changed this case meanwhile.")

    def can_see(self, actor, case) -> bool:
        return can_see_case(actor, case)

    def can_act(self, actor, case) -> bool:
        return can_act_on_case(actor, case)

    def beyond_scope(self, actor, case):
        return actions_beyond_scope(actor, case)

    def beyond_scope_reason(self, actor, case):
        if case.first_responder_id == actor.id:
            return _l("The case is now another centre's: as first responder you confirm what the applicant was told.")
        return _l("Your centre may only answer the transfer offered to it.")

    def now(self):
        return utcnow()  # this module's name for it, which the clocks' tests set

    def case_of(self, case):
        return case

    def facts(self, case, data=None):
        return handovers.facts(case, data)

    def record(self, applied):
        return record_applied(applied)


DOOR = CaseDoor()


def lock_case(case: Case) -> Case:
    """Reload the case under a row lock so two people acting at once cannot both win."""
    return DOOR.lock(case)


def transition(
    case: Case,
    action_name: str,
    actor: User,
    *,
    comment: str | None = None,
    data: dict | None = None,
    expected_version: int | None = None,
) -> Case:
    """Apply one workflow action to a case through the engine's one door."""
    return engine.transition(
        DOOR, case, action_name, actor, comment=comment, data=data, expected_version=expected_version
    )


def available_actions(case: Case, actor: User) -> list[workflow.Check]:
    """What ``actor`` may do on ``case`` now, and why the rest is blocked."""
    return DOOR.available_actions(case, actor)


# ---- notes, messages and links -----------------------------------------------------------------------


def add_note(case: Case, actor: User, text: str) -> CaseEvent:
    """An internal note: staff only, never shown to the applicant."""
    if not actor.is_staff or not may_write(actor, case, "note"):
        raise ActionRefused([_l("Only staff can write internal notes.")], forbidden=True)
    text = _clean(text, 10000, "text", _l("Note"))
    if not text:
        raise ServiceError(_l("Write the note."), field="text")
    return record_event(case, actor, "note", from_state=case.state, to_state=case.state, comment=text, internal=True)


def send_message(case: Case, actor: User, text: str) -> CaseEvent:
    """A message on the applicant's timeline, from staff or from the applicant."""
    if not can_act_on_case(actor, case) or not may_write(actor, case, "message"):
        raise ActionRefused([_l("You cannot write on this case.")], forbidden=True)
    text = _clean(text, 10000, "text", _l("Message"))
    if not text:
        raise ServiceError(_l("Write the message."), field="text")
    event = record_event(case, actor, "message", from_state=case.state, to_state=case.state, comment=text)
    _tell_of_message(case, actor, text)
    return event


def _tell_of_message(case: Case, actor: User, text: str) -> None:
    """Staff's message goes to the case's applicants; an applicant's to whoever handles the case."""
    from app.cases.feedback import _excerpt, tell_applicants
    from app.notifications.services import notify

    if actor.is_staff:
        tell_applicants(case, "case_message", {"comment": _excerpt(text)}, actor)
    else:
        handler = case.owner_id or case.first_responder_id
        if handler is not None and handler != actor.id:
            notify([handler], "applicant_message", case, {"comment": _excerpt(text)})


def link_related(case: Case, other: Case, actor: User) -> CaseLink:
    """Mark two cases in the actor's scope as related (both directions)."""
    if (
        actor.role not in workflow.HANDLERS
        or not may_write(actor, case, "link_related")
        or not may_write(actor, other, "link_related")
    ):
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
        Case.number.is_not(None),  # a draft not yet submitted is nobody's case to cite
    )
    if exclude_id is not None:
        stmt = stmt.where(Case.id != exclude_id)
    stmt = visible(stmt, actor, Case).order_by(Case.created_at.desc()).limit(10)
    return list(db.session.execute(stmt).scalars())
