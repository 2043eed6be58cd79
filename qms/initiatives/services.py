"""Rules and writes for SPARK initiatives, their process improvements and outcome metrics."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Text, and_, case, cast, func, select

from qms import imports, uploads
from qms.auth.models import User
from qms.core import audit
from qms.core.models import AwardCycle
from qms.core.services import ServiceError, delete_record, save_record
from qms.evidence import services as evidence
from qms.extensions import db
from qms.i18n import rounded
from qms.initiatives import savings
from qms.initiatives.models import (
    CHANNEL_LABELS,
    STATUS_LABELS,
    UNIT_LABELS,
    Initiative,
    InitiativeStatus,
    OutcomeMetric,
    ProcessImprovement,
    SparkCore,
    TimeUnit,
)
from qms.spine.access import Role

INITIATIVE_FIELDS = ("title_zh", "title_en", "core_id", "summary", "problem", "what_changed", "owner_id", "team",
                     "start_date", "status", "first_in_nation", "first_in_nation_note", "partners", "channels",
                     "tags")
IMPROVEMENT_FIELDS = ("service", "before_value", "before_unit", "after_value", "after_unit",
                      "turnaround_before_days", "turnaround_after_days", "stamps_before", "stamps_after",
                      "yearly_cases", "year", "period_note")
# How a unit of days is written in an older export or by hand: refused as time spent, pointed to turnaround.
DAY_WORDS = {"day", "days", "天", "日"}
METRIC_FIELDS = ("name", "unit", "observed_on", "value")
LOCALES = ("zh_Hant_TW", "en")


def can_edit(user, initiative=None) -> bool:
    return user.is_authenticated and user.has_role(Role.QUALITY)


# --- cores ------------------------------------------------------------------------------------

def list_cores(active_only: bool = False) -> list[SparkCore]:
    query = select(SparkCore).order_by(SparkCore.position, SparkCore.id)
    if active_only:
        query = query.where(SparkCore.active.is_(True))
    return list(db.session.scalars(query))


def save_core(core: SparkCore | None, values: Mapping[str, Any], actor) -> SparkCore:
    data = {key: values[key] for key in ("name_zh", "name_en", "position", "active") if key in values}
    clash = db.session.scalar(select(SparkCore.id).where(SparkCore.name_zh == data.get("name_zh")))
    if clash is not None and (core is None or clash != core.id):
        raise ServiceError(_("A SPARK core with this name already exists."), field="name_zh")
    return save_record(core or SparkCore(), data, actor)


# --- initiatives ------------------------------------------------------------------------------

def _clean_list(values) -> list[str]:
    if isinstance(values, str):
        values = values.replace("；", ";").replace("，", ",").replace(";", ",").split(",")
    seen = []
    for value in values or []:
        value = str(value).strip()
        if value and value not in seen:
            seen.append(value)
    return seen


def _initiative_data(values: Mapping[str, Any]) -> dict:
    data = {key: values[key] for key in INITIATIVE_FIELDS if key in values}
    if not str(data.get("title_zh", "x")).strip():
        raise ServiceError(_("This field is required."), field="title_zh")
    if "status" in data:
        data["status"] = InitiativeStatus(data["status"])
    if "channels" in data:
        data["channels"] = _clean_list(data["channels"])
        unknown = [c for c in data["channels"] if c not in CHANNEL_LABELS]
        if unknown:
            raise ServiceError(_("Unknown channel %(name)s.", name=unknown[0]), field="channels")
    if "tags" in data:
        data["tags"] = _clean_list(data["tags"])
    if data.get("core_id") is not None and db.session.get(SparkCore, data["core_id"]) is None:
        raise ServiceError(_("No such SPARK core."), field="core_id")
    if data.get("owner_id") is not None and db.session.get(User, data["owner_id"]) is None:
        raise ServiceError(_("No such user."), field="owner_id")
    return data


def create_initiative(cycle: AwardCycle, values: Mapping[str, Any], actor) -> Initiative:
    return save_record(Initiative(award_cycle_id=cycle.id), _initiative_data(values), actor,
                       fields=("title_zh", "status", "first_in_nation"))


def update_initiative(initiative: Initiative, values: Mapping[str, Any], actor) -> Initiative:
    return save_record(initiative, _initiative_data(values), actor)


def delete_initiative(initiative: Initiative, actor) -> None:
    stored = evidence.delete_all_of("initiative", [initiative.id], actor)
    for improvement in initiative.improvements:
        audit.record_event(audit.DELETE, improvement, actor, summary=str(improvement))
    for metric in initiative.metrics:
        audit.record_event(audit.DELETE, metric, actor, summary=str(metric))
    delete_record(initiative, actor)
    for name in stored:
        uploads.discard(name)


@dataclass
class Filters:
    cycle_id: int | None = None
    core_id: int | None = None
    status: str | None = None
    channel: str | None = None
    tag: str | None = None
    first_in_nation: bool = False
    sort: str = "title"


SORTS = ("title", "start_date", "status", "hours_saved", "case_days_saved")


def list_initiatives(filters: Filters) -> list[Initiative]:
    """Initiatives matching the filters, improvements loaded in one more query, sorted as asked."""
    return list(db.session.scalars(initiatives_query(filters, with_improvements=True)))


def _holds(column, value: str):
    """A JSON list column holds this string: its JSON text holds the element as the JSON serializer wrote it,
    quotes included (the same text on SQLite and PostgreSQL's json type)."""
    return cast(column, Text).contains(json.dumps(value), autoescape=True)


def initiatives_query(filters: Filters, with_improvements: bool = False):
    """Initiatives matching the filters, sorted as asked, by the database (a list page takes one page of it);
    with_improvements: their improvements loaded in one more query."""
    from sqlalchemy.orm import selectinload

    query = select(Initiative)
    if with_improvements:
        query = query.options(selectinload(Initiative.improvements))
    if filters.cycle_id:
        query = query.where(Initiative.award_cycle_id == filters.cycle_id)
    if filters.core_id:
        query = query.where(Initiative.core_id == filters.core_id)
    if filters.status:
        query = query.where(Initiative.status == InitiativeStatus(filters.status))
    if filters.first_in_nation:
        query = query.where(Initiative.first_in_nation.is_(True))
    if filters.channel:
        query = query.where(_holds(Initiative.channels, filters.channel))
    if filters.tag:
        query = query.where(_holds(Initiative.tags, filters.tag))
    if filters.sort in ("hours_saved", "case_days_saved"):
        saved = _savings_by_initiative().subquery()
        query = query.outerjoin(saved, saved.c.initiative_id == Initiative.id).order_by(
            func.coalesce(saved.c.hours if filters.sort == "hours_saved" else saved.c.case_days, 0).desc())
    elif filters.sort == "start_date":
        query = query.order_by(Initiative.start_date.is_(None), Initiative.start_date)
    elif filters.sort == "status":
        query = query.order_by(case({status: n for n, status in enumerate(InitiativeStatus)},
                                    value=Initiative.status, else_=len(InitiativeStatus)))
    else:
        query = query.order_by(Initiative.title_zh)
    return query.order_by(Initiative.id)


def _savings_by_initiative():
    """initiative_id, hours (saved per year) and case_days (turnaround saved per year) of every initiative."""
    p = ProcessImprovement
    timed = and_(p.before_unit.is_not(None), p.after_unit.is_not(None))
    turned = and_(p.turnaround_before_days.is_not(None), p.turnaround_after_days.is_not(None))
    return select(p.initiative_id.label("initiative_id"),
                  (func.sum(case((timed, (_minutes(p.before_value, p.before_unit)
                                          - _minutes(p.after_value, p.after_unit)) * p.yearly_cases), else_=0))
                   / 60.0).label("hours"),
                  func.sum(case((turned, (p.turnaround_before_days - p.turnaround_after_days) * p.yearly_cases),
                                else_=0)).label("case_days")).group_by(p.initiative_id)


def initiative_total(initiative: Initiative) -> savings.Total:
    grand, _by = savings.totals((initiative.id, savings.of(p)) for p in initiative.improvements)
    return grand


def all_tags(cycle_id: int | None = None) -> list[str]:
    # Distinct tag lists, compared as their JSON text (PostgreSQL's json type has no equality): the filter's
    # choices cost what the distinct lists do, not what the initiatives do.
    query = select(cast(Initiative.tags, Text)).distinct()
    if cycle_id:
        query = query.where(Initiative.award_cycle_id == cycle_id)
    return sorted({tag for tags in db.session.scalars(query) if tags for tag in (json.loads(tags) or [])})


@dataclass
class Summary:
    grand: savings.Total
    by_initiative: list[tuple[Initiative, savings.Total]] = field(default_factory=list)
    by_core: list[tuple[SparkCore | None, savings.Total]] = field(default_factory=list)
    by_year: list[tuple[int, savings.Total]] = field(default_factory=list)


def summary(cycle_id: int | None) -> Summary:
    initiatives = list_initiatives(Filters(cycle_id=cycle_id, sort="hours_saved"))
    rows = [(initiative, savings.of(p)) for initiative in initiatives for p in initiative.improvements]
    grand, by_initiative = savings.totals((i.id, s) for i, s in rows)
    _g, by_core = savings.totals((i.core_id, s) for i, s in rows)
    _g, by_year = savings.totals(((p.year, savings.of(p)) for i in initiatives for p in i.improvements))
    cores = {core.id: core for core in list_cores()}
    return Summary(
        grand=grand,
        by_initiative=[(i, by_initiative.get(i.id, savings.Total())) for i in initiatives],
        by_core=sorted(((cores.get(core_id), total) for core_id, total in by_core.items()),
                       key=lambda pair: (pair[0] is None, pair[0].position if pair[0] else 0)),
        by_year=sorted(by_year.items()))


def cycle_totals(cycle_id: int) -> tuple[int, savings.Total]:
    """(number of initiatives, total of their improvements) for a cycle, in two queries (dashboard)."""
    count = db.session.scalar(select(func.count()).select_from(Initiative)
                              .where(Initiative.award_cycle_id == cycle_id)) or 0
    return count, _summed_savings(Initiative.award_cycle_id == cycle_id)


def _minutes(value, unit):
    """savings.to_minutes as SQL."""
    return case((unit == TimeUnit.HOURS, func.coalesce(value, 0) * 60),
                (unit == TimeUnit.MINUTES, func.coalesce(value, 0)), else_=0)


def _exact(value) -> Decimal:
    # SQLite sums numerics as floats: trim the binary noise (the columns hold at most two decimals).
    return Decimal(0) if value is None else Decimal(str(round(float(value), 6))) if isinstance(value, float) \
        else Decimal(value)


def _savings_sums():
    """The sums behind a savings.Total, as SQL aggregates over process improvements."""
    p = ProcessImprovement
    timed = and_(p.before_unit.is_not(None), p.after_unit.is_not(None))
    turned = and_(p.turnaround_before_days.is_not(None), p.turnaround_after_days.is_not(None))
    stamped = and_(p.stamps_before.is_not(None), p.stamps_after.is_not(None))
    return (
        func.count(p.id), func.sum(p.yearly_cases),
        func.sum(case((timed, (_minutes(p.before_value, p.before_unit) - _minutes(p.after_value, p.after_unit))
                       * p.yearly_cases))),
        func.sum(case((timed, 1), else_=0)),
        func.sum(case((turned, (p.turnaround_before_days - p.turnaround_after_days) * p.yearly_cases))),
        func.sum(case((turned, 1), else_=0)),
        func.sum(case((stamped, (p.stamps_before - p.stamps_after) * p.yearly_cases), else_=0)),
    )


def _summed_savings(*where) -> savings.Total:
    """savings.totals' grand total of the improvements of matching initiatives, summed by the database."""
    row = db.session.execute(select(*_savings_sums())
                             .join(Initiative, Initiative.id == ProcessImprovement.initiative_id).where(*where)).one()
    return _total(*row)


def totals_by_initiative(initiative_ids) -> dict[int, savings.Total]:
    """initiative_total of each of these initiatives, summed by the database in one query (a list page's rows:
    loading every improvement of the page's initiatives grew with the improvements, not with the rows)."""
    ids = list(initiative_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(ProcessImprovement.initiative_id, *_savings_sums())
                              .where(ProcessImprovement.initiative_id.in_(ids))
                              .group_by(ProcessImprovement.initiative_id))
    return {initiative_id: _total(*sums) for initiative_id, *sums in rows}


def _total(improvements, cases, minutes, timed_count, case_days, turned_count, stamps) -> savings.Total:
    return savings.Total(improvements=improvements or 0, cases=int(cases or 0),
                         hours_saved=_exact(minutes) * 1 / 60 if minutes is not None else Decimal(0),
                         stamps_removed=int(stamps or 0), case_days_saved=_exact(case_days),
                         with_time_spent=int(timed_count or 0), with_turnaround=int(turned_count or 0))


# --- process improvements ---------------------------------------------------------------------

def _time_spent(data: dict) -> None:
    """Check the citizen-time pair in place: both sides or neither; minutes, hours or on the spot."""
    units = {side: data.get(f"{side}_unit") or None for side in ("before", "after")}
    if units["before"] is None and units["after"] is None:
        data.update(before_value=None, before_unit=None, after_value=None, after_unit=None)
        return
    for side, unit in units.items():
        if unit is None:
            raise ServiceError(_("Give the citizen's time both before and after, or neither."),
                               field=f"{side}_unit")
        if str(unit).strip().lower() in DAY_WORDS:
            raise ServiceError(_("Time spent is in minutes or hours. Enter a wait of days as turnaround."),
                               field=f"{side}_unit")
        try:
            data[f"{side}_unit"] = TimeUnit(unit)
        except ValueError:
            raise ServiceError(_("Choose a time unit: minutes, hours or on the spot."),
                               field=f"{side}_unit") from None
        if data[f"{side}_unit"] == TimeUnit.ON_THE_SPOT:
            data[f"{side}_value"] = Decimal(0)
        value = data.get(f"{side}_value")
        if value is None or Decimal(str(value)) < 0:
            raise ServiceError(_("Enter a time of at least 0."), field=f"{side}_value")
        data[f"{side}_value"] = Decimal(str(value))


def _turnaround(data: dict) -> None:
    """Check the turnaround pair in place: days before and after (0 is on the spot), both or neither."""
    days = {side: data.get(f"turnaround_{side}_days") for side in ("before", "after")}
    days = {side: None if value in (None, "") else value for side, value in days.items()}
    if days["before"] is None and days["after"] is None:
        data.update(turnaround_before_days=None, turnaround_after_days=None)
        return
    for side, value in days.items():
        if value is None:
            raise ServiceError(_("Give the turnaround both before and after, or neither."),
                               field=f"turnaround_{side}_days")
        if Decimal(str(value)) < 0:
            raise ServiceError(_("Enter a number of days of at least 0."), field=f"turnaround_{side}_days")
        data[f"turnaround_{side}_days"] = Decimal(str(value))


def _improvement_data(values: Mapping[str, Any]) -> dict:
    data = {key: values.get(key) for key in IMPROVEMENT_FIELDS}
    if not str(data.get("service") or "").strip():
        raise ServiceError(_("Name the service."), field="service")
    data["service"] = str(data["service"]).strip()
    data["period_note"] = str(data.get("period_note") or "").strip()
    _time_spent(data)
    _turnaround(data)
    if data["before_unit"] is None and data["turnaround_before_days"] is None:
        raise ServiceError(_("Record the citizen's time spent, the turnaround, or both."), field="before_value")
    for key in ("stamps_before", "stamps_after", "yearly_cases"):
        if data.get(key) is not None and int(data[key]) < 0:
            raise ServiceError(_("Enter a number of at least %(min)s.", min=0), field=key)
    if data.get("yearly_cases") is None:
        raise ServiceError(_("This field is required."), field="yearly_cases")
    if not data.get("year") or not 1990 <= int(data["year"]) <= 2200:
        raise ServiceError(_("Enter a number from %(min)s to %(max)s.", min=1990, max=2200), field="year")
    return data


def _improvement_changes(improvement: ProcessImprovement) -> dict:
    return audit.created(improvement, ("service",) + IMPROVEMENT_FIELDS[1:])


def add_improvement(initiative: Initiative, values: Mapping[str, Any], actor, commit: bool = True):
    improvement = ProcessImprovement(initiative=initiative, **_improvement_data(values))
    db.session.add(improvement)
    audit.record_event(audit.CREATE, improvement, actor, changes=_improvement_changes(improvement))
    if commit:
        db.session.commit()
    return improvement


def update_improvement(improvement: ProcessImprovement, values: Mapping[str, Any], actor):
    return save_record(improvement, _improvement_data(values), actor)


def delete_improvement(improvement: ProcessImprovement, actor) -> None:
    delete_record(improvement, actor)


# --- outcome metrics --------------------------------------------------------------------------

def add_metric(initiative: Initiative, values: Mapping[str, Any], actor) -> OutcomeMetric:
    data = {key: values[key] for key in METRIC_FIELDS if key in values}
    if not str(data.get("name") or "").strip():
        raise ServiceError(_("This field is required."), field="name")
    return save_record(OutcomeMetric(initiative=initiative), data, actor, fields=METRIC_FIELDS)


def delete_metric(metric: OutcomeMetric, actor) -> None:
    delete_record(metric, actor)


def metric_series(initiative: Initiative) -> dict[tuple[str, str], list[OutcomeMetric]]:
    series: dict[tuple[str, str], list[OutcomeMetric]] = {}
    for metric in initiative.metrics:
        series.setdefault((metric.name, metric.unit), []).append(metric)
    for points in series.values():
        points.sort(key=lambda m: m.observed_on)
    return series


# --- export and import ------------------------------------------------------------------------

COLUMNS = ("title_zh", "title_en", "core", "status", "first_in_nation", "channels", "tags", "start_date",
           "service", "before_value", "before_unit", "after_value", "after_unit", "stamps_before", "stamps_after",
           "yearly_cases", "year", "period_note", "turnaround_before_days", "turnaround_after_days")
# Computed from the columns above: exported for the reader, ignored by the import.
FIGURE_COLUMNS = ("hours_saved", "hours_formula", "case_days_saved", "case_days_formula")


def column_labels() -> dict[str, str]:
    return {"title_zh": _("Initiative"), "title_en": _("Initiative (English)"), "core": _("SPARK core"),
            "status": _("Status"), "first_in_nation": _("First in the nation"), "channels": _("Channels"),
            "tags": _("Tags"), "start_date": _("Start date"), "service": _("Service"),
            "before_value": _("Time before"), "before_unit": _("Unit before"), "after_value": _("Time after"),
            "after_unit": _("Unit after"), "stamps_before": _("Stamp levels before"),
            "stamps_after": _("Stamp levels after"), "yearly_cases": _("Cases per year"), "year": _("Year"),
            "period_note": _("Period measured"), "turnaround_before_days": _("Turnaround before (days)"),
            "turnaround_after_days": _("Turnaround after (days)")}


def figure_labels() -> dict[str, str]:
    return {"hours_saved": _("Citizen hours saved per year"), "hours_formula": _("Hours saved: formula"),
            "case_days_saved": _("Turnaround saved per year (case-days)"),
            "case_days_formula": _("Turnaround saved: formula")}


def _export_number(value: Decimal | None) -> float | None:
    return None if value is None else float(rounded(value, 2))


def export_rows(cycle_id: int) -> list[list]:
    labels = column_labels() | figure_labels()
    rows: list[list] = [[labels[c] for c in COLUMNS + FIGURE_COLUMNS]]
    for initiative in list_initiatives(Filters(cycle_id=cycle_id)):
        head = [initiative.title_zh, initiative.title_en, initiative.core.name_zh if initiative.core else "",
                initiative.status.value, "yes" if initiative.first_in_nation else "no",
                ";".join(initiative.channels or []), ";".join(initiative.tags or []), initiative.start_date]
        if not initiative.improvements:
            rows.append(head + [None] * (len(COLUMNS + FIGURE_COLUMNS) - len(head)))
        for p in initiative.improvements:
            value = savings.of(p)
            rows.append(head + [
                p.service, _export_number(p.before_value), p.before_unit.value if p.before_unit else None,
                _export_number(p.after_value), p.after_unit.value if p.after_unit else None, p.stamps_before,
                p.stamps_after, p.yearly_cases, p.year, p.period_note, _export_number(p.turnaround_before_days),
                _export_number(p.turnaround_after_days),
                _export_number(value.hours_saved_per_year), savings.hours_formula(value) or None,
                _export_number(value.case_days_saved_per_year), savings.days_formula(value) or None])
    return rows



def _choice(text, labels: dict, enum_class=None):
    """A stored value from itself or its label in either language."""
    text = str(text or "").strip()
    for value in labels:
        if text.lower() == str(value).lower():
            return value
    for locale in LOCALES:
        with force_locale(locale):
            for value, label in labels.items():
                if text == str(label):
                    return value
    return None


def _number(row: imports.Row, key: str, what: str, integer=False, required=True):
    value = row.cell(key)
    if value in (None, ""):
        if required:
            row.problem(_("%(column)s is missing.", column=what))
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
        if integer and number != number.to_integral_value():
            raise InvalidOperation
    except InvalidOperation:
        row.problem(_("%(column)s must be a number.", column=what))
        return None
    if number < 0:
        row.problem(_("%(column)s cannot be negative.", column=what))
        return None
    return int(number) if integer else number


def import_improvements(cycle: AwardCycle, table: list[list], actor) -> tuple[int, int, int]:
    """Rows of the export format into a cycle: initiatives matched by title (made if new), and their improvements
    by service, year and period measured: a new one is added, a known one takes the row's figures (so importing
    an export again, or a corrected one, changes what differs and adds nothing twice).

    All rows or none. Returns (initiatives created, improvements added, improvements changed).
    """
    columns = imports.locate_columns(table, imports.column_names(COLUMNS, column_labels), required=("title_zh",),
                                     missing=_("The first row must name the columns; an Initiative column is needed."))
    labels = column_labels()
    cores = {core.name_zh: core for core in list_cores()} | {core.name_en: core for core in list_cores() if
                                                             core.name_en}
    existing = {i.title_zh: i for i in db.session.scalars(select(Initiative).where(
        Initiative.award_cycle_id == cycle.id))}
    return imports.import_rows(table, columns, lambda row: _initiative_row(row, labels, cores),
                               lambda planned: _add_initiatives(cycle, planned, existing, actor))


def _initiative_row(row: imports.Row, labels: Mapping[str, str],
                    cores: Mapping[str, SparkCore]) -> tuple[dict, dict | None]:
    """An initiative's values, and its process improvement's when the row names a service."""
    title = row.text("title_zh")
    if not title:
        raise imports.RowProblem(_("%(column)s is missing.", column=labels["title_zh"]))
    core_name = row.text("core")
    if core_name and core_name not in cores:
        row.problem(_("Unknown SPARK core %(name)s.", name=core_name))
    status = _choice(row.cell("status") or "idea", STATUS_LABELS)
    if status is None:
        row.problem(_("Unknown status %(status)s.", status=row.cell("status")))
    channels = _clean_list(row.text("channels"))
    channel_values = [_choice(c, CHANNEL_LABELS) for c in channels]
    if None in channel_values:
        row.problem(_("Unknown channel %(name)s.", name=channels[channel_values.index(None)]))
    try:
        start = imports.parse_date(row.cell("start_date"))
    except ValueError:
        start = None
        row.problem(_("The start date must be a date (YYYY-MM-DD)."))
    initiative_values = {
        "title_zh": title, "title_en": row.text("title_en"),
        "core_id": cores[core_name].id if core_name in cores else None, "status": status,
        "first_in_nation": row.text("first_in_nation").lower() in {"yes", "y", "true", "1", "是", "✓"},
        "channels": [c for c in channel_values if c], "tags": _clean_list(row.text("tags")), "start_date": start}
    return initiative_values, _improvement_row(row, labels) if row.text("service") else None


def _time_spent_cells(row: imports.Row, side: str, labels: Mapping[str, str]) -> tuple[TimeUnit | None,
                                                                                      Decimal | None]:
    """One side of the citizen-time pair: its unit (minutes, hours, on the spot) and its value."""
    unit_text = row.text(f"{side}_unit")
    unit = _choice(unit_text, UNIT_LABELS)
    if unit_text.lower() in DAY_WORDS:
        row.problem(_("%(column)s: time spent is in minutes or hours; enter a wait of days in the turnaround "
                      "columns.", column=labels[f"{side}_unit"]))
    elif unit is None:
        row.problem(_("%(column)s must be minutes, hours or on the spot.", column=labels[f"{side}_unit"]))
    if unit == TimeUnit.ON_THE_SPOT:
        return unit, Decimal(0)
    return unit, _number(row, f"{side}_value", labels[f"{side}_value"])


def _improvement_row(row: imports.Row, labels: Mapping[str, str]) -> dict:
    improvement = {"service": row.text("service"), "period_note": row.text("period_note")}
    # Either pair may be left out: a row with none of the four time-spent cells records turnaround only.
    time_spent = any(row.text(key) for key in ("before_value", "before_unit", "after_value", "after_unit"))
    for side in ("before", "after"):
        improvement[f"{side}_unit"], improvement[f"{side}_value"] = (
            _time_spent_cells(row, side, labels) if time_spent else (None, None))
        improvement[f"turnaround_{side}_days"] = _number(row, f"turnaround_{side}_days",
                                                        labels[f"turnaround_{side}_days"], required=False)
    turnaround = [improvement[f"turnaround_{side}_days"] is not None for side in ("before", "after")]
    if not time_spent and not any(turnaround):
        row.problem(_("Record the citizen's time spent, the turnaround, or both."))
    elif any(turnaround) and not all(turnaround):
        row.problem(_("Give the turnaround both before and after, or neither."))
    for key in ("stamps_before", "stamps_after"):
        improvement[key] = _number(row, key, labels[key], integer=True, required=False)
    improvement["yearly_cases"] = _number(row, "yearly_cases", labels["yearly_cases"], integer=True)
    improvement["year"] = _number(row, "year", labels["year"], integer=True)
    if improvement["year"] is not None and not 1990 <= improvement["year"] <= 2200:
        row.problem(_("Enter a number from %(min)s to %(max)s.", min=1990, max=2200))
    return improvement


def _improvement_key(service, year, period_note) -> tuple[str, int | None, str]:
    """What names one measurement of an initiative in an import: its service, year and period measured."""
    return str(service or "").strip(), None if year is None else int(year), str(period_note or "").strip()


def _add_initiatives(cycle: AwardCycle, planned: list[tuple[dict, dict | None]], existing: dict[str, Initiative],
                     actor) -> tuple[int, int, int]:
    created = added = changed = 0
    known: dict[tuple[str, tuple], ProcessImprovement] = {  # by initiative title, as `existing`
        (title, _improvement_key(p.service, p.year, p.period_note)): p
        for title, initiative in existing.items() for p in initiative.improvements}
    for initiative_values, improvement in planned:
        initiative = existing.get(initiative_values["title_zh"])
        if initiative is None:
            initiative = Initiative(award_cycle_id=cycle.id, **initiative_values)
            db.session.add(initiative)
            audit.record_event(audit.CREATE, initiative, actor,
                               changes=audit.created(initiative, ("title_zh", "status", "first_in_nation")))
            existing[initiative.title_zh] = initiative
            created += 1
        if improvement is None:
            continue
        key = (initiative.title_zh,
               _improvement_key(improvement["service"], improvement["year"], improvement["period_note"]))
        same = known.get(key)
        if same is None:
            known[key] = add_improvement(initiative, improvement, actor, commit=False)
            added += 1
        elif changes := audit.apply_changes(same, _improvement_data(improvement)):
            audit.record_event(audit.UPDATE, same, actor, changes=changes)
            changed += 1
    return created, added, changed
