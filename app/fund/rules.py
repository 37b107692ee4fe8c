"""What a fund's rules say of a request: the fund year, membership in good standing, the disputes
covered, how many requests an enterprise may have granted in a year, and the amount that may be
granted with its working (share × eligible costs − deductions, then the cap per request, what is
left of the fund year's cap and what the fund has available)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.money import yuan
from app.extensions import db
from app.fund.enums import COUNTED, DisputeType
from app.fund.models import Fund, FundMembership, FundRequest, rules_of


def fund_year_of(day: date, start_month: int, start_day: int) -> int:
    """The fund year ``day`` falls in, named by the calendar year it starts in."""
    start = date(day.year, start_month, start_day)
    return day.year if day >= start else day.year - 1


def fund_year_bounds(year: int, start_month: int, start_day: int) -> tuple[date, date]:
    first = date(year, start_month, start_day)
    return first, date(year + 1, start_month, start_day) - timedelta(days=1)


def memberships_of(fund: Fund, enterprise_id: int) -> list[FundMembership]:
    return list(
        db.session.execute(
            select(FundMembership)
            .where(FundMembership.fund_id == fund.id, FundMembership.enterprise_id == enterprise_id)
            .order_by(FundMembership.starts_on)
        ).scalars()
    )


@dataclass
class Standing:
    """An enterprise's membership of a fund on a day: the membership covering it (if any), whether
    it is paid up, and since when it has been a member without a break."""

    membership: FundMembership | None
    member_since: date | None
    paid: bool

    @property
    def good(self) -> bool:
        return self.membership is not None and self.paid


def standing(fund: Fund, enterprise_id: int, day: date) -> Standing:
    rows = memberships_of(fund, enterprise_id)
    current = next((m for m in rows if m.covers(day)), None)
    if current is None:
        return Standing(None, None, False)
    since = current.starts_on
    # Walk back over memberships that follow one another without a gap.
    for m in reversed([m for m in rows if m.starts_on < current.starts_on]):
        if m.ends_on >= since - timedelta(days=1):
            since = min(since, m.starts_on)
        else:
            break
    return Standing(current, since, current.is_paid)


def standing_reasons(fund: Fund, enterprise_id: int | None, day: date, dispute_started_on: date | None) -> list:
    """Why the enterprise may not ask this fund for support now (empty: it may)."""
    if enterprise_id is None:
        return [_l("Only an enterprise that is a member of the fund may ask for support.")]
    s = standing(fund, enterprise_id, day)
    if s.membership is None:
        return [_l("The enterprise is not a member of this fund today.")]
    reasons = []
    if not s.paid:
        reasons.append(
            _l(
                "The enterprise has not paid its contribution (%(paid)s of %(due)s yuan); only members in good "
                "standing may ask for support.",
                paid=yuan(s.membership.paid_fen),
                due=yuan(s.membership.contribution_fen),
            )
        )
    if dispute_started_on is not None and s.member_since is not None and dispute_started_on < s.member_since:
        reasons.append(
            _l(
                "The dispute began on %(began)s, before the enterprise joined the fund (%(joined)s); only disputes "
                "that began after joining are supported.",
                began=dispute_started_on.isoformat(),
                joined=s.member_since.isoformat(),
            )
        )
    return reasons


def covered_reason(rules: dict, dispute_type) -> object | None:
    covered = rules.get("dispute_types") or []
    value = dispute_type.value if isinstance(dispute_type, DisputeType) else dispute_type
    if value not in covered:
        return _l("The fund does not cover this kind of dispute.")
    return None


def granted_in_year(fund_id: int, enterprise_id: int, year: int, *, exclude_id: int | None = None) -> int:
    """How many requests of the enterprise the fund granted in the fund year."""
    stmt = select(func.count()).where(
        FundRequest.fund_id == fund_id,
        FundRequest.enterprise_id == enterprise_id,
        FundRequest.fund_year == year,
        FundRequest.state.in_(list(COUNTED)),
    )
    if exclude_id is not None:
        stmt = stmt.where(FundRequest.id != exclude_id)
    return db.session.execute(stmt).scalar_one()


def per_year_reason(fund: Fund, rules: dict, enterprise_id: int, year: int, *, exclude_id=None) -> object | None:
    allowed = rules.get("requests_per_enterprise_per_year") or fund.requests_per_enterprise_per_year
    if granted_in_year(fund.id, enterprise_id, year, exclude_id=exclude_id) >= allowed:
        return _l(
            "The fund has already granted this enterprise %(n)d request(s) in the fund year %(year)d, "
            "as many as its rules allow.",
            n=allowed,
            year=year,
        )
    return None


def committed_in_year(fund_id: int, year: int, *, exclude_id: int | None = None) -> int:
    """What the fund granted in the fund year, less what closed requests released."""
    stmt = select(func.coalesce(func.sum(FundRequest.approved_fen - FundRequest.released_fen), 0)).where(
        FundRequest.fund_id == fund_id, FundRequest.fund_year == year, FundRequest.state.in_(list(COUNTED))
    )
    if exclude_id is not None:
        stmt = stmt.where(FundRequest.id != exclude_id)
    return int(db.session.execute(stmt).scalar_one())


# ---- the amount and its working ------------------------------------------------------------------------------


@dataclass
class Step:
    label: object
    fen: int
    binding: bool = False


@dataclass
class Working:
    claimed_fen: int
    eligible_costs_fen: int
    share_percent: int
    shared_fen: int
    deductions_fen: int
    after_deductions_fen: int
    cap_per_request_fen: int
    year_left_fen: int
    available_fen: int
    grantable_fen: int
    year: int

    @classmethod
    def from_dict(cls, stored: dict | None) -> Working | None:
        """The working as ``as_dict`` stored it (a request's ``working``); None when there is none or it
        lacks a figure."""
        if not stored:
            return None
        try:
            return cls(**{k: stored[k] for k in cls.__dataclass_fields__})
        except KeyError:
            return None

    def steps(self) -> list[Step]:
        """The working as a page or a letter shows it, the limit that decided the amount marked."""
        out = [
            Step(_l("Costs claimed"), self.claimed_fen),
            Step(_l("Eligible costs"), self.eligible_costs_fen),
            Step(_l("Share of the eligible costs (%(p)d%%)", p=self.share_percent), self.shared_fen),
            Step(_l("Less insurance, settlement and other funding received"), -self.deductions_fen),
            Step(_l("After deductions"), self.after_deductions_fen),
            Step(_l("Cap per request"), self.cap_per_request_fen),
            Step(_l("Left of the fund year's cap (%(year)d)", year=self.year), self.year_left_fen),
            Step(_l("Available in the fund"), self.available_fen),
            Step(_l("May be granted"), self.grantable_fen, binding=True),
        ]
        return out

    @property
    def binding_limit(self) -> str:
        """Which figure decided the amount: ``share``, ``cap``, ``year`` or ``fund``."""
        for name, value in (
            ("share", self.after_deductions_fen),
            ("cap", self.cap_per_request_fen),
            ("year", self.year_left_fen),
            ("fund", self.available_fen),
        ):
            if value == self.grantable_fen:
                return name
        return "share"

    def as_dict(self) -> dict:
        return {
            "claimed_fen": self.claimed_fen,
            "eligible_costs_fen": self.eligible_costs_fen,
            "share_percent": self.share_percent,
            "shared_fen": self.shared_fen,
            "deductions_fen": self.deductions_fen,
            "after_deductions_fen": self.after_deductions_fen,
            "cap_per_request_fen": self.cap_per_request_fen,
            "year_left_fen": self.year_left_fen,
            "available_fen": self.available_fen,
            "grantable_fen": self.grantable_fen,
            "year": self.year,
            "limit": self.binding_limit,
        }


def share_of(amount_fen: int, percent: int) -> int:
    """``percent`` of ``amount_fen``, rounded half up to the fen (integers only)."""
    return (amount_fen * percent + 50) // 100


def working(r: FundRequest, today: date, *, fund: Fund | None = None) -> Working:
    """What may be granted to ``r`` now, and how: under the rules it was submitted under (the
    fund's current rules for a draft)."""
    fund = fund or r.fund
    rules = r.rules or rules_of(fund)
    year = r.fund_year if r.fund_year is not None else fund_year_of(today, fund.year_start_month, fund.year_start_day)
    claimed = sum(c.amount_fen for c in r.costs)
    eligible = sum(c.amount_fen for c in r.costs if c.eligible)
    share = int(rules["share_percent"])
    shared = share_of(eligible, share)
    deductions = r.insurance_fen + r.settlement_fen + r.other_funding_fen
    after = max(0, shared - deductions)
    cap = int(rules["cap_per_request_fen"])
    year_left = max(0, int(rules["cap_per_year_fen"]) - committed_in_year(fund.id, year, exclude_id=r.id))
    available = fund.available_fen
    grantable = max(0, min(after, cap, year_left, available))
    return Working(claimed, eligible, share, shared, deductions, after, cap, year_left, available, grantable, year)
