"""The publications dossier section: the office's publications with identifiers and holding libraries."""
from __future__ import annotations

from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from qms.archive.identifiers import format_isbn
from qms.archive.models import Publication
from qms.extensions import db


def _outside(count: int) -> str:
    return ngettext("%(num)d publication of a year outside the period",
                    "%(num)d publications of years outside the period", count)


def gather(context) -> dict | None:
    found = list(db.session.scalars(
        select(Publication).options(selectinload(Publication.holdings))
        .order_by(Publication.year.desc().nulls_last(), Publication.title)))
    publications = [p for p in found if context.in_period(p.year)]  # a publication without a year is kept
    context.left_out(len(found) - len(publications), _outside)
    if not publications:
        return None
    return {"publications": publications, "isbn": format_isbn,
            "held": sum(1 for p in publications if p.holdings)}
