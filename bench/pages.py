"""Page latency under load: gunicorn workers, concurrent logged-in clients, p50/p95 per page as JSON.

    python -m bench.generate --url sqlite:///bench/out/bench.sqlite3 --enterprises 100000 --cases
    python -m bench.pages --url sqlite:///bench/out/bench.sqlite3

First the floor, through the same gunicorn and the same number of clients: anonymous clients
request a static file (``/static/css/app.css``, linked by every page) and then the login page,
each ``--floor-requests`` times per client (4 x ``--rounds``, at least 150), giving each one's
p50/p95 and throughput; and again after the mix, the floor being both runs together (each run's
throughput under ``floor_runs``: a short run of a static file swung threefold between runs). Then the mix: every client logs in as each user the pages need and requests every
page in turn, ``--rounds`` times; the figures are wall-clock milliseconds per request, measured
by the clients. Each page's p50 is also given as a ratio to the static file's and the login
page's, and its body's size (``html_kb``, from the warm-up); ``throughput_ratio_to_static`` is
the mix's requests per second over the static file's, ``throughput_ratio_to_login`` over the
login page's (a real Flask request, the steadier of the two). ``targets`` names the pages over the
issue's limits (p95 over 150 ms, HTML over 150 KB), whether the mix reaches 12 % of the static
file's throughput, and each deep page's p95 over its first page's (at most 1.2).

The national centre's caseworker (the widest scope: every enterprise and every case) requests
the enterprise pages and, when the database has cases, the case pages: the staff list's first
page, a page 90 % of the way down (its keyset cursor is computed from the row there with the
list's own ``Cursor``), a common-word search, a search for one patent number, a filtered list, a
provincial caseworker's first page, one case's page, and the API list (first and deep page) with
a Bearer token issued by ``flask --app wsgi api-token create``. ``bench.mix`` adds every page of
every process (referrals, visits, mediations, fund requests and funds, the reports, respondents,
notifications, enterprise requests, administration, the access log, an applicant's pages), each
at the widest scope (the national user of the page's role) and the narrowest (the same role at a
workstation); the JSON's ``scopes``, ``who`` and ``urls`` say which is which, ``aliases`` the
pages of that mix already measured under an earlier name, ``skipped`` the detail pages the
database has no rows for. A page that does not answer 200 in the warm-up is left out of the mix
and named under ``failed_pages`` (``--strict`` stops instead); ``server_exceptions`` gives the
exceptions the server logged, ``server_log`` its log.

``--only cases`` measures the case pages alone, ``--only processes`` the processes' pages alone,
``--scope workstation`` (or national, provincial, applicant) the pages of one scope, ``--pages
a,b`` only the pages named. The clients run closed loops, so every page's figure includes
queueing behind the slowest pages of the mix on a small machine; ``--quiet-load 1.5`` first waits
for other work on the machine to calm down (the JSON records the load average).
``bench.profile_page`` gives one page's own cost, in-process, split into SQL, templates and the
rest; ``bench.explain`` the list's plans.
"""

from __future__ import annotations

import argparse
import collections
import http.client
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
import types
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from sqlalchemy import create_engine, func, select

from bench.generate import PASSWORD
from bench.mix import process_pages
from config import normalise_database_url

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, base: str, headers: dict | None = None):
        self.base = base
        self.headers = headers or {}
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[int, float, int]:
        """The status (0 when the connection failed, e.g. a worker killed on timeout), milliseconds and
        the body's bytes."""
        started = time.perf_counter()
        request = urllib.request.Request(self.base + path, headers=self.headers)
        size = 0
        try:
            with self.opener.open(request, timeout=60) as response:
                size = len(response.read())
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, http.client.HTTPException):
            status = 0
        return status, (time.perf_counter() - started) * 1000, size

    def login(self, email: str) -> None:
        html = self.opener.open(self.base + "/login", timeout=60).read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()
        with self.opener.open(self.base + "/login", body, timeout=60) as landing:
            html, where = landing.read().decode(), landing.geturl()
        if "/privacy/consent" in where:  # a generated applicant agrees to the privacy notice once, as on first login
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
            self.opener.open(where, urllib.parse.urlencode({"csrf_token": token}).encode(), timeout=60).read()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


NATIONAL = "caseworker0.cn@bench.cn"
PROVINCIAL = "caseworker0.gd@bench.cn"
NATIONAL_SUPERVISOR = "supervisor3.cn@bench.cn"  # the escalation board of the whole country  # Guangdong: its centre, five cities and their county centres and workstations


