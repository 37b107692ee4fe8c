"""On-site visits at scale for ``bench.generate --visits N``: visits over the last twelve months at every
centre, with their staff, enterprises, problems, follow-ups and their own audit chains.

Each centre's months get a share of the ``N`` visits (a few centre-months get none: those centres are
short, red on the compliance grid); the staff are caseworkers and supervisors of the centre or of a
centre above it, the enterprises those served by the centre or below it. A visit is recorded (done)
and closed when its follow-ups are done (all of them, done within a fortnight); in the current month
some visits are only planned, and a recent visit's follow-ups may still be open (without reminder
clocks). Each visit's chain is the one the services would write (``plan``, or
``record``, ``complete_follow_up``…, ``close``), every event sealed with the digest of the visit's
audited fields as they stood, and its head; ``flask --app wsgi audit-verify`` accepts them. The
centres' ``created_at`` is moved back before the first month (a centre owes no month that began
before it existed). No month-end breach rows are written (the sla-scan records them). Inserted in
batches (``casegen.bulk_insert``).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

from sqlalchemy import func, select, text, update

from bench.casegen import bulk_insert

TOPICS = ["policy_briefing", "ip_diagnosis", "infringement_check", "fund_membership", "training", "needs_survey"]
NEEDS = [
    "希望了解专利快速预审的申请条件。",
    "需要商标布局和海外注册培训。",
    "需要电商平台侵权投诉指引。",
    "希望加入海外知识产权维权互助基金。",
    "",
]
PROBLEMS = [
    ("trademark", "网店使用企业注册商标销售仿冒产品。"),
    ("design", "市场档口销售与企业外观设计相同的产品。"),
    ("utility_model", "同行产品结构疑似落入企业实用新型专利保护范围。"),
    ("copyright", "企业产品图册被他人擅自复制使用。"),
]
FOLLOW_UPS = ["寄送维权指引材料", "协助企业整理侵权证据", "回访了解企业需求落实情况", "发送互助基金入会材料"]
SHORT_SHARE = 0.03  # centre-months with no visit


def _months(today: date) -> list[date]:
    month = today.replace(day=1)
    out = [month]
    for _ in range(11):
        month = (month - timedelta(days=1)).replace(day=1)
        out.append(month)
    return out[::-1]


def _moment(day: date, rng: random.Random, hour_from: int = 9) -> datetime:
    """A working hour of ``day`` in China, as UTC, whole seconds."""
    local = datetime.combine(day, dtime(rng.randint(hour_from, 17), rng.randint(0, 59), rng.randint(0, 59)))
    return (local - timedelta(hours=8)).replace(tzinfo=UTC)


def _fields(audited, v: dict, staff: list, firms: list, problems: list, follow_ups: list) -> dict:
    """What the visit's chain seals (``app.visits.models.audited_fields``), from plain rows."""
    f = {name: v[name] for name in audited}
    f["staff"] = sorted(staff)
    f["enterprises"] = sorted(firms)
    f["problems"] = sorted(
        [p["position"], p["text"], p["ip_type"], p["right_number"], p["respondent_name"], None, None] for p in problems
    )
    keys = ("position", "text", "owner_id", "due_on", "done_at", "done_by_id", "done_note")
    f["follow_ups"] = sorted([x[k] for k in keys] for x in follow_ups)
    return f


def _event(chain_event, digest, events: list, vid: int, at, actor, action, from_state, to_state, data, comment, sealed):
    events.append(
        chain_event(
            case_id=f"visit:{vid}",
            actor_id=actor,
            action=action,
            from_state=from_state,
            to_state=to_state,
            comment=comment,
            data=data,
            visibility="internal",
            created_at=at,
            digest=digest(sealed),
        )
    )


