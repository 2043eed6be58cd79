"""Rules and writes for drills: scorecards and their versions, scenarios, drill logs, corrective actions, plans."""
from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from qms import uploads
from qms.auth.models import User
from qms.core import audit
from qms.core.models import utcnow
from qms.core.services import ServiceError, delete_record, save_record
from qms.drills import scorecard_files, scoring
from qms.drills.models import (
    ActionStatus,
    Channel,
    CorrectiveAction,
    Drill,
    DrillPlan,
    DrillScore,
    Scenario,
    Scorecard,
    ScorecardCriterion,
    ScorecardSection,
    UnitSupervisor,
)
from qms.evidence import services as evidence
from qms.extensions import db
from qms.i18n import localized
from qms.spine import clock
from qms.spine.access import Role
from qms.text import CONTROL_CHARACTERS

REDRILL_AFTER = dt.timedelta(days=14)
# A corrective action a failed drill proposes is due this many days after the drill.
ACTION_DAYS = 14
# Instance setting: the username of who owns proposed actions of a unit without a supervisor (none if unset).
DEFAULT_OWNER_SETTING = "QMS_DRILL_ACTION_OWNER"
# What a drill's scores send for a criterion marked not applicable (stored as value None, the reason in the remark).
NOT_APPLICABLE = "na"
DRILL_FIELDS = ("occurred_at", "channel", "scenario_id", "scorecard_id", "shopper_id", "shopper_name",
                "unit_observed", "staff_names", "waiting_minutes", "handling_minutes", "comments", "redrill_on")
ACTION_FIELDS = ("title", "owner_id", "due_date", "root_cause", "action_taken")
SCENARIO_FIELDS = ("title_zh", "title_en", "channel", "request", "expected", "should_refuse", "active")


def is_quality(user) -> bool:
    return user.is_authenticated and user.has_role(Role.QUALITY)


def can_see_staff_names(user) -> bool:
    return is_quality(user)


def can_edit_drill(user, drill: Drill) -> bool:
    if is_quality(user):
        return True
    return user.is_authenticated and drill.author_id == user.id and drill.reviewed_at is None


# --- scorecards -------------------------------------------------------------------------------

def latest_scorecard(key: str) -> Scorecard | None:
    return db.session.scalars(select(Scorecard).where(Scorecard.key == key)
                              .order_by(Scorecard.version.desc()).limit(1)).first()


def current_scorecards() -> list[Scorecard]:
    """The latest version of each scorecard."""
    latest = select(Scorecard.key, func.max(Scorecard.version).label("version")).group_by(Scorecard.key).subquery()
    return list(db.session.scalars(select(Scorecard).join(latest, (Scorecard.key == latest.c.key)
                                                          & (Scorecard.version == latest.c.version))
                                   .order_by(Scorecard.channel, Scorecard.key)))


def all_scorecards() -> list[Scorecard]:
    return list(db.session.scalars(select(Scorecard).order_by(Scorecard.key, Scorecard.version.desc())))


def is_used(scorecard: Scorecard) -> bool:
    return db.session.scalar(select(Drill.id).where(Drill.scorecard_id == scorecard.id).limit(1)) is not None


def _build(spec, version: int, bands: list[dict] | None = None) -> Scorecard:
    scorecard = Scorecard(key=spec.key, version=version, name_zh=spec.name_zh, name_en=spec.name_en,
                          channel=spec.channel, description_zh=spec.description_zh,
                          description_en=spec.description_en, bands=bands or spec.bands,
                          source_text=spec.source_text, content_sha256=spec.sha256)
    for s_pos, section_spec in enumerate(spec.sections):
        section = ScorecardSection(code=section_spec.code, name_zh=section_spec.name_zh,
                                   name_en=section_spec.name_en, position=s_pos)
        for c_pos, c in enumerate(section_spec.criteria):
            section.criteria.append(ScorecardCriterion(code=c.code, text_zh=c.text_zh, text_en=c.text_en,
                                                       scale=c.scale, weight=c.weight, max_points=c.max_points,
                                                       critical=c.critical, position=c_pos))
        scorecard.sections.append(section)
    return scorecard


