"""Retention of complainants' personal data: anonymised a number of years after their case ended.

Each centre sets the number of years (the centre setting ``privacy_retention_years``, inherited from
its parent when it sets none, else the installation's ``PRIVACY_RETENTION_YEARS``, default 5). The
Personal Information Protection Law (art. 19) asks for the shortest period the purpose needs; the
purpose outlives the case by the general limitation period of the Civil Code (art. 188, three
years), during which the complainant may still need the records to go to court, so no setting may
go below 3 years (nor above 30). A case "ended" when it was closed (``closed_at``), declined
(``decided_at``) or withdrawn (the time of its withdrawal event); a case reopened is not ended.

``flask --app wsgi privacy-anonymise`` (daily, from cron) anonymises every ended case past its
centre's period that still holds personal fields, in batches, each case through an ``anonymised``
event of its own audit chain: the event seals the digest of the new fields (the personal fields and
``anonymised_at`` are audited, ``app.cases.events``), so ``audit-verify`` still passes and a field
changed back behind the door is caught. The event carries the names of the fields it replaced,
never their values.

What is anonymised (natural persons only):

- ``cases.complainant_name``, ``complainant_phone`` of a natural person's case or a tip-off (the
  name becomes ``***``: a person's case must name someone; pages show "anonymised" instead);
- ``cases.caller_name``, ``caller_phone`` of a hotline call, whoever the case is for (the caller is a
  person even when the complainant is an enterprise); the call's time and 12330 ticket stay;
- ``cases.search_text``, rebuilt from the remaining fields, so the old name no longer finds the case.

What stays, and why:

- enterprises (legal persons, not personal information) and every figure the reports count: the
  statistics of a period are the same before and after;
- the respondents (``case_respondents``, and the copies a mediation or a referral keeps): a natural
  person may be one, but they are the infringers the centre and the enforcement agencies keep
  records of (repeat infringers, referrals); they are not the complainant whose data this rule is
  about. Mediations hold no contact persons of their own (their parties are the case's complainant
  and respondent); a referral's respondent address is the respondent's;
- staff and applicants' accounts (``users``): an applicant closes their account themselves
  (``app.privacy.closure``); a case keeps who filed and who handled it;
- free text (facts, help wanted, outcome, notes, messages, a rating's comment): it may mention a
  person, but it is the substance of the case and cannot be told apart reliably;
- what the audit chain sealed. Events are never rewritten (that would break the chain): the intake
  event records only the channel and the complainant's type, never a name or phone, and no workflow
  input is personal, but the comments of events (notes, messages, a decline's or an outcome's
  wording) are free text, and the issued documents (a notice names the complainant) and evidence
  files are kept with the sha256 their events sealed: they stay as issued, and are served only to
  staff of the case's scope, each read logged (``app.privacy.access_log``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import selectinload

from app.cases.enums import CaseState, ComplainantType
from app.cases.models import Case, CaseEvent
from app.centres.models import Centre, CentreSetting
from app.centres.settings import SETTINGS_BY_KEY
from app.core.db import utcnow
from app.extensions import db

SETTING = "privacy_retention_years"
#: The general limitation period (Civil Code, art. 188): no centre keeps personal data for less.
LEGAL_MINIMUM_YEARS = 3
#: What pages show in place of an anonymised field.
PLACEHOLDER = _l("Anonymised")
#: What an anonymised person's name is stored as (a person's case must name someone).
ANONYMISED_NAME = "***"
#: The fields replaced, in the order the event names them.
PERSONAL_FIELDS = ("complainant_name", "complainant_phone", "caller_name", "caller_phone")
EVENT = "anonymised"
BATCH = 200


def years_before(moment: datetime, years: int) -> datetime:
    """The same instant ``years`` calendar years earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def retention_by_centre() -> dict[int, int]:
    """Every centre's retention period in years: its own setting, else its nearest ancestor's, else
    the installation's default. Two statements, whatever the number of centres."""
    definition = SETTINGS_BY_KEY[SETTING]
    default = definition.default_value()
    own = dict(
        db.session.execute(
            select(CentreSetting.centre_id, CentreSetting.value).where(CentreSetting.key == SETTING)
        ).all()
    )
    result = {}
    for centre_id, path in db.session.execute(select(Centre.id, Centre.path)):
        ancestors = [int(part) for part in path.strip("/").split("/") if part] or [centre_id]
        found = next((own[a] for a in reversed(ancestors) if a in own), None)
        # A value stored before the bounds existed (or by hand) is still kept within them.
        result[centre_id] = default if found is None else min(max(int(found), definition.minimum), definition.maximum)
    return result


