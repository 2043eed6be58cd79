"""Rendering dossier versions off the request: a thread per job, its state kept in the version's row.

The request that asks for a version returns at once; the page polls the row. A thread works the same under
`flask run` (threaded) and gunicorn (the worker process keeps serving requests while it renders). With
QMS_DOSSIER_SYNC set (tests), the job runs inside the request instead. A job cut off by a restart is shown
as failed after a while (services.expire_stale).
"""
from __future__ import annotations

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


def _run(app: Flask, version_id: int) -> None:
    with _semaphore, app.app_context():
        try:
            _run_here(version_id)
        finally:
            db.session.remove()
