"""Satisfaction surveys: definitions, rounds with their responses, on-the-spot votes and follow-up cases."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.core.models import TimestampMixin, UTCDateTime, enum_column, utcnow
from qms.extensions import db
from qms.spine.enums import LabelledEnum


class Survey(TimestampMixin, db.Model):
    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    scale_points: Mapped[int] = mapped_column(default=5)  # 5 or 7
    sampling_frame: Mapped[str] = mapped_column(Text, default="")
    population: Mapped[int | None]  # known size of the population sampled, for the finite-population correction
    no_answer: Mapped[list] = mapped_column(JSON, default=list)  # answer codes that mean "no answer" (a blank)

    dimensions: Mapped[list[SurveyDimension]] = relationship(
        back_populates="survey", order_by="SurveyDimension.position", cascade="all, delete-orphan")
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey", order_by="SurveyQuestion.position", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.title_zh


class SurveyDimension(db.Model):
    __tablename__ = "survey_dimension"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)

    survey: Mapped[Survey] = relationship(back_populates="dimensions")


class QuestionKind(LabelledEnum):
    LIKERT = "likert", _l("Rating item")
    OVERALL = "overall", _l("Overall satisfaction")  # on the same scale, outside the dimensions
    TEXT = "text", _l("Free text")


class SurveyQuestion(db.Model):
    __tablename__ = "survey_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    dimension_id: Mapped[int | None] = mapped_column(ForeignKey("survey_dimension.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    text_zh: Mapped[str] = mapped_column(String(500))
    text_en: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[QuestionKind] = mapped_column(
        enum_column(QuestionKind),
        default=QuestionKind.LIKERT)
    reverse: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    survey: Mapped[Survey] = relationship(back_populates="questions")
    dimension: Mapped[SurveyDimension | None] = relationship()


class SurveyRound(TimestampMixin, db.Model):
    """One fielding of a survey: its period, the forms handed out and returned, and the imported responses."""

    __tablename__ = "survey_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[dt.date | None]
    period_end: Mapped[dt.date | None]
    handed_out: Mapped[int | None]
    returned: Mapped[int | None]
    max_blank_share: Mapped[float] = mapped_column(default=0.5)  # a response with more blanks than this is invalid
    exclude_straight_lining: Mapped[bool] = mapped_column(default=False)
    printed_margin: Mapped[float | None]  # the sampling error a published report gave, to be explained
    source_name: Mapped[str] = mapped_column(String(255), default="")
    imported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    survey: Mapped[Survey] = relationship(lazy="joined")

    def __str__(self) -> str:
        return f"{self.survey.title_zh} {self.label}"


class SurveyResponse(db.Model):
    __tablename__ = "survey_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    row_number: Mapped[int]
    # question code -> 1..k or None (blank); the free-text answer under its code as a string
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    excluded_reason: Mapped[str] = mapped_column(String(50), default="")  # "" = valid

    __table_args__ = (Index("ix_survey_response_round", "round_id", "excluded_reason"),)


class KioskToken(TimestampMixin, db.Model):
    """Lets one counter tablet or kiosk record votes without anyone signing in; revocable."""

    __tablename__ = "kiosk_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    def __str__(self) -> str:
        return self.name


class Vote(db.Model):
    __tablename__ = "vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk_token.id", ondelete="SET NULL"), index=True)
    cast_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    satisfied: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(200), default="")

    kiosk: Mapped[KioskToken | None] = relationship(lazy="joined")


class FollowUpCase(TimestampMixin, db.Model):
    """A dissatisfied vote followed to closure (不滿意追蹤案件)."""

    __tablename__ = "follow_up_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"), unique=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    response_to_citizen: Mapped[str] = mapped_column(Text, default="")
    improvement: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[dt.date | None] = mapped_column(index=True)

    vote: Mapped[Vote] = relationship(lazy="joined")
    owner = relationship("User", lazy="joined")

    def __str__(self) -> str:
        return f"#{self.id} {self.vote.reason[:40] if self.vote else ''}"
