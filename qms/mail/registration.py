"""The mail package's record types (for the audit trail), its job and the admins' navigation entry."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from qms.mail import jobs  # noqa: F401 (registers the "mail.send" task)
from qms.mail.models import CalendarKind, CalendarToken, MailKind, MailMessage
from qms.spine import records
from qms.spine.access import Role
from qms.spine.navigation import register_nav


def register(app: Flask) -> None:
    records.register(records.RecordType(
        "mail_message", MailMessage, _l("E-mail"), readable_by=frozenset({Role.ADMIN}),
        field_labels={"to_address": _l("To"), "subject": _l("Subject"), "kind": _l("Kind")},
        value_labels={"kind": {k.value: label for k, label in MailKind.labels().items()}}))
    records.register(records.RecordType(
        "calendar_token", CalendarToken, _l("Calendar address"), readable_by=frozenset({Role.ADMIN}),
        field_labels={"kind": _l("Calendar"), "revoked_at": _l("Revoked at")},
        value_labels={"kind": {k.value: label for k, label in CalendarKind.labels().items()}}))
    register_nav("mail.admin", _l("E-mail"), roles={Role.ADMIN}, order=95)
