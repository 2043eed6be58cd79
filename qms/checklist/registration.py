"""The checklist's record types, navigation, dashboard card and commands."""
import click
from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.checklist import dossier, reminders, services, slides
from qms.checklist.forms import ItemForm
from qms.checklist.models import ITEM_STATUS_LABELS, Assessment, AssessmentItem, Framework
from qms.i18n import localized, rounded, user_text
from qms.spine import clock, commands, records
from qms.spine import reminders as reminder_sources
from qms.spine.navigation import Card, register_card, register_nav
from qms.spine.sections import Section, register_section
from qms.spine.slides import SlideKind, register_slide_kind


def _item_title(item: AssessmentItem) -> str:
    return f"{item.assessment.award_cycle.year} · {item.node.code} {localized(item.node, 'name')}"


def readiness_card(user, cycle) -> Card | None:
    if cycle is None:
        return None
    assessments = services.assessments_of(cycle)
    figures = services.readiness_of(assessments)
    lines = []
    for assessment in assessments:
        rollup = figures[assessment.id]
        # Rounded half away from zero first, as every page shows a percentage (qms.i18n.percent).
        lines.append((user_text(localized(assessment.framework, "name")),
                      _("%(readiness).0f %% ready · %(ready)d of %(items)d items ready",
                        readiness=float(rounded(rollup.readiness or 0)), ready=rollup.ready_items,
                        items=rollup.items)))
    owned, overdue = services.owned_items(user, assessments, clock.today())
    if owned:
        lines.append((_("Your items"), _("%(owned)d items, %(overdue)d overdue", owned=owned, overdue=overdue)))
    return Card(title=_("Readiness"), lines=lines, link=url_for("checklist.index"),
                link_text=_("Open the self-assessment"),
                note="" if assessments else _("This cycle has not adopted a framework yet."))


@click.command("import-frameworks")
def import_frameworks_command():
    """Import the frameworks shipped with QMS (a changed file becomes a new version)."""
    for framework in services.import_shipped():
        click.echo(f"{framework.key} v{framework.version}: {framework.name_en}")


def register(app: Flask) -> None:
    records.register(records.RecordType(
        "framework", Framework, _l("Award framework"), title=lambda f: f"{localized(f, 'name')} v{f.version}",
        endpoint="checklist.framework", url_kwarg="framework_id",
        field_labels={"key": "key", "version": _l("Version"), "edition": _l("Edition"),
                      "source_name": _l("Source file"), "items": _l("Items")}))
    records.register(records.RecordType(
        "assessment", Assessment, _l("Self-assessment"), endpoint="checklist.assessment",
        url_kwarg="assessment_id", field_labels={"award_cycle": _l("Award cycle"), "framework": _l("Framework")}))
    # Items also stand as evidence for one another; until the other modules exist they are the stand-in
    # record type that the evidence link is built and tested with.
    records.register(records.RecordType(
        "assessment_item", AssessmentItem, _l("Checklist item"), title=_item_title, endpoint="checklist.item",
        url_kwarg="item_id", evidence=True, can_edit=services.can_edit,
        cycle_id=lambda item: item.assessment.award_cycle_id,
        readiness=slides.readiness_of_items, owner=records.owner_column(AssessmentItem.owner_id),
        search=records.SearchSpec(document=lambda item: {
            "title": _item_title(item), "date": item.updated_at,
            "body": "\n\n".join(t for t in (item.narrative, item.strengths, item.opportunities) if t)}),
        field_labels={name: getattr(ItemForm, name).args[0] for name in services.ITEM_FIELDS},
        value_labels={"status": {status.value: label for status, label in ITEM_STATUS_LABELS.items()}}))
    register_nav("checklist.index", _l("Self-assessment"), order=40)
    register_card("readiness", readiness_card, order=5)
    register_section(Section("self_assessment", _l("Self-assessment by award framework"), order=20,
                             template="pdf/dossier/checklist.html", gather=dossier.gather))
    register_slide_kind(SlideKind("readiness", _l("Readiness by dimension"), "slides/readiness.html",
                                  slides.gather_readiness, order=20))
    commands.add(import_frameworks_command)
    for source in reminders.SOURCES:
        reminder_sources.register_source(source)
