"""The production stack (Dockerfile, compose.yaml) says what the code does.

A machine without a container engine cannot build the image or start the stack, so these tests
read the files and hold them against the code: the services the issue names, cron lines that call
commands (and options) the app really has, healthchecks on real routes, environment variables that
config.py (or the image) really reads, an image set up by the Makefile's own targets, and the one
proxy hop the app believes.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import click
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_IMAGE_SERVICES = ("migrate", "web", "cron", "test")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dockerfile():
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def unescape(text: str) -> str:
    """Compose turns ``$$`` into ``$`` in the configs' content."""
    return text.replace("$$", "$")


def crontab_jobs(compose) -> list[tuple[list[str], str]]:
    jobs = []
    for line in unescape(compose["configs"]["crontab"]["content"]).splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            fields = line.split(None, 5)
            jobs.append((fields[:5], fields[5]))
    return jobs


def flask_invocations(command: str) -> list[list[str]]:
    """The arguments after ``flask --app wsgi`` of each flask call in a shell command line."""
    calls = []
    for part in re.split(r"&&|\|\||;", command):
        tokens = shlex.split(part)
        if "flask" not in tokens:
            continue
        args = tokens[tokens.index("flask") + 1 :]
        assert args[:2] == ["--app", "wsgi"], part
        args = args[2:]
        calls.append([t for t in args if not re.match(r"^\d*>", t)])
    return calls


def resolve(app, args: list[str]) -> tuple[click.Command, list[str]]:
    """The click command named by the leading words of args, and the remaining arguments."""
    command: click.Command = app.cli
    with click.Context(app.cli) as ctx:
        while isinstance(command, click.Group) and args and not args[0].startswith("-"):
            sub = command.get_command(ctx, args[0])
            assert sub is not None, f"no command {args[0]!r} under {command.name!r}"
            command, args = sub, args[1:]
    assert not isinstance(command, click.Group), f"{command.name!r} is a group, not a command"
    return command, args


CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def valid_cron_field(field: str, low: int, high: int) -> bool:
    for item in field.split(","):
        base, _, step = item.partition("/")
        if step and not step.isdigit():
            return False
        if base == "*":
            continue
        bounds = base.split("-")
        if len(bounds) > 2 or not all(b.isdigit() and low <= int(b) <= high for b in bounds):
            return False
    return True


def test_the_services_the_issue_names_exist(compose):
    assert {"db", "redis", "migrate", "web", "cron", "proxy", "test"} <= set(compose["services"])
    assert compose["services"]["db"]["image"].startswith("postgres:")
    assert compose["services"]["redis"]["image"].startswith("redis:")
    assert compose["services"]["proxy"]["image"].startswith("caddy:")


