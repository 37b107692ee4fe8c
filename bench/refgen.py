"""Realistic referrals at scale for ``bench.generate --referrals N``: agencies, referrals, their clocks
and their events in the cases' audit chains.

Agencies: for every provincial centre its market regulation bureau, intellectual property office,
copyright bureau, agriculture department and customs branch; for every municipal centre its market
regulation bureau, intellectual property office and copyright bureau; three national bodies.

Referrals hang on complaints, assistance and overseas cases accepted for handling (half of them on
cases being handled now, the rest on cases since resolved or closed), with a right and a named
respondent; each is decided between the case's acceptance and its outcome and sent to an agency of
the case centre's region (or the province's) that takes the right. Its life is planned by
``bench.reflife``: the state follows its age, the clocks and events follow the workflow. The events
are put in time order among the case's own and the chain is sealed again from its first event (the
case's events keep their content), with its head, so ``flask --app wsgi audit-verify`` accepts every
chain and every referral's digest. Transfer letters, chase letters and reply links are not made (no
files on disk). Everything is inserted in batches (``casegen.bulk_insert``).
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import bindparam, func, insert, select, text

from bench.casegen import DAY, bulk_insert, weighted
from bench.reflife import BY_AGE, ChainEvent, Life, working_hours

PATENTS = ["invention_patent", "utility_model", "design"]
MARKET = [*PATENTS, "trademark", "geographical_indication", "trade_secret"]
EVERY_RIGHT = [*MARKET, "copyright", "plant_variety", "ic_layout", "other"]
# kind, name pattern, rights, mailbox prefix
PROVINCIAL_AGENCIES = [
    ("market_regulation", "{region}市场监督管理局", MARKET, "zhifa"),
    ("patent_administration", "{region}知识产权局", PATENTS, "zlcj"),
    ("copyright", "{region}版权局", ["copyright"], "banquan"),
    ("agriculture_forestry", "{region}农业农村厅", ["plant_variety"], "zhongzi"),
    ("customs", "海关总署{region}分署", EVERY_RIGHT, "zscq"),
]
MUNICIPAL_AGENCIES = PROVINCIAL_AGENCIES[:3]
NATIONAL_AGENCIES = [
    ("market_regulation", "国家市场监督管理总局执法稽查局", MARKET, "zfjc"),
    ("patent_administration", "国家知识产权局知识产权保护司", PATENTS, "bhs"),
    ("customs", "海关总署综合业务司", EVERY_RIGHT, "zscq"),
]
# What kind of agency a lead about each kind of right goes to, most often.
PREFERRED = {"copyright": "copyright", "plant_variety": "agriculture_forestry", "ic_layout": "customs"}


def make_agencies(conn, centres: dict, now: datetime) -> list[dict]:
    """The directory: a few agencies per provincial and municipal centre and the national ones."""
    from app.agencies.models import Agency

    rows = []
    for c in centres.values():
        table = {"national": NATIONAL_AGENCIES, "provincial": PROVINCIAL_AGENCIES, "municipal": MUNICIPAL_AGENCIES}
        region = c.name_zh.removesuffix("知识产权维权援助中心").removesuffix("维权援助中心")
        for n, (kind, pattern, rights, box) in enumerate(table.get(c.level, [])):
            rows.append(
                {
                    "centre_id": c.id,
                    "name": pattern.format(region=region),
                    "kind": kind,
                    "rights": rights,
                    "address": f"{region}政务服务中心{n + 1}号楼",
                    "email": f"{box}@{c.code.lower()}.gov.cn",
                    "phone": f"0{c.id % 900 + 100}-8{c.id:03d}{n:04d}",
                    "contact": "执法稽查处",
                    "is_active": True,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    conn.execute(insert(Agency.__table__), rows)
    return [
        r._asdict() for r in conn.execute(select(Agency.id, Agency.centre_id, Agency.kind, Agency.name, Agency.rights))
    ]


def pick_agency(rng, agencies_at: dict, line: list, ip_type: str, taken=()):
    """An agency of the case centre's region or the one above that takes the right (the nearest most
    often), other than those ``taken`` (a case has one referral at most to each agency); None if none is left."""
    regions = [c for c in reversed(line) if agencies_at.get(c)]
    if len(regions) > 1 and rng.random() < 0.25:
        regions = regions[1:] + regions[:1]  # the provincial bureau rather than the city's
    for region in regions:
        fits = [a for a in agencies_at[region] if ip_type in a["rights"] and a["id"] not in taken]
        if fits:
            preferred = PREFERRED.get(ip_type)
            weights = [6 if a["kind"] == preferred else 5 if a["kind"] == "market_regulation" else 1 for a in fits]
            if ip_type in PATENTS:
                weights = [3 if a["kind"] == "patent_administration" else w for a, w in zip(fits, weights, strict=True)]
            return rng.choices(fits, weights=weights)[0]
    return None


def _eligible(conn):
    """Cases accepted for handling (open or since resolved or closed) with a right and a named respondent."""
    from app.cases.models import Case, CaseRespondent, CaseRight

    right = select(CaseRight.case_id, CaseRight.number, CaseRight.title).where(CaseRight.position == 0).subquery()
    resp = (
        select(CaseRespondent.case_id, CaseRespondent.credit_code, CaseRespondent.address)
        .where(CaseRespondent.position == 0)
        .subquery()
    )
    rows = conn.execute(
        select(
            Case.id,
            Case.centre_id,
            Case.ip_type,
            Case.respondent_name,
            Case.facts,
            Case.owner_id,
            Case.decided_at,
            Case.resolved_at,
            Case.state,
            right.c.number.label("right_number"),
            right.c.title.label("right_title"),
            resp.c.credit_code.label("respondent_credit_code"),
            resp.c.address.label("respondent_address"),
        )
        .join(right, right.c.case_id == Case.id)
        .join(resp, resp.c.case_id == Case.id)
        .where(
            Case.state.in_(["accepted", "in_progress", "resolved", "closed"]),
            Case.kind != "consultation",
            Case.ip_type.is_not(None),
            Case.respondent_name != "",
            Case.decided_at.is_not(None),
        )
        .order_by(Case.id)
    ).all()
    return [SimpleNamespace(**{**r._asdict(), "ip_type": str(getattr(r.ip_type, "value", r.ip_type))}) for r in rows]


def _rechain(conn, lives_by_case: dict, batch: int) -> tuple[list, list]:
    """Each case's chain with its referrals' events put in time order: every event resealed in its new
    place (the case's own events keep their content). Returns the rows to insert and the new heads."""
    from app.cases.models import CaseEvent
    from app.core.audit import GENESIS, event_hash, head_seal

    table = CaseEvent.__table__
    columns = [c for c in table.c if c.name != "id"]
    rows, heads = [], []
    ids = sorted(lives_by_case)
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        own = defaultdict(list)
        for row in conn.execute(
            select(*columns).where(table.c.case_id.in_(chunk)).order_by(table.c.case_id, table.c.seq)
        ):
            own[row.case_id].append(ChainEvent(**row._asdict()))
        for case_id in chunk:
            events = own[case_id]
            last_at, digest = events[-1].created_at, next((e.digest for e in reversed(events) if e.digest), None)
            added = sorted((e for life in lives_by_case[case_id] for e in life.events), key=lambda e: e.created_at)
            for e in added:  # what the case's fields digested to, on the events after its own last one
                e.digest = digest if e.created_at > last_at else None
            prev = GENESIS
            for seq, e in enumerate(sorted(events + added, key=lambda e: e.created_at), start=1):
                e.seq, e.prev_hash = seq, prev
                e.hash = prev = event_hash(prev, e)
                rows.append(e.row())
            heads.append({"b_case_id": case_id, "b_seq": seq, "b_hash": prev, "b_seal": head_seal(case_id, seq, prev)})
        conn.execute(table.delete().where(table.c.case_id.in_(chunk)))
    return rows, heads


def generate_referrals(engine, count: int, seed: int = 13, batch: int = 2000) -> dict:
    """Insert the agency directory (when empty) and ``count`` referrals with their clocks and events."""
    from app import create_app
    from app.agencies.models import Agency
    from app.auth.models import User
    from app.cases.models import CaseAuditHead, CaseEvent
    from app.centres.models import Centre
    from app.clocks.models import CaseClock
    from app.core.workdays import WorkingCalendar
    from app.referrals.models import Referral

    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    app = create_app()
    calendar = WorkingCalendar()
    with app.app_context(), engine.begin() as conn:
        if conn.execute(select(Referral.id).limit(1)).first():
            raise SystemExit("the database already has referrals; give one without (or regenerate it)")
        centres = {
            c.id: c for c in conn.execute(select(Centre.id, Centre.code, Centre.level, Centre.path, Centre.name_zh))
        }
        centres = {
            i: SimpleNamespace(**{**c._asdict(), "level": str(getattr(c.level, "value", c.level))})
            for i, c in centres.items()
        }
        if conn.execute(select(func.count(Agency.id))).scalar():
            rows = conn.execute(select(Agency.id, Agency.centre_id, Agency.kind, Agency.name, Agency.rights))
            agencies = [r._asdict() for r in rows]
        else:
            agencies = make_agencies(conn, centres, now)
        agencies_at = defaultdict(list)
        for a in agencies:
            a["kind"] = str(getattr(a["kind"], "value", a["kind"]))
            agencies_at[a["centre_id"]].append(a)
        caseworkers, supervisors = defaultdict(list), defaultdict(list)
        for uid, role, centre_id in conn.execute(
            select(User.id, User.role, User.centre_id).where(User.role.in_(["caseworker", "supervisor"]))
        ):
            (caseworkers if str(getattr(role, "value", role)) == "caseworker" else supervisors)[centre_id].append(uid)
        cases = _eligible(conn)
        # The cases being handled are referred more often than those already over.
        handled = [c for c in cases if str(getattr(c.state, "value", c.state)) in ("accepted", "in_progress")]
        over = [c for c in cases if str(getattr(c.state, "value", c.state)) not in ("accepted", "in_progress")]
        rng.shuffle(handled)
        rng.shuffle(over)
        share = min(len(handled), count // 2)
        # each case: one referral, now and then two or three, each to another agency (one open per agency)
        chosen = []  # (case, agency)
        for case in handled[:share] + over + handled[share:]:
            line = [int(i) for i in centres[case.centre_id].path.strip("/").split("/")]
            taken: set = set()
            for _ in range(rng.choices([1, 2, 3], [80, 16, 4])[0]):
                agency = pick_agency(rng, agencies_at, line, case.ip_type, taken)
                if agency is None or len(chosen) >= count:
                    break
                taken.add(agency["id"])
                chosen.append((case, agency))
            if len(chosen) >= count:
                break
        if len(chosen) < count:
            raise SystemExit(f"only {len(cases)} cases are being handled: too few for {count} referrals")
        first_id = (conn.execute(select(func.max(Referral.id))).scalar() or 0) + 1
        lives_by_case: dict[int, list[Life]] = defaultdict(list)
        states: Counter = Counter()
        for n, (case, agency) in enumerate(chosen):
            line = [int(i) for i in centres[case.centre_id].path.strip("/").split("/")]
            creator = case.owner_id or rng.choice(caseworkers.get(case.centre_id) or supervisors[case.centre_id])
            approver = rng.choice([u for u in supervisors[case.centre_id] if u != creator] or supervisors[line[0]])
            # decided while the case is handled: after its acceptance, before its outcome
            until = min(case.resolved_at or now, now - timedelta(minutes=20))
            window = max(0.0, (until - case.decided_at).total_seconds() - 1800)
            t0 = case.decided_at + timedelta(seconds=min(window * rng.random(), rng.expovariate(1 / (20 * DAY))))
            t0 = min(working_hours(t0), now - timedelta(minutes=20))
            age = (now - t0).total_seconds() / DAY
            state = weighted(rng, next(table for limit, table in BY_AGE if age < limit))
            states[state] += 1
            life = Life(rng, calendar, now, first_id + n, case, agency, creator, approver, t0, state)
            lives_by_case[case.id].append(life)

        referral_rows, clock_rows = [], []
        for lives in lives_by_case.values():
            for life in lives:
                referral_rows.append(life.f)
                clock_rows.extend(life.clocks)
        began = time.perf_counter()
        event_rows, heads = _rechain(conn, lives_by_case, batch)
        rechain_seconds = time.perf_counter() - began
        referral_rows.sort(key=lambda r: r["id"])
        spent: Counter = Counter()
        for table, rows in (
            (Referral.__table__, referral_rows),
            (CaseClock.__table__, clock_rows),
            (CaseEvent.__table__, event_rows),
        ):
            began = time.perf_counter()
            for start in range(0, len(rows), batch):
                bulk_insert(conn, table, rows[start : start + batch])
            spent[table.name] += time.perf_counter() - began
        head_table = CaseAuditHead.__table__
        conn.execute(
            head_table.update()
            .where(head_table.c.case_id == bindparam("b_case_id"))
            .values(seq=bindparam("b_seq"), hash=bindparam("b_hash"), seal=bindparam("b_seal")),
            heads,
        )
        if engine.dialect.name == "postgresql":  # ids were given explicitly: move the serial sequence on
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('referrals', 'id'), (SELECT max(id) FROM referrals))")
            )
    clocks = Counter()
    for row in clock_rows:
        running = row["met_at"] is None and row["stopped_at"] is None
        late = running and row["due_at"] is not None and row["due_at"] < now
        clocks[
            f"{row['name']}_{'overdue' if late else 'running' if running else 'met' if row['met_at'] else 'stopped'}"
        ] += 1
    return {
        "agencies": len(agencies),
        "referrals": len(referral_rows),
        "referral_cases": len(lives_by_case),
        "eligible_cases": len(cases),
        "referral_states": dict(sorted(states.items(), key=lambda kv: -kv[1])),
        "referral_clocks": dict(sorted(clocks.items())),
        "referral_events": sum(len(life.events) for lives in lives_by_case.values() for life in lives),
        "case_events_resealed": len(event_rows),
        "referrals_seconds": round(time.perf_counter() - started, 1),
        "referral_insert_seconds": {table: round(seconds, 1) for table, seconds in spent.items()},
        "rechain_seconds": round(rechain_seconds, 1),
    }
