"""Rendering dossier versions on the job queue (qms.jobs), their state kept in the version's row.

The request that asks for a version returns at once; the page polls the row. The render runs in the job
consumer's worker process (`flask qms worker`), never in a web worker: WeasyPrint's layout holds Python's GIL
for seconds, and in a web worker it slowed every other request of that worker to a crawl. A render cut off
midway (its process killed) is shown as failed after a while (services.expire_stale), and the next one works.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms import jobs
from qms.core.services import ServiceError
from qms.dossier import services
from qms.dossier.models import DossierVersion, VersionStatus
from qms.extensions import db

RENDER = "dossier.render"


def _render_again(arguments: dict, actor) -> dict:
    """The jobs page's "run again": a new version of the same dossier (a failed final is laid out again)."""
    version = db.session.get(DossierVersion, arguments.get("version_id"))
    if version is None:
        raise ServiceError(_("This version no longer exists."))
    return {"version_id": services.render_again(version, actor).id}


# No automatic retries: a failed render says why in its version row; people ask for a new one.
@jobs.task(RENDER, label=_l("Dossier rendering"), timeout=900, rerun=_render_again)
def render(version_id: int) -> None:
    services.render_version(version_id)
    version = db.session.get(DossierVersion, version_id)
    if version is not None and version.status == VersionStatus.FAILED:
        raise jobs.JobFailed(version.error or "failed")


def start(version_id: int, user=None) -> jobs.Job:
    """Queue the render of a waiting version; the job comes back WAITING when the queue cannot be reached."""
    return jobs.enqueue(RENDER, user=user, version_id=version_id)
