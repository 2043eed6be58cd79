"""The application dossier of an award cycle and the PDF versions generated from it."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.core.models import TimestampMixin, UTCDateTime, enum_column
from qms.extensions import db
from qms.spine.enums import LabelledEnum


class Dossier(TimestampMixin, db.Model):
    __tablename__ = "dossier"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycle.id"), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    foreword: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitized when shown
    sections: Mapped[list[str]] = mapped_column(JSON, default=list)  # chosen section keys, in order
    appended_evidence_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # evidence PDFs merged at the end
    page_limit: Mapped[int | None]  # the award's limit on the dossier's own pages (appendices not counted)

    award_cycle = relationship("AwardCycle", lazy="joined")

    def __str__(self) -> str:
        return self.title


class VersionStatus(LabelledEnum):
    PENDING = "pending", _l("Waiting to start")
    RUNNING = "running", _l("Rendering")
    DONE = "done", _l("Ready")
    FAILED = "failed", _l("Failed")


class DossierVersion(db.Model):
    """One generated PDF, kept under instance/dossiers with a random name; a final one never changes again."""

    __tablename__ = "dossier_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # sections, appended evidence, locale
    status: Mapped[VersionStatus] = mapped_column(enum_column(VersionStatus), default=VersionStatus.PENDING)
    progress: Mapped[int] = mapped_column(default=0)  # percent
    stage: Mapped[str] = mapped_column(String(50), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    page_count: Mapped[int | None]  # the dossier's own pages
    total_pages: Mapped[int | None]  # with appended evidence
    section_pages: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[key, first page, pages], ...]
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int | None]
    stored_name: Mapped[str] = mapped_column(String(64), default="")
    is_final: Mapped[bool] = mapped_column(default=False)
    finalized_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    finalized_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    dossier: Mapped[Dossier] = relationship()
    created_by = relationship("User", foreign_keys=[created_by_id], lazy="joined")
    finalized_by = relationship("User", foreign_keys=[finalized_by_id], lazy="joined")

    __table_args__ = (UniqueConstraint("dossier_id", "number", name="uq_dossier_version_dossier_id_number"),)

    def __str__(self) -> str:
        return f"{self.dossier.title} v{self.number}" if self.dossier else f"v{self.number}"

    @property
    def is_working(self) -> bool:
        return self.status in (VersionStatus.PENDING, VersionStatus.RUNNING)
