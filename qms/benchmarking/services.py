"""Rules and writes of the benchmarking register, and the comparison table computed from it."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from qms import i18n, imports, uploads
from qms.auth.models import User
from qms.benchmarking import ranking
from qms.benchmarking.models import (
    BenchmarkMetric,
    BenchmarkNote,
    Decision,
    Direction,
    MetricValue,
    PeerKind,
    PeerOrganization,
)
from qms.core import audit
from qms.core.services import ImportProblem, ImportRejected, ServiceError, delete_record, save_record
from qms.evidence import services as evidence
from qms.extensions import db
from qms.spine.access import Role

PEER_FIELDS = ("name_zh", "name_en", "city", "kind", "notes")
METRIC_FIELDS = ("name_zh", "name_en", "unit", "direction", "numerator_id", "denominator_id", "decimals",
                 "position")
VALUE_FIELDS = ("value", "source", "source_date")
NOTE_FIELDS = ("title", "peer_id", "visited_on", "practice", "why_it_works", "decision", "decision_owner_id",
               "decision_date")


def can_edit(user, record=None) -> bool:
    return user.is_authenticated and user.has_role(Role.QUALITY)


# --- organizations ----------------------------------------------------------------------------

def list_peers() -> list[PeerOrganization]:
    return list(db.session.scalars(peers_query()))


def peers_query():
    """The office first, then its peers by name."""
    return select(PeerOrganization).order_by(PeerOrganization.is_self.desc(), PeerOrganization.name_zh,
                                             PeerOrganization.id)


def self_row() -> PeerOrganization | None:
    return db.session.scalars(select(PeerOrganization).where(PeerOrganization.is_self.is_(True))).first()


def save_peer(peer: PeerOrganization | None, values: Mapping[str, Any], actor, is_self: bool = False):
    data = {key: values[key] for key in PEER_FIELDS if key in values}
    data["name_zh"] = str(data.get("name_zh", peer.name_zh if peer else "")).strip()
    if not data["name_zh"]:
        raise ServiceError(_("This field is required."), field="name_zh")
    clash = db.session.scalar(select(PeerOrganization.id).where(PeerOrganization.name_zh == data["name_zh"]))
    if clash is not None and (peer is None or clash != peer.id):
        raise ServiceError(_("An organization with this name already exists."), field="name_zh")
    if "kind" in data:
        data["kind"] = PeerKind(data["kind"])
    if peer is None and is_self:
        if self_row() is not None:
            raise ServiceError(_("The office itself is already in the register."))
        data["is_self"] = True
    return save_record(peer or PeerOrganization(), data, actor, fields=PEER_FIELDS)


def delete_peer(peer: PeerOrganization, actor) -> None:
    if peer.is_self:
        raise ServiceError(_("The office itself stays in every comparison and cannot be deleted."))
    for value in db.session.scalars(select(MetricValue).where(MetricValue.peer_id == peer.id)):
        audit.record_event(audit.DELETE, value, actor, summary=str(value))
    delete_record(peer, actor)


# --- metrics ----------------------------------------------------------------------------------

def list_metrics() -> list[BenchmarkMetric]:
    return list(db.session.scalars(select(BenchmarkMetric).order_by(BenchmarkMetric.position, BenchmarkMetric.id)))


def _depends_on(metric_id: int, target_id: int, by_id: dict[int, BenchmarkMetric], seen=None) -> bool:
    seen = seen or set()
    metric = by_id.get(metric_id)
    if metric is None or metric_id in seen:
        return False
    seen.add(metric_id)
    parts = [p for p in (metric.numerator_id, metric.denominator_id) if p is not None]
    return target_id in parts or any(_depends_on(p, target_id, by_id, seen) for p in parts)


def save_metric(metric: BenchmarkMetric | None, values: Mapping[str, Any], actor) -> BenchmarkMetric:
    data = {key: values[key] for key in METRIC_FIELDS if key in values}
    data["name_zh"] = str(data.get("name_zh") or "").strip()
    if not data["name_zh"]:
        raise ServiceError(_("This field is required."), field="name_zh")
    clash = db.session.scalar(select(BenchmarkMetric.id).where(BenchmarkMetric.name_zh == data["name_zh"]))
    if clash is not None and (metric is None or clash != metric.id):
        raise ServiceError(_("A metric with this name already exists."), field="name_zh")
    data["direction"] = Direction(data.get("direction") or "higher")
    numerator, denominator = data.get("numerator_id"), data.get("denominator_id")
    if (numerator is None) != (denominator is None):
        raise ServiceError(_("A derived metric needs both a numerator and a denominator."),
                           field="denominator_id" if denominator is None else "numerator_id")
    if numerator is not None:
        by_id = {m.id: m for m in list_metrics()}
        for key, part in (("numerator_id", numerator), ("denominator_id", denominator)):
            if part not in by_id:
                raise ServiceError(_("No such metric."), field=key)
            if metric is not None and (part == metric.id or _depends_on(part, metric.id, by_id)):
                raise ServiceError(_("A metric cannot be derived from itself."), field=key)
        if metric is not None and not metric.derived and db.session.scalar(
                select(MetricValue.id).where(MetricValue.metric_id == metric.id).limit(1)):
            raise ServiceError(_("This metric already has entered values; it cannot become derived."),
                               field="numerator_id")
    return save_record(metric or BenchmarkMetric(), data, actor,
                       fields=("name_zh", "unit", "direction", "numerator_id", "denominator_id"))


# --- values -----------------------------------------------------------------------------------

def save_value(peer: PeerOrganization, metric: BenchmarkMetric, year: int, values: Mapping[str, Any], actor):
    """Enter (or correct) one organization's value of an entered metric for a year."""
    if metric.derived:
        raise ServiceError(_("Derived metrics are computed, not entered."), field="metric_id")
    if not 1900 <= int(year) <= 2200:
        raise ServiceError(_("Enter a number from %(min)s to %(max)s.", min=1900, max=2200), field="year")
    data = {key: values[key] for key in VALUE_FIELDS if key in values}
    if data.get("value") is None:
        raise ServiceError(_("This field is required."), field="value")
    data["value"] = Decimal(str(data["value"]))
    existing = db.session.scalars(select(MetricValue).where(
        MetricValue.peer_id == peer.id, MetricValue.metric_id == metric.id, MetricValue.year == year)).first()
    if existing is None:
        data.update(peer_id=peer.id, metric_id=metric.id, year=int(year))
    return save_record(existing or MetricValue(), data, actor,
                       fields=("peer_id", "metric_id", "year", "value", "source"))


