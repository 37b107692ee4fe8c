"""Database engine, session and declarative base.

One engine per app, one scoped session per request (removed at teardown).
The request commits once at its end (see ``register_db``); services only flush.

SQLite is tuned for several gunicorn workers: WAL, foreign keys, a busy
timeout, ``synchronous=NORMAL``, and transactions of requests that may write
(POST, PUT, PATCH, DELETE, and CLI commands) start with ``BEGIN IMMEDIATE`` so
that two writers queue on the busy timeout instead of failing with
"database is locked" when a deferred reader upgrades to a writer.
"""

from __future__ import annotations

import contextvars
import threading
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import current_app
from flask.globals import _cv_app
from sqlalchemy import DateTime, MetaData, create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always returned timezone-aware.

    SQLite keeps no offset, so values are normalised to UTC on the way in
    and tagged as UTC on the way out; naive datetimes are refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# "IMMEDIATE" while the current request or command may write; "DEFERRED" otherwise.
sqlite_begin_mode: contextvars.ContextVar[str] = contextvars.ContextVar("sqlite_begin_mode", default="IMMEDIATE")


def about_to_write() -> None:
    """Call before the first write of a request that began as a read (a GET begins DEFERRED on SQLite).
    In WAL mode a read transaction cannot become a write once another connection has committed since
    it began: SQLite answers "database is locked" at once, without the busy timeout's wait, so a page
    read while others write would fail. On SQLite this ends the read (committing nothing written yet;
    what was loaded is reloaded on use) and lets the write begin ``IMMEDIATE``, queueing behind the
    other writers. Nothing to do on PostgreSQL, or when the request began as a write."""
    from app.extensions import db

    if db.session.get_bind().dialect.name != "sqlite" or sqlite_begin_mode.get() == "IMMEDIATE":
        return
    db.session.commit()
    sqlite_begin_mode.set("IMMEDIATE")  # a request's own token resets it at teardown


def among(column, ids, *, negate: bool = False):
    """SQL: ``column IN ids`` (``NOT IN`` with ``negate``), for a list of integer ids read earlier.

    On PostgreSQL the list is one parameter, an array (``= ANY``, ``<> ALL``): as ``IN (…)`` each id
    would be a parameter of its own, and a few hundred of them cost more in SQLAlchemy and psycopg
    (rendering, then parsing a statement too long for its cache) than the query itself."""
    from sqlalchemy import ARRAY, Integer, all_, any_, bindparam

    from app.extensions import db

    ids = list(ids)
    if db.session.get_bind().dialect.name == "postgresql":
        values = bindparam(None, ids, type_=ARRAY(Integer))
        return column != all_(values) if negate else column == any_(values)
    return column.not_in(ids) if negate else column.in_(ids)


_KEPT = "kept_reads"


def kept(key: tuple, read):
    """``read()``'s value, read once for the session until anything is written (flushed), committed or
    rolled back: for what a page asks several times of the same state (a case's open offer, a narrow
    scope's rows). With changes pending it is read afresh (and the read's autoflush forgets the rest)."""
    from app.extensions import db

    session = db.session()
    if session.new or session.dirty or session.deleted:
        return read()
    memo = session.info.setdefault(_KEPT, {})
    if key not in memo:
        memo[key] = read()
    return memo[key]


def already_kept(key: tuple):
    """What ``kept`` holds for ``key`` now, without reading it; None when nothing is kept (never read,
    or forgotten since by a write or a row lock) or changes are pending."""
    from app.extensions import db

    session = db.session()
    if session.new or session.dirty or session.deleted:
        return None
    return session.info.get(_KEPT, {}).get(key)


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_kept(session, *args) -> None:
    session.info.pop(_KEPT, None)


@event.listens_for(Session, "do_orm_execute")
def _forget_kept_on_write(state) -> None:
    """An INSERT, UPDATE or DELETE run through the session (no flush: a bulk statement) forgets them
    too, and so does a row lock (``SELECT … FOR UPDATE``): what was read before it may have changed
    while it waited, and what a write decides is read under the lock."""
    if not state.is_select or getattr(state.statement, "_for_update_arg", None) is not None:
        state.session.info.pop(_KEPT, None)


@contextmanager
def begin_mode(mode: str):
    token = sqlite_begin_mode.set(mode)
    try:
        yield
    finally:
        sqlite_begin_mode.reset(token)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql(f"BEGIN {sqlite_begin_mode.get()}")


def make_engine(url: str, echo: bool = False) -> Engine:
    kwargs: dict = {"echo": echo, "future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_pre_ping"] = True
        # No server-side prepared statements: after five runs psycopg prepares a statement and
        # PostgreSQL may switch to a generic plan that misjudges the centre-path LIKE of the scope
        # (a search ran for minutes that way). Planning each statement with its values is cheap here.
        #
        # No parallel workers for a statement: the pages read a page's worth of rows from indexes, and on
        # a small server starting two workers took 11-16 ms where the query itself took under 1 ms
        # (PostgreSQL goes parallel when it guesses a large scan, as for a LIMIT over a filtered index).
        # Options given in the URL (``?options=-c lock_timeout=…``) are kept: connect_args would replace them.
        given = make_url(url).query.get("options", "")
        given = " ".join(given) if isinstance(given, tuple) else given
        options = f"{given} -c max_parallel_workers_per_gather=0".strip()
        kwargs["connect_args"] = {"prepare_threshold": None, "options": options}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _session_scope():
    """One session per app context (so each request has its own), per thread outside one."""
    ctx = _cv_app.get(None)
    return ("ctx", id(ctx)) if ctx is not None else ("thread", threading.get_ident())


class AppSession(Session):
    """Binds to the engine of the current app, unless a bind was given (tests)."""

    def get_bind(self, mapper=None, **kw):
        if self.bind is not None:
            return self.bind
        return current_app.extensions["db_engine"]


class Database:
    """The scoped session shared by the app(s) of this process; one engine per app."""

    Model = Base

    def __init__(self) -> None:
        self.session_factory = sessionmaker(class_=AppSession, expire_on_commit=False)
        self.session = scoped_session(self.session_factory, scopefunc=_session_scope)

    def init_app(self, app) -> None:
        engine = make_engine(app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ECHO", False))
        app.extensions["db_engine"] = engine
        app.extensions["db"] = self

        @app.teardown_appcontext
        def _remove_session(exc):
            self.session.remove()

    @property
    def engine(self) -> Engine:
        return current_app.extensions["db_engine"]
