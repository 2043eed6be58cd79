"""The dossier's record types, built-in sections, navigation and dashboard card."""
from collections.abc import Mapping

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.auth.models import LOCALE_LABELS
from qms.dossier import builtin
from qms.dossier.models import Dossier, DossierVersion
from qms.spine import records, sections
from qms.spine.access import Role
from qms.spine.navigation import Card, register_card, register_nav

READERS = frozenset({Role.LEADER, Role.QUALITY, Role.ADMIN})


class SectionLabels(Mapping):
    """Section keys to their labels, read from the sections registry when the audit trail shows a change."""

    def __getitem__(self, key):
        section = sections.get(key) if isinstance(key, str) else None
        if section is None:
            raise KeyError(key)
        return section.label

    def __iter__(self):
        return iter([section.key for section in sections.all_sections()])

    def __len__(self):
        return len(sections.all_sections())


# The audit trail labels the dossier's options (a version records them as one mapping) like its fields.
OPTION_LABELS = {"sections": _l("Sections"), "appended_evidence_ids": _l("Evidence PDFs appended at the end"),
                 "locale": _l("Language"), "page_limit": _l("Page limit")}
OPTION_VALUE_LABELS = {"sections": SectionLabels(), "locale": LOCALE_LABELS}


def dossier_card(user, cycle) -> Card | None:
    if cycle is None or not user.has_role(*READERS):
        return None
    from qms.dossier import services

    dossier = next((d for d in services.list_dossiers() if d.award_cycle_id == cycle.id), None)
    if dossier is None:
        return Card(title=_("Application dossier"), link=url_for("dossier.index"), link_text=_("Create the dossier"),
                    note=_("This cycle has no dossier yet."))
    versions = services.versions_of(dossier)
    final = services.final_version(versions)
    lines = [(_("Versions"), str(len(versions))),
             (_("Status"), _("Final: version %(number)s", number=final.number) if final else _("Draft"))]
    return Card(title=_("Application dossier"), lines=lines, link=url_for("dossier.detail", dossier_id=dossier.id),
                link_text=_("Open the dossier"))


def register(app: Flask) -> None:
    records.register(records.RecordType(
        "dossier", Dossier, _l("Application dossier"), endpoint="dossier.detail", url_kwarg="dossier_id",
        readable_by=READERS,
        field_labels={"title": _l("Title"), "foreword": _l("Leadership foreword"), **OPTION_LABELS},
        value_labels=OPTION_VALUE_LABELS))
    records.register(records.RecordType(
        "dossier_version", DossierVersion, _l("Dossier version"), readable_by=READERS,
        field_labels={"number": _l("Version"), "options": _l("Options"), "is_final": _l("Final"),
                      "sha256": "SHA-256", **OPTION_LABELS},
        value_labels=OPTION_VALUE_LABELS))
    builtin.register()
    register_nav("dossier.index", _l("Dossier"), roles=READERS, order=70)
    register_card("dossier", dossier_card, order=35)
