"""Browser tests: a live server on its own seeded database, driven by headless Chromium.

The server runs in a daemon thread of the test process and commits for real, so
it gets a database of its own (``fresh_database_url(..., "e2e")``) and these
tests are marked ``e2e`` (which turns off the rollback isolation of the unit
tests). CSRF protection stays on: the browser submits the real forms.

The message catalogs are compiled from the ``.po`` files into a temporary
directory for the live server, so the tests always see the current
translations whether or not ``pybabel compile`` has been run.

Screenshots of the key steps (and of any failing test's last page) are saved,
full page, to ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from config import TestingConfig
from tests.conftest import fresh_database_url, make_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _compile_catalogs(directories: str, target: Path) -> str:
    """Compile the ``.po`` files of the app's translation directories (``;``-separated) under ``target``.

    Each directory is mirrored as ``target/<n>/<locale>/LC_MESSAGES/<domain>.mo`` (fuzzy entries skipped,
    as ``pybabel compile`` does); the return value is the matching BABEL_TRANSLATION_DIRECTORIES.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for index, directory in enumerate(d for d in directories.split(";") if d):
        source = Path(directory)
        if not source.is_absolute():
            source = ROOT / source
        mirror = target / str(index)
        mirror.mkdir(parents=True, exist_ok=True)
        for po_path in source.glob("*/LC_MESSAGES/*.po"):
            mo_path = mirror / po_path.relative_to(source).with_suffix(".mo")
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as fh:
                catalog = read_po(fh, locale=po_path.parts[-3])
            with mo_path.open("wb") as fh:
                write_mo(fh, catalog, use_fuzzy=False)
        compiled.append(str(mirror))
    return ";".join(compiled)


def _default_session_factory() -> None:
    """Put the shared session factory back to its defaults (no bind: each app's own engine).

    The unit tests' ``_isolated`` fixture rebinds ``db.session_factory`` to a connection for each
    test and reconfigures it afterwards; the live server must not inherit any of that.
    """
    from app.extensions import db

    db.session.remove()
    db.session_factory.configure(bind=None, join_transaction_mode="conditional_savepoint")


_live: dict = {}


@pytest.fixture(autouse=True)
def _app_sessions():
    """Every browser test starts with the default session factory (other tests may have run before),
    and with a fresh login-throttling count on the live server: each journey logs in several times
    from 127.0.0.1, and the limit (tested in tests/auth) would otherwise carry over between tests."""
    _default_session_factory()
    app = _live.get("app")
    if app is not None:
        from app.extensions import limiter

        with app.app_context():
            limiter.reset()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of the app served on 127.0.0.1 (a free port) with the demo data loaded."""
    from werkzeug.serving import make_server

    from app.admin.demo import seed_demo
    from app.extensions import db

    url = fresh_database_url(tmp_path_factory, "e2e")
    translations = _compile_catalogs(TestingConfig.BABEL_TRANSLATION_DIRECTORIES, tmp_path_factory.mktemp("mo"))
    app = make_app(
        url,
        BABEL_TRANSLATION_DIRECTORIES=translations,
        UPLOAD_FOLDER=str(tmp_path_factory.mktemp("e2e-uploads")),
    )
    assert app.config["WTF_CSRF_ENABLED"]
    _default_session_factory()
    with app.app_context():
        seed_demo()
        db.session.commit()
        db.session.remove()

    _live["app"] = app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
        server.shutdown()
        thread.join(timeout=10)
        # After every journey (the demo's fund and whatever the journeys paid, refused or clawed back):
        # each fund is still what its ledger sums to, and every ledger entry what its chain sealed.
        _default_session_factory()
        result = app.test_cli_runner().invoke(args=["fund-verify"])
        assert result.exit_code == 0, result.output
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        engine = app.extensions.get("db_engine")
        if engine is not None:
            engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def artifacts_dir():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def page(request, browser, live_server, artifacts_dir):
    """A fresh browser context (locale zh-CN) per test; ``page.problems`` collects JS errors."""
    failed_shot = artifacts_dir / f"FAILED-{_slug(request.node.name)}.png"
    failed_shot.unlink(missing_ok=True)
    context = browser.new_context(
        locale="zh-CN",
        base_url=live_server,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    pg.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    pg.problems = problems
    try:
        yield pg
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            try:
                pg.screenshot(path=str(failed_shot), full_page=True)
            except Exception:  # the page may be gone already
                pass
        context.close()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


@pytest.fixture
def shot(page, request, artifacts_dir):
    """``shot("register-filled")`` saves a full-page screenshot named after the test and a step number."""
    test = _slug(request.node.name)
    for old in artifacts_dir.glob(f"{test}-[0-9][0-9]-*.png"):
        old.unlink()
    counter = iter(range(1, 100))

    def take(step: str) -> Path:
        path = artifacts_dir / f"{test}-{next(counter):02d}-{_slug(step)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll ``expression`` in the page until it is true. ``page.wait_for_function`` cannot serve: when
    its first check fails it polls by ``eval``, which the site's Content Security Policy forbids."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(100)