def import_scorecard(text: str, actor) -> tuple[Scorecard, bool]:
    """A new scorecard, or a new version of one whose file changed; unchanged files change nothing."""
    spec = scorecard_files.parse(text)
    latest = latest_scorecard(spec.key)
    if latest is not None and latest.content_sha256 == spec.sha256:
        return latest, False
    if latest is not None and not is_used(latest):
        # Nobody has scored with it yet: replace it in place rather than pile up versions.
        audit.record_event(audit.DELETE, latest, actor, summary=str(latest))
        db.session.delete(latest)
        db.session.flush()
        version = latest.version
    else:
        version = (latest.version + 1) if latest else 1
    scorecard = _build(spec, version)
    db.session.add(scorecard)
    audit.record_event(audit.CREATE, scorecard, actor, changes={"key": [None, scorecard.key],
                                                                "version": [None, version]})
    db.session.commit()
    return scorecard, True


def import_shipped(actor=None) -> list[Scorecard]:
    return [import_scorecard(path.read_text(encoding="utf-8"), actor)[0] for path in scorecard_files.shipped_files()]


def update_bands(scorecard: Scorecard, bands: list[dict], actor) -> Scorecard:
    """New rating bands; a scorecard already used by drills gets a new version instead, so old drills keep theirs."""
    if is_used(scorecard):
        spec = scorecard_files.parse(scorecard.source_text)
        newer = _build(spec, (latest_scorecard(scorecard.key).version + 1), bands=bands)
        db.session.add(newer)
        audit.record_event(audit.CREATE, newer, actor, changes={"key": [None, newer.key],
                                                                "version": [None, newer.version],
                                                                "bands": [None, _bands_text(bands)]})
        db.session.commit()
        return newer
    changes = audit.apply_changes(scorecard, {"bands": bands})
    if changes:
        audit.record_event(audit.UPDATE, scorecard, actor, changes={"bands": [_bands_text(changes["bands"][0]),
                                                                              _bands_text(bands)]})
        db.session.commit()
    return scorecard


def _bands_text(bands) -> str:
    return ", ".join(f"{b['key']} ≥ {b['min']:g}" for b in bands or [])


def criteria_of(scorecard: Scorecard) -> list[ScorecardCriterion]:
    return [c for section in scorecard.sections for c in section.criteria]


def band_label(scorecard: Scorecard, key: str, chinese: bool) -> str:
    if key == scoring.FAILED:
        return _("Failed (critical criterion missed)")
    for band in scorecard.bands:
        if band["key"] == key:
            return band["zh_Hant_TW"] if chinese else band["en"]
    return key or "—"


def passing(scorecard: Scorecard, drill: Drill) -> bool:
    """A drill passes when no critical criterion was missed and it reaches a band whose minimum is above 0."""
    if drill.critical_failed or drill.total_pct is None:
        return False
    lowest_pass = min((Decimal(str(b["min"])) for b in scorecard.bands if b["min"] > 0), default=Decimal(0))
    return drill.total_pct >= lowest_pass


# --- scenarios --------------------------------------------------------------------------------

def list_scenarios(active_only: bool = False) -> list[Scenario]:
    query = select(Scenario).order_by(Scenario.channel, Scenario.title_zh)
    if active_only:
        query = query.where(Scenario.active.is_(True))
    return list(db.session.scalars(query))


def save_scenario(scenario: Scenario | None, values: Mapping[str, Any], actor) -> Scenario:
    data = {key: values[key] for key in SCENARIO_FIELDS if key in values}
    if not str(data.get("title_zh") or "").strip():
        raise ServiceError(_("This field is required."), field="title_zh")
    data["channel"] = Channel(data["channel"])
    return save_record(scenario or Scenario(), data, actor, fields=("title_zh", "channel"))


