"""Every write about the overseas mutual-aid fund: funds and their rules, memberships and income,
requests with their costs, and a request's actions through the engine's one door.

A request's events go to its case's chain; a fund's rule changes, memberships and ledger entries to
the fund's own chain. The money moves after the door has recorded the action (the ``applied``
signal): the commitment of a grant, a payout, a release, a claw-back are posted to the ledger under
the fund's row lock, and a movement the fund cannot make refuses the whole action (nothing of it is
kept). Services take the acting user explicitly, flush and never commit.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import list_currencies
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Role
from app.cases.enums import CaseState
from app.cases.events import record_applied, record_event, register_track_digest
from app.cases.models import Attachment, Case
from app.cases.permissions import can_see_case, is_case_member
from app.cases.tracks import register_open_items
from app.centres.models import Centre
from app.centres.settings import setting_value
from app.clocks.models import ClockName, ClockSpan, ClockUnit, register_span
from app.core import chains, engine
from app.core.db import utcnow
from app.core.engine import Door, NotFound
from app.core.errors import ConflictError, ServiceError
from app.core.permissions import centre_in_scope
from app.core.workdays import china_day
from app.enterprises.models import Enterprise
from app.extensions import db
from app.fund import ledger, workflow
from app.fund import rules as fund_rules
from app.fund.enums import (
    OPEN_STATES,
    CostKind,
    DisputeType,
    EntryKind,
    FundRequestState,
)
from app.fund.models import (
    RULE_BOUNDS,
    RULE_FIELDS,
    Fund,
    FundCost,
    FundMembership,
    FundRequest,
    fund_fields,
    request_digest,
    rules_of,
)
from app.fund.workflow import INVOICE_TYPES

S = FundRequestState
CHAIN = ledger.CHAIN
MAX_COSTS = 50
MAX_TEXT = 5000
HANDLING_CASE_STATES = (CaseState.ACCEPTED, CaseState.IN_PROGRESS)
STAFF_STARTERS = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
FUND_MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
REQUEST_STAFF = frozenset({Role.CASEWORKER, Role.SUPERVISOR, Role.FUND_COMMITTEE, Role.ADMIN})
# Codes of the CLDR territories that are not a country or a region a dispute is heard in.
NOT_COUNTRIES = frozenset({"CN", "EZ", "QO", "UN", "XA", "XB", "ZZ"})
MAX_RATE = Decimal("100000")


class FundRequestNotFound(NotFound):
    """The request does not exist or is not the actor's to see (both answer 404)."""


class FundNotFound(NotFound):
    """The fund does not exist or is not the actor's to see."""


register_track_digest("fund_request", FundRequest, request_digest)


def _fund_current(ids):
    return {f.id: (None, fund_fields(f)) for f in db.session.execute(select(Fund).where(Fund.id.in_(ids))).scalars()}


chains.register_root(chains.RootKind(CHAIN, _fund_current))


# ---- who may see and act -----------------------------------------------------------------------------------


def can_see_fund(user, fund: Fund | None) -> bool:
    """Staff of the fund's centre or above, and staff below it (whose cases may ask it)."""
    if fund is None or user is None or not getattr(user, "is_authenticated", False) or not user.is_staff:
        return False
    if user.centre is None:
        return False
    return centre_in_scope(user, fund.centre) or user.centre.path.startswith(fund.centre.path)


def can_manage_fund(user, fund: Fund) -> bool:
    """Supervisors and administrators of the fund's centre or above record its members and income."""
    return user.role in FUND_MANAGERS and centre_in_scope(user, fund.centre)


def can_set_rules(user, fund_or_centre) -> bool:
    centre = fund_or_centre.centre if isinstance(fund_or_centre, Fund) else fund_or_centre
    return user.role is Role.ADMIN and centre_in_scope(user, centre)


def can_see_request(user, r: FundRequest | None) -> bool:
    """Staff who may see its case; the case's applicants."""
    if r is None or not can_see_case(user, r.case):
        return False
    return user.is_staff or is_case_member(user, r.case)


def can_act_on_request(user, r: FundRequest) -> bool:
    if not can_see_request(user, r):
        return False
    if not user.is_staff:
        return True
    return user.role in REQUEST_STAFF and centre_in_scope(user, r.case.centre)


