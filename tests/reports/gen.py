"""A generated world for the reports' tests: a province with two cities (one with a county below it),
and cases, clocks, mediations, referrals, visits and fund requests with random times spread over a
month, the month before it, the same month a year before, and outside all three, so every figure of
the monthly report has something to count and something to leave out.

Rows are written directly (the figures read columns, whatever workflow set them); the fund's money
moves through its ledger (``app.fund.ledger.post``), as it must.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta  # noqa: F401  (timedelta: the tests shift NOW)

from app.reports.periods import Period

MONTH = Period.month(2026, 10)
#: Where the generated times fall: the report's month, the one before, a year before, and around them.
SPANS = (
    (datetime(2025, 9, 20, tzinfo=UTC), datetime(2025, 11, 10, tzinfo=UTC)),
    (datetime(2026, 8, 20, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC)),
)
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


@dataclass
class World:
    province: object
    cities: list
    county: object
    other_province: object
    centres: list
    supervisor: object
    cases: list = field(default_factory=list)
    clocks: list = field(default_factory=list)
    mediations: list = field(default_factory=list)
    referrals: list = field(default_factory=list)
    visits: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    fund: object = None


def moment(rng: random.Random) -> datetime:
    start, end = rng.choice(SPANS)
    # Some times close to midnight in China, to catch a month counted in UTC instead of China time.
    t = start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))
    if rng.random() < 0.15:
        t = t.replace(hour=rng.choice((15, 16)), minute=rng.choice((0, 30, 59)))
    return t


def maybe(rng: random.Random, p: float, value):
    return value if rng.random() < p else None


def build(session, make_centre, make_user, make_enterprise, seed: int = 7, cases: int = 160) -> World:
    from app.agencies.models import Agency, AgencyKind
    from app.auth.models import Role
    from app.cases.enums import CaseKind, CaseState, Channel, ComplainantType, DeclineReason, IPType
    from app.cases.models import Case
    from app.centres.models import CentreLevel
    from app.clocks.models import CaseClock, ClockName, ClockUnit
    from app.fund import ledger, services
    from app.fund.enums import DisputeType, EntryKind, FundRequestState
    from app.fund.models import FundRequest
    from app.mediation.enums import MediationScope, MediationState
    from app.mediation.models import Mediation
    from app.referrals.enums import ReferralState
    from app.referrals.models import Referral
    from app.visits.enums import VisitState
    from app.visits.models import Visit

    rng = random.Random(seed)
    province = make_centre(level=CentreLevel.PROVINCIAL)
    cities = [make_centre(parent=province), make_centre(parent=province)]
    county = make_centre(parent=cities[1], level=CentreLevel.COUNTY)
    other = make_centre(level=CentreLevel.PROVINCIAL)
    centres = [province, *cities, county, other]
    for c in centres:  # they owe visits in every month generated
        c.created_at = datetime(2024, 1, 1, tzinfo=UTC)
    supervisor = make_user(role=Role.SUPERVISOR, centre=province)
    admin = make_user(role=Role.ADMIN, centre=province)
    approvers = [make_user(role=Role.SUPERVISOR, centre=province), make_user(role=Role.FUND_COMMITTEE, centre=province)]
    firms = {c.id: make_enterprise(c) for c in centres}
    agency = Agency(centre_id=province.id, name="市场监督管理局", kind=AgencyKind.MARKET_REGULATION)
    session.add(agency)
    session.flush()
    world = World(province, cities, county, other, centres, supervisor)

    fund = services.create_fund(admin, province, "互助基金")
    ledger.post(fund, EntryKind.GRANT, 100_000_000_00, admin, occurred_on=date(2025, 1, 2), reference="拨款")
    world.fund = fund

    sequence = 0
    for _ in range(cases):
        sequence += 1
        centre = rng.choice(centres)
        kind = rng.choice(list(CaseKind))
        submitted = moment(rng)
        decided = maybe(rng, 0.7, submitted + timedelta(days=rng.randrange(0, 20), hours=rng.randrange(24)))
        declined = decided is not None and kind is not CaseKind.CONSULTATION and rng.random() < 0.25
        closed = maybe(rng, 0.5, (decided or submitted) + timedelta(days=rng.randrange(0, 40))) if decided else None
        if declined:
            closed = None
        state = (
            CaseState.DECLINED
            if declined
            else CaseState.CLOSED
            if closed
            else CaseState.ACCEPTED
            if decided
            else CaseState.SUBMITTED
        )
        firm = firms[centre.id]
        case = Case(
            number=f"T{centre.id}-{sequence:05d}",
            centre_id=centre.id,
            number_centre_id=centre.id,
            year=2026,
            sequence=sequence,
            kind=kind,
            channel=rng.choice(list(Channel)),
            state=state,
            complainant_type=ComplainantType.ENTERPRISE,
            enterprise_id=firm.id,
            title=f"案件 {sequence}",
            ip_type=maybe(rng, 0.85, rng.choice(list(IPType))),
            submitted_at=submitted,
            created_at=submitted,
            decided_at=decided,
            decline_reason=DeclineReason.OTHER if declined else None,
            closed_at=closed,
            rating=rng.randint(1, 5) if closed and rng.random() < 0.6 else None,
        )
        session.add(case)
        world.cases.append(case)
    session.flush()

    for case in world.cases:
        for name in rng.sample(list(ClockName), 3):
            started = case.submitted_at
            due = started + timedelta(days=rng.randrange(1, 40))
            roll = rng.random()
            met = stopped = paused = None
            if roll < 0.55:
                met = due + timedelta(days=rng.randrange(-10, 8))
            elif roll < 0.65:
                stopped = due - timedelta(days=1)
            elif roll < 0.75:
                paused = due - timedelta(days=2)
            clock = CaseClock(
                case_id=case.id,
                subject_type="case",
                subject_id=case.id,
                name=name,
                centre_id=case.centre_id,
                amount=5,
                unit=ClockUnit.CALENDAR_DAYS,
                started_at=started,
                due_at=due,
                warn_at=due - timedelta(days=1),
                met_at=met,
                stopped_at=stopped,
                paused_at=paused,
                unknown_year=2099 if rng.random() < 0.03 and met is None and stopped is None else None,
            )
            session.add(clock)
            world.clocks.append(clock)

        if rng.random() < 0.35:
            opened = maybe(rng, 0.8, moment(rng))
            ended = maybe(
                rng, 0.7, (opened or moment(rng)) + timedelta(days=rng.randrange(0, 60), hours=rng.randrange(24))
            )
            agreed = ended is not None and opened is not None and rng.random() < 0.5
            state = (
                MediationState.AGREED
                if agreed
                else (
                    rng.choice([MediationState.FAILED, MediationState.REFUSED])
                    if ended
                    else MediationState.IN_MEDIATION
                )
            )
            m = Mediation(
                case_id=case.id,
                centre_id=case.centre_id,
                state=state,
                ip_type=IPType.UTILITY_MODEL,
                scope=MediationScope.DAMAGES,
                respondent_name="被请求人",
                opened_at=opened,
                ended_at=ended,
                agreed_at=ended if agreed else None,
                amount_fen=rng.randrange(0, 10_000_00) if agreed else None,
            )
            session.add(m)
            world.mediations.append(m)

        if rng.random() < 0.3:
            sent = moment(rng)
            day = sent.date()
            received = maybe(rng, 0.7, day + timedelta(days=rng.randrange(0, 20)))
            decided_on = maybe(rng, 0.6, (received or day) + timedelta(days=rng.randrange(0, 20))) if received else None
            outcome_on = (
                maybe(rng, 0.5, (decided_on or day) + timedelta(days=rng.randrange(0, 30))) if decided_on else None
            )
            r = Referral(
                case_id=case.id,
                centre_id=case.centre_id,
                agency_id=agency.id,
                state=ReferralState.SENT,
                ip_type=IPType.TRADEMARK,
                respondent_name="被投诉人",
                sent_at=sent,
                received_on=received,
                decided_on=decided_on,
                opened=(rng.random() < 0.6) if decided_on else None,
                outcome_on=outcome_on,
                penalty_fen=rng.randrange(0, 50_000_00) if outcome_on else None,
                police_transferred_on=maybe(rng, 0.1, day + timedelta(days=rng.randrange(0, 30))),
            )
            session.add(r)
            world.referrals.append(r)
    session.flush()

    for centre in centres:
        for _ in range(rng.randrange(8, 16)):
            visited = moment(rng).date()
            state = rng.choice([VisitState.DONE, VisitState.CLOSED, VisitState.PLANNED, VisitState.CANCELLED])
            v = Visit(
                centre_id=centre.id,
                state=state,
                planned_on=visited,
                visited_on=visited if state in (VisitState.DONE, VisitState.CLOSED) else None,
                closed_at=datetime.combine(visited, datetime.min.time(), UTC) if state is VisitState.CLOSED else None,
            )
            session.add(v)
            world.visits.append(v)
    session.flush()

    overseas = [c for c in world.cases if c.kind is CaseKind.OVERSEAS][:12]
    for case in overseas:
        submitted = moment(rng)
        granted = rng.random() < 0.5
        refused = not granted and rng.random() < 0.5
        r = FundRequest(
            case_id=case.id,
            fund_id=fund.id,
            centre_id=case.centre_id,
            enterprise_id=case.enterprise_id,
            state=FundRequestState.GRANTED
            if granted
            else FundRequestState.REJECTED
            if refused
            else FundRequestState.SUBMITTED,
            dispute_type=DisputeType.LITIGATION,
            country="US",
            dispute_started_on=date(2025, 1, 1),
            submitted_at=submitted,
            approved_by_id=approvers[0].id if granted else None,
            approved_at=submitted + timedelta(days=3) if granted else None,
            second_approved_by_id=approvers[1].id if granted else None,
            second_approved_at=submitted + timedelta(days=rng.randrange(4, 30)) if granted else None,
            approved_fen=rng.randrange(1, 200_000) * 100 if granted else 0,
            rejected_at=submitted + timedelta(days=5) if refused else None,
            fund_year=2026,
        )
        session.add(r)
        session.flush()
        world.requests.append(r)
        if granted:
            on = r.second_approved_at.date()
            ledger.post(fund, EntryKind.COMMITMENT, r.approved_fen, admin, occurred_on=on, request=r)
            paid = r.approved_fen // 2
            ledger.post(
                fund, EntryKind.PAYOUT, paid, admin, occurred_on=on + timedelta(days=rng.randrange(0, 25)), request=r
            )
            r.paid_fen = paid
    session.commit()
    return world