# --- drills -----------------------------------------------------------------------------------

def marks(scorecard: Scorecard, values: Mapping[int, Decimal | None]) -> list[scoring.Mark]:
    return [scoring.Mark(criterion_id=c.id, section=c.section.code, weight=c.weight, scale=c.scale,
                         value=values.get(c.id), max_points=c.max_points, critical=c.critical)
            for c in criteria_of(scorecard)]


def result_of(drill: Drill) -> scoring.Result:
    values = {s.criterion_id: s.value for s in drill.scores}
    return scoring.score(marks(drill.scorecard, values), drill.scorecard.bands)


class ScoresRefused(ServiceError):
    """Criteria left unscored, scored off their scale, or marked not applicable without a reason.

    `problems` holds a message per form field (score_<id> or remark_<id>); the error itself names the first."""

    def __init__(self, problems: dict[str, str]):
        field, message = next(iter(problems.items()))
        super().__init__(message, field=field)
        self.problems = problems


def check_scores(criteria: list[ScorecardCriterion], scores: Mapping[int, tuple[Any, str]]
                 ) -> tuple[dict[int, tuple[Decimal | None, str]], dict[str, str]]:
    """Each criterion's value (None: not applicable) and remark, and what is wrong with them by field name.

    Every criterion must be scored on its scale, or marked NOT_APPLICABLE with the reason in its remark: a blank
    score is a criterion nobody looked at, and must not pass silently for "not applicable"."""
    clean: dict[int, tuple[Decimal | None, str]] = {}
    problems: dict[str, str] = {}
    for criterion in criteria:
        raw, remark = scores.get(criterion.id, (None, ""))
        remark = (remark or "").strip()[:500]
        raw = "" if raw is None else str(raw).strip()
        if raw == "":
            problems[f"score_{criterion.id}"] = _("Score this criterion, or mark it not applicable and give the "
                                                  "reason in its remark.")
            continue
        if raw == NOT_APPLICABLE:
            if not remark:
                problems[f"remark_{criterion.id}"] = _("Give the reason this criterion is not applicable.")
            clean[criterion.id] = (None, remark)
            continue
        try:
            value = Decimal(raw)
        except ArithmeticError:
            value = None
        if value is None or not value.is_finite() or not scoring.allowed(criterion.scale, value,
                                                                         criterion.max_points):
            problems[f"score_{criterion.id}"] = _("This score is outside the criterion's scale.")
            continue
        clean[criterion.id] = (value, remark)
    return clean, problems


