"""Several gunicorn workers writing at once: no "database is locked", no 500, nothing lost.

Runs the real server (gunicorn, 3 workers) against a fresh database — a SQLite
file on the SQLite leg, where the WAL / busy timeout / BEGIN IMMEDIATE set-up
is what is being tested, and PostgreSQL on the other leg.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from app.auth.models import User
from app.enterprises.models import Enterprise, EnterpriseMember
from tests.conftest import fresh_database_url, make_app
from tests.helpers import valid_credit_code

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = fresh_database_url(tmp_path_factory, "gunicorn")
    app = make_app(url)
    with app.app_context():
        # What the registrations need: a centre serving enterprises (the whole demo takes far longer).
        from app.extensions import db
        from tests.conftest import new_centre, new_enterprise

        centre = new_centre(db.session, code="LOAD")
        new_enterprise(db.session, centre)
        db.session.commit()
        db.session.remove()
    port = free_port()
    instance = tmp_path_factory.mktemp("instance")
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": url,
        "SECRET_KEY": "concurrency-test-secret",
        "INSTANCE_PATH": str(instance),
    }
    env.pop("REDIS_URL", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = (instance / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        [str(gunicorn), "--workers", "3", "--threads", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.terminate()
        pytest.fail("gunicorn did not start: " + (instance / "gunicorn.log").read_text()[-2000:])
    engine = create_engine(url)
    yield base, engine, instance / "gunicorn.log"
    proc.terminate()
    proc.wait(timeout=10)
    engine.dispose()
    log.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def register(base: str, email: str, credit_code: str, centre_id: int) -> int:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    html = opener.open(base + "/register", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {
        "csrf_token": token,
        "full_name": "并发测试",
        "email": email,
        "password": "Kx9-bridge-lantern",
        "confirm": "Kx9-bridge-lantern",
        "credit_code": credit_code,
        "name": "并发测试科技有限公司",
        "industry": "software_it",
        "staff_count": "12",
        "revenue_wan": "80",
        "centre_id": str(centre_id),
        "privacy_consent": "y",
    }
    try:
        return opener.open(base + "/register", urllib.parse.urlencode(data).encode(), timeout=60).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_parallel_registrations_all_succeed(server):
    base, engine, log = server
    with engine.connect() as conn:
        centre_id = conn.execute(select(func.min(Enterprise.centre_id))).scalar()
        users_before = conn.execute(select(func.count(User.id))).scalar()
    jobs = [(f"parallel{i}@load.cn", valid_credit_code()) for i in range(24)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda job: register(base, job[0], job[1], centre_id), jobs))
    assert statuses == [302] * len(jobs), statuses
    with engine.connect() as conn:
        assert conn.execute(select(func.count(User.id))).scalar() == users_before + len(jobs)
        codes = {code for _, code in jobs}
        assert conn.execute(select(func.count(Enterprise.id)).where(Enterprise.credit_code.in_(codes))).scalar() == len(
            jobs
        )
    assert "database is locked" not in log.read_text()


def test_racing_for_the_same_new_enterprise(server):
    """Six people register the same new firm at once: exactly one creates it, the others join or are told."""
    base, engine, log = server
    with engine.connect() as conn:
        centre_id = conn.execute(select(func.min(Enterprise.centre_id))).scalar()
    code = valid_credit_code()
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda i: register(base, f"racer{i}@load.cn", code, centre_id), range(6)))
    assert all(s in (302, 422) for s in statuses), statuses
    assert statuses.count(302) >= 1
    with engine.connect() as conn:
        firm_ids = conn.execute(select(Enterprise.id).where(Enterprise.credit_code == code)).scalars().all()
        assert len(firm_ids) == 1
        members = conn.execute(
            select(func.count(EnterpriseMember.id)).where(EnterpriseMember.enterprise_id == firm_ids[0])
        ).scalar()
        # every successful registration left exactly one membership, nobody half-registered
        assert members == statuses.count(302)
        racers = conn.execute(select(func.count(User.id)).where(User.email.like("racer%@load.cn"))).scalar()
        assert racers == statuses.count(302)
    assert "Traceback" not in log.read_text()