class FundDoor(Door):
    """How the engine's one door reaches a fund request; its events go to its case's chain."""

    workflow = workflow.FUND_REQUESTS
    model = FundRequest
    not_found = FundRequestNotFound
    not_found_text = _l("Fund request not found.")
    conflict_text = _l("Someone else changed this fund request meanwhile.")

    def can_see(self, actor, r):
        return can_see_request(actor, r)

    def can_act(self, actor, r):
        return can_act_on_request(actor, r)

    def facts(self, r, data=None):
        return facts_of(r, china_day(self.now()))

    def record(self, applied):
        return record_applied(applied)


DOOR = FundDoor()


def facts_of(r: FundRequest, today: date) -> workflow.FundFacts:
    fund = r.fund
    rules = r.rules or rules_of(fund)
    facts = workflow.FundFacts(case_open=r.case.state.is_open, fund_active=fund.is_active, today=today)
    if r.state in (S.DRAFT, S.SUBMITTED, S.MORE_INFO):
        facts.incomplete = completeness(r)
        facts.standing = fund_rules.standing_reasons(fund, r.enterprise_id, today, r.dispute_started_on)
        facts.not_covered = fund_rules.covered_reason(rules, r.dispute_type)
    if r.state in (S.DRAFT, S.SUBMITTED, S.APPROVED):
        year = (
            r.fund_year
            if r.fund_year is not None
            else fund_rules.fund_year_of(today, fund.year_start_month, fund.year_start_day)
        )
        facts.over_yearly = fund_rules.per_year_reason(fund, rules, r.enterprise_id, year, exclude_id=r.id)
    if r.state in (S.REVIEWED, S.APPROVED):
        facts.grantable_fen = fund_rules.working(r, today).grantable_fen
    if r.state is S.GRANTED:
        facts.attachments = dict(
            db.session.execute(
                select(Attachment.id, Attachment.content_type).where(Attachment.case_id == r.case_id)
            ).all()
        )
    return facts


def completeness(r: FundRequest) -> list:
    """Why the request cannot be submitted as it stands (empty: it can)."""
    if not r.costs:
        return [_l("List at least one cost with its invoice.")]
    reasons = []
    for c in r.costs:
        if c.invoice is None or c.invoice.content_type not in INVOICE_TYPES:
            reasons.append(_l("Cost %(n)d: the invoice must be a PDF or an image.", n=c.position + 1))
        if c.voucher is not None and c.voucher.content_type not in INVOICE_TYPES:
            reasons.append(_l("Cost %(n)d: the payment voucher must be a PDF or an image.", n=c.position + 1))
    return reasons


def available_actions(r: FundRequest, actor):
    return DOOR.available_actions(r, actor)


def transition(r: FundRequest, action: str, actor, *, comment=None, data=None, expected_version=None) -> FundRequest:
    """Apply one action of the request's rule table through the one door (the money moves on the
    ``applied`` signal, below); a request paid in full closes at once."""
    r = engine.transition(DOOR, r, action, actor, comment=comment, data=data, expected_version=expected_version)
    if action == "pay" and r.state is S.GRANTED and r.outstanding_fen == 0:
        r = engine.transition(DOOR, r, "close", actor, comment=str(_l("Paid in full.")))
    return r