def save_drill(drill: Drill | None, values: Mapping[str, Any], scores: Mapping[int, tuple[Any, str]], actor,
               now: dt.datetime | None = None) -> Drill:
    """Log or correct a drill with its scores; computes the total and rating, proposes corrective actions."""
    now = now or utcnow()
    data = {key: values[key] for key in DRILL_FIELDS if key in values}
    if drill is not None and not can_see_staff_names(actor):
        data.pop("staff_names", None)  # staff never see, so never overwrite, the names
    if data.get("occurred_at") is None:
        raise ServiceError(_("This field is required."), field="occurred_at")
    if data["occurred_at"] > now:
        raise ServiceError(_("A drill cannot be in the future."), field="occurred_at")
    data["channel"] = Channel(data["channel"])
    scorecard = db.session.get(Scorecard, data.get("scorecard_id") or (drill.scorecard_id if drill else 0))
    if scorecard is None:
        raise ServiceError(_("Choose a scorecard."), field="scorecard_id")
    if drill is not None and scorecard.id != drill.scorecard_id:
        raise ServiceError(_("A logged drill keeps the scorecard it was scored with."), field="scorecard_id")
    for key in ("waiting_minutes", "handling_minutes"):
        if data.get(key) is not None and Decimal(str(data[key])) < 0:
            raise ServiceError(_("Enter a number of at least %(min)s.", min=0), field=key)
    criteria = {c.id: c for c in criteria_of(scorecard)}
    clean, problems = check_scores(list(criteria.values()), scores)
    if problems:
        raise ScoresRefused(problems)
    result = scoring.score(marks(scorecard, {cid: v for cid, (v, _r) in clean.items()}), scorecard.bands)
    if result.total_pct is None:
        # No total, no band: such a drill would schedule a re-drill and drop out of every count.
        raise ServiceError(_("Nothing was scored: a drill needs at least one applicable criterion."))
    data.update(total_pct=result.total_pct, rating=result.rating, critical_failed=bool(result.critical_missed))
    created = drill is None
    if created:
        drill = Drill(author_id=getattr(actor, "id", None), **data)
        db.session.add(drill)
        db.session.flush()
        changes = audit.created(drill, ("occurred_at", "channel", "unit_observed", "total_pct", "rating"))
    else:
        changes = audit.apply_changes(drill, data)
    existing = {s.criterion_id: s for s in drill.scores}
    for criterion_id, (value, remark) in clean.items():
        score = existing.get(criterion_id)
        if score is None:
            drill.scores.append(DrillScore(criterion_id=criterion_id, value=value, remark=remark))
        elif (score.value, score.remark) != (value, remark):
            changes[f"score {criteria[criterion_id].code}"] = [str(score.value), str(value)]
            score.value, score.remark = value, remark
    if not passing(scorecard, drill) and drill.redrill_on is None:
        drill.redrill_on = drill.occurred_at.date() + REDRILL_AFTER
    if created or changes:
        audit.record_event(audit.CREATE if created else audit.UPDATE, drill, actor, changes=changes)
    if created and result.missed:
        owner_id = suggested_owner_id(drill.unit_observed)
        due = drill.occurred_at.astimezone(clock.zone()).date() + dt.timedelta(days=ACTION_DAYS)
        for criterion_id in result.missed:
            criterion = criteria[criterion_id]
            _new_action(drill, criterion_id, f"{criterion.code} {criterion.text_zh}"[:300], due, actor,
                        owner_id=owner_id, finding=clean[criterion_id][1])
    db.session.commit()
    return drill


def review(drill: Drill, actor, now: dt.datetime | None = None) -> Drill:
    if drill.reviewed_at is None:
        drill.reviewed_at, drill.reviewed_by_id = now or utcnow(), actor.id
        audit.record_event(audit.UPDATE, drill, actor, changes={"reviewed_at": [None, drill.reviewed_at.isoformat()]})
        db.session.commit()
    return drill


def delete_drill(drill: Drill, actor) -> None:
    stored = evidence.delete_all_of("drill", [drill.id], actor)
    delete_record(drill, actor)
    for name in stored:
        uploads.discard(name)


@dataclass
class DrillFilters:
    channel: str | None = None
    month: str | None = None  # YYYY-MM
    failed_only: bool = False


def list_drills(filters: DrillFilters | None = None, limit: int | None = None) -> list[Drill]:
    query = drills_query(filters)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def drills_query(filters: DrillFilters | None = None):
    """The drill log, newest first (id breaks ties so pages never repeat or skip a drill)."""
    filters = filters or DrillFilters()
    query = select(Drill).order_by(Drill.occurred_at.desc(), Drill.id.desc())
    if filters.channel:
        query = query.where(Drill.channel == Channel(filters.channel))
    if filters.month:
        year, month = (int(part) for part in filters.month.split("-"))
        start = dt.datetime(year, month, 1, tzinfo=dt.timezone.utc)
        end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.timezone.utc)
        query = query.where(Drill.occurred_at >= start, Drill.occurred_at < end)
    if filters.failed_only:
        query = query.where(Drill.redrill_on.is_not(None))
    return query


# --- corrective actions -----------------------------------------------------------------------

