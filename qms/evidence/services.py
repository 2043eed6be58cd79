"""Adding, listing and removing evidence for any subject record, with its file kept consistent with the row."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import select

from qms import uploads
from qms.core import audit
from qms.core.services import ServiceError
from qms.evidence.models import Evidence, EvidenceKind
from qms.extensions import db
from qms.spine import records


def subject_of(evidence: Evidence):
    record_type = records.get(evidence.subject_type)
    return db.session.get(record_type.model, evidence.subject_id) if record_type else None


def can_edit(user, subject) -> bool:
    record_type = records.type_of(subject)
    return bool(record_type.can_edit and record_type.can_edit(user, subject))


def for_subject(subject) -> list[Evidence]:
    type_name = records.type_of(subject).name
    return list(db.session.scalars(select(Evidence).where(Evidence.subject_type == type_name,
                                                          Evidence.subject_id == subject.id).order_by(Evidence.id)))


def for_subjects(type_name: str, subject_ids) -> dict[int, list[Evidence]]:
    """Evidence of many subjects of one type, in one query."""
    found: dict[int, list[Evidence]] = defaultdict(list)
    query = select(Evidence).where(Evidence.subject_type == type_name).order_by(Evidence.id)
    if not isinstance(subject_ids, (list, tuple, set)):
        query = query.where(Evidence.subject_id.in_(subject_ids))  # a subquery
    else:
        query = query.where(Evidence.subject_id.in_(list(subject_ids)))
    for entry in db.session.scalars(query):
        found[entry.subject_id].append(entry)
    return found


def citing(record) -> list[Evidence]:
    """Evidence rows elsewhere that link to this record (e.g. checklist items an initiative supports)."""
    type_name = records.type_of(record).name
    return list(db.session.scalars(select(Evidence).where(Evidence.kind == EvidenceKind.RECORD,
                                                          Evidence.record_type == type_name,
                                                          Evidence.record_id == record.id).order_by(Evidence.id)))


def _new(subject, actor, **fields) -> Evidence:
    record_type = records.type_of(subject)
    evidence = Evidence(subject_type=record_type.name, subject_id=subject.id,
                        added_by_id=getattr(actor, "id", None), **fields)
    db.session.add(evidence)
    audit.record_event(audit.CREATE, evidence, actor, changes={
        "subject": [None, record_type.title(subject)], "kind": [None, evidence.kind.value],
        "title": [None, str(evidence)],
        "expires_on": [None, evidence.expires_on.isoformat() if evidence.expires_on else None]})
    return evidence


def add_file(subject, data: bytes, filename: str, title: str, expires_on: dt.date | None, actor) -> Evidence:
    stored = uploads.store(data, filename)  # raises ServiceError before anything is written
    try:
        evidence = _new(subject, actor, kind=EvidenceKind.FILE, title=title or stored.original_name,
                        stored_name=stored.stored_name, original_name=stored.original_name,
                        content_type=stored.content_type, size=stored.size, expires_on=expires_on)
        db.session.commit()
    except Exception:
        db.session.rollback()
        uploads.discard(stored.stored_name)  # nothing half-stored remains
        raise
    return evidence


def add_link(subject, url: str, title: str, expires_on: dt.date | None, actor) -> Evidence:
    evidence = _new(subject, actor, kind=EvidenceKind.LINK, url=url, title=title, expires_on=expires_on)
    db.session.commit()
    return evidence


def linkable_types() -> list[records.RecordType]:
    return [rt for rt in records.all_types() if rt.evidence]


def record_choices(user, limit: int = 200) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(type name, type label, [(value, title)]) for each record type that may stand as evidence."""
    result = []
    for record_type in linkable_types():
        if not record_type.readable(user):
            continue
        model = record_type.model
        found = db.session.scalars(select(model).order_by(model.id.desc()).limit(limit))
        result.append((record_type.name, str(record_type.label),
                       [(f"{record_type.name}:{record.id}", record_type.title(record)) for record in found]))
    return result