def _move_money(sender, applied=None, **extra) -> None:
    """Post what an applied action means for the fund's money (under the fund's row lock)."""
    if sender is not workflow.FUND_REQUESTS or applied is None:
        return
    r, name, actor = applied.subject, applied.action.name, applied.actor
    today = china_day(applied.now)
    if name == "approve_second":
        fund = ledger.lock(r.fund_id)
        rules = r.rules or rules_of(fund)
        over = fund_rules.per_year_reason(fund, rules, r.enterprise_id, r.fund_year, exclude_id=r.id)
        if over is not None:
            raise ledger.NotEnoughMoney(over)
        year_left = int(rules["cap_per_year_fen"]) - fund_rules.committed_in_year(fund.id, r.fund_year, exclude_id=r.id)
        if r.approved_fen > year_left:
            raise ledger.NotEnoughMoney(
                _l(
                    "Only %(left)s yuan is left of the fund year's cap; %(amount)s yuan cannot be granted.",
                    left=ledger.yuan(max(0, year_left)),
                    amount=ledger.yuan(r.approved_fen),
                )
            )
        ledger.post(fund, EntryKind.COMMITMENT, r.approved_fen, actor, occurred_on=today, request=r)
    elif name == "pay":
        data = applied.data
        ledger.post(
            r.fund,
            EntryKind.PAYOUT,
            data["amount_fen"],
            actor,
            occurred_on=today,
            request=r,
            attachment_id=data["attachment"],
            reference=data.get("reference") or "",
        )
    elif name == "close":
        released = applied.recorded.get("released_fen") or 0
        if released > 0:
            ledger.post(
                r.fund, EntryKind.RELEASE, released, actor, occurred_on=today, request=r, reason=applied.comment
            )
    elif name == "claw_back":
        data = applied.data
        ledger.post(
            r.fund,
            EntryKind.CLAW_BACK,
            data["amount_fen"],
            actor,
            occurred_on=today,
            request=r,
            reason=data["reason"].strip(),
        )


engine.applied.connect(_move_money)


# ---- deadlines and open items --------------------------------------------------------------------------------


def _review_span(case, r, now):
    return ClockSpan(r.fund.review_working_days, ClockUnit.WORKING_DAYS, None)


register_span(ClockName.FUND_REVIEW, _review_span)


def open_requests(case) -> list:
    rows = db.session.execute(
        select(FundRequest).where(FundRequest.case_id == case.id, FundRequest.state.in_(list(OPEN_STATES)))
    ).scalars()
    return [_l("Fund request: %(state)s", state=r.state.label) for r in rows]


register_open_items("fund_request", open_requests)


# ---- reading input ----------------------------------------------------------------------------------------------


def _text(value, limit: int, field: str, *, required_message=None) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ServiceError(_l("Enter text here."), field=field)
    value = value.strip()
    if required_message is not None and not value:
        raise ServiceError(required_message, field=field)
    if len(value) > limit:
        raise ServiceError(_l("At most %(n)d characters.", n=limit), field=field)
    return value


def _day(value, field: str, message, *, today: date | None = None, required: bool = True) -> date | None:
    from app.mediation.workflow import parse_date

    if value in (None, "") and not required:
        return None
    day = parse_date(value)
    if day is None:
        raise ServiceError(message, field=field)
    if today is not None and day > today:
        raise ServiceError(_l("The date cannot be in the future."), field=field)
    return day


def _fen(value, field: str, *, required: bool = False, positive: bool = False) -> int:
    if value in (None, "") and not required:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(_l("Give the amount in yuan, with at most two decimals."), field=field)
    if value < 0 or (positive and value == 0):
        raise ServiceError(
            _l("The amount must be more than zero.") if positive else _l("The amount cannot be negative."), field=field
        )
    if value > ledger.MAX_AMOUNT_FEN:
        raise ServiceError(_l("The amount is too large."), field=field)
    return value


def _decimal(value, field: str, *, places: int, message) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ServiceError(message, field=field)
    if isinstance(value, int | float):
        value = repr(value)
    if not isinstance(value, str):
        raise ServiceError(message, field=field)
    text = value.strip().replace(",", "")
    if not re.fullmatch(r"\d{1,15}(\.\d+)?", text):
        raise ServiceError(message, field=field)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ServiceError(message, field=field) from None
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise ServiceError(message, field=field)
    return number


def country_names(locale: str = "zh_Hans_CN") -> dict[str, str]:
    territories = Locale.parse(locale).territories
    return {
        code: name
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code.isupper() and code not in NOT_COUNTRIES
    }


_COUNTRIES = frozenset(country_names("en"))
_CURRENCIES = frozenset(list_currencies())


def _country(value) -> str:
    code = value.strip().upper() if isinstance(value, str) else None
    if code == "CN":
        raise ServiceError(_l("The fund supports disputes outside the Chinese mainland."), field="country")
    if code not in _COUNTRIES:
        raise ServiceError(_l("Choose the country or region where the dispute is heard."), field="country")
    return code


def fen_of(original_cents: int, rate_millionths: int) -> int:
    """The yuan amount of a foreign sum, in fen, rounded half up."""
    return (original_cents * rate_millionths + 500_000) // 1_000_000


