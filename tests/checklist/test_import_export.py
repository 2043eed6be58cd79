"""Export to XLSX/ODS/CSV; import of assignments back, all rows or none; comparing two cycles."""
import datetime as dt
from io import BytesIO

import pytest
from sqlalchemy import func, select

from qms import spreadsheets
from qms.checklist import services
from qms.checklist.models import ItemStatus
from qms.core.models import AuditEvent
from qms.spine.access import Role
from tests.factories import UserFactory
from tests.import_pages import follow_import


def export(client, assessment, fmt):
    with client.get(f"/checklist/assessments/{assessment.id}/export.{fmt}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment")
        return response.data


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv"])
def test_export_then_import_round_trip(login_as, db, assessment, items, fmt):
    owner = UserFactory(username="chen", role=Role.STAFF)
    services.update_item(items["A.1"], {"owner_id": owner.id, "due_date": dt.date(2027, 2, 1), "status": "in_review",
                                        "score": 70}, UserFactory(role=Role.QUALITY))
    quality = login_as(Role.QUALITY)
    table = spreadsheets.read(export(quality, assessment, fmt), fmt)
    assert table[0][:3] == ["代碼", "評核項目", "配分"]
    row = next(r for r in table if str(r[0]) == "A.1")
    assert row[3] == "chen" and row[5] == "審查中" and float(row[8]) == 70.0
    # edit the exported file as a person would: give B.1 to chen, due in March, in progress
    b1 = next(r for r in table if str(r[0]) == "B.1")
    b1[3], b1[4], b1[5] = "chen", dt.date(2027, 3, 15) if fmt != "csv" else "2027-03-15", "進行中"
    data = spreadsheets.write(table, fmt)
    response = quality.post_form(f"/checklist/assessments/{assessment.id}/import",
                                 {"file": (BytesIO(data), f"assignments.{fmt}")}, content_type="multipart/form-data",
                                 token_from=f"/checklist/assessments/{assessment.id}")
    job, page = follow_import(quality, response)
    assert job.result == {"imported": True, "message": "匯入完成：1 個評核項目有變更。"}, job.result
    assert "匯入完成：1 個評核項目有變更。" in page and f'href="/checklist/assessments/{assessment.id}"' in page
    db.session.refresh(items["B.1"])
    assert items["B.1"].owner_id == owner.id and items["B.1"].due_date == dt.date(2027, 3, 15)
    assert items["B.1"].status == ItemStatus.IN_PROGRESS
    db.session.refresh(items["A.1"])
    assert items["A.1"].status == ItemStatus.IN_REVIEW  # unchanged rows stay as they were


def test_one_bad_row_imports_nothing_and_reports_each_row(login_as, db, assessment, items):
    UserFactory(username="chen")
    rows = [["code", "owner", "due_date", "status"],
            ["A.1", "chen", "2027-01-31", "ready"],
            ["Z.9", "chen", "", ""],
            ["A.2", "ghost", "", ""],
            ["B.1", "", "31/01/2027", ""],
            ["A.1", "", "", "done-ish"]]
    quality = login_as(Role.QUALITY, locale="en")
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = quality.post_form(f"/checklist/assessments/{assessment.id}/import",
                                 {"file": (BytesIO(spreadsheets.write(rows, "csv")), "a.csv")},
                                 content_type="multipart/form-data", token_from="/")
    job, body = follow_import(quality, response)
    assert job.result["imported"] is False and "Nothing was imported: 4 problems." in body
    for row, text in [(3, "No item with code Z.9"), (4, "No active user ghost"), (5, "The due date must be a date"),
                      (6, "Code A.1 also appears on row 2")]:
        assert f"<td>{row}</td><td>{text}" in body, (row, text)
    db.session.refresh(items["A.1"])
    assert items["A.1"].owner_id is None and items["A.1"].status == ItemStatus.NOT_STARTED
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_import_refuses_unreadable_files(login_as, assessment):
    quality = login_as(Role.QUALITY)
    response = quality.post_form(f"/checklist/assessments/{assessment.id}/import",
                                 {"file": (BytesIO(b"not a zip"), "a.xlsx")}, content_type="multipart/form-data",
                                 token_from="/")
    assert response.status_code == 400 and "無法以 XLSX 格式讀取" in response.get_data(as_text=True)
    response = quality.post_form(f"/checklist/assessments/{assessment.id}/import",
                                 {"file": (BytesIO(b"x"), "a.txt")}, content_type="multipart/form-data",
                                 token_from="/")
    assert response.status_code == 400


def test_staff_cannot_import(login_as, assessment):
    staff = login_as(Role.STAFF)
    response = staff.post_form(f"/checklist/assessments/{assessment.id}/import",
                               {"file": (BytesIO(b"code\n"), "a.csv")}, content_type="multipart/form-data",
                               token_from="/")
    assert response.status_code == 403


def test_compare_two_cycles(login_as, db, small_framework, assessment, items):
    from tests.factories import AwardCycleFactory

    quality = UserFactory(role=Role.QUALITY)
    later = services.adopt(AwardCycleFactory(year=2040), small_framework, quality)
    later_items = {item.node.code: item for item in later.items}
    services.update_item(items["A.1"], {"status": "in_progress", "score": 40}, quality)
    services.update_item(later_items["A.1"], {"status": "ready", "score": 85}, quality)
    rows = {row.code: row for row in services.compare(assessment, later)}
    assert rows["A.1"].changed and not rows["B.1"].changed
    body = login_as(Role.LEADER).get(f"/checklist/compare?left={assessment.id}&right={later.id}").get_data(
        as_text=True)
    assert "+45" in body and "有變動" in body and "相同" in body


def test_compare_refuses_different_frameworks(login_as, assessment):
    from tests.checklist.sample_data import make_assessment

    other = make_assessment(items=3, evidence_per_item=0, year=2041)
    body = login_as(Role.LEADER).get(f"/checklist/compare?left={assessment.id}&right={other.id}").get_data(
        as_text=True)
    assert "請選擇同一評獎架構的兩份自我評核" in body