def delete_value(value: MetricValue, actor) -> None:
    delete_record(value, actor)


def values_of(peer: PeerOrganization) -> list[MetricValue]:
    return list(db.session.scalars(select(MetricValue).where(MetricValue.peer_id == peer.id)
                                   .order_by(MetricValue.year.desc(), MetricValue.metric_id)))


def years() -> list[int]:
    return sorted(set(db.session.scalars(select(MetricValue.year).distinct())), reverse=True)


def default_year(among: Callable[[int], bool] | None = None) -> int | None:
    """The latest year in which at least two organizations have values (a comparison), else the latest year;
    only the years `among(year)` accepts, when it is given (the years of an award cycle's period)."""
    counts = db.session.execute(select(MetricValue.year, func.count(func.distinct(MetricValue.peer_id)))
                                .group_by(MetricValue.year)).all()
    if among is not None:
        counts = [(year, organizations) for year, organizations in counts if among(year)]
    compared = [year for year, organizations in counts if organizations >= 2]
    if compared:
        return max(compared)
    return max((year for year, _count in counts), default=None)


class Values:
    """Entered values in memory, with derived metrics computed from them (one query for any table)."""

    def __init__(self, metrics: list[BenchmarkMetric], year_list: list[int] | None = None):
        self.metrics = {m.id: m for m in metrics}
        query = select(MetricValue.peer_id, MetricValue.metric_id, MetricValue.year, MetricValue.value)
        if year_list is not None:
            query = query.where(MetricValue.year.in_(year_list))
        self.entered = {(p, m, y): v for p, m, y, v in db.session.execute(query)}

    def get(self, peer_id: int, metric_id: int, year: int, depth: int = 0) -> ranking.Derived:
        metric = self.metrics[metric_id]
        if not metric.derived:
            value = self.entered.get((peer_id, metric_id, year))
            return ranking.Derived(value, "" if value is not None else "missing")
        if depth > 10:
            return ranking.Derived(None, "missing")
        numerator = self.get(peer_id, metric.numerator_id, year, depth + 1).value
        denominator = self.get(peer_id, metric.denominator_id, year, depth + 1).value
        return ranking.ratio(numerator, denominator)


