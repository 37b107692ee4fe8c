"""Shared fixtures: the app on SQLite or PostgreSQL, isolated tests, factories, logins.

The database is chosen by ``TEST_DATABASE_URL`` (PostgreSQL) and is SQLite in a
temporary file otherwise. The schema is built by ``alembic upgrade head``, so
every test also runs against the real migrations. Each test runs inside a
transaction that is rolled back at its end (the app's own commits become
savepoint releases), so tests never see each other's rows.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import itertools
import os
from decimal import Decimal

import pytest
from sqlalchemy.engine import make_url

from config import TestingConfig, normalise_database_url
from tests.helpers import PASSWORD, post_form, valid_credit_code


def _cheap_password_hashing() -> None:
    """argon2id with the smallest cost in the tests: the application's profile (64 MiB, three passes)
    costs about a tenth of a second per login and the suite logs in thousands of times. The hashes are
    still argon2id, verified by the same code; ``tests/auth/test_login.py`` holds the application's
    own profile to OWASP's minimum."""
    from argon2 import PasswordHasher

    from app.auth import passwords

    passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


_cheap_password_hashing()


def _hypothesis_profile() -> None:
    """``HYPOTHESIS_PROFILE=ci`` (set by ``.ci/run``): every property test and fuzz run draws the
    same examples each time, so CI says the same about the same code; on a developer's machine
    the examples are new each run and keep finding what CI would not."""
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, print_blob=True)
    settings.register_profile("dev", print_blob=True)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


_hypothesis_profile()


def pytest_collection_modifyitems(config, items):
    """Under xdist (``make test`` runs ``--dist loadgroup``) the tests of one module run on one
    worker, so a module's own database is migrated once. The browser journeys run so too: each
    worker serves the demo from a live server and a database of its own (``tests/e2e/conftest.py``),
    and a module's journeys, which may build on each other, stay together."""
    # schemathesis gives the tests of every API operation one node id (the operation is only in the
    # item's name); xdist schedules by node id and would run one of them. Each gets its own id.
    counts = collections.Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and "[" in item.name and not item.nodeid.endswith("]"):
            from _pytest.nodes import coerce_node_id  # pytest 9 keeps the id here (pinned)

            item._id = coerce_node_id(item.nodeid + item.name[item.name.index("[") :])
    assert len({item.nodeid for item in items}) == len(items), "two tests have the same node id"
    _e2e_files_found(items)
    for item in items:
        item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


E2E_MARK_TEXT = "pytest.mark.e2e"  # what the Makefile's E2E_FILES looks for in test_*.py files


def _e2e_files_found(items) -> None:
    """``make test`` runs the tests marked e2e apart, collecting only the ``test_*.py`` files whose text
    names the mark (``E2E_FILES``): a test marked some other way would never run there, nor in the run
    of the others (``-m "not e2e"``). Any run that collects it fails here instead."""
    sources: dict = {}
    for item in items:
        if item.get_closest_marker("e2e") is None:
            continue
        path = item.path
        if path not in sources:
            sources[path] = path.name.startswith("test_") and E2E_MARK_TEXT in path.read_text(encoding="utf-8")
        if not sources[path]:
            raise pytest.UsageError(f"{item.nodeid} is marked e2e, but make's E2E_FILES would not find its file")


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: browser test against a live server with its own database")
    config.addinivalue_line("markers", "makes_requests: keeps its requests out of any app context the test opens")


