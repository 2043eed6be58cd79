"""Backups: the demo office goes SQLite -> PostgreSQL -> SQLite with every row and file intact; damaged, foreign or
too-new archives and occupied instances are refused with nothing changed; --keep prunes; a backup taken while
someone writes is one consistent snapshot."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import secrets
import tarfile
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from qms import backup, create_app, storage
from qms.config import normalize_database_url
from qms.extensions import db
from tests.conftest import make_config


def make_app(tmp: Path, url: str):
    tmp.mkdir(parents=True, exist_ok=True)
    return create_app(make_config(url, QMS_FILES_DIR=str(tmp / "files"), QMS_SEARCH_INDEX=str(tmp / "index")))


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["qms", *map(str, args)])


def contents(app) -> tuple[dict, dict]:
    """Every row of every table (portable form) and every stored file's bytes."""
    with app.app_context():
        with db.engine.connect() as connection:
            tables = {table.name: list(backup.table_rows(connection, table))
                      for table in backup.data_tables(backup.reflect(connection))}
            revision = backup.revision_of(connection)
        files = {f"{area}/{name}": storage.read(area, name) for area in storage.AREAS for name in storage.names(area)}
    return {"tables": tables, "revision": revision}, files


def assert_same(restored: tuple[dict, dict], original: tuple[dict, dict]) -> None:
    (rows, files), (original_rows, original_files) = restored, original
    assert rows["revision"] == original_rows["revision"]
    assert sorted(rows["tables"]) == sorted(original_rows["tables"])
    for table, expected in original_rows["tables"].items():
        assert len(rows["tables"][table]) == len(expected), table
        for got, want in zip(rows["tables"][table], expected, strict=True):
            assert got == want, table
    assert sorted(files) == sorted(original_files)
    assert all(files[name] == data for name, data in original_files.items())


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        return json.loads(tar.extractfile(backup.MANIFEST).read())


