"""Rendering dossier versions off the request, its state kept in the version's row.

The request that asks for a version returns at once; the page polls the row. The layout runs in a child
process forked from the worker (it inherits the configured app, and lowers its priority), watched by a thread
of the worker: WeasyPrint's layout holds Python's GIL for seconds, and in a thread of the worker it slowed
every other request of that worker to a crawl. With QMS_DOSSIER_SYNC set (tests), the job runs inside the
request instead. A job cut off by a restart is shown as failed after a while (services.expire_stale).
"""
from __future__ import annotations

import multiprocessing
import os
import threading

from flask import Flask, current_app

from qms.extensions import db

_semaphore = threading.BoundedSemaphore(1)  # one render at a time per process: the machine has few cores


def start(version_id: int) -> threading.Thread | None:
    app = current_app._get_current_object()
    if app.config.get("QMS_DOSSIER_SYNC"):
        _run_here(version_id)
        return None
    thread = threading.Thread(target=_run, args=(app, version_id), name=f"dossier-{version_id}", daemon=True)
    thread.start()
    return thread


def _run_here(version_id: int) -> None:
    from qms.dossier import services

    services.render_version(version_id)


def _child(app: Flask, version_id: int) -> None:
    with app.app_context():
        db.engine.dispose(close=False)  # the parent's pooled connections stay the parent's
        try:
            os.nice(5)  # interactive requests first
        except OSError:
            pass
        _run_here(version_id)
        db.session.remove()


def _run(app: Flask, version_id: int) -> None:
    from qms.core.models import utcnow
    from qms.dossier.models import DossierVersion, VersionStatus

    with _semaphore:
        process = multiprocessing.get_context("fork").Process(target=_child, args=(app, version_id),
                                                              name=f"dossier-{version_id}", daemon=True)
        process.start()
        process.join()
        if process.exitcode == 0:
            return
        with app.app_context():  # the child died before it could say so itself
            try:
                version = db.session.get(DossierVersion, version_id)
                if version is not None and version.status in (VersionStatus.PENDING, VersionStatus.RUNNING):
                    version.status, version.error = VersionStatus.FAILED, f"exit code {process.exitcode}"
                    version.updated_at = utcnow()
                    db.session.commit()
            finally:
                db.session.remove()