def _prepare_postgres(url: str) -> None:
    """Create the test database if needed and empty its schema."""
    import psycopg

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')
        # A test database need not wait for each commit to reach the disk (a crash loses the last
        # commits, never consistency): the browser journeys and the races commit for real.
        conn.execute(f'ALTER DATABASE "{parsed.database}" SET synchronous_commit TO off')
    with psycopg.connect(
        parsed.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
    ) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def fresh_database_url(tmp_path_factory, name: str) -> str:
    """A new, empty database migrated to head: a temp SQLite file, or a PostgreSQL database."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        url = make_url(normalise_database_url(base))
        database = url.database if name == "main" else f"{url.database}_{name}"
        # Each xdist worker (``make test`` runs two or more) has databases of its own.
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        url = url.set(database=f"{database}_{worker}" if worker else database)
        rendered = url.render_as_string(hide_password=False)
        _prepare_postgres(rendered)
    else:
        rendered = f"sqlite:///{tmp_path_factory.mktemp('db') / f'{name}.sqlite3'}"
    upgrade(rendered)
    return rendered


def upgrade(url: str) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig(os.path.join(os.path.dirname(__file__), "..", "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")


def make_app(url: str, **overrides):
    from app import create_app

    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    for key, value in overrides.items():
        setattr(config, key, value)
    return create_app(config)


def default_session_factory() -> None:
    """The scoped session back to binding to the current app's engine (a test that bound it elsewhere,
    or made another app, puts it back)."""
    from app.extensions import db

    db.session.remove()
    db.session_factory.configure(bind=None, join_transaction_mode="conditional_savepoint")


@contextlib.contextmanager
def own_database(tmp_path_factory, app, name: str, url_suffix: str = "", **overrides):
    """An app on a new database of its own (what it commits is committed, as in production), its URL
    followed by ``url_suffix`` (connection options) and its config by ``overrides``. Afterwards the
    session app is put back: the key that seals chains and the folder that keeps documents outside
    an app context are the last app's (``audit.configure``, ``documents.remember_app``)."""
    from app.core import audit, documents

    url = fresh_database_url(tmp_path_factory, name)
    overrides.setdefault("UPLOAD_FOLDER", str(tmp_path_factory.mktemp(f"{name}-uploads")))
    other = make_app(url + url_suffix, **overrides)
    default_session_factory()
    try:
        yield other
    finally:
        default_session_factory()
        other.extensions["db_engine"].dispose()
        audit.configure(app)
        documents.remember_app(app)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return fresh_database_url(tmp_path_factory, "main")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    return make_app(database_url, UPLOAD_FOLDER=str(tmp_path_factory.mktemp("uploads")))


@pytest.fixture(autouse=True)
def _isolated(request, app):
    """Run each test in a transaction rolled back at the end (browser tests use their own database)."""
    if request.node.get_closest_marker("e2e"):
        yield
        return
    from app.core import audit
    from app.core import documents as core_documents
    from app.core.db import begin_mode
    from app.extensions import db, limiter

    limiter.reset()
    # Code run outside an app context seals chains with the key, and stores documents in the folder,
    # of the app made last: a test that made another app (another key, another folder) must not leave
    # them to the next test (under xdist any module may come next).
    audit.configure(app)
    core_documents.remember_app(app)
    engine = app.extensions["db_engine"]
    with begin_mode("IMMEDIATE"):
        connection = engine.connect()
        outer = connection.begin()
    db.session_factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        db.session.remove()
        db.session_factory.configure(bind=None, join_transaction_mode="conditional_savepoint")
        outer.rollback()
        connection.close()


@pytest.fixture
def session(app):
    from app.extensions import db

    return db.session


# ---- factories ---------------------------------------------------------------------------

_seq = itertools.count(1)


@pytest.fixture(scope="session")
def password_hash():
    from app.auth.passwords import hash_password

    return hash_password(PASSWORD)


def new_centre(session, code=None, parent=None, level=None, name_zh=None, **kw):
    """A centre (committed): ``make_centre`` without the fixture, for worlds built once per session."""
    from app.centres.models import Centre, CentreLevel

    code = code or f"T{next(_seq)}"
    level = level or (CentreLevel.PROVINCIAL if parent is None else CentreLevel.MUNICIPAL)
    centre = Centre(
        code=code,
        name_zh=name_zh or f"{code}维权援助中心",
        name_en=f"{code} centre",
        level=level,
        parent=parent,
        path="/",
        **kw,
    )
    session.add(centre)
    session.flush()
    centre.assign_path()
    session.commit()
    return centre


def new_user(session, password_hash, role=None, centre=None, email=None, name=None, **kw):
    """A user (committed): ``make_user`` without the fixture."""
    from app.auth.models import Role, User

    role = Role(role or Role.CASEWORKER)
    if role is Role.APPLICANT and "privacy_notice_version" not in kw:
        # Applicants agreed to the privacy notice (app.privacy) unless a test says otherwise.
        from app.core.db import utcnow
        from app.privacy.notice import NOTICE_VERSION

        kw.update(privacy_notice_version=NOTICE_VERSION, privacy_consented_at=utcnow())
    user = User(
        email=email or f"user{next(_seq)}@example.cn",
        name=name or f"测试用户{next(_seq)}",
        role=role,
        centre=centre if role is not Role.APPLICANT else None,
        password_hash=password_hash,
        **kw,
    )
    session.add(user)
    session.commit()
    return user