@dataclass
class Cell:
    value: Decimal | None
    reason: str
    rank: int | None = None


@dataclass
class MetricColumn:
    metric: BenchmarkMetric
    best: Decimal | None
    peer_median: Decimal | None  # median of the peers, the office excluded
    self_gap_to_best: Decimal | None
    self_gap_to_median: Decimal | None
    ranked: int = 0


@dataclass
class Comparison:
    year: int
    peers: list[PeerOrganization]
    columns: list[MetricColumn]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)  # (peer id, metric id) -> cell


def compare(year: int, metric_ids: list[int] | None = None, peer_ids: list[int] | None = None,
            valued_only: bool = False) -> Comparison:
    """Values, derived values, ranks and gaps for a year; the office's row is always included.
    `valued_only` leaves out the organizations without any value that year: they have no rank and count in no
    median, so the office's ranks and gaps are the same, at a cost that grows with the year's values rather than
    with every organization ever entered (the dashboard's card)."""
    metrics = list_metrics()
    chosen = [m for m in metrics if not metric_ids or m.id in metric_ids]
    values = Values(metrics, [year])
    if valued_only:
        valued = {peer_id for peer_id, _metric, _year in values.entered}
        candidates = db.session.scalars(peers_query().where(
            or_(PeerOrganization.is_self.is_(True), PeerOrganization.id.in_(valued)))).all()
    else:
        candidates = list_peers()
    peers = [p for p in candidates if p.is_self or not peer_ids or p.id in peer_ids]
    comparison = Comparison(year=year, peers=peers, columns=[])
    for metric in chosen:
        higher = metric.direction == Direction.HIGHER
        cells = {peer.id: values.get(peer.id, metric.id, year) for peer in peers}
        ranks = ranking.rank({pid: cell.value for pid, cell in cells.items()}, higher)
        for pid, cell in cells.items():
            comparison.cells[(pid, metric.id)] = Cell(cell.value, cell.reason, ranks.get(pid))
        office = next((p for p in peers if p.is_self), None)
        office_value = cells[office.id].value if office else None
        best = ranking.best([c.value for c in cells.values()], higher)
        peer_median = ranking.median(c.value for pid, c in cells.items() if office is None or pid != office.id)
        comparison.columns.append(MetricColumn(
            metric=metric, best=best, peer_median=peer_median,
            self_gap_to_best=ranking.gap_to(office_value, best, higher),
            self_gap_to_median=ranking.gap_to(office_value, peer_median, higher), ranked=len(ranks)))
    return comparison


def trend(metric: BenchmarkMetric) -> list[tuple[int, Decimal | None, Decimal | None]]:
    """(year, the office's value, the peers' median) for every year with any value."""
    metrics = list_metrics()
    values = Values(metrics)
    office = self_row()
    peers = [p for p in list_peers() if not p.is_self]
    result = []
    for year in sorted(years()):
        own = values.get(office.id, metric.id, year).value if office else None
        result.append((year, own, ranking.median(values.get(p.id, metric.id, year).value for p in peers)))
    return result


# --- notes ------------------------------------------------------------------------------------

def list_notes(decision: str | None = None) -> list[BenchmarkNote]:
    return list(db.session.scalars(notes_query(decision)))


