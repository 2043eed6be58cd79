"""The "reminders.scan" job and the minute upkeep that queues it (every 15 minutes, and at the digest hour)."""
from __future__ import annotations

import datetime as dt
import logging

from flask_babel import lazy_gettext as _l

from qms import jobs
from qms.spine import clock

log = logging.getLogger(__name__)

SCAN = "reminders.scan"
EVERY = dt.timedelta(minutes=15)


@jobs.task(SCAN, label=_l("Reminders"), retries=2, retry_delay=60, timeout=600)
def run_scan() -> None:
    from qms.notifications import services

    result = services.scan(clock.now())
    log.info("reminders scanned: %s obligations, %s new notifications, %s notices, %s digests",
             result.obligations, result.created, result.notices, result.digests)


def scan_wanted(now: dt.datetime) -> bool:
    """Whether the upkeep should queue a scan at `now`: none waits, and the last one is 15 minutes old or the
    day's digest is due."""
    from qms.notifications import services

    if jobs.pending(SCAN):
        return False
    daily, weekly = services.digest_due(services.schedule(), now.astimezone(clock.zone()))
    if daily or weekly:
        return True
    last = jobs.latest(SCAN)
    return last is None or last.created_at is None or clock.utcnow() - last.created_at >= EVERY


def upkeep() -> None:
    from qms.extensions import db

    wanted = scan_wanted(clock.now())
    db.session.commit()  # the schedule row, made the first time
    if wanted:
        jobs.enqueue(SCAN)


def latest() -> jobs.Job | None:
    return jobs.latest(SCAN)


def run_now(actor) -> jobs.Job:
    return jobs.enqueue(SCAN, user=actor)
