"""Shared model pieces (UTC timestamps) and the core records: Organization, AwardCycle, AuditEvent."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, types
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.extensions import db
from qms.spine import clock
from qms.spine.enums import LabelledEnum


def utcnow() -> dt.datetime:
    return clock.utcnow()


class UTCDateTime(types.TypeDecorator):
    """Aware UTC datetimes in and out, on SQLite (which drops the zone) and PostgreSQL alike."""

    impl = types.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def enum_column(enum_class, length: int = 20):
    """A string enum stored by value as VARCHAR (portable: no native enum types to migrate on PostgreSQL)."""
    return db.Enum(enum_class, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Organization(TimestampMixin, db.Model):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    motto: Mapped[str] = mapped_column(String(200), default="")
    area_km2: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    population: Mapped[int | None]
    households: Mapped[int | None]
    staff_count: Mapped[int | None]
    as_of: Mapped[dt.date | None]
    public_catalogue: Mapped[bool] = mapped_column(default=False)  # /library open to visitors

    def __str__(self) -> str:
        return self.name


class CycleStatus(LabelledEnum):
    PREPARING = "preparing", _l("Preparing")
    SUBMITTED = "submitted", _l("Submitted")
    FIRST_REVIEW = "first_review", _l("First review")
    SITE_VISIT = "site_visit", _l("Site visit")
    RESULT = "result", _l("Result announced")


CYCLE_STATUS_LABELS = CycleStatus.labels()


class AwardCycle(TimestampMixin, db.Model):
    __tablename__ = "award_cycle"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    submission_deadline: Mapped[dt.date | None]
    status: Mapped[CycleStatus] = mapped_column(
        enum_column(CycleStatus),
        default=CycleStatus.PREPARING,
    )
    is_current: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    # The period the application reports on (first and last day): the dossier takes only what falls in it.
    period_start: Mapped[dt.date | None]
    period_end: Mapped[dt.date | None]
    # The time the reviewers allow for the office's briefing at the site visit (the briefing deck's budget).
    briefing_minutes: Mapped[int | None]

    __table_args__ = (db.UniqueConstraint("award_name", "year", name="uq_award_cycle_award_name_year"),)

    def __str__(self) -> str:
        return f"{self.award_name} {self.year}"


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The name as it was when the event happened: survives renames and deleted accounts.
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None]
    entity_title: Mapped[str] = mapped_column(String(300), default="")
    action: Mapped[str] = mapped_column(String(30), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor = relationship("User", lazy="joined")

    __table_args__ = (Index("ix_audit_event_entity", "entity_type", "entity_id"),)


class SearchQueue(db.Model):
    """Searchable records changed by a commit, written in the same transaction; the index applies them after
    the commit and marks them done (qms/search.py). Done rows are kept two days so a rebuild can replay them."""

    __tablename__ = "search_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(50))
    record_id: Mapped[int]
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done: Mapped[bool] = mapped_column(default=False, index=True)
