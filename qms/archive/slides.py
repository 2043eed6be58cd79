"""The archive's briefing slide: the office's publications with their identifiers and holding libraries."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from qms.archive.identifiers import format_isbn
from qms.archive.models import Publication
from qms.extensions import db

MAX_ROWS = 6


def gather_publications(context) -> dict | None:
    """The publications of the period, newest first (as the dossier section takes them)."""
    found = list(db.session.scalars(
        select(Publication).options(selectinload(Publication.holdings))
        .order_by(Publication.year.desc().nulls_last(), Publication.title)))
    publications = [p for p in found if context.in_period(p.year)]
    if not publications:
        return None
    return {"publications": publications[:MAX_ROWS], "more": max(len(publications) - MAX_ROWS, 0),
            "count": len(publications), "held": sum(1 for p in publications if p.holdings), "isbn": format_isbn}
