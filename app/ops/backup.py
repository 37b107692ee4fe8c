"""Backups: the database through its own tool and every stored file, with a manifest of sha256 values.

A backup is a directory::

    manifest.json        what the backup holds: every file with its size and sha256, the kind of
                         database, its Alembic revision, the application's version, the time and
                         the number of rows of each table
    manifest.sha256      the manifest's own sha256 (``sha256sum -c manifest.sha256`` checks it)
    database/…           ``ipaid.pgdump`` (``pg_dump -Fc``) or ``ipaid.sqlite3`` (SQLite's online backup)
    files/…              a copy of the storage root (UPLOAD_FOLDER): evidence, issued documents,
                         the centres' signing keys…, with their permissions

It is written into ``DIR/.partial`` and moved into place at the end, the manifest's checksum last,
so an interrupted backup is never taken for a complete one. The database is dumped before the files
are copied: a file is stored before the row naming it commits, so every file the dump names is there.

``restore`` verifies the backup, refuses a target that is not empty, a backup of another kind of
database or of a schema this code does not know, then restores the database, copies the files and
upgrades the schema to head when the backup is older. Nothing here needs Flask: the functions take
the database URL and the storage folder (``app.ops.cli`` passes the app's).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import func, inspect, select, table, text
from sqlalchemy.engine import URL, make_url

FORMAT = 1
MANIFEST = "manifest.json"
MANIFEST_SHA = "manifest.sha256"
PARTIAL = ".partial"
DATABASE_DIR = "database"
FILES_DIR = "files"
DUMP_NAMES = {"postgresql": "ipaid.pgdump", "sqlite": "ipaid.sqlite3"}
CHUNK = 1024 * 1024
BASE_DIR = Path(__file__).resolve().parents[2]


class BackupError(Exception):
    """A refusal or failure, with a message for the operator; nothing was changed unless it says so."""


@dataclass(frozen=True)
class Problem:
    """Something wrong with a backup: ``path`` (relative to the backup) and what is wrong with it."""

    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


# ---- helpers -----------------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy(source: Path, target: Path) -> tuple[int, str]:
    """Copy ``source`` to ``target`` (new file, same permissions), fsynced; returns its size and sha256."""
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as src:  # first: a file gone meanwhile leaves nothing behind
        mode = os.fstat(src.fileno()).st_mode & 0o777
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for block in iter(lambda: src.read(CHUNK), b""):
                digest.update(block)
                size += len(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
    os.chmod(target, mode)
    return size, digest.hexdigest()


def database_kind(url: str | URL) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in DUMP_NAMES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {backend}.")
    return backend


def _sqlite_path(url: str | URL) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("An in-memory SQLite database cannot be backed up or restored; use a database file.")
    return Path(database)


def _engine(url: str | URL):
    from app.core.db import make_engine

    rendered = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    return make_engine(rendered)


def _app_tables() -> list[str]:
    import app.models  # noqa: F401  (every model registers its table)
    from app.core.db import Base

    return sorted(Base.metadata.tables)


def _existing_tables(conn) -> list[str]:
    return sorted(inspect(conn).get_table_names())


def _revision(conn) -> str | None:
    if "alembic_version" not in _existing_tables(conn):
        return None
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise BackupError("The database has several Alembic heads; resolve them before backing up.")
    return rows[0] if rows else None


def _counts(conn) -> dict[str, int]:
    """Rows of each of the application's tables present in the database."""
    present = set(_existing_tables(conn))
    return {
        name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
        for name in _app_tables()
        if name in present
    }