def notes_query(decision: str | None = None):
    """Benchmarking notes (practices seen elsewhere), latest visit first."""
    query = select(BenchmarkNote).order_by(BenchmarkNote.visited_on.desc().nulls_last(), BenchmarkNote.id.desc())
    if decision:
        query = query.where(BenchmarkNote.decision == Decision(decision))
    return query


def save_note(note: BenchmarkNote | None, values: Mapping[str, Any], actor) -> BenchmarkNote:
    data = {key: values[key] for key in NOTE_FIELDS if key in values}
    if not str(data.get("title") or "").strip():
        raise ServiceError(_("This field is required."), field="title")
    data["decision"] = Decision(data.get("decision") or "to_study")
    if data.get("peer_id") is not None and db.session.get(PeerOrganization, data["peer_id"]) is None:
        raise ServiceError(_("No such organization."), field="peer_id")
    if data.get("decision_owner_id") is not None and db.session.get(User, data["decision_owner_id"]) is None:
        raise ServiceError(_("No such user."), field="decision_owner_id")
    return save_record(note or BenchmarkNote(), data, actor, fields=("title", "peer_id", "visited_on", "decision"))


def delete_note(note: BenchmarkNote, actor) -> None:
    stored = evidence.delete_all_of("benchmark_note", [note.id], actor)
    delete_record(note, actor)
    for name in stored:
        uploads.discard(name)


# --- export and import ------------------------------------------------------------------------

def rounded(value: Decimal, decimals: int):
    """A value as the table shows it: half away from zero to the metric's decimals (an int when there are none)."""
    result = i18n.rounded(value, decimals)
    return int(result) if decimals == 0 else float(result)


def shown(value, metric: BenchmarkMetric, finer: bool = False) -> str:
    """A value as the pages and the PDF show it. `finer` (a median, a gap to it): one more decimal when the metric's
    own would round it, so that a median of 35.5 and an office at 41 read 35.5 and −5.5, not 36 and −6."""
    if value is None:
        return _("n/a")
    places = metric.decimals
    if finer and i18n.rounded(value, places) != i18n.rounded(value, places + 1):
        places += 1
    return i18n.number(value, places)


def export_rows(comparison: Comparison, chinese: bool) -> list[list]:
    header = [_("Office or organization")]
    for column in comparison.columns:
        name = column.metric.name_zh if chinese else (column.metric.name_en or column.metric.name_zh)
        header += [name, _("Rank")]
    rows: list[list] = [header]
    for peer in comparison.peers:
        row: list = [peer.name_zh if chinese else (peer.name_en or peer.name_zh)]
        for column in comparison.columns:
            cell = comparison.cells[(peer.id, column.metric.id)]
            row += [rounded(cell.value, column.metric.decimals) if cell.value is not None else "n/a", cell.rank]
        rows.append(row)
    return rows



LONG_COLUMNS = {"organization", "metric", "year", "value", "source", "source_date"}


def _labels() -> dict[str, str]:
    return {"organization": _("Office or organization"), "metric": _("Metric"), "year": _("Year"), "value": _("Value"),
            "source": _("Source"), "source_date": _("Source date")}


def _number(raw) -> Decimal | None:
    try:
        return Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None


def import_values(table: list[list], actor) -> int:
    """Values in long form (organization, metric, year, value[, source, source date]) or wide form
    (organization, year, then one column per metric). All rows or none; returns how many values were written."""
    names = imports.column_names(LONG_COLUMNS, _labels)
    columns = imports.locate_columns(table, names, required=("organization", "year"), missing=_(
        "The first row must name the columns: Organization, Year, and either Metric and Value or one column per "
        "metric."))
    peers = {p.name_zh: p for p in list_peers()} | {p.name_en: p for p in list_peers() if p.name_en}
    metrics = {m.name_zh: m for m in list_metrics()} | {m.name_en: m for m in list_metrics() if m.name_en}
    long_form = "metric" in columns and "value" in columns
    wide_metrics = {}  # column index -> metric, in wide form
    if not long_form:
        for index, name in enumerate(str(cell or "").strip() for cell in table[0]):
            if name and name.lower() not in names:
                if name not in metrics:
                    raise ImportRejected([ImportProblem(1, _("Unknown metric %(name)s.", name=name))])
                wide_metrics[index] = metrics[name]
    return imports.import_rows(table, columns, lambda row: _values_from(row, peers, metrics, long_form, wide_metrics),
                               lambda planned: _write_values(planned, actor))


