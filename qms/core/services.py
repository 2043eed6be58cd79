"""Rules and writes for the organization profile and award cycles."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from flask_babel import gettext as _
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from qms.core import audit
from qms.core.models import AuditEvent, AwardCycle, CycleStatus, Organization
from qms.extensions import db

ORGANIZATION_FIELDS = ("name", "name_en", "motto", "area_km2", "population", "households", "staff_count", "as_of")
CYCLE_FIELDS = ("award_name", "year", "submission_deadline", "period_start", "period_end", "briefing_minutes",
                "status", "notes")


class ServiceError(Exception):
    """A rule said no; the message is translated and safe to show to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class ImportProblem:
    row: int | None  # the file's row number (1 is the header); None for the file as a whole
    message: str


class ImportRejected(ServiceError):
    """An import that wrote nothing, and every problem that made it so."""

    def __init__(self, problems: list[ImportProblem]):
        super().__init__(_("Nothing was imported: %(count)d problems.", count=len(problems)))
        self.problems = problems


def population_per_staff(population: int | None, staff_count: int | None) -> int | None:
    """Residents served per staff member, rounded half up to a whole person (as the award tables print it)."""
    if not population or not staff_count:
        return None
    return int((population * 2 + staff_count) // (staff_count * 2))


def days_until(deadline: dt.date | None, today: dt.date) -> int | None:
    """Whole days from today to the deadline: 0 on the day, negative once it has passed."""
    if deadline is None:
        return None
    return (deadline - today).days


def roc_year(year: int) -> int:
    """Republic of China (民國) year, as Taiwan's government writes dates: AD 2015 is ROC 104."""
    return year - 1911


# --- audited writes ---------------------------------------------------------------------------

def save_record(record: Any, values: Mapping[str, Any], actor, fields: tuple[str, ...] | None = None) -> Any:
    """Write values onto record with its audit event, and commit.

    A record not yet stored is added, and its creation event lists the given fields (by default those
    in values). A stored record's event lists only the fields that really changed; when none did, there
    is no event and no commit.
    """
    if inspect(record).has_identity:
        changes = audit.apply_changes(record, values)
        if not changes:
            return record
        audit.record_event(audit.UPDATE, record, actor, changes=changes)
    else:
        for name, value in values.items():
            setattr(record, name, value)
        db.session.add(record)
        audit.record_event(audit.CREATE, record, actor,
                           changes=audit.created(record, tuple(values) if fields is None else fields))
    db.session.commit()
    return record


def delete_record(record: Any, actor) -> None:
    """Delete record with an audit event naming it, and commit."""
    audit.record_event(audit.DELETE, record, actor, summary=str(record))
    db.session.delete(record)
    db.session.commit()


# --- organization -----------------------------------------------------------------------------

def get_organization() -> Organization | None:
    return db.session.scalars(select(Organization).order_by(Organization.id).limit(1)).first()


def save_organization(values: Mapping[str, Any], actor) -> Organization:
    data = {key: values[key] for key in ORGANIZATION_FIELDS if key in values}
    return save_record(get_organization() or Organization(), data, actor, fields=ORGANIZATION_FIELDS)


# --- award cycles -----------------------------------------------------------------------------

def list_cycles() -> list[AwardCycle]:
    return list(db.session.scalars(select(AwardCycle).order_by(AwardCycle.year.desc(), AwardCycle.award_name)))


def current_cycle() -> AwardCycle | None:
    return db.session.scalars(select(AwardCycle).where(AwardCycle.is_current.is_(True)).limit(1)).first()


def _check_unique(award_name: str, year: int, exclude_id: int | None = None) -> None:
    query = select(func.count()).select_from(AwardCycle).where(
        AwardCycle.award_name == award_name, AwardCycle.year == year)
    if exclude_id is not None:
        query = query.where(AwardCycle.id != exclude_id)
    if db.session.scalar(query):
        raise ServiceError(_("A cycle of this award for this year already exists."), field="year")


def _cycle_data(values: Mapping[str, Any], cycle: AwardCycle | None = None) -> dict:
    data = {key: values[key] for key in CYCLE_FIELDS if key in values}
    if "status" in data:
        data["status"] = CycleStatus(data["status"])
    start = data.get("period_start", getattr(cycle, "period_start", None))
    end = data.get("period_end", getattr(cycle, "period_end", None))
    if (start is None) != (end is None):
        raise ServiceError(_("Give both the first and the last day of the reporting period, or neither."),
                           field="period_end" if end is None else "period_start")
    if start is not None and start > end:
        raise ServiceError(_("The reporting period must end on or after the day it starts."), field="period_end")
    return data


def create_cycle(values: Mapping[str, Any], actor, make_current: bool = False) -> AwardCycle:
    data = _cycle_data(values)
    _check_unique(data["award_name"], data["year"])
    make_current = make_current or current_cycle() is None
    if make_current:
        _unset_current(actor)
    return save_record(AwardCycle(is_current=make_current), data, actor, fields=CYCLE_FIELDS + ("is_current",))


def update_cycle(cycle: AwardCycle, values: Mapping[str, Any], actor) -> AwardCycle:
    data = _cycle_data(values, cycle)
    _check_unique(data.get("award_name", cycle.award_name), data.get("year", cycle.year), exclude_id=cycle.id)
    return save_record(cycle, data, actor)


def _unset_current(actor) -> None:
    previous = current_cycle()
    if previous is not None:
        previous.is_current = False
        audit.record_event(audit.UPDATE, previous, actor, changes={"is_current": [True, False]})
        db.session.flush()  # one current cycle at a time, even mid-transaction


def _make_current(cycle: AwardCycle, actor) -> None:
    _unset_current(actor)
    cycle.is_current = True
    audit.record_event(audit.UPDATE, cycle, actor, changes={"is_current": [False, True]})


def set_current_cycle(cycle: AwardCycle, actor) -> AwardCycle:
    if not cycle.is_current:
        _make_current(cycle, actor)
        db.session.commit()
    return cycle


def delete_cycle(cycle: AwardCycle, actor) -> None:
    if cycle.is_current:
        raise ServiceError(_("The current cycle cannot be deleted: make another cycle current first."))
    audit.record_event(audit.DELETE, cycle, actor, summary=str(cycle),
                       changes={name: [value, None] for name, (_none, value)
                                in audit.created(cycle, CYCLE_FIELDS).items()})
    db.session.delete(cycle)
    try:
        db.session.commit()
    except IntegrityError:
        # Records of other modules (a self-assessment, say) still belong to this cycle.
        db.session.rollback()
        raise ServiceError(_("This cycle still has records (such as a self-assessment); delete those first.")
                           ) from None


# --- audit trail ------------------------------------------------------------------------------

def audit_query(entity_type: str | None = None, action: str | None = None, actor_id: int | None = None,
                since: dt.datetime | None = None, until: dt.datetime | None = None, text: str | None = None):
    query = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if since:
        query = query.where(AuditEvent.occurred_at >= since)
    if until:
        query = query.where(AuditEvent.occurred_at < until)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(AuditEvent.summary.ilike(pattern, escape="\\")
                            | AuditEvent.entity_title.ilike(pattern, escape="\\"))
    return query
