"""The mail outbox log (one row a mail, its rendered bytes kept in the "outbox" storage area) and calendar tokens."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.core.models import UTCDateTime, enum_column, utcnow
from qms.extensions import db
from qms.spine.enums import LabelledEnum


class MailKind(LabelledEnum):
    NOTICE = "notice", _l("Notice")
    DIGEST = "digest", _l("Digest")
    TEST = "test", _l("Test mail")


class MailStatus(LabelledEnum):
    QUEUED = "queued", _l("Waiting to be sent")
    SENT = "sent", _l("Sent")
    WRITTEN = "written", _l("Written to the outbox folder (no mail server set)")
    FAILED = "failed", _l("Failed")


class MailMessage(db.Model):
    """One mail: to whom, what, and how its sending went. The rendered message is stored once, when it is queued,
    so every attempt sends the same bytes."""

    __tablename__ = "mail_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    kind: Mapped[MailKind] = mapped_column(enum_column(MailKind))
    subject: Mapped[str] = mapped_column(String(300))
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus), default=MailStatus.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(300), default="")  # short, for people; the trace is in the log
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    stored_name: Mapped[str] = mapped_column(String(64), default="")  # the .eml in the "outbox" area
    # A digest's day and frequency: one digest a user, day and frequency (NULL for other mails, never equal).
    digest_day: Mapped[dt.date | None]
    frequency: Mapped[str | None] = mapped_column(String(20))

    user = relationship("User", lazy="raise")

    __table_args__ = (UniqueConstraint("user_id", "digest_day", "frequency", name="uq_mail_message_digest"),)

    def __str__(self) -> str:
        return self.subject


class CalendarKind(LabelledEnum):
    MINE = "mine", _l("My obligations")
    CYCLE = "cycle", _l("The whole cycle")


class CalendarToken(db.Model):
    """A secret calendar-feed address: only its SHA-256 is stored; the token is shown once, in the feed URL."""

    __tablename__ = "calendar_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CalendarKind] = mapped_column(enum_column(CalendarKind))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User", lazy="joined")

    def __str__(self) -> str:
        return f"{self.kind.label} #{self.id}"
