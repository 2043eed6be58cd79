"""Mail and calendar rules: queue a notice, a digest or a test mail (rendered in the reader's language, stored, sent
by the "mail.send" job), and the calendar-feed tokens and feeds.

The notifications scheduler calls `queue_notice(user, notification)` and `queue_digest(user, obligations, today)`;
neither raises for the mail's sake: a mail that cannot be sent is logged as failed in the outbox, for the admins.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from qms import storage
from qms.core import audit
from qms.core.models import utcnow
from qms.core.services import ServiceError
from qms.extensions import db
from qms.i18n import date_text, html_lang
from qms.mail import transport
from qms.mail.models import CalendarKind, CalendarToken, MailKind, MailMessage, MailStatus
from qms.spine import clock, reminders
from qms.spine.access import Role

log = logging.getLogger(__name__)

OUTBOX = "outbox"
SEND = "mail.send"
RETRIES = 3  # the job's retries: a mail is tried RETRIES + 1 times before it is logged as failed
ERROR_LENGTH = 300
GROUPS = ("overdue", "week", "later")
CYCLE_CALENDAR_ROLES = (Role.QUALITY,)  # and admin, who may always


# --- rendering ----------------------------------------------------------------------------------

def locale_of(user) -> str:
    locale = getattr(user, "locale", None)
    return locale if locale in current_app.config["QMS_LOCALES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def _render(name: str, **context) -> tuple[str, str]:
    """The text and HTML bodies of templates/mail/<name>.txt/.html. Rendered straight from the environment: a mail
    is built by the scheduler or a job, outside any request, so the pages' context processors do not apply."""
    env = current_app.jinja_env
    context.setdefault("base_url", transport.base_url())
    context.setdefault("lang", html_lang())
    return (env.get_template(f"mail/{name}.txt").render(**context),
            env.get_template(f"mail/{name}.html").render(**context))


def _kind_value(kind: Any) -> str:
    return str(getattr(kind, "value", kind) or "")


def notice_subject(notification) -> str:
    """By kind: assigned to the reader, awaiting their verification, else the kind's own label."""
    kind = _kind_value(getattr(notification, "kind", ""))
    title = str(notification.title)
    if "verif" in kind:
        return _("[QMS] Awaiting your verification: %(title)s", title=title)
    if "assign" in kind:
        return _("[QMS] Assigned to you: %(title)s", title=title)
    label = getattr(getattr(notification, "kind", None), "label", None) or _("Reminder")
    return _("[QMS] %(kind)s: %(title)s", kind=str(label), title=title)


def group_obligations(obligations: Iterable[reminders.Obligation], today: dt.date) -> dict[str, list]:
    """Overdue, this week, later: each in the order given (collect() sorts by due date)."""
    groups: dict[str, list] = {group: [] for group in GROUPS}
    for obligation in obligations:
        groups[obligation.state(today)].append(obligation)
    return groups


def group_titles() -> dict[str, str]:
    return {"overdue": _("Overdue"), "week": _("Due this week"), "later": _("Later")}


# --- queueing -----------------------------------------------------------------------------------

def _queue(*, to_address: str, user, kind: MailKind, subject: str, text: str, html: str,
           digest_day: dt.date | None = None, frequency: str | None = None) -> MailMessage | None:
    """Store the rendered mail, log it, commit, and queue its sending. None when the same digest is already logged."""
    data = transport.build(to_address, subject, text, html)
    name = storage.write(OUTBOX, data, suffix=".eml")
    message = MailMessage(to_address=to_address, user_id=getattr(user, "id", None), kind=kind,
                          subject=subject[:300], status=MailStatus.QUEUED, attempts=0, error="",
                          created_at=utcnow(), stored_name=name, digest_day=digest_day, frequency=frequency)
    db.session.add(message)
    try:
        db.session.commit()
    except IntegrityError:  # the same digest, queued by another worker meanwhile
        db.session.rollback()
        storage.delete(OUTBOX, name)
        return None
    except Exception:
        db.session.rollback()
        storage.delete(OUTBOX, name)
        raise
    _enqueue(message)
    return message


def _enqueue(message: MailMessage) -> None:
    from qms import jobs

    jobs.enqueue(SEND, message_id=message.id)  # never raises: an unreachable queue leaves the job waiting