def read_cost(item, i: int, case: Case, today: date) -> dict:
    """One cost as given (a form row or the API's object), checked; the fields of a ``FundCost``."""
    prefix = f"costs-{i}-"
    if not isinstance(item, dict):
        raise ServiceError(_l("Describe each cost."), field=f"{prefix}kind")
    try:
        kind = CostKind(item.get("kind"))
    except (ValueError, TypeError):
        raise ServiceError(_l("Choose what the cost is for."), field=f"{prefix}kind") from None
    currency = item.get("currency")
    currency = currency.strip().upper() if isinstance(currency, str) else currency
    if currency not in _CURRENCIES:
        raise ServiceError(_l("Choose the currency of the invoice."), field=f"{prefix}currency")
    original = _decimal(
        item.get("original_amount"),
        f"{prefix}original_amount",
        places=2,
        message=_l("Give the invoice's amount in its currency, with at most two decimals."),
    )
    if original <= 0:
        raise ServiceError(_l("The invoice's amount must be more than zero."), field=f"{prefix}original_amount")
    raw_rate = item.get("rate")
    if currency == "CNY" and raw_rate in (None, ""):
        raw_rate = "1"
    rate = _decimal(
        raw_rate, f"{prefix}rate", places=6, message=_l("Give the exchange rate used, with at most six decimals.")
    )
    if rate <= 0:
        raise ServiceError(_l("The exchange rate must be more than zero."), field=f"{prefix}rate")
    if rate > MAX_RATE:
        raise ServiceError(_l("The exchange rate is too large."), field=f"{prefix}rate")
    if currency == "CNY" and rate != 1:
        raise ServiceError(_l("An invoice in yuan has the exchange rate 1."), field=f"{prefix}rate")
    rate_on = (
        _day(
            item.get("rate_on"),
            f"{prefix}rate_on",
            _l("Give the date of the exchange rate (YYYY-MM-DD)."),
            today=today,
            required=currency != "CNY",
        )
        or today
    )
    cents = int(original * 100)
    millionths = int(rate * 1_000_000)
    computed = fen_of(cents, millionths)
    given = item.get("amount_fen")
    if given not in (None, ""):
        given = _fen(given, f"{prefix}amount_fen", positive=True)
        if abs(given - computed) > 1:
            raise ServiceError(
                _l(
                    "The amount in yuan does not match the invoice's amount at the rate given (%(computed)s yuan).",
                    computed=ledger.yuan(computed),
                ),
                field=f"{prefix}amount_fen",
            )
        amount = given
    else:
        amount = computed
    if amount <= 0:
        raise ServiceError(_l("The amount in yuan must be more than zero."), field=f"{prefix}original_amount")
    if amount > ledger.MAX_AMOUNT_FEN:
        raise ServiceError(_l("The amount is too large."), field=f"{prefix}original_amount")
    invoice = _attachment(item.get("attachment", item.get("invoice")), case, f"{prefix}attachment", required=True)
    voucher = _attachment(item.get("voucher"), case, f"{prefix}voucher", required=False)
    return {
        "position": i,
        "kind": kind,
        "description": _text(item.get("description"), 300, f"{prefix}description"),
        "invoice_number": _text(item.get("invoice_number"), 100, f"{prefix}invoice_number"),
        "currency": currency,
        "original_cents": cents,
        "rate_millionths": millionths,
        "rate_on": rate_on,
        "amount_fen": amount,
        "invoice_id": invoice.id,
        "voucher_id": voucher.id if voucher is not None else None,
    }


def _attachment(value, case: Case, field: str, *, required: bool) -> Attachment | None:
    if value in (None, ""):
        if required:
            raise ServiceError(_l("Attach the invoice (a PDF or an image)."), field=field)
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(_l("Choose a file of this case's evidence."), field=field)
    found = db.session.get(Attachment, value)
    if found is None or found.case_id != case.id:
        raise ServiceError(_l("Choose a file of this case's evidence."), field=field)
    if found.content_type not in INVOICE_TYPES:
        raise ServiceError(_l("An invoice or a voucher must be a PDF or an image."), field=field)
    return found


