"""The fund statement (资金收支报表): a fund's money over a period, from its ledger alone.

Opening balance (the ledger up to the day before the period), the income of each kind, the
commitments, releases, payouts and claw-backs of the period, and the closing balance with what is
committed and available at its end; then every movement of the period. A document of no case: it
belongs to the fund and the fund's centre (``Document.subject_type`` "fund"), takes a number of the
centre's series 基, and its issue is an event of the fund's own chain (with the period).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.cases.enums import DocumentKind
from app.cases.models import Document
from app.core import chains
from app.core.errors import ServiceError
from app.core.money import yuan, yuan_in_capitals
from app.core.pdf import language
from app.extensions import db
from app.fund import ledger
from app.fund.enums import INCOME, EntryKind
from app.fund.models import Fund, LedgerEntry, fund_fields

KIND = DocumentKind.FUND_STATEMENT
#: The most movements a statement lists (a longer period is better split).
MAX_MOVEMENTS = 5000


@dataclass
class Statement:
    start: date
    end: date
    opening: ledger.Sums
    closing: ledger.Sums
    by_kind: dict = field(default_factory=dict)  # EntryKind → fen in the period
    movements: list = field(default_factory=list)  # LedgerEntry rows of the period, in order
    count: int = 0

    @property
    def income_fen(self) -> int:
        return sum(self.by_kind.get(k, 0) for k in INCOME)

    def of(self, kind: EntryKind) -> int:
        return self.by_kind.get(kind, 0)


def compute(fund: Fund, start: date, end: date, *, with_movements: bool = True) -> Statement:
    """The fund's figures for ``start``..``end`` (both included), every sum from the ledger."""
    opening = ledger.sums_by_fund([fund.id], until=start - timedelta(days=1)).get(fund.id, ledger.Sums())
    closing = ledger.sums_by_fund([fund.id], until=end).get(fund.id, ledger.Sums())
    in_period = (LedgerEntry.fund_id == fund.id, LedgerEntry.occurred_on >= start, LedgerEntry.occurred_on <= end)
    by_kind = {
        EntryKind(kind): int(total)
        for kind, total in db.session.execute(
            select(LedgerEntry.kind, func.sum(LedgerEntry.amount_fen)).where(*in_period).group_by(LedgerEntry.kind)
        )
    }
    s = Statement(start, end, opening, closing, by_kind)
    s.count = db.session.execute(select(func.count()).select_from(LedgerEntry).where(*in_period)).scalar_one()
    if with_movements:
        s.movements = list(
            db.session.execute(
                select(LedgerEntry)
                .where(*in_period)
                .order_by(LedgerEntry.occurred_on, LedgerEntry.seq)
                .limit(MAX_MOVEMENTS)
            ).scalars()
        )
    return s


def check_period(start, end, today: date) -> tuple[date, date]:
    """The period asked for, checked (a ServiceError names the bad field)."""
    if not isinstance(start, date):
        raise ServiceError(_l("Give the first day of the period (YYYY-MM-DD)."), field="date_from")
    if not isinstance(end, date):
        raise ServiceError(_l("Give the last day of the period (YYYY-MM-DD)."), field="date_to")
    if end > today:
        raise ServiceError(_l("The period cannot end after today."), field="date_to")
    if end < start:
        raise ServiceError(_l("The period cannot end before it starts."), field="date_to")
    return start, end


# ---- the document ---------------------------------------------------------------------------------------


def _movement(e: LedgerEntry, case_numbers: dict) -> dict:
    return {
        "seq": e.seq,
        "occurred_on": e.occurred_on,
        "kind": e.kind,
        "income": e.kind in INCOME or e.kind is EntryKind.CLAW_BACK,
        "amount": yuan(e.amount_fen),
        "debit": e.debit,
        "credit": e.credit,
        "case_number": case_numbers.get(e.request_id, "") if e.request_id else "",
        "enterprise": e.enterprise.name if e.enterprise is not None else "",
        "reference": e.reference or "",
        "reason": e.reason or "",
    }