def resolve(reference: str, user):
    """The record behind a 'type:id' reference, if it may stand as evidence and the user may read it."""
    type_name, _sep, raw_id = (reference or "").partition(":")
    record_type = records.get(type_name)
    if record_type is None or not record_type.evidence or not raw_id.isdigit():
        return None
    record = db.session.get(record_type.model, int(raw_id))
    if record is None or not record_type.readable(user):
        return None
    return record


def add_record(subject, reference: str, expires_on: dt.date | None, actor) -> Evidence:
    record = resolve(reference, actor)
    if record is None:
        raise ServiceError(_("Choose a QMS record."), field="record")
    if record is subject:
        raise ServiceError(_("A record cannot be its own evidence."), field="record")
    record_type = records.type_of(record)
    evidence = _new(subject, actor, kind=EvidenceKind.RECORD, record_type=record_type.name, record_id=record.id,
                    title=record_type.title(record)[:300], expires_on=expires_on)
    db.session.commit()
    return evidence


def delete(evidence: Evidence, actor, commit: bool = True) -> None:
    stored_name = evidence.stored_name
    audit.record_event(audit.DELETE, evidence, actor, summary=str(evidence))
    db.session.delete(evidence)
    if commit:
        db.session.commit()
        if stored_name:
            uploads.discard(stored_name)


def delete_all_of(type_name: str, subject_ids: list[int], actor) -> list[str]:
    """Delete the evidence of these subjects (within the caller's transaction); return stored files to discard."""
    stored = []
    for entries in for_subjects(type_name, subject_ids).values():
        for entry in entries:
            if entry.stored_name:
                stored.append(entry.stored_name)
            delete(entry, actor, commit=False)
    return stored


def links(entries: list[Evidence]) -> dict[int, tuple[str, str | None]]:
    """For record evidence: id -> (current title, URL), loading the records with one query per type."""
    loaded = records.load_many((e.record_type, e.record_id) for e in entries if e.kind == EvidenceKind.RECORD)
    result = {}
    for entry in entries:
        if entry.kind != EvidenceKind.RECORD:
            continue
        record_type = records.get(entry.record_type)
        record = loaded.get((entry.record_type, entry.record_id))
        if record is None or record_type is None:
            result[entry.id] = (entry.title, None)
        else:
            result[entry.id] = (record_type.title(record), record_type.url_for(record.id))
    return result


def subject_choices(user, exclude_type: str | None = None, limit: int = 200):
    """(type name, type label, [(value, title)]) of records this user may add evidence to."""
    result = []
    for record_type in records.all_types():
        if record_type.can_edit is None or record_type.name == exclude_type or not record_type.readable(user):
            continue
        model = record_type.model
        found = [r for r in db.session.scalars(select(model).order_by(model.id.desc()).limit(limit))
                 if record_type.can_edit(user, r)]
        if found:
            result.append((record_type.name, str(record_type.label),
                           [(f"{record_type.name}:{r.id}", record_type.title(r)) for r in found]))
    return result


def cite(record, subject_reference: str, actor) -> Evidence:
    """Let record stand as evidence for the subject named by 'type:id' (e.g. an initiative for a checklist item)."""
    type_name, _sep, raw_id = (subject_reference or "").partition(":")
    record_type = records.get(type_name)
    subject = db.session.get(record_type.model, int(raw_id)) if record_type and raw_id.isdigit() else None
    if subject is None or record_type.can_edit is None or not record_type.can_edit(actor, subject):
        raise ServiceError(_("Choose what this supports."), field="subject")
    own_type = records.type_of(record)
    return add_record(subject, f"{own_type.name}:{record.id}", None, actor)


def cited_by(record) -> list[tuple[Evidence, str, str | None]]:
    """(evidence, subject title, subject URL) for every record that cites this one as evidence."""
    entries = citing(record)
    loaded = records.load_many((e.subject_type, e.subject_id) for e in entries)
    result = []
    for entry in entries:
        record_type = records.get(entry.subject_type)
        subject = loaded.get((entry.subject_type, entry.subject_id))
        if subject is not None and record_type is not None:
            result.append((entry, record_type.title(subject), record_type.url_for(subject.id)))
    return result
