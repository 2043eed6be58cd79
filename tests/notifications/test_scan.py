"""The reminder scan on a frozen clock: which notifications it makes, never twice, mails and digests."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from qms.core.models import AuditEvent
from qms.notifications import jobs, services
from qms.notifications.models import Digest, Notification, NotificationPreference, ReminderSchedule
from qms.spine import clock, reminders
from qms.spine.access import Role
from tests.factories import UserFactory

MONDAY = dt.date(2026, 12, 7)  # weekday 0


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.zone())


@pytest.fixture
def open_obligations(app):
    """A test-only reminder source whose obligations a test sets (the features' own sources also run)."""
    found: list[reminders.Obligation] = []

    def collect(today, user):
        return [o for o in found if user is None or o.concerns(user)]

    reminders.register_source(reminders.ReminderSource("test.fake", "Test things", collect, order=1))
    yield found
    reminders._sources.pop("test.fake", None)


@pytest.fixture(autouse=True)
def scanned_before(request, db):
    """QMS has scanned before (the first scan ever mails nothing at once); a test marked first_scan starts anew."""
    if "first_scan" not in request.keywords:
        services.schedule().last_scan_at = clock.utcnow() - dt.timedelta(days=1)
        db.session.commit()


@pytest.fixture
def mailbox(monkeypatch):
    """Records the immediate mails and digests the scan asks qms.mail for."""
    from qms.mail import services as mail

    sent = {"notices": [], "digests": []}
    monkeypatch.setattr(mail, "queue_notice", lambda user, note: sent["notices"].append((user.id, note.kind)) or 1)
    monkeypatch.setattr(mail, "queue_digest", lambda user, obligations, today, frequency="daily": sent[
        "digests"].append((user.id, len(obligations), today, frequency)) or 1)
    return sent


def thing(record_id: int, due: dt.date | None, owner=None, roles=frozenset(), stage="due") -> reminders.Obligation:
    return reminders.Obligation("test.fake", "assessment_item", record_id, f"待辦 {record_id}", "Update its status",
                                due, f"/things/{record_id}", owner_id=getattr(owner, "id", owner),
                                roles=frozenset(roles), stage=stage)


def notes_of(db, user) -> list[tuple[str, int]]:
    return sorted((str(n.kind), n.record_id) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)))


def total(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification))


def test_kinds_as_of_a_day():
    today = MONDAY
    assert services.kinds_for(thing(1, today + dt.timedelta(days=3), owner=5), today) == ["assigned", "due_soon"]
    assert services.kinds_for(thing(1, today + dt.timedelta(days=4), owner=5), today) == ["assigned"]
    assert services.kinds_for(thing(1, today - dt.timedelta(days=1), owner=5), today) == ["assigned", "overdue"]
    assert services.kinds_for(thing(1, None, roles={Role.QUALITY}), today) == []
    assert services.kinds_for(thing(1, today, roles={Role.QUALITY}, stage="verify"), today) == ["verify"]
    assert services.kinds_for(thing(1, today, owner=5, stage="expiring"), today) == ["expiring"]


def test_due_soon_overdue_and_later(db, open_obligations, mailbox):
    owner = UserFactory()
    open_obligations += [thing(1, MONDAY + dt.timedelta(days=2), owner), thing(2, MONDAY - dt.timedelta(days=1), owner),
                         thing(3, MONDAY + dt.timedelta(days=20), owner)]
    with clock.frozen(at(MONDAY, 6)):
        result = services.scan(clock.now())
    assert result.created == 5
    assert notes_of(db, owner) == [("assigned", 1), ("assigned", 2), ("assigned", 3), ("due_soon", 1), ("overdue", 2)]
    assert sorted(k for _user, k in mailbox["notices"]) == ["assigned"] * 3  # only what is worth a mail at once