def new_enterprise(
    session,
    centre,
    members=(),
    name=None,
    industry=None,
    staff=50,
    revenue="1000",
    assets=None,
    pending=(),
    **kw,
):
    """An enterprise (committed) with its active and pending members: ``make_enterprise`` without the fixture."""
    from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus
    from app.enterprises.sme_size import Industry

    code = valid_credit_code()
    firm = Enterprise(
        credit_code=code,
        region_code=code[2:8],
        name=name or f"测试企业{next(_seq)}有限公司",
        industry=industry or Industry.INDUSTRY,
        staff_count=staff,
        revenue_wan=Decimal(revenue),
        assets_wan=Decimal(assets) if assets is not None else None,
        centre=centre,
        **kw,
    )
    firm.refresh_size_class()
    session.add(firm)
    for user in members:
        session.add(EnterpriseMember(enterprise=firm, user=user, status=MembershipStatus.ACTIVE))
    for user in pending:
        session.add(EnterpriseMember(enterprise=firm, user=user, status=MembershipStatus.PENDING))
    session.commit()
    return firm


@pytest.fixture
def make_centre(session):
    return functools.partial(new_centre, session)


@pytest.fixture
def make_user(session, password_hash):
    return functools.partial(new_user, session, password_hash)


@pytest.fixture
def make_enterprise(session):
    return functools.partial(new_enterprise, session)


class World:
    pass


def build_world(make_centre, make_user, make_enterprise) -> World:
    """The ``world`` from the three factories (fixtures, or ``functools.partial``s of the ``new_*`` functions)."""
    from app.auth.models import Role
    from app.centres.models import CentreLevel

    w = World()
    w.province = make_centre("PA", level=CentreLevel.PROVINCIAL)
    w.city = make_centre("CA", parent=w.province, level=CentreLevel.MUNICIPAL)
    w.county = make_centre("CAC", parent=w.city, level=CentreLevel.COUNTY)
    w.sibling = make_centre("CB", parent=w.province, level=CentreLevel.MUNICIPAL)
    w.other_province = make_centre("PB", level=CentreLevel.PROVINCIAL)
    w.users = {role.value: make_user(role, centre=w.city, email=f"{role.value}@city.cn") for role in Role}
    w.province_admin = make_user(Role.ADMIN, centre=w.province, email="admin@province.cn")
    w.sibling_caseworker = make_user(Role.CASEWORKER, centre=w.sibling, email="cw@sibling.cn")
    w.sibling_admin = make_user(Role.ADMIN, centre=w.sibling, email="admin@sibling.cn")
    w.applicant = w.users["applicant"]
    w.enterprise = make_enterprise(w.city, members=[w.applicant], name="本市企业有限公司")
    w.county_enterprise = make_enterprise(w.county, name="县级企业有限公司")
    w.other_applicant = make_user(Role.APPLICANT, email="other@firm.cn")
    w.other_enterprise = make_enterprise(w.sibling, members=[w.other_applicant], name="邻市企业有限公司")
    w.far_enterprise = make_enterprise(w.other_province, name="外省企业有限公司")
    return w


@pytest.fixture
def world(make_centre, make_user, make_enterprise):
    """Two provinces; the first has a city with a county below it. One user of every role at the city,
    an applicant per enterprise, and objects in a sibling city and another province for scope checks."""
    return build_world(make_centre, make_user, make_enterprise)


