"""Realistic referrals at scale for ``bench.generate --referrals N``: agencies, referrals, their clocks
and their events in the cases' audit chains.

Agencies: for every provincial centre its market regulation bureau, intellectual property office,
copyright bureau, agriculture department and customs branch; for every municipal centre its market
regulation bureau, intellectual property office and copyright bureau; three national bodies.

Referrals hang on complaints, assistance and overseas cases being handled (accepted or in progress,
with a right and a named respondent), decided after the case's last event, so their events append
to the case's chain in time order. A referral's state follows its age (young ones await approval or
sending, old ones are concluded or closed), and its life is planned as the one door would have run
it (``app.referrals.workflow``'s actions, by the roles that may take them): the send clock met when
the letter went out (late now and then), the chase clock restarted by each word of the agency and
each chase, left running — overdue — when nobody chased a silent agency. Each event seals the
referral's digest (``referral_digest``) and the case's, so ``flask --app wsgi audit-verify`` accepts
the chains; the heads move on with their seals. Transfer letters, chase letters and reply links are
not made (no files on disk). Everything is inserted in batches (``casegen.bulk_insert``).
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import bindparam, func, insert, select, text

from bench.casegen import CHINA, DAY, RIGHT_LABEL, bulk_insert, weighted

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

# The state a referral has reached, by its age in days.
BY_AGE = [
    (3, {"proposed": 45, "approved": 25, "sent": 25, "refused": 3, "withdrawn": 2}),
    (10, {"proposed": 8, "approved": 10, "sent": 50, "received": 25, "refused": 4, "withdrawn": 3}),
    (
        40,
        {"approved": 2, "sent": 25, "received": 35, "case_opened": 20, "not_opened": 7, "with_police": 2}
        | {"concluded": 4, "refused": 3, "withdrawn": 2},
    ),
    (
        120,
        {"sent": 8, "received": 15, "case_opened": 25, "not_opened": 10, "with_police": 5, "concluded": 17}
        | {"closed": 15, "refused": 3, "withdrawn": 2},
    ),
    (
        10**6,
        {"sent": 1, "received": 2, "case_opened": 6, "not_opened": 10, "with_police": 2, "concluded": 12}
        | {"closed": 60, "refused": 3, "withdrawn": 2},
    ),
]
# Delays before each action, in days (low, high).
DELAYS = {
    "approve": (0.1, 3),
    "refuse": (0.2, 3),
    "send": (0.2, 5),
    "record_receipt": (1, 10),
    "record_decision": (7, 45),
    "record_no_case": (7, 45),
    "record_police_transfer": (5, 30),
    "record_police_step": (1, 10),
    "record_outcome": (20, 120),
    "close": (1, 15),
    "withdraw": (1, 20),
}
WORDS = {
    "record_receipt",
    "record_decision",
    "record_no_case",
    "record_outcome",
    "record_police_transfer",
    "record_police_step",
}
TARGETS = {
    "approve": "approved",
    "refuse": "refused",
    "send": "sent",
    "record_receipt": "received",
    "record_decision": "case_opened",
    "record_no_case": "not_opened",
    "record_police_transfer": "with_police",
    "record_outcome": "concluded",
    "close": "closed",
    "withdraw": "withdrawn",
}
STOPS_ALL = {"refuse", "record_no_case", "record_outcome", "close", "withdraw"}
WITH_AGENCY = {"sent", "received", "case_opened", "with_police"}
GROUNDS = [
    "被投诉人{who}未经许可实施侵犯{right}的行为，经初步比对侵权事实清楚，建议依法查处。",
    "经调解未果，被投诉人{who}仍在持续销售侵权产品，建议移送执法部门查处。",
    "被投诉人{who}侵权规模较大、涉及多个电商平台，建议依法查处并责令停止侵权。",
]
NO_CASE_REASONS = ["经核查，现有证据不足以认定违法事实。", "被投诉人已停止涉嫌侵权行为并下架相关产品。"]
NO_CASE_REASONS += ["该纠纷已由人民法院受理。"]
OUTCOMES = ["责令停止侵权，没收侵权产品并处罚款。", "责令立即停止侵权行为，下架侵权链接。"]
OUTCOMES += ["没收侵权商品{n}件，并处罚款。", "当事人已停止侵权并销毁库存，依法从轻处罚。"]
CLOSE_COMMENTS = ["执法部门已作出处理，移送事项办结。", "执法部门不予立案，已告知申请人。", "移送事项已办结。"]
WITHDRAW_COMMENTS = [
    "双方已达成和解，撤回移送。",
    "申请人已向人民法院起诉，撤回移送。",
    "被投诉人已停止侵权，无需移送。",
]
REFUSE_COMMENTS = ["证据不足，暂不移送，请补充侵权证据。", "属于民事纠纷，建议继续调解。"]


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


def pick_agency(rng, agencies_at: dict, line: list, ip_type: str):
    """An agency of the case centre's region or the one above that takes the right (nearest most often)."""
    for level_choice in range(2):
        regions = [c for c in reversed(line) if agencies_at.get(c)]
        if not regions:
            break
        if level_choice == 0 and len(regions) > 1 and rng.random() < 0.25:
            regions = regions[1:]  # the provincial bureau rather than the city's
        for region in regions:
            fits = [a for a in agencies_at[region] if ip_type in a["rights"]]
            if fits:
                preferred = PREFERRED.get(ip_type)
                weights = [6 if a["kind"] == preferred else 5 if a["kind"] == "market_regulation" else 1 for a in fits]
                if ip_type in PATENTS:
                    weights = [
                        3 if a["kind"] == "patent_administration" else w for a, w in zip(fits, weights, strict=True)
                    ]
                return rng.choices(fits, weights=weights)[0]
    raise SystemExit(f"no agency takes {ip_type}")