def generate_visits(engine, count: int, seed: int = 17, batch: int = 5000) -> dict:
    """Insert ``count`` visits (with their rows and chains) and backdate the centres."""
    from app import create_app
    from app.auth.models import User
    from app.centres.models import Centre
    from app.core.audit import GENESIS, event_hash, head_seal, record_digest
    from app.core.chains import AuditEvent, AuditHead
    from app.enterprises.models import Enterprise
    from app.visits.models import AUDITED_FIELDS, Visit, VisitEnterprise, VisitFollowUp, VisitProblem, VisitStaff
    from bench.reflife import ChainEvent

    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    today = (now + timedelta(hours=8)).date()
    months = _months(today)
    app = create_app()
    spent: dict[str, float] = defaultdict(float)
    with app.app_context(), engine.begin() as conn:
        if conn.execute(select(Visit.id).limit(1)).first():
            raise SystemExit("the database already has visits; give one without (or regenerate it)")
        centres = list(conn.execute(select(Centre.id, Centre.path).where(Centre.is_active.is_(True))))
        if not centres:
            raise SystemExit("--visits needs a database with centres and enterprises")
        # The centres as if set up before the first month shown.
        first = datetime.combine(months[0] - timedelta(days=30), dtime(0)).replace(tzinfo=UTC)
        conn.execute(update(Centre).where(Centre.created_at > first).values(created_at=first))
        staff_at = defaultdict(list)
        for uid, role, centre_id in conn.execute(
            select(User.id, User.role, User.centre_id).where(
                User.role.in_(["caseworker", "supervisor"]), User.is_active.is_(True)
            )
        ):
            staff_at[centre_id].append((uid, str(getattr(role, "value", role))))
        firms_at = defaultdict(list)
        for eid, centre_id in conn.execute(select(Enterprise.id, Enterprise.centre_id)):
            firms_at[centre_id].append(eid)
        line = {c.id: [int(i) for i in c.path.strip("/").split("/")] for c in centres}
        below = defaultdict(list)  # centre -> enterprises served by it or a centre below it
        for cid, firms in firms_at.items():
            for ancestor in line.get(cid, []):
                below[ancestor].extend(firms)
        goers = {c.id: [u for a in reversed(line[c.id]) for u in staff_at.get(a, [])] for c in centres}
        supervisors = {cid: [u for u, role in people if role == "supervisor"] for cid, people in goers.items()}

        # How many visits each centre-month gets: a share of ``count``, a few none at all.
        cells = [(c.id, m) for c in centres if goers[c.id] and below[c.id] for m in months]
        short = set(rng.sample(cells, int(len(cells) * SHORT_SHARE)))
        weights = {cell: (0 if cell in short else rng.uniform(0.5, 1.5)) for cell in cells}
        total = sum(weights.values())
        quota = {cell: max(1 if w else 0, round(count * w / total)) for cell, w in weights.items()}
        owed = [cell for cell in cells if cell not in short]
        spare = [cell for cell in owed for _ in range(quota[cell] - 1)]
        excess = sum(quota.values()) - count
        if excess > len(spare):  # fewer visits than centre-months: one visit each in ``count`` of them
            quota = dict.fromkeys(cells, 0)
            for cell in rng.sample(owed, min(count, len(owed))):
                quota[cell] = 1
        elif excess > 0:
            for cell in rng.sample(spare, excess):
                quota[cell] -= 1
        for cell in rng.choices(owed, k=max(0, count - sum(quota.values()))):
            quota[cell] += 1
        plan = sorted((cell for cell, n in quota.items() for _ in range(n)), key=lambda cell: (cell[1], cell[0]))

        first_id = (conn.execute(select(func.max(Visit.id))).scalar() or 0) + 1
        visits, staff_rows, firm_rows, problem_rows, follow_rows, event_rows, head_rows = ([] for _ in range(7))
        states = defaultdict(int)
        this_month = months[-1]
        for n, (cid, month) in enumerate(plan):
            vid = first_id + n
            last_day = ((month + timedelta(days=32)).replace(day=1) - timedelta(days=1)).day
            people = goers[cid]
            who = rng.sample(people, min(len(people), rng.choice([1, 1, 2])))
            firms = rng.sample(below[cid], min(len(below[cid]), rng.choice([1, 1, 1, 2])))
            topics = rng.sample(TOPICS, rng.choice([1, 2, 2, 3]))
            planned_state = month == this_month and rng.random() < 0.3
            if month == this_month:
                day = month.replace(day=rng.randint(1, last_day if planned_state else today.day))
                if planned_state and day < today:
                    day = today + timedelta(days=rng.randint(0, max(0, last_day - today.day)))
            else:
                day = month.replace(day=rng.randint(1, last_day))
            while day.weekday() >= 5 and not planned_state and day.day > 2:
                day -= timedelta(days=1)
            planner = (supervisors.get(cid) or [who[0][0]])[0]
            events = []

            problems, follow_ups, staff_ids = [], [], [u for u, _ in who]
            if planned_state:
                at = _moment(min(today, day) - timedelta(days=rng.randint(0, 5)), rng)
                at = min(at, now - timedelta(minutes=5))
                v = {
                    "id": vid,
                    "centre_id": cid,
                    "state": "planned",
                    "version": 1,
                    "planned_on": day,
                    "visited_on": None,
                    "planned_by_id": planner,
                    "recorded_by_id": None,
                    "recorded_at": None,
                    "topics": topics,
                    "needs": "",
                    "notes": "",
                    "contact_name": "",
                    "contact_title": "",
                    "contact_phone": "",
                    "cancel_reason": "",
                    "closed_at": None,
                    "created_at": at,
                    "updated_at": at,
                }
                _event(
                    ChainEvent,
                    record_digest,
                    events,
                    vid,
                    at,
                    planner,
                    "plan",
                    None,
                    "planned",
                    {"planned_on": day.isoformat(), "staff": [u for u, _ in who], "enterprises": firms},
                    "",
                    _fields(AUDITED_FIELDS, v, staff_ids, firms, problems, follow_ups),
                )
            else:
                recorder = who[0][0]
                at = min(_moment(day, rng, 14), now - timedelta(minutes=30))
                if rng.random() < 0.2:
                    ip_type, problem = rng.choice(PROBLEMS)
                    problems.append(
                        {
                            "position": 0,
                            "text": problem,
                            "ip_type": ip_type,
                            "right_number": "",
                            "respondent_name": "某商行",
                            "enterprise_id": None,
                        }
                    )
                for i in range(rng.choice([0, 0, 1, 1, 2])):
                    follow_ups.append(
                        {
                            "position": i,
                            "text": rng.choice(FOLLOW_UPS),
                            "owner_id": recorder,
                            "due_on": day + timedelta(days=rng.randint(3, 20)),
                            "done_at": None,
                            "done_by_id": None,
                            "done_note": "",
                        }
                    )
                v = {
                    "id": vid,
                    "centre_id": cid,
                    "state": "done",
                    "version": 1,
                    "planned_on": None,
                    "visited_on": day,
                    "planned_by_id": None,
                    "recorded_by_id": recorder,
                    "recorded_at": at,
                    "topics": topics,
                    "needs": rng.choice(NEEDS),
                    "notes": "",
                    "contact_name": "企业联系人",
                    "contact_title": "负责人",
                    "contact_phone": f"139{vid % 10**8:08d}",
                    "cancel_reason": "",
                    "closed_at": None,
                    "created_at": at,
                    "updated_at": at,
                }
                _event(
                    ChainEvent,
                    record_digest,
                    events,
                    vid,
                    at,
                    recorder,
                    "record",
                    None,
                    "done",
                    {
                        "visited_on": day.isoformat(),
                        "staff": [u for u, _ in who],
                        "enterprises": firms,
                        "problems": len(problems),
                        "follow_ups": len(follow_ups),
                    },
                    "",
                    _fields(AUDITED_FIELDS, v, staff_ids, firms, problems, follow_ups),
                )
                done_at = at
                for f in follow_ups:  # done within a fortnight, unless that is still ahead
                    done_at = done_at + timedelta(days=rng.randint(1, 7), minutes=rng.randint(1, 600))
                    if done_at >= now - timedelta(minutes=10):
                        break
                    f["done_at"], f["done_by_id"], f["done_note"] = done_at, recorder, "已完成。"
                    v["version"] += 1
                    v["updated_at"] = done_at
                    _event(
                        ChainEvent,
                        record_digest,
                        events,
                        vid,
                        done_at,
                        recorder,
                        "complete_follow_up",
                        "done",
                        "done",
                        {"follow_up": f["position"]},
                        "已完成。",
                        _fields(AUDITED_FIELDS, v, staff_ids, firms, problems, follow_ups),
                    )
                if all(f["done_at"] for f in follow_ups):
                    close_at = done_at + timedelta(seconds=1) if follow_ups else at + timedelta(seconds=1)
                    v["state"], v["closed_at"], v["updated_at"] = "closed", close_at, close_at
                    v["version"] += 1
                    _event(
                        ChainEvent,
                        record_digest,
                        events,
                        vid,
                        close_at,
                        recorder,
                        "close",
                        "done",
                        "closed",
                        {},
                        "",
                        _fields(AUDITED_FIELDS, v, staff_ids, firms, problems, follow_ups),
                    )
            states[v["state"]] += 1
            prev = GENESIS
            for seq, e in enumerate(events, start=1):
                e.seq, e.prev_hash = seq, prev
                e.hash = prev = event_hash(prev, e)
                row = {
                    k: getattr(e, k)
                    for k in (
                        "actor_id",
                        "action",
                        "from_state",
                        "to_state",
                        "comment",
                        "data",
                        "visibility",
                        "created_at",
                        "seq",
                        "prev_hash",
                        "hash",
                        "digest",
                    )
                }
                event_rows.append({"chain_type": "visit", "chain_id": vid, **row})
            head_rows.append(
                {
                    "chain_type": "visit",
                    "chain_id": vid,
                    "seq": len(events),
                    "hash": prev,
                    "seal": head_seal(f"visit:{vid}", len(events), prev),
                }
            )
            visits.append(v)
            staff_rows.extend({"visit_id": vid, "user_id": u, "position": i} for i, (u, _) in enumerate(who))
            firm_rows.extend({"visit_id": vid, "enterprise_id": e, "position": i} for i, e in enumerate(firms))
            problem_rows.extend({"visit_id": vid, "case_id": None, **p} for p in problems)
            follow_rows.extend({"visit_id": vid, **f} for f in follow_ups)

        for table, rows in (
            (Visit.__table__, visits),
            (VisitStaff.__table__, staff_rows),
            (VisitEnterprise.__table__, firm_rows),
            (VisitProblem.__table__, problem_rows),
            (VisitFollowUp.__table__, follow_rows),
            (AuditEvent.__table__, event_rows),
            (AuditHead.__table__, head_rows),
        ):
            began = time.perf_counter()
            for start in range(0, len(rows), batch):
                bulk_insert(conn, table, rows[start : start + batch])
            spent[table.name] += time.perf_counter() - began
        if engine.dialect.name == "postgresql":  # ids were given explicitly: move the serial sequence on
            conn.execute(text("SELECT setval(pg_get_serial_sequence('visits', 'id'), (SELECT max(id) FROM visits))"))
    return {
        "visits": len(visits),
        "visit_states": dict(states),
        "visit_centres": len({c for c, _ in cells}),
        "visit_months": [m.strftime("%Y-%m") for m in (months[0], months[-1])],
        "centre_months_short": len(short),
        "visit_follow_ups": len(follow_rows),
        "visit_events": len(event_rows),
        "visits_seconds": round(time.perf_counter() - started, 1),
        "visit_insert_seconds": {table: round(seconds, 1) for table, seconds in spent.items()},
    }
