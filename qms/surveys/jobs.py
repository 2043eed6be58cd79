"""Importing a round's responses on the job queue (qms.jobs): a large sheet (up to QMS_MAX_SHEET_CELLS cells,
thousands of forms) is read and checked in the job worker, not in a web worker, and the round's import page
follows its progress. The job leaves its outcome in its row (`Job.result`): the counts, or every problem of a
file that imported nothing.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms import import_jobs, jobs, spreadsheets, storage
from qms.auth.models import User
from qms.core.services import ImportProblem, ImportRejected, ServiceError
from qms.extensions import db
from qms.surveys import services
from qms.surveys.models import SurveyRound

IMPORT = "surveys.import"
IMPORTS = import_jobs.AREA  # uploaded response files wait there for their column mapping, then for their job


def _import_again(arguments: dict, actor) -> dict:
    """The jobs page's "run again": the uploaded file went with the first run, so there is nothing to run."""
    raise ServiceError(_("The uploaded file is not kept after an import: upload it again on the round's page."))


@jobs.task(IMPORT, label=_l("Survey response import"), timeout=600, rerun=_import_again)
def import_responses(round_id: int, stored: str, mapping: dict[str, int], source_name: str,
                     user_id: int | None) -> None:
    actor = db.session.get(User, user_id) if user_id is not None else None
    locale = actor.locale if actor is not None else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):  # the problems in the language of who asked
        try:
            survey_round = db.session.get(SurveyRound, round_id)
            if survey_round is None:
                raise ImportRejected([ImportProblem(None, _("This round no longer exists."))])
            if not storage.exists(IMPORTS, stored):
                raise ImportRejected([ImportProblem(None, _("The uploaded file is gone; upload it again."))])
            table = spreadsheets.read(storage.read(IMPORTS, stored), stored.rsplit(".", 1)[-1])
            counts = services.import_responses(survey_round, table, mapping, source_name, actor,
                                               no_answer=survey_round.survey.no_answer or ())
        except ImportRejected as error:
            db.session.rollback()
            jobs.set_result({"imported": False, "message": error.message,
                             "problems": [[problem.row, problem.message] for problem in error.problems]})
        else:
            jobs.set_result({"imported": True, "counts": counts})
        finally:
            storage.delete(IMPORTS, stored)


def start(survey_round: SurveyRound, stored: str, mapping: dict[str, int], source_name: str, user) -> jobs.Job:
    """Queue the import of a stored file; the job comes back WAITING when the queue cannot be reached."""
    return jobs.enqueue(IMPORT, user=user, round_id=survey_round.id, stored=stored, mapping=mapping,
                        source_name=source_name[:255], user_id=getattr(user, "id", None))


def job_of_round(round_id: int, job_id: int) -> jobs.Job | None:
    """The import job of this round, or None (another round's, another kind, or none)."""
    job = jobs.get(job_id)
    if job is None or job.name != IMPORT or (job.arguments or {}).get("round_id") != round_id:
        return None
    return job


def running_import(round_id: int) -> jobs.Job | None:
    """The round's import still queued or running, if any, for its page to point to (the latest few imports are
    looked at: one query, whatever the number of jobs)."""
    for job in jobs.recent_of(IMPORT, jobs.ACTIVE_STATUSES, limit=20):
        if (job.arguments or {}).get("round_id") == round_id:
            return job
    return None
