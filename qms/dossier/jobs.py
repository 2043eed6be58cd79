"""Rendering dossier versions off the request, its state kept in the version's row.

The request that asks for a version returns at once; the page polls the row. The layout runs in a child
process (started fresh, "spawn": a forked child would inherit SQLite's locks and the worker's connections)
that builds the app from the worker's configuration and lowers its priority, watched by a thread of the
worker: WeasyPrint's layout holds Python's GIL for seconds, and in a thread of the worker it slowed every other
request of that worker to a crawl. With QMS_DOSSIER_SYNC set (tests), the job runs inside the
request instead. A job cut off by a restart is shown as failed after a while (services.expire_stale).
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
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


def _portable_config(app: Flask) -> dict:
    """The worker's settings that can cross to a new process (plain values only)."""
    found = {}
    for key, value in app.config.items():
        if not key.isupper():
            continue
        try:
            pickle.dumps(value)
        except Exception:  # objects (JSON providers and the like) the new app makes again itself
            continue
        found[key] = value
    return found


def _child(config: dict, version_id: int) -> None:
    from qms import create_app

    try:
        os.nice(5)  # interactive requests first
    except OSError:
        pass
    app = create_app(config)
    with app.app_context():
        _run_here(version_id)
        db.session.remove()


def _run(app: Flask, version_id: int) -> None:
    from qms.core.models import utcnow
    from qms.dossier.models import DossierVersion, VersionStatus

    with _semaphore:
        process = multiprocessing.get_context("spawn").Process(
            target=_child, args=(_portable_config(app), version_id), name=f"dossier-{version_id}", daemon=True)
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
