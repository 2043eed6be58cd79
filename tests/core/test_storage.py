"""Stored files: one module, one root, atomic private writes, names that cannot escape, and a full or read-only
disk met with a clear message, no half-written file and no record pointing at nothing."""
import errno
import os
import re
import stat
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qms import storage
from qms.evidence.models import Evidence
from qms.spine.access import Role

QMS = Path(__file__).resolve().parents[2] / "qms"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def files_root(app, tmp_path):
    app.config["QMS_FILES_DIR"] = str(tmp_path / "files")
    return tmp_path / "files"


def everything_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_write_read_and_delete_under_the_configured_root(files_root):
    name = storage.write("uploads", b"evidence", suffix=".pdf")
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", name)
    assert (files_root / "uploads" / name).read_bytes() == b"evidence"
    assert stat.S_IMODE(os.stat(files_root / "uploads" / name).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(files_root / "uploads").st_mode) == 0o700
    assert storage.read("uploads", name) == b"evidence" and storage.size("uploads", name) == 8
    with storage.open("uploads", name) as fh:
        assert fh.read() == b"evidence"
    storage.write_named("dossiers", "ab" * 16 + ".html.gz", b"one")
    storage.write_named("dossiers", "ab" * 16 + ".html.gz", b"two")  # replaced whole
    assert list(storage.names("dossiers")) == ["ab" * 16 + ".html.gz"]
    assert storage.read("dossiers", "ab" * 16 + ".html.gz") == b"two"
    storage.delete("uploads", name)
    storage.delete("uploads", name)  # already gone: no error
    assert not storage.exists("uploads", name) and list(storage.names("uploads")) == []


@pytest.mark.parametrize("name", ["../secret_key", "..", "a/b", "/etc/passwd", "ABCDEF0123456789ABCD",
                                  "0123456789abcdef/../../x", "", "0123456789abcdef\x00", "short"])
def test_no_name_reaches_outside_the_root(files_root, name):
    with pytest.raises(FileNotFoundError):
        storage.read("uploads", name)
    assert not storage.exists("uploads", name)
    with pytest.raises(ValueError):
        storage.write_named("uploads", name, b"x")
    with pytest.raises(ValueError):
        storage.read("../instance", "0123456789abcdef")


def test_the_default_root_is_the_instance_folder(app, tmp_path):
    app.instance_path = str(tmp_path)
    name = storage.write("imports", b"a,b\n", suffix=".csv")
    assert (tmp_path / "imports" / name).is_file()


def upload(client, item, data=PDF, name="report.pdf"):
    return client.post_form(f"/evidence/assessment_item/{item.id}/file", {"file": (BytesIO(data), name)},
                            content_type="multipart/form-data", token_from=f"/evidence/assessment_item/{item.id}/file")


def test_a_full_disk_is_told_to_the_user_and_leaves_nothing(files_root, login_as, db, items, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    quality = login_as(Role.QUALITY, locale="en")
    monkeypatch.setattr(storage.os, "fsync", full)
    response = upload(quality, items["A.1"])
    monkeypatch.undo()
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "the server&#39;s disk is full" in body or "the server's disk is full" in body
    assert everything_under(files_root) == []  # the temporary file is gone too
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_read_only_storage_is_told_to_the_user_and_leaves_nothing(files_root, login_as, db, items, monkeypatch):
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args, **kwargs)

    quality = login_as(Role.QUALITY, locale="en")
    monkeypatch.setattr(storage.os, "open", read_only)
    response = upload(quality, items["A.1"])
    monkeypatch.undo()
    assert response.status_code == 400
    assert "read-only" in response.get_data(as_text=True)
    assert everything_under(files_root) == []
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_a_storage_error_is_a_service_error_with_the_reason(files_root, monkeypatch):
    monkeypatch.setattr(storage.os, "replace", lambda *a: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    with pytest.raises(storage.StorageError) as caught:
        storage.write("uploads", b"data")
    assert caught.value.errno == errno.EIO and caught.value.field == "file"
    assert everything_under(files_root) == []


def test_only_storage_finds_stored_files_under_the_instance_folder():
    """Stored files are reached through qms.storage alone; the instance folder is otherwise only the config's,
    the factory's, the search index's and the job queue's (neither is a stored file)."""
    allowed = {QMS / "storage.py", QMS / "config.py", QMS / "__init__.py", QMS / "search.py", QMS / "jobs.py"}
    offenders = [str(path.relative_to(QMS)) for path in sorted(QMS.rglob("*.py"))
                 if path not in allowed and "instance_path" in path.read_text(encoding="utf-8")]
    assert offenders == []