def invoice_choices(r: FundRequest) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Attachment)
        .where(Attachment.case_id == r.case_id, Attachment.content_type.in_(sorted(INVOICE_TYPES)))
        .order_by(Attachment.created_at.desc(), Attachment.id.desc())
    ).scalars()
    return [(a.id, a.filename) for a in rows]


# ---- funds -----------------------------------------------------------------------------------------------------


def funds_for_case(case: Case) -> list[Fund]:
    """The active funds a case may ask: those of its centre or a centre above it."""
    ids = case.centre.ancestor_ids
    return list(
        db.session.execute(
            select(Fund).where(Fund.is_active.is_(True), Fund.centre_id.in_(ids)).order_by(Fund.name, Fund.id)
        ).scalars()
    )


def _rule_value(name: str, value):
    if name == "dispute_types":
        if not isinstance(value, list | tuple) or not value:
            raise ServiceError(_l("Choose at least one kind of dispute the fund covers."), field=name)
        out = []
        for item in value:
            try:
                member = DisputeType(item)
            except (ValueError, TypeError):
                raise ServiceError(_l("Choose the kinds of dispute from the list."), field=name) from None
            if member.value not in out:
                out.append(member.value)
        return [d.value for d in DisputeType if d.value in out]
    low, high = RULE_BOUNDS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return _bounds_error(name, low, high)
    return value


RULE_LABELS = {
    "share_percent": _l("Support share"),
    "cap_per_request_fen": _l("Cap per request"),
    "cap_per_year_fen": _l("Cap per fund year"),
    "requests_per_enterprise_per_year": _l("Requests granted per enterprise per fund year"),
    "dispute_types": _l("Disputes covered"),
    "year_start_month": _l("Fund year starts (month)"),
    "year_start_day": _l("Fund year starts (day)"),
    "review_working_days": _l("Review within (working days)"),
}


def _bounds_error(name: str, low: int, high: int):
    if name.endswith("_fen"):
        raise ServiceError(
            _l(
                "%(rule)s: from %(low)s to %(high)s yuan.",
                rule=RULE_LABELS[name],
                low=ledger.yuan(low),
                high=ledger.yuan(high),
            ),
            field=name,
        )
    raise ServiceError(
        _l("%(rule)s: a whole number from %(low)d to %(high)d.", rule=RULE_LABELS[name], low=low, high=high), field=name
    )


def default_rules(centre: Centre) -> dict:
    """A new fund's rules: the centre's settings where they exist, the sourced defaults otherwise."""
    return {
        "share_percent": setting_value(centre, "fund_support_percent"),
        "cap_per_request_fen": setting_value(centre, "fund_cap_per_request_yuan") * 100,
        "cap_per_year_fen": setting_value(centre, "fund_annual_cap_yuan") * 100,
        "requests_per_enterprise_per_year": setting_value(centre, "fund_requests_per_year"),
        "dispute_types": [d.value for d in DisputeType],
        "year_start_month": 1,
        "year_start_day": 1,
        "review_working_days": 15,
    }


def create_fund(actor, centre: Centre, name, rules: dict | None = None) -> Fund:
    if not can_set_rules(actor, centre):
        raise ServiceError(_l("Only an administrator of the centre or above sets up its fund."))
    name = _text(name, 200, "name", required_message=_l("Give the fund's name."))
    if db.session.execute(select(Fund.id).where(Fund.centre_id == centre.id, Fund.name == name)).first():
        raise ServiceError(_l("The centre already has a fund of this name."), field="name")
    values = default_rules(centre)
    for key, value in (rules or {}).items():
        if key in RULE_FIELDS:
            values[key] = _rule_value(key, value)
    fund = Fund(centre_id=centre.id, name=name, created_by_id=actor.id, **values)
    fund.centre = centre
    db.session.add(fund)
    db.session.flush()
    chains.record(
        CHAIN, fund.id, actor, "fund_created", data={"name": name, **rules_of(fund)}, fields=fund_fields(fund)
    )
    return fund