def _alembic_config(url: str):
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig(str(BASE_DIR / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _script():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config("sqlite://"))


def known_revision(revision: str) -> bool:
    try:
        return _script().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown or malformed id
        return False


def head_revision() -> str:
    return _script().get_current_head()


def app_version() -> dict[str, str | None]:
    """The application's version and commit when known: ``APP_VERSION`` / ``APP_COMMIT`` from the
    environment (a container image sets them), else the commit checked out in the source tree."""
    commit = os.environ.get("APP_COMMIT") or None
    if commit is None:
        try:
            head = (BASE_DIR / ".git" / "HEAD").read_text().strip()
            if head.startswith("ref: "):
                ref = head[5:]
                path = BASE_DIR / ".git" / ref
                if path.exists():
                    commit = path.read_text().strip()
                else:
                    packed = (BASE_DIR / ".git" / "packed-refs").read_text()
                    commit = next((line.split()[0] for line in packed.splitlines() if line.endswith(" " + ref)), None)
            else:
                commit = head
        except OSError:
            commit = None
    return {"version": os.environ.get("APP_VERSION") or None, "commit": commit}


# ---- PostgreSQL tools ------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found. Install the PostgreSQL client tools (Debian: apt-get install postgresql-client)."
        )
    return path


def _tool_major(path: str) -> int:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    if not found:
        raise BackupError(f"Cannot tell the version of {path} from {out.strip()!r}.")
    return int(found.group(1))


def _server_major(conn) -> int:
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def _check_tool_version(name: str, conn) -> str:
    path = _pg_tool(name)
    tool, server = _tool_major(path), _server_major(conn)
    if tool < server:
        raise BackupError(
            f"{name} is version {tool} but the database server is PostgreSQL {server}: "
            f"install the PostgreSQL {server} client tools (or newer)."
        )
    return path


