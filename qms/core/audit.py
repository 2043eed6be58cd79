"""The audit trail: every service write records one AuditEvent in the same transaction."""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l

from qms.core.models import AuditEvent
from qms.extensions import db
from qms.spine import records

CREATE, UPDATE, DELETE = "create", "update", "delete"
ACTION_LABELS = {CREATE: _l("Created"), UPDATE: _l("Updated"), DELETE: _l("Deleted")}

# Fixed summaries are stored in English and translated when shown, so the trail reads in the
# reader's language rather than the writer's.
ACCOUNT_ACTIVATED = "Account activated"
ACCOUNT_DEACTIVATED = "Account deactivated"
PASSWORD_RESET = "Password reset by an administrator"
PASSWORD_CHANGED = "Password changed by its owner"
SESSION_ENDED = "Session ended by an administrator"
SESSIONS_ENDED = "All sessions ended by an administrator"
SIGN_IN_UNLOCKED = "Sign-in lock lifted by an administrator"
FIXED_SUMMARIES = {
    SESSION_ENDED: _l("Session ended by an administrator"),
    SESSIONS_ENDED: _l("All sessions ended by an administrator"),
    SIGN_IN_UNLOCKED: _l("Sign-in lock lifted by an administrator"),
    ACCOUNT_ACTIVATED: _l("Account activated"),
    ACCOUNT_DEACTIVATED: _l("Account deactivated"),
    PASSWORD_RESET: _l("Password reset by an administrator"),
    PASSWORD_CHANGED: _l("Password changed by its owner"),
}


SECRET = "***"


@dataclass(frozen=True)
class Entity:
    """What the audit trail calls the things its events are about that are not record types (no page of their
    own: a sign-in lock, the search index, a unit's supervisor), and the labels of their changed fields and values
    (as a record type's field_labels and value_labels)."""
    label: Any
    field_labels: Mapping[str, Any] = field(default_factory=dict)
    value_labels: Mapping[str, Mapping] = field(default_factory=dict)


ENTITIES: dict[str, Entity] = {}


def name_entity(name: str, label, field_labels: Mapping[str, Any] | None = None,
                value_labels: Mapping[str, Mapping] | None = None) -> str:
    """Register an entity type that is not a record type, for the audit trail's labels and filter; returns name."""
    ENTITIES[name] = Entity(label, dict(field_labels or {}), dict(value_labels or {}))
    return name


def entity_label(name: str) -> str:
    """An event's entity type in the reader's language: its record type's label, or a named entity's."""
    record_type = records.get(name)
    if record_type is not None:
        return str(record_type.label)
    entity = ENTITIES.get(name)
    return str(entity.label) if entity is not None else name


def entity_choices() -> list[tuple[str, Any]]:
    """The audit trail's filter by type: every record type, then every named entity."""
    return [(rt.name, rt.label) for rt in records.all_types()] + [
        (name, entity.label) for name, entity in ENTITIES.items() if records.get(name) is None]


def actor_label(event: AuditEvent) -> str:
    return event.actor_name or str(_l("QMS (system)"))


# A changed value longer than this is shown shortened in the audit trail, with the whole value a click away.
VALUE_LIMIT = 80


@dataclass(frozen=True)
class ShownValue:
    """A value as the audit trail shows it: in full, and shortened to VALUE_LIMIT characters."""

    text: str

    @property
    def short(self) -> str:
        return self.text if len(self.text) <= VALUE_LIMIT else self.text[:VALUE_LIMIT - 1].rstrip() + "…"

    @property
    def shortened(self) -> bool:
        return self.short != self.text


@dataclass(frozen=True)
class FieldChange:
    """One changed field, labelled: old → new (old is None when the field had no value before)."""

    label: str
    old: ShownValue | None
    new: ShownValue

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.label}: {self.new.text}"
        return f"{self.label}: {self.old.text} → {self.new.text}"


@dataclass(frozen=True)
class Description:
    """What an event did, in the reader's language: fixed summaries, then each changed field."""

    notes: list[str] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(self.notes + [str(change) for change in self.changes])