def _new_action(drill, criterion_id, title, due_date, actor, owner_id: int | None = None,
                finding: str = "") -> CorrectiveAction:
    action = CorrectiveAction(drill_id=drill.id if drill else None, criterion_id=criterion_id, title=title,
                              due_date=due_date, status=ActionStatus.OPEN, owner_id=owner_id, finding=finding or "")
    db.session.add(action)
    audit.record_event(audit.CREATE, action, actor, changes=audit.created(
        action, ("title", "due_date", "status", "owner_id", "finding")))
    return action


def default_owner_id() -> int | None:
    """The configured fallback owner (an active user's username in QMS_DRILL_ACTION_OWNER), else none."""
    username = (current_app.config.get(DEFAULT_OWNER_SETTING) or "").strip()
    if not username:
        return None
    return db.session.scalar(select(User.id).where(User.username == username, User.active.is_(True)))


def suggested_owner_id(unit: str) -> int | None:
    """Who should own a corrective action for this unit: its supervisor, else the configured default, else none."""
    unit = (unit or "").strip()
    if unit:
        owner_id = db.session.scalar(select(UnitSupervisor.user_id).join(User, User.id == UnitSupervisor.user_id)
                                     .where(UnitSupervisor.unit == unit, User.active.is_(True)))
        if owner_id is not None:
            return owner_id
    return default_owner_id()


def create_action(values: Mapping[str, Any], actor, drill: Drill | None = None) -> CorrectiveAction:
    data = {key: values[key] for key in ACTION_FIELDS if key in values}
    if not str(data.get("title") or "").strip():
        raise ServiceError(_("This field is required."), field="title")
    action = _new_action(drill, None, data.pop("title").strip(), data.pop("due_date", None), actor)
    for key, value in data.items():
        setattr(action, key, value)
    db.session.commit()
    return action


def update_action(action: CorrectiveAction, values: Mapping[str, Any], actor) -> CorrectiveAction:
    if action.status == ActionStatus.VERIFIED:
        raise ServiceError(_("A verified action is closed."))
    data = {key: values[key] for key in ACTION_FIELDS if key in values}
    if data.get("owner_id") is not None and db.session.get(User, data["owner_id"]) is None:
        raise ServiceError(_("No such user."), field="owner_id")
    return save_record(action, data, actor)


def mark_done(action: CorrectiveAction, actor, now: dt.datetime | None = None) -> CorrectiveAction:
    if action.status not in (ActionStatus.OPEN, ActionStatus.REOPENED):
        raise ServiceError(_("Only an open action can be marked done."))
    for key, label in (("root_cause", _("Root cause")), ("action_taken", _("Action taken"))):
        if not (getattr(action, key) or "").strip():
            raise ServiceError(_("%(field)s is needed before the action is done.", field=label), field=key)
    if action.owner_id is None:
        raise ServiceError(_("%(field)s is needed before the action is done.", field=_("Owner")), field="owner_id")
    old = action.status
    action.status, action.done_by_id, action.done_at = ActionStatus.DONE, actor.id, now or utcnow()
    audit.record_event(audit.UPDATE, action, actor, changes={"status": [old.value, action.status.value]})
    db.session.commit()
    return action


def verify(action: CorrectiveAction, actor, effective: bool, check: str,
           now: dt.datetime | None = None) -> CorrectiveAction:
    """Close (effective) or reopen (not effective) a done action; never by the user who did it."""
    if action.status != ActionStatus.DONE:
        raise ServiceError(_("Only a done action can be verified."))
    if action.done_by_id == actor.id:
        raise ServiceError(_("Verification must be done by someone other than the person who did the action."),
                           field="effectiveness_check")
    if not (check or "").strip():
        raise ServiceError(_("Describe the effectiveness check."), field="effectiveness_check")
    old = action.status
    action.effectiveness_check = check.strip()
    if effective:
        action.status, action.verified_by_id, action.verified_at = ActionStatus.VERIFIED, actor.id, now or utcnow()
    else:
        action.status = ActionStatus.REOPENED
    audit.record_event(audit.UPDATE, action, actor, changes={"status": [old.value, action.status.value],
                                                             "effectiveness_check": [None, action.effectiveness_check]})
    db.session.commit()
    return action


