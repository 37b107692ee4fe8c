"""Where one page's time goes: request it in-process (no server, no network) and print a profile.

    python -m bench.profile_page --url sqlite:///bench/out/bench.sqlite3 --path /cases
    python -m bench.profile_page --url postgresql+psycopg://postgres@127.0.0.1:5432/ipaid_bench \\
        --path /api/v1/cases --token "$(flask --app wsgi api-token create --email caseworker0.cn@bench.cn | tail -1)"

Logs in as ``--email`` (the national caseworker by default) through the login form, times
``--repeat`` requests, then profiles one more and prints the top functions by cumulative time
and the time spent in SQL (statements, total milliseconds) and in templates.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import time

from sqlalchemy import event

from bench.generate import PASSWORD
from config import get_config, normalise_database_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--email", default="caseworker0.cn@bench.cn")
    parser.add_argument("--token", default=None, help="a Bearer token instead of logging in (API paths)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    from app import create_app
    from app.extensions import db

    config = get_config("development")
    config.SQLALCHEMY_DATABASE_URI = normalise_database_url(args.url)
    config.RATELIMIT_ENABLED = False
    app = create_app(config)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    if not args.token:
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        client.post("/login", data={"csrf_token": token, "email": args.email, "password": PASSWORD})
    first = client.get(args.path, headers=headers)
    print(f"{args.path}: status {first.status_code}, {len(first.data)} bytes")

    sql = {"statements": 0, "ms": 0.0}
    per_statement: dict[str, float] = {}
    with app.app_context():
        engine = db.session.get_bind()

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        ms = (time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())) * 1000
        sql["statements"] += 1
        sql["ms"] += ms
        key = " ".join(statement.split())
        per_statement[key] = per_statement.get(key, 0.0) + ms

    timings = []
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    for _ in range(args.repeat):
        started = time.perf_counter()
        client.get(args.path, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    print(
        f"ms per request: {sorted(round(t, 1) for t in timings)}; SQL per request: "
        f"{sql['statements'] / args.repeat:.0f} statements, {sql['ms'] / args.repeat:.1f} ms; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    for statement, ms in sorted(per_statement.items(), key=lambda kv: -kv[1])[:5]:
        short = statement if len(statement) <= 300 else statement[:150] + " … " + statement[-150:]
        print(f"  {ms / args.repeat:8.1f} ms  {short}")
    profile = cProfile.Profile()
    profile.enable()
    client.get(args.path, headers=headers)
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
