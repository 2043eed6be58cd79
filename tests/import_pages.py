"""Following a spreadsheet upload to its import page (qms.import_jobs): tests run jobs at once, inside the request."""
from __future__ import annotations

import re

from qms import jobs


def follow_import(client, response) -> tuple[jobs.Job, str]:
    """(the import's job, its page's HTML) for an upload the server queued: the job has run."""
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    match = re.search(r"/jobs/(\d+)/import$", location)
    assert match, location
    job = jobs.get(int(match.group(1)))
    assert job is not None and job.status == jobs.JobStatus.DONE, job and (job.status, job.error)
    page = client.get(location)
    assert page.status_code == 200
    return job, page.get_data(as_text=True)
