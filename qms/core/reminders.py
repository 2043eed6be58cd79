"""The core's reminders: the current award cycle's submission deadline, for the quality team and leadership."""
from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.core.models import AwardCycle, CycleStatus
from qms.extensions import db
from qms.spine import records
from qms.spine.access import Role
from qms.spine.reminders import Obligation, ReminderSource

DOSSIER_DEADLINE = "core.dossier_deadline"

AUDIENCE = frozenset({Role.QUALITY, Role.LEADER})
# A missed deadline stays in view this long (the late submission may still be agreed), then drops out.
PAST_DEADLINE = dt.timedelta(days=30)


def collect_deadline(today: dt.date, user=None) -> list[Obligation]:
    """The current cycle's submission deadline, while it is still being prepared: one query."""
    if user is not None and getattr(user, "role", None) not in AUDIENCE:
        return []
    cycle = db.session.scalars(select(AwardCycle).where(
        AwardCycle.is_current.is_(True), AwardCycle.status == CycleStatus.PREPARING,
        AwardCycle.submission_deadline.is_not(None),
        AwardCycle.submission_deadline >= today - PAST_DEADLINE)).first()
    if cycle is None:
        return []
    record_type = records.get("award_cycle")
    # The cycles page, which everyone concerned may open (a cycle's edit page is the administrators').
    return [Obligation(DOSSIER_DEADLINE, record_type.name, cycle.id, record_type.title(cycle),
                       _l("Submit the application dossier"), cycle.submission_deadline, url_for("core.cycles"),
                       roles=AUDIENCE, stage="submit")]



SOURCES = (ReminderSource(DOSSIER_DEADLINE, _l("Submission deadline"), collect_deadline, order=10),)
