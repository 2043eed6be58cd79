"""Backups: `qms backup PATH` writes every table and stored file into one archive; `qms restore PATH` brings it back
into an empty instance, on SQLite or PostgreSQL whichever the archive came from.

The archive (qms-backup-<UTC time>.tar.gz) holds manifest.json (format, QMS version, Alembic revision, source
dialect, row counts, and the SHA-256 and size of every member), tables/<table>.jsonl (portable rows: ISO 8601
times in UTC, Decimals as strings, bytes in base64, JSON as JSON) and files/<area>/<name> (the stored files).
The rows are read in one transaction, a consistent snapshot while the app keeps serving.
"""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import JSON, Connection, Engine, MetaData, Table, create_engine, event, func, select, text, types
from sqlalchemy.pool import NullPool

from qms import storage
from qms.extensions import db
from qms.spine import clock, commands

FORMAT = "qms-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ARCHIVE_NAME = re.compile(r"qms-backup-\d{8}T\d{6}Z(?:-\d+)?\.tar\.gz")
ALEMBIC_TABLE = "alembic_version"
# The search index's own tables (qms/search.py): the index PostgreSQL keeps, which SQLite lacks, and the queue of
# changes not yet applied to the old instance's index. Derived data: a restore rebuilds the index instead.
REBUILT_TABLES = frozenset({"search_document", "search_spelling", "search_queue"})
BATCH = 1000
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """The archive cannot be written or restored; the message says why and what to do (nothing was changed)."""


# --- portable values --------------------------------------------------------------------------------------------

