"""Query plans of the case list: run the app's own list code, capture its SQL, and explain it.

    python -m bench.explain --url sqlite:///bench/out/bench.sqlite3
    python -m bench.explain --url postgresql+psycopg://postgres@127.0.0.1:5432/ipaid_bench --analyze

For each scenario of ``bench.pages`` (first page, deep page, searches, filter, a
provincial caseworker) it calls ``app.cases.queries.case_list`` (and the API's
``list_cases``) as that user, times each statement, and prints the plan of every one:
``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL with
``--analyze`` (plain ``EXPLAIN`` without).
"""

from __future__ import annotations

import argparse
import time
import types

from sqlalchemy import event, func, select

from config import get_config, normalise_database_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--analyze", action="store_true", help="PostgreSQL: EXPLAIN ANALYZE (runs the query)")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    args = parser.parse_args()

    from app import create_app

    config = get_config("development")
    config.SQLALCHEMY_DATABASE_URI = normalise_database_url(args.url)
    app = create_app(config)
    with app.app_context():
        from app.api.queries import CaseFilters as ApiFilters
        from app.api.queries import encode_cursor, list_cases
        from app.auth.models import User
        from app.cases.enums import CaseState, IPType
        from app.cases.models import Case
        from app.cases.queries import CaseFilters, Cursor, case_list
        from app.extensions import db

        engine = db.session.get_bind()
        dialect = engine.dialect.name
        national = db.session.execute(select(User).where(User.email == "caseworker0.cn@bench.cn")).scalar_one()
        provincial = db.session.execute(select(User).where(User.email == "caseworker0.gd@bench.cn")).scalar_one()
        listed = select(Case.id, Case.created_at).where(Case.state != "draft")
        total = db.session.execute(select(func.count()).select_from(listed.subquery())).scalar()
        deep = db.session.execute(
            listed.order_by(Case.created_at.desc(), Case.id.desc()).offset(int(total * 0.9)).limit(1)
        ).one()
        patent = db.session.execute(
            select(Case.ip_number)
            .where(Case.state == "in_progress", Case.ip_type == "utility_model")
            .order_by(Case.id)
            .offset(100)
            .limit(1)
        ).scalar_one()
        cursor = Cursor(sort="newest", created_at=deep.created_at, id=deep.id).encode()
        api_cursor = encode_cursor(types.SimpleNamespace(created_at=deep.created_at, id=deep.id))
        open_utility = CaseFilters(states=(CaseState.IN_PROGRESS, CaseState.ACCEPTED), ip_type=IPType.UTILITY_MODEL)
        scenarios = {
            "case_list_first_page": lambda: case_list(national, CaseFilters(), None, 50),
            "case_list_deep_page": lambda: case_list(national, CaseFilters(), cursor, 50),
            "case_list_search_word": lambda: case_list(national, CaseFilters(q="华芯"), None, 50),
            "case_list_search_patent": lambda: case_list(national, CaseFilters(q=patent), None, 50),
            "case_list_filtered": lambda: case_list(national, open_utility, None, 50),
            "case_list_provincial": lambda: case_list(provincial, CaseFilters(), None, 50),
            "api_case_list_first_page": lambda: list_cases(national, ApiFilters(), 50, None),
            "api_case_list_deep_page": lambda: list_cases(national, ApiFilters(), 50, api_cursor),
        }
        wanted = [s for s in args.only.split(",") if s] or list(scenarios)
        captured: list = []

        def capture(conn, cursor_, statement, parameters, context, executemany):
            captured.append((statement, parameters, time.perf_counter()))

        for name in wanted:
            db.session.expire_all()
            captured.clear()
            event.listen(engine, "before_cursor_execute", capture)
            started = time.perf_counter()
            scenarios[name]()
            elapsed = (time.perf_counter() - started) * 1000
            event.remove(engine, "before_cursor_execute", capture)
            print(f"==== {name}: {elapsed:.1f} ms in {len(captured)} statement(s)")
            for statement, parameters, _ in captured:
                if not statement.lstrip().upper().startswith("SELECT") or "FROM cases" not in statement:
                    continue
                print(statement)
                print("-- parameters:", parameters)
                raw = engine.raw_connection()
                try:
                    cur = raw.cursor()
                    if dialect == "sqlite":
                        cur.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                        for row in cur.fetchall():
                            print("   ", row)
                    else:
                        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if args.analyze else "EXPLAIN "
                        cur.execute(prefix + statement, parameters)
                        for (line,) in cur.fetchall():
                            print("   ", line)
                finally:
                    raw.close()
            print()
        db.session.rollback()


if __name__ == "__main__":
    main()
