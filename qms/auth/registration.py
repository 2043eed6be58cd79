"""Accounts' record type, navigation entry and dashboard card."""
from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.auth.forms import UserCreateForm
from qms.auth.models import LOCALE_LABELS, User
from qms.auth.services import active_users_by_role
from qms.forms import field_labels
from qms.spine import records
from qms.spine.access import ROLE_LABELS, Role
from qms.spine.navigation import Card, register_card, register_nav


def users_card(user, cycle) -> Card | None:
    if user.role != Role.ADMIN:
        return None
    counts = active_users_by_role()
    return Card(
        title=_("Users"),
        lines=[(str(label), str(counts.get(role, 0))) for role, label in ROLE_LABELS.items()],
        link=url_for("auth.users"), link_text=_("Manage users"))


def register(app: Flask) -> None:
    records.register(records.RecordType(
        "user", User, _l("User"), title=lambda u: f"{u.display_name} ({u.username})",
        endpoint="auth.edit_user", url_kwarg="user_id", readable_by=frozenset({Role.ADMIN}),
        field_labels={**field_labels(UserCreateForm), "active": _l("Active")},
        value_labels={"role": {role.value: label for role, label in ROLE_LABELS.items()}, "locale": LOCALE_LABELS}))
    register_nav("auth.users", _l("Users"), roles={Role.ADMIN}, order=90)
    register_card("users", users_card, order=90)