def describe_changes(event: AuditEvent) -> Description:
    """The event's change as labelled values: lists and mappings read as text, never as Python literals."""
    notes = []
    if event.summary in FIXED_SUMMARIES:
        notes.append(str(FIXED_SUMMARIES[event.summary]))
    record_type = records.get(event.entity_type)
    entity = ENTITIES.get(event.entity_type)
    labels = record_type.field_labels if record_type else entity.field_labels if entity else {}
    value_labels = record_type.value_labels if record_type else entity.value_labels if entity else {}
    changes = []
    for field_name, (old, new) in (event.changes or {}).items():
        if old == SECRET:
            continue  # the fixed summary already says what happened; values are never shown
        shown = value_labels.get(field_name, {})
        changes.append(FieldChange(
            _field_label(labels, field_name),
            None if old is None else ShownValue(_shown(old, shown, labels, value_labels)),
            ShownValue(_shown(new, shown, labels, value_labels))))
    if not notes and not changes and event.summary:
        notes.append(event.summary)
    return Description(notes, changes)


def describe(event: AuditEvent) -> str:
    """The event's change in the reader's language, as one line: a fixed summary, then each field's old → new."""
    return str(describe_changes(event))


def _field_label(labels: Mapping, field_name: str) -> str:
    return str(labels.get(field_name, field_name.replace("_", " ")))


def _shown(value: Any, labels: Mapping | None = None, field_labels: Mapping | None = None,
           value_labels: Mapping | None = None) -> str:
    """A stored value as text: a label for a coded value, Yes/No, a list run together, a mapping as
    "label: value" pairs (its keys labelled like the record's fields)."""
    from qms.i18n import list_separator  # late: qms.i18n builds on qms.core.services, which records events

    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, (list, tuple)):
        return list_separator().join(_shown(item, labels, field_labels, value_labels) for item in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{_field_label(field_labels or {}, str(key))}: "
            f"{_shown(item, (value_labels or {}).get(key, {}), field_labels, value_labels)}"
            for key, item in value.items())
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if labels and value in labels:
        return str(labels[value])
    return str(value)


def created(record: Any, fields: tuple[str, ...], flush: bool = True) -> dict:
    """The change set of a new record: {field: [None, value]} for the fields given that have a value.
    `flush=False` when every one of those fields was set by hand (no column default to wait for): a bulk write
    then flushes once, not once a record."""
    if flush and getattr(record, "id", None) is None:
        db.session.flush()  # column defaults are applied on flush
    values = {name: _plain(getattr(record, name)) for name in fields}
    return {name: [None, value] for name, value in values.items() if value not in (None, "")}


def _plain(value: Any) -> Any:
    """A JSON-safe form of a column value, for the stored change set."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def apply_changes(record: Any, values: Mapping[str, Any], secret: frozenset[str] = frozenset()) -> dict:
    """Set attributes on record; return {field: [old, new]} for the ones that really changed.

    Fields named in secret are reported as changed without their values.
    """
    changes: dict[str, list] = {}
    for field_name, new_value in values.items():
        old_value = getattr(record, field_name)
        if isinstance(old_value, Decimal) and new_value is not None:
            new_value = Decimal(str(new_value))
        if old_value == new_value:
            continue
        setattr(record, field_name, new_value)
        changes[field_name] = [SECRET, SECRET] if field_name in secret else [_plain(old_value), _plain(new_value)]
    return changes


def summarize(changes: Mapping[str, list]) -> str:
    return "; ".join(f"{name}: {old!s} → {new!s}" for name, (old, new) in changes.items())


def record_event(action: str, record: Any, actor=None, summary: str = "", changes: Mapping | None = None,
                 entity_type: str | None = None) -> AuditEvent:
    """Add an AuditEvent for record to the session (flushing first so a new record has its id)."""
    if record is not None and getattr(record, "id", None) is None:
        db.session.flush()
    type_name = entity_type or records.type_of(record).name
    record_type = records.get(type_name)
    title = record_type.title(record) if record_type and record is not None else str(record or "")
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_name=str(actor) if actor is not None else "",  # empty: QMS itself (CLI, demo data)
        entity_type=type_name,
        entity_id=getattr(record, "id", None),
        entity_title=title[:300],
        action=action,
        summary=summary or summarize(changes or {}),
        changes=dict(changes or {}),
    )
    db.session.add(event)
    return event