def test_migrations_run_once_before_the_app_starts(compose):
    services = compose["services"]
    assert services["migrate"]["command"] == ["alembic", "upgrade", "head"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "cron"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_every_cron_line_calls_a_real_command_with_real_options(app, compose):
    jobs = crontab_jobs(compose)
    called = set()
    for schedule, command in jobs:
        assert all(valid_cron_field(f, lo, hi) for f, (lo, hi) in zip(schedule, CRON_RANGES, strict=True)), schedule
        invocations = flask_invocations(command)
        assert invocations, command
        for args in invocations:
            cmd, rest = resolve(app, args)
            options = {opt for param in cmd.params for opt in param.opts}
            for token in rest:
                if token.startswith("--"):
                    assert token.split("=")[0] in options, f"{' '.join(args)}: no option {token}"
            called.add(" ".join(a for a in args if not a.startswith("-") and a not in rest))
    assert {"sla-scan", "reports issue", "reports annual-drafts", "backup create", "audit-verify"} <= called
    schedules = {" ".join(flask_invocations(c)[0][:2]): s for s, c in jobs}
    assert "1" in schedules["reports issue"][2]  # the first of the month
    assert schedules["reports annual-drafts"][3] == "1"  # January
    assert schedules["backup create"][2:] == ["*", "*", "*"]  # nightly
    assert schedules["audit-verify"][2:] == ["*", "*", "*"]


def test_backups_go_into_a_dated_folder_of_the_backup_volume(compose):
    (command,) = [c for _, c in crontab_jobs(compose) if "backup create" in c]
    assert "--to /backups/$(date -I)" in command
    assert "backups:/backups" in compose["services"]["cron"]["volumes"]
    # Every job's output reaches the container's log, and nothing is mailed by the cron daemon.
    for _, command in crontab_jobs(compose):
        assert command.count(">/proc/1/fd/1") == command.count("flask") + command.count("find "), command


def _get_paths(app) -> set[str]:
    return {rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def test_healthchecks_probe_real_routes(app, compose):
    routes = _get_paths(app)
    web_check = " ".join(compose["services"]["web"]["healthcheck"]["test"])
    (ready,) = re.findall(r"http://127\.0\.0\.1:8000(/\w+)", web_check)
    assert ready == "/readyz" and ready in routes
    caddyfile = compose["configs"]["caddyfile"]["content"]
    (live,) = re.findall(r"health_uri (\S+)", caddyfile)
    assert live == "/healthz" and live in routes
    assert "reverse_proxy web:8000" in caddyfile


def test_the_app_environment_is_what_config_reads(compose, dockerfile):
    services = compose["services"]
    readers = (ROOT / "config.py").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "app").rglob("*.py")
    )
    # Read by the image's command and crontab, by the Makefile and the suite, or by libpq.
    others = dockerfile + unescape(compose["configs"]["crontab"]["content"])
    others += (ROOT / "Makefile").read_text(encoding="utf-8")
    others += "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py") if p.name != "test_stack.py"
    )
    for name in APP_IMAGE_SERVICES:
        environment = services[name]["environment"]
        for variable in environment:
            if variable == "PGPASSWORD":
                continue
            assert f'"{variable}"' in readers or variable in others, f"{name}: nobody reads {variable}"
    production = services["web"]["environment"]
    assert production["APP_ENV"] == "production"
    assert production["SECRET_KEY"].startswith("${SECRET_KEY:?")  # compose refuses to start without it
    assert production["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in production["DATABASE_URL"]
    assert production["REDIS_URL"] == "redis://redis:6379/0"
    assert production["PROXY_FIX_HOPS"] == "1"
    assert production["UPLOAD_FOLDER"] == "/data/uploads"
    for name in ("web", "cron"):
        assert "uploads:/data/uploads" in services[name]["volumes"]


def test_the_image_is_set_up_by_the_makefile_targets(dockerfile):
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    deb_packages = set(re.search(r"^DEB_PACKAGES := (.*?)(?<!\\)$", makefile, re.M | re.S).group(1).split()) - {"\\"}
    assert {"python3", "chromium", "fonts-noto-cjk"} <= deb_packages
    # No Debian package of the Makefile's list is installed by the Dockerfile itself: it runs the target.
    own_installs = " ".join(re.findall(r"apt-get install[^&]*", dockerfile))
    assert not deb_packages & set(own_installs.split()), own_installs
    targets = []
    for run in re.findall(r"^RUN (.*?)(?<!\\)$", dockerfile, re.M | re.S):
        for call in re.findall(r"(?:^|&&)\s*make ([\w -]+)", run):  # make the command, not the package
            targets += [t for t in call.split() if not t.startswith("-")]
    assert {"system-deps", "venv", "translations", "static-gz"} <= set(targets)
    copied = dockerfile.index("COPY Makefile requirements.txt requirements-dev.txt ./")
    assert copied < dockerfile.index("make system-deps venv")
    # Each target exists (`make -n` plans it without running anything).
    result = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "--no-print-directory", *targets], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    user = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user and user[-1] not in ("root", "0")
    assert "UPLOAD_FOLDER=/data/uploads" in dockerfile


def test_the_app_believes_exactly_the_configured_proxy_hops(database_url):
    from flask import request

    from tests.conftest import make_app

    def seen(hops: int, **headers) -> str:
        app = make_app(database_url, PROXY_FIX_HOPS=hops)
        app.add_url_rule("/_probe", "probe", lambda: f"{request.remote_addr} {request.scheme}")
        response = app.test_client().get("/_probe", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"})
        return response.get_data(as_text=True)

    forwarded = {"X-Forwarded-For": "6.6.6.6, 203.0.113.7", "X-Forwarded-Proto": "https"}
    assert seen(1, **forwarded) == "203.0.113.7 https"  # the proxy's own entry, not the client's claim
    assert seen(0, **forwarded) == "10.0.0.2 http"  # no proxy: the headers are the client's, ignored
