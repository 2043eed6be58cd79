"""The reminder scan (obligations → inbox notifications, immediate mails, digests) and the inbox's writes."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from flask import current_app, has_request_context
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update

from qms.auth.models import User
from qms.core import audit
from qms.core.services import ServiceError
from qms.extensions import db
from qms.notifications.models import Digest, Notification, NotificationKind, NotificationPreference, ReminderSchedule
from qms.spine import clock, reminders
from qms.spine.access import Role
from qms.spine.reminders import Obligation

log = logging.getLogger(__name__)

DUE_SOON_DAYS = 3  # "due soon" from this many days before the due date
KEY_BATCH = 5000  # dedupe keys looked up per query (well under SQLite's and PostgreSQL's parameter limits)
KEY_LENGTH = 255
MAIL_KINDS = frozenset({NotificationKind.ASSIGNED, NotificationKind.VERIFY})  # worth an e-mail at once


# --- deciding what to notify --------------------------------------------------------------------

@dataclass(frozen=True)
class Recipient:
    id: int
    role: str
    email: str
    digest: Digest
    immediate_mail: bool


def dedupe_key(kind: NotificationKind, obligation: Obligation, owner_id: int | None = None) -> str:
    """kind + the obligation's key: the same reminder for the same due date is made once. "assigned" is about who,
    not when: its key is the record and its owner (a reassignment notifies the new owner; a moved due date does not
    assign it again)."""
    if kind == NotificationKind.ASSIGNED:
        parts = [str(kind), obligation.source, obligation.record_type, str(obligation.record_id), obligation.stage,
                 str(owner_id)]
    else:
        parts = [str(kind), *("" if part is None else str(part) for part in obligation.key)]
    key = "|".join(parts)
    if len(key) > KEY_LENGTH:  # a very long source key: still one stable key per reminder
        key = key[:KEY_LENGTH - 41] + "#" + hashlib.sha256(key.encode()).hexdigest()[:40]
    return key


def kinds_for(obligation: Obligation, today: dt.date) -> list[NotificationKind]:
    """What an obligation is worth telling its people about, as of `today`."""
    if obligation.stage == "expiring":
        return [NotificationKind.EXPIRING]
    if obligation.stage == "verify":
        return [NotificationKind.VERIFY]
    kinds = []
    if obligation.owner_id is not None:
        kinds.append(NotificationKind.ASSIGNED)
    if obligation.due is not None:
        if obligation.due < today:
            kinds.append(NotificationKind.OVERDUE)
        elif obligation.due <= today + dt.timedelta(days=DUE_SOON_DAYS):
            kinds.append(NotificationKind.DUE_SOON)
    return kinds


def recipients_of(obligation: Obligation, users: dict[int, Recipient],
                  by_role: dict[str, list[Recipient]]) -> list[Recipient]:
    """Its owner when it has one (and they are active), else every active user of its roles."""
    if obligation.owner_id is not None:
        owner = users.get(obligation.owner_id)
        return [owner] if owner is not None else []
    found: dict[int, Recipient] = {}
    for role in obligation.roles:
        for user in by_role.get(str(role), ()):
            found[user.id] = user
    return list(found.values())


def active_recipients() -> dict[int, Recipient]:
    """Every active user with their preference (defaults when they have none), in one query."""
    rows = db.session.execute(
        select(User.id, User.role, User.email, NotificationPreference.digest, NotificationPreference.immediate_mail)
        .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(User.active.is_(True)))
    return {row.id: Recipient(row.id, str(row.role), row.email or "", row.digest or Digest.WEEKLY,
                              True if row.immediate_mail is None else bool(row.immediate_mail))
            for row in rows}


def existing_keys(keys: Iterable[str]) -> set[tuple[int, str]]:
    keys = sorted(set(keys))
    found: set[tuple[int, str]] = set()
    for start in range(0, len(keys), KEY_BATCH):
        chunk = keys[start:start + KEY_BATCH]
        found.update(db.session.execute(select(Notification.user_id, Notification.dedupe_key)
                                        .where(Notification.dedupe_key.in_(chunk))).all())
    return found


def _insert_if_absent(rows: list[dict]) -> list[int]:
    """Insert the notifications no other scan inserted meanwhile (the unique key decides); their ids."""
    if not rows:
        return []
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(Notification).on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"]) \
        .returning(Notification.id)
    return [row.id for row in db.session.execute(statement, rows)]


# --- the schedule -------------------------------------------------------------------------------

def schedule() -> ReminderSchedule:
    """The one schedule row, made with its defaults the first time."""
    found = db.session.scalar(select(ReminderSchedule).order_by(ReminderSchedule.id).limit(1))
    if found is None:
        found = ReminderSchedule(digest_hour=8, weekly_day=0)
        db.session.add(found)
        db.session.flush()
    return found


def update_schedule(digest_hour: int, weekly_day: int, actor) -> ReminderSchedule:
    if not 0 <= digest_hour <= 23:
        raise ServiceError(_("Choose an hour from 0 to 23."), field="digest_hour")
    if not 0 <= weekly_day <= 6:
        raise ServiceError(_("Choose a day of the week."), field="weekly_day")
    row = schedule()
    changes = {name: [getattr(row, name), value] for name, value in
               (("digest_hour", digest_hour), ("weekly_day", weekly_day)) if getattr(row, name) != value}
    row.digest_hour, row.weekly_day = digest_hour, weekly_day
    if changes:
        audit.record_event(audit.UPDATE, row, actor, changes=changes)
    db.session.commit()
    return row




def _claim(column, today: dt.date, row_id: int) -> bool:
    """Mark today's digest of this kind as sent; False when another scan already did (one mail a day)."""
    result = db.session.execute(update(ReminderSchedule).where(
        ReminderSchedule.id == row_id, (column.is_(None)) | (column < today)).values({column.key: today}))
    return result.rowcount == 1