NOT_VERIFIED = (ActionStatus.OPEN, ActionStatus.REOPENED, ActionStatus.DONE)


def list_actions(status: str | None = None) -> list[CorrectiveAction]:
    return list(db.session.scalars(actions_query(status)))


def actions_query(status: str | None = None):
    """Corrective actions by due date (none last); "open": every one not yet verified; "unassigned": those of
    them without an owner."""
    query = select(CorrectiveAction).order_by(CorrectiveAction.due_date.is_(None), CorrectiveAction.due_date,
                                              CorrectiveAction.id)
    if status == "unassigned":
        query = query.where(CorrectiveAction.status.in_(NOT_VERIFIED), CorrectiveAction.owner_id.is_(None))
    elif status == "open":
        query = query.where(CorrectiveAction.status.in_(NOT_VERIFIED))
    elif status:
        query = query.where(CorrectiveAction.status == ActionStatus(status))
    return query


# --- unit supervisors --------------------------------------------------------------------------

SUPERVISOR_FIELDS = ("unit", "user_id")
SUPERVISOR_ENTITY = audit.name_entity("unit_supervisor", _l("Unit supervisor"),
                                      {"unit": _l("Unit"), "supervisor": _l("Supervisor")})


def _supervisor_changes(changes: dict) -> dict:
    """The change set with the supervisor by name, not by user id (the audit trail shows values as stored)."""
    if "user_id" not in changes:
        return changes
    names = [None if user_id is None else str(db.session.get(User, user_id) or user_id)
             for user_id in changes.pop("user_id")]
    return {**changes, "supervisor": names}


def list_supervisors() -> list[UnitSupervisor]:
    return list(db.session.scalars(select(UnitSupervisor).order_by(UnitSupervisor.unit)))


def save_supervisor(supervisor: UnitSupervisor | None, values: Mapping[str, Any], actor) -> UnitSupervisor:
    """Add or change who supervises a unit (audited); the unit is written as drills write it."""
    unit = str(values.get("unit") or "").strip()
    if not unit:
        raise ServiceError(_("This field is required."), field="unit")
    if CONTROL_CHARACTERS.search(unit):
        raise ServiceError(_("Remove the control characters (invisible characters pasted from another program)."),
                           field="unit")
    if len(unit) > 200:
        raise ServiceError(_("Enter at most %(max)d characters.", max=200), field="unit")
    user_id = values.get("user_id")
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.active:
        raise ServiceError(_("No such user."), field="user_id")
    clash = db.session.scalar(select(UnitSupervisor.id).where(UnitSupervisor.unit == unit))
    if clash is not None and (supervisor is None or clash != supervisor.id):
        raise ServiceError(_("This unit already has a supervisor: change that entry instead."), field="unit")
    values = {"unit": unit, "user_id": user.id}
    created = supervisor is None
    if created:
        supervisor = UnitSupervisor(**values)
        db.session.add(supervisor)
        changes = audit.created(supervisor, SUPERVISOR_FIELDS)
    else:
        changes = audit.apply_changes(supervisor, values)
        if not changes:
            return supervisor
    # Named explicitly: supervisors are not a record type of their own (no page of their own to link to).
    audit.record_event(audit.CREATE if created else audit.UPDATE, supervisor, actor,
                       changes=_supervisor_changes(changes), entity_type=SUPERVISOR_ENTITY)
    db.session.commit()
    return supervisor


def delete_supervisor(supervisor: UnitSupervisor, actor) -> None:
    audit.record_event(audit.DELETE, supervisor, actor, summary=str(supervisor), entity_type=SUPERVISOR_ENTITY)
    db.session.delete(supervisor)
    db.session.commit()


