"""An import's page while its job runs: progress.js follows the job's JSON, and once every row is read the page
says the rows are being written rather than "1000 of 1000 rows checked" (which reads as stuck)."""
import json

import pytest

from tests.browser.test_roles import sign_in
from tests.conftest import make_config

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def running_import(live_server, migrated_database):
    """A benchmarking import that has read 400 of its 1000 rows."""
    from qms import create_app, jobs
    from qms.extensions import db
    from qms.import_jobs import TASK

    app = create_app(make_config(migrated_database))
    with app.app_context():
        job = jobs.Job(name=TASK, arguments={"importer": "benchmarking.values", "params": {}},
                       status=jobs.JobStatus.RUNNING, progress_done=400, progress_total=1000)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        db.session.remove()
        db.engine.dispose()
    return job_id


def test_the_import_page_follows_its_job_from_reading_to_writing(page, live_server, running_import, check_a11y):
    answers = [{"running": True, "done": 700, "total": 1000}, {"running": True, "done": 1000, "total": 1000}]
    asked = []

    def answer(route):
        asked.append(route.request.url)
        body = answers[min(len(asked), len(answers)) - 1]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    sign_in(page, live_server, "quality")
    page.route(f"**/jobs/{running_import}/import.json", answer)
    page.goto(f"{live_server}/jobs/{running_import}/import")
    status = page.get_by_role("status")
    assert status.get_by_text("讀取檔案中：已檢查 1000 列中的 400 列。").is_visible()  # as the server wrote it
    check_a11y(page)
    status.get_by_text("讀取檔案中：已檢查 1000 列中的 700 列。").wait_for()
    assert page.evaluate("document.querySelector('progress').value") == 700
    status.get_by_text("已檢查全部 1000 列，寫入中。").wait_for()
    assert page.evaluate("document.querySelector('progress').value") == 1000
    assert not status.get_by_text("已檢查 1000 列中的 1000 列").count()
    assert len(asked) >= 2
