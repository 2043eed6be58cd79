"""The core's record types and dashboard cards."""
from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from qms.core import reminders, slides
from qms.core.audit import actor_label
from qms.core.forms import AwardCycleForm, OrganizationForm
from qms.core.models import CYCLE_STATUS_LABELS, AwardCycle, Organization
from qms.core.services import audit_query, get_organization, population_per_staff
from qms.extensions import db
from qms.forms import field_labels
from qms.i18n import datetime_html, localized, number, user_text
from qms.spine import records
from qms.spine import reminders as reminder_sources
from qms.spine.access import Role
from qms.spine.navigation import Card, register_card, register_nav
from qms.spine.slides import SlideKind, register_slide_kind


def organization_card(user, cycle) -> Card | None:
    org = get_organization()
    if org is None:
        return None
    per_staff = population_per_staff(org.population, org.staff_count)
    return Card(
        title=_("Organization profile"),
        lines=[(_("Name"), user_text(localized(org, "name"))), (_("Motto"), user_text(org.motto)),
               (_("Population"), number(org.population) if org.population else "—"),
               (_("Staff count"), str(org.staff_count or "—")),
               (_("Population per staff"), number(per_staff) if per_staff else "—")],
        link=url_for("core.organization"), link_text=_("View the profile"))


def audit_card(user, cycle) -> Card | None:
    if not user.has_role(Role.QUALITY):
        return None
    events = list(db.session.scalars(audit_query().limit(5)))
    return Card(
        title=_("Recent changes"),
        lines=[(datetime_html(e.occurred_at), Markup("{} · {}").format(user_text(actor_label(e)),
                                                                        user_text(e.entity_title)))
               for e in events],
        link=url_for("core.audit_trail"), link_text=_("Open the audit trail"),
        note="" if events else _("Nothing has been changed yet."))


def register(app: Flask) -> None:
    records.register(records.RecordType(
        "organization", Organization, _l("Organization"), endpoint="core.organization", url_kwarg=None,
        field_labels={**field_labels(OrganizationForm), "public_catalogue": _l("Public catalogue open")}))
    records.register(records.RecordType(
        "award_cycle", AwardCycle, _l("Award cycle"), endpoint="core.edit_cycle", url_kwarg="cycle_id",
        readable_by=frozenset({Role.ADMIN}),
        field_labels={**field_labels(AwardCycleForm), "is_current": _l("Current")},
        value_labels={"status": {status.value: label for status, label in CYCLE_STATUS_LABELS.items()}}))
    register_nav("core.dashboard", _l("Dashboard"), order=10)
    register_nav("core.organization", _l("Organization"), order=20)
    register_nav("core.cycles", _l("Award cycles"), order=30)
    register_nav("core.audit_trail", _l("Audit trail"), roles={Role.QUALITY}, order=80)
    register_card("organization", organization_card, order=10)
    register_card("audit", audit_card, order=95)
    register_slide_kind(SlideKind("profile", _l("Office profile"), "slides/profile.html", slides.gather_profile,
                                  order=10))
    for source in reminders.SOURCES:
        reminder_sources.register_source(source)