def count_open_actions(today: dt.date) -> tuple[int, int]:
    """(not yet verified, of which overdue), counted by the database."""
    overdue = and_(CorrectiveAction.due_date.is_not(None), CorrectiveAction.due_date < today)
    total, late = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((overdue, 1), else_=0)), 0))
        .select_from(CorrectiveAction).where(CorrectiveAction.status.in_(NOT_VERIFIED))).one()
    return total or 0, late or 0


def actions_between(first: dt.datetime, after: dt.datetime) -> list[CorrectiveAction]:
    """The corrective actions of the drills held from `first` until before `after`, and those raised without a
    drill in that time."""
    drill_in = and_(Drill.occurred_at >= first, Drill.occurred_at < after)
    raised_in = and_(CorrectiveAction.drill_id.is_(None), CorrectiveAction.created_at >= first,
                     CorrectiveAction.created_at < after)
    return list(db.session.scalars(
        select(CorrectiveAction).outerjoin(Drill, Drill.id == CorrectiveAction.drill_id)
        .where(or_(drill_in, raised_in))
        .order_by(CorrectiveAction.due_date.is_(None), CorrectiveAction.due_date, CorrectiveAction.id)))


def count_drills_outside(first: dt.datetime, after: dt.datetime) -> int:
    """How many drills were held before `first` or from `after` on."""
    return db.session.scalar(select(func.count()).select_from(Drill).where(
        or_(Drill.occurred_at < first, Drill.occurred_at >= after))) or 0


def is_overdue(action: CorrectiveAction, today: dt.date) -> bool:
    return (action.status != ActionStatus.VERIFIED and action.due_date is not None and action.due_date < today)


# --- plans and schedule -----------------------------------------------------------------------

def set_plan(year: int, month: int, channel: str, planned: int, actor) -> DrillPlan:
    if not 1 <= month <= 12 or planned < 0:
        raise ServiceError(_("Enter a month from 1 to 12 and a number of at least 0."), field="planned")
    plan = db.session.scalars(select(DrillPlan).where(DrillPlan.year == year, DrillPlan.month == month,
                                                      DrillPlan.channel == Channel(channel))).first()
    return save_record(plan or DrillPlan(year=year, month=month, channel=Channel(channel)), {"planned": planned},
                       actor, fields=("year", "month", "channel", "planned"))


@dataclass
class ScheduleRow:
    year: int
    month: int
    channel: Channel
    planned: int
    done: int
    overdue: bool


def month_of(drill: Drill, zone) -> tuple[int, int]:
    local = drill.occurred_at.astimezone(zone)
    return local.year, local.month