def _values_from(row: imports.Row, peers: Mapping[str, PeerOrganization], metrics: Mapping[str, BenchmarkMetric],
                 long_form: bool, wide_metrics: Mapping[int, BenchmarkMetric]) -> list[tuple]:
    """(peer, metric, year, value, source, source date) for each value of the row: one in long form, one per
    filled metric column in wide form."""
    name = row.text("organization")
    peer = peers.get(name)
    if peer is None:
        raise imports.RowProblem(_("Unknown organization %(name)s.", name=name or "—"))
    year = _number(row.cell("year")) if row.cell("year") not in (None, "") else None
    if year is None or year != year.to_integral_value() or not 1900 <= year <= 2200:
        raise imports.RowProblem(_("The year is missing or not a year."))
    source = row.text("source")
    try:
        source_date = imports.parse_date(row.cell("source_date"))
    except ValueError:
        raise imports.RowProblem(_("The source date must be a date (YYYY-MM-DD).")) from None
    if long_form:
        metric_name = row.text("metric")
        metric = metrics.get(metric_name)
        if metric is None:
            raise imports.RowProblem(_("Unknown metric %(name)s.", name=metric_name or "—"))
        entries = [(metric, row.cell("value"))]
    else:
        entries = [(metric, row.at(index)) for index, metric in wide_metrics.items()]
    values = []
    for metric, raw in entries:
        if raw in (None, "") and not long_form:
            continue  # a blank cell in wide form: no value for that metric
        value = _number(raw) if raw not in (None, "") else None
        if value is None:
            row.problem(_("%(metric)s: the value must be a number.", metric=metric.name_zh))
        elif metric.derived:
            row.problem(_("%(metric)s is derived; it is computed, not imported.", metric=metric.name_zh))
        else:
            values.append((peer, metric, int(year), value, source, source_date))
    return values


VALUE_AUDIT_FIELDS = ("peer_id", "metric_id", "year", "value")


def _write_values(planned: list[list[tuple]], actor) -> int:
    """Write the planned values. One query finds the stored values of the years concerned, and the new ones are
    flushed once, their audit events after: a query and a flush a value took 2.5 ms a value (five minutes for a
    full sheet). A value given twice is written, then changed, as its rows in order would."""
    entries = [entry for values in planned for entry in values]
    years = sorted({year for _peer, _metric, year, *_rest in entries})
    stored = {}
    for start in range(0, len(years), 500):  # bounded IN lists
        stored.update(((value.peer_id, value.metric_id, value.year), value) for value in db.session.scalars(
            select(MetricValue).where(MetricValue.year.in_(years[start:start + 500]))))
    written, after_flush = 0, []
    for peer, metric, year, value, source, source_date in entries:
        existing = stored.get((peer.id, metric.id, year))
        data = {"value": value, "source": source, "source_date": source_date}
        if existing is None:
            record = MetricValue(peer_id=peer.id, metric_id=metric.id, year=year, **data)
            stored[(peer.id, metric.id, year)] = record
            db.session.add(record)
            after_flush.append((audit.CREATE, record, audit.created(record, VALUE_AUDIT_FIELDS, flush=False)))
            written += 1
        elif changes := audit.apply_changes(existing, data):
            if existing.id is None:  # new in this file: its event waits for its id
                after_flush.append((audit.UPDATE, existing, changes))
            else:
                audit.record_event(audit.UPDATE, existing, actor, changes=changes)
            written += 1
    db.session.flush()
    for action, record, changes in after_flush:
        audit.record_event(action, record, actor, changes=changes)
    return written
