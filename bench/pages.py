"""Page latency under load: gunicorn workers, concurrent logged-in clients, p50/p95 per page as JSON.

    python -m bench.generate --url sqlite:///bench/out/bench.sqlite3 --enterprises 100000
    python -m bench.pages --url sqlite:///bench/out/bench.sqlite3

Every client logs in as the national centre's caseworker (the widest scope:
every enterprise) and requests each page in turn; the figures are wall-clock
milliseconds per request, measured by the clients.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from sqlalchemy import create_engine, func, select

from bench.generate import PASSWORD
from config import normalise_database_url

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[int, float]:
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        return status, (time.perf_counter() - started) * 1000

    def login(self, email: str) -> None:
        html = self.opener.open(self.base + "/login", timeout=60).read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()
        self.opener.open(self.base + "/login", body, timeout=60).read()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(url: str, workers: int, clients: int, rounds: int) -> dict:
    url = normalise_database_url(url)
    engine = create_engine(url)
    from app.enterprises.models import Enterprise

    with engine.connect() as conn:
        count = conn.execute(select(func.count(Enterprise.id))).scalar()
        ids = conn.execute(select(Enterprise.id).order_by(Enterprise.id)).scalars().all()
    engine.dispose()
    deep_after = ids[int(len(ids) * 0.9)]  # a page 90 % of the way down the list
    one = ids[len(ids) // 2]
    pages = {
        "home": "/",
        "enterprise_list_first_page": "/enterprises",
        "enterprise_list_deep_page": f"/enterprises?after={deep_after}",
        "enterprise_list_search": "/enterprises?q=" + urllib.parse.quote("华芯"),
        "enterprise_list_filtered": "/enterprises?size=micro&industry=software_it",
        "enterprise_page": f"/enterprises/{one}",
        "centres": "/centres",
    }
    port = free_port()
    instance = tempfile.mkdtemp(prefix="bench-instance-")
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "INSTANCE_PATH": instance,
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
        sessions = []
        for _ in range(clients):
            client = Client(base)
            client.login("caseworker0.cn@bench.cn")
            sessions.append(client)
        for client in sessions:  # warm-up
            for path in pages.values():
                assert client.get(path)[0] == 200, path
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
    finally:
        server.terminate()
        server.wait(timeout=15)
    requests = sum(len(v) for v in timings.values())
    result = {
        "database": url.split(":", 1)[0],
        "enterprises": count,
        "gunicorn_workers": workers,
        "concurrent_clients": clients,
        "requests": requests,
        "throughput_rps": round(requests / elapsed, 1),
        "errors": len(errors),
        "pages_ms": {
            name: {"p50": round(statistics.median(v), 1), "p95": round(percentile(v, 95), 1)}
            for name, v in timings.items()
        },
    }
    first = result["pages_ms"]["enterprise_list_first_page"]["p95"]
    result["deep_over_first_p95"] = round(result["pages_ms"]["enterprise_list_deep_page"]["p95"] / first, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a database made by bench.generate")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=25, help="passes over every page per client")
    args = parser.parse_args()
    print(json.dumps(run(args.url, args.workers, args.clients, args.rounds), ensure_ascii=False))


if __name__ == "__main__":
    main()
