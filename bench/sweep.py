"""Every page of ``bench.pages``' mix requested in-process (no server, no network): each page's p50,
SQL statements and time, template time and size, as one JSON object.

    python -m bench.sweep --url sqlite:///bench/out/bench.sqlite3
    python -m bench.sweep --url postgresql+psycopg://postgres@127.0.0.1:5432/ipaid_bench --repeat 9

The same pages, as the same people, as ``bench.pages`` (``the_mix``). Each person logs in once (a
generated applicant agrees to the privacy notice first); each page is requested once to warm up,
then ``--repeat`` times. ``over_30ms`` and ``over_150kb`` name the pages past the targets of
in-process time and size. ``floor_ms`` is the login page's p50, signed out, in the same process
(before and after the pages): the machine's speed; each page's ``x_floor`` is its p50 over it. The
figures are one process's, one request at a time: the page's own
cost, where ``bench.pages`` measures it under load.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time

from flask import before_render_template, template_rendered
from sqlalchemy import event

from bench.generate import PASSWORD
from bench.pages import NATIONAL, NATIONAL_SUPERVISOR, PROVINCIAL, issue_api_token, the_mix
from config import get_config, normalise_database_url

PEOPLE = {"national": NATIONAL, "provincial": PROVINCIAL, "national_supervisor": NATIONAL_SUPERVISOR}


def log_in(app, email: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    landing = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": PASSWORD}, follow_redirects=True
    )
    if landing.request.path == "/privacy/consent":  # a generated applicant agrees to the notice once
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', landing.get_data(as_text=True))
        client.post(landing.request.full_path, data={"csrf_token": token.group(1)})
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a database made by bench.generate")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", choices=["all", "cases", "enterprises", "processes"], default="all")
    parser.add_argument("--pages", default="", help="comma-separated page names: only these")
    args = parser.parse_args()
    url = normalise_database_url(args.url)
    mix = the_mix(url, args.only, "all", [n for n in args.pages.split(",") if n] or None)

    from app import create_app
    from app.core.memory import settle
    from app.extensions import db

    config = get_config("development")
    config.SQLALCHEMY_DATABASE_URI = url
    config.RATELIMIT_ENABLED = False
    app = create_app(config)
    settle(app)  # as wsgi.py does for a serving worker
    with app.app_context():
        engine = db.session.get_bind()
    token = issue_api_token(url, NATIONAL) if any(who == "api" for who, _ in mix.pages.values()) else None
    clients: dict[str, object] = {}
    sql = {"n": 0, "ms": 0.0, "in_templates": 0.0}
    rendering = {"depth": 0, "started": 0.0, "ms": 0.0}

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["sweep_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        ms = (time.perf_counter() - conn.info.pop("sweep_started", time.perf_counter())) * 1000
        sql["n"] += 1
        sql["ms"] += ms
        if rendering["depth"]:
            sql["in_templates"] += ms

    def render_starts(sender, template, context, **extra):
        if rendering["depth"] == 0:
            rendering["started"] = time.perf_counter()
        rendering["depth"] += 1

    def render_ends(sender, template, context, **extra):
        rendering["depth"] -= 1
        if rendering["depth"] == 0:
            rendering["ms"] += (time.perf_counter() - rendering["started"]) * 1000

    def floor() -> list[float]:
        # The page every request costs at least: the login page, signed out (a form, its CSRF token,
        # the layout; no database read), in the same process: this machine's speed, to read the
        # pages' figures against (``x_floor``) when runs on different machines are compared.
        anonymous = app.test_client()
        anonymous.get("/login")
        timings = []
        for _ in range(max(args.repeat, 9)):
            started = time.perf_counter()
            anonymous.get("/login")
            timings.append((time.perf_counter() - started) * 1000)
        return timings

    floor_timings = floor()
    results = {}
    for name, (who, path) in mix.pages.items():
        headers = {}
        if who == "api":
            client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
        else:
            email = PEOPLE.get(who) or who.removeprefix("user:")
            if email not in clients:
                clients[email] = log_in(app, email)
            client = clients[email]
        first = client.get(path, headers=headers)
        sql.update(n=0, ms=0.0, in_templates=0.0)
        rendering.update(ms=0.0)
        timings = []
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        before_render_template.connect(render_starts, app)
        template_rendered.connect(render_ends, app)
        try:
            for _ in range(args.repeat):
                started = time.perf_counter()
                client.get(path, headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
            before_render_template.disconnect(render_starts, app)
            template_rendered.disconnect(render_ends, app)
        results[name] = {
            "status": first.status_code,
            "p50_ms": round(statistics.median(timings), 1),
            "sql_statements": round(sql["n"] / args.repeat),
            "sql_ms": round(sql["ms"] / args.repeat, 1),
            "template_ms": round((rendering["ms"] - sql["in_templates"]) / args.repeat, 1),
            "kb": round(len(first.data) / 1024, 1),
        }
    floor_timings += floor()  # before and after the pages: the machine's speed over the whole run
    floor_ms = statistics.median(floor_timings)
    for result in results.values():
        result["x_floor"] = round(result["p50_ms"] / floor_ms, 1)
    print(
        json.dumps(
            {
                "database": url.split(":", 1)[0],
                "floor_ms": round(floor_ms, 2),
                "cases": mix.cases,
                "repeat": args.repeat,
                "load_average_1m": round(os.getloadavg()[0], 2),
                "pages": results,
                "over_30ms": sorted(n for n, r in results.items() if r["p50_ms"] > 30),
                "over_150kb": sorted(n for n, r in results.items() if r["kb"] > 150 and not n.startswith("api_")),
                "not_200": sorted(n for n, r in results.items() if r["status"] != 200),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
