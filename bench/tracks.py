"""The case page with a mediation and a plan, against the same page without them, at scale.

    python -m bench.generate --url sqlite:///bench/out/bench.sqlite3 --enterprises 100000 --cases
    python -m bench.tracks --url sqlite:///bench/out/bench.sqlite3

Picks two cases in progress of the same centre with the same number of events, gives the first a
fast mediation (served, opened, one session scheduled) and a rights-protection plan (drafted,
reviewed, issued) through the one door, as the centre's caseworker, its mediator and a supervisor
of the centre above, then requests both case pages in-process as the national caseworker and prints
JSON: the median and p90 milliseconds and SQL statements of each page, and their ratio (the issue
asks for the page with the tracks within 1.2x of the page without). The database is changed: run it
on a generated copy.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from bench.generate import PASSWORD
from config import get_config, normalise_database_url


def _login(app, email):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def _pick_cases(db):
    from app.cases.enums import CaseState
    from app.cases.models import Case, CaseEvent

    counts = select(CaseEvent.case_id, func.count(CaseEvent.id).label("n")).group_by(CaseEvent.case_id).subquery()
    rows = db.session.execute(
        select(Case.id, Case.centre_id, counts.c.n)
        .join(counts, counts.c.case_id == Case.id)
        .where(Case.state == CaseState.IN_PROGRESS)
        .order_by(Case.centre_id, counts.c.n, Case.id)
        .limit(5000)
    ).all()
    seen = {}
    for case_id, centre_id, n in rows:
        key = (centre_id, n)
        if key in seen:
            return db.session.get(Case, seen[key]), db.session.get(Case, case_id)
        seen[key] = case_id
    raise SystemExit("no two comparable cases in progress: generate cases first")


def _staff(db, centre, role):
    from app.auth.models import User

    return (
        db.session.execute(
            select(User)
            .where(User.role == role, User.centre_id.in_(centre.ancestor_ids))
            .order_by(User.centre_id.desc())
        )
        .scalars()
        .first()
    )


def _give_tracks(db, case):
    from app.auth.models import Role
    from app.mediation import services as mediation

    caseworker = _staff(db, case.centre, Role.CASEWORKER)
    mediator = _staff(db, case.centre, Role.MEDIATOR)
    m = mediation.request_mediation(
        case, caseworker, mediator=mediator.email, scope="damages", requests="停止侵权并赔偿", not_in_court=True
    )
    today = datetime.now(UTC).date().isoformat()
    mediation.transition(m, "serve_respondent", caseworker, data={"served_on": today, "method": "post"})
    mediation.transition(m, "respondent_agrees", mediator, data={})
    starts = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    mediation.transition(m, "schedule_session", mediator, data={"starts_at": starts, "place": "中心调解室"})
    from app.admin.demo_mediations import PLAN
    from app.plans import services as plans

    content = dict(PLAN, right={"index": 0, "scope": "权利要求1"})
    plan = plans.create_plan(case, caseworker, content)
    plans.transition(plan, "submit_for_review", caseworker)
    plans.transition(plan, "approve", _staff(db, case.centre, Role.SUPERVISOR))
    plans.transition(plan, "issue", caseworker)
    db.session.commit()
    return m, plan


def _time(app, client, path, repeat):
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    statements = []

    def count(*args):
        statements[-1] += 1

    event.listen(engine, "before_cursor_execute", count)
    timings = []
    try:
        for _ in range(repeat):
            statements.append(0)
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    timings.sort()
    return {
        "median_ms": round(statistics.median(timings), 1),
        "p90_ms": round(timings[int(len(timings) * 0.9) - 1], 1),
        "statements": statistics.median(statements),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--email", default="caseworker0.cn@bench.cn")
    args = parser.parse_args()

    from app import create_app
    from app.extensions import db

    config = get_config("development")
    config.SQLALCHEMY_DATABASE_URI = normalise_database_url(args.url)
    config.RATELIMIT_ENABLED = False
    app = create_app(config)
    with app.app_context():
        with_tracks, without = _pick_cases(db)
        m, plan = _give_tracks(db, with_tracks)
        paths = {"with_tracks": f"/cases/{with_tracks.number}", "without": f"/cases/{without.number}"}
        ids = {"mediation": m.id, "plan": plan.id if plan is not None else None}
    client = _login(app, args.email)
    for path in paths.values():  # warm the templates and the caches
        client.get(path)
    figures = {name: _time(app, client, path, args.repeat) for name, path in paths.items()}
    with app.app_context():
        from app.cases.models import Case

        cases = db.session.execute(select(func.count(Case.id))).scalar_one()
    print(
        json.dumps(
            {
                "benchmark": "case_page_with_tracks",
                "database": make_url(config.SQLALCHEMY_DATABASE_URI).get_backend_name(),
                "cases": cases,
                "tracks": ids,
                "pages": paths,
                **figures,
                "ratio_median": round(figures["with_tracks"]["median_ms"] / figures["without"]["median_ms"], 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