def dispose(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A migrated SQLite instance with the demo office, an evidence file and a dossier version's files."""
    tmp = tmp_path_factory.mktemp("source")
    app = make_app(tmp, f"sqlite:///{tmp / 'source.sqlite3'}")
    with app.app_context():
        flask_migrate.upgrade()
        result = cli(app, "seed-demo")
        assert result.exit_code == 0, result.output
        storage.write("uploads", os.urandom(70_000))
        storage.write_named("dossiers", "ab" * 16 + ".pdf", b"%PDF-1.7 " + os.urandom(1000))
        storage.write_named("dossiers", "ab" * 16 + ".html.gz", gzip.compress("<html>蘆竹</html>".encode()))
        result = cli(app, "backup", tmp / "backups")
        assert result.exit_code == 0, result.output
        assert result.output.startswith("Backed up ") and result.output.count("\n") == 1
    archive = next((tmp / "backups").glob("qms-backup-*.tar.gz"))
    yield app, archive
    dispose(app)


def postgres_server() -> str:
    for variable in ("QMS_TEST_POSTGRES_URL", "QMS_TEST_DATABASE_URL"):
        url = os.environ.get(variable, "")
        if url.startswith(("postgres://", "postgresql")):
            return normalize_database_url(url)
    return "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def postgres_database():
    """A database of this test's own on the PostgreSQL server, dropped afterwards (never the suite's own)."""
    server = make_url(postgres_server())
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"qms_backup_test_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server answers
        admin.dispose()
        pytest.skip(f"no PostgreSQL server answers at {server.render_as_string()}: {type(error).__name__}")
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_round_trip_sqlite_postgresql_sqlite(source, postgres_database, tmp_path):
    source_app, archive = source
    original_rows, original_files = contents(source_app)
    assert original_rows["tables"]["organization"] and len(original_files) >= 3
    original_manifest = manifest_of(archive)
    assert original_manifest["dialect"] == "sqlite" and original_manifest["format"] == "qms-backup"
    assert original_manifest["tables"] == {name: len(rows) for name, rows in original_rows["tables"].items()}

    postgres = make_app(tmp_path / "pg", postgres_database)
    result = cli(postgres, "restore", archive)
    assert result.exit_code == 0, result.output
    assert_same(contents(postgres), (original_rows, original_files))
    with postgres.app_context():
        # The sequences continue after the restored ids: a new row does not collide.
        next_id = db.session.execute(text("SELECT nextval(pg_get_serial_sequence('organization', 'id'))")).scalar()
        assert next_id > max(row["id"] for row in original_rows["tables"]["organization"])
        db.session.rollback()
        result = cli(postgres, "backup", tmp_path / "from-pg.tar.gz")
    assert result.exit_code == 0, result.output
    dispose(postgres)
    pg_manifest = manifest_of(tmp_path / "from-pg.tar.gz")
    assert pg_manifest["dialect"] == "postgresql"
    # Same rows, same files: the portable form is byte for byte the same whichever database wrote it.
    for key in ("tables", "members", "alembic_revision", "format", "format_version", "qms_version"):
        assert pg_manifest[key] == original_manifest[key], key

    back = make_app(tmp_path / "back", f"sqlite:///{tmp_path / 'back.sqlite3'}")
    result = cli(back, "restore", tmp_path / "from-pg.tar.gz")
    assert result.exit_code == 0, result.output
    assert_same(contents(back), (original_rows, original_files))
    with back.app_context():
        from qms import search

        assert search.status().documents > 0  # the index was rebuilt
    dispose(back)


def rewrite(archive: Path, target: Path, change) -> Path:
    """A copy of the archive with change(members: dict[name, bytes]) applied."""
    with tarfile.open(archive, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}
    change(members)
    with tarfile.open(target, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


@pytest.fixture
def empty_target(tmp_path):
    app = make_app(tmp_path / "target", f"sqlite:///{tmp_path / 'target.sqlite3'}")
    yield app
    dispose(app)


def assert_unchanged(app):
    with app.app_context():
        with db.engine.connect() as connection:
            assert backup.reflect(connection).tables == {}  # not even migrated
        assert all(list(storage.names(area)) == [] for area in storage.AREAS)


def flip_a_byte(archive: Path, target: Path) -> Path:
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def test_a_damaged_archive_is_refused(source, empty_target, tmp_path):
    result = cli(empty_target, "restore", flip_a_byte(source[1], tmp_path / "damaged.tar.gz"))
    assert result.exit_code != 0 and "damaged" in result.output
    assert_unchanged(empty_target)


def test_a_member_that_does_not_match_its_checksum_is_refused(source, empty_target, tmp_path):
    def tamper(members):
        members["tables/organization.jsonl"] = members["tables/organization.jsonl"].replace(b"\xe8\x98\x86", b"X")

    result = cli(empty_target, "restore", rewrite(source[1], tmp_path / "tampered.tar.gz", tamper))
    assert result.exit_code != 0 and "tables/organization.jsonl does not match its checksum" in result.output
    assert_unchanged(empty_target)


def test_a_missing_member_is_refused(source, empty_target, tmp_path):
    def drop(members):
        del members[next(name for name in members if name.startswith("files/"))]

    result = cli(empty_target, "restore", rewrite(source[1], tmp_path / "short.tar.gz", drop))
    assert result.exit_code != 0 and "is missing" in result.output
    assert_unchanged(empty_target)


def test_a_foreign_archive_is_refused(empty_target, tmp_path):
    foreign = tmp_path / "photos.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        info = tarfile.TarInfo("holiday.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    result = cli(empty_target, "restore", foreign)
    assert result.exit_code != 0 and "not a QMS backup" in result.output
    other_format = rewrite(foreign, tmp_path / "other.tar.gz",
                           lambda members: members.update({"manifest.json": b'{"format": "other"}'}))
    result = cli(empty_target, "restore", other_format)
    assert result.exit_code != 0 and "not a QMS backup" in result.output
    (tmp_path / "junk.tar.gz").write_bytes(os.urandom(500))
    result = cli(empty_target, "restore", tmp_path / "junk.tar.gz")
    assert result.exit_code != 0 and "damaged or not a QMS backup" in result.output
    assert_unchanged(empty_target)


def test_an_archive_from_a_newer_qms_is_refused(source, empty_target, tmp_path):
    def newer(members):
        manifest = json.loads(members["manifest.json"])
        manifest["alembic_revision"] = "ffff00000001"
        members["manifest.json"] = json.dumps(manifest).encode()

    result = cli(empty_target, "restore", rewrite(source[1], tmp_path / "newer.tar.gz", newer))
    assert result.exit_code != 0 and "ffff00000001 is unknown to this QMS" in result.output
    assert "newer QMS" in result.output
    assert_unchanged(empty_target)


def test_an_instance_with_data_is_not_restored_into(source, tmp_path):
    app, archive = source
    before = contents(app)
    result = cli(app, "restore", archive)
    assert result.exit_code != 0 and "not empty" in result.output and "QMS_DATABASE_URL" in result.output
    assert contents(app) == before


def test_files_alone_make_an_instance_occupied(source, empty_target):
    with empty_target.app_context():
        storage.write("uploads", b"left over")
    result = cli(empty_target, "restore", source[1])
    assert result.exit_code != 0 and "not empty" in result.output and "files in" in result.output


def test_keep_prunes_only_our_oldest_archives(source, tmp_path):
    app, _archive = source
    folder = tmp_path / "nightly"
    folder.mkdir()
    old = ["qms-backup-20240101T010000Z.tar.gz", "qms-backup-20240102T010000Z.tar.gz",
           "qms-backup-20240103T010000Z.tar.gz"]
    for name in old + ["notes.txt", "qms-backup-manual.tar.gz"]:
        (folder / name).write_bytes(b"x")
    with app.app_context():
        result = cli(app, "backup", folder, "--keep", "2")
    assert result.exit_code == 0 and "removed 2 older" in result.output
    left = sorted(p.name for p in folder.iterdir())
    assert "qms-backup-20240103T010000Z.tar.gz" in left and not set(old[:2]) & set(left)
    assert "notes.txt" in left and "qms-backup-manual.tar.gz" in left
    assert len([name for name in left if backup.ARCHIVE_NAME.fullmatch(name)]) == 2


def test_a_backup_while_someone_writes_is_one_snapshot(source, tmp_path, monkeypatch):
    app, _archive = source
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:  # WAL: readers keep their snapshot and do not block writers
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        before = db.session.scalar(text("SELECT count(*) FROM audit_event"))
        real_rows, wrote = backup.table_rows, []

        def rows_with_a_write_between(connection, table):
            if not wrote:  # the snapshot has begun; another connection now adds a row and commits
                with db.engine.begin() as other:
                    other.execute(text("INSERT INTO audit_event (occurred_at, actor_name, entity_type, entity_title, "
                                       "action, summary, changes) SELECT occurred_at, actor_name, entity_type, "
                                       "entity_title, action, summary, changes FROM audit_event ORDER BY id LIMIT 1"))
                wrote.append(table.name)
            yield from real_rows(connection, table)

        monkeypatch.setattr(backup, "table_rows", rows_with_a_write_between)
        result = cli(app, "backup", tmp_path / "busy.tar.gz")
        assert result.exit_code == 0, result.output
        assert db.session.scalar(text("SELECT count(*) FROM audit_event")) == before + 1
    manifest = manifest_of(tmp_path / "busy.tar.gz")
    with tarfile.open(tmp_path / "busy.tar.gz", "r:gz") as tar:
        for table, count in manifest["tables"].items():
            data = tar.extractfile(f"tables/{table}.jsonl").read()
            assert data.count(b"\n") == count, table
            assert hashlib.sha256(data).hexdigest() == manifest["members"][f"tables/{table}.jsonl"]["sha256"]
    assert manifest["tables"]["audit_event"] == before

