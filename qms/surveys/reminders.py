"""The surveys' reminders: follow-up cases to answer, and survey rounds whose responses are still to import."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from qms.extensions import db
from qms.spine import clock, records
from qms.spine.access import Role
from qms.spine.reminders import Obligation, ReminderSource
from qms.surveys.models import FollowUpCase, SurveyRound

FOLLOW_UP_OPEN = "surveys.follow_up_open"
ROUND = "surveys.round"

QUALITY = frozenset({Role.QUALITY})


def follow_up_days() -> int:
    return int(current_app.config.get("QMS_FOLLOW_UP_DAYS", 7))


def collect_cases(today: dt.date, user=None) -> list[Obligation]:
    """Open follow-up cases, due QMS_FOLLOW_UP_DAYS after they were opened: for their owner, or the quality team
    while nobody owns them. One query."""
    query = select(FollowUpCase).where(FollowUpCase.closed_on.is_(None))
    if user is not None:
        mine = FollowUpCase.owner_id == getattr(user, "id", None)
        query = query.where(or_(mine, FollowUpCase.owner_id.is_(None)) if getattr(user, "role", None) in QUALITY
                            else mine)
    record_type = records.get("follow_up_case")
    within = dt.timedelta(days=follow_up_days())
    zone = clock.zone()
    return [Obligation(FOLLOW_UP_OPEN, record_type.name, case.id, record_type.title(case), _l("Answer the citizen"),
                       case.created_at.astimezone(zone).date() + within, record_type.url_for(case.id),
                       owner_id=case.owner_id, roles=frozenset() if case.owner_id else QUALITY,
                       stage="due" if case.owner_id else "unassigned")
            for case in db.session.scalars(query)]


def collect_rounds(today: dt.date, user=None) -> list[Obligation]:
    """Survey rounds with a closing date whose responses have not been imported: due when the round closes, for
    the quality team (and in the cycle's calendar). One query."""
    if user is not None and getattr(user, "role", None) not in QUALITY:
        return []
    record_type = records.get("survey_round")
    query = select(SurveyRound).where(SurveyRound.period_end.is_not(None), SurveyRound.imported_at.is_(None))
    return [Obligation(ROUND, record_type.name, survey_round.id, record_type.title(survey_round),
                       _l("Import the round's responses"), survey_round.period_end,
                       record_type.url_for(survey_round.id), roles=QUALITY, stage="import")
            for survey_round in db.session.scalars(query)]




SOURCES = (
    ReminderSource(FOLLOW_UP_OPEN, _l("Follow-up cases"), collect_cases, order=40),
    ReminderSource(ROUND, _l("Survey rounds"), collect_rounds, order=41),
)
