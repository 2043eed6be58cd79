"""The archive's record types (searchable, citable as evidence), navigation and dashboard card."""
from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.archive import dossier, services, slides
from qms.archive.forms import PublicationForm
from qms.archive.identifiers import format_isbn
from qms.archive.models import KIND_LABELS, Holding, Publication, PublicationFile
from qms.spine import records
from qms.spine.navigation import Card, register_card, register_nav
from qms.spine.sections import Section, register_section
from qms.spine.slides import SlideKind, register_slide_kind


def archive_card(user, cycle) -> Card | None:
    total, public = services.count_publications()
    if not total:
        return None
    lines = [(_("Publications"), str(total)), (_("In the public catalogue"), str(public))]
    if services.can_edit(user):
        lines.append((_("Files with no text"), str(services.count_without_text())))
    return Card(title=_("Publications archive"), lines=lines, link=url_for("archive.index"),
                link_text=_("Search the archive"))


def register(app: Flask) -> None:
    records.register(records.RecordType(
        "publication", Publication, _l("Publication"), title=str, endpoint="archive.publication",
        url_kwarg="publication_id", evidence=True, can_edit=services.can_edit, when=lambda p: p.year,
        search=records.SearchSpec(document=services.search_document,
                                  parents={PublicationFile: lambda f: f.publication_id,
                                           Holding: lambda h: h.publication_id},
                                  load=("files",)),
        field_labels={name: getattr(PublicationForm, name).args[0] for name in services.PUBLICATION_FIELDS
                      if hasattr(PublicationForm, name)} | {"files": _l("Files"), "cover": _l("Cover image"),
                                                            "holdings": _l("Holding libraries")},
        value_labels={"kind": {k.value: label for k, label in KIND_LABELS.items()}}))
    register_nav("archive.index", _l("Publications"), order=70)
    register_section(Section("publications", _l("Publications"), order=70, template="pdf/dossier/publications.html",
                             gather=dossier.gather))
    app.add_template_filter(format_isbn, "isbn")
    register_card("archive", archive_card, order=40)
    register_slide_kind(SlideKind("publications", _l("Publications"), "slides/publications.html",
                                  slides.gather_publications, order=70))
