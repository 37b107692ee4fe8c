"""Repeat infringers at scale: a respondent's other cases and the ranking, for a national supervisor.

    python -m bench.generate --url sqlite:///bench/out/bench.sqlite3 --enterprises 100000 --cases
    python -m bench.respondents --url sqlite:///bench/out/bench.sqlite3

Picks the case whose first respondent is named most often (so ``other_cases`` returns its fullest
list), times ``other_cases`` on it, and ``ranking`` over all time and over the last 12 months, as the
national supervisor, in-process; prints JSON: the p50 and p95 milliseconds and the SQL statements of
each. Reads only. A database generated before the respondent keys existed needs
``alembic upgrade head`` first (the migration fills the keys).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import timedelta

from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from config import get_config, normalise_database_url


def _supervisor(db):
    from app.auth.models import Role, User
    from app.centres.models import Centre, CentreLevel

    user = db.session.execute(
        select(User)
        .join(Centre, Centre.id == User.centre_id)
        .where(User.role == Role.SUPERVISOR, Centre.level == CentreLevel.NATIONAL)
        .order_by(User.id)
    ).scalar()
    if user is None:
        raise SystemExit("no national supervisor: generate the bench database first")
    return user


def _busiest_case(db, user):
    from app.cases.models import Case, CaseRespondent
    from app.respondents.queries import ranking

    top = ranking(user, limit=1)
    if not top:
        raise SystemExit("no respondents: generate cases first")
    kind, value = top[0].key
    column = CaseRespondent.credit_code if kind == "code" else CaseRespondent.name_key
    case_id = db.session.execute(
        select(CaseRespondent.case_id)
        .where(column == value, CaseRespondent.position == 0)
        .order_by(CaseRespondent.case_id.desc())
    ).scalar()
    return db.session.get(Case, case_id), top[0]


def _time(engine, fn, repeat: int) -> dict:
    statements = [0]

    def count(*args):
        statements[-1] += 1

    fn()  # warm the caches
    event.listen(engine, "before_cursor_execute", count)
    timings = []
    try:
        for _ in range(repeat):
            statements.append(0)
            started = time.perf_counter()
            fn()
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "statements": statistics.median(statements[1:]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="sqlite:///bench/out/bench.sqlite3")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    from app import create_app
    from app.cases.models import Case
    from app.core.db import utcnow
    from app.extensions import db
    from app.respondents.queries import other_cases, ranking

    config = get_config("development")
    config.SQLALCHEMY_DATABASE_URI = normalise_database_url(args.url)
    app = create_app(config)
    with app.app_context():
        user = _supervisor(db)
        case, top = _busiest_case(db, user)
        found = other_cases(case, user)
        year_ago = utcnow() - timedelta(days=365)
        figures = {
            "other_cases": _time(db.engine, lambda: other_cases(case, user), args.repeat),
            "ranking_all_time": _time(db.engine, lambda: ranking(user), args.repeat),
            "ranking_12_months": _time(db.engine, lambda: ranking(user, since=year_ago), args.repeat),
        }
        cases = db.session.execute(select(func.count(Case.id))).scalar_one()
        print(
            json.dumps(
                {
                    "benchmark": "respondents",
                    "database": make_url(config.SQLALCHEMY_DATABASE_URI).get_backend_name(),
                    "cases": cases,
                    "case": case.number,
                    "respondent": {"name": top.name, "cases": top.cases},
                    "other_cases_found": len(found),
                    **figures,
                },
                ensure_ascii=False,
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
