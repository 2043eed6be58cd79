"""The checklist's reminders: items with a due date that are not ready yet, for their owners."""
from __future__ import annotations

import datetime as dt
import functools

from flask import current_app, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from qms.checklist.models import Assessment, AssessmentItem, ItemStatus
from qms.core.models import AwardCycle
from qms.extensions import db
from qms.spine import records
from qms.spine.reminders import Obligation, ReminderSource

ITEM_DUE = "checklist.item_due"


def collect_items(today: dt.date, user=None) -> list[Obligation]:
    """The current cycle's items with a due date, an owner and a status short of ready: one query.

    An item nobody owns is nobody's obligation yet (the checklist page shows it unassigned); items of earlier
    cycles are history, not work."""
    query = (select(AssessmentItem).join(Assessment).join(AwardCycle)
             .options(joinedload(AssessmentItem.assessment))
             .where(AwardCycle.is_current.is_(True), AssessmentItem.due_date.is_not(None),
                    AssessmentItem.owner_id.is_not(None), AssessmentItem.status != ItemStatus.READY))
    if user is not None:
        query = query.where(AssessmentItem.owner_id == getattr(user, "id", None))
    record_type = records.get("assessment_item")
    return [Obligation(ITEM_DUE, record_type.name, item.id, record_type.title(item), _l("Update its status"),
                       item.due_date, record_type.url_for(item.id), owner_id=item.owner_id)
            for item in db.session.scalars(query).unique()]


def item_owners(ids: list[int]) -> dict[int, int | None]:
    """RecordType.owner of checklist items: their owner, in one query."""
    return dict(db.session.execute(select(AssessmentItem.id, AssessmentItem.owner_id)
                                   .where(AssessmentItem.id.in_(list(ids)))).all()) if ids else {}


def _in_request(collect):
    """Sources build URLs with url_for: outside a request (the scheduler's job) they get a request of their own."""
    @functools.wraps(collect)
    def collect_in_request(today: dt.date, user=None) -> list[Obligation]:
        if has_request_context():
            return collect(today, user)
        with current_app.test_request_context("/"):
            return collect(today, user)
    return collect_in_request


SOURCES = (ReminderSource(ITEM_DUE, _l("Checklist items"), _in_request(collect_items), order=20),)
