"""The registry of record types: the one place where features say what their records are.

Evidence links, search, the audit trail and the dossier speak of "any record" through this registry,
so no feature imports another. A feature registers its types once, when its blueprint is registered.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from flask import url_for
from sqlalchemy import select

from qms.extensions import db


@dataclass(frozen=True)
class SearchSpec:
    """What full-text search indexes of a record type (qms/search.py reads it; no feature imports Whoosh).

    ``document(record)`` returns the indexed text and facets: title, body (the text searched and quoted in
    snippets), and optionally author, keywords (list), kind, year, date, public (shown in the public
    catalogue) and public_body (what of the body the public may read: a public record that gives it is
    searched and quoted in the catalogue on that text only; without it the whole body is public). ``parents``
    maps a child model to the record id it belongs to, so that changing a child (a publication's file, say)
    re-indexes its parent; ``load`` names relationships to load eagerly when the whole type is re-indexed.
    """

    document: Callable[[Any], dict]
    parents: dict = field(default_factory=dict)  # child model -> callable(child) -> parent id
    load: tuple = ()


def owner_column(column) -> Callable[[list[int]], dict[int, int | None]]:
    """A `RecordType.owner` for records whose owner is a column of their own table (`Model.owner_id`): one query."""
    model = column.class_

    def owners(ids: list[int]) -> dict[int, int | None]:
        if not ids:
            return {}
        return dict(db.session.execute(select(model.id, column).where(model.id.in_(list(ids)))).all())
    return owners


@dataclass(frozen=True)
class RecordType:
    name: str  # stable type name stored in audit events and evidence links, e.g. "award_cycle"
    model: type
    label: Any  # lazy translated noun for the type, e.g. _l("Award cycle")
    title: Callable[[Any], str] = str
    endpoint: str | None = None  # view endpoint that shows one record
    url_kwarg: str | None = "id"  # None: the endpoint shows the one record of its type without an id
    readable_by: frozenset | None = None  # roles that may read it; None: every signed-in user
    search: SearchSpec | None = None  # full-text search: register it here and the record type becomes searchable
    field_labels: dict = field(default_factory=dict)  # column name -> lazy label, for the audit trail
    value_labels: dict = field(default_factory=dict)  # column name -> {stored value: lazy label}
    evidence: bool = False  # may stand as evidence for another record
    can_edit: Callable[[Any, Any], bool] | None = None  # (user, record) -> may add or remove its evidence
    summary: Callable[[Any], str] | None = None  # a paragraph describing the record, to start another from it
    # Where a record stands in time, so the dossier keeps to its award cycle's period (GatherContext.covers):
    # `when(record)` gives a date, an aware datetime, a year or a (first day, last day) pair, None if undated;
    # `cycle_id(record)` the award cycle a record kept per cycle belongs to (by default its award_cycle_id).
    when: Callable[[Any], Any] | None = None
    cycle_id: Callable[[Any], int | None] | None = None
    # How ready records of this type are, for features that weigh by it (the briefing's question draw):
    # `readiness(ids)` gives {id: 0–100} for the ids that exist, in a fixed number of queries.
    readiness: Callable[[list[int]], dict[int, float]] | None = None
    # Who answers for records of this type (reminders about their evidence go to them, say):
    # `owner(ids)` gives {id: user id or None} for the ids that exist, in a fixed number of queries.
    owner: Callable[[list[int]], dict[int, int | None]] | None = None

    def url_for(self, record_id: int) -> str | None:
        if not self.endpoint:
            return None
        if self.url_kwarg is None:
            return url_for(self.endpoint)
        return url_for(self.endpoint, **{self.url_kwarg: record_id})

    def readable(self, user) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        return self.readable_by is None or user.has_role(*self.readable_by)


_registry: dict[str, RecordType] = {}


def register(record_type: RecordType) -> RecordType:
    existing = _registry.get(record_type.name)
    if existing is not None and existing.model is not record_type.model:
        raise ValueError(f"record type {record_type.name!r} is already registered for another model")
    _registry[record_type.name] = record_type
    return record_type


def get(name: str) -> RecordType | None:
    return _registry.get(name)


def all_types() -> list[RecordType]:
    return sorted(_registry.values(), key=lambda rt: rt.name)


def searchable_types() -> list[RecordType]:
    return [rt for rt in all_types() if rt.search is not None]


def type_of(record: Any) -> RecordType:
    for record_type in _registry.values():
        if isinstance(record, record_type.model):
            return record_type
    raise LookupError(f"no record type registered for {type(record).__name__}")


def load_many(refs: Iterable[tuple[str, int | None]]) -> dict[tuple[str, int], Any]:
    """Load the records behind (type name, id) pairs with one query per type, whatever their number."""
    ids_by_type: dict[str, set[int]] = defaultdict(set)
    for type_name, record_id in refs:
        if record_id is not None and type_name in _registry:
            ids_by_type[type_name].add(record_id)
    found: dict[tuple[str, int], Any] = {}
    for type_name, ids in ids_by_type.items():
        model = _registry[type_name].model
        for record in db.session.scalars(select(model).where(model.id.in_(ids))):
            found[(type_name, record.id)] = record
    return found
