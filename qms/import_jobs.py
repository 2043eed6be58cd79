"""Spreadsheet imports on the job queue (qms.jobs): the request stores the uploaded file and queues a job; the job
worker reads and checks every row and writes all of them or none; the import's page (/imports/<job>) follows
its progress and then shows what was written, or every problem by row. A full sheet (QMS_MAX_SHEET_CELLS,
500,000 cells) takes tens of seconds to check and write, longer than a web worker should be held.

A feature registers each of its imports once, by name, with a function of the rows, plain parameters (ids) and
the user who asked:

    @import_jobs.importer("checklist.assignments", title=_l("Import assignments"), success=changed_message,
                          back=lambda params: (url_for(...), _("Back to the checklist")))
    def import_assignments(table, params, actor): ...

and its upload view calls `views.import_job_view(form, "checklist.assignments", params, ...)`. The job leaves
its outcome in its row (`Job.result`): {"imported": true, "message"} or {"imported": false, "message",
"problems": [[row, message], ...]}, in the language of who asked. The uploaded file is deleted after the run.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms import jobs, spreadsheets, storage
from qms.auth.models import User
from qms.core.services import ImportProblem, ImportRejected, ServiceError
from qms.extensions import db

TASK = "imports.run"
AREA = "imports"  # the storage area of uploaded sheets waiting for their job (or for a survey's column mapping)


@dataclass(frozen=True)
class Importer:
    name: str
    title: Any  # the import page's heading (lazy)
    run: Callable[[list[list], Mapping[str, Any], Any], Any]  # (rows, params, actor) -> what was written
    success: Callable[[Any], str]  # what was written, in words (run in the job, in the asker's language)
    back: Callable[[Mapping[str, Any]], tuple[str, Any]]  # (address, link text) of the page the import serves


_IMPORTERS: dict[str, Importer] = {}


def importer(name: str, *, title, success: Callable[[Any], str],
             back: Callable[[Mapping[str, Any]], tuple[str, Any]]):
    """Register the decorated function as the import `name`."""
    def register(run):
        _IMPORTERS[name] = Importer(name, title, run, success, back)
        return run
    return register


def get_importer(name: str) -> Importer | None:
    return _IMPORTERS.get(name)


def _import_again(arguments: dict, actor) -> dict:
    """The jobs page's "run again": the uploaded file went with the first run, so there is nothing to run."""
    raise ServiceError(_("The uploaded file is not kept after an import: upload it again."))


def _rows(stored: str) -> list[list]:
    """The stored sheet's rows; ImportRejected (with the reason) when it is gone or cannot be read."""
    if not storage.exists(AREA, stored):
        raise ImportRejected([ImportProblem(None, _("The uploaded file is gone; upload it again."))])
    fmt = stored.rsplit(".", 1)[-1]
    try:
        return spreadsheets.read(storage.read(AREA, stored), fmt)
    except spreadsheets.TooLarge:
        raise ImportRejected([ImportProblem(None, spreadsheets.too_large_message())]) from None
    except spreadsheets.SpreadsheetError:
        unreadable = _("This file could not be read as %(format)s.", format=fmt.upper())
        raise ImportRejected([ImportProblem(None, unreadable)]) from None


@jobs.task(TASK, label=_l("Spreadsheet import"), timeout=900, rerun=_import_again)
def run_import(importer: str, params: dict, stored: str, user_id: int | None) -> None:
    actor = db.session.get(User, user_id) if user_id is not None else None
    locale = actor.locale if actor is not None else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):  # the outcome in the language of who asked
        try:
            found = _IMPORTERS.get(importer)
            if found is None:
                raise ImportRejected([ImportProblem(None, _("This kind of import no longer exists."))])
            done = found.run(_rows(stored), params, actor)
        except ImportRejected as error:
            db.session.rollback()
            jobs.set_result({"imported": False, "message": error.message,
                             "problems": [[problem.row, problem.message] for problem in error.problems]})
        except ServiceError as error:  # a refusal of the whole import (its checklist or cycle is gone, say)
            db.session.rollback()
            jobs.set_result({"imported": False, "message": error.message, "problems": []})
        else:
            jobs.set_result({"imported": True, "message": found.success(done)})
        finally:
            storage.delete(AREA, stored)


def start(name: str, params: Mapping[str, Any], data: bytes, fmt: str, user) -> jobs.Job:
    """Store the sheet and queue its import; the job comes back WAITING when the queue cannot be reached.
    StorageError (disk full, read-only) when the file cannot be stored: nothing is queued."""
    if name not in _IMPORTERS:
        raise KeyError(name)
    stored = storage.write(AREA, data, suffix=f".{fmt}")
    return jobs.enqueue(TASK, user=user, importer=name, params=dict(params), stored=stored,
                        user_id=getattr(user, "id", None))


def state(job: jobs.Job) -> dict:
    """What an import's page and its JSON say about its job, read from its row."""
    result = job.result or {}
    return {"running": job.active, "paused": job.status == jobs.JobStatus.WAITING, "done": job.progress_done,
            "total": job.progress_total or 0, "failed": job.status == jobs.JobStatus.FAILED,
            "error": job.error if job.status == jobs.JobStatus.FAILED else None,
            "imported": result.get("imported"), "message": result.get("message"),
            "counts": result.get("counts") or {},
            "problems": [ImportProblem(row, message) for row, message in result.get("problems") or []]}
