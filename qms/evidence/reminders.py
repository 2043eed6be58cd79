"""Evidence reminders: evidence that expires within EXPIRING_WITHIN days or has expired, until it is renewed
(the same subject gets later evidence of the same title expiring later, or none) or removed.

Who renews it: whoever answers for the record it supports (its type's RecordType.owner), else whoever added it;
nobody known, the quality team."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from qms.evidence.models import Evidence
from qms.extensions import db
from qms.spine import records
from qms.spine.access import Role
from qms.spine.reminders import Obligation, ReminderSource

EXPIRING = "evidence.expiring"
EXPIRING_WITHIN = dt.timedelta(days=30)

QUALITY = frozenset({Role.QUALITY})


def _renewed():
    """SQL: a later piece of evidence of the same subject and title outlasts this one."""
    newer = aliased(Evidence)
    return (select(newer.id).where(newer.subject_type == Evidence.subject_type, newer.subject_id == Evidence.subject_id,
                                   newer.title == Evidence.title, newer.title != "", newer.id > Evidence.id,
                                   or_(newer.expires_on.is_(None), newer.expires_on > Evidence.expires_on))
            .exists())


def collect_expiring(today: dt.date, user=None) -> list[Obligation]:
    """One query for the evidence, then per record type it supports one to load those records (dropping evidence
    of records that no longer exist) and one for their owners: a fixed number whatever the row count (plus what a
    type's title reads that its records do not load, such as a checklist item's assessment: once per assessment).

    The owner comes from the subject record, so it is only known after the records are read: a user's evidence
    is kept after that (the expiring evidence is few rows, already narrowed by date in SQL)."""
    rows = list(db.session.scalars(select(Evidence).where(
        Evidence.expires_on.is_not(None), Evidence.expires_on <= today + EXPIRING_WITHIN, ~_renewed())
        .order_by(Evidence.expires_on, Evidence.id)))
    if not rows:
        return []
    subjects = records.load_many((e.subject_type, e.subject_id) for e in rows)
    ids_by_type: dict[str, list[int]] = defaultdict(list)
    for evidence in rows:
        if (evidence.subject_type, evidence.subject_id) in subjects:
            ids_by_type[evidence.subject_type].append(evidence.subject_id)
    owners: dict[tuple[str, int], int | None] = {}
    for type_name, ids in ids_by_type.items():
        record_type = records.get(type_name)
        if record_type.owner is not None:
            owners.update(((type_name, i), owner) for i, owner in record_type.owner(ids).items())
    found = []
    for evidence in rows:
        subject = subjects.get((evidence.subject_type, evidence.subject_id))
        if subject is None:
            continue  # its record is gone: nothing to renew it for
        record_type = records.get(evidence.subject_type)
        owner_id = owners.get((evidence.subject_type, evidence.subject_id)) or evidence.added_by_id
        obligation = Obligation(
            EXPIRING, "evidence", evidence.id, f"{evidence} · {record_type.title(subject)}", _l("Renew the evidence"),
            evidence.expires_on, record_type.url_for(subject.id) or url_for("core.dashboard"), owner_id=owner_id,
            roles=frozenset() if owner_id else QUALITY, stage="expiring")
        if user is None or obligation.concerns(user):
            found.append(obligation)
    return found



SOURCES = (ReminderSource(EXPIRING, _l("Expiring evidence"), collect_expiring, order=60),)
