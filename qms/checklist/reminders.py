"""The checklist's reminders: items with a due date that are not ready yet, for their owners."""
from __future__ import annotations

import datetime as dt

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




SOURCES = (ReminderSource(ITEM_DUE, _l("Checklist items"), collect_items, order=20),)
