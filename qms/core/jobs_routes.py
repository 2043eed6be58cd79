"""The background jobs page (/jobs): recent jobs, their progress and failures, and "run again"."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from qms import import_jobs, jobs
from qms.core import audit
from qms.core.services import ServiceError
from qms.extensions import db
from qms.forms import ConfirmForm
from qms.spine import access
from qms.spine.access import Role
from qms.spine.navigation import Card, register_card, register_nav

# The jobs layer records "run again" against this name (it sits below qms.core and cannot name it itself).
audit.name_entity("job", _l("Background job"), {"status": _l("Status")},
                  {"status": jobs.JobStatus.labels()})

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
PER_PAGE = 25


@bp.route("/")
@access.roles(Role.QUALITY)
def index():
    page = db.paginate(jobs.recent_query(), per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    return render_template("core/jobs.html", page=page, form=ConfirmForm(), reachable=jobs.reachable(),
                           waiting=jobs.count((jobs.JobStatus.WAITING,)), statuses=jobs.JobStatus)


@bp.route("/<int:job_id>/run-again", methods=["POST"])
@access.roles(Role.QUALITY)
def run_again(job_id: int):
    job = db.get_or_404(jobs.Job, job_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        new = jobs.rerun(job, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
    else:
        if new.status == jobs.JobStatus.WAITING:
            flash(_("Background work is paused: the job starts when the job queue is back."), "warning")
        else:
            flash(_("The job is queued again as job %(id)s.", id=new.id), "success")
    return redirect(url_for("jobs.index"))


def _import_job(job_id: int) -> tuple[jobs.Job, import_jobs.Importer]:
    """The spreadsheet import job and its importer, or 404 (another kind of job, or none)."""
    job = jobs.get(job_id)
    found = import_jobs.get_importer((job.arguments or {}).get("importer", "")) if job is not None else None
    if job is None or job.name != import_jobs.TASK or found is None:
        abort(404)
    return job, found


@bp.route("/<int:job_id>/import")
@access.roles(Role.QUALITY)
def import_page(job_id: int):
    """A spreadsheet import: its progress while its job runs, then what it wrote or every problem by row."""
    job, found = _import_job(job_id)
    state = import_jobs.state(job)
    back_url, back_label = found.back(job.arguments.get("params") or {})
    if state["imported"] is False:
        return render_template("import_report.html", title=found.title, message=state["message"],
                               problems=state["problems"], back_url=back_url, back_label=back_label)
    return render_template("import_progress.html", title=found.title, job=job, state=state,
                           poll_url=url_for("jobs.import_json", job_id=job.id), back_url=back_url,
                           back_label=back_label, success=state["message"])


@bp.route("/<int:job_id>/import.json")
@access.roles(Role.QUALITY)
def import_json(job_id: int):
    job, _found = _import_job(job_id)
    state = import_jobs.state(job)
    return jsonify(running=state["running"], done=state["done"], total=state["total"])


def failed_jobs_card(user, cycle) -> Card | None:
    if not user.has_role(Role.QUALITY):
        return None
    failed = jobs.failed_since(days=7)
    if not failed:
        return None
    return Card(title=_("Background jobs"),
                note=ngettext("%(num)d background job failed in the last 7 days.",
                              "%(num)d background jobs failed in the last 7 days.", failed),
                link=url_for("jobs.index"), link_text=_("See the jobs and run them again"))


def register(app) -> None:
    register_nav("jobs.index", _l("Background jobs"), roles={Role.QUALITY}, order=200)
    register_card("jobs", failed_jobs_card, order=96)