def case_pages(conn) -> dict[str, tuple[str, str]]:
    """The case pages to measure, as name -> (who, path); empty when the database has no cases.

    ``who`` is ``national``, ``provincial`` or ``api`` (the national caseworker's Bearer token).
    """
    from app.api.queries import encode_cursor
    from app.auth.models import User
    from app.cases.enums import OPEN_STATES
    from app.cases.models import Case
    from app.cases.queries import Cursor

    # What the national caseworker's list holds: every case but applicants' unsubmitted drafts.
    listed = select(Case.id, Case.created_at).where(Case.state != "draft")
    total = conn.execute(select(func.count()).select_from(listed.subquery())).scalar()
    if not total:
        return {}
    deep = conn.execute(
        listed.order_by(Case.created_at.desc(), Case.id.desc()).offset(int(total * 0.9)).limit(1)
    ).one()  # the list's next page starts after this row, 90 % of the way down
    middle = conn.execute(
        select(Case.number, Case.ip_number)
        .where(Case.state == "in_progress", Case.ip_type == "utility_model")
        .order_by(Case.id)
        .offset(100)
        .limit(1)
    ).one()
    # "My work" of the caseworker who owns the most open cases.
    busiest = conn.execute(
        select(User.email)
        .join(Case, Case.owner_id == User.id)
        .where(Case.state.in_([s.value for s in OPEN_STATES]))
        .group_by(User.id, User.email)
        .order_by(func.count(Case.id).desc())
        .limit(1)
    ).scalar()
    html_cursor = Cursor(sort="newest", created_at=deep.created_at, id=deep.id).encode()
    api_cursor = encode_cursor(types.SimpleNamespace(created_at=deep.created_at, id=deep.id))
    quote = urllib.parse.quote
    return {
        "case_list_first_page": ("national", "/cases"),
        "case_list_deep_page": ("national", f"/cases?cursor={quote(html_cursor)}"),
        "case_list_search_word": ("national", "/cases?q=" + quote("华芯")),
        "case_list_search_patent": ("national", "/cases?q=" + quote(middle.ip_number)),
        "case_list_filtered": ("national", "/cases?state=in_progress&state=accepted&ip_type=utility_model"),
        "case_list_provincial": ("provincial", "/cases"),
        "case_page": ("national", f"/cases/{middle.number}"),
        "case_list_overdue": ("national", "/cases?overdue=yes"),
        "case_list_due_first": ("national", "/cases?sort=due"),
        "escalation_board": ("national_supervisor", "/escalation"),
        "my_work": (f"user:{busiest}", "/my-work"),
        "api_case_list_first_page": ("api", "/api/v1/cases?limit=50"),
        "api_case_list_deep_page": ("api", f"/api/v1/cases?limit=50&cursor={quote(api_cursor)}"),
    }


def issue_api_token(url: str, email: str) -> str:
    """A Bearer token for ``email``, issued by the app's own command (``flask --app wsgi api-token create``)."""
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development"}
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run(
        [str(flask), "--app", "wsgi", "api-token", "create", "--email", email, "--name", "bench.pages"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1].strip()


def audit_key() -> str:
    """The audit chain key of the app in this environment (the one ``bench.generate`` sealed with)."""
    from app import create_app

    app = create_app()
    key = app.config.get("AUDIT_HMAC_KEY") or app.config["SECRET_KEY"]
    return key.decode() if isinstance(key, bytes) else key


def wait_for_quiet(below: float, limit: float) -> float:
    """Wait (at most ``limit`` seconds) until the 1-minute load average is below ``below``; return it."""
    deadline = time.monotonic() + limit
    while os.getloadavg()[0] >= below and time.monotonic() < deadline:
        time.sleep(10)
    return os.getloadavg()[0]


STATIC_FILE = "/static/css/app.css"  # the app's own stylesheet, linked by every page (templates/base.html)
FLOOR_PAGES = {"static": STATIC_FILE, "login": "/login"}
FLOOR_REQUESTS = 150  # per client and floor page, at least: a run of a second or two, not a fraction of one
PAGE_P95_LIMIT_MS = 150
PAGE_SIZE_LIMIT_KB = 150
THROUGHPUT_RATIO_FLOOR = 0.12
DEEP_OVER_FIRST_LIMIT = 1.2
DEEP_PAIRS = {  # key -> (deep page, first page); the first three keep their top-level keys of earlier runs
    "deep_over_first_p95": ("enterprise_list_deep_page", "enterprise_list_first_page"),
    "case_deep_over_first_p95": ("case_list_deep_page", "case_list_first_page"),
    "api_deep_over_first_p95": ("api_case_list_deep_page", "api_case_list_first_page"),
    "visit_deep_over_first_p95": ("visit_list_deep_national", "visit_list_national"),
}


def closed_loops(
    base: str, clients: int, path: str, requests: int, warm: int = 4
) -> tuple[list[float], float, list[int]]:
    """``clients`` anonymous clients each requesting ``path`` ``requests`` times in a closed loop, after
    ``warm`` unmeasured requests each (every worker's first request of a page is slow): (milliseconds
    of every request, wall-clock seconds of the phase, the statuses that were not 200)."""
    timings: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    anonymous = [Client(base) for _ in range(clients)]
    for client in anonymous:  # warm-up
        for _ in range(warm):
            client.get(path)

    def work(client: Client):
        for _ in range(requests):
            status, ms, _size = client.get(path)
            with lock:
                timings.append(ms)
                if status != 200:
                    errors.append(status)

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(c,)) for c in anonymous]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, time.perf_counter() - started, errors