def queue_notice(user, notification) -> MailMessage | None:
    """An immediate mail: something assigned to the user or awaiting their verification. None when the user has
    no e-mail address. `notification` needs .title, .url (a path), .kind (an enum with .label) and .due."""
    address = (getattr(user, "email", "") or "").strip()
    if not address or not getattr(user, "active", True) or not transport.valid_address(address):
        return None
    with force_locale(locale_of(user)):
        subject = notice_subject(notification)
        kind = getattr(notification, "kind", None)
        text, html = _render("notice", user=user, subject=subject, title=str(notification.title),
                             kind_label=str(getattr(kind, "label", "") or ""), due=notification.due,
                             url=transport.absolute(notification.url), home=transport.absolute("/"))
    return _queue(to_address=address, user=user, kind=MailKind.NOTICE, subject=subject, text=text, html=html)


def digest_logged(user, today: dt.date, frequency: str) -> bool:
    return db.session.scalar(select(MailMessage.id).where(
        MailMessage.user_id == user.id, MailMessage.kind == MailKind.DIGEST, MailMessage.digest_day == today,
        MailMessage.frequency == frequency).limit(1)) is not None


def queue_digest(user, obligations: list[reminders.Obligation], today: dt.date,
                 frequency: str = "daily") -> MailMessage | None:
    """What is overdue, due this week and later for the user, in one mail. At most one digest a user, day and
    frequency ("daily", "weekly"): None when it is already logged, when nothing is due, or without an address."""
    address = (getattr(user, "email", "") or "").strip()
    if not obligations or not address or not getattr(user, "active", True) or not transport.valid_address(address):
        return None
    frequency = str(getattr(frequency, "value", frequency))[:20]
    if digest_logged(user, today, frequency):
        return None
    groups = group_obligations(obligations, today)
    with force_locale(locale_of(user)):
        subject = _("[QMS] Your reminders for %(date)s", date=date_text(today))
        sections = [(group, group_titles()[group], [
            {"title": str(o.title), "action": str(o.action), "due": o.due, "url": transport.absolute(o.url)}
            for o in groups[group]]) for group in GROUPS if groups[group]]
        text, html = _render("digest", user=user, subject=subject, today=today, sections=sections,
                             counts={group: len(groups[group]) for group in GROUPS},
                             home=transport.absolute("/"))
    return _queue(to_address=address, user=user, kind=MailKind.DIGEST, subject=subject, text=text, html=html,
                  digest_day=today, frequency=frequency)


def queue_test(address: str, actor) -> MailMessage:
    """The admin's test mail, in the admin's language; audited."""
    address = (address or "").strip()
    if not transport.valid_address(address):
        raise ServiceError(_("Enter one e-mail address, such as name@example.org."), field="address")
    with force_locale(locale_of(actor)):
        subject = _("[QMS] Test mail")
        text, html = _render("test", subject=subject, sent_by=str(actor), home=transport.absolute("/"))
    data = transport.build(address, subject, text, html)
    name = storage.write(OUTBOX, data, suffix=".eml")
    message = MailMessage(to_address=address, user_id=None, kind=MailKind.TEST, subject=subject,
                          status=MailStatus.QUEUED, attempts=0, error="", created_at=utcnow(), stored_name=name)
    db.session.add(message)
    try:
        audit.record_event(audit.CREATE, message, actor,
                           changes=audit.created(message, ("to_address", "subject", "kind")))
        db.session.commit()
    except Exception:
        db.session.rollback()
        storage.delete(OUTBOX, name)
        raise
    _enqueue(message)
    return message


# --- sending (the job) --------------------------------------------------------------------------

class SendFailed(Exception):
    """This attempt failed; the outbox row says why. The job is retried while it has attempts left."""


def send_message(message_id: int) -> MailStatus | None:
    """Send one logged mail (the job's work): through SMTP when configured, else it stays written in the outbox.
    A failure is noted on the row (its short error; status failed once the retries are spent) and raised as
    SendFailed so the job retries."""
    message = db.session.get(MailMessage, message_id)
    if message is None or message.status in (MailStatus.SENT, MailStatus.WRITTEN):
        return None  # deleted, or delivered twice
    message.attempts += 1
    try:
        data = storage.read(OUTBOX, message.stored_name)
    except OSError:
        return _failed(message, "the stored message is missing from the outbox")
    if not transport.configured():
        message.status, message.error, message.sent_at = MailStatus.WRITTEN, "", utcnow()
        db.session.commit()
        return message.status
    try:
        transport.send(data, message.to_address)
    except transport.MailRefused as error:
        log.warning("mail %s to %s not sent (attempt %s): %s", message.id, message.to_address, message.attempts,
                    error)
        if message.attempts <= RETRIES:  # tried again later: it waits, with the reason shown
            message.error = str(error)[:ERROR_LENGTH]
            db.session.commit()
        else:
            _failed(message, str(error))
        raise SendFailed(str(error)) from error
    message.status, message.error, message.sent_at = MailStatus.SENT, "", utcnow()
    db.session.commit()
    return message.status