def done_by_month(year: int, zone, months: Iterable[int] = range(1, 13)) -> Counter:
    """(month, channel) -> drills held that month of the office's calendar, counted by the database."""
    months = list(months)
    if not months:
        return Counter()
    bounds = {m: (dt.datetime(year, m, 1, tzinfo=zone),
                  dt.datetime(year + m // 12, m % 12 + 1, 1, tzinfo=zone)) for m in months}
    month = case(*((and_(Drill.occurred_at >= start, Drill.occurred_at < end), m)
                   for m, (start, end) in bounds.items()), else_=0).label("month")
    first = min(start for start, _end in bounds.values())
    last = max(end for _start, end in bounds.values())
    rows = db.session.execute(select(month, Drill.channel, func.count())
                              .where(Drill.occurred_at >= first, Drill.occurred_at < last)
                              .group_by(month, Drill.channel))
    return Counter({(m, channel): count for m, channel, count in rows if m})


def schedule(year: int, today: dt.date, zone, months: Iterable[int] | None = None) -> list[ScheduleRow]:
    query = select(DrillPlan).where(DrillPlan.year == year).order_by(DrillPlan.month, DrillPlan.channel)
    if months is not None:
        months = list(months)
        query = query.where(DrillPlan.month.in_(months))
    plans = list(db.session.scalars(query))
    done = done_by_month(year, zone, months if months is not None else range(1, 13))
    rows = []
    for plan in plans:
        finished = (year, plan.month) < (today.year, today.month)
        count = done[(plan.month, plan.channel)]
        rows.append(ScheduleRow(year, plan.month, plan.channel, plan.planned, count,
                                overdue=finished and count < plan.planned))
    return rows


def redrills_due(today: dt.date, within_days: int = 31, limit: int | None = None) -> list[Drill]:
    """Failed drills whose re-drill date has come or comes soon and that no later drill of the unit answered."""
    later = aliased(Drill)
    # A drill is answered once its unit has been drilled again on the same channel after it.
    answered = (select(later.id).where(later.channel == Drill.channel, later.unit_observed == Drill.unit_observed,
                                       later.occurred_at > Drill.occurred_at).exists())
    query = (select(Drill).where(Drill.redrill_on.is_not(None),
                                 Drill.redrill_on <= today + dt.timedelta(days=within_days), ~answered)
             .order_by(Drill.redrill_on, Drill.id))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


# --- reports ----------------------------------------------------------------------------------

@dataclass
class Report:
    by_month: list[tuple[str, float, int]]
    by_channel: list[tuple[Channel, float, int]]
    by_section: list[tuple[str, str, float]]
    most_missed: list[tuple[str, str, int]]
    open_actions: int
    overdue_actions: int
    median_days_to_close: float | None


def report(today: dt.date, zone, between: tuple[dt.datetime, dt.datetime] | None = None) -> Report:
    """The drills' figures; `between` (a first moment and the first moment after) keeps to a period: its drills,
    their scores and their corrective actions only."""
    query = select(Drill).where(Drill.total_pct.is_not(None)).order_by(Drill.occurred_at)
    if between is not None:
        query = query.where(Drill.occurred_at >= between[0], Drill.occurred_at < between[1])
    drills = list(db.session.scalars(query))
    months, channels = defaultdict(list), defaultdict(list)
    for drill in drills:
        year, month = month_of(drill, zone)
        months[f"{year}-{month:02d}"].append(float(drill.total_pct))
        channels[drill.channel].append(float(drill.total_pct))
    sections, missed = defaultdict(lambda: [Decimal(0), Decimal(0)]), Counter()
    names = {}
    scores = (select(DrillScore.value, ScorecardCriterion, ScorecardSection)
              .join(ScorecardCriterion, ScorecardCriterion.id == DrillScore.criterion_id)
              .join(ScorecardSection, ScorecardSection.id == ScorecardCriterion.section_id))
    if between is not None:
        scores = scores.join(Drill, Drill.id == DrillScore.drill_id).where(Drill.occurred_at >= between[0],
                                                                         Drill.occurred_at < between[1])
    rows = db.session.execute(scores).all()
    for value, criterion, section in rows:
        if value is None:
            continue
        section_code, section_name = section.code, localized(section, "name")  # in the reader's language
        share = scoring.fraction(criterion.scale, value, criterion.max_points)
        sections[(section_code, section_name)][0] += criterion.weight * share
        sections[(section_code, section_name)][1] += criterion.weight
        if share < Decimal("0.5"):
            missed[criterion.code] += 1
            names[criterion.code] = localized(criterion, "text")
    actions = list_actions() if between is None else actions_between(*between)
    closed_days = [(a.verified_at - a.created_at).total_seconds() / 86400 for a in actions
                   if a.status == ActionStatus.VERIFIED and a.verified_at and a.created_at]
    return Report(
        by_month=[(m, statistics.fmean(v), len(v)) for m, v in sorted(months.items())],
        by_channel=[(c, statistics.fmean(v), len(v)) for c, v in channels.items()],
        by_section=[(code, name, float(s / p * 100)) for (code, name), (s, p) in sections.items() if p],
        most_missed=[(code, names[code], count) for code, count in missed.most_common(10)],
        open_actions=sum(1 for a in actions if a.status != ActionStatus.VERIFIED),
        overdue_actions=sum(1 for a in actions if is_overdue(a, today)),
        median_days_to_close=statistics.median(closed_days) if closed_days else None)