def test_two_scans_never_notify_twice(db, open_obligations, mailbox):
    owner = UserFactory()
    open_obligations.append(thing(1, MONDAY - dt.timedelta(days=2), owner))
    with clock.frozen(at(MONDAY, 6)):
        assert services.scan().created == 2
        assert services.scan().created == 0
    with clock.frozen(at(MONDAY + dt.timedelta(days=1), 6)):
        assert services.scan().created == 0  # still overdue, same due date: same reminder
    assert total(db) == 2
    assert len(mailbox["notices"]) == 1
    summaries = db.session.scalars(select(AuditEvent.summary).where(AuditEvent.entity_type == "reminder_schedule")
                                   .order_by(AuditEvent.id)).all()
    assert summaries == ["new_notifications: None → 2", "new_notifications: None → 0", "new_notifications: None → 0"]


def test_a_done_obligation_notifies_no_more(db, open_obligations, mailbox):
    owner = UserFactory()
    open_obligations.append(thing(1, MONDAY + dt.timedelta(days=5), owner))
    with clock.frozen(at(MONDAY, 6)):
        services.scan()
    assert notes_of(db, owner) == [("assigned", 1)]
    open_obligations.clear()  # done: its source no longer returns it
    with clock.frozen(at(MONDAY + dt.timedelta(days=9), 6)):  # it would be overdue by now
        assert services.scan().created == 0
    assert notes_of(db, owner) == [("assigned", 1)]


def test_a_moved_due_date_is_a_new_reminder(db, open_obligations, mailbox):
    owner = UserFactory()
    open_obligations.append(thing(1, MONDAY - dt.timedelta(days=1), owner))
    with clock.frozen(at(MONDAY, 6)):
        services.scan()
        open_obligations[0] = thing(1, MONDAY + dt.timedelta(days=1), owner)
        services.scan()
    # the new date is a new due-soon reminder; the item is not assigned to the same owner again
    assert notes_of(db, owner) == [("assigned", 1), ("due_soon", 1), ("overdue", 1)]


@pytest.mark.first_scan
def test_the_first_scan_records_what_is_open_without_mailing_it_all(db, open_obligations, mailbox):
    owners = [UserFactory(email=f"o{n}@example.org") for n in range(3)]
    open_obligations.extend(thing(n, MONDAY + dt.timedelta(days=n), owner) for n, owner in enumerate(owners))
    with clock.frozen(at(MONDAY, 6)):
        assert services.scan().created == 6  # three assigned, three due within DUE_SOON_DAYS
        assert mailbox["notices"] == []  # already open when QMS first looked: the inbox and the digest tell
        open_obligations.append(thing(9, MONDAY + dt.timedelta(days=5), owners[0]))
        services.scan()
    assert mailbox["notices"] == [(owners[0].id, "assigned")]  # assigned since: mailed at once


def test_a_reassigned_obligation_notifies_the_new_owner_once(db, open_obligations, mailbox):
    first, second = UserFactory(), UserFactory()
    open_obligations.append(thing(1, MONDAY - dt.timedelta(days=3), first))
    with clock.frozen(at(MONDAY, 6)):
        services.scan()
        open_obligations[0] = thing(1, MONDAY - dt.timedelta(days=3), second)
        assert services.scan().created == 2
        assert services.scan().created == 0
    assert notes_of(db, first) == [("assigned", 1), ("overdue", 1)]
    assert notes_of(db, second) == [("assigned", 1), ("overdue", 1)]
    assert [user_id for user_id, _kind in mailbox["notices"]] == [first.id, second.id]


def test_verification_goes_to_each_active_user_of_the_role(db, open_obligations, mailbox):
    quality = [UserFactory(role=Role.QUALITY), UserFactory(role=Role.QUALITY)]
    UserFactory(role=Role.QUALITY, active=False)
    UserFactory(role=Role.STAFF)
    quiet = UserFactory(role=Role.QUALITY, email="")
    open_obligations.append(thing(7, MONDAY, roles={Role.QUALITY}, stage="verify"))
    with clock.frozen(at(MONDAY, 6)):
        assert services.scan().created == 3
    receivers = db.session.scalars(select(Notification.user_id).where(Notification.kind == "verify")).all()
    assert sorted(receivers) == sorted([u.id for u in quality] + [quiet.id])
    assert sorted(user_id for user_id, _kind in mailbox["notices"]) == sorted(u.id for u in quality)  # no address


