"""The core's record types and dashboard cards."""
from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms import records
from qms.auth.forms import UserCreateForm
from qms.auth.models import LOCALE_LABELS, ROLE_LABELS, Role, User
from qms.auth.services import list_users
from qms.core.audit import actor_label
from qms.core.dashboard import Card, register_card, register_nav
from qms.core.forms import AwardCycleForm, OrganizationForm
from qms.core.models import CYCLE_STATUS_LABELS, AwardCycle, Organization
from qms.core.services import audit_query, get_organization, population_per_staff
from qms.extensions import db
from qms.i18n import local_datetime


def field_labels(form_class) -> dict:
    """Column name -> label, taken from the form that edits those columns (one wording for both)."""
    unbound_fields = ((name, getattr(form_class, name)) for name in dir(form_class) if not name.startswith("_"))
    return {name: unbound.args[0] for name, unbound in unbound_fields
            if hasattr(unbound, "field_class") and unbound.args}


def organization_card(user, cycle) -> Card | None:
    org = get_organization()
    if org is None:
        return None
    per_staff = population_per_staff(org.population, org.staff_count)
    return Card(
        title=_("Organization profile"),
        lines=[(_("Name"), org.name), (_("Motto"), org.motto),
               (_("Population"), f"{org.population:,}" if org.population else "—"),
               (_("Staff count"), str(org.staff_count or "—")),
               (_("Population per staff"), f"{per_staff:,}" if per_staff else "—")],
        link=url_for("core.organization"), link_text=_("View the profile"))


def audit_card(user, cycle) -> Card | None:
    if not user.has_role(Role.QUALITY):
        return None
    events = list(db.session.scalars(audit_query().limit(5)))
    return Card(
        title=_("Recent changes"),
        lines=[(local_datetime(e.occurred_at), f"{actor_label(e)} · {e.entity_title}") for e in events],
        link=url_for("core.audit_trail"), link_text=_("Open the audit trail"),
        note="" if events else _("Nothing has been changed yet."))


def users_card(user, cycle) -> Card | None:
    if user.role != Role.ADMIN:
        return None
    accounts = [u for u in list_users() if u.active]
    return Card(
        title=_("Users"),
        lines=[(str(label), str(sum(1 for u in accounts if u.role == role))) for role, label in ROLE_LABELS.items()],
        link=url_for("auth.users"), link_text=_("Manage users"))


def register(app: Flask) -> None:
    records.register(records.RecordType(
        "organization", Organization, _l("Organization"), endpoint="core.organization", url_kwarg=None,
        field_labels=field_labels(OrganizationForm)))
    records.register(records.RecordType(
        "award_cycle", AwardCycle, _l("Award cycle"), endpoint="core.edit_cycle", url_kwarg="cycle_id",
        readable_by=frozenset({Role.ADMIN}),
        field_labels={**field_labels(AwardCycleForm), "is_current": _l("Current")},
        value_labels={"status": {status.value: label for status, label in CYCLE_STATUS_LABELS.items()}}))
    records.register(records.RecordType(
        "user", User, _l("User"), title=lambda u: f"{u.display_name} ({u.username})",
        endpoint="auth.edit_user", url_kwarg="user_id", readable_by=frozenset({Role.ADMIN}),
        field_labels={**field_labels(UserCreateForm), "active": _l("Active")},
        value_labels={"role": {role.value: label for role, label in ROLE_LABELS.items()}, "locale": LOCALE_LABELS}))
    register_nav("core.dashboard", _l("Dashboard"), order=10)
    register_nav("core.organization", _l("Organization"), order=20)
    register_nav("core.cycles", _l("Award cycles"), order=30)
    register_nav("core.audit_trail", _l("Audit trail"), roles={Role.QUALITY}, order=80)
    register_nav("auth.users", _l("Users"), roles={Role.ADMIN}, order=90)
    register_card("organization", organization_card, order=10)
    register_card("users", users_card, order=90)
    register_card("audit", audit_card, order=95)
