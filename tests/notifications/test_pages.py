"""My work, the team view, the inbox, settings and the reminder schedule: access, contents, writes, query counts."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from qms.core.models import AuditEvent
from qms.jobs import Job
from qms.notifications import services
from qms.notifications.models import Digest, Notification, NotificationKind, NotificationPreference, ReminderSchedule
from qms.spine import clock, reminders
from qms.spine.access import Role
from tests.factories import UserFactory

TODAY = dt.date(2026, 12, 7)


@pytest.fixture
def open_obligations(app):
    found: list[reminders.Obligation] = []

    def collect(today, user):
        return [o for o in found if user is None or o.concerns(user)]

    reminders.register_source(reminders.ReminderSource("test.fake", "Test things", collect, order=1))
    yield found
    reminders._sources.pop("test.fake", None)


@pytest.fixture
def frozen_day():
    with clock.frozen(TODAY):
        yield TODAY


def thing(record_id, due, owner_id=None, roles=frozenset(), title=None):
    return reminders.Obligation("test.fake", "assessment_item", record_id, title or f"Thing {record_id}",
                                "Update its status", due, f"/things/{record_id}", owner_id=owner_id,
                                roles=frozenset(roles))


def section(html: str, heading_id: str) -> str:
    match = re.search(rf'id="{heading_id}".*?</section>', html, re.S)
    assert match, heading_id
    return match.group(0)


def test_my_work_groups_the_users_obligations(login_as, open_obligations, frozen_day):
    client = login_as(Role.STAFF, locale="en")
    me = client.user.id
    open_obligations += [thing(1, TODAY - dt.timedelta(days=2), me, title="Late report"),
                         thing(2, TODAY + dt.timedelta(days=3), me, title="Soon report"),
                         thing(3, TODAY + dt.timedelta(days=30), me, title="Far report"),
                         thing(4, TODAY - dt.timedelta(days=2), me + 1000, title="Someone else's")]
    html = client.get("/me").get_data(as_text=True)
    overdue, week, later = (section(html, f"group-{state}") for state in ("overdue", "week", "later"))
    assert "Late report" in overdue and "Overdue (1)" in overdue and "5 December 2026" in overdue
    assert 'href="/things/1"' in overdue and "Update its status" in overdue and "Test things" in overdue
    assert "Soon report" in week and "Due this week" in week
    assert "Far report" in later
    assert "Someone else" not in html


def test_my_work_says_when_nothing_waits(login_as, open_obligations, frozen_day):
    html = login_as(Role.STAFF, locale="en").get("/me").get_data(as_text=True)
    assert "Nothing is waiting for you." in html


def test_my_work_is_the_first_dashboard_card(login_as, open_obligations, frozen_day):
    client = login_as(Role.STAFF, locale="en")
    open_obligations += [thing(1, TODAY - dt.timedelta(days=1), client.user.id),
                         thing(2, TODAY + dt.timedelta(days=1), client.user.id),
                         thing(3, TODAY + dt.timedelta(days=2), client.user.id)]
    services.scan()  # the card reads what the reminder scan put in the inbox
    html = client.get("/").get_data(as_text=True)
    first = re.search(r'id="card-1"[^>]*>(.*?)</section>', html, re.S).group(1)
    assert "My work" in first
    figures = dict(re.findall(r"<dt[^>]*>\s*(.*?)\s*</dt>\s*<dd[^>]*>\s*(\d+)", first, re.S))
    assert figures == {"Overdue": "1", "Due soon": "2"}, first  # two due within DUE_SOON_DAYS
    assert "Unread reminders in your inbox: 6." in first  # three assigned, one overdue, two due soon
    assert "/me" in first


def test_the_team_view_is_for_the_quality_team(login_as, open_obligations, frozen_day):
    assert login_as(Role.STAFF).get("/me/team").status_code == 403
    owner = UserFactory(display_name="Owner Wang")
    open_obligations += [thing(1, TODAY - dt.timedelta(days=1), owner.id, title="Wang's late one"),
                         thing(2, TODAY - dt.timedelta(days=3), None, roles={Role.QUALITY}, title="The team's"),
                         thing(4, TODAY - dt.timedelta(days=2), None, title="Nobody's"),
                         thing(3, TODAY + dt.timedelta(days=1), owner.id, title="Not late yet")]
    for role in (Role.QUALITY, Role.ADMIN):
        html = login_as(role, locale="en").get("/me/team").get_data(as_text=True)
        assert "Owner Wang (1)" in html and "Wang&#39;s late one" in html
        assert "Quality team (1)" in html and "The team&#39;s" in html  # a role's work under the role's name
        assert "Unassigned (1)" in html and "Nobody&#39;s" in html
        assert "Not late yet" not in html
        assert html.index("Owner Wang (1)") < html.index("Quality team (1)") < html.index("Unassigned (1)")


def test_pages_cost_the_same_queries_whatever_the_count(login_as, open_obligations, frozen_day, count_queries, db):
    client = login_as(Role.QUALITY, locale="en")
    owners = [UserFactory() for _ in range(4)]

    def add(count):
        open_obligations.clear()
        open_obligations.extend(thing(n, TODAY - dt.timedelta(days=1 + n % 3), owners[n % 4].id) for n in range(count))
        open_obligations.extend(thing(1000 + n, TODAY, client.user.id) for n in range(count))
        with clock.frozen(TODAY):
            services.scan()
        db.session.add_all(Notification(user_id=client.user.id, source="test.fake", record_type="x", record_id=n,
                                        stage="due", kind=NotificationKind.DUE_SOON, title=f"N{n}", url="/",
                                        dedupe_key=f"page-{count}-{n}") for n in range(count))
        db.session.commit()

    add(2)
    for path in ("/me", "/me/team", "/inbox", "/"):  # the session's first pages do their one-off work
        client.get(path)
    few = {path: count_queries(client, path) for path in ("/me", "/me/team", "/inbox", "/")}
    add(40)
    many = {path: count_queries(client, path) for path in ("/me", "/me/team", "/inbox", "/")}
    assert many == few


def make_notes(db, user, count, read=0):
    notes = [Notification(user_id=user.id, source="test.fake", record_type="assessment_item", record_id=n,
                          stage="due", kind=NotificationKind.OVERDUE, title=f"Note {n}", url=f"/things/{n}",
                          due=TODAY, dedupe_key=f"k{n}",
                          created_at=clock.utcnow() + dt.timedelta(minutes=n),
                          read_at=clock.utcnow() if n < read else None) for n in range(count)]
    db.session.add_all(notes)
    db.session.commit()
    return notes


def test_the_inbox_lists_newest_first_and_counts_unread_in_the_top_bar(login_as, db, app, frozen_day):
    client = login_as(Role.STAFF, locale="en")
    make_notes(db, client.user, 3, read=1)
    html = client.get("/inbox").get_data(as_text=True)
    assert html.index("Note 2") < html.index("Note 1") < html.index("Note 0")
    assert "Inbox (2)" in html
    assert html.count(">Unread<") == 2 and html.count(">Read<") == 1
    other = login_as(Role.STAFF, locale="en")
    assert "Inbox (" not in other.get("/inbox").get_data(as_text=True)
    assert "Your inbox is empty." in other.get("/inbox").get_data(as_text=True)


def test_the_inbox_is_paged(login_as, db, app, frozen_day):
    client = login_as(Role.STAFF, locale="en")
    size = app.config["PAGE_SIZE"]
    make_notes(db, client.user, size + 2)
    first = client.get("/inbox").get_data(as_text=True)
    assert first.count("Mark read</button>") == size
    second = client.get("/inbox?page=2").get_data(as_text=True)
    assert second.count("Mark read</button>") == 2


def test_mark_read_and_mark_all_read(login_as, db, frozen_day):
    client = login_as(Role.STAFF, locale="en")
    notes = make_notes(db, client.user, 3)
    note_id = notes[0].id
    response = client.post_form(f"/inbox/{note_id}/read", token_from="/inbox")
    assert response.status_code == 302
    assert db.session.get(Notification, note_id).read_at is not None
    assert "Inbox (2)" in client.get("/inbox").get_data(as_text=True)
    client.post_form("/inbox/read-all", token_from="/inbox")
    unread = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.read_at.is_(None)))
    assert unread == 0
    events = db.session.scalars(select(AuditEvent.changes).where(AuditEvent.entity_type == "notification")
                                .order_by(AuditEvent.id)).all()
    assert events == [{"read": [False, True]}, {"marked_read": [None, 2]}]


def test_nobody_marks_anothers_notification(login_as, db, frozen_day):
    owner = UserFactory()
    note_id = make_notes(db, owner, 1)[0].id
    client = login_as(Role.ADMIN)
    assert client.post_form(f"/inbox/{note_id}/read", token_from="/inbox").status_code == 403
    assert db.session.get(Notification, note_id).read_at is None


def test_mark_read_needs_the_csrf_token(login_as, db, app, frozen_day):
    app.config["WTF_CSRF_ENABLED"] = True
    client = login_as(Role.STAFF)
    note_id = make_notes(db, client.user, 1)[0].id
    client.post(f"/inbox/{note_id}/read")
    assert db.session.get(Notification, note_id).read_at is None


def test_settings_save_the_preference(login_as, db):
    client = login_as(Role.STAFF, locale="en")
    html = client.get("/me/settings").get_data(as_text=True)
    assert 'value="weekly" checked' in html or re.search(r'checked[^>]*value="weekly"', html)
    response = client.post_form("/me/settings", {"digest": "daily"}, token_from="/me/settings")
    assert response.status_code == 302
    row = db.session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == client.user.id))
    assert (row.digest, row.immediate_mail) == (Digest.DAILY, False)
    assert db.session.scalar(select(AuditEvent.changes).where(AuditEvent.entity_type == "notification_preference")) \
        == {"digest": ["weekly", "daily"], "immediate_mail": [True, False]}


def test_settings_refuse_an_unknown_digest(login_as, db):
    client = login_as(Role.STAFF, locale="en")
    response = client.post_form("/me/settings", {"digest": "hourly", "immediate_mail": "y"},
                                token_from="/me/settings")
    assert response.status_code == 400
    assert 'id="digest-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0


def test_the_schedule_is_for_admins(login_as, db):
    assert login_as(Role.QUALITY).get("/admin/reminders").status_code == 403
    client = login_as(Role.ADMIN, locale="en")
    html = client.get("/admin/reminders").get_data(as_text=True)
    assert 'value="8"' in html and "Run the reminder scan now" in html
    bad = client.post_form("/admin/reminders", {"digest_hour": "24", "weekly_day": "0"}, token_from="/admin/reminders")
    assert bad.status_code == 400 and "Choose an hour from 0 to 23." in bad.get_data(as_text=True)
    good = client.post_form("/admin/reminders", {"digest_hour": "17", "weekly_day": "4"},
                            token_from="/admin/reminders")
    assert good.status_code == 302
    row = db.session.scalar(select(ReminderSchedule))
    assert (row.digest_hour, row.weekly_day) == (17, 4)


def test_run_the_scan_now(login_as, db, open_obligations, frozen_day):
    client = login_as(Role.ADMIN, locale="en")
    open_obligations.append(thing(1, TODAY - dt.timedelta(days=1), client.user.id))
    response = client.post_form("/admin/reminders/run", token_from="/admin/reminders")
    assert response.status_code == 302
    job = db.session.scalar(select(Job).where(Job.name == "reminders.scan"))
    assert job.status == "done" and job.created_by_id == client.user.id
    assert sorted(db.session.scalars(select(Notification.kind))) == ["assigned", "overdue"]


def test_a_long_group_shows_its_first_rows_and_says_how_many(login_as, open_obligations, frozen_day, monkeypatch):
    from qms.notifications import routes

    monkeypatch.setattr(routes, "GROUP_LIMIT", 3)
    client = login_as(Role.STAFF, locale="en")
    open_obligations += [thing(n, TODAY - dt.timedelta(days=n), client.user.id, title=f"Late {n}")
                         for n in range(1, 6)]
    html = client.get("/me").get_data(as_text=True)
    assert "Overdue (5)" in html and "The first 3 of 5 are shown, the soonest due first." in html
    assert "Late 5" in html and "Late 3" in html and "Late 2" not in html  # the oldest due dates first
