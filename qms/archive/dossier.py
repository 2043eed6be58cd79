"""The publications dossier section: the office's publications with identifiers and holding libraries."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from qms.archive.identifiers import format_isbn
from qms.archive.models import Publication
from qms.extensions import db


def gather(context) -> dict | None:
    publications = list(db.session.scalars(
        select(Publication).options(selectinload(Publication.holdings))
        .order_by(Publication.year.desc().nulls_last(), Publication.title)))
    if not publications:
        return None
    return {"publications": publications, "isbn": format_isbn,
            "held": sum(1 for p in publications if p.holdings)}
