"""Calendar feeds: a secret address per user, the user's own obligations as RFC 5545 all-day events."""
from __future__ import annotations

import datetime as dt
import re

from icalendar import Calendar
from sqlalchemy import select

from qms.core.models import AuditEvent
from qms.mail import services
from qms.mail.models import CalendarToken
from qms.spine import clock
from qms.spine.access import Role
from tests.factories import UserFactory
from tests.mail.conftest import TODAY

FEED_URL = re.compile(r'value="https://qms\.example\.org(/calendar/[A-Za-z0-9_-]+\.ics)"')


def create(client, kind="mine") -> str:
    response = client.post_form("/me/calendar/new", {"kind": kind}, token_from="/me/calendar")
    assert response.status_code == 200, response.status_code
    match = FEED_URL.search(response.get_data(as_text=True))
    assert match, "the new address is shown once"
    return match.group(1)


def events(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    calendar = Calendar.from_ical(response.get_data())
    found = calendar.walk("VEVENT")
    for event in found:
        assert event.get("UID") and event.get("DTSTAMP") and event.get("DTSTART")
        assert isinstance(event.decoded("DTSTART"), dt.date) and not isinstance(event.decoded("DTSTART"), dt.datetime)
    return found


def test_my_feed_has_my_obligations_only(app, db, login_as, client, obligations):
    me = login_as(Role.STAFF, locale="en")
    other = UserFactory()
    obligations.add("Mine overdue", dt.date(2026, 11, 30), owner=me.user)
    obligations.add("Mine later", dt.date(2027, 2, 1), owner=me.user)
    obligations.add("Not dated", None, owner=me.user)
    obligations.add("Someone else's", dt.date(2026, 12, 3), owner=other)
    obligations.add("For the quality team", dt.date(2026, 12, 4), roles={Role.QUALITY})
    url = create(me)
    with clock.frozen(TODAY):
        found = events(client.get(url))  # anonymous: the calendar app has no session
    summaries = {str(event["SUMMARY"]) for event in found}
    assert summaries == {"Update its status: Mine overdue", "Update its status: Mine later"}
    event = next(e for e in found if "overdue" in str(e["SUMMARY"]))
    assert event.decoded("DTSTART") == dt.date(2026, 11, 30)
    assert str(event["URL"]) == "https://qms.example.org/checklist/items/1"
    # the same reminder keeps its UID from one fetch to the next
    with clock.frozen(TODAY):
        again = events(client.get(url))
    assert {str(e["UID"]) for e in again} == {str(e["UID"]) for e in found}
    token = db.session.scalar(select(CalendarToken))
    assert token.token_hash == services.token_hash(url.removeprefix("/calendar/").removesuffix(".ics"))
    assert url.removeprefix("/calendar/").removesuffix(".ics") not in token.token_hash


def test_feed_in_chinese(app, db, login_as, client, obligations):
    me = login_as(Role.STAFF, locale="zh_Hant_TW")
    obligations.add("評核項目 A.1", dt.date(2026, 12, 10), owner=me.user)
    with clock.frozen(TODAY):
        [event] = events(client.get(create(me)))
    assert "評核項目 A.1" in str(event["SUMMARY"])


def test_revoked_and_unknown_tokens_404_with_nothing_internal(app, db, login_as, client, obligations):
    me = login_as(Role.STAFF, locale="en")
    obligations.add("Secret title", dt.date(2026, 12, 10), owner=me.user)
    url = create(me)
    assert client.get(url).status_code == 200
    row = db.session.scalar(select(CalendarToken))
    response = me.post_form(f"/me/calendar/{row.id}/revoke", {}, token_from="/me/calendar")
    assert response.status_code == 302
    assert client.get(url).status_code == 404
    bad = client.get("/calendar/not-a-real-token.ics")
    assert bad.status_code == 404
    body = bad.get_data(as_text=True)
    assert "Secret title" not in body and "Traceback" not in body and "BEGIN:VCALENDAR" not in body
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "calendar_token").order_by(AuditEvent.id))] == ["create", "update"]


def test_making_a_new_address_stops_the_old_one(app, db, login_as, client, obligations):
    me = login_as(Role.STAFF, locale="en")
    first = create(me)
    second = create(me)
    assert first != second
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    page = me.get("/me/calendar").get_data(as_text=True)
    assert ".ics" not in page and "Revoke and make a new one" in page  # the address is never shown again


def test_someone_elses_token_cannot_be_revoked(app, db, login_as, obligations):
    owner = login_as(Role.STAFF)
    url = create(owner)
    row = db.session.scalar(select(CalendarToken))
    intruder = login_as(Role.STAFF)
    assert intruder.post_form(f"/me/calendar/{row.id}/revoke", {}, token_from="/me/calendar").status_code == 404
    assert owner.get(url).status_code == 200


def test_cycle_calendar_is_for_the_quality_team(app, db, login_as, client, obligations):
    staff = login_as(Role.STAFF, locale="en")
    assert "The whole cycle" not in staff.get("/me/calendar").get_data(as_text=True)
    response = staff.post_form("/me/calendar/new", {"kind": "cycle"}, token_from="/me/calendar")
    assert response.status_code == 302
    assert db.session.scalar(select(CalendarToken)) is None

    quality = login_as(Role.QUALITY, locale="en")
    obligations.add("Anyone's item", dt.date(2026, 12, 10), owner=staff.user)
    obligations.add("Private reminder", dt.date(2026, 12, 11), owner=staff.user, source="test.private")
    with clock.frozen(TODAY):
        found = events(client.get(create(quality, "cycle")))
    assert {str(e["SUMMARY"]) for e in found} == {"Update its status: Anyone's item"}
