"""The one door and the audit check at scale, on a database made by ``bench.generate``.

- ``door``: workflow actions through ``app.cases.services.transition`` (each committed, as a
  request would): acknowledging submitted cases, and starting the handling of accepted ones;
  milliseconds per action (p50, p95) and SQL statements per action.
- ``write``: an internal note on an open case (a write beside the workflow, which asks the
  beyond-scope rule), the same figures.
- ``audit_verify``: ``flask --app wsgi audit-verify --no-files`` as its own process over every
  chain (each chain's HMACs, its head, the state it recorded, the digest of the case's fields,
  the number series).

Works on a copy of a SQLite file, or on the PostgreSQL database given (whose cases it then
moves on). Prints JSON.

    .venv/bin/python -m bench.engine --url sqlite:///bench/out/bench.sqlite3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, select

ROOT = Path(__file__).resolve().parents[1]


def _percentiles(values: list[float]) -> dict:
    values = sorted(values)
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values) * 1000, 2),
        "p95_ms": round(values[min(len(values) - 1, int(len(values) * 0.95))] * 1000, 2),
    }


def _door(app, count: int) -> dict:
    from app.auth.models import User
    from app.cases import services
    from app.cases.enums import CaseState
    from app.cases.models import Case
    from app.extensions import db

    statements = {"n": 0}

    @event.listens_for(db.engine, "before_cursor_execute")
    def _count(*_args):
        statements["n"] += 1

    results = {}
    for state, action in ((CaseState.SUBMITTED, "acknowledge"), (CaseState.ACCEPTED, "start_handling")):
        ids = list(
            db.session.execute(
                select(Case.id).where(Case.state == state, Case.owner_id.is_not(None)).order_by(Case.id).limit(count)
            ).scalars()
        )
        if not ids and state is CaseState.SUBMITTED:
            ids = list(
                db.session.execute(select(Case.id).where(Case.state == state).order_by(Case.id).limit(count)).scalars()
            )
        timings, queries = [], []
        for case_id in ids:
            case = db.session.get(Case, case_id)
            actor_id = case.owner_id or _a_handler(case)
            actor = db.session.get(User, actor_id)
            db.session.commit()
            before = statements["n"]
            started = time.perf_counter()
            services.transition(case, action, actor)
            db.session.commit()
            timings.append(time.perf_counter() - started)
            queries.append(statements["n"] - before)
        results[action] = {**_percentiles(timings), "statements": round(statistics.mean(queries), 1) if queries else 0}
    ids = list(
        db.session.execute(
            select(Case.id).where(Case.state == CaseState.IN_PROGRESS).order_by(Case.id).limit(count)
        ).scalars()
    )
    timings, queries = [], []
    for case_id in ids:
        case = db.session.get(Case, case_id)
        actor = db.session.get(User, case.owner_id or _a_handler(case))
        db.session.commit()
        before = statements["n"]
        started = time.perf_counter()
        services.add_note(case, actor, "基准测试备注")
        db.session.commit()
        timings.append(time.perf_counter() - started)
        queries.append(statements["n"] - before)
    results["note"] = {**_percentiles(timings), "statements": round(statistics.mean(queries), 1) if queries else 0}
    return results


def _a_handler(case) -> int:
    from app.auth.models import Role, User
    from app.extensions import db

    return db.session.execute(
        select(User.id)
        .where(User.centre_id == case.centre_id, User.role.in_([Role.CASEWORKER, Role.SUPERVISOR]))
        .order_by(User.id)
        .limit(1)
    ).scalar_one()


def _audit_verify(url: str) -> dict:
    env = dict(os.environ, DATABASE_URL=url, APP_ENV="development")
    flask = Path(sys.executable).with_name("flask")
    started = time.perf_counter()
    out = subprocess.run(
        [str(flask), "--app", "wsgi", "audit-verify", "--no-files"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "exit_code": out.returncode,
        "said": (out.stdout.strip() or out.stderr.strip()).splitlines()[-1:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a database made by bench.generate")
    parser.add_argument("--actions", type=int, default=200, help="actions of each kind")
    args = parser.parse_args()
    url, scratch = args.url, None
    if url.startswith("sqlite:///"):
        scratch = tempfile.mkdtemp(prefix="bench-engine-")
        copy = Path(scratch) / "engine.sqlite3"
        shutil.copy(url.removeprefix("sqlite:///"), copy)
        url = f"sqlite:///{copy}"
    try:
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("APP_ENV", "development")
        from app import create_app

        app = create_app()
        with app.app_context():
            from app.cases.models import Case
            from app.extensions import db

            cases = db.session.query(Case).count()
            door = _door(app, args.actions)
        result = {"cases": cases, "door": door, "audit_verify": _audit_verify(url)}
        print(json.dumps(result, ensure_ascii=False))
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
