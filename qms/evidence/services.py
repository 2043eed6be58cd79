"""Adding, listing and removing evidence for any subject record, with its file kept consistent with the row."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select

from qms import search, uploads
from qms.core import audit
from qms.core.services import ServiceError
from qms.evidence.models import Evidence, EvidenceKind
from qms.extensions import db
from qms.spine import clock, records

# An expiry date outside these bounds is a typing slip (a year 0205 or 2205), not a real certificate's end.
EARLIEST_EXPIRY = dt.date(2000, 1, 1)
LATEST_EXPIRY_YEARS = 30


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


def is_current(expires_on: dt.date | None, today: dt.date) -> bool:
    """Evidence counts until the end of its expiry date; evidence without one never expires."""
    return expires_on is None or expires_on >= today


def current_clause(today: dt.date):
    """The SQL form of is_current, for counts made by the database."""
    return or_(Evidence.expires_on.is_(None), Evidence.expires_on >= today)


def lapsed_subjects(type_name: str, today: dt.date):
    """A subquery of the subject ids of this type whose evidence has all expired (they have some, none current)."""
    current = case((current_clause(today), 1), else_=0)
    return (select(Evidence.subject_id).where(Evidence.subject_type == type_name)
            .group_by(Evidence.subject_id).having(func.max(current) == 0))


def check_expiry(expires_on: dt.date | None, today: dt.date | None = None) -> None:
    """Refuse an expiry date no real evidence would carry (the form has already refused impossible dates)."""
    if expires_on is None:
        return
    today = today or clock.today()
    latest = dt.date(min(today.year + LATEST_EXPIRY_YEARS, 9999), 12, 31)
    if not EARLIEST_EXPIRY <= expires_on <= latest:
        raise ServiceError(_("Enter an expiry date between %(first)s and %(last)s.", first=EARLIEST_EXPIRY.isoformat(),
                             last=latest.isoformat()), field="expires_on")


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
    check_expiry(fields.get("expires_on"))
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
    check_expiry(expires_on)  # before the file is stored
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


@dataclass(frozen=True)
class Match:
    """A record found by what a person typed, to be chosen in a picker."""
    value: str  # "type:id", what the linking form posts
    title: str
    type_label: str
    url: str | None


MATCHES = 10  # a short list: the person types more to narrow it
TITLE_SCAN = 200  # records of a type the index does not hold whose titles are compared (the latest ones)


def _matches(user, text: str, types: list[records.RecordType], keep: Callable[[records.RecordType, Any], bool],
             exclude: tuple[str, int] | None, limit: int) -> list[Match]:
    """Records of these types matching what was typed: searched in the full-text index where a type is indexed,
    by title for the (few-recorded) types it does not hold; never `exclude`, only what `keep` accepts."""
    text = (text or "").strip()[:200]
    types = [rt for rt in types if rt.readable(user)]
    if not text or not types:
        return []
    hits = search.lookup(text, access=search.user_access_terms(user),
                         types=[rt.name for rt in types if rt.search is not None], limit=limit * 3)
    refs = [(hit.type, hit.record_id) for hit in hits]
    wanted = search.normalize(text)
    for record_type in types:
        if record_type.search is None:
            model = record_type.model
            for record in db.session.scalars(select(model).order_by(model.id.desc()).limit(TITLE_SCAN)):
                if wanted in search.normalize(record_type.title(record)):
                    refs.append((record_type.name, record.id))
    loaded = records.load_many(refs)
    by_name = {rt.name: rt for rt in types}
    found: list[Match] = []
    seen = set()
    for ref in refs:
        record_type, record = by_name.get(ref[0]), loaded.get(ref)
        if record is None or record_type is None or ref == exclude or ref in seen or not keep(record_type, record):
            continue
        seen.add(ref)
        found.append(Match(f"{ref[0]}:{ref[1]}", record_type.title(record), str(record_type.label),
                           record_type.url_for(record.id)))
        if len(found) == limit:
            break
    return found


def find_evidence(user, text: str, subject, limit: int = MATCHES) -> list[Match]:
    """Records the user may read that may stand as evidence, matching what was typed; never the subject itself."""
    own = records.type_of(subject).name
    return _matches(user, text, linkable_types(), lambda _rt, _record: True, (own, subject.id), limit)


def _parse(reference: str) -> tuple[records.RecordType | None, int]:
    """The record type and id a 'type:id' reference names, or (None, 0) when it names none."""
    type_name, _sep, raw_id = (reference or "").partition(":")
    record_type = records.get(type_name)
    if record_type is None or not (raw_id.isascii() and raw_id.isdigit()) or len(raw_id) > 18:
        return None, 0
    return record_type, int(raw_id)


def resolve(reference: str, user):
    """The record behind a 'type:id' reference, if it may stand as evidence and the user may read it."""
    record_type, record_id = _parse(reference)
    if record_type is None or not record_type.evidence:
        return None
    record = db.session.get(record_type.model, record_id)
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


def subject_types() -> list[records.RecordType]:
    return [rt for rt in records.all_types() if rt.can_edit is not None]


def find_subjects(user, text: str, record, limit: int = MATCHES) -> list[Match]:
    """Records the user may add evidence to, matching what was typed, for `record` to support; never itself."""
    own = records.type_of(record).name
    return _matches(user, text, subject_types(), lambda rt, subject: rt.can_edit(user, subject), (own, record.id),
                    limit)


def may_cite(user, record, probe: int = 200) -> bool:
    """Whether to offer this user to link `record` as evidence elsewhere: some record they may add evidence to
    exists among the latest of each type (a bounded look, so a page never reads every record)."""
    own = records.type_of(record).name
    for record_type in subject_types():
        if not record_type.readable(user):
            continue
        model = record_type.model
        for subject in db.session.scalars(select(model).order_by(model.id.desc()).limit(probe)):
            if (record_type.name, subject.id) != (own, record.id) and record_type.can_edit(user, subject):
                return True
    return False


def cite(record, subject_reference: str, actor) -> Evidence:
    """Let record stand as evidence for the subject named by 'type:id' (e.g. an initiative for a checklist item)."""
    record_type, subject_id = _parse(subject_reference)
    subject = db.session.get(record_type.model, subject_id) if record_type else None
    if subject is None or record_type.can_edit is None or not record_type.readable(actor) \
            or not record_type.can_edit(actor, subject):
        raise ServiceError(_("Choose what this supports."), field="subject")
    if subject is record:
        raise ServiceError(_("A record cannot be its own evidence."), field="subject")
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
