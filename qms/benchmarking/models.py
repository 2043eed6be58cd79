"""Peer organizations, metric definitions (entered or derived), yearly values, and benchmarking notes."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.core.models import TimestampMixin, enum_column
from qms.extensions import db
from qms.spine.enums import LabelledEnum


class PeerKind(LabelledEnum):
    HOUSEHOLD_REGISTRATION = "household_registration", _l("Household-registration office")
    PUBLIC_SERVICE = "public_service", _l("Other public service")
    PRIVATE_COMPANY = "private_company", _l("Private company")


PEER_KIND_LABELS = PeerKind.labels()


class PeerOrganization(TimestampMixin, db.Model):
    """An organization compared with; the office itself is the row marked is_self."""

    __tablename__ = "peer_organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[PeerKind] = mapped_column(enum_column(PeerKind, 30), default=PeerKind.HOUSEHOLD_REGISTRATION)
    notes: Mapped[str] = mapped_column(Text, default="")
    is_self: Mapped[bool] = mapped_column(default=False)

    def __str__(self) -> str:
        return self.name_zh


class Direction(LabelledEnum):
    HIGHER = "higher", _l("Higher is better")
    LOWER = "lower", _l("Lower is better")


DIRECTION_LABELS = Direction.labels()


class BenchmarkMetric(TimestampMixin, db.Model):
    """A comparable figure: entered per organization and year, or derived as numerator ÷ denominator."""

    __tablename__ = "benchmark_metric"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(50), default="")
    direction: Mapped[Direction] = mapped_column(enum_column(Direction, 30), default=Direction.HIGHER)
    numerator_id: Mapped[int | None] = mapped_column(ForeignKey("benchmark_metric.id"))
    denominator_id: Mapped[int | None] = mapped_column(ForeignKey("benchmark_metric.id"))
    decimals: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)

    numerator: Mapped[BenchmarkMetric | None] = relationship(foreign_keys=[numerator_id], remote_side=[id])
    denominator: Mapped[BenchmarkMetric | None] = relationship(foreign_keys=[denominator_id], remote_side=[id])

    @property
    def derived(self) -> bool:
        return self.numerator_id is not None

    def __str__(self) -> str:
        return self.name_zh


class MetricValue(TimestampMixin, db.Model):
    __tablename__ = "metric_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peer_organization.id", ondelete="CASCADE"), index=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("benchmark_metric.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    source: Mapped[str] = mapped_column(String(500), default="")
    source_date: Mapped[dt.date | None]

    peer: Mapped[PeerOrganization] = relationship(lazy="joined")
    metric: Mapped[BenchmarkMetric] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("peer_id", "metric_id", "year", name="uq_metric_value_peer_metric_year"),)

    def __str__(self) -> str:
        return f"{self.peer} · {self.metric} · {self.year}: {self.value}"


class Decision(LabelledEnum):
    ADOPT = "adopt", _l("Adopt")
    ADAPT = "adapt", _l("Adapt")
    NOT_FOR_US = "not_for_us", _l("Not for us")
    TO_STUDY = "to_study", _l("To study")


DECISION_LABELS = Decision.labels()


class BenchmarkNote(TimestampMixin, db.Model):
    """A practice learned from a peer (標竿學習), and what the office decided to do about it."""

    __tablename__ = "benchmark_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int | None] = mapped_column(ForeignKey("peer_organization.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    visited_on: Mapped[dt.date | None] = mapped_column(index=True)
    practice: Mapped[str] = mapped_column(Text, default="")
    why_it_works: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[Decision] = mapped_column(enum_column(Decision, 30), default=Decision.TO_STUDY)
    decision_owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decision_date: Mapped[dt.date | None]

    peer: Mapped[PeerOrganization | None] = relationship(lazy="joined")
    decision_owner = relationship("User", lazy="joined")

    def __str__(self) -> str:
        return self.title