def digest_due(row: ReminderSchedule, now: dt.datetime) -> tuple[bool, bool]:
    """(daily, weekly): whether the day's and the week's digests are due at `now` (office time)."""
    today = now.date()
    at_hour = now.hour >= row.digest_hour
    daily = at_hour and (row.last_daily_run is None or row.last_daily_run < today)
    weekly = at_hour and today.weekday() == row.weekly_day and (
        row.last_weekly_run is None or row.last_weekly_run < today)
    return daily, weekly


# --- the scan -----------------------------------------------------------------------------------

def collect_all(today: dt.date) -> list[Obligation]:
    """Every open obligation; sources build their links with url_for, so outside a request (the job worker) a
    request context of the app's root gives them paths, as on pages."""
    if has_request_context():
        return reminders.collect(today, None)
    with current_app.test_request_context("/"):
        return reminders.collect(today, None)


@dataclass
class ScanResult:
    obligations: int = 0
    created: int = 0
    notices: int = 0
    digests: int = 0


def scan(now: dt.datetime | None = None) -> ScanResult:
    """Turn today's obligations into notifications (each at most once), mail the urgent ones and, at the digest
    hour, the digests. A fixed number of queries whatever the count (plus one per KEY_BATCH keys); commits."""
    now = (now or clock.now()).astimezone(clock.zone())
    today = now.date()
    result = ScanResult()
    obligations = collect_all(today)
    result.obligations = len(obligations)
    users = active_recipients()
    by_role: dict[str, list[Recipient]] = defaultdict(list)
    for user in users.values():
        by_role[user.role].append(user)

    candidates: dict[tuple[int, str], dict] = {}
    created_at = clock.utcnow()
    for obligation in obligations:
        kinds = kinds_for(obligation, today)
        if not kinds:
            continue
        people = recipients_of(obligation, users, by_role)
        for kind in kinds:
            key = dedupe_key(kind, obligation, obligation.owner_id)
            for person in people:
                candidates[(person.id, key)] = {
                    "user_id": person.id, "source": obligation.source[:100], "record_type": obligation.record_type[:50],
                    "record_id": obligation.record_id, "stage": obligation.stage[:30], "kind": kind,
                    "title": str(obligation.title)[:300], "url": str(obligation.url)[:500], "due": obligation.due,
                    "dedupe_key": key, "created_at": created_at, "read_at": None}
    known = existing_keys(key for _user, key in candidates)
    rows = [row for pair, row in candidates.items() if pair not in known]
    new_ids = _insert_if_absent(rows)
    result.created = len(new_ids)
    row = schedule()
    first_scan = row.last_scan_at is None
    row.last_scan_at = clock.utcnow()
    audit.record_event(audit.UPDATE, row, None, changes={"new_notifications": [None, result.created]})
    # Committed before any mail is queued: the mail services commit (or roll back) their own rows.
    db.session.commit()

    # The first scan finds everything already open: it goes to the inboxes and the next digest, not one mail each.
    result.notices = 0 if first_scan else _send_notices(new_ids, users)
    result.digests = _send_digests(row.id, now, obligations, users)
    return result


