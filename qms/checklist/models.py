"""Award frameworks (versioned trees of criteria) and the self-assessment of a cycle against one."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.core.models import TimestampMixin, enum_column
from qms.extensions import db
from qms.spine.enums import LabelledEnum


class Scale(LabelledEnum):
    PERCENT = "percent", _l("0–100 %")
    BALDRIGE = "baldrige", _l("Baldrige bands (process items on ADLI, results items on LeTCI)")
    EFQM = "efqm", _l("EFQM RADAR: 0 to 100 percent in steps of 10")


class Framework(TimestampMixin, db.Model):
    """One version of an award framework, imported from a YAML file; never edited in place."""

    __tablename__ = "framework"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int]
    edition: Mapped[str] = mapped_column(String(100), default="")
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    scale: Mapped[Scale] = mapped_column(enum_column(Scale))
    points_add_up: Mapped[bool] = mapped_column(default=True)
    total_points: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    points_note_zh: Mapped[str] = mapped_column(Text, default="")
    points_note_en: Mapped[str] = mapped_column(Text, default="")
    source_name: Mapped[str] = mapped_column(String(200), default="")
    source_text: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    nodes: Mapped[list[FrameworkNode]] = relationship(
        back_populates="framework", order_by="FrameworkNode.position", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("key", "version", name="uq_framework_key_version"),)

    def __str__(self) -> str:
        return f"{self.name_zh} v{self.version}"


class FrameworkNode(db.Model):
    """A dimension, category or item of a framework; leaves are what gets assessed."""

    __tablename__ = "framework_node"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("framework_node.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    name_zh: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    guidance_zh: Mapped[str] = mapped_column(Text, default="")
    guidance_en: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    kind: Mapped[str] = mapped_column(String(20), default="")  # Baldrige: process | results
    depth: Mapped[int]
    position: Mapped[int]

    framework: Mapped[Framework] = relationship(back_populates="nodes")
    parent: Mapped[FrameworkNode | None] = relationship(remote_side=[id])

    __table_args__ = (UniqueConstraint("framework_id", "code", name="uq_framework_node_framework_id_code"),)

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class Assessment(TimestampMixin, db.Model):
    """An award cycle's self-assessment against one framework version."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No cascade: a cycle with an assessment cannot be deleted until the assessment is.
    award_cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycle.id"), index=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"))

    award_cycle = relationship("AwardCycle", lazy="joined")
    framework: Mapped[Framework] = relationship(lazy="joined")
    items: Mapped[list[AssessmentItem]] = relationship(back_populates="assessment", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("award_cycle_id", "framework_id", name="uq_assessment_cycle_framework"),)

    def __str__(self) -> str:
        return f"{self.award_cycle} · {self.framework.name_zh}"


class ItemStatus(LabelledEnum):
    NOT_STARTED = "not_started", _l("Not started")
    IN_PROGRESS = "in_progress", _l("In progress")
    IN_REVIEW = "in_review", _l("In review")
    READY = "ready", _l("Ready")


ITEM_STATUS_LABELS = ItemStatus.labels()


class AssessmentItem(TimestampMixin, db.Model):
    """One leaf criterion of an assessment: owner, due date, status, score and the examiners' kind of notes."""

    __tablename__ = "assessment_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("framework_node.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    due_date: Mapped[dt.date | None]
    status: Mapped[ItemStatus] = mapped_column(enum_column(ItemStatus), default=ItemStatus.NOT_STARTED)
    score: Mapped[int | None]
    target_score: Mapped[int | None]
    narrative: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[str] = mapped_column(Text, default="")
    opportunities: Mapped[str] = mapped_column(Text, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="items")
    node: Mapped[FrameworkNode] = relationship(lazy="joined")
    owner = relationship("User", lazy="joined")

    __table_args__ = (UniqueConstraint("assessment_id", "node_id", name="uq_assessment_item_assessment_id_node"),)

    def __str__(self) -> str:
        return f"{self.node.code} {self.node.name_zh}"
