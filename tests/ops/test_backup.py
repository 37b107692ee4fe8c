"""Backups: ``backup create`` → ``backup verify`` → ``backup restore`` onto an empty installation, after
which ``audit-verify`` and ``fund-verify`` pass and every table has the rows it had; and the refusals
(a non-empty backup directory, a changed or missing file, a corrupted manifest, a non-empty target,
a backup of a newer schema or of another kind of database), each leaving everything as it was.

Runs on the suite's database (SQLite, or PostgreSQL with ``TEST_DATABASE_URL``) with databases of its
own: a source with a small world (cases with evidence and issued, signed PDFs; a fund with its
ledger) and an empty target migrated to head.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.ops import backup
from tests.conftest import (
    build_world,
    fresh_database_url,
    make_app,
    new_case,
    new_centre,
    new_enterprise,
    new_user,
)
from tests.helpers import PASSWORD

# It commits for real, on databases of its own: the per-test rollback stays out.
pytestmark = pytest.mark.e2e


def counts_of(url: str) -> dict[str, int]:
    engine = backup._engine(url)
    try:
        with engine.connect() as conn:
            return backup._counts(conn)
    finally:
        engine.dispose()


def tree(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``folder``: relative path -> (sha256, permissions)."""
    return {
        relative: (backup.sha256_of(path), path.stat().st_mode & 0o777) for path, relative in backup._walk_files(folder)
    }


def invoke(app, *args):
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A running installation: two cases of a centre that signs its documents (accepted, closed), an
    evidence PDF, and a fund with a grant and a member's contribution."""
    from werkzeug.datastructures import FileStorage

    from app.auth.passwords import hash_password
    from app.cases.attachments import add_attachment
    from app.core import documents, signing
    from app.extensions import db
    from app.fund import services as fund
    from tests.core.test_filetypes import sample_pdf
    from tests.core.test_signing import PASSPHRASE, self_signed

    url = fresh_database_url(tmp_path_factory, "backup_src")
    app = make_app(url, UPLOAD_FOLDER=str(tmp_path_factory.mktemp("backup-src-uploads")))
    documents.remember_app(app)
    with app.app_context():
        s = db.session
        w = build_world(
            functools.partial(new_centre, s),
            functools.partial(new_user, s, hash_password(PASSWORD)),
            functools.partial(new_enterprise, s),
        )
        signing.set_certificate(None, w.city, self_signed()[0], PASSPHRASE)
        s.commit()
        caseworker = w.users["caseworker"]
        accepted = new_case(s, w.applicant, w.enterprise, state="accepted", staff=caseworker)
        new_case(s, w.applicant, w.enterprise, state="closed", staff=caseworker)
        add_attachment(accepted, w.applicant, FileStorage(BytesIO(sample_pdf()), filename="证据.pdf"))
        s.commit()
        f = fund.create_fund(w.province_admin, w.province, "本省海外知识产权维权互助基金")
        m = fund.add_membership(
            w.province_admin, f, w.enterprise, starts_on="2025-01-01", ends_on="2027-12-31", contribution_fen=100_000
        )
        fund.record_contribution(w.province_admin, m, 100_000, occurred_on="2025-01-10", reference="回单 0001")
        fund.record_income(w.province_admin, f, "grant", 2_000_000, occurred_on="2025-02-01", reference="拨款")
        s.commit()
        s.remove()
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture(scope="module")
def made(source, tmp_path_factory):
    """The backup of the source, made with the command."""
    to = tmp_path_factory.mktemp("backups") / "nightly"
    code, output = invoke(source, "backup", "create", "--to", to)
    assert code == 0, output
    assert f"Backup written to {to}" in output
    return to


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    """An empty installation: a database just migrated to head, no upload folder yet."""
    url = fresh_database_url(tmp_path_factory, "backup_dst")
    folder = tmp_path_factory.mktemp("backup-dst") / "uploads"
    app = make_app(url, UPLOAD_FOLDER=str(folder))
    yield app
    app.extensions["db_engine"].dispose()


