"""The visits compliance grid at scale and the visit form's weight on a phone, as JSON.

    python -m bench.generate --url sqlite:///bench/out/visits.sqlite3 --visits   # a database with centres
    python -m bench.visits --url sqlite:///bench/out/visits.sqlite3

The grid: every client logs in as the national centre's supervisor (``supervisor3.cn@bench.cn``:
497 centres × the 12 months of the year) and requests ``GET /visits/compliance`` (this year) and
``GET /visits/compliance?year=<last year>`` in turn, and, when the API has it,
``GET /api/v1/visits/compliance?month=<this month>`` with a Bearer token issued by
``flask --app wsgi api-token create``. gunicorn ``--workers`` workers, ``--clients`` threads in closed
loops (``bench.pages``' client and percentile); the figures are wall-clock milliseconds measured by
the clients. Beforehand each page is requested in-process (``app.test_client``) ``--repeat`` times:
median, SQL statements, bytes. Target (issue 12): p95 ≤ 200 ms with 8 clients at 50k visits.

The form's weight: ``GET /visits/new`` as a phone would load it (a city caseworker, and the national
supervisor): the HTML and every stylesheet and script it links, raw and gzip-compressed (the app
does not compress; the figure says what a compressing proxy would send). Target: ≤ 150 KB.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import threading
import time
from datetime import date

from sqlalchemy import event, func, select

from bench.generate import PASSWORD
from bench.pages import NATIONAL_SUPERVISOR, Client, issue_api_token, percentile, wait_for_quiet
from bench.referrals import serve
from config import get_config, normalise_database_url

TARGET_P95_MS = 200
TARGET_FORM_KB = 150
CITY_CASEWORKER = "caseworker0.gdc1@bench.cn"


def _app(url: str):
    from app import create_app

    config = get_config("development")
    config.SQLALCHEMY_DATABASE_URI = url
    config.RATELIMIT_ENABLED = False
    return create_app(config)


def _login(app, email: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    return client


def grid_pages(app) -> dict[str, str]:
    """The grid's first page this year and last year, a page half-way down the country's centres
    (its place from the page's own order) and the centres that ended a month short this year."""
    from urllib.parse import quote

    from sqlalchemy import select

    from app.centres.models import Centre
    from app.extensions import db

    today = date.today()
    with app.app_context():
        paths = db.session.execute(
            select(Centre.path).where(Centre.is_active.is_(True)).order_by(Centre.path)
        ).scalars()
        paths = list(paths)
    middle = quote(paths[len(paths) // 2], safe="")
    pages = {
        "compliance_grid_this_year": "/visits/compliance",
        "compliance_grid_last_year": f"/visits/compliance?year={today.year - 1}",
        "compliance_grid_half_way": f"/visits/compliance?after={middle}",
        "compliance_grid_short_only": "/visits/compliance?short=y",
    }
    if any(rule.rule == "/api/v1/visits/compliance" for rule in app.url_map.iter_rules()):
        pages["api_compliance_this_month"] = f"/api/v1/visits/compliance?month={today:%Y-%m}"
    return pages


def in_process(app, pages: dict[str, str], token: str | None, repeat: int) -> dict:
    from app.extensions import db

    client = _login(app, NATIONAL_SUPERVISOR)
    with app.app_context():
        engine = db.engine
    statements = [0]

    def count(*args):
        statements[0] += 1

    figures = {}
    for name, path in pages.items():
        headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
        getter = app.test_client() if headers else client
        first = getter.get(path, headers=headers)
        assert first.status_code == 200, (path, first.status_code, first.get_data(as_text=True)[:300])
        timings, counts = [], []
        event.listen(engine, "before_cursor_execute", count)
        try:
            for _ in range(repeat):
                statements[0] = 0
                started = time.perf_counter()
                getter.get(path, headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
                counts.append(statements[0])
        finally:
            event.remove(engine, "before_cursor_execute", count)
        body = first.get_data(as_text=True)
        figures[name] = {
            "in_process_p50": round(statistics.median(timings), 1),
            "in_process_min": round(min(timings), 1),
            "statements": statistics.median(counts),
            "bytes": len(first.data),
            "rows": body.count('<tr id="centre-') if not headers else len(json.loads(body)["items"]),
        }
    return figures


def form_weight(app, email: str) -> dict:
    """``/visits/new`` with its stylesheets and scripts: bytes raw and gzip-compressed."""
    client = _login(app, email)
    page = client.get("/visits/new", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    assets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html) + re.findall(
        r'<script[^>]+src="([^"]+)"', html
    )
    parts = {"/visits/new": page.data}
    for href in assets:
        if href.startswith("/"):
            response = client.get(href)
            parts[href] = response.data
            response.close()
    raw = {k: len(v) for k, v in parts.items()}
    packed = {k: len(gzip.compress(v, 6)) for k, v in parts.items()}
    total_raw, total_gzip = sum(raw.values()), sum(packed.values())
    return {
        "user": email,
        "server_compresses": page.headers.get("Content-Encoding") == "gzip",
        "html_bytes": raw["/visits/new"],
        "files": {k: {"raw": raw[k], "gzip": packed[k]} for k in parts},
        "total_raw_kb": round(total_raw / 1024, 1),
        "total_gzip_kb": round(total_gzip / 1024, 1),
        "target_kb": TARGET_FORM_KB,
        "meets_target_raw": total_raw / 1024 <= TARGET_FORM_KB,
        "meets_target_gzip": total_gzip / 1024 <= TARGET_FORM_KB,
    }


def under_load(url: str, pages: dict[str, str], token: str | None, workers: int, clients: int, rounds: int) -> dict:
    with serve(url, workers) as base:
        sessions = []
        for _ in range(clients):
            web = Client(base)
            web.login(NATIONAL_SUPERVISOR)
            api = Client(base, {"Authorization": f"Bearer {token}"}) if token else None
            sessions.append((web, api))
        for web, api in sessions:  # warm-up
            for path in pages.values():
                status = (api if path.startswith("/api/") else web).get(path)[0]
                assert status == 200, (status, path)
        timings: dict[str, list[float]] = {name: [] for name in pages}
        errors = []
        lock = threading.Lock()

        def work(web, api):
            for _ in range(rounds):
                for name, path in pages.items():
                    status, ms = (api if path.startswith("/api/") else web).get(path)
                    with lock:
                        timings[name].append(ms)
                        if status != 200:
                            errors.append((name, status))

        started = time.perf_counter()
        threads = [threading.Thread(target=work, args=pair) for pair in sessions]
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
        "timings": timings,
    }


def run(url: str, workers: int, clients: int, rounds: int, repeat: int, quiet=None) -> dict:
    from app.centres.models import Centre
    from app.extensions import db
    from app.visits.models import Visit

    load_at_start = wait_for_quiet(*quiet) if quiet else os.getloadavg()[0]
    url = normalise_database_url(url)
    app = _app(url)
    with app.app_context():
        held = {
            "centres": db.session.execute(select(func.count(Centre.id))).scalar(),
            "visits": db.session.execute(select(func.count(Visit.id))).scalar(),
        }
    pages = grid_pages(app)
    token = issue_api_token(url, NATIONAL_SUPERVISOR) if any(p.startswith("/api/") for p in pages.values()) else None
    figures = in_process(app, pages, token, repeat)
    weight = [form_weight(app, CITY_CASEWORKER), form_weight(app, NATIONAL_SUPERVISOR)]
    load = under_load(url, pages, token, workers, clients, rounds)
    for name, values in load.pop("timings").items():
        figures[name] = {
            "p50": round(statistics.median(values), 1),
            "p95": round(percentile(values, 95), 1),
            **figures[name],
        }
    worst = max(f["p95"] for f in figures.values())
    return {
        "benchmark": "visits_compliance",
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
        "form_weight": weight,
        "urls": pages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a database made by bench.generate with --visits")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=15, help="passes over every page per client")
    parser.add_argument("--repeat", type=int, default=10, help="in-process requests of each page")
    parser.add_argument(
        "--quiet-load", type=float, default=None, help="first wait until the load average is below this"
    )
    parser.add_argument("--max-wait", type=float, default=1800)
    args = parser.parse_args()
    quiet = (args.quiet_load, args.max_wait) if args.quiet_load is not None else None
    print(json.dumps(run(args.url, args.workers, args.clients, args.rounds, args.repeat, quiet), ensure_ascii=False))


if __name__ == "__main__":
    main()