def change_rules(actor, fund: Fund, changes: dict, *, expected_version: int | None = None) -> Fund:
    """Change a fund's rules (each within its bounds), audited in the fund's chain; requests already
    submitted keep the rules they were submitted under."""
    if not can_set_rules(actor, fund):
        raise ServiceError(_l("Only an administrator of the centre or above changes the fund's rules."))
    fund = ledger.lock(fund.id)
    if expected_version is not None and expected_version != fund.version:
        raise ConflictError(_l("Someone else changed this fund meanwhile."))
    changed = {}
    for key, value in changes.items():
        if key == "name":
            value = _text(value, 200, "name", required_message=_l("Give the fund's name."))
        elif key == "is_active":
            if not isinstance(value, bool):
                raise ServiceError(_l("Say whether the fund takes requests."), field=key)
        elif key in RULE_FIELDS:
            value = _rule_value(key, value)
        else:
            continue
        old = getattr(fund, key)
        if old != value:
            changed[key] = [list(old) if isinstance(old, list) else old, value]
            setattr(fund, key, value)
    if not changed:
        return fund
    fund.updated_at = utcnow()
    chains.record(CHAIN, fund.id, actor, "rules_changed", data={"changed": changed}, fields=fund_fields(fund))
    return fund


def add_membership(
    actor, fund: Fund, enterprise: Enterprise, *, starts_on, ends_on, contribution_fen, note=""
) -> FundMembership:
    if not can_manage_fund(actor, fund):
        raise ServiceError(_l("Only a supervisor or an administrator of the fund's centre records its members."))
    if enterprise is None or enterprise.centre is None or not enterprise.centre.path.startswith(fund.centre.path):
        raise ServiceError(
            _l("Choose an enterprise served by the fund's centre or a centre below it."), field="enterprise"
        )
    start = _day(starts_on, "starts_on", _l("Give the first day of the membership (YYYY-MM-DD)."))
    end = _day(ends_on, "ends_on", _l("Give the last day of the membership (YYYY-MM-DD)."))
    if end < start:
        raise ServiceError(_l("The membership cannot end before it starts."), field="ends_on")
    contribution = _fen(contribution_fen, "contribution_fen")
    note = _text(note, 2000, "note")
    fund = ledger.lock(fund.id)  # memberships of one fund are decided one at a time
    overlapping = db.session.execute(
        select(FundMembership.id).where(
            FundMembership.fund_id == fund.id,
            FundMembership.enterprise_id == enterprise.id,
            FundMembership.starts_on <= end,
            FundMembership.ends_on >= start,
        )
    ).first()
    if overlapping:
        raise ServiceError(
            _l("The enterprise is already a member of the fund for part of this period."), field="starts_on"
        )
    m = FundMembership(
        fund_id=fund.id,
        enterprise_id=enterprise.id,
        starts_on=start,
        ends_on=end,
        contribution_fen=contribution,
        note=note,
        created_by_id=actor.id,
    )
    db.session.add(m)
    db.session.flush()
    chains.record(
        CHAIN,
        fund.id,
        actor,
        "membership_added",
        data={
            "membership": m.id,
            "enterprise": enterprise.id,
            "starts_on": start.isoformat(),
            "ends_on": end.isoformat(),
            "contribution_fen": contribution,
        },
        fields=fund_fields(fund),
    )
    return m


def record_contribution(actor, m: FundMembership, amount_fen, *, occurred_on, reference="") -> FundMembership:
    """A member's contribution received (money in): at most what the membership still owes."""
    fund = m.fund
    if not can_manage_fund(actor, fund):
        raise ServiceError(_l("Only a supervisor or an administrator of the fund's centre records its income."))
    amount = _fen(amount_fen, "amount_fen", required=True, positive=True)
    day = _day(
        occurred_on, "occurred_on", _l("Give the day the money was received (YYYY-MM-DD)."), today=china_day(utcnow())
    )
    reference = _text(reference, 100, "reference")
    ledger.lock(fund.id)
    m = db.session.execute(
        select(FundMembership).where(FundMembership.id == m.id).execution_options(populate_existing=True)
    ).scalar_one()
    owed = m.contribution_fen - m.paid_fen
    if amount > owed:
        raise ServiceError(
            _l("The membership owes only %(owed)s yuan.", owed=ledger.yuan(max(0, owed))), field="amount_fen"
        )
    ledger.post(fund, EntryKind.CONTRIBUTION, amount, actor, occurred_on=day, membership=m, reference=reference)
    m.paid_fen += amount
    db.session.flush()
    return m