def plan_path(rng, state: str) -> list[str]:
    """The actions after the decision that lead to ``state``."""
    with_receipt = ["approve", "send", "record_receipt"]
    if state == "proposed":
        return []
    if state == "approved":
        return ["approve"]
    if state == "refused":
        return ["refuse"]
    if state == "withdrawn":
        return rng.choices([["withdraw"], ["approve", "withdraw"], [*with_receipt, "withdraw"]], [5, 2, 3])[0]
    if state == "sent":
        return ["approve", "send"]
    if state == "received":
        return with_receipt
    base = with_receipt if rng.random() < 0.7 else ["approve", "send"]
    if state == "case_opened":
        return [*base, "record_decision"]
    if state == "not_opened":
        return [*base, "record_no_case"]
    police = [*with_receipt, *(["record_decision"] if rng.random() < 0.5 else []), "record_police_transfer"]
    police += ["record_police_step"] * rng.choice([0, 1, 2])
    if state == "with_police":
        return police
    concluded = (
        [*base, "record_decision", "record_outcome"]
        if rng.random() < 0.85
        else [*with_receipt, "record_police_transfer", "record_police_step", "record_police_step", "record_outcome"]
    )
    if state == "concluded":
        return concluded
    # closed: after the outcome, after no case was opened, now and then with the agency still on it
    ended = weighted(rng, {"concluded": 70, "not_opened": 25, "received": 5})
    return [
        *{"concluded": concluded, "not_opened": [*base, "record_no_case"], "received": with_receipt}[ended],
        "close",
    ]


def working_hours(moment: datetime) -> datetime:
    local = moment.astimezone(CHINA)
    if local.hour < 8 or local.hour >= 18:
        local = local.replace(hour=9, minute=local.minute, second=local.second)
        if local.astimezone(UTC) < moment:
            local += timedelta(days=1)
    return local.astimezone(UTC)


class _Event:
    """What ``app.core.audit.canonical`` reads, without building ORM objects."""

    __slots__ = (
        "case_id",
        "seq",
        "actor_id",
        "action",
        "from_state",
        "to_state",
        "comment",
        "data",
        "visibility",
        "created_at",
        "prev_hash",
        "hash",
        "digest",
        "subject_type",
        "subject_id",
        "subject_digest",
    )

    def __init__(self, **values):
        for name in self.__slots__:
            setattr(self, name, values.get(name))

    def row(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__}


