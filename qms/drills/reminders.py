"""The drills' reminders: corrective actions to carry out, verify or assign, re-drills due, and this month's
planned drills not yet held."""
from __future__ import annotations

import calendar
import datetime as dt

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from qms.drills.models import ActionStatus, CorrectiveAction, Drill, DrillPlan
from qms.extensions import db
from qms.spine import clock, records
from qms.spine.access import Role
from qms.spine.reminders import Obligation, ReminderSource

ACTION_DUE = "drills.action_due"
ACTION_VERIFY = "drills.action_verify"
ACTION_UNASSIGNED = "drills.action_unassigned"
REDRILL_DUE = "drills.redrill_due"
PLANNED_MONTH = "drills.planned_month"

QUALITY = frozenset({Role.QUALITY})
OPEN = (ActionStatus.OPEN, ActionStatus.REOPENED)
# A done action without a due date is to be verified within this many days of being done.
VERIFY_WITHIN = dt.timedelta(days=14)


def _concerns_team(user) -> bool:
    return user is None or getattr(user, "role", None) in QUALITY


def collect_actions(today: dt.date, user=None) -> list[Obligation]:
    """Open or reopened actions with an owner, for that owner: one query."""
    query = select(CorrectiveAction).where(CorrectiveAction.status.in_(OPEN), CorrectiveAction.owner_id.is_not(None))
    if user is not None:
        query = query.where(CorrectiveAction.owner_id == getattr(user, "id", None))
    record_type = records.get("corrective_action")
    return [Obligation(ACTION_DUE, record_type.name, action.id, record_type.title(action),
                       _l("Carry out the corrective action"), action.due_date, record_type.url_for(action.id),
                       owner_id=action.owner_id)
            for action in db.session.scalars(query)]


def collect_verifications(today: dt.date, user=None) -> list[Obligation]:
    """Done actions awaiting the quality team's effectiveness check: one query (none for other users)."""
    if not _concerns_team(user):
        return []
    record_type = records.get("corrective_action")
    found = []
    for action in db.session.scalars(select(CorrectiveAction).where(CorrectiveAction.status == ActionStatus.DONE)):
        due = action.due_date
        if due is None and action.done_at is not None:
            due = action.done_at.astimezone(clock.zone()).date() + VERIFY_WITHIN
        found.append(Obligation(ACTION_VERIFY, record_type.name, action.id, record_type.title(action), _l("Verify"),
                                due, record_type.url_for(action.id), roles=QUALITY, stage="verify"))
    return found


def collect_unassigned(today: dt.date, user=None) -> list[Obligation]:
    """Open actions nobody owns: the quality team assigns them (undated: listed, never overdue). One query."""
    if not _concerns_team(user):
        return []
    record_type = records.get("corrective_action")
    query = select(CorrectiveAction).where(CorrectiveAction.status.in_(OPEN), CorrectiveAction.owner_id.is_(None))
    return [Obligation(ACTION_UNASSIGNED, record_type.name, action.id, record_type.title(action),
                       _l("Assign an owner"), None, record_type.url_for(action.id), roles=QUALITY,
                       stage="unassigned")
            for action in db.session.scalars(query)]


def collect_redrills(today: dt.date, user=None) -> list[Obligation]:
    """Failed drills whose re-drill (Drill.redrill_on, set when a drill fails) no later drill of the same unit on
    the same channel has answered yet; the same rule as the drills card. One query."""
    if not _concerns_team(user):
        return []
    later = aliased(Drill)
    answered = (select(later.id).where(later.channel == Drill.channel, later.unit_observed == Drill.unit_observed,
                                       later.occurred_at > Drill.occurred_at).exists())
    record_type = records.get("drill")
    return [Obligation(REDRILL_DUE, record_type.name, drill.id, record_type.title(drill), _l("Drill the unit again"),
                       drill.redrill_on, record_type.url_for(drill.id), roles=QUALITY, stage="redrill")
            for drill in db.session.scalars(select(Drill).where(Drill.redrill_on.is_not(None), ~answered))]


def collect_planned(today: dt.date, user=None) -> list[Obligation]:
    """This month's plans with fewer drills held than planned, one per channel, due on the month's last day.
    One query: the plans with the drills held that month (in the office's calendar) counted beside them."""
    if not _concerns_team(user):
        return []
    zone = clock.zone()
    first = dt.datetime(today.year, today.month, 1, tzinfo=zone)
    after = dt.datetime(today.year + today.month // 12, today.month % 12 + 1, 1, tzinfo=zone)
    last_day = dt.date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    held = (select(func.count(Drill.id)).where(Drill.channel == DrillPlan.channel, Drill.occurred_at >= first,
                                               Drill.occurred_at < after).scalar_subquery())
    rows = db.session.execute(select(DrillPlan, held).where(DrillPlan.year == today.year,
                                                            DrillPlan.month == today.month,
                                                            DrillPlan.planned > held))
    url = url_for("drills.schedule")
    return [Obligation(PLANNED_MONTH, "drill_plan", plan.id, f"{plan.channel.label} · {done}/{plan.planned}",
                       _l("Carry out the planned drills"), last_day, url, roles=QUALITY, stage="planned")
            for plan, done in rows]




SOURCES = (
    ReminderSource(ACTION_DUE, _l("Corrective actions"), collect_actions, order=30),
    ReminderSource(ACTION_VERIFY, _l("Corrective actions to verify"), collect_verifications, order=31),
    ReminderSource(ACTION_UNASSIGNED, _l("Corrective actions without an owner"), collect_unassigned,
                   order=32),
    ReminderSource(REDRILL_DUE, _l("Re-drills"), collect_redrills, order=33),
    ReminderSource(PLANNED_MONTH, _l("Planned drills"), collect_planned, order=34),
)