def _mail_services():
    try:
        from qms.mail import services as mail
    except ImportError:  # the mail package is not installed yet: the inbox still works
        return None
    return mail


def _send_notices(new_ids: list[int], users: dict[int, Recipient]) -> int:
    mail = _mail_services()
    if mail is None or not new_ids or not hasattr(mail, "queue_notice"):
        return 0
    wanted = {user.id for user in users.values() if user.immediate_mail and user.email}
    if not wanted:
        return 0
    sent = 0
    accounts: dict[int, User] = {}
    for start in range(0, len(new_ids), KEY_BATCH):
        chunk = new_ids[start:start + KEY_BATCH]
        notes = list(db.session.scalars(select(Notification).where(
            Notification.id.in_(chunk), Notification.kind.in_(list(MAIL_KINDS)),
            Notification.user_id.in_(wanted))))
        missing = {note.user_id for note in notes} - accounts.keys()
        if missing:
            accounts.update((u.id, u) for u in db.session.scalars(select(User).where(User.id.in_(missing))))
        for note in notes:
            try:
                if mail.queue_notice(accounts[note.user_id], note) is not None:
                    sent += 1
            except Exception:  # one failed mail must not lose the scan's notifications
                log.exception("could not queue the notice of notification %s", note.id)
    return sent


def _send_digests(schedule_id: int, now: dt.datetime, obligations: list[Obligation],
                  users: dict[int, Recipient]) -> int:
    row = db.session.get(ReminderSchedule, schedule_id)
    daily, weekly = digest_due(row, now)
    if not (daily or weekly):
        return 0
    today = now.date()
    wanted: dict[Digest, str] = {}
    if daily and _claim(ReminderSchedule.last_daily_run, today, row.id):
        wanted[Digest.DAILY] = "daily"
    if weekly and _claim(ReminderSchedule.last_weekly_run, today, row.id):
        wanted[Digest.WEEKLY] = "weekly"
    db.session.commit()  # claimed: a scan running beside this one sends none of them
    mail = _mail_services()
    if not wanted or mail is None or not hasattr(mail, "queue_digest"):
        return 0
    chosen = {user.id: user for user in users.values() if user.digest in wanted and user.email}
    if not chosen:
        return 0
    accounts = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(chosen)))}
    sent = 0
    for user_id, account in sorted(accounts.items()):
        theirs = [o for o in obligations if o.concerns(account)]
        if not theirs:
            continue
        try:
            if mail.queue_digest(account, theirs, today, frequency=wanted[chosen[user_id].digest]) is not None:
                sent += 1
        except Exception:  # one failed mail must not stop the others'
            log.exception("could not queue the digest of user %s", user_id)
    return sent


# --- My work, the team view, the inbox ----------------------------------------------------------

STATES = ("overdue", "week", "later")


def my_work(user, today: dt.date) -> dict[str, list[Obligation]]:
    """The user's open obligations grouped overdue / this week / later, each group due date first."""
    groups: dict[str, list[Obligation]] = {state: [] for state in STATES}
    for obligation in reminders.collect(today, user):
        groups[obligation.state(today)].append(obligation)
    return groups


def source_labels() -> dict[str, str]:
    return {source.key: str(source.label) for source in reminders.sources()}


@dataclass
class TeamGroup:
    owner_id: int | None
    name: str
    obligations: list[Obligation]


