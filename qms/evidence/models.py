"""Evidence rows: each supports one subject record (any registered type) and is a file, a link or a record link."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from qms.core.models import TimestampMixin, enum_column
from qms.extensions import db
from qms.spine.enums import LabelledEnum


class EvidenceKind(LabelledEnum):
    FILE = "file", _l("File")
    LINK = "link", _l("Link")
    RECORD = "record", _l("QMS record")


class Evidence(TimestampMixin, db.Model):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What this evidence supports: a record type name from qms.spine.records and that record's id.
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[int]
    kind: Mapped[EvidenceKind] = mapped_column(
        enum_column(EvidenceKind))
    title: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    # For kind "record": the QMS record that stands as evidence.
    record_type: Mapped[str] = mapped_column(String(50), default="")
    record_id: Mapped[int | None]
    stored_name: Mapped[str] = mapped_column(String(64), default="")
    original_name: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int | None]
    expires_on: Mapped[dt.date | None]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    __table_args__ = (
        Index("ix_evidence_subject", "subject_type", "subject_id"),
        Index("ix_evidence_record", "record_type", "record_id"),
    )

    def __str__(self) -> str:
        return self.title or self.original_name or self.url
