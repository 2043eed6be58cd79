"""The inbox's notifications, each user's digest preference and the one reminder schedule."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qms.core.models import UTCDateTime, enum_column, utcnow
from qms.extensions import db
from qms.spine.enums import LabelledEnum


class NotificationKind(LabelledEnum):
    ASSIGNED = "assigned", _l("Assigned to you")
    DUE_SOON = "due_soon", _l("Due soon")
    OVERDUE = "overdue", _l("Overdue")
    VERIFY = "verify", _l("Awaiting verification")
    EXPIRING = "expiring", _l("Expiring")


class Digest(LabelledEnum):
    NONE = "none", _l("No digest")
    DAILY = "daily", _l("Daily")
    WEEKLY = "weekly", _l("Weekly")


class Notification(db.Model):
    """One reminder sent to one user's inbox; `dedupe_key` makes sure the same reminder never arrives twice."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(100))  # the reminder source's key
    record_type: Mapped[str] = mapped_column(String(50))
    record_id: Mapped[int]
    stage: Mapped[str] = mapped_column(String(30), default="due")
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500), default="")
    due: Mapped[dt.date | None]
    dedupe_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("user_id", "dedupe_key", name="uq_notification_user_id_dedupe_key"),)

    def __str__(self) -> str:
        return self.title


class NotificationPreference(db.Model):
    """How a user wants to hear of their work by e-mail; a user without a row has the defaults."""

    __tablename__ = "notification_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    digest: Mapped[Digest] = mapped_column(enum_column(Digest), default=Digest.WEEKLY)
    immediate_mail: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return str(_l("Notification settings"))


class ReminderSchedule(db.Model):
    """The one row saying when digests go out (office time) and when they last did."""

    __tablename__ = "reminder_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest_hour: Mapped[int] = mapped_column(default=8)  # 0–23, Asia/Taipei
    weekly_day: Mapped[int] = mapped_column(default=0)  # 0 = Monday … 6 = Sunday
    last_daily_run: Mapped[dt.date | None]
    last_weekly_run: Mapped[dt.date | None]
    # None until the first scan: that one records what is already open without mailing it all at once.
    last_scan_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    def __str__(self) -> str:
        return str(_l("Reminder schedule"))