def team_overdue(today: dt.date, unassigned_label: str) -> list[TeamGroup]:
    """Every overdue obligation grouped by owner (names in one query), by name; then those that concern a role (the
    quality team's to verify, say) under the role's name; the unassigned ones last."""
    by_owner: dict[int | None, list[Obligation]] = defaultdict(list)
    by_roles: dict[tuple, list[Obligation]] = defaultdict(list)
    for obligation in reminders.collect(today, None):
        if obligation.state(today) != "overdue":
            continue
        if obligation.owner_id is None and obligation.roles:
            by_roles[tuple(sorted(str(role) for role in obligation.roles))].append(obligation)
        else:
            by_owner[obligation.owner_id].append(obligation)
    owner_ids = [owner_id for owner_id in by_owner if owner_id is not None]
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(owner_ids))).all()) \
        if owner_ids else {}
    groups = [TeamGroup(owner_id, names.get(owner_id) or f"#{owner_id}", items)
              for owner_id, items in by_owner.items() if owner_id is not None]
    groups.sort(key=lambda group: group.name)
    for roles, items in sorted(by_roles.items()):
        groups.append(TeamGroup(None, "、".join(str(Role(role).label) for role in roles), items))
    if None in by_owner:
        groups.append(TeamGroup(None, unassigned_label, by_owner[None]))
    return groups


def counts(groups: dict[str, list[Obligation]]) -> dict[str, int]:
    return {state: len(items) for state, items in groups.items()}


def inbox_query(user):
    return select(Notification).where(Notification.user_id == user.id) \
        .order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_by_kind(user) -> dict[str, int]:
    """The user's unread notifications by kind ("overdue", "due_soon", ...): one query, whatever their number."""
    rows = db.session.execute(select(Notification.kind, func.count()).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).group_by(Notification.kind)).all()
    return {str(kind): count for kind, count in rows}


@functools.cache
def _unread_count_query():
    """Built once: every signed-in page asks (the top bar's inbox link), and building the statement costs more
    than running it on the index."""
    return (select(func.count()).select_from(Notification)
            .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None)))


def unread_count(user) -> int:
    return db.session.scalar(_unread_count_query(), {"user_id": user.id}) or 0


def mark_read(notification: Notification, actor) -> None:
    if notification.user_id != actor.id:
        raise ServiceError(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = clock.utcnow()
        audit.record_event(audit.UPDATE, notification, actor, changes={"read": [False, True]})
    db.session.commit()



def mark_all_read(actor) -> int:
    result = db.session.execute(update(Notification).where(
        Notification.user_id == actor.id, Notification.read_at.is_(None)).values(read_at=clock.utcnow()))
    marked = result.rowcount or 0
    if marked:
        audit.record_event(audit.UPDATE, None, actor, entity_type="notification",
                           changes={"marked_read": [None, marked]})
    db.session.commit()
    return marked


def preference_values(user) -> tuple[Digest, bool]:
    """(digest, immediate mail) of the user, the defaults when they never chose."""
    found = db.session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    return (found.digest, found.immediate_mail) if found is not None else (Digest.WEEKLY, True)


def preference_of(user) -> NotificationPreference:
    """The user's preference row (made with the defaults, not committed, when they have none)."""
    found = db.session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    if found is None:
        found = NotificationPreference(user_id=user.id, digest=Digest.WEEKLY, immediate_mail=True)
        db.session.add(found)
        db.session.flush()
    return found


def update_preference(user, digest: str, immediate_mail: bool, actor) -> NotificationPreference:
    try:
        chosen = Digest(digest)
    except ValueError:
        raise ServiceError(_("Choose how often to receive the digest."), field="digest") from None
    row = preference_of(user)
    changes = {name: [str(getattr(row, name)) if name == "digest" else getattr(row, name),
                      str(value) if name == "digest" else value]
               for name, value in (("digest", chosen), ("immediate_mail", bool(immediate_mail)))
               if getattr(row, name) != value}
    row.digest, row.immediate_mail = chosen, bool(immediate_mail)
    if changes:
        audit.record_event(audit.UPDATE, row, actor, changes=changes)
    db.session.commit()
    return row

