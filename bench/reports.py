"""How fast the monthly report is made, on generated data at scale; prints one line of JSON.

    python -m bench.generate --url sqlite:///bench/out/reports.sqlite3 --cases --referrals --visits
    python -m bench.reports --url sqlite:///bench/out/reports.sqlite3

On a database made by ``bench.generate`` (497 centres, 100,000 cases over three years, referrals and
visits), the busiest municipal centre is given 2,000 more cases in the last full month (each with its
three quick clocks), then:

- ``municipal``: its monthly report (figures, the three periods, the breakdown, the trend) rendered
  as the issued PDF would be, timed, with the peak memory of a fresh process doing only that
  (target: ≤ 5 s and ≤ 500 MB);
- ``national``: the national centre's report over every case (target: ≤ 15 s);
- ``doubled``: the municipal report again after 2,000 more cases (target: at most twice the time);
- ``statements``: the SQL statements of the figures for the national centre (497 centres below it)
  and for the municipal centre (a handful): the same number, whatever the number of centres.

Each figure is the best of ``--repeat`` runs (default 3), in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, func, insert, select

INJECT = 2000


def _app(url: str):
    from app import create_app
    from config import get_config

    config = get_config("development")
    config.SQLALCHEMY_DATABASE_URI = url
    config.RATELIMIT_ENABLED = False
    return create_app(config)


def last_full_month():
    from app.core.workdays import china_day
    from app.reports.periods import Period

    return Period.of_month(china_day(datetime.now(UTC))).previous()


def busiest_municipal():
    from app.cases.models import Case
    from app.centres.models import Centre, CentreLevel
    from app.extensions import db

    row = db.session.execute(
        select(Centre.id, func.count(Case.id))
        .join(Case, Case.centre_id == Centre.id)
        .where(Centre.level == CentreLevel.MUNICIPAL)
        .group_by(Centre.id)
        .order_by(func.count(Case.id).desc())
        .limit(1)
    ).first()
    return db.session.get(Centre, row[0])


def inject(centre, period, count: int, seed: int) -> int:
    """``count`` more cases submitted in ``period`` at ``centre``, each with its three quick clocks."""
    from app.cases.models import Case
    from app.clocks.models import CaseClock
    from app.extensions import db

    rng = random.Random(seed)
    start, after = period.bounds()
    span = (after - start).total_seconds()
    year = period.start.year
    top = db.session.execute(
        select(func.max(Case.sequence)).where(Case.number_centre_id == centre.id, Case.year == year)
    ).scalar()
    first_id = (db.session.execute(select(func.max(Case.id))).scalar() or 0) + 1
    cases, clocks = [], []
    kinds = ["complaint", "assistance", "consultation", "overseas"]
    channels = ["web", "hotline", "walk_in", "letter", "email", "visit", "transfer", "platform"]
    rights = ["utility_model", "design", "invention_patent", "trademark", "copyright", None]
    for i in range(count):
        sequence = (top or 0) + 1 + i
        submitted = start + timedelta(seconds=rng.random() * span)
        decided = submitted + timedelta(days=rng.random() * 6) if rng.random() < 0.7 else None
        closed = decided + timedelta(days=rng.random() * 20) if decided and rng.random() < 0.4 else None
        declined = decided is not None and rng.random() < 0.2
        kind = rng.choice(kinds)
        cases.append(
            {
                "id": first_id + i,
                "number": f"{centre.code}{year}B{sequence:05d}",
                "centre_id": centre.id,
                "number_centre_id": centre.id,
                "year": year,
                "sequence": sequence,
                "kind": kind,
                "channel": rng.choice(channels),
                "state": "declined" if declined else ("closed" if closed else ("accepted" if decided else "submitted")),
                "complainant_type": "anonymous",
                "title": f"基准案件 {sequence}",
                "ip_type": rng.choice(rights),
                "submitted_at": submitted,
                "created_at": submitted,
                "updated_at": submitted,
                "decided_at": decided,
                "decline_reason": "other" if declined else None,
                "closed_at": None if declined else closed,
                "rating": rng.randint(1, 5) if closed and rng.random() < 0.5 else None,
                "priority": 0,
                "version": 1,
            }
        )
        for name, days in (("response", 1), ("handling", 4), ("feedback", 6)):
            due = submitted + timedelta(days=days)
            met = due + timedelta(hours=rng.uniform(-30, 10)) if rng.random() < 0.8 else None
            clocks.append(
                {
                    "case_id": first_id + i,
                    "subject_type": "case",
                    "subject_id": first_id + i,
                    "name": name,
                    "trigger": "",
                    "centre_id": centre.id,
                    "amount": days,
                    "unit": "working_days",
                    "started_at": submitted,
                    "due_at": due,
                    "warn_at": due - timedelta(hours=8),
                    "met_at": met,
                    "pauses": [],
                }
            )
    db.session.execute(insert(Case), cases)
    db.session.execute(insert(CaseClock), clocks)
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            func.setval(func.pg_get_serial_sequence("cases", "id"), select(func.max(Case.id)).scalar_subquery())
        )
        db.session.commit()
    return count


def timed(fn, repeat: int) -> tuple[float, object]:
    best, result = None, None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        elapsed = (time.perf_counter() - t) * 1000
        best = elapsed if best is None else min(best, elapsed)
    return round(best, 1), result


def render(centre, period) -> bytes:
    """The report as issued: its figures, then its PDF in Chinese (what ``reports issue`` renders)."""
    from app.reports import figures, monthly

    data = figures.as_dict(figures.compute(centre, period))
    return monthly.pdf_bytes(monthly.Loaded(centre, period, True, data, None, preview=False), "zh_CN")


def statements(centre, period) -> int:
    from app.extensions import db
    from app.reports import figures

    seen = []
    engine = db.session.get_bind()

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        figures.compute(centre, period)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def child_peak(url: str, centre_id: int) -> dict:
    """Render the municipal report in a fresh process: its time and its peak memory."""
    code = (
        "import json,resource,sys,time;from bench.reports import _app,render,last_full_month;"
        f"app=_app({url!r});ctx=app.app_context();ctx.push();"
        "from app.extensions import db;from app.centres.models import Centre;"
        f"c=db.session.get(Centre,{centre_id});p=last_full_month();t=time.perf_counter();pdf=render(c,p);"
        "print(json.dumps({'ms':round((time.perf_counter()-t)*1000,1),'bytes':len(pdf),"
        "'peak_mb':round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024,1)}));"
        # Leave at once: a native library may crash while the interpreter tears down (nothing to keep).
        "sys.stdout.flush();import os;os._exit(0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"the fresh process failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    app = _app(args.url)
    with app.app_context():
        from app.cases.models import Case
        from app.centres.models import Centre
        from app.extensions import db

        period = last_full_month()
        start, after = period.bounds()
        municipal = busiest_municipal()
        national = db.session.execute(select(Centre).where(Centre.parent_id.is_(None))).scalars().first()
        in_month = select(func.count(Case.id)).where(Case.submitted_at >= start, Case.submitted_at < after)
        already = db.session.execute(in_month.where(Case.centre_id == municipal.id)).scalar()
        if already < INJECT:
            inject(municipal, period, INJECT - already + 1, seed=1)
        municipal_cases = db.session.execute(in_month.where(Case.centre_id == municipal.id)).scalar()
        total_cases = db.session.execute(select(func.count(Case.id))).scalar()
        centres = db.session.execute(select(func.count(Centre.id))).scalar()

        result = {"database": db.session.get_bind().dialect.name, "month": period.key, "cases": total_cases}
        result["centres"] = centres
        render(municipal, period)  # warm up: templates compiled, fonts subset and cached
        ms, pdf = timed(lambda: render(municipal, period), args.repeat)
        db.session.commit()  # the fresh process below takes its own (SQLite) write lock
        result["municipal"] = {
            "centre": municipal.code,
            "cases_in_month": municipal_cases,
            "pdf_ms": ms,
            "pdf_bytes": len(pdf),
            "fresh_process": child_peak(args.url, municipal.id),
        }
        ms, pdf = timed(lambda: render(national, period), args.repeat)
        result["national"] = {"centre": national.code, "pdf_ms": ms, "pdf_bytes": len(pdf)}
        result["statements"] = {"national": statements(national, period), "municipal": statements(municipal, period)}
        inject(municipal, period, municipal_cases, seed=2)
        doubled = db.session.execute(in_month.where(Case.centre_id == municipal.id)).scalar()
        ms, _pdf = timed(lambda: render(municipal, period), args.repeat)
        result["doubled"] = {
            "cases_in_month": doubled,
            "pdf_ms": ms,
            "ratio": round(ms / result["municipal"]["pdf_ms"], 2),
        }
        result["targets_met"] = {
            "municipal_5s": result["municipal"]["fresh_process"]["ms"] <= 5000
            and result["municipal"]["pdf_ms"] <= 5000,
            "municipal_500mb": result["municipal"]["fresh_process"]["peak_mb"] <= 500,
            "national_15s": result["national"]["pdf_ms"] <= 15000,
            "doubling_at_most_doubles": result["doubled"]["ratio"] <= 2.0,
            "statements_bounded": result["statements"]["national"] == result["statements"]["municipal"],
        }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
