"""Evidence files: uploaded, checked by content, downloaded and removed, and never half-stored."""
from io import BytesIO

import pytest
from sqlalchemy import func, select

from qms import uploads
from qms.core.services import ServiceError
from qms.evidence.models import Evidence
from qms.spine.access import Role
from tests.factories import UserFactory

# The smallest well-formed PDF and PNG headers filetype recognises.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + b"\x00" * 64


def upload(client, item, data, name, **fields):
    return client.post_form(f"/evidence/assessment_item/{item.id}/file",
                            {"file": (BytesIO(data), name), **fields}, content_type="multipart/form-data",
                            token_from=f"/evidence/assessment_item/{item.id}/file")


def stored_files(app):
    from pathlib import Path

    folder = Path(app.instance_path) / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def clean_uploads(app, tmp_path):
    app.instance_path = str(tmp_path)  # uploads land in a folder of this test's own
    return app


def test_upload_and_download_evidence(clean_uploads, login_as, db, items):
    app = clean_uploads
    quality = login_as(Role.QUALITY)
    item = items["A.1"]
    response = upload(quality, item, PDF, "報告.pdf", title="年度報告", expires_on="2030-12-31")
    assert response.status_code == 302
    evidence = db.session.scalars(select(Evidence)).one()
    assert evidence.original_name == "報告.pdf" and evidence.content_type == "application/pdf"
    assert stored_files(app) == [evidence.stored_name] and len(evidence.stored_name) == 32
    with login_as(Role.LEADER).get(f"/evidence/{evidence.id}/download") as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
    anonymous = app.test_client().get(f"/evidence/{evidence.id}/download")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    quality.post_form(f"/evidence/{evidence.id}/delete")
    assert stored_files(app) == [] and db.session.scalar(select(func.count()).select_from(Evidence)) == 0


@pytest.mark.parametrize("data,name,message", [
    (PDF, "script.exe", "不接受"),
    (PNG, "fake.pdf", "不符"),
    (b"just text", "notes.pdf", "不符"),
    (b"", "empty.pdf", "空"),
])
def test_refused_uploads_store_nothing(clean_uploads, login_as, db, items, data, name, message):
    quality = login_as(Role.QUALITY)
    response = upload(quality, items["A.1"], data, name)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body.split('id="file-error"', 1)[1][:200]
    assert stored_files(clean_uploads) == []
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_too_large_upload_is_refused(clean_uploads, login_as, db, items):
    clean_uploads.config["QMS_MAX_FILE_BYTES"] = 1024
    response = upload(login_as(Role.QUALITY), items["A.1"], PDF + b"0" * 2000, "big.pdf")
    assert response.status_code == 400 and "檔案超過上限 1 KB" in response.get_data(as_text=True)
    assert stored_files(clean_uploads) == []
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_a_failed_database_write_removes_the_stored_file(clean_uploads, db, items, monkeypatch):
    from qms.evidence.services import add_file

    def broken_commit():
        raise RuntimeError("database went away")

    actor = UserFactory(role=Role.QUALITY)
    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        add_file(items["A.1"], PDF, "a.pdf", "", None, actor)
    monkeypatch.undo()
    db.session.rollback()
    assert stored_files(clean_uploads) == []
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_text_types_are_refused_as_evidence(app):
    with pytest.raises(ServiceError):
        uploads.check(b"plain text", "notes.txt")
