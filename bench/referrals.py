"""The supervisors' referral list at scale: p50/p95 under load, SQL statements, HTML size, as JSON.

    python -m bench.generate --url sqlite:///bench/out/bench.sqlite3 --enterprises 100000 --cases --referrals
    python -m bench.referrals --url sqlite:///bench/out/bench.sqlite3

Every client logs in as the national centre's supervisor (``supervisor3.cn@bench.cn``: the widest
scope, every referral of the country) and requests ``GET /referrals`` in turn: the first page, the
referrals sent and awaiting receipt (``?state=sent``), the overdue only (``?overdue=y``), a page
90 % of the way down the open referrals (its cursor is the place of the row there, from the list's own
``page_keys``; ``?page=N`` on the numbered pages the list had before issue 11) and the first page of
every referral, closed ones included (``?all=y``). The server is
gunicorn with ``--workers`` workers, the clients ``--clients`` threads in closed loops, as in
``bench.pages`` (whose client, percentile and quiet-wait this reuses); the figures are wall-clock
milliseconds per request measured by the clients. Beforehand each page is requested in-process
(``app.test_client``, no server, no network) ``--repeat`` times: its median, its SQL statements and
the size of its HTML. The target (issue 11): p95 ≤ 150 ms with 8 clients at 100k cases, 10k referrals.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, func, select

from bench.generate import PASSWORD
from bench.pages import NATIONAL_SUPERVISOR, Client, audit_key, free_port, percentile, wait_for_quiet
from config import get_config, normalise_database_url

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 150


def list_pages(app) -> dict[str, str]:
    """name -> path of the pages measured; the deep page's cursor from the row 90 % of the way down."""
    from app.auth.models import User
    from app.core.db import utcnow
    from app.extensions import db
    from app.referrals import queries
    from app.referrals.enums import OPEN_STATE_VALUES
    from app.referrals.models import Referral

    with app.test_request_context():
        user = db.session.execute(select(User).where(User.email == NATIONAL_SUPERVISOR)).scalar_one()
        total = db.session.execute(
            select(func.count(Referral.id)).where(Referral.state.in_(OPEN_STATE_VALUES))
        ).scalar()
        if hasattr(queries, "Cursor"):  # keyset pages: the next page starts after the row there
            keys = queries.page_keys(user, utcnow(), open_only=True, limit=int(total * 0.9))
            deep = {"cursor": keys[-1].encode()}
        else:  # numbered pages (OFFSET), as the list had before issue 11
            deep = {"page": int(total * 0.9) // queries.PAGE_SIZE + 1}
    return {
        "referral_list_first_page": "/referrals",
        "referral_list_sent": "/referrals?state=sent",
        "referral_list_overdue": "/referrals?overdue=y",
        "referral_list_deep_page": "/referrals?" + urllib.parse.urlencode(deep),
        "referral_list_all": "/referrals?all=y",
    }


def in_process(url: str, repeat: int) -> tuple[dict[str, str], dict, dict]:
    """The pages, their in-process figures (median ms, statements, HTML bytes) and what the database holds."""
    from app import create_app
    from app.extensions import db
    from app.referrals.enums import OPEN_STATE_VALUES
    from app.referrals.models import Referral

    config = get_config("development")
    config.SQLALCHEMY_DATABASE_URI = url
    config.RATELIMIT_ENABLED = False
    app = create_app(config)
    with app.app_context():
        engine = db.engine
        held = {
            "referrals": db.session.execute(select(func.count(Referral.id))).scalar(),
            "open_referrals": db.session.execute(
                select(func.count(Referral.id)).where(Referral.state.in_(OPEN_STATE_VALUES))
            ).scalar(),
        }
    pages = list_pages(app)
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client.post("/login", data={"csrf_token": token, "email": NATIONAL_SUPERVISOR, "password": PASSWORD})
    figures = {}
    statements = [0]

    def count(*args):
        statements[0] += 1

    for name, path in pages.items():
        first = client.get(path)
        assert first.status_code == 200, (path, first.status_code)
        timings, counts = [], []
        event.listen(engine, "before_cursor_execute", count)
        try:
            for _ in range(repeat):
                statements[0] = 0
                started = time.perf_counter()
                client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
                counts.append(statements[0])
        finally:
            event.remove(engine, "before_cursor_execute", count)
        rows = first.get_data(as_text=True).count('<tr id="referral-')
        figures[name] = {
            "in_process_p50": round(statistics.median(timings), 1),
            "statements": statistics.median(counts),
            "html_bytes": len(first.data),
            "rows": rows,
        }
    return pages, figures, held


@contextmanager
def serve(url: str, workers: int):
    """gunicorn on a free port with the app as ``bench.pages`` runs it; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "AUDIT_HMAC_KEY": audit_key(),
        "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-instance-"),
        "LOGIN_RATE_LIMIT": "1000 per minute",
    }
    env.pop("REDIS_URL", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)


def under_load(url: str, pages: dict[str, str], workers: int, clients: int, rounds: int) -> dict:
    with serve(url, workers) as base:
        sessions = []
        for _ in range(clients):
            client = Client(base)
            client.login(NATIONAL_SUPERVISOR)
            sessions.append(client)
        for client in sessions:  # warm-up
            for path in pages.values():
                status = client.get(path)[0]
                assert status == 200, (status, path)
        timings: dict[str, list[float]] = {name: [] for name in pages}
        errors = []
        lock = threading.Lock()

        def work(client: Client):
            for _ in range(rounds):
                for name, path in pages.items():
                    status, ms = client.get(path)
                    with lock:
                        timings[name].append(ms)
                        if status != 200:
                            errors.append((name, status))

        started = time.perf_counter()
        threads = [threading.Thread(target=work, args=(c,)) for c in sessions]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    requests = sum(len(v) for v in timings.values())
    return {
        "requests": requests,
        "throughput_rps": round(requests / elapsed, 1),
        "errors": len(errors),
        "error_statuses": dict(collections.Counter(f"{name}:{status}" for name, status in errors)),
        "timings": timings,
    }


def run(url: str, workers: int, clients: int, rounds: int, repeat: int, quiet: tuple | None = None) -> dict:
    load_at_start = wait_for_quiet(*quiet) if quiet else os.getloadavg()[0]
    url = normalise_database_url(url)
    pages, figures, held = in_process(url, repeat)
    load = under_load(url, pages, workers, clients, rounds)
    timings = load.pop("timings")
    for name, values in timings.items():
        figures[name] = {
            "p50": round(statistics.median(values), 1),
            "p95": round(percentile(values, 95), 1),
            **figures[name],
        }
    worst = max(f["p95"] for f in figures.values())
    return {
        "benchmark": "referral_list",
        "load_average_1m_at_start": round(load_at_start, 2),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "database": url.split(":", 1)[0],
        **held,
        "user": NATIONAL_SUPERVISOR,
        "gunicorn_workers": workers,
        "concurrent_clients": clients,
        **load,
        "pages_ms": figures,
        "worst_p95_ms": worst,
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": worst <= TARGET_P95_MS,
        "urls": pages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a database made by bench.generate with --referrals")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=25, help="passes over every page per client")
    parser.add_argument("--repeat", type=int, default=15, help="in-process requests of each page")
    parser.add_argument(
        "--quiet-load",
        type=float,
        default=None,
        help="first wait until the 1-minute load average is below this (other work skews the figures)",
    )
    parser.add_argument("--max-wait", type=float, default=1800, help="seconds to wait for --quiet-load at most")
    args = parser.parse_args()
    quiet = (args.quiet_load, args.max_wait) if args.quiet_load is not None else None
    result = run(args.url, args.workers, args.clients, args.rounds, args.repeat, quiet)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
