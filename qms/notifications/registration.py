"""Record types, the My work entry and dashboard card, the top bar's unread count and the scan's minute upkeep."""
from __future__ import annotations

from flask import Flask, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from qms import jobs as job_queue
from qms.notifications import jobs
from qms.notifications.models import Digest, Notification, NotificationKind, NotificationPreference, ReminderSchedule
from qms.spine import records
from qms.spine.access import Role
from qms.spine.navigation import Card, register_card, register_nav

CARD_ORDER = 1  # before every other card: the day starts with one's own work


def my_work_card(user, cycle) -> Card | None:
    """What the reminder scan found for the user and they have not read yet, by kind: one query, so the dashboard
    costs the same however much work is open (My work itself lists every obligation as it stands now)."""
    from qms.notifications import services

    found = services.unread_by_kind(user)
    lines = [(_("Overdue"), str(found.get(NotificationKind.OVERDUE.value, 0))),
             (_("Due soon"), str(found.get(NotificationKind.DUE_SOON.value, 0)))]
    if found.get(NotificationKind.VERIFY.value):
        lines.append((_("Awaiting verification"), str(found[NotificationKind.VERIFY.value])))
    return Card(title=_("My work"), lines=lines, link=url_for("notifications.my_work"), link_text=_("Open my work"),
                note=_("Unread reminders in your inbox: %(count)d.", count=sum(found.values())))


def inbox_unread() -> int:
    """The signed-in user's unread notifications: one COUNT per request, however often the page asks."""
    if not getattr(current_user, "is_authenticated", False):
        return 0
    if "qms_inbox_unread" not in g:
        from qms.notifications import services

        g.qms_inbox_unread = services.unread_count(current_user)
    return g.qms_inbox_unread


def _forget_unread() -> None:
    """A fresh count for every request (tests reuse one application context across requests)."""
    g.pop("qms_inbox_unread", None)


def register(app: Flask) -> None:
    records.register(records.RecordType(
        "notification", Notification, _l("Notification"),
        field_labels={"read": _l("Read"), "marked_read": _l("Notifications marked read")},
        value_labels={"kind": {k.value: label for k, label in NotificationKind.labels().items()}}))
    records.register(records.RecordType(
        "notification_preference", NotificationPreference, _l("Notification settings"),
        field_labels={"digest": _l("E-mail digest"), "immediate_mail": _l("Immediate e-mail")},
        value_labels={"digest": {d.value: label for d, label in Digest.labels().items()}}))
    records.register(records.RecordType(
        "reminder_schedule", ReminderSchedule, _l("Reminder schedule"), endpoint="notifications.schedule",
        url_kwarg=None, readable_by=frozenset({Role.ADMIN}),
        field_labels={"digest_hour": _l("Digest hour"), "weekly_day": _l("Weekly digest day"),
                      "new_notifications": _l("New notifications")}))
    register_nav("notifications.my_work", _l("My work"), order=12)
    register_card("my_work", my_work_card, order=CARD_ORDER)
    app.add_template_global(inbox_unread, "inbox_unread")
    app.before_request(_forget_unread)
    job_queue.every_minute(jobs.upkeep)