def portable(value):
    """A column value as JSON: times as ISO 8601 (aware ones in UTC, written without a zone, as SQLite keeps them),
    Decimals as strings, bytes in base64; JSON documents and plain values as they are."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def from_portable(value, column_type: types.TypeEngine):
    """The value to insert into a column of this (reflected) type."""
    if value is None:
        return None
    if isinstance(column_type, types.DateTime):
        moment = dt.datetime.fromisoformat(value)
        if getattr(column_type, "timezone", False) and moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)  # stored as UTC; say so, whatever the session's zone
        return moment
    if isinstance(column_type, types.Date):
        return dt.date.fromisoformat(value)
    if isinstance(column_type, types.Time):
        return dt.time.fromisoformat(value)
    if isinstance(column_type, types.Float):
        return float(value)
    if isinstance(column_type, types.Numeric):
        return decimal.Decimal(str(value))
    if isinstance(column_type, types._Binary):
        return base64.b64decode(value)
    return value


def _json_line(row: dict) -> bytes:
    return (json.dumps(row, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n").encode("utf-8")


def reflect(connection: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(bind=connection)
    return metadata


def data_tables(metadata: MetaData) -> list[Table]:
    """The tables with QMS's data, parents before children (Alembic's own table is kept in the manifest, the search
    index is rebuilt)."""
    return [table for table in metadata.sorted_tables
            if table.name != ALEMBIC_TABLE and table.name not in REBUILT_TABLES]


def table_rows(connection: Connection, table: Table) -> Iterator[dict]:
    order = list(table.primary_key.columns) or list(table.columns)
    for row in connection.execute(select(table).order_by(*order)).mappings():
        yield {key: portable(value) for key, value in row.items()}


def revision_of(connection: Connection) -> str | None:
    metadata = MetaData()
    try:
        metadata.reflect(bind=connection, only=[ALEMBIC_TABLE])
    except Exception:  # no such table: a database never migrated
        return None
    heads = sorted(connection.execute(select(metadata.tables[ALEMBIC_TABLE].c.version_num)).scalars())
    return ",".join(heads) or None


# --- the snapshot ----------------------------------------------------------------------------------------------

def snapshot_engine(engine: Engine) -> Engine:
    """A separate engine whose transactions are snapshots: PostgreSQL REPEATABLE READ READ ONLY; on SQLite a real
    BEGIN before the first read (pysqlite would otherwise read each statement in its own transaction)."""
    if engine.dialect.name == "postgresql":
        return create_engine(engine.url, poolclass=NullPool, isolation_level="REPEATABLE READ",
                             execution_options={"postgresql_readonly": True})
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine  # an in-memory database (tests) is only reachable through its own engine
    snapshot = create_engine(engine.url, poolclass=NullPool)

    @event.listens_for(snapshot, "connect")
    def _manual_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(snapshot, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")

    return snapshot


def _digest(path: Path) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def qms_version() -> str:
    try:
        return importlib.metadata.version("qms")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@dataclass
class BackupResult:
    path: Path
    tables: int
    rows: int
    files: int
    size: int
    removed: list[Path] = field(default_factory=list)


def archive_path(target: Path, moment: dt.datetime) -> Path:
    if target.name.endswith(".tar.gz") and not target.is_dir():
        return target
    stamp = moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path, number = target / f"qms-backup-{stamp}.tar.gz", 1
    while path.exists():  # two backups within one second
        number += 1
        path = target / f"qms-backup-{stamp}-{number}.tar.gz"
    return path


def create_backup(target: Path, keep: int | None = None) -> BackupResult:
    """Write the archive (to a temporary name, renamed when complete) and prune old ones beyond `keep`."""
    target = Path(target)
    if not target.name.endswith(".tar.gz") and not target.is_dir():
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
    created_at = clock.utcnow()
    path = archive_path(target, created_at)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    members: dict[str, dict] = {}
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix=".qms-backup-", dir=path.parent) as staging_dir:
        staging = Path(staging_dir)
        (staging / "tables").mkdir()
        engine = snapshot_engine(db.engine)
        try:
            with engine.connect() as connection, connection.begin():
                revision = revision_of(connection)
                for table in data_tables(reflect(connection)):
                    count = 0
                    with (staging / "tables" / f"{table.name}.jsonl").open("wb") as out:
                        for row in table_rows(connection, table):
                            out.write(_json_line(row))
                            count += 1
                    counts[table.name] = count
                dialect = connection.dialect.name
        finally:
            if engine is not db.engine:
                engine.dispose()
        # The files after the rows: a file whose row was committed after the snapshot is only an extra file.
        for area in storage.AREAS:
            for name in storage.names(area):
                member = staging / "files" / area / name
                member.parent.mkdir(parents=True, exist_ok=True)
                try:
                    with storage.open(area, name) as source, member.open("wb") as out:
                        shutil.copyfileobj(source, out, _CHUNK)
                except FileNotFoundError:
                    continue  # deleted since it was listed
        for member in sorted(p for p in staging.rglob("*") if p.is_file()):
            sha, size = _digest(member)
            members[member.relative_to(staging).as_posix()] = {"sha256": sha, "size": size}
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "qms_version": qms_version(),
            "alembic_revision": revision, "dialect": dialect, "created_at": created_at.isoformat(),
            "tables": counts, "members": members,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True),
                                        encoding="utf-8")
        partial = path.with_name(f".{path.name}.partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                for name in [MANIFEST, *members]:
                    archive.add(staging / name, arcname=name, recursive=False)
            with partial.open("rb") as fh:
                os.fsync(fh.fileno())
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    removed = prune(path.parent, keep) if keep is not None else []
    return BackupResult(path=path, tables=len(counts), rows=sum(counts.values()),
                        files=sum(1 for name in members if name.startswith("files/")), size=path.stat().st_size,
                        removed=removed)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete the oldest archives of ours in folder beyond the newest `keep` (other files are left alone)."""
    ours = sorted((p for p in folder.iterdir() if p.is_file() and ARCHIVE_NAME.fullmatch(p.name)),
                  key=lambda p: (p.name[:len("qms-backup-YYYYMMDDTHHMMSSZ")], _sequence(p.name)))
    doomed = ours[:max(len(ours) - keep, 0)]
    for path in doomed:
        path.unlink()
    return doomed


def _sequence(name: str) -> int:
    match = re.search(r"Z-(\d+)\.tar\.gz$", name)
    return int(match.group(1)) if match else 1


# --- reading an archive ----------------------------------------------------------------------------------------

@dataclass
class Archive:
    folder: Path  # where the members were unpacked, checked against the manifest
    manifest: dict

    def rows(self, table: str) -> Iterator[dict]:
        with (self.folder / "tables" / f"{table}.jsonl").open("rb") as fh:
            for line in fh:
                yield json.loads(line)

    def files(self) -> Iterator[tuple[str, str, Path]]:
        for member in self.manifest["members"]:
            parts = member.split("/")
            if parts[0] == "files":
                yield parts[1], parts[2], self.folder / member


def _member_allowed(name: str) -> bool:
    parts = name.split("/")
    if parts == [MANIFEST]:
        return True
    if len(parts) == 2 and parts[0] == "tables":
        return re.fullmatch(r"[A-Za-z0-9_]+\.jsonl", parts[1]) is not None
    return len(parts) == 3 and parts[0] == "files" and parts[1] in storage.AREAS and storage.valid_name(parts[2])