def server_exceptions(log: Path, most: int = 10) -> dict[str, int]:
    """The exceptions the server logged (the app logs JSON lines, with ``path`` and the traceback in
    ``exc``; gunicorn plain text): each one's last line, with how often it came."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            if re.match(r"[A-Za-z_][\w.]*(?:Error|Exception)\b", line):
                found.append(line)
            continue
        if isinstance(entry, dict) and entry.get("exc"):
            found.append(f"{entry.get('path', '')}: {entry['exc'].splitlines()[-1]}")
    return dict(collections.Counter(line[:300] for line in found).most_common(most))


def measure_floor(base: str, clients: int, requests: int, workers: int) -> dict:
    """Each floor page's requests, p50, p95 and throughput, ``requests`` per client."""
    floor = {}
    for kind, path in FLOOR_PAGES.items():
        times, seconds, failed = closed_loops(base, clients, path, requests, warm=workers)
        floor[kind] = {
            "path": path,
            "requests": len(times),
            "seconds": seconds,
            "times": times,
            "errors": len(failed),
        }
    return floor


def combine_floors(runs: list[dict]) -> dict:
    """The floor over every run (requests over seconds; percentiles of all the times), each run's
    throughput kept apart (``floor_runs`` in the result, the times left out)."""
    floor = {}
    for kind, path in FLOOR_PAGES.items():
        times = [t for run in runs for t in run[kind]["times"]]
        seconds = sum(run[kind]["seconds"] for run in runs)
        floor[kind] = {
            "path": path,
            "requests": len(times),
            "p50": round(statistics.median(times), 1),
            "p95": round(percentile(times, 95), 1),
            "throughput_rps": round(len(times) / seconds, 1),
            "errors": sum(run[kind]["errors"] for run in runs),
        }
    for run in runs:
        for kind in FLOOR_PAGES:
            entry = run[kind]
            run[kind] = {"throughput_rps": round(len(entry.pop("times")) / entry.pop("seconds"), 1), **entry}
    return floor


