"""Every write to the archive: publications (identifiers checked), holdings, files with their text, covers."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from qms import uploads
from qms.archive import extract
from qms.archive.identifiers import IdentifierError, parse_gpn, parse_isbn
from qms.archive.models import Holding, Publication, PublicationFile, PublicationKind, TextStatus
from qms.core import audit
from qms.core.models import Organization
from qms.core.services import ServiceError, delete_record
from qms.evidence import services as evidence
from qms.extensions import db
from qms.spine.access import Role

PUBLICATION_FIELDS = ("title", "subtitle", "kind", "authors", "publisher", "year", "edition", "language", "gpn",
                      "isbn", "series", "pages", "abstract", "keywords", "subjects", "public")
FILE_TYPES = frozenset({"pdf", "docx", "odt", "txt", "html", "htm"})
COVER_TYPES = frozenset({"png", "jpg", "jpeg", "webp", "gif"})


def can_edit(user, record=None) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.QUALITY))


def catalogue_open() -> bool:
    """Whether an admin has opened the public catalogue (/library) to visitors."""
    return bool(db.session.scalar(select(Organization.public_catalogue).order_by(Organization.id).limit(1)))


def list_publications(public_only: bool = False) -> list[Publication]:
    statement = select(Publication).order_by(Publication.year.desc().nulls_last(), Publication.title)
    if public_only:
        statement = statement.where(Publication.public.is_(True))
    return list(db.session.scalars(statement))


def count_publications() -> tuple[int, int]:
    """(publications, of which in the public catalogue), counted by the database."""
    total, public = db.session.execute(select(func.count(), func.coalesce(func.sum(
        case((Publication.public.is_(True), 1), else_=0)), 0)).select_from(Publication)).one()
    return total or 0, public or 0


def get(publication_id: int, public_only: bool = False) -> Publication | None:
    statement = (select(Publication).where(Publication.id == publication_id)
                 .options(selectinload(Publication.holdings), selectinload(Publication.files)))
    found = db.session.scalar(statement)
    if found is None or (public_only and not found.public):
        return None
    return found


def files_without_text() -> list[PublicationFile]:
    return list(db.session.scalars(select(PublicationFile).where(PublicationFile.text_status == TextStatus.NO_TEXT)
                                   .options(selectinload(PublicationFile.publication))
                                   .order_by(PublicationFile.id)))


def count_without_text() -> int:
    return db.session.scalar(select(func.count()).select_from(PublicationFile)
                             .where(PublicationFile.text_status == TextStatus.NO_TEXT)) or 0


def _identifier_message(code: str) -> str:
    return {
        "isbn_length": _("An ISBN has 10 or 13 digits (the last digit of an ISBN-10 may be X)."),
        "isbn_chars": _("An ISBN holds only digits, hyphens and spaces (and X as the last digit of an ISBN-10)."),
        "isbn_check": _("This ISBN's check digit is wrong: please check the number."),
        "gpn": _("A GPN has exactly 10 digits."),
    }[code]


def _clean_list(values) -> list[str]:
    found: list[str] = []
    for value in values or []:
        text = str(value).strip()
        if text and text not in found:
            found.append(text[:100])
    return found


def save_publication(publication: Publication | None, values: Mapping[str, Any], actor,
                     holdings: list[tuple[str, str]] | None = None) -> Publication:
    data = {key: values[key] for key in PUBLICATION_FIELDS if key in values}
    data["title"] = str(data.get("title") or "").strip()
    if not data["title"]:
        raise ServiceError(_("This field is required."), field="title")
    try:
        data["kind"] = PublicationKind(data.get("kind") or PublicationKind.OTHER.value)
    except ValueError:
        raise ServiceError(_("Not a valid choice."), field="kind") from None
    year = data.get("year")
    if year is not None and not 1900 <= int(year) <= 2200:
        raise ServiceError(_("Enter a year between 1900 and 2200."), field="year")
    data["keywords"] = _clean_list(data.get("keywords"))
    data["subjects"] = _clean_list(data.get("subjects"))
    data["isbn10"] = None
    if str(data.get("isbn") or "").strip():
        try:
            parsed = parse_isbn(str(data["isbn"]))
        except IdentifierError as error:
            raise ServiceError(_identifier_message(str(error)), field="isbn") from None
        data["isbn"], data["isbn10"] = parsed.isbn13, parsed.isbn10
        _refuse_duplicate(Publication.isbn, parsed.isbn13, publication, "isbn",
                          _("Another publication already has this ISBN: %(title)s."))
    else:
        data["isbn"] = None
    if str(data.get("gpn") or "").strip():
        try:
            data["gpn"] = parse_gpn(str(data["gpn"]))
        except IdentifierError as error:
            raise ServiceError(_identifier_message(str(error)), field="gpn") from None
        _refuse_duplicate(Publication.gpn, data["gpn"], publication, "gpn",
                          _("Another publication already has this GPN: %(title)s."))
    else:
        data["gpn"] = None
    if publication is None:
        publication = Publication(**data, created_by_id=getattr(actor, "id", None))
        db.session.add(publication)
        changes = audit.created(publication, ("title", "kind", "year", "isbn", "gpn", "public"))
        action = audit.CREATE
    else:
        changes = audit.apply_changes(publication, data)
        action = audit.UPDATE
    if holdings is not None:
        before = [(h.library, h.call_number) for h in publication.holdings]
        wanted = [(library.strip()[:200], (call or "").strip()[:100]) for library, call in holdings if library.strip()]
        if wanted != before:
            publication.holdings = [Holding(library=library, call_number=call, position=i)
                                    for i, (library, call) in enumerate(wanted)]
            changes["holdings"] = ["; ".join(f"{a} {b}".strip() for a, b in before) or None,
                                   "; ".join(f"{a} {b}".strip() for a, b in wanted) or None]
    if action == audit.UPDATE and not changes:
        return publication
    audit.record_event(action, publication, actor, changes=changes)
    db.session.commit()
    return publication


def _refuse_duplicate(column, value, publication, field_name, message) -> None:
    statement = select(Publication).where(column == value)
    if publication is not None and publication.id is not None:
        statement = statement.where(Publication.id != publication.id)
    other = db.session.scalar(statement.limit(1))
    if other is not None:
        raise ServiceError(message % {"title": other.title}, field=field_name)


def delete_publication(publication: Publication, actor) -> None:
    stored = [f.stored_name for f in publication.files] + ([publication.cover_name] if publication.cover_name else [])
    stored += evidence.delete_all_of("publication", [publication.id], actor)
    delete_record(publication, actor)
    for name in stored:
        uploads.discard(name)


def add_file(publication: Publication, data: bytes, filename: str, public: bool, actor) -> PublicationFile:
    """Store the file, extract its text (kept and marked "no text" when there is none), then commit; a failure
    anywhere leaves neither a row nor a stored file behind."""
    kind = uploads.check(data, filename, FILE_TYPES)
    text = extract.extract_text(data, kind)
    stored = uploads.store(data, filename, FILE_TYPES)
    try:
        added = PublicationFile(publication=publication, stored_name=stored.stored_name,
                                original_name=stored.original_name, content_type=stored.content_type,
                                size=stored.size, text=text, public=public, uploaded_by_id=getattr(actor, "id", None),
                                text_status=TextStatus.OK if text else TextStatus.NO_TEXT)
        db.session.add(added)
        audit.record_event(audit.UPDATE, publication, actor, changes={
            "files": [None, f"+ {stored.original_name} ({uploads.human_size(stored.size)}, "
                            f"{added.text_status.label})"]})
        db.session.commit()
    except Exception:
        db.session.rollback()
        uploads.discard(stored.stored_name)
        raise
    return added


def set_file_public(file: PublicationFile, public: bool, actor) -> None:
    if file.public == public:
        return
    file.public = public
    audit.record_event(audit.UPDATE, file.publication, actor, changes={
        f"files/{file.original_name}": [_("Public") if not public else _("Internal"),
                                        _("Public") if public else _("Internal")]})
    db.session.commit()


def delete_file(file: PublicationFile, actor) -> None:
    publication, stored = file.publication, file.stored_name
    audit.record_event(audit.UPDATE, publication, actor, changes={"files": [f"- {file.original_name}", None]})
    db.session.delete(file)
    db.session.commit()
    uploads.discard(stored)


def set_cover(publication: Publication, data: bytes, filename: str, actor) -> None:
    stored = uploads.store(data, filename, COVER_TYPES)
    old = publication.cover_name
    try:
        publication.cover_name, publication.cover_type = stored.stored_name, stored.content_type
        audit.record_event(audit.UPDATE, publication, actor, changes={"cover": [bool(old), stored.original_name]})
        db.session.commit()
    except Exception:
        db.session.rollback()
        uploads.discard(stored.stored_name)
        raise
    if old:
        uploads.discard(old)


def remove_cover(publication: Publication, actor) -> None:
    old = publication.cover_name
    if not old:
        return
    publication.cover_name = publication.cover_type = None
    audit.record_event(audit.UPDATE, publication, actor, changes={"cover": [True, None]})
    db.session.commit()
    uploads.discard(old)


def set_catalogue(open_: bool, actor) -> None:
    organization = db.session.scalar(select(Organization).order_by(Organization.id).limit(1))
    if organization is None:
        raise ServiceError(_("Enter the organization profile first."))
    changes = audit.apply_changes(organization, {"public_catalogue": open_})
    if changes:
        audit.record_event(audit.UPDATE, organization, actor, changes=changes)
        db.session.commit()


def search_document(publication: Publication) -> dict:
    """What search indexes of a publication (registered in registration.py)."""
    parts = [publication.subtitle, publication.abstract, publication.series]
    public_parts = parts + [f.text for f in publication.files if f.text and f.public]
    parts += [f.text for f in publication.files if f.text]
    return {"title": str(publication), "body": "\n\n".join(p for p in parts if p),
            "public_body": "\n\n".join(p for p in public_parts if p),  # the public catalogue's text
            "author": " ".join(publication.author_list + [publication.publisher]),
            "keywords": publication.keywords + publication.subjects,
            "kind": publication.kind.value, "year": publication.year, "public": publication.public,
            "date": dt.date(publication.year, 1, 1) if publication.year else publication.created_at}
