"""How long ``flask --app wsgi sla-scan`` takes on a database made by ``bench.generate``.

The first scan after the generator has to record every overdue and due-soon clock of
100,000 cases (a backlog no centre would have: the generated history is years long and nobody
ever scanned it); the ones after it find nothing new, which is what cron sees every minute.
Each run is the real command in its own process. Works on a copy: of the SQLite file, or of the
PostgreSQL database (``CREATE DATABASE … TEMPLATE``, dropped at the end), so the same generated
backlog can be scanned again. Prints JSON.

    .venv/bin/python -m bench.scan --url sqlite:///bench/out/bench.sqlite3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, make_url, select, text

from config import normalise_database_url

ROOT = Path(__file__).resolve().parents[1]


def run_scan(url: str) -> tuple[float, dict]:
    env = dict(os.environ, DATABASE_URL=url, APP_ENV="development")
    env.pop("MAIL_SERVER", None)
    flask = Path(sys.executable).with_name("flask")
    started = time.perf_counter()
    out = subprocess.run(
        [str(flask), "--app", "wsgi", "sla-scan", "--no-mail", "--verbose"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    line = next((s for s in reversed(out.stdout.splitlines()) if s.startswith("{")), "{}")
    return seconds, json.loads(line)


def batch_size() -> int | None:
    """Clocks the scan records per transaction (None before it batched)."""
    from app.clocks import scan

    return getattr(scan, "BATCH", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a database made by bench.generate")
    parser.add_argument("--idle-runs", type=int, default=5, help="scans after the first one")
    args = parser.parse_args()
    url = args.url
    scratch = pg_copy = None
    if url.startswith("sqlite:///"):
        scratch = tempfile.mkdtemp(prefix="bench-scan-")
        copy = Path(scratch) / "scan.sqlite3"
        shutil.copy(url.removeprefix("sqlite:///"), copy)
        url = f"sqlite:///{copy}"
    else:
        source = make_url(normalise_database_url(url))
        pg_copy = f"{source.database}_scan"
        admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_copy}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{pg_copy}" TEMPLATE "{source.database}"')
        url = source.set(database=pg_copy).render_as_string(hide_password=False)
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            cases = conn.execute(text("SELECT count(*) FROM cases")).scalar()
            running = conn.execute(
                text("SELECT count(*) FROM case_clocks WHERE met_at IS NULL AND stopped_at IS NULL")
            ).scalar()
        flask = Path(sys.executable).with_name("flask")
        began = time.perf_counter()
        subprocess.run(
            [str(flask), "--app", "wsgi", "workflow", "graph"],
            cwd=ROOT,
            env=dict(os.environ, DATABASE_URL=url),
            capture_output=True,
            check=True,
        )
        startup = time.perf_counter() - began
        first_seconds, first = run_scan(url)
        idle = [run_scan(url) for _ in range(args.idle_runs)]
        with engine.connect() as conn:
            from app.notifications.models import Notification

            notifications = conn.execute(select(func.count(Notification.id))).scalar()
        idle_times = sorted(s for s, _ in idle)
        print(
            json.dumps(
                {
                    "database": url.split(":", 1)[0],
                    "batch": batch_size(),
                    "cases": cases,
                    "running_clocks": running,
                    "first_scan": {"seconds": round(first_seconds, 2), **first},
                    "idle_scan_seconds": {
                        "p50": round(idle_times[len(idle_times) // 2], 2),
                        "max": round(idle_times[-1], 2),
                        "recorded": sum(r.get("due_soon", 0) + r.get("breached", 0) for _, r in idle),
                    },
                    "notifications": notifications,
                    "startup_seconds": round(startup, 2),  # the same process doing nothing but start
                    "note": "each run is a new process; startup_seconds of it is starting Python and the app",
                },
                ensure_ascii=False,
            )
        )
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
        if pg_copy:
            engine.dispose()
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_copy}"')
            admin.dispose()


if __name__ == "__main__":
    main()
