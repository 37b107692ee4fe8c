"""Where one page's time goes: request it in-process (no server, no network) and print a profile.

    python -m bench.profile_page --url sqlite:///bench/out/bench.sqlite3 --path /cases
    python -m bench.profile_page --url postgresql+psycopg://postgres@127.0.0.1:5432/ipaid_bench \\
        --path /api/v1/cases --token "$(flask --app wsgi api-token create --email caseworker0.cn@bench.cn | tail -1)"
    python -m bench.profile_page --url sqlite:///bench/out/bench.sqlite3 --path /visits --json

Logs in as ``--email`` (the national caseworker by default) through the login form, times
``--repeat`` requests, then profiles one more and prints the top functions by cumulative time.
Each request's time is split three ways: SQL (every statement, from SQLAlchemy's cursor events),
templates (from Flask's ``before_render_template`` to ``template_rendered``, the outermost render
only, less the SQL run while rendering, e.g. lazy loads) and the rest, the view's own Python.
``--json`` prints one line instead, ``{path, status, bytes, ms_p50, sql_statements, sql_ms,
template_ms, other_ms}`` (per request), for a script to loop over pages.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import statistics
import time

from flask import before_render_template, template_rendered
from sqlalchemy import event

from bench.generate import PASSWORD
from config import get_config, normalise_database_url


def _shorten(statement: str, width: int) -> str:
    return statement if len(statement) <= width else statement[: width // 2] + " … " + statement[-width // 2 :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--email", default="caseworker0.cn@bench.cn")
    parser.add_argument("--token", default=None, help="a Bearer token instead of logging in (API paths)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--sort", default="cumulative", choices=["cumulative", "tottime", "ncalls"], help="the profile's order"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON line of the figures (no profile)")
    parser.add_argument(
        "--statements", action="store_true", help="print every statement, in the order first run, with its count"
    )
    parser.add_argument(
        "--explain", type=int, default=0, metavar="N", help="print the plans of the N slowest statements"
    )
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
        landing = client.post(
            "/login", data={"csrf_token": token, "email": args.email, "password": PASSWORD}, follow_redirects=True
        )
        if landing.request.path == "/privacy/consent":  # a generated applicant agrees to the notice once
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', landing.get_data(as_text=True))
            client.post(landing.request.full_path, data={"csrf_token": token.group(1)})
    first = client.get(args.path, headers=headers)
    if not args.json:
        print(f"{args.path}: status {first.status_code}, {len(first.data)} bytes")

    sql = {"statements": 0, "ms": 0.0, "ms_in_templates": 0.0}
    per_statement: dict[str, float] = {}
    runs: dict[str, int] = {}
    examples: dict[str, tuple] = {}  # a statement's text and parameters as last run, to explain it
    rendering = {"depth": 0, "started": 0.0, "ms": 0.0, "renders": 0}
    with app.app_context():
        engine = db.session.get_bind()

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        ms = (time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())) * 1000
        sql["statements"] += 1
        sql["ms"] += ms
        if rendering["depth"]:
            sql["ms_in_templates"] += ms
        key = " ".join(statement.split())
        per_statement[key] = per_statement.get(key, 0.0) + ms
        runs[key] = runs.get(key, 0) + 1
        examples[key] = (statement, parameters)

    def render_starts(sender, template, context, **extra):
        if rendering["depth"] == 0:  # a template rendered inside another's render is counted in the outer one
            rendering["started"] = time.perf_counter()
            rendering["renders"] += 1
        rendering["depth"] += 1

    def render_ends(sender, template, context, **extra):
        rendering["depth"] -= 1
        if rendering["depth"] == 0:
            rendering["ms"] += (time.perf_counter() - rendering["started"]) * 1000

    timings = []
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    before_render_template.connect(render_starts, app)
    template_rendered.connect(render_ends, app)
    for _ in range(args.repeat):
        started = time.perf_counter()
        client.get(args.path, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    before_render_template.disconnect(render_starts, app)
    template_rendered.disconnect(render_ends, app)
    total_ms = sum(timings) / args.repeat
    sql_ms = sql["ms"] / args.repeat
    template_ms = (rendering["ms"] - sql["ms_in_templates"]) / args.repeat
    other_ms = total_ms - sql_ms - template_ms
    if args.json:
        print(
            json.dumps(
                {
                    "path": args.path,
                    "email": None if args.token else args.email,
                    "status": first.status_code,
                    "bytes": len(first.data),
                    "ms_p50": round(statistics.median(timings), 1),
                    "sql_statements": round(sql["statements"] / args.repeat),
                    "sql_ms": round(sql_ms, 1),
                    "template_ms": round(template_ms, 1),
                    "other_ms": round(other_ms, 1),
                }
            )
        )
        return
    print(
        f"ms per request: {sorted(round(t, 1) for t in timings)}; SQL per request: "
        f"{sql['statements'] / args.repeat:.0f} statements, {sql['ms'] / args.repeat:.1f} ms; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"ms per request (mean {total_ms:.1f}): SQL {sql_ms:.1f} "
        f"({sql['ms_in_templates'] / args.repeat:.1f} of it while rendering), "
        f"template {template_ms:.1f} ({rendering['renders'] / args.repeat:.0f} renders, SQL excluded), "
        f"other (Python) {other_ms:.1f}"
    )
    if args.statements:
        for statement, ms in per_statement.items():
            print(f"{runs[statement] / args.repeat:4.0f} × {ms / args.repeat:5.1f} ms  {_shorten(statement, 300)}")
        print()
    for statement, ms in sorted(per_statement.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {ms / args.repeat:8.1f} ms  {_shorten(statement, 300)}")
    slowest = sorted(per_statement.items(), key=lambda kv: -kv[1])[: args.explain]
    for key, _ms in slowest:
        statement, parameters = examples[key]
        postgres = engine.dialect.name == "postgresql"
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(prefix + statement, parameters)
            plan = [" | ".join(str(v) for v in row) for row in cursor.fetchall()]
        finally:
            raw.close()
        print(f"\nplan of: {key[:200]} …")
        print("\n".join(plan))
    profile = cProfile.Profile()
    profile.enable()
    client.get(args.path, headers=headers)
    profile.disable()
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
