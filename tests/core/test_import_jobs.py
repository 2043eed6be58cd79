"""Spreadsheet imports as jobs (qms.import_jobs): the upload is stored and queued, the job reads and writes all
rows or none, and the import's page follows it; the file goes with the run."""
from io import BytesIO

import pytest
from sqlalchemy import func, select

from qms import jobs, spreadsheets, storage
from qms.benchmarking import demo as benchmarking_demo
from qms.benchmarking.models import MetricValue
from qms.checklist import services as checklist_services
from qms.core.models import AuditEvent
from qms.import_jobs import AREA, TASK
from qms.spine.access import Role
from tests.factories import UserFactory
from tests.import_pages import follow_import


@pytest.fixture
def register(app, db, tmp_path):
    app.config["QMS_FILES_DIR"] = str(tmp_path / "files")
    benchmarking_demo.seed(UserFactory(role=Role.QUALITY))


def upload(client, rows_or_bytes, name="v.csv", to="/benchmarking/import"):
    data = rows_or_bytes if isinstance(rows_or_bytes, bytes) else spreadsheets.write(rows_or_bytes, "csv")
    return client.post_form(to, {"file": (BytesIO(data), name)}, content_type="multipart/form-data",
                            token_from="/benchmarking/")


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_upload_is_queued_run_and_its_file_removed(login_as, db, register):
    client = login_as(Role.QUALITY, locale="en")
    before, events = count(db, MetricValue), count(db, AuditEvent)
    job, page = follow_import(client, upload(client, [["Office or organization", "Metric", "Year", "Value"],
                                                      ["新北市淡水區戶政事務所", "員額數", 2016, 34],
                                                      ["新北市淡水區戶政事務所", "員額數", 2016, 35]]))
    assert job.name == TASK and job.arguments["importer"] == "benchmarking.values"
    # The same value twice: written, then changed, as its rows in order would (two audit events).
    assert job.result == {"imported": True, "message": "Imported: 2 values written."}
    assert "Imported: 2 values written." in page and "Back to the comparison" in page
    assert '<p class="alert alert-success">Imported: 2 values written.</p>' in page  # no "Done:" before it
    assert count(db, MetricValue) == before + 1 and count(db, AuditEvent) == events + 2
    value = db.session.scalars(select(MetricValue).where(MetricValue.year == 2016)).one()
    assert value.value == 35
    assert job.progress_total == 2 and job.progress_done == 2
    assert list(storage.names(AREA)) == []  # the uploaded file went with the run
    db.session.get(jobs.Job, job.id).status = jobs.JobStatus.FAILED  # as if its worker had been killed
    db.session.commit()  # "run again" cannot: the file is gone
    response = client.post_form(f"/jobs/{job.id}/run-again", {}, token_from="/jobs/")
    assert response.status_code == 302
    assert "upload it again" in client.get("/jobs/").get_data(as_text=True)


def test_a_file_refused_before_queueing_leaves_no_job(login_as, db, register):
    client = login_as(Role.QUALITY, locale="en")
    for data, name, message in ((b"PK\x03\x04 not a workbook", "v.xlsx", "could not be read as XLSX"),
                                (b"a,b\x00\x00", "v.csv", "could not be read as CSV"),
                                (b"x", "v.txt", "Upload an XLSX, ODS or CSV file."),
                                (b"", "v.csv", "The file is empty.")):
        response = upload(client, data, name)
        assert response.status_code == 400 and message in response.get_data(as_text=True), name
    assert count(db, jobs.Job) == 0 and list(storage.names(AREA)) == []


def test_a_file_the_job_cannot_read_imports_nothing(login_as, db, register):
    client = login_as(Role.QUALITY, locale="en")
    job, page = follow_import(client, upload(client, "機關,年度\n".encode("big5")))  # not UTF-8
    assert job.result == {"imported": False, "message": "Nothing was imported: 1 problems.",
                          "problems": [[None, "This file could not be read as CSV."]]}
    assert "This file could not be read as CSV." in page
    assert list(storage.names(AREA)) == []


def test_a_checklist_gone_before_its_import_ran(app, login_as, db, register, assessment, items):
    """The job may run long after the upload (the queue was away): what it imports into may be gone by then."""
    client = login_as(Role.QUALITY, locale="en")
    app.config.update(QMS_JOBS_IMMEDIATE=False, QMS_REDIS_URL="redis://127.0.0.1:1/15")  # the queue is away
    app.extensions.pop(jobs.EXTENSION_KEY, None)
    response = client.post_form(f"/checklist/assessments/{assessment.id}/import",
                                {"file": (BytesIO(spreadsheets.write([["code", "status"], ["A.1", "ready"]], "csv")),
                                          "a.csv")}, content_type="multipart/form-data", token_from="/")
    job = jobs.get(int(response.headers["Location"].split("/")[-2]))
    assert job.status == jobs.JobStatus.WAITING
    assert "Background work is paused" in client.get(response.headers["Location"]).get_data(as_text=True)
    checklist_services.delete_assessment(assessment, UserFactory(role=Role.QUALITY))
    app.config["QMS_JOBS_IMMEDIATE"] = True
    app.extensions.pop(jobs.EXTENSION_KEY, None)
    assert jobs.resubmit_waiting() >= 1  # the import, and the search update of the delete
    db.session.expire_all()
    job = jobs.get(job.id)
    assert job.status == jobs.JobStatus.DONE
    assert job.result == {"imported": False, "message": "This checklist no longer exists.", "problems": []}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This checklist no longer exists." in page
    assert list(storage.names(AREA)) == []


def test_the_import_page_is_the_quality_teams_and_only_for_imports(login_as, db, register):
    job = jobs.Job(name=TASK, arguments={"importer": "benchmarking.values", "params": {}},
                   status=jobs.JobStatus.RUNNING, progress_done=400, progress_total=1000)
    other = jobs.Job(name="search.reindex", arguments={}, status=jobs.JobStatus.DONE)
    unknown = jobs.Job(name=TASK, arguments={"importer": "nothing.here", "params": {}}, status=jobs.JobStatus.DONE)
    db.session.add_all([job, other, unknown])
    db.session.commit()
    client = login_as(Role.QUALITY, locale="en")
    body = client.get(f"/jobs/{job.id}/import").get_data(as_text=True)
    assert "400 of 1000 rows checked" in body and f'data-poll-url="/jobs/{job.id}/import.json"' in body
    assert client.get(f"/jobs/{job.id}/import.json").get_json() == {"running": True, "done": 400, "total": 1000}
    assert "All 1000 rows checked; writing them." not in body
    assert 'data-poll-text-done="All {total} rows checked; writing them."' in body  # what progress.js shows then
    job.progress_done = 1000  # every row read: the rows are being written
    db.session.commit()
    body = client.get(f"/jobs/{job.id}/import").get_data(as_text=True)
    assert "All 1000 rows checked; writing them." in body and "1000 of 1000 rows checked" not in body
    for missing in (other.id, unknown.id, job.id + 100):
        assert client.get(f"/jobs/{missing}/import").status_code == 404
        assert client.get(f"/jobs/{missing}/import.json").status_code == 404
    assert login_as(Role.STAFF).get(f"/jobs/{job.id}/import").status_code == 403
    job.status, job.error = jobs.JobStatus.FAILED, "timed out"
    db.session.commit()
    body = client.get(f"/jobs/{job.id}/import").get_data(as_text=True)
    assert "The import failed; nothing was imported." in body and "timed out" in body