def gather(fund: Fund, kind, issued_at, actor) -> dict:
    from app.cases.documents import _CentreName
    from app.cases.models import Case
    from app.fund.models import FundRequest

    start, end = fund._statement_period
    s = compute(fund, start, end)
    request_ids = {e.request_id for e in s.movements if e.request_id}
    case_numbers = (
        dict(
            db.session.execute(
                select(FundRequest.id, Case.number)
                .join(Case, Case.id == FundRequest.case_id)
                .where(FundRequest.id.in_(request_ids))
            ).all()
        )
        if request_ids
        else {}
    )
    centre = fund.centre
    return {
        "kind": DocumentKind(kind).value,
        "issued_at": issued_at,
        "centre": {
            "name": _CentreName(centre),
            "address": centre.address or "",
            "phone": centre.phone or "",
            "contact_person": centre.contact_person or "",
        },
        "case": {"number": ""},
        "fund": {"name": fund.name},
        "period": {"start": start, "end": end},
        "opening": {
            "balance": yuan(s.opening.balance_fen),
            "committed": yuan(s.opening.committed_fen),
            "available": yuan(s.opening.available_fen),
        },
        "income": [
            {"kind": k, "amount": yuan(s.of(k))}
            for k in (EntryKind.CONTRIBUTION, EntryKind.GRANT, EntryKind.OTHER_INCOME)
        ],
        "income_total": yuan(s.income_fen),
        "commitments": yuan(s.of(EntryKind.COMMITMENT)),
        "releases": yuan(s.of(EntryKind.RELEASE)),
        "payouts": yuan(s.of(EntryKind.PAYOUT)),
        "claw_backs": yuan(s.of(EntryKind.CLAW_BACK)),
        "closing": {
            "balance": yuan(s.closing.balance_fen),
            "balance_capitals": yuan_in_capitals(s.closing.balance_fen),
            "committed": yuan(s.closing.committed_fen),
            "available": yuan(s.closing.available_fen),
        },
        "movements": [_movement(e, case_numbers) for e in s.movements],
        "count": s.count,
        "truncated": s.count > len(s.movements),
        "handler": {
            "name": actor.name if actor is not None else "",
            "phone": (getattr(actor, "phone", "") or "") if actor is not None else "",
        },
        "prepared_by": actor.name if actor is not None else "",
    }


def language_of(fund: Fund) -> str:
    return language(getattr(fund, "_statement_language", None))


def _record_event(fund: Fund, actor):
    def record(document, data):
        start, end = fund._statement_period
        chains.record(
            ledger.CHAIN,
            fund.id,
            actor,
            "issue_document",
            data={**data, "period": [start.isoformat(), end.isoformat()]},
            fields=fund_fields(fund),
        )

    return record


def issue(fund: Fund, kind, actor):
    from app.cases.documents import issue_document

    return issue_document(None, kind, actor, subject=fund, record=_record_event(fund, actor))


def issue_statement(actor, fund: Fund, start: date, end: date, today: date, lang: str | None = None) -> Document:
    """Issue the fund's statement for ``start``..``end`` (a supervisor or administrator of the fund's
    centre or above): numbered, stored as generated, recorded in the fund's chain."""
    from app.fund.services import can_manage_fund

    if not can_manage_fund(actor, fund):
        raise ServiceError(_l("Only a supervisor or an administrator of the fund's centre issues its statement."))
    start, end = check_period(start, end, today)
    fund._statement_period = (start, end)
    fund._statement_language = lang
    try:
        return issue(fund, KIND, actor)
    finally:
        fund._statement_period = None
        fund._statement_language = None


def statements(fund: Fund) -> list[tuple[Document, tuple[date, date] | None]]:
    """The fund's statements issued, the latest first, each with its period (from the fund's chain)."""
    docs = list(
        db.session.execute(
            select(Document)
            .where(Document.subject_type == "fund", Document.subject_id == fund.id, Document.kind == KIND)
            .order_by(Document.created_at.desc(), Document.id.desc())
        ).scalars()
    )
    periods = {}
    if docs:
        for data in db.session.execute(
            select(chains.AuditEvent.data).where(
                chains.AuditEvent.chain_type == ledger.CHAIN,
                chains.AuditEvent.chain_id == fund.id,
                chains.AuditEvent.action == "issue_document",
            )
        ).scalars():
            data = data or {}
            if data.get("document_id") and isinstance(data.get("period"), list):
                try:
                    periods[data["document_id"]] = tuple(date.fromisoformat(d) for d in data["period"])
                except (TypeError, ValueError):
                    continue
    return [(d, periods.get(d.id)) for d in docs]