def _failed(message: MailMessage, error: str) -> MailStatus:
    message.status, message.error = MailStatus.FAILED, error[:ERROR_LENGTH]
    db.session.commit()
    return message.status


# --- the outbox, for admins ---------------------------------------------------------------------

def outbox_query(failed_only: bool = False):
    query = select(MailMessage).order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
    if failed_only:
        query = query.where(MailMessage.status == MailStatus.FAILED)
    return query


# --- calendar feeds -----------------------------------------------------------------------------

def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def may_have(user, kind: CalendarKind) -> bool:
    return kind == CalendarKind.MINE or user.has_role(*CYCLE_CALENDAR_ROLES)


def active_tokens(user) -> list[CalendarToken]:
    return list(db.session.scalars(select(CalendarToken).where(
        CalendarToken.user_id == user.id, CalendarToken.revoked_at.is_(None)).order_by(CalendarToken.kind)))


def create_token(user, kind: CalendarKind | str) -> tuple[CalendarToken, str]:
    """A new feed address for the user (their own obligations, or the whole cycle for the quality team); any
    earlier one of that kind stops working. Returns the row and the token, which is shown once and never stored."""
    try:
        kind = CalendarKind(kind)
    except ValueError:
        raise ServiceError(_("Choose which calendar you want."), field="kind") from None
    if not may_have(user, kind):
        raise ServiceError(_("Only the quality team may subscribe to the whole cycle's calendar."), field="kind")
    now = utcnow()
    for earlier in active_tokens(user):
        if earlier.kind == kind:
            earlier.revoked_at = now
            audit.record_event(audit.UPDATE, earlier, user, changes={"revoked_at": [None, now.isoformat()]})
    token = secrets.token_urlsafe(32)
    row = CalendarToken(user_id=user.id, kind=kind, token_hash=token_hash(token), created_at=now)
    db.session.add(row)
    audit.record_event(audit.CREATE, row, user, changes=audit.created(row, ("kind",)))
    db.session.commit()
    return row, token


def revoke_token(row: CalendarToken, user) -> None:
    if row.user_id != user.id:
        raise ServiceError(_("This calendar address is not yours."))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record_event(audit.UPDATE, row, user, changes={"revoked_at": [None, row.revoked_at.isoformat()]})
        db.session.commit()


def token_row(token: str) -> CalendarToken | None:
    """The live token's row; None for an unknown or revoked token, or one whose owner may no longer use it."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(CalendarToken).where(CalendarToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None or row.user is None or not row.user.active:
        return None
    if not may_have(row.user, row.kind):
        return None
    return row


def feed_obligations(row: CalendarToken, today: dt.date) -> list[reminders.Obligation]:
    if row.kind == CalendarKind.CYCLE:
        found = []
        for source in reminders.sources():
            if source.cycle_calendar:
                found.extend(source.collect(today, None))
        return found
    return reminders.collect(today, row.user)


def event_uid(obligation: reminders.Obligation) -> str:
    """Stable for the same reminder (its key: source, record, stage, due date), so clients update, not duplicate."""
    key = "|".join("" if part is None else str(part) for part in obligation.key)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + "@qms"


def calendar_feed(row: CalendarToken, today: dt.date | None = None) -> bytes:
    """The token's obligations as an RFC 5545 calendar: one all-day event a dated obligation."""
    today = today or clock.today()
    stamp = utcnow()
    with force_locale(locale_of(row.user)):
        calendar = Calendar()
        calendar.add("prodid", "-//QMS//Reminders//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        name = _("QMS: my obligations") if row.kind == CalendarKind.MINE else _("QMS: the award cycle")
        calendar.add("x-wr-calname", name)
        for obligation in feed_obligations(row, today):
            if obligation.due is None:
                continue  # no date, no calendar entry
            event = Event()
            event.add("uid", event_uid(obligation))
            event.add("dtstamp", stamp)
            event.add("dtstart", obligation.due)
            event.add("dtend", obligation.due + dt.timedelta(days=1))
            event.add("summary", _("%(action)s: %(title)s", action=str(obligation.action),
                                   title=str(obligation.title)))
            url = transport.absolute(obligation.url)
            event.add("url", url)
            event.add("description", url)
            event.add("transp", "TRANSPARENT")
            calendar.add_component(event)
    return calendar.to_ical()