def record_income(actor, fund: Fund, kind, amount_fen, *, occurred_on, reference="", note="") -> object:
    """A grant, a donation or other income (interest, money returned) received."""
    if not can_manage_fund(actor, fund):
        raise ServiceError(_l("Only a supervisor or an administrator of the fund's centre records its income."))
    try:
        kind = EntryKind(kind)
    except (ValueError, TypeError):
        raise ServiceError(_l("Choose what kind of income it is."), field="kind") from None
    if kind not in (EntryKind.GRANT, EntryKind.OTHER_INCOME):
        raise ServiceError(_l("Choose what kind of income it is."), field="kind")
    amount = _fen(amount_fen, "amount_fen", required=True, positive=True)
    day = _day(
        occurred_on, "occurred_on", _l("Give the day the money was received (YYYY-MM-DD)."), today=china_day(utcnow())
    )
    return ledger.post(
        fund,
        kind,
        amount,
        actor,
        occurred_on=day,
        reference=_text(reference, 100, "reference"),
        reason=_text(note, 2000, "note"),
    )


# ---- requests ----------------------------------------------------------------------------------------------------


def start_eligibility(case: Case, actor, first_only: bool = False) -> list:
    """Every reason ``actor`` may not start a fund request on ``case`` now (empty: they may); with
    ``first_only``, the reasons found before the funds are asked for, if any (the case page's panel
    only asks whether they may: most cases need no read of the funds to tell)."""
    if actor is None:
        return [_l("Log in first.")]
    if actor.is_staff:
        if actor.role not in STAFF_STARTERS or not centre_in_scope(actor, case.centre):
            return [_l("Only the applicant, or a caseworker of the case's centre for them, asks the fund.")]
    elif not is_case_member(actor, case):
        return [_l("Only the applicant, or a caseworker of the case's centre for them, asks the fund.")]
    reasons = []
    if case.enterprise_id is None:
        reasons.append(_l("Only an enterprise asks the fund for support; this case names none."))
    if case.state not in HANDLING_CASE_STATES:
        reasons.append(_l("The case must be accepted before the fund is asked."))
    if reasons and first_only:
        return reasons
    if not funds_for_case(case):
        reasons.append(_l("No fund of the case's centre or a centre above it takes requests."))
    return reasons


def _request_fields(case: Case, data: dict, today: date) -> tuple[dict, list[dict]]:
    """The request's own fields and its costs from ``data``, checked (every problem raises)."""
    try:
        dispute = DisputeType(data.get("dispute_type"))
    except (ValueError, TypeError):
        raise ServiceError(_l("Choose the kind of dispute."), field="dispute_type") from None
    fields = {
        "dispute_type": dispute,
        "country": _country(data.get("country")),
        "forum": _text(data.get("forum"), 200, "forum"),
        "dispute_started_on": _day(
            data.get("dispute_started_on"),
            "dispute_started_on",
            _l("Give the day the dispute began (YYYY-MM-DD)."),
            today=today,
        ),
        "description": _text(data.get("description"), MAX_TEXT, "description"),
        "insurance_fen": _fen(data.get("insurance_fen"), "insurance_fen"),
        "settlement_fen": _fen(data.get("settlement_fen"), "settlement_fen"),
        "other_funding_fen": _fen(data.get("other_funding_fen"), "other_funding_fen"),
    }
    raw_costs = data.get("costs") or []
    if not isinstance(raw_costs, list | tuple):
        raise ServiceError(_l("List the costs."), field="costs")
    if len(raw_costs) > MAX_COSTS:
        raise ServiceError(_l("At most %(n)d costs.", n=MAX_COSTS), field="costs")
    costs = [read_cost(item, i, case, today) for i, item in enumerate(raw_costs)]
    return fields, costs