def test_immediate_mail_can_be_turned_off(db, open_obligations, mailbox):
    owner = UserFactory()
    db.session.add(NotificationPreference(user_id=owner.id, digest=Digest.NONE, immediate_mail=False))
    db.session.commit()
    open_obligations.append(thing(1, MONDAY, owner))
    with clock.frozen(at(MONDAY, 6)):
        assert services.scan().created == 2
    assert mailbox["notices"] == []


def test_expiring_evidence(db, open_obligations, mailbox):
    owner = UserFactory()
    open_obligations.append(thing(4, MONDAY + dt.timedelta(days=20), owner, stage="expiring"))
    with clock.frozen(at(MONDAY, 6)):
        services.scan()
    assert notes_of(db, owner) == [("expiring", 4)]


def test_daily_digest_once_a_day_at_the_hour_and_not_before(db, open_obligations, mailbox):
    daily, weekly, none = UserFactory(), UserFactory(), UserFactory()
    db.session.add_all([NotificationPreference(user_id=daily.id, digest=Digest.DAILY, immediate_mail=False),
                        NotificationPreference(user_id=none.id, digest=Digest.NONE, immediate_mail=False)])
    db.session.commit()
    open_obligations += [thing(1, MONDAY + dt.timedelta(days=1), daily), thing(2, MONDAY, weekly),
                         thing(3, MONDAY, none)]
    tuesday = MONDAY + dt.timedelta(days=1)
    with clock.frozen(at(tuesday, 7, 59)):
        services.scan()
    assert mailbox["digests"] == []
    with clock.frozen(at(tuesday, 8, 0)):
        services.scan()
    with clock.frozen(at(tuesday, 9, 15)):
        services.scan()
    assert mailbox["digests"] == [(daily.id, 1, tuesday, "daily")]  # the weekly user waits for Monday
    with clock.frozen(at(tuesday + dt.timedelta(days=1), 8, 30)):
        services.scan()
    assert [d[2] for d in mailbox["digests"]] == [tuesday, tuesday + dt.timedelta(days=1)]
    row = db.session.scalar(select(ReminderSchedule))
    assert row.last_daily_run == tuesday + dt.timedelta(days=1) and row.last_weekly_run is None


def test_weekly_digest_only_on_its_day(db, open_obligations, mailbox):
    weekly = UserFactory()  # no preference row: weekly by default
    open_obligations.append(thing(1, MONDAY + dt.timedelta(days=30), weekly))
    services.schedule().weekly_day = 2  # Wednesday
    db.session.commit()
    for offset in range(7):
        with clock.frozen(at(MONDAY + dt.timedelta(days=offset), 9)):
            services.scan()
    assert mailbox["digests"] == [(weekly.id, 1, MONDAY + dt.timedelta(days=2), "weekly")]


def test_the_scan_costs_the_same_queries_whatever_the_count(db, open_obligations, mailbox, count_queries):
    owners = [UserFactory() for _ in range(3)]

    def statements(count: int, day: dt.date) -> int:
        open_obligations.clear()
        open_obligations.extend(thing(n, day - dt.timedelta(days=n % 5), owners[n % 3]) for n in range(count))
        with clock.frozen(at(day, 6)), count_queries.block() as sent:
            services.scan()
        return len(sent)

    statements(1, MONDAY - dt.timedelta(days=1))  # makes the schedule row
    few = statements(3, MONDAY)
    many = statements(60, MONDAY + dt.timedelta(days=1))
    assert total(db) > 60
    assert many == few


def test_the_upkeep_queues_a_scan_every_quarter_hour_and_at_the_digest_hour(db, open_obligations, mailbox):
    with clock.frozen(at(MONDAY, 6)):
        assert jobs.scan_wanted(clock.now())  # never ran
        jobs.upkeep()  # immediate mode: the scan runs now
    assert jobs.latest().status == "done"
    with clock.frozen(at(MONDAY, 6, 10)):
        assert not jobs.scan_wanted(clock.now())
    with clock.frozen(at(MONDAY, 6, 15)):
        assert jobs.scan_wanted(clock.now())
    with clock.frozen(at(MONDAY, 8, 0)):
        jobs.upkeep()
    with clock.frozen(at(MONDAY, 8, 1)):
        assert not jobs.scan_wanted(clock.now())  # the day's digest went at 8:00
    assert services.schedule().last_daily_run == MONDAY
