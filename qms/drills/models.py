"""Mystery-shopper drills (秘密客情境演練): scorecard templates, scenarios, drill logs, corrective actions, plans."""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.core.models import TimestampMixin, UTCDateTime, enum_column
from qms.extensions import db
from qms.spine.enums import LabelledEnum


class Channel(LabelledEnum):
    COUNTER = "counter", _l("Counter")
    PHONE = "phone", _l("Telephone")
    ONLINE = "online", _l("Online, LINE or e-mail")


CHANNEL_LABELS = Channel.labels()


class ScaleKind(enum.StrEnum):
    YES_NO = "yes_no"
    ONE_TO_FIVE = "one_to_five"
    POINTS = "points"


class Scorecard(TimestampMixin, db.Model):
    """One version of a scorecard template; a template used by drills is never edited in place."""

    __tablename__ = "scorecard"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int]
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    # Rating bands on the total: [{"min": 90, "zh": "優良", "en": "Excellent"}, ...], highest first.
    bands: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source_text: Mapped[str] = mapped_column(Text, default="")
    content_sha256: Mapped[str] = mapped_column(String(64), default="")

    sections: Mapped[list[ScorecardSection]] = relationship(
        back_populates="scorecard", order_by="ScorecardSection.position", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("key", "version", name="uq_scorecard_key_version"),)

    def __str__(self) -> str:
        return f"{self.name_zh} v{self.version}"


class ScorecardSection(db.Model):
    __tablename__ = "scorecard_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecard.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)

    scorecard: Mapped[Scorecard] = relationship(back_populates="sections")
    criteria: Mapped[list[ScorecardCriterion]] = relationship(
        back_populates="section", order_by="ScorecardCriterion.position", cascade="all, delete-orphan")


class ScorecardCriterion(db.Model):
    __tablename__ = "scorecard_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("scorecard_section.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    text_zh: Mapped[str] = mapped_column(String(500))
    text_en: Mapped[str] = mapped_column(String(500), default="")
    scale: Mapped[ScaleKind] = mapped_column(enum_column(ScaleKind))
    weight: Mapped[Decimal] = mapped_column(Numeric(8, 2))  # points this criterion is worth in the total
    max_points: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))  # for the points scale
    critical: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    section: Mapped[ScorecardSection] = relationship(back_populates="criteria")


class Scenario(TimestampMixin, db.Model):
    """A request a shopper makes, and how a correct office handles it."""

    __tablename__ = "scenario"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    request: Mapped[str] = mapped_column(Text, default="")
    expected: Mapped[str] = mapped_column(Text, default="")
    should_refuse: Mapped[bool] = mapped_column(default=False)  # a "trick" request to be refused politely
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.title_zh


class Drill(TimestampMixin, db.Model):
    __tablename__ = "drill"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    scenario_id: Mapped[int | None] = mapped_column(ForeignKey("scenario.id", ondelete="SET NULL"))
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecard.id"))
    shopper_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    shopper_name: Mapped[str] = mapped_column(String(120), default="")  # an outside shopper
    unit_observed: Mapped[str] = mapped_column(String(200), default="")
    staff_names: Mapped[str] = mapped_column(String(300), default="")  # only quality and admin see these
    waiting_minutes: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    handling_minutes: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    comments: Mapped[str] = mapped_column(Text, default="")
    # Computed from the scores when they are saved (see scoring.py), kept for lists and reports.
    total_pct: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    rating: Mapped[str] = mapped_column(String(30), default="")
    critical_failed: Mapped[bool] = mapped_column(default=False)
    redrill_on: Mapped[dt.date | None] = mapped_column(index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    scenario: Mapped[Scenario | None] = relationship(lazy="joined")
    scorecard: Mapped[Scorecard] = relationship(lazy="joined")
    shopper = relationship("User", foreign_keys=[shopper_id], lazy="joined")
    author = relationship("User", foreign_keys=[author_id], lazy="joined")
    scores: Mapped[list[DrillScore]] = relationship(back_populates="drill", cascade="all, delete-orphan")

    # The re-drill check looks for a later drill of the same unit on the same channel.
    __table_args__ = (Index("ix_drill_channel_unit_occurred", "channel", "unit_observed", "occurred_at"),)

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.unit_observed or self.channel.value}"


class DrillScore(db.Model):
    __tablename__ = "drill_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drill.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("scorecard_criterion.id"))
    value: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))  # None: not applicable
    remark: Mapped[str] = mapped_column(String(500), default="")

    drill: Mapped[Drill] = relationship(back_populates="scores")
    criterion: Mapped[ScorecardCriterion] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("drill_id", "criterion_id", name="uq_drill_score_drill_criterion"),)


class ActionStatus(LabelledEnum):
    OPEN = "open", _l("Open")
    DONE = "done", _l("Done, awaiting verification")
    VERIFIED = "verified", _l("Verified")
    REOPENED = "reopened", _l("Reopened")


ACTION_STATUS_LABELS = ActionStatus.labels()


class CorrectiveAction(TimestampMixin, db.Model):
    __tablename__ = "corrective_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int | None] = mapped_column(ForeignKey("drill.id", ondelete="SET NULL"), index=True)
    criterion_id: Mapped[int | None] = mapped_column(ForeignKey("scorecard_criterion.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    due_date: Mapped[dt.date | None]
    # What the drill found: the missed criterion's remark, copied when a failed drill proposes the action.
    finding: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(Text, default="")
    action_taken: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus), default=ActionStatus.OPEN)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    effectiveness_check: Mapped[str] = mapped_column(Text, default="")

    drill: Mapped[Drill | None] = relationship(lazy="joined")
    owner = relationship("User", foreign_keys=[owner_id], lazy="joined")
    done_by = relationship("User", foreign_keys=[done_by_id], lazy="joined")
    verified_by = relationship("User", foreign_keys=[verified_by_id], lazy="joined")

    __table_args__ = (Index("ix_corrective_action_status_due_date", "status", "due_date"),)  # the actions list

    def __str__(self) -> str:
        return self.title


class DrillPlan(TimestampMixin, db.Model):
    """How many drills are planned for a month and channel."""

    __tablename__ = "drill_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    month: Mapped[int]
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    planned: Mapped[int] = mapped_column(default=1)

    __table_args__ = (UniqueConstraint("year", "month", "channel", name="uq_drill_plan_year_month_channel"),)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.channel.value} × {self.planned}"


class UnitSupervisor(TimestampMixin, db.Model):
    """Who supervises a counter or unit observed by drills: the suggested owner of its corrective actions."""

    __tablename__ = "unit_supervisor"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit: Mapped[str] = mapped_column(String(200), unique=True)  # as written in Drill.unit_observed
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    user = relationship("User", lazy="joined")

    def __str__(self) -> str:
        return self.unit