def _pg_args(url: str | URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore; the password goes in PGPASSWORD, never on the command line."""
    u = make_url(url)
    args = []
    if u.host:
        args += ["--host", u.host]
    if u.port:
        args += ["--port", str(u.port)]
    if u.username:
        args += ["--username", u.username]
    args += ["--dbname", u.database or ""]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    for key, value in u.query.items():  # sslmode=require and the like
        if key == "sslmode":
            env["PGSSLMODE"] = value if isinstance(value, str) else value[0]
    return args, env


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip() or done.stdout.strip()}")


# ---- create ------------------------------------------------------------------------------------------


def _refuse_unless_empty(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise BackupError(f"{target} is a file, not a directory: give an empty or new directory.")
    if target.is_dir() and any(target.iterdir()):
        hint = " (it holds an interrupted backup: remove it)" if (target / PARTIAL).exists() else ""
        raise BackupError(f"{target} is not empty{hint}: give an empty or new directory. Nothing was written.")


def _walk_files(root: Path):
    """Every regular file under ``root`` (symbolic links not followed), as (absolute, posix relative)."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path, PurePosixPath(path.relative_to(root)).as_posix()


def _walk_dirs(root: Path):
    for folder, dirs, _files in os.walk(root):
        for name in sorted(dirs):
            path = Path(folder) / name
            yield path, PurePosixPath(path.relative_to(root)).as_posix()


def _dump_postgresql(url: str | URL, dump: Path) -> tuple[str | None, dict[str, int], str]:
    """``pg_dump -Fc`` of the snapshot in which the revision and the row counts are read (exported from
    our transaction), so the manifest describes exactly what was dumped while the application runs on."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                pg_dump = _check_tool_version("pg_dump", conn)
                server = conn.execute(text("SHOW server_version")).scalar_one()
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                revision, counts = _revision(conn), _counts(conn)
                args, env = _pg_args(url)
                _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", "--file", str(dump), *args], env, "pg_dump")
    finally:
        engine.dispose()
    return revision, counts, str(server)


def _read_only_sqlite(path: Path):
    from sqlalchemy import create_engine

    return create_engine("sqlite://", creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True))


def _dump_sqlite(url: str | URL, dump: Path) -> tuple[str | None, dict[str, int], str]:
    """SQLite's online backup API: a consistent copy while the application runs on; the revision and the
    row counts are read from the copy itself."""
    path = _sqlite_path(url)
    if not path.is_file():
        raise BackupError(f"The database file {path} does not exist.")
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(dump)
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            dest.close()
    finally:
        source.close()
    engine = _read_only_sqlite(dump)
    try:
        with engine.connect() as conn:
            return _revision(conn), _counts(conn), sqlite3.sqlite_version
    finally:
        engine.dispose()


def create(url: str | URL, upload_folder: str | Path, to: str | Path, *, now: datetime | None = None) -> dict:
    """Back up the database at ``url`` and the files under ``upload_folder`` into ``to`` (empty or new).

    Returns the manifest. Raises ``BackupError`` (nothing left behind) when refused or failed."""
    target = Path(to).absolute()
    kind = database_kind(url)
    _refuse_unless_empty(target)
    created_dir = not target.exists()
    partial = target / PARTIAL
    try:
        # The backup holds everyone's personal data and the signing keys: readable by its owner only.
        if created_dir:
            target.mkdir(parents=True, mode=0o700)
        partial.mkdir(mode=0o700)
        (partial / DATABASE_DIR).mkdir(mode=0o700)
        (partial / FILES_DIR).mkdir(mode=0o700)
        dump = partial / DATABASE_DIR / DUMP_NAMES[kind]
        if kind == "postgresql":
            revision, counts, server = _dump_postgresql(url, dump)
        else:
            revision, counts, server = _dump_sqlite(url, dump)
        if revision is None:
            raise BackupError("The database has no Alembic revision: it is not this application's database.")
        os.chmod(dump, 0o600)
        _fsync(dump)
        entries = [{"path": f"{DATABASE_DIR}/{dump.name}", "size": dump.stat().st_size, "sha256": sha256_of(dump)}]
        root = Path(upload_folder)
        directories = {}
        if root.is_dir():
            for path, relative in _walk_dirs(root):
                directories[relative] = path.stat().st_mode & 0o777
            for path, relative in _walk_files(root):
                if path.name.endswith(".part"):  # a file being written right now (app.core.storage)
                    continue
                try:
                    size, digest = _copy(path, partial / FILES_DIR / relative)
                except FileNotFoundError:  # removed meanwhile (an upload rolled back, a key replaced)
                    continue
                mode = (partial / FILES_DIR / relative).stat().st_mode & 0o777
                entries.append({"path": f"{FILES_DIR}/{relative}", "size": size, "sha256": digest, "mode": mode})
        for relative, mode in directories.items():  # folders as they were (signing/ is 0700)
            folder = partial / FILES_DIR / relative
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(folder, mode)
        manifest = {
            "format": FORMAT,
            "created_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
            "app": app_version(),
            "database": {
                "kind": kind,
                "file": entries[0]["path"],
                "alembic_revision": revision,
                "server_version": str(server),
            },
            "counts": counts,
            "directories": directories,
            "files": entries,
        }
        data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"
        (partial / MANIFEST).write_bytes(data)
        (partial / MANIFEST_SHA).write_text(f"{hashlib.sha256(data).hexdigest()}  {MANIFEST}\n")
        for name in (MANIFEST, MANIFEST_SHA, DATABASE_DIR, FILES_DIR, "."):
            _fsync(partial / name)
        for name in (DATABASE_DIR, FILES_DIR, MANIFEST, MANIFEST_SHA):  # the checksum last: now complete
            if (partial / name).exists():
                os.replace(partial / name, target / name)
        partial.rmdir()
        _fsync(target)
        return manifest
    except BaseException:
        if partial.exists():
            shutil.rmtree(partial, ignore_errors=True)
        for name in (MANIFEST_SHA, MANIFEST, DATABASE_DIR, FILES_DIR):
            path = target / name
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                path.unlink()
        if created_dir:
            shutil.rmtree(target, ignore_errors=True)
        raise


def _fsync(path: Path) -> None:
    """Make a written file, or a folder's entries, durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---- verify ------------------------------------------------------------------------------------------


def read_manifest(backup: str | Path) -> tuple[dict | None, list[Problem]]:
    """The manifest, when it is whole and matches its checksum; else None and the problems."""
    backup = Path(backup)
    if not backup.is_dir():
        return None, [Problem(str(backup), "no such directory")]
    problems = []
    if (backup / PARTIAL).exists():
        problems.append(Problem(PARTIAL, "an interrupted backup: this backup is not complete"))
    if not (backup / MANIFEST).is_file():
        problems.append(Problem(MANIFEST, "missing"))
    if not (backup / MANIFEST_SHA).is_file():
        problems.append(Problem(MANIFEST_SHA, "missing (an interrupted backup?)"))
    if problems:
        return None, problems
    recorded = (backup / MANIFEST_SHA).read_text(errors="replace").split()
    if not recorded or recorded[0] != sha256_of(backup / MANIFEST):
        return None, [Problem(MANIFEST, "changed: its sha256 differs from the one in manifest.sha256")]
    try:
        manifest = json.loads((backup / MANIFEST).read_text())
        files = manifest["files"]
        manifest["database"]["kind"], manifest["database"]["alembic_revision"], manifest["database"]["file"]
        for entry in files:
            entry["path"], entry["size"], entry["sha256"]
    except (ValueError, KeyError, TypeError):
        return None, [Problem(MANIFEST, "not a backup manifest this version can read")]
    if manifest.get("format") != FORMAT:
        return None, [Problem(MANIFEST, f"format {manifest.get('format')!r} is not one this version can read")]
    for entry in files:
        path = PurePosixPath(entry["path"])
        if path.is_absolute() or ".." in path.parts or path.parts[0] not in (DATABASE_DIR, FILES_DIR):
            return None, [Problem(MANIFEST, f"names a file outside the backup: {entry['path']}")]
    return manifest, []


def verify(backup: str | Path) -> tuple[dict | None, list[Problem]]:
    """Check the manifest and every file's size and sha256; name each changed, missing or extra file."""
    backup = Path(backup)
    manifest, problems = read_manifest(backup)
    if manifest is None:
        return None, problems
    listed = {}
    for entry in manifest["files"]:
        listed[entry["path"]] = entry
        path = backup / entry["path"]
        if not path.is_file() or path.is_symlink():
            problems.append(Problem(entry["path"], "missing"))
        elif path.stat().st_size != entry["size"] or sha256_of(path) != entry["sha256"]:
            problems.append(Problem(entry["path"], "changed: its sha256 differs from the manifest"))
    for top in (DATABASE_DIR, FILES_DIR):
        if (backup / top).is_dir():
            for _path, relative in _walk_files(backup / top):
                relative = f"{top}/{relative}"
                if relative not in listed:
                    problems.append(Problem(relative, "extra: not in the manifest"))
    known = {MANIFEST, MANIFEST_SHA, DATABASE_DIR, FILES_DIR}
    for path in sorted(backup.iterdir()):
        if path.name not in known:
            problems.append(Problem(path.name, "extra: not in the manifest"))
    return manifest, problems


# ---- restore -----------------------------------------------------------------------------------------


def database_is_empty(conn) -> tuple[bool, str | None]:
    """Empty: no table other than ``alembic_version`` holds a row (a database just upgraded to head with
    no rows is empty, so is one without any table). Returns (empty, the first table with rows)."""
    for name in _existing_tables(conn):
        if name == "alembic_version":
            continue
        if conn.execute(select(text("1")).select_from(table(name)).limit(1)).first() is not None:
            return False, name
    return True, None


def check_target(manifest: dict, url: str | URL, upload_folder: str | Path) -> None:
    """Refuse (``BackupError``) a target of another kind, with data, or with files; a backup of a newer schema."""
    kind = database_kind(url)
    wanted = manifest["database"]["kind"]
    if wanted != kind:
        raise BackupError(
            f"The backup holds a {_KIND_NAMES.get(wanted, wanted)} database but the target is "
            f"{_KIND_NAMES[kind]}: restore it onto a {_KIND_NAMES.get(wanted, wanted)} database."
        )
    revision = manifest["database"]["alembic_revision"]
    if not known_revision(revision):
        raise BackupError(
            f"The backup's database is at schema revision {revision}, which this version of the application "
            "does not know: it was made by a newer version. Refusing to restore onto a newer schema; "
            "install that version (or a later one) and restore with it."
        )
    if kind == "sqlite":
        _sqlite_path(url)
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            empty, holder = database_is_empty(conn)
            conn.rollback()
    finally:
        engine.dispose()
    if not empty:
        raise BackupError(
            f"The target database is not empty (table {holder} has rows): restore only into an empty database."
        )
    folder = Path(upload_folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"The upload folder {folder} is not empty: restore only into an empty folder.")


_KIND_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def restore(backup: str | Path, url: str | URL, upload_folder: str | Path, *, upgrade: bool = True) -> dict:
    """Restore ``backup`` into the empty database at ``url`` and the empty ``upload_folder``.

    Verifies the backup first and refuses (``BackupError``, nothing changed) on any problem; then
    restores the database, copies the files, checks the restored row counts against the manifest and
    upgrades the schema to head when the backup is older. Returns the manifest."""
    backup = Path(backup)
    manifest, problems = verify(backup)
    if problems:
        raise BackupError("The backup does not verify; nothing was restored:\n" + "\n".join(f"  {p}" for p in problems))
    check_target(manifest, url, upload_folder)
    kind = manifest["database"]["kind"]
    dump = backup / manifest["database"]["file"]
    if kind == "postgresql":
        engine = _engine(url)
        try:
            with engine.connect() as conn:
                pg_restore = _check_tool_version("pg_restore", conn)
        finally:
            engine.dispose()

    folder = Path(upload_folder)
    existed = folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        _restore_files(manifest, backup, folder)
        if kind == "postgresql":
            _restore_postgresql(pg_restore, dump, url)
        else:
            _restore_sqlite(dump, url)
    except BaseException:
        # The folder was empty: leave it so. (The database was empty too; a failed pg_restore rolls back.)
        for child in folder.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        if not existed:
            folder.rmdir()
        raise
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            counts, revision = _counts(conn), _revision(conn)
            conn.rollback()
    finally:
        engine.dispose()
    expected = manifest.get("counts", {})
    differ = sorted(name for name in expected if counts.get(name) != expected[name])
    if revision != manifest["database"]["alembic_revision"] or differ:
        raise BackupError(
            "The restored database differs from the backup's record"
            + (f" (rows of {', '.join(differ)})" if differ else f" (schema revision {revision})")
            + ": empty the target and restore again."
        )
    if upgrade and revision != head_revision():
        from alembic import command

        rendered = url if isinstance(url, str) else url.render_as_string(hide_password=False)
        command.upgrade(_alembic_config(rendered), "head")
    return manifest


def _restore_files(manifest: dict, backup: Path, folder: Path) -> None:
    prefix = FILES_DIR + "/"
    for entry in manifest["files"]:
        if not entry["path"].startswith(prefix):
            continue
        target = folder / entry["path"][len(prefix) :]
        size, digest = _copy(backup / entry["path"], target)
        if (size, digest) != (entry["size"], entry["sha256"]):
            raise BackupError(f"{entry['path']} changed while it was being restored; nothing was restored.")
        if "mode" in entry:
            os.chmod(target, entry["mode"])
    for relative, mode in manifest.get("directories", {}).items():
        (folder / relative).mkdir(parents=True, exist_ok=True)
        os.chmod(folder / relative, mode)


def _restore_postgresql(pg_restore: str, dump: Path, url: str | URL) -> None:
    """Into a fresh ``public`` schema (the target is empty: at most the tables of ``upgrade head``), in one
    transaction, owned by the connecting user."""
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    args, env = _pg_args(url)
    try:
        _run(
            [pg_restore, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", *args, str(dump)],
            env,
            "pg_restore",
        )
    except BackupError as exc:
        raise BackupError(f"{exc}\nNothing was restored; the target database is left without any table.") from None


def _restore_sqlite(dump: Path, url: str | URL) -> None:
    """Copy the backup into the target file through SQLite's backup API (it replaces the whole database)."""
    path = _sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(path)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