def _ended_at():
    """When the case ended: closed, declined, or withdrawn (the time of its last withdrawal)."""
    withdrawn_at = (
        select(func.max(CaseEvent.created_at))
        .where(CaseEvent.case_id == Case.id, CaseEvent.action == "withdraw", CaseEvent.subject_type.is_(None))
        .scalar_subquery()
    )
    return sql_case(
        (Case.state == CaseState.CLOSED, Case.closed_at),
        (Case.state == CaseState.DECLINED, Case.decided_at),
        else_=withdrawn_at,
    )


def _holds_personal_fields():
    person = and_(
        Case.complainant_type != ComplainantType.ENTERPRISE,
        or_(Case.complainant_name != "", Case.complainant_phone != ""),
    )
    return or_(person, Case.caller_name != "", Case.caller_phone != "")


def due_condition(now: datetime):
    """The cases whose personal fields are due for anonymisation at ``now``."""
    by_years = defaultdict(list)
    for centre_id, years in retention_by_centre().items():
        by_years[years].append(centre_id)
    ended = _ended_at()
    past = [and_(Case.centre_id.in_(ids), ended < years_before(now, years)) for years, ids in by_years.items()]
    return and_(
        Case.state.in_((CaseState.CLOSED, CaseState.DECLINED, CaseState.WITHDRAWN)),
        Case.anonymised_at.is_(None),
        _holds_personal_fields(),
        or_(*past) if past else false(),
    )


def due_case_ids(now: datetime, batch: int = BATCH) -> Iterator[list[int]]:
    """The ids of the due cases, ``batch`` at a time in id order (keyset: the set shrinks as they are done)."""
    condition = due_condition(now)
    last = 0
    while True:
        ids = list(
            db.session.execute(
                select(Case.id).where(condition, Case.id > last).order_by(Case.id).limit(batch)
            ).scalars()
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def anonymise(case: Case) -> list[str]:
    """Replace the case's personal fields, rebuild its search text and record the ``anonymised`` event
    (internal; its data names the fields replaced, never their values). Returns those fields' names."""
    from app.cases.events import record_event
    from app.cases.services import refresh_search_text

    replaced = [name for name in PERSONAL_FIELDS if getattr(case, name)]
    if case.complainant_name:
        case.complainant_name = ANONYMISED_NAME
    case.complainant_phone = case.caller_name = case.caller_phone = ""
    case.anonymised_at = utcnow()
    refresh_search_text(case)
    record_event(
        case, None, EVENT, from_state=case.state, to_state=case.state, data={"fields": replaced}, internal=True
    )
    return replaced


@dataclass
class RunResult:
    due: int = 0
    anonymised: int = 0
    numbers: list | None = None


def run(now: datetime | None = None, *, dry_run: bool = False, batch: int = BATCH) -> RunResult:
    """Anonymise every case due at ``now`` (``dry_run``: only list them), committing after each batch."""
    now = now or utcnow()
    result = RunResult(numbers=[])
    for ids in due_case_ids(now, batch):
        result.due += len(ids)
        if dry_run:
            result.numbers += list(db.session.execute(select(Case.number).where(Case.id.in_(ids))).scalars())
            continue
        cases = db.session.execute(
            select(Case)
            .where(Case.id.in_(ids))
            .options(selectinload(Case.rights), selectinload(Case.respondents), selectinload(Case.enterprise))
            .order_by(Case.id)
        ).scalars()
        for case in cases:
            anonymise(case)
            result.anonymised += 1
            result.numbers.append(case.number)
        db.session.commit()
        db.session.expunge_all()  # memory stays flat however many cases there are
    return result