class Life:
    """One referral from its decision to ``state``: its row, its clocks and its events (unsealed)."""

    def __init__(self, rng, calendar, now, referral_id, case, agency, creator, approver, t0, state):
        from app.referrals.services import LEGAL_BASIS

        self.rng, self.calendar, self.now = rng, calendar, now
        self.case, self.creator = case, creator
        self.id = referral_id
        who = case.respondent_name
        self.f = {
            "id": referral_id,
            "case_id": case.id,
            "centre_id": case.centre_id,
            "agency_id": agency["id"],
            "mediation_id": None,
            "state": "proposed",
            "version": 1,
            "ip_type": case.ip_type,
            "right_number": case.right_number or "",
            "right_title": (case.right_title or "")[:200],
            "respondent_name": who,
            "respondent_credit_code": case.respondent_credit_code or "",
            "respondent_address": (case.respondent_address or "")[:300],
            "facts": (case.facts or "").strip(),
            "grounds": rng.choice(GROUNDS).format(who=who, right=RIGHT_LABEL.get(case.ip_type, "知识产权")),
            "ground_kinds": rng.choice([[], [], ["wilful"], ["large_scale"], ["wilful", "large_scale"]]),
            "legal_basis": LEGAL_BASIS.get(agency["kind"], LEGAL_BASIS["other"]),
            "evidence": [],
            "earlier_cases": [],
            "mismatch": [],
            "override_comment": "",
            "created_by_id": creator,
            "created_at": t0,
            "updated_at": t0,
            "approved_by_id": None,
            "approved_at": None,
            "sent_at": None,
            "sent_method": None,
            "chase_count": 0,
            "last_chased_at": None,
            "last_word_at": None,
            "received_on": None,
            "opened": None,
            "decided_on": None,
            "agency_case_number": "",
            "not_opened_reason": "",
            "penalty_fen": None,
            "goods_seized": "",
            "stop_ordered": False,
            "outcome_summary": "",
            "outcome_on": None,
            "police_transferred_on": None,
            "police_steps": [],
            "closed_at": None,
        }
        self.agency, self.approver = agency, approver
        # Most referrals are chased each time their 30 days run out; some are left to lapse.
        self.diligence = 0.97 if rng.random() < 0.8 else 0.5
        self.events: list[_Event] = []
        self.clocks: list[dict] = []
        self._record(
            "create_referral",
            creator,
            t0,
            None,
            "proposed",
            self.f["grounds"],
            {"agency": agency["name"], "evidence": 0, "grounds": self.f["ground_kinds"], "mismatch": False},
            internal=True,
        )
        self.send_clock = self._clock("send", t0, 5, "working_days")
        self.chase_clock = None
        self._live(t0, state)

    # ---- clocks -------------------------------------------------------------------------------------
    def _clock(self, name, started, amount, unit) -> dict:
        from app.core.workdays import CalendarUnknown, compute_due_in

        try:
            due = compute_due_in(self.calendar, started, amount, unit)
            due_at, warn_at, unknown = due.due_at, due.warn_at, None
        except CalendarUnknown as exc:
            due_at = warn_at = None
            unknown = exc.year
        row = {
            "case_id": self.case.id,
            "subject_type": "referral",
            "subject_id": self.id,
            "unit": unit,
            "name": name,
            "trigger": name,
            "centre_id": self.case.centre_id,
            "responsible_id": self.creator,
            "working_days": amount,
            "started_at": started,
            "due_at": due_at,
            "warn_at": warn_at,
            "unknown_year": unknown,
            "paused_at": None,
            "pauses": [],
            "met_at": None,
            "stopped_at": None,
            "due_soon_recorded_at": None,
            "breach_recorded_at": None,
        }
        self.clocks.append(row)
        return row

    def _stop_all(self, at) -> None:
        for clock in self.clocks:
            if clock["met_at"] is None and clock["stopped_at"] is None:
                clock["stopped_at"] = at
        self.chase_clock = None

    def _restart_chase(self, at) -> None:
        if self.chase_clock is not None:
            self.chase_clock["met_at"] = at
        self.chase_clock = self._clock("chase", at, 30, "calendar_days")

    def _chases_until(self, until) -> None:
        """Staff chase a silent agency when its 30 days run out, most of the time; the clock of an
        agency nobody chased stays running past its due time."""
        while self.chase_clock is not None:
            due = self.chase_clock["due_at"]
            if due is None or due >= until or self.rng.random() >= self.diligence:
                return
            at = working_hours(due + timedelta(days=self.rng.uniform(-3, 2)))
            at = max(at, self.chase_clock["started_at"] + timedelta(days=20))
            if at >= until - timedelta(minutes=1):
                return
            self.f["chase_count"] += 1
            self.f["last_chased_at"] = at
            self._record("chase", self.creator, at, self.f["state"], None, "", {"chase": self.f["chase_count"]})
            self._restart_chase(at)

    # ---- the path -------------------------------------------------------------------------------------
    def _live(self, t0, state) -> None:
        rng = self.rng
        path = plan_path(rng, state)
        delays = []
        for action in path:
            low, high = DELAYS[action]
            if action == "send" and rng.random() < 0.1:
                low, high = 6, 14  # sent late: the send clock is met after its 5 working days
            delays.append(rng.uniform(low, high) * DAY)
        room = (self.now - t0).total_seconds() - 600
        squeeze = min(1.0, room / sum(delays)) if delays else 1.0
        at = t0
        steps = iter(["received", rng.choice(["opened", "not_opened"])])
        if "record_outcome" in path:
            steps = iter(["received", "opened"])
        for action, delay in zip(path, delays, strict=True):
            at = at + timedelta(seconds=delay * squeeze + 1)
            self._chases_until(at)
            self._act(action, at, steps)
        self._chases_until(self.now)

    def _act(self, action, at, steps) -> None:
        rng, f = self.rng, self.f
        source = f["state"]
        target = TARGETS.get(action, source)
        actor, comment, data = self.creator, "", {}
        if action in ("approve", "refuse"):
            actor = self.approver
        if action == "approve":
            f["approved_by_id"], f["approved_at"] = actor, at
        elif action == "refuse":
            comment = rng.choice(REFUSE_COMMENTS)
        elif action == "send":
            f["sent_at"] = at
            f["sent_method"] = weighted(rng, {"post": 40, "email": 30, "platform": 20, "hand": 10})
            data = {"method": f["sent_method"]}
        elif action in WORDS:
            f["last_word_at"] = at
            if rng.random() < 0.5:
                actor, data = None, {"by": "agency", "via": "link"}
            else:
                data = {"by": "staff", "via": rng.choice(["phone", "letter", "email"])}
            day = at.astimezone(CHINA).date()
            sent_day = f["sent_at"].astimezone(CHINA).date()
            if action == "record_receipt":
                f["received_on"] = max(sent_day, day - timedelta(days=rng.choice([0, 0, 1, 2])))
                data["received_on"] = f["received_on"].isoformat()
            elif action in ("record_decision", "record_no_case"):
                f["decided_on"] = day
                if f["received_on"] is None:
                    f["received_on"] = day
                if action == "record_decision":
                    f["opened"] = True
                    f["agency_case_number"] = f"{self.agency['name'][:2]}立〔{day.year}〕{rng.randint(1, 999)}号"
                    data.update(opened=True, decided_on=day.isoformat())
                else:
                    f["opened"] = False
                    f["not_opened_reason"] = rng.choice(NO_CASE_REASONS)
                    data.update(opened=False, decided_on=day.isoformat(), reason=f["not_opened_reason"])
            elif action == "record_outcome":
                if rng.random() < 0.7:
                    f["penalty_fen"] = rng.choice([5000, 10000, 20000, 50000, 100000, 300000]) * 100
                n = rng.randint(20, 3000)
                f["goods_seized"] = f"侵权产品{n}件" if rng.random() < 0.4 else ""
                f["stop_ordered"] = rng.random() < 0.8
                f["outcome_summary"] = rng.choice(OUTCOMES).format(n=n)
                f["outcome_on"] = day
                data.update(
                    penalty_fen=f["penalty_fen"],
                    goods_seized=bool(f["goods_seized"]),
                    stop_ordered=f["stop_ordered"],
                    outcome_on=day.isoformat(),
                    summary=f["outcome_summary"],
                )
            elif action == "record_police_transfer":
                f["police_transferred_on"] = day
                data["transferred_on"] = day.isoformat()
            elif action == "record_police_step":
                entry = {"step": next(steps), "on": day.isoformat(), "note": ""}
                f["police_steps"] = [*f["police_steps"], entry]
                data.update(entry)
        elif action == "close":
            f["closed_at"] = at
            comment = rng.choice(CLOSE_COMMENTS)
        elif action == "withdraw":
            f["closed_at"] = at
            comment = rng.choice(WITHDRAW_COMMENTS)
        f["state"] = target
        self._record(action, actor, at, source, target, comment, data)
        # the clock operations the action declares
        if action == "send":
            self.send_clock["met_at"] = at
            self._restart_chase(at)
        elif action in STOPS_ALL:
            self._stop_all(at)
        elif action in WORDS:
            self._restart_chase(at)

    def _record(self, action, actor, at, source, target, comment, data, internal=None) -> None:
        from app.core.audit import record_digest
        from app.referrals.models import AUDITED_FIELDS
        from app.referrals.workflow import REFERRALS

        if internal is None:
            internal = not REFERRALS.actions[action].visible_to_applicant
        if action != "create_referral":
            self.f["version"] += 1
        self.f["updated_at"] = at
        self.events.append(
            _Event(
                case_id=self.case.id,
                actor_id=actor,
                action=action,
                from_state=source,
                to_state=target if target is not None else source,
                comment=comment,
                data=data,
                visibility="internal" if internal else "applicant",
                created_at=at,
                subject_type="referral",
                subject_id=self.id,
                subject_digest=record_digest({name: self.f[name] for name in AUDITED_FIELDS}),
            )
        )


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
            own[row.case_id].append(_Event(**row._asdict()))
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
        chosen = []
        for case in handled[:share] + over + handled[share:]:
            if len(chosen) >= count:
                break
            chosen += [case] * min(count - len(chosen), rng.choices([1, 2, 3], [80, 16, 4])[0])
        if len(chosen) < count:
            raise SystemExit(f"only {len(cases)} cases are being handled: too few for {count} referrals")
        first_id = (conn.execute(select(func.max(Referral.id))).scalar() or 0) + 1
        lives_by_case: dict[int, list[Life]] = defaultdict(list)
        states: Counter = Counter()
        for n, case in enumerate(chosen):
            line = [int(i) for i in centres[case.centre_id].path.strip("/").split("/")]
            agency = pick_agency(rng, agencies_at, line, case.ip_type)
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