# ---- clients -----------------------------------------------------------------------------


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(app):
    """A test client logged in as ``user`` through the real login form."""

    def do_login(user, password=PASSWORD):
        c = app.test_client()
        response = post_form(c, "/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c

    return do_login


# ---- cases -------------------------------------------------------------------------------

VALID_UTILITY_MODEL = "202320123456.1"
ALL_CONDITIONS = {
    "real_name": True,
    "named_respondent": True,
    "facts_and_evidence": True,
    "within_jurisdiction": True,
    "not_pending_elsewhere": True,
}

# The actions (by a caseworker unless noted) that bring a complaint filed on the web to each state.
PATH_TO_STATE = {
    "draft": [],
    "submitted": ["submit"],
    "acknowledged": ["submit", "acknowledge"],
    "awaiting_material": ["submit", "acknowledge", "request_material"],
    "accepted": ["submit", "acknowledge", "accept"],
    "declined": ["submit", "acknowledge", "decline"],
    "in_progress": ["submit", "acknowledge", "accept", "start_handling"],
    "resolved": ["submit", "acknowledge", "accept", "start_handling", "resolve"],
    "closed": ["submit", "acknowledge", "accept", "start_handling", "resolve", "inform_outcome", "close"],
    "withdrawn": ["submit", "withdraw"],
}
ACTION_INPUT = {
    "request_material": {"comment": "请补充侵权产品购买凭证"},
    "provide_material": {"comment": "已上传购买凭证"},
    "accept": {"data": {"conditions": ALL_CONDITIONS}},
    "decline": {"comment": "证据不足", "data": {"reason": "insufficient_evidence"}},
    "answer": {"comment": "答复内容"},
    "resolve": {"comment": "双方达成和解"},
    "inform_outcome": {"comment": "已电话告知申请人", "data": {"method": "phone"}},
    "close": {"comment": "结案"},
    "withdraw": {"comment": "申请人撤回"},
    "reopen": {"comment": "申请人提出新证据"},
    "rate": {"data": {"rating": 5}},
    "inform_decision": {"comment": "已电话告知受理决定", "data": {"method": "phone"}},
    "offer_handover": {"data": {"to_user": "caseworker@city.cn"}},
    "decline_handover": {"comment": "本周外出，无法接手"},
    "offer_transfer": {"comment": "属邻市管辖，移交邻市中心", "data": {"to_centre": "CB"}},
    "decline_transfer": {"comment": "不属本中心管辖"},
}


def new_case(session, applicant, enterprise, state="submitted", staff=None, ip_number=VALID_UTILITY_MODEL, **fields):
    """``make_case`` without the fixture: a complaint filed on the web as a draft, driven to ``state``."""
    from app.cases import services

    values = {
        "kind": "complaint",
        "channel": "web",
        "title": "实用新型专利被仿冒",
        "rights": [{"type": "utility_model", "number": ip_number, "title": "一种折叠式支架"}],
        "respondents": [{"name": "某某科技有限公司"}],
        "facts": "被投诉人在电商平台销售与本专利相同的产品。",
        "help_wanted": "请求调解并制止侵权",
        "claimed_amount_fen": 5_000_000,
    }
    values.update(fields)
    case = services.create_case(applicant, enterprise=enterprise, draft=True, **values)
    for action in PATH_TO_STATE[state]:
        actor = applicant if action in ("submit", "withdraw") else staff
        assert actor is not None, f"a staff member is needed to reach {state}"
        services.transition(case, action, actor, **ACTION_INPUT.get(action, {}))
    session.commit()
    return case


@pytest.fixture
def make_case(session):
    """``make_case(applicant, enterprise, state="acknowledged", staff=caseworker, **fields)``: a complaint
    filed by the applicant on the web (a draft), then driven through the one door to ``state``."""
    return functools.partial(new_case, session)


# ---- SQL statement counting ---------------------------------------------------------------


@pytest.fixture
def count_statements(app):
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")):
                statements.append(statement)

        engine = app.extensions["db_engine"]
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


# ---- mail ------------------------------------------------------------------------------------------


@pytest.fixture
def smtp(app, monkeypatch):
    """``smtp(handler)``: a server on a free port that the app sends through; ``smtp(None)``: a port
    where nothing listens."""
    from aiosmtpd.controller import Controller

    from tests.clocks.test_mail import free_port

    controllers = []

    def start(handler):
        port = free_port()
        if handler is not None:
            controller = Controller(handler, hostname="127.0.0.1", port=port)
            controller.start()
            controllers.append(controller)
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        return handler

    yield start
    for controller in controllers:
        controller.stop()