def the_mix(url: str, only: str = "all", scope: str = "all", names: list[str] | None = None) -> types.SimpleNamespace:
    """The pages to measure (name -> (who, path)) with their scopes, aliases and the pages skipped, and
    the database's counts: what ``run`` serves and ``bench.sweep`` requests in-process."""
    engine = create_engine(url)
    from app.cases.models import Case
    from app.enterprises.models import Enterprise

    with engine.connect() as conn:
        count = conn.execute(select(func.count(Enterprise.id))).scalar()
        ids = conn.execute(select(Enterprise.id).order_by(Enterprise.id)).scalars().all()
        case_count = conn.execute(select(func.count(Case.id))).scalar()
        cases = case_pages(conn) if only not in ("enterprises", "processes") else {}
        processes, process_scopes, skipped = process_pages(conn) if only in ("all", "processes") else ({}, {}, {})
    engine.dispose()
    deep_after = ids[int(len(ids) * 0.9)]  # a page 90 % of the way down the list
    one = ids[len(ids) // 2]
    pages: dict[str, tuple[str, str]] = {}
    if only in ("all", "enterprises"):
        pages = {
            "home": ("national", "/"),
            "enterprise_list_first_page": ("national", "/enterprises"),
            "enterprise_list_deep_page": ("national", f"/enterprises?after={deep_after}"),
            "enterprise_list_search": ("national", "/enterprises?q=" + urllib.parse.quote("华芯")),
            "enterprise_list_filtered": ("national", "/enterprises?size=micro&industry=software_it"),
            "enterprise_page": ("national", f"/enterprises/{one}"),
            "centres": ("national", "/centres"),
        }
    pages.update(cases)
    scopes = {name: "provincial" if who == "provincial" else "national" for name, (who, _) in pages.items()}
    scopes["my_work"] = "busiest"  # the caseworker who owns the most open cases, wherever they work
    aliases = {}  # a page of the processes' mix that the pages above already measure: its name there
    for name, page in processes.items():
        same = next((old for old, was in pages.items() if was == page), None)
        if same:
            aliases[name] = same
        else:
            pages[name] = page
            scopes[name] = process_scopes[name]
    if scope != "all":
        pages = {name: page for name, page in pages.items() if scopes[name] == scope}
    if names:  # a name of the processes' mix that an earlier page measures stands for that page
        pages = {aliases.get(name, name): pages[aliases.get(name, name)] for name in names}
    return types.SimpleNamespace(
        pages=pages, scopes=scopes, aliases=aliases, skipped=skipped, enterprises=count, cases=case_count
    )


def run(
    url: str,
    workers: int,
    clients: int,
    rounds: int,
    only: str = "all",
    quiet: tuple | None = None,
    names: list[str] | None = None,
    scope: str = "all",
    floor_requests: int | None = None,
    strict: bool = False,
) -> dict:
    load_at_start = wait_for_quiet(*quiet) if quiet else os.getloadavg()[0]
    url = normalise_database_url(url)
    mix = the_mix(url, only, scope, names)
    pages, scopes, aliases, skipped = mix.pages, mix.scopes, mix.aliases, mix.skipped
    count, case_count = mix.enterprises, mix.cases
    token = issue_api_token(url, NATIONAL) if any(who == "api" for who, _ in pages.values()) else None
    port = free_port()
    instance = tempfile.mkdtemp(prefix="bench-instance-")
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "AUDIT_HMAC_KEY": audit_key(),
        "INSTANCE_PATH": instance,
        "LOGIN_RATE_LIMIT": "1000 per minute",
    }
    env.pop("REDIS_URL", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server_log = Path(instance) / "server.log"  # the app's and gunicorn's log: the tracebacks of any 500
    server = subprocess.Popen(
        [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=server_log.open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    floor_requests = floor_requests or max(rounds * 4, FLOOR_REQUESTS)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        # The floor: what the same server and clients do with a static file and the anonymous login page,
        # before the mix and again after it (one short run of a static file swung by 3x between runs).
        floor_runs = [measure_floor(base, clients, floor_requests, workers)]
        sessions = []
        for _ in range(clients):
            people = {"national": Client(base), "provincial": Client(base)}
            people["national"].login(NATIONAL)
            people["provincial"].login(PROVINCIAL)
            for who in {w for w, _ in pages.values()}:  # the national supervisor, named users
                if who == "national_supervisor" or who.startswith("user:"):
                    people[who] = Client(base)
                    people[who].login(NATIONAL_SUPERVISOR if who == "national_supervisor" else who[5:])
            people["api"] = Client(base, {"Authorization": f"Bearer {token}", "Accept": "application/json"})
            sessions.append(people)
        sizes: dict[str, int] = {}
        failed: dict[str, dict] = {}  # pages that did not answer 200 in the warm-up: left out of the mix
        for people in sessions:  # warm-up
            for name, (who, path) in pages.items():
                if name in failed:
                    continue
                status, _ms, size = people[who].get(path)
                if status != 200:
                    assert not strict, (status, name, who, path)
                    failed[name] = {"status": status, "who": who, "path": path}
                    print(f"left out of the mix: {name} {path} answered {status}", file=sys.stderr)
                sizes[name] = size
        pages = {name: page for name, page in pages.items() if name not in failed}
        timings: dict[str, list[float]] = {name: [] for name in pages}
        errors = []
        lock = threading.Lock()

        def work(people: dict[str, Client]):
            for _ in range(rounds):
                for name, (who, path) in pages.items():
                    status, ms, _size = people[who].get(path)
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
        floor_runs.append(measure_floor(base, clients, floor_requests, workers))
    finally:
        server.terminate()
        server.wait(timeout=15)
    requests = sum(len(v) for v in timings.values())
    load = os.getloadavg()
    floor = combine_floors(floor_runs)
    static_p50, login_p50 = floor["static"]["p50"], floor["login"]["p50"]
    pages_ms = {}
    for name, v in timings.items():
        p50 = statistics.median(v)
        pages_ms[name] = {
            "p50": round(p50, 1),
            "p95": round(percentile(v, 95), 1),
            "ratio_p50_to_static": round(p50 / static_p50, 1) if static_p50 else None,
            "ratio_p50_to_login": round(p50 / login_p50, 1) if login_p50 else None,
            "html_kb": round(sizes[name] / 1024, 1),
        }
    throughput = requests / elapsed
    result = {
        # Other processes on the machine skew the figures: the 1-minute load average before and after.
        "load_average_1m_at_start": round(load_at_start, 2),
        "load_average_1m_at_end": round(load[0], 2),
        "cpus": os.cpu_count(),
        "database": url.split(":", 1)[0],
        "enterprises": count,
        "cases": case_count,
        "gunicorn_workers": workers,
        "concurrent_clients": clients,
        "floor": floor,
        "requests": requests,
        "throughput_rps": round(throughput, 1),
        "throughput_ratio_to_static": round(throughput / floor["static"]["throughput_rps"], 3),
        "throughput_ratio_to_login": round(throughput / floor["login"]["throughput_rps"], 3),
        "floor_runs": floor_runs,
        "errors": len(errors),
        "error_statuses": dict(collections.Counter(f"{name}:{status}" for name, status in errors)),
        "pages_ms": pages_ms,
    }
    deep_over_first = {}
    for key, (deep, first) in DEEP_PAIRS.items():
        if deep in pages_ms and first in pages_ms:
            ratio = round(pages_ms[deep]["p95"] / pages_ms[first]["p95"], 2)
            deep_over_first[key] = {"ratio": ratio, "ok": ratio <= DEEP_OVER_FIRST_LIMIT}
            if key != "visit_deep_over_first_p95":
                result[key] = ratio
    result["targets"] = {
        "p95_over_150ms": [name for name, m in pages_ms.items() if m["p95"] > PAGE_P95_LIMIT_MS],
        "pages_over_150kb": [  # HTML pages: the API's JSON is not held to it
            name for name, m in pages_ms.items() if m["html_kb"] > PAGE_SIZE_LIMIT_KB and pages[name][0] != "api"
        ],
        "throughput_ratio_ok": result["throughput_ratio_to_static"] >= THROUGHPUT_RATIO_FLOOR,
        "failed_pages": sorted(failed),
        "deep_over_first": deep_over_first,
    }
    result["scopes"] = {name: scopes[name] for name in pages}
    result["who"] = {name: who for name, (who, _) in pages.items()}
    result["urls"] = {name: path for name, (_, path) in pages.items()}
    result["aliases"] = aliases
    result["server_log"] = str(server_log)
    result["server_exceptions"] = server_exceptions(server_log)
    result["skipped"] = skipped
    result["failed_pages"] = failed
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a database made by bench.generate")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=25, help="passes over every page per client")
    parser.add_argument(
        "--only",
        choices=["all", "cases", "enterprises", "processes"],
        default="all",
        help="which pages to measure (processes: bench.mix's pages of every process alone)",
    )
    parser.add_argument(
        "--scope",
        choices=["all", "national", "workstation", "provincial", "applicant", "busiest"],
        default="all",
        help="measure only the pages of this scope (the JSON's scopes)",
    )
    parser.add_argument(
        "--floor-requests", type=int, default=None, help="requests per client for each floor page (4 x rounds)"
    )
    parser.add_argument(
        "--quiet-load",
        type=float,
        default=None,
        help="first wait until the 1-minute load average is below this (other work skews the figures)",
    )
    parser.add_argument("--max-wait", type=float, default=1800, help="seconds to wait for --quiet-load at most")
    parser.add_argument("--pages", default="", help="comma-separated page names: measure only these")
    parser.add_argument(
        "--strict", action="store_true", help="stop when a page fails its warm-up (by default it is left out, named)"
    )
    args = parser.parse_args()
    quiet = (args.quiet_load, args.max_wait) if args.quiet_load is not None else None
    names = [n for n in args.pages.split(",") if n] or None
    result = run(
        args.url,
        args.workers,
        args.clients,
        args.rounds,
        args.only,
        quiet,
        names,
        args.scope,
        args.floor_requests,
        args.strict,
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