@contextmanager
def open_archive(path: Path) -> Iterator[Archive]:
    """Unpack and check the archive (BackupError if it is damaged or not ours); the unpacked copy goes at the end."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    with tempfile.TemporaryDirectory(prefix=".qms-restore-") as folder_name:
        folder = Path(folder_name)
        found: dict[str, tuple[str, int]] = {}
        try:
            with tarfile.open(path, "r:gz") as archive:
                for member in archive:
                    if not member.isfile() or not _member_allowed(member.name) or member.name in found:
                        raise BackupError(f"{path} is not a QMS backup: it holds {member.name!r}, which QMS never "
                                          "writes.")
                    destination = folder / member.name
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    sha, size = hashlib.sha256(), 0
                    with archive.extractfile(member) as source, destination.open("wb") as out:
                        while chunk := source.read(_CHUNK):
                            sha.update(chunk)
                            size += len(chunk)
                            out.write(chunk)
                    found[member.name] = (sha.hexdigest(), size)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
            raise BackupError(f"{path} is damaged or not a QMS backup (it cannot be read: {error}).") from None
        if MANIFEST not in found:
            raise BackupError(f"{path} is not a QMS backup (it has no {MANIFEST}).")
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise BackupError(f"{path} is damaged: its manifest cannot be read.") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{path} is not a QMS backup (its manifest names another format).")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise BackupError(f"{path} is a QMS backup of format version {manifest.get('format_version')}; this "
                              f"QMS reads version {FORMAT_VERSION}. Restore it with the QMS version that wrote it "
                              f"({manifest.get('qms_version')}) or a newer one.")
        members = manifest.get("members") or {}
        for name, expected in members.items():
            if name not in found:
                raise BackupError(f"{path} is damaged: {name} is missing.")
            if found[name] != (expected.get("sha256"), expected.get("size")):
                raise BackupError(f"{path} is damaged: {name} does not match its checksum.")
        extra = set(found) - set(members) - {MANIFEST}
        if extra:
            raise BackupError(f"{path} is damaged: {sorted(extra)[0]} is not in its manifest.")
        for table in manifest.get("tables") or {}:
            if f"tables/{table}.jsonl" not in members:
                raise BackupError(f"{path} is damaged: the rows of {table} are missing.")
        yield Archive(folder=folder, manifest=manifest)


# --- restoring -------------------------------------------------------------------------------------------------

def _script_directory():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def check_revision(revision: str | None) -> None:
    """Refuse an archive whose schema this code does not know (a newer QMS, or another program)."""
    if not revision:
        raise BackupError("The archive names no database revision; it was not written by `qms backup`.")
    script = _script_directory()
    for head in revision.split(","):
        try:
            known = script.get_revision(head)
        except Exception:  # alembic's ResolutionError: no such revision here
            known = None
        if known is None:
            raise BackupError(f"The archive's database revision {head} is unknown to this QMS (heads: "
                              f"{', '.join(script.get_heads())}): it was written by a newer QMS. Upgrade QMS "
                              "first, then restore.")


def occupied() -> list[str]:
    """What makes this instance not empty: tables with rows, stored files (an empty list: empty)."""
    found = []
    with db.engine.connect() as connection:
        for table in data_tables(reflect(connection)):
            if connection.execute(select(table).limit(1)).first() is not None:
                found.append(f"table {table.name}")
    for area in storage.AREAS:
        if next(storage.names(area), None) is not None:
            found.append(f"files in {storage.root() / area}")
    return found


def _insert_order(table: Table, rows: list[dict]) -> list[dict]:
    """Rows of a table that refers to itself (a tree) with every parent before its children."""
    own = [(fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table.name == table.name]
    if not own:
        return rows
    placed: dict[str, set] = {target: set() for _column, target in own}
    waiting, ordered = rows, []
    while waiting:
        ready = [row for row in waiting
                 if all(row.get(column) is None or row[column] in placed[target] for column, target in own)]
        if not ready:  # a cycle inside the table: keep the archive's order and let the database judge
            return ordered + waiting
        for row in ready:
            for target in placed:
                placed[target].add(row.get(target))
        ready_ids = {id(row) for row in ready}
        ordered += ready
        waiting = [row for row in waiting if id(row) not in ready_ids]
    return ordered


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _load_rows(archive: Archive) -> int:
    """Insert every row, parents first, in one transaction; PostgreSQL's sequences then continue after max(id)."""
    expected = archive.manifest["tables"]
    total = 0
    with db.engine.begin() as connection:
        metadata = reflect(connection)
        tables = data_tables(metadata)
        unknown = set(expected) - {t.name for t in tables}
        if unknown:
            raise BackupError(f"The archive has tables this database does not have at its revision: "
                              f"{', '.join(sorted(unknown))}.")
        for table in tables:
            if table.name not in expected:
                continue
            for column in table.columns:
                if isinstance(column.type, JSON):  # a JSON null in the archive is an SQL NULL, as it was read
                    column.type = type(column.type)(none_as_null=True)
            columns = {column.name: column.type for column in table.columns}
            rows = []
            for row in archive.rows(table.name):
                extra = set(row) - set(columns)
                if extra:
                    raise BackupError(f"The archive's {table.name} rows have columns this database lacks: "
                                      f"{', '.join(sorted(extra))}.")
                rows.append({name: from_portable(value, columns[name]) for name, value in row.items()})
            if len(rows) != expected[table.name]:
                raise BackupError(f"The archive is damaged: {table.name} holds {len(rows)} rows, its manifest says "
                                  f"{expected[table.name]}.")
            for batch in _batches(_insert_order(table, rows), BATCH):
                connection.execute(table.insert(), batch)
            total += len(rows)
        if connection.dialect.name == "postgresql":
            reset_sequences(connection, tables)
    return total


