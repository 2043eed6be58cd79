"""SPARK innovation initiatives, the process improvements under them, and their outcome metrics over time."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.core.models import TimestampMixin, enum_column
from qms.extensions import db
from qms.spine.enums import LabelledEnum


class SparkCore(TimestampMixin, db.Model):
    """One of the programme's cores (核心主軸); the list is the office's to edit."""

    __tablename__ = "spark_core"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name_zh


class InitiativeStatus(LabelledEnum):
    IDEA = "idea", _l("Idea")
    PILOTING = "piloting", _l("Piloting")
    RUNNING = "running", _l("Running")
    RETIRED = "retired", _l("Retired")


STATUS_LABELS = InitiativeStatus.labels()

CHANNEL_LABELS = {
    "counter": _l("Counter"),
    "online": _l("Online"),
    "line": _l("LINE"),
    "phone": _l("Phone"),
    "outreach": _l("Outreach"),
}


class Initiative(TimestampMixin, db.Model):
    __tablename__ = "initiative"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycle.id"), index=True)
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    core_id: Mapped[int | None] = mapped_column(ForeignKey("spark_core.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(Text, default="")
    problem: Mapped[str] = mapped_column(Text, default="")
    what_changed: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    team: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[dt.date | None]
    status: Mapped[InitiativeStatus] = mapped_column(enum_column(InitiativeStatus), default=InitiativeStatus.IDEA)
    first_in_nation: Mapped[bool] = mapped_column(default=False)
    first_in_nation_note: Mapped[str] = mapped_column(Text, default="")
    partners: Mapped[str] = mapped_column(Text, default="")
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)

    award_cycle = relationship("AwardCycle", lazy="joined")
    core: Mapped[SparkCore | None] = relationship(lazy="joined")
    owner = relationship("User", lazy="joined")
    improvements: Mapped[list[ProcessImprovement]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", order_by="ProcessImprovement.id")
    metrics: Mapped[list[OutcomeMetric]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan",
        order_by="(OutcomeMetric.name, OutcomeMetric.observed_on)")

    def __str__(self) -> str:
        return self.title_zh


class TimeUnit(LabelledEnum):
    """Units of the time a citizen spends on a case. Days are not one of them: a wait of days is turnaround."""

    ON_THE_SPOT = "on_the_spot", _l("on the spot")
    MINUTES = "minutes", _l("minutes")
    HOURS = "hours", _l("hours")


UNIT_LABELS = TimeUnit.labels()


class ProcessImprovement(TimestampMixin, db.Model):
    """One service made faster, by two separate measures, either or both recorded, per case before and after.

    Citizen time spent (at the counter, travelling, filling in forms; minutes or hours) gives the hours saved;
    turnaround (elapsed days until the citizen has the result; 0 is on the spot) gives the days saved.
    Also the stamp levels and the yearly case volume.
    """

    __tablename__ = "process_improvement"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    service: Mapped[str] = mapped_column(String(300))
    before_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    before_unit: Mapped[TimeUnit | None] = mapped_column(enum_column(TimeUnit))
    after_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    after_unit: Mapped[TimeUnit | None] = mapped_column(enum_column(TimeUnit))
    turnaround_before_days: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    turnaround_after_days: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    stamps_before: Mapped[int | None]
    stamps_after: Mapped[int | None]
    yearly_cases: Mapped[int]
    year: Mapped[int]  # the year the case volume was measured
    period_note: Mapped[str] = mapped_column(String(300), default="")

    initiative: Mapped[Initiative] = relationship(back_populates="improvements")

    def __str__(self) -> str:
        return self.service


class OutcomeMetric(TimestampMixin, db.Model):
    """A named number an initiative moves, observed on a date (LINE followers, cards renewed ...)."""

    __tablename__ = "outcome_metric"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(50), default="")
    observed_on: Mapped[dt.date]
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    initiative: Mapped[Initiative] = relationship(back_populates="metrics")

    def __str__(self) -> str:
        return f"{self.name} {self.observed_on}: {self.value}"
