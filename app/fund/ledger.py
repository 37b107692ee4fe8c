"""The fund's append-only double-entry ledger: the one place a fund's money moves.

``post`` locks the fund's row, checks that no account would go below zero, appends the entry (the
next number of the fund's series), moves the fund row's sums in the same transaction and seals the
entry in the fund's own audit chain. Every movement is from one account to another
(``enums.POSTINGS``), so money held always equals committed plus available. ``verify`` recomputes
every fund from its entries and compares the entries with what the chain sealed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core import chains
from app.core.db import utcnow
from app.core.errors import ServiceError
from app.core.money import yuan
from app.extensions import db
from app.fund.enums import POSTINGS, REQUEST_KINDS, Account, EntryKind
from app.fund.models import Fund, FundMembership, FundRequest, LedgerEntry, entry_fields, fund_fields

CHAIN = "fund"
#: The largest single movement (a trillion yuan): no sum of the fund can overflow its column.
MAX_AMOUNT_FEN = 10**14


class NotEnoughMoney(ServiceError):
    """The movement would take an account of the fund below zero (422: the reason says what is left)."""


def lock(fund_id: int) -> Fund:
    """The fund's row, reloaded under a row lock: the movements of one fund queue here."""
    return db.session.execute(
        select(Fund).where(Fund.id == fund_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def check_amount(amount, field: str = "amount_fen") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ServiceError(_l("Give the amount in yuan, with at most two decimals."), field=field)
    if amount <= 0:
        raise ServiceError(_l("The amount must be more than zero."), field=field)
    if amount > MAX_AMOUNT_FEN:
        raise ServiceError(_l("The amount is too large."), field=field)
    return amount


def _moved(fund: Fund, debit: Account, credit: Account, amount: int) -> dict:
    """The fund's sums after moving ``amount`` from ``credit`` to ``debit`` (bank is debit-normal,
    available and committed credit-normal)."""
    sums = {
        Account.BANK: fund.balance_fen,
        Account.AVAILABLE: fund.available_fen,
        Account.COMMITTED: fund.committed_fen,
    }
    sums[debit] += amount if debit is Account.BANK else -amount
    sums[credit] += -amount if credit is Account.BANK else amount
    return sums


def post(
    fund: Fund,
    kind: EntryKind,
    amount_fen: int,
    actor,
    *,
    occurred_on: date,
    request: FundRequest | None = None,
    membership: FundMembership | None = None,
    enterprise_id: int | None = None,
    attachment_id: int | None = None,
    reference: str = "",
    reason: str = "",
) -> LedgerEntry:
    """Append one movement and move the fund's sums with it, under the fund's row lock; refuses
    (nothing changed) a movement that would take an account below zero."""
    amount_fen = check_amount(amount_fen)
    if (kind in REQUEST_KINDS) != (request is not None):
        raise ValueError(f"a {kind.value} entry names a request, and only such entries do")
    fund = lock(fund.id)
    debit, credit = POSTINGS[kind]
    sums = _moved(fund, debit, credit, amount_fen)
    if sums[Account.AVAILABLE] < 0:
        raise NotEnoughMoney(
            _l(
                "The fund has only %(left)s yuan available; %(amount)s yuan cannot be committed.",
                left=yuan(fund.available_fen),
                amount=yuan(amount_fen),
            )
        )
    if sums[Account.COMMITTED] < 0 or sums[Account.BANK] < 0:
        raise NotEnoughMoney(
            _l(
                "Only %(left)s yuan is committed and not yet paid; %(amount)s yuan cannot be paid or released.",
                left=yuan(fund.committed_fen),
                amount=yuan(amount_fen),
            )
        )
    fund.balance_fen = sums[Account.BANK]
    fund.available_fen = sums[Account.AVAILABLE]
    fund.committed_fen = sums[Account.COMMITTED]
    fund.ledger_seq += 1
    fund.updated_at = utcnow()
    entry = LedgerEntry(
        fund_id=fund.id,
        seq=fund.ledger_seq,
        kind=kind,
        debit=debit,
        credit=credit,
        amount_fen=amount_fen,
        occurred_on=occurred_on,
        request_id=request.id if request is not None else None,
        membership_id=membership.id if membership is not None else None,
        enterprise_id=enterprise_id
        if enterprise_id is not None
        else (
            request.enterprise_id
            if request is not None
            else (membership.enterprise_id if membership is not None else None)
        ),
        attachment_id=attachment_id,
        reference=(reference or "").strip(),
        reason=(reason or "").strip(),
        recorded_by_id=actor.id if actor is not None else None,
    )
    db.session.add(entry)
    db.session.flush()
    chains.record(CHAIN, fund.id, actor, f"ledger_{kind.value}", data=entry_fields(entry), fields=fund_fields(fund))
    return entry


# ---- reading the ledger ------------------------------------------------------------------------------------


@dataclass
class Sums:
    balance_fen: int = 0
    available_fen: int = 0
    committed_fen: int = 0
    entries: int = 0
    last_seq: int = 0


def sums_by_fund(fund_ids=None, *, until: date | None = None) -> dict[int, Sums]:
    """What each fund's entries add up to (up to and including ``until``)."""
    stmt = select(
        LedgerEntry.fund_id,
        LedgerEntry.debit,
        LedgerEntry.credit,
        func.sum(LedgerEntry.amount_fen),
        func.count(),
        func.max(LedgerEntry.seq),
    ).group_by(LedgerEntry.fund_id, LedgerEntry.debit, LedgerEntry.credit)
    if fund_ids is not None:
        stmt = stmt.where(LedgerEntry.fund_id.in_(list(fund_ids)))
    if until is not None:
        stmt = stmt.where(LedgerEntry.occurred_on <= until)
    out: dict[int, Sums] = defaultdict(Sums)
    for fund_id, debit, credit, total, count, last in db.session.execute(stmt):
        s = out[fund_id]
        total = int(total)
        for account, sign in ((Account(debit), 1), (Account(credit), -1)):
            if account is Account.BANK:
                s.balance_fen += sign * total
            elif account is Account.AVAILABLE:
                s.available_fen -= sign * total
            else:
                s.committed_fen -= sign * total
        s.entries += count
        s.last_seq = max(s.last_seq, last or 0)
    return out


def request_sums(request_ids) -> dict[int, dict[EntryKind, int]]:
    """Per request, the sum of its movements of each kind."""
    out: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    if not request_ids:
        return out
    rows = db.session.execute(
        select(LedgerEntry.request_id, LedgerEntry.kind, func.sum(LedgerEntry.amount_fen))
        .where(LedgerEntry.request_id.in_(list(request_ids)))
        .group_by(LedgerEntry.request_id, LedgerEntry.kind)
    )
    for request_id, kind, total in rows:
        out[request_id][EntryKind(kind)] = int(total)
    return out


# ---- verification --------------------------------------------------------------------------------------------


def verify() -> list[str]:
    """Every difference between a fund's row and its ledger, a request's sums and its movements, a
    membership's payments and its contributions, and an entry and what the fund's chain sealed of it."""
    problems: list[str] = []
    funds = list(db.session.execute(select(Fund).order_by(Fund.id)).scalars())
    sums = sums_by_fund()
    for f in funds:
        s = sums.get(f.id, Sums())
        for name in ("balance_fen", "available_fen", "committed_fen"):
            if getattr(f, name) != getattr(s, name):
                problems.append(f"fund {f.id}: {name} is {getattr(f, name)} but its ledger sums to {getattr(s, name)}")
        if f.balance_fen != f.available_fen + f.committed_fen:
            problems.append(f"fund {f.id}: money held is not available plus committed")
        if f.ledger_seq != s.entries or s.last_seq != s.entries:
            problems.append(
                f"fund {f.id}: its ledger has {s.entries} entries numbered up to {s.last_seq}, "
                f"the fund counts {f.ledger_seq}"
            )
    # Each entry against what the fund's chain sealed when it was posted.
    sealed = {}
    for event in db.session.execute(
        select(chains.AuditEvent.chain_id, chains.AuditEvent.data)
        .where(chains.AuditEvent.chain_type == CHAIN, chains.AuditEvent.action.like("ledger_%"))
        .execution_options(yield_per=2000)
    ):
        data = event.data or {}
        sealed[data.get("id")] = data
    seen = set()
    for entry in db.session.execute(
        select(LedgerEntry).order_by(LedgerEntry.id).execution_options(yield_per=2000)
    ).scalars():
        seen.add(entry.id)
        fields = entry_fields(entry)
        recorded = sealed.get(entry.id)
        if recorded is None:
            problems.append(f"fund {entry.fund_id}: ledger entry {entry.seq} was never sealed in the fund's chain")
        elif recorded != fields:
            changed = sorted(k for k in fields if recorded.get(k) != fields[k])
            problems.append(
                f"fund {entry.fund_id}: ledger entry {entry.seq} differs from what was sealed ({', '.join(changed)})"
            )
        if POSTINGS.get(entry.kind) != (entry.debit, entry.credit):
            problems.append(f"fund {entry.fund_id}: ledger entry {entry.seq} moves money between the wrong accounts")
    for entry_id in sorted(k for k in sealed if k not in seen):
        problems.append(f"ledger entry #{entry_id} sealed in a fund's chain no longer exists")
    # Requests: committed, paid, released and clawed back as their movements say.
    requests = list(db.session.execute(select(FundRequest).order_by(FundRequest.id)).scalars())
    by_request = request_sums([r.id for r in requests])
    for r in requests:
        moved = by_request.get(r.id, {})
        expected = {
            "approved_fen": moved.get(EntryKind.COMMITMENT, 0),
            "paid_fen": moved.get(EntryKind.PAYOUT, 0),
            "released_fen": moved.get(EntryKind.RELEASE, 0),
            "clawed_back_fen": moved.get(EntryKind.CLAW_BACK, 0),
        }
        for name, value in expected.items():
            if getattr(r, name) != value:
                problems.append(f"fund request {r.id}: {name} is {getattr(r, name)} but its movements sum to {value}")
    # Memberships: paid as their contributions say.
    paid = dict(
        db.session.execute(
            select(LedgerEntry.membership_id, func.sum(LedgerEntry.amount_fen))
            .where(LedgerEntry.membership_id.is_not(None))
            .group_by(LedgerEntry.membership_id)
        ).all()
    )
    for m in db.session.execute(select(FundMembership).order_by(FundMembership.id)).scalars():
        if m.paid_fen != int(paid.get(m.id) or 0):
            problems.append(
                f"membership {m.id}: paid {m.paid_fen} but its contributions sum to {int(paid.get(m.id) or 0)}"
            )
    return problems
