"""The briefing's reminders: open follow-up tasks of the current cycle's reviewer questions, for their owners."""
from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.briefing.models import BriefingQuestion, BriefingTask, TaskStatus
from qms.core.models import AwardCycle
from qms.extensions import db
from qms.spine import records
from qms.spine.reminders import Obligation, ReminderSource

TASK_DUE = "briefing.task_due"


def collect_tasks(today: dt.date, user=None) -> list[Obligation]:
    """Open tasks with an owner and a due date, of the current cycle's questions: one query."""
    query = (select(BriefingTask).join(BriefingQuestion, BriefingQuestion.id == BriefingTask.question_id)
             .join(AwardCycle, AwardCycle.id == BriefingQuestion.award_cycle_id)
             .where(AwardCycle.is_current.is_(True), BriefingTask.status != TaskStatus.DONE,
                    BriefingTask.owner_id.is_not(None), BriefingTask.due_date.is_not(None)))
    if user is not None:
        query = query.where(BriefingTask.owner_id == getattr(user, "id", None))
    record_type = records.get("briefing_task")
    url = url_for("briefing.index") + "#tasks"  # the tasks are done from the briefing page's list
    return [Obligation(TASK_DUE, record_type.name, task.id, record_type.title(task), _l("Do the follow-up task"),
                       task.due_date, record_type.url_for(task.id) or url, owner_id=task.owner_id)
            for task in db.session.scalars(query)]




SOURCES = (ReminderSource(TASK_DUE, _l("Briefing follow-up tasks"), collect_tasks, order=50),)
