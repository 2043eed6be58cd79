"""Items: who may edit what, the item page, evidence of every kind, the checklist page and the dashboard."""
import datetime as dt
from io import BytesIO

import pytest
from sqlalchemy import event, func, select

from qms.checklist import services
from qms.checklist.models import AssessmentItem, ItemStatus
from qms.core.models import AuditEvent
from qms.evidence.models import Evidence
from qms.spine.access import Role

# The smallest well-formed PDF and PNG headers filetype recognises.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + b"\x00" * 64


def item_form(**overrides):
    data = {"status": "in_progress", "score": "60", "target_score": "80", "narrative": "做了什麼",
            "strengths": "", "opportunities": "", "owner_id": "", "due_date": ""}
    data.update(overrides)
    return data


def test_staff_edits_the_item_they_own_but_not_its_owner_or_due_date(login_as, db, items):
    staff = login_as(Role.STAFF)
    item = items["A.1"]
    services.update_item(item, {"owner_id": staff.user.id, "due_date": dt.date(2027, 1, 1)},
                         _quality(db))
    response = staff.post_form(f"/checklist/items/{item.id}", item_form(owner_id="", due_date="2030-01-01"),
                               token_from=f"/checklist/items/{item.id}")
    assert response.status_code == 302
    db.session.refresh(item)
    assert (item.status, item.score, item.target_score) == (ItemStatus.IN_PROGRESS, 60, 80)
    assert item.owner_id == staff.user.id and item.due_date == dt.date(2027, 1, 1)
    event_row = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "assessment_item")
                                   .order_by(AuditEvent.id.desc())).first()
    assert event_row.actor_id == staff.user.id and event_row.changes["score"] == [None, 60]


def _quality(db):
    from tests.factories import UserFactory

    return UserFactory(role=Role.QUALITY)


@pytest.mark.parametrize("role", [Role.STAFF, Role.LEADER])
def test_others_may_read_but_not_edit(login_as, db, items, role):
    client = login_as(role)
    item = items["A.1"]
    page = client.get(f"/checklist/items/{item.id}")
    assert page.status_code == 200 and 'name="status"' not in page.get_data(as_text=True)
    response = client.post_form(f"/checklist/items/{item.id}", item_form(), token_from="/")
    assert response.status_code == 403
    response = client.post_form(f"/evidence/assessment_item/{item.id}/link",
                                {"url": "https://example.org", "title": "x"}, token_from="/")
    assert response.status_code == 403
    assert client.get(f"/evidence/assessment_item/{item.id}/file").status_code == 403
    db.session.refresh(item)
    assert item.score is None and db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_quality_edits_any_item_including_owner(login_as, db, items):
    quality = login_as(Role.QUALITY)
    staff = login_as(Role.STAFF).user
    item = items["B.1"]
    response = quality.post_form(f"/checklist/items/{item.id}",
                                 item_form(owner_id=str(staff.id), due_date="2027-03-01", status="ready",
                                           score="85"), token_from=f"/checklist/items/{item.id}")
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.owner_id == staff.id and item.status == ItemStatus.READY and item.score == 85


def test_score_off_the_scale_is_refused_beside_the_field(login_as, db, items):
    quality = login_as(Role.QUALITY)
    item = items["A.1"]
    response = quality.post_form(f"/checklist/items/{item.id}", item_form(score="63"),
                                 token_from=f"/checklist/items/{item.id}")
    assert response.status_code == 400 and 'id="score-error"' in response.get_data(as_text=True)
    db.session.refresh(item)
    assert item.score is None


