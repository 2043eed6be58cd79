"""The search index's background jobs: applying queued changes after writes, and a full rebuild."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms import jobs, search
from qms.core import audit
from qms.extensions import db
from qms.spine import records

SEARCH_INDEX = audit.name_entity("search_index", _l("Search index"))


@jobs.task("search.sync", label=_l("Search index update"), retries=2, retry_delay=30, timeout=600)
def sync_index() -> None:
    try:
        search.sync()
    except search.IndexUnavailable:
        pass  # search says so; the changes wait in the queue for the rebuild


@jobs.task("search.rebuild", label=_l("Search index rebuild"), timeout=3600)
def rebuild_index(user_id: int | None = None) -> None:
    total = search.count_searchable(db.session)
    done = 0
    jobs.progress(0, total)

    def step(count: int) -> None:
        nonlocal done
        done += count
        jobs.progress(done, total)

    written = search.reindex(progress=step)
    jobs.progress(written, written)  # what the status page reports as written
    actor = db.session.get(records.get("user").model, user_id) if user_id else None
    audit.record_event(audit.UPDATE, None, actor, entity_type=SEARCH_INDEX,
                       summary=_("Search index rebuilt: %(count)d records.", count=written))
    db.session.commit()


@jobs.every_minute
def sync_leftovers() -> None:
    """Changes queued by a write whose process died before it could queue their update are applied here."""
    if search.waiting(older_than=dt.timedelta(minutes=1)) == 0:
        return
    if not jobs.pending("search.sync"):
        jobs.enqueue("search.sync")


def start_rebuild(actor) -> jobs.Job:
    """Queue a rebuild, unless one is already waiting or running (then that one is returned)."""
    current = jobs.latest("search.rebuild")
    if current is not None and current.active:
        return current
    return jobs.enqueue("search.rebuild", user=actor, user_id=getattr(actor, "id", None))
