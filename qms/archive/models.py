"""Publications, their holding libraries and their files (with the text extracted for search)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.core.models import TimestampMixin, enum_column
from qms.extensions import db
from qms.spine.enums import LabelledEnum


class PublicationKind(LabelledEnum):
    RESEARCH_REPORT = "research_report", _l("Research report")
    HANDBOOK = "handbook", _l("Handbook")
    BOOK = "book", _l("Book")
    PERIODICAL = "periodical", _l("Periodical")
    BROCHURE = "brochure", _l("Brochure")
    COLLECTION_ITEM = "collection_item", _l("Collection item")
    OTHER = "other", _l("Other")


KIND_LABELS = PublicationKind.labels()

LANGUAGE_LABELS = {"zh-Hant": _l("Traditional Chinese"), "en": _l("English"), "zh-Hant,en": _l("Chinese and English"),
                   "other": _l("Other")}


class TextStatus(LabelledEnum):
    OK = "ok", _l("Text indexed")
    NO_TEXT = "no_text", _l("No text")  # kept, but nothing to index (a scanned PDF): listed for attention


class Publication(TimestampMixin, db.Model):
    __tablename__ = "publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    subtitle: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[PublicationKind] = mapped_column(enum_column(PublicationKind, 30), default=PublicationKind.OTHER)
    authors: Mapped[str] = mapped_column(String(500), default="")  # authors and editors, one per line
    publisher: Mapped[str] = mapped_column(String(300), default="")
    year: Mapped[int | None]  # AD; shown with the ROC year
    edition: Mapped[str] = mapped_column(String(100), default="")
    language: Mapped[str] = mapped_column(String(20), default="zh-Hant")
    gpn: Mapped[str | None] = mapped_column(String(10), unique=True)
    isbn: Mapped[str | None] = mapped_column(String(13), unique=True)  # always the ISBN-13
    isbn10: Mapped[str | None] = mapped_column(String(10))  # the ISBN-10 it was entered as, if so
    series: Mapped[str] = mapped_column(String(300), default="")
    pages: Mapped[int | None]
    abstract: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    subjects: Mapped[list[str]] = mapped_column(JSON, default=list)
    public: Mapped[bool] = mapped_column(default=False)  # listed in the public catalogue
    cover_name: Mapped[str | None] = mapped_column(String(64))  # stored upload name
    cover_type: Mapped[str | None] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    holdings: Mapped[list[Holding]] = relationship(back_populates="publication", cascade="all, delete-orphan",
                                                   order_by="Holding.position")
    files: Mapped[list[PublicationFile]] = relationship(back_populates="publication", cascade="all, delete-orphan",
                                                        order_by="PublicationFile.id")

    def __str__(self) -> str:
        return f"{self.title}：{self.subtitle}" if self.subtitle else self.title

    @property
    def author_list(self) -> list[str]:
        return [line.strip() for line in self.authors.splitlines() if line.strip()]


class Holding(db.Model):
    """A library that holds the publication, with its call number there."""

    __tablename__ = "publication_holding"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id", ondelete="CASCADE"), index=True)
    library: Mapped[str] = mapped_column(String(200))
    call_number: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[int] = mapped_column(default=0)

    publication: Mapped[Publication] = relationship(back_populates="holdings")


class PublicationFile(TimestampMixin, db.Model):
    __tablename__ = "publication_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    text_status: Mapped[TextStatus] = mapped_column(enum_column(TextStatus), default=TextStatus.OK)
    public: Mapped[bool] = mapped_column(default=False)  # downloadable from the public catalogue
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    publication: Mapped[Publication] = relationship(back_populates="files")

    def __str__(self) -> str:
        return self.original_name
