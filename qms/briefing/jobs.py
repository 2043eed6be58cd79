"""Rendering briefing deck versions (16:9 slides and the A4 notes handout) on the job queue (qms.jobs).

"Generate" writes a pending version and returns at once; the deck page shows its progress. The layout (about
20 s for 30 slides, holding Python's GIL) runs in the job consumer's worker process, never in a web worker.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms import jobs
from qms.briefing import services
from qms.briefing.models import DeckVersion, RenderStatus
from qms.core.services import ServiceError
from qms.extensions import db

RENDER = "briefing.render"


def _render_again(arguments: dict, actor) -> dict:
    """The jobs page's "run again": the failed version is rendered once more, in place."""
    version = db.session.get(DeckVersion, arguments.get("version_id"))
    if version is None:
        raise ServiceError(_("This version no longer exists."))
    return {"version_id": services.render_again(version, actor).id}


# No automatic retries: a failed render says why in its version row; people run it again.
@jobs.task(RENDER, label=_l("Briefing deck rendering"), timeout=services.RENDER_TIMEOUT, rerun=_render_again)
def render(version_id: int) -> None:
    version = db.session.get(DeckVersion, version_id)
    job_id = jobs.current_job_id()
    if version is not None and job_id is not None and version.job_id != job_id:
        services.attach_job(version, job_id)  # run again from the jobs page: the deck page follows this job now
    services.render_version(version_id)
    version = db.session.get(DeckVersion, version_id)
    if version is not None and version.status == RenderStatus.FAILED:
        raise jobs.JobFailed(version.error or "failed")


def start(version: DeckVersion, user=None) -> jobs.Job:
    """Queue the render of a waiting version; the job comes back WAITING when the queue cannot be reached."""
    job = jobs.enqueue(RENDER, user=user, version_id=version.id)
    services.attach_job(version, job.id)
    return job