def start_request(case: Case, actor, fund: Fund | int, data: dict) -> FundRequest:
    """A draft request of ``case`` to ``fund``: the dispute, the deductions and the costs with their
    invoices (all checked; nothing saved on any problem)."""
    reasons = start_eligibility(case, actor)
    if reasons:
        raise ServiceError(reasons[0])
    if isinstance(fund, int) and not isinstance(fund, bool):
        fund = db.session.get(Fund, fund)
    if not isinstance(fund, Fund) or fund not in funds_for_case(case):
        raise ServiceError(_l("Choose one of the funds the case may ask."), field="fund")
    today = china_day(utcnow())
    fields, costs = _request_fields(case, data, today)
    now = utcnow()
    r = FundRequest(
        case_id=case.id,
        fund_id=fund.id,
        centre_id=case.centre_id,
        enterprise_id=case.enterprise_id,
        state=S.DRAFT,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        **fields,
    )
    r.case, r.fund = case, fund
    r.costs = [FundCost(**c) for c in costs]
    r.claimed_fen = sum(c["amount_fen"] for c in costs)
    r.deductions_fen = r.insurance_fen + r.settlement_fen + r.other_funding_fen
    db.session.add(r)
    db.session.flush()
    record_event(
        case,
        actor,
        "fund_request_started",
        to_state=S.DRAFT,
        data={"fund": fund.name, "claimed_fen": r.claimed_fen, "costs": len(costs)},
        subject_type="fund_request",
        subject_id=r.id,
        subject=r,
    )
    return r


EDITABLE = frozenset({S.DRAFT, S.MORE_INFO})


def update_request(r: FundRequest, actor, data: dict, *, expected_version: int | None = None) -> FundRequest:
    """Change a draft (or a request whose reviewer asked for more documents): its dispute, deductions
    and costs, as a whole."""
    if not can_act_on_request(actor, r):
        raise FundRequestNotFound(_l("Fund request not found."))
    if actor.is_staff and actor.role not in STAFF_STARTERS:
        raise ServiceError(_l("Only the applicant, or a caseworker for them, changes the request."))
    r = DOOR.lock(r)
    if expected_version is not None and expected_version != r.version:
        raise ConflictError(DOOR.conflict_text)
    if r.state not in EDITABLE:
        raise ServiceError(_l("The request can be changed only as a draft or when more documents are asked for."))
    today = china_day(utcnow())
    fields, costs = _request_fields(r.case, data, today)
    if r.state is S.MORE_INFO:
        # The rules and the fund year were fixed at submission; the dispute's kind stays what was submitted.
        fields.pop("dispute_type")
    r.costs.clear()
    db.session.flush()  # the old costs go first (their positions are taken again); the request's row once, below
    for key, value in fields.items():
        setattr(r, key, value)
    r.costs = [FundCost(**c) for c in costs]
    r.claimed_fen = sum(c["amount_fen"] for c in costs)
    r.deductions_fen = r.insurance_fen + r.settlement_fen + r.other_funding_fen
    r.updated_at = utcnow()
    db.session.flush()
    record_event(
        r.case,
        actor,
        "fund_request_updated",
        data={"claimed_fen": r.claimed_fen, "costs": len(costs)},
        subject_type="fund_request",
        subject_id=r.id,
        subject=r,
    )
    return r


def set_cost_eligibility(r: FundRequest, actor, position: int, eligible: bool, reason: str = "") -> FundRequest:
    """A reviewer excludes a cost the rules do not cover (with the reason) or includes it again."""
    if not can_act_on_request(actor, r) or actor.role not in workflow.REVIEWERS:
        raise ServiceError(_l("Only the reviewer decides which costs are eligible."))
    r = DOOR.lock(r)
    if r.state is not S.SUBMITTED:
        raise ServiceError(_l("Costs are judged while the request is under review."))
    cost = next((c for c in r.costs if c.position == position), None)
    if cost is None:
        raise ServiceError(_l("There is no such cost."), field="cost")
    reason = _text(reason, 2000, "reason")
    if not eligible and not reason:
        raise ServiceError(_l("Say why the cost is not eligible."), field="reason")
    cost.eligible = bool(eligible)
    cost.excluded_reason = "" if eligible else reason
    r.updated_at = utcnow()
    db.session.flush()
    record_event(
        r.case,
        actor,
        "fund_cost_included" if eligible else "fund_cost_excluded",
        comment=reason,
        data={"cost": position + 1, "amount_fen": cost.amount_fen},
        internal=False,
        subject_type="fund_request",
        subject_id=r.id,
        subject=r,
    )
    return r
