"""The life of one referral for ``bench.refgen``: from its decision to the state its age gives it, as the
one door would have run it (``app.referrals.workflow``'s actions by the roles that may take them), with
the send and chase clocks those actions start, meet and stop, and its events (sealed by ``bench.refgen``
in its case's chain), each with the digest of the referral's audited fields as they then stood.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.casegen import CHINA, DAY, RIGHT_LABEL, weighted

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


class ChainEvent:
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
        self.events: list[ChainEvent] = []
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
            ChainEvent(
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
