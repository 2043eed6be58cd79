"""The site-visit briefing: decks of slides per award cycle, their PDF versions and timed rehearsals, the bank of
likely reviewer questions, question-rehearsal sessions and the follow-up tasks they leave."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.core.models import TimestampMixin, UTCDateTime, enum_column, utcnow
from qms.extensions import db
from qms.spine.enums import LabelledEnum


class BriefingDeck(TimestampMixin, db.Model):
    __tablename__ = "briefing_deck"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycle.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(300))

    award_cycle = relationship("AwardCycle", lazy="joined")
    slides: Mapped[list[BriefingSlide]] = relationship(
        back_populates="deck", order_by="BriefingSlide.position", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.title


class BriefingSlide(TimestampMixin, db.Model):
    """One slide: a live kind fed by a module (its figures gathered at each render) or a free title, text or
    image slide. `title` overrides the kind's label on a live slide."""

    __tablename__ = "briefing_slide"

    id: Mapped[int] = mapped_column(primary_key=True)
    deck_id: Mapped[int] = mapped_column(ForeignKey("briefing_deck.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(50))  # a key of qms.spine.slides
    title: Mapped[str] = mapped_column(String(300), default="")
    subtitle: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitized when shown
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    planned_seconds: Mapped[int] = mapped_column(default=60)
    notes: Mapped[str] = mapped_column(Text, default="")  # speaker notes, Markdown

    deck: Mapped[BriefingDeck] = relationship(back_populates="slides")

    def __str__(self) -> str:
        return self.title or self.kind


class RenderStatus(LabelledEnum):
    PENDING = "pending", _l("Waiting to start")
    RUNNING = "running", _l("Rendering")
    DONE = "done", _l("Ready")
    FAILED = "failed", _l("Failed")


class DeckVersion(db.Model):
    """One generated pair of PDFs (the 16:9 slides and the A4 notes handout), kept with their SHA-256. The row is
    written when someone asks for it (pending); the "briefing.render" job lays out and stores the files."""

    __tablename__ = "briefing_deck_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    deck_id: Mapped[int] = mapped_column(ForeignKey("briefing_deck.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # locale, slide count, planned seconds
    slide_pages: Mapped[int] = mapped_column(default=0)
    notes_pages: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    notes_sha256: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(default=0)
    notes_size: Mapped[int] = mapped_column(default=0)
    stored_name: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[RenderStatus] = mapped_column(enum_column(RenderStatus), default=RenderStatus.PENDING)
    progress: Mapped[int] = mapped_column(default=0)  # percent
    error: Mapped[str] = mapped_column(String(300), default="")  # short, for people; the traceback is in the log
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # when the render began
    job_id: Mapped[int | None]  # the job that renders it (qms.jobs; no foreign key: that table comes later)

    deck: Mapped[BriefingDeck] = relationship()
    created_by = relationship("User", lazy="joined")

    __table_args__ = (UniqueConstraint("deck_id", "number", name="uq_briefing_deck_version_deck_id_number"),)

    def __str__(self) -> str:
        return f"{self.deck.title} v{self.number}" if self.deck else f"v{self.number}"

    @property
    def is_working(self) -> bool:
        return self.status in (RenderStatus.PENDING, RenderStatus.RUNNING)


class DeckRehearsal(db.Model):
    """A timed run through the deck in presentation mode: the real seconds spent on each slide."""

    __tablename__ = "briefing_deck_rehearsal"

    id: Mapped[int] = mapped_column(primary_key=True)
    deck_id: Mapped[int] = mapped_column(ForeignKey("briefing_deck.id", ondelete="CASCADE"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seconds: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # slide id (as text) -> seconds
    total_seconds: Mapped[int] = mapped_column(default=0)

    recorded_by = relationship("User", lazy="joined")

    def __str__(self) -> str:
        return f"rehearsal {self.id}"


class BriefingQuestion(TimestampMixin, db.Model):
    """A question the reviewers are likely to ask, tied to checklist items (their record ids, reached through the
    records registry), with a model answer, who answers it and the evidence to hand over (evidence of this record)."""

    __tablename__ = "briefing_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycle.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    model_answer: Mapped[str] = mapped_column(Text, default="")  # Markdown
    answerer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    item_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # "assessment_item" record ids

    award_cycle = relationship("AwardCycle", lazy="joined")
    answerer = relationship("User", lazy="joined")

    def __str__(self) -> str:
        text = " ".join(self.question.split())
        return text if len(text) <= 80 else text[:79] + "…"


class Outcome(LabelledEnum):
    CONFIDENT = "confident", _l("Answered with confidence")
    PARTLY = "partly", _l("Partly answered")
    COULD_NOT = "could_not", _l("Could not answer")


class QuestionSession(db.Model):
    """A rehearsal of the reviewers' questions: the questions drawn, each answered and judged in turn."""

    __tablename__ = "briefing_question_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycle.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by = relationship("User", lazy="joined")
    attempts: Mapped[list[QuestionAttempt]] = relationship(
        back_populates="session", order_by="QuestionAttempt.position", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return f"session {self.id}"


class QuestionAttempt(db.Model):
    __tablename__ = "briefing_question_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("briefing_question_session.id", ondelete="CASCADE"),
                                            index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("briefing_question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome))
    note: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    session: Mapped[QuestionSession] = relationship(back_populates="attempts")
    question: Mapped[BriefingQuestion] = relationship(lazy="joined")
    answered_by = relationship("User", lazy="joined")

    def __str__(self) -> str:
        return f"{self.question} ({self.outcome.label if self.outcome else '—'})"


class TaskStatus(LabelledEnum):
    OPEN = "open", _l("Open")
    DONE = "done", _l("Done")


class BriefingTask(TimestampMixin, db.Model):
    """A follow-up from a question rehearsal: QMS has no generic task model, so the briefing keeps its own."""

    __tablename__ = "briefing_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("briefing_question.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("briefing_question_attempt.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    due_date: Mapped[dt.date | None]
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.OPEN)

    question: Mapped[BriefingQuestion] = relationship(lazy="joined")
    owner = relationship("User", lazy="joined")

    def __str__(self) -> str:
        return self.title