def target_of(app) -> tuple[str, Path]:
    return app.config["SQLALCHEMY_DATABASE_URI"], Path(app.config["UPLOAD_FOLDER"])


def assert_untouched(app) -> None:
    """The target still empty: no row in any table, no upload folder."""
    url, folder = target_of(app)
    assert not any(counts_of(url).values())
    assert not folder.exists()


@pytest.fixture
def copy(made, tmp_path):
    """A copy of the backup to damage."""
    dest = tmp_path / "copy"
    shutil.copytree(made, dest)
    return dest


def rewrite_manifest(backup_dir: Path, change) -> None:
    """Change the manifest and give it a matching checksum (a well-formed manifest saying something else)."""
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    change(manifest)
    data = json.dumps(manifest).encode()
    (backup_dir / "manifest.json").write_bytes(data)
    (backup_dir / "manifest.sha256").write_text(f"{hashlib.sha256(data).hexdigest()}  manifest.json\n")


# ---- creating and verifying ------------------------------------------------------------------------------


def test_the_backup_holds_the_database_every_file_and_a_manifest(source, made):
    manifest = json.loads((made / "manifest.json").read_text())
    kind = make_url(source.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    assert manifest["database"]["kind"] == kind
    assert manifest["database"]["alembic_revision"] == backup.head_revision()
    assert manifest["counts"] == counts_of(source.config["SQLALCHEMY_DATABASE_URI"])
    assert manifest["counts"]["cases"] == 2 and manifest["counts"]["fund_ledger"] >= 2
    listed = {e["path"]: e for e in manifest["files"]}
    stored = tree(Path(source.config["UPLOAD_FOLDER"]))
    assert {p for p in listed if p.startswith("files/")} == {f"files/{p}" for p in stored}
    assert {p.split("/")[1] for p in listed if p.startswith("files/")} == {"documents", "evidence", "signing"}
    for relative, (digest, mode) in stored.items():
        assert listed[f"files/{relative}"]["sha256"] == digest
        assert (made / "files" / relative).stat().st_mode & 0o777 == mode
    assert (made / "files" / "signing").stat().st_mode & 0o777 == 0o700  # the keys stay private
    assert made.stat().st_mode & 0o777 == 0o700  # so does everyone's personal data
    assert (made / manifest["database"]["file"]).stat().st_mode & 0o777 == 0o600
    assert manifest["database"]["file"] in listed and not (made / ".partial").exists()
    sums = (made / "manifest.sha256").read_text().split()
    assert sums == [hashlib.sha256((made / "manifest.json").read_bytes()).hexdigest(), "manifest.json"]

    code, output = invoke(source, "backup", "verify", made)
    assert code == 0, output
    assert "Backup verified" in output


def test_a_directory_that_is_not_empty_is_refused_with_nothing_written(source, tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    code, output = invoke(source, "backup", "create", "--to", tmp_path)
    assert code == 1
    assert "is not empty" in output and "Nothing was written" in output
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_an_interrupted_backup_leaves_nothing_and_is_never_taken_for_complete(source, tmp_path, monkeypatch):
    calls = []

    def fail_on_second(src, dst):
        calls.append(src)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(src, dst)

    real = backup._copy
    monkeypatch.setattr(backup, "_copy", fail_on_second)
    to = tmp_path / "new"
    with pytest.raises(OSError):
        backup.create(source.config["SQLALCHEMY_DATABASE_URI"], source.config["UPLOAD_FOLDER"], to)
    assert not to.exists()
    # A backup killed midway (its staging folder left behind) does not verify, and is not written over.
    (to / ".partial" / "database").mkdir(parents=True)
    _manifest, problems = backup.verify(to)
    assert [p.path for p in problems] == [".partial", "manifest.json", "manifest.sha256"]
    with pytest.raises(backup.BackupError, match="interrupted backup"):
        backup.create(source.config["SQLALCHEMY_DATABASE_URI"], source.config["UPLOAD_FOLDER"], to)


def test_a_changed_missing_or_extra_file_is_named_and_nothing_is_restored(copy, target):
    manifest = json.loads((copy / "manifest.json").read_text())
    evidence = next(e["path"] for e in manifest["files"] if e["path"].startswith("files/evidence/"))
    document = next(e["path"] for e in manifest["files"] if e["path"].startswith("files/documents/"))
    path = copy / evidence
    data = path.read_bytes()
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one bit, same size
    (copy / document).unlink()
    (copy / "files" / "evidence" / "planted.pdf").write_bytes(b"%PDF-1.4")

    code, output = invoke(target, "backup", "verify", copy)
    assert code == 1
    assert f"BAD {evidence}: changed" in output
    assert f"BAD {document}: missing" in output
    assert "BAD files/evidence/planted.pdf: extra" in output

    code, output = invoke(target, "backup", "restore", "--from", copy)
    assert code == 1
    assert "nothing was restored" in output and evidence in output
    assert_untouched(target)


def test_a_corrupted_or_missing_manifest_is_refused(copy, target):
    data = (copy / "manifest.json").read_bytes()
    (copy / "manifest.json").write_bytes(data.replace(b'"sha256": "', b'"sha256": "0', 1))
    code, output = invoke(target, "backup", "verify", copy)
    assert code == 1
    assert "BAD manifest.json: changed" in output
    code, output = invoke(target, "backup", "restore", "--from", copy)
    assert code == 1 and "manifest.json: changed" in output
    assert_untouched(target)

    (copy / "manifest.sha256").unlink()
    code, output = invoke(target, "backup", "verify", copy)
    assert code == 1 and "BAD manifest.sha256: missing" in output


# ---- restoring ----------------------------------------------------------------------------------------------


def test_a_restore_onto_a_database_or_folder_that_is_not_empty_is_refused(source, made, target, tmp_path):
    url = source.config["SQLALCHEMY_DATABASE_URI"]
    before = counts_of(url)
    with pytest.raises(backup.BackupError, match=r"target database is not empty \(table \w+ has rows\)"):
        backup.restore(made, url, tmp_path / "uploads")
    assert counts_of(url) == before
    assert not (tmp_path / "uploads").exists()

    url, _folder = target_of(target)
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "left-over").write_text("x")
    with pytest.raises(backup.BackupError, match="upload folder .* is not empty"):
        backup.restore(made, url, tmp_path / "uploads")
    assert [p.name for p in (tmp_path / "uploads").iterdir()] == ["left-over"]
    assert_untouched(target)


def test_a_backup_of_a_newer_schema_is_refused(copy, target):
    rewrite_manifest(copy, lambda m: m["database"].update(alembic_revision="fedcba987654"))
    assert backup.verify(copy)[1] == []  # a well-formed backup…
    code, output = invoke(target, "backup", "restore", "--from", copy)
    assert code == 1
    assert "fedcba987654" in output and "newer version" in output and "newer schema" in output
    assert_untouched(target)


def test_a_backup_of_another_kind_of_database_is_refused(made, target, tmp_path):
    kind = json.loads((made / "manifest.json").read_text())["database"]["kind"]
    other = (
        f"sqlite:///{tmp_path / 'other.sqlite3'}"
        if kind == "postgresql"
        else "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"
    )
    with pytest.raises(backup.BackupError, match="restore it onto a"):
        backup.restore(made, other, tmp_path / "uploads")
    assert not (tmp_path / "uploads").exists() and not (tmp_path / "other.sqlite3").exists()


def test_a_pg_dump_older_than_the_server_is_refused(source, tmp_path, monkeypatch):
    url = source.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("pg_dump is PostgreSQL's")
    monkeypatch.setattr(backup, "_tool_major", lambda path: 9)
    with pytest.raises(backup.BackupError, match=r"pg_dump is version 9 but the database server is PostgreSQL \d+"):
        backup.create(url, source.config["UPLOAD_FOLDER"], tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_the_round_trip_restores_everything_and_verifies(source, made, target, tmp_path):
    """Last: restores into the target the tests above kept empty. From a copy of the backup taken off-site
    without its permissions (``cp -r``): the restored keys are private again all the same."""
    from app.centres.models import Centre
    from app.core import signing
    from app.extensions import db

    off_site = tmp_path / "off-site"
    shutil.copytree(made, off_site, copy_function=shutil.copyfile)
    code, output = invoke(target, "backup", "restore", "--from", off_site)
    assert code == 0, output
    assert "Restored from" in output

    url, folder = target_of(target)
    assert counts_of(url) == counts_of(source.config["SQLALCHEMY_DATABASE_URI"])
    assert tree(folder) == tree(Path(source.config["UPLOAD_FOLDER"]))  # same bytes, same permissions
    assert (folder / "signing").stat().st_mode & 0o777 == 0o700

    code, output = invoke(target, "audit-verify")
    assert code == 0, output
    assert "audit chains verified" in output
    code, output = invoke(target, "fund-verify")
    assert code == 0, output
    assert json.loads(output)["problems"] == [] and json.loads(output)["entries"] >= 2
    with target.app_context():  # the centre's signing key came back and opens with the server's secret
        city = db.session.query(Centre).filter_by(code="CA").one()
        assert signing.certificate_of(city) is not None
        db.session.remove()

    code, output = invoke(target, "backup", "restore", "--from", made)  # a second time: no longer empty
    assert code == 1 and "not empty" in output


def test_the_password_reaches_pg_dump_through_the_environment_only():
    args, env = backup._pg_args("postgresql+psycopg://ipaid:s3cr%40t@db.internal:5433/ipaid?sslmode=require")
    assert args == ["--host", "db.internal", "--port", "5433", "--username", "ipaid", "--dbname", "ipaid"]
    assert env["PGPASSWORD"] == "s3cr@t" and env["PGSSLMODE"] == "require"


def test_an_older_backup_is_restored_into_a_database_without_tables_and_upgraded_to_head(
    tmp_path_factory, tmp_path, monkeypatch
):
    from alembic import command

    from tests.conftest import _prepare_postgres

    url = fresh_database_url(tmp_path_factory, "backup_old")
    command.downgrade(backup._alembic_config(url), "-1")  # an installation one migration behind
    previous = backup._script().get_revision(backup.head_revision()).down_revision

    def write_meanwhile(real):
        """The application commits a row while the database is being dumped."""

        def run(*args, **kw):
            engine = backup._engine(url)
            with engine.begin() as conn:
                conn.execute(
                    text("INSERT INTO calendar_years (year, entered_at, note) VALUES (2099, CURRENT_TIMESTAMP, '')")
                )
            engine.dispose()
            return real(*args, **kw)

        return run

    name = "_run" if url.startswith("postgresql") else "_read_only_sqlite"  # pg_dump / reading the copy
    monkeypatch.setattr(backup, name, write_meanwhile(getattr(backup, name)))
    manifest = backup.create(url, tmp_path / "none", tmp_path / "old")
    monkeypatch.undo()
    assert manifest["database"]["alembic_revision"] == previous and manifest["files"][1:] == []
    # The manifest describes what was dumped, not what the database held a moment before or after.
    assert manifest["counts"]["calendar_years"] == counts_of(url)["calendar_years"] - 1

    if url.startswith("postgresql"):
        target = make_url(url).set(database=make_url(url).database + "_dst").render_as_string(hide_password=False)
        _prepare_postgres(target)  # a database without any table
    else:
        target = f"sqlite:///{tmp_path / 'new.sqlite3'}"  # no database file at all yet
    backup.restore(tmp_path / "old", target, tmp_path / "uploads")
    restored = counts_of(target)
    assert {name: restored[name] for name in manifest["counts"]} == manifest["counts"]  # (restore checks it too)
    engine = backup._engine(target)
    try:
        with engine.connect() as conn:
            assert backup._revision(conn) == backup.head_revision()
    finally:
        engine.dispose()
