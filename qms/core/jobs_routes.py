"""The background jobs page (/jobs): recent jobs, their progress and failures, and "run again"."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from qms import jobs
from qms.core.services import ServiceError
from qms.extensions import db
from qms.forms import ConfirmForm
from qms.spine import access
from qms.spine.access import Role
from qms.spine.navigation import Card, register_card, register_nav

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