def reset_sequences(connection: Connection, tables: list[Table]) -> None:
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, types.Integer):
                continue
            sequence = connection.execute(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                          {"table": table.name, "column": column.name}).scalar()
            if sequence:
                highest = connection.execute(select(func.max(column))).scalar()
                connection.execute(text("SELECT setval(:sequence, :next, false)"),
                                   {"sequence": sequence, "next": (highest or 0) + 1})


def _current_revision() -> str | None:
    with db.engine.connect() as connection:
        return revision_of(connection)


def restore_backup(path: Path, echo=lambda message: None) -> dict:
    """Restore the archive into this (empty) instance; BackupError, with nothing changed, if it may not be."""
    import flask_migrate

    with open_archive(path) as archive:
        manifest = archive.manifest
        revision = manifest.get("alembic_revision")
        check_revision(revision)
        busy = occupied()
        if busy:
            raise BackupError(
                "This instance is not empty (" + "; ".join(busy[:5]) + (" ..." if len(busy) > 5 else "") + "). "
                "Restore only into an empty one: point QMS_DATABASE_URL at a new, empty database (or move "
                "instance/qms.sqlite3 away) and QMS_FILES_DIR at an empty folder (or move instance/uploads, "
                "instance/dossiers and instance/imports away), then run the restore again.")
        current = _current_revision()
        echo(f"Bringing the database to the archive's revision {revision} ...")
        if current is None:
            flask_migrate.upgrade(revision=revision)
        elif current != revision:
            if _is_ancestor(revision, current):
                flask_migrate.downgrade(revision=revision)
            else:
                flask_migrate.upgrade(revision=revision)
        echo("Loading rows ...")
        rows = _load_rows(archive)
        echo("Copying files ...")
        files = 0
        for area, name, member in archive.files():
            data = member.read_bytes()
            if hashlib.sha256(data).hexdigest() != manifest["members"][f"files/{area}/{name}"]["sha256"]:
                raise BackupError(f"The archive's file {area}/{name} changed while it was restored.")
            storage.write_named(area, name, data)
            files += 1
        echo("Upgrading the database to this QMS's schema ...")
        flask_migrate.upgrade()
    echo("Rebuilding the search index ...")
    from qms import search

    search.reindex()
    return {"rows": rows, "files": files, "revision": revision, "dialect": manifest.get("dialect")}


def _is_ancestor(older: str, newer: str) -> bool:
    script = _script_directory()
    return any(rev.revision == older for rev in script.iterate_revisions(newer, "base"))


# --- the commands ----------------------------------------------------------------------------------------------

def _human(size: int) -> str:
    for unit, factor in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} B"


@commands.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Keep only the newest N archives in PATH's folder (older qms-backup-*.tar.gz are deleted).")
def backup_command(path: Path, keep: int | None):
    """Write every table and stored file into one archive in PATH (a folder, or a file ending .tar.gz)."""
    try:
        result = create_backup(path, keep)
    except OSError as error:
        raise click.ClickException(f"The backup could not be written: {error}") from None
    pruned = f"; removed {len(result.removed)} older" if result.removed else ""
    click.echo(f"Backed up {result.rows} rows in {result.tables} tables and {result.files} files to {result.path} "
               f"({_human(result.size)}){pruned}.")


@commands.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path))
def restore_command(path: Path):
    """Restore an archive written by `qms backup` into this empty instance (database and files)."""
    try:
        result = restore_backup(path, echo=click.echo)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {result['rows']} rows and {result['files']} files from {path} (written on "
               f"{result['dialect']} at revision {result['revision']}).")