def test_markdown_is_sanitized(login_as, db, items):
    item = items["A.1"]
    services.update_item(item, {"narrative": "**粗體** <script>alert(1)</script> [x](javascript:alert(1))"},
                         _quality(db))
    body = login_as(Role.LEADER).get(f"/checklist/items/{item.id}").get_data(as_text=True)
    assert "<strong>粗體</strong>" in body
    assert "<script>alert(1)" not in body and "javascript:alert" not in body


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

    actor = _quality(db)
    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        add_file(items["A.1"], PDF, "a.pdf", "", None, actor)
    monkeypatch.undo()
    db.session.rollback()
    assert stored_files(clean_uploads) == []
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_link_and_record_evidence(login_as, db, items):
    quality = login_as(Role.QUALITY)
    item, other = items["A.1"], items["B.1"]
    base = f"/evidence/assessment_item/{item.id}"
    response = quality.post_form(f"{base}/link", {"url": "javascript:alert(1)", "title": "壞連結"}, token_from="/")
    assert response.status_code == 400 and 'id="url-error"' in response.get_data(as_text=True)
    response = quality.post_form(f"{base}/link", {"url": "https://www.ris.gov.tw/", "title": "戶政司"},
                                 token_from="/")
    assert response.headers["Location"] == f"/checklist/items/{item.id}#evidence"
    response = quality.post_form(f"{base}/record", {"record": f"assessment_item:{other.id}"}, token_from="/")
    assert response.status_code == 302
    response = quality.post_form(f"{base}/record", {"record": "user:1"}, token_from="/")  # may not be evidence
    assert response.status_code == 400
    response = quality.post_form(f"{base}/record", {"record": f"assessment_item:{item.id}"}, token_from="/")
    assert response.status_code == 400  # not its own evidence
    assert quality.get(f"/evidence/no_such_type/{item.id}/link").status_code == 404
    kinds = sorted(e.kind.value for e in db.session.scalars(select(Evidence)))
    assert kinds == ["link", "record"]
    body = quality.get(f"/checklist/items/{item.id}").get_data(as_text=True)
    assert f'href="/checklist/items/{other.id}"' in body and "戶政司" in body


def test_checklist_page_and_dashboard_show_readiness(login_as, db, items):
    quality = _quality(db)
    services.update_item(items["A.1"], {"status": "ready", "score": 90}, quality)       # 40 pts → 90
    services.update_item(items["A.2"], {"status": "in_progress", "score": 80}, quality)  # 20 pts → 50
    services.update_item(items["B.1"], {"status": "in_review", "score": 100}, quality)   # 40 pts → 90
    # (40×90 + 20×50 + 40×90) / 100 = 82
    client = login_as(Role.LEADER, locale="en")
    page = client.get(f"/checklist/assessments/{items['A.1'].assessment_id}").get_data(as_text=True)
    assert ">82 %</p>" in page
    assert "data:image/svg+xml;base64," not in page  # two dimensions make no radar; the table says it all
    dashboard = client.get("/").get_data(as_text=True)
    assert "82 % ready" in dashboard and "1 of 3 items ready" in dashboard


def test_checklist_page_query_count_does_not_grow_with_items(app, login_as, db):
    from tests.checklist.sample_data import make_assessment

    client = login_as(Role.QUALITY)

    def count(url):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        assert client.get(url).status_code == 200
        event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    small = make_assessment(items=4, evidence_per_item=1, year=2030)
    large = make_assessment(items=40, evidence_per_item=5, year=2031)
    client.get("/")  # the signed-in user is loaded once per test session here, not per page
    assert count(f"/checklist/assessments/{small.id}") == count(f"/checklist/assessments/{large.id}") <= 8


def test_a_cycle_with_an_assessment_cannot_be_deleted(login_as, db, assessment):
    from qms.core.models import AwardCycle

    admin = login_as(Role.ADMIN)
    other = services.assessments_of(assessment.award_cycle)[0].award_cycle
    other.is_current = False
    db.session.commit()
    admin.post_form(f"/cycles/{other.id}/delete")
    assert db.session.get(AwardCycle, other.id) is not None
    assert db.session.scalar(select(func.count()).select_from(AssessmentItem)) == 3


def test_dashboard_tells_staff_how_many_items_they_own_and_how_many_are_overdue(login_as, db, items):
    staff = login_as(Role.STAFF)
    quality = _quality(db)
    services.update_item(items["A.1"], {"owner_id": staff.user.id, "due_date": dt.date(2020, 1, 1)}, quality)
    services.update_item(items["B.1"], {"owner_id": staff.user.id, "due_date": dt.date(2099, 1, 1)}, quality)
    assert "2 項，其中 1 項逾期" in staff.get("/").get_data(as_text=True)
