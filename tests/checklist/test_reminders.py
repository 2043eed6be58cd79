"""The checklist's reminder source: items with a due date not yet ready, for their owner."""
import datetime as dt
from types import SimpleNamespace

import pytest

from qms.checklist import services
from qms.checklist.models import ItemStatus
from qms.core.models import AwardCycle
from qms.extensions import db
from qms.spine import records, reminders
from qms.spine.access import Role
from tests.checklist.sample_data import make_assessment
from tests.conftest import collect_reminders
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("in_english")  # actions compared with their English wording

TODAY = dt.date(2026, 3, 10)
KEY = "checklist.item_due"


def collect(user=None, today=TODAY):
    return collect_reminders(KEY, user, today)


def assign(item, owner, due, actor, **values):
    services.update_item(item, {"owner_id": owner.id if owner else None, "due_date": due, **values}, actor)


def test_due_items_appear_for_their_owner(app, items, quality):
    staff = UserFactory(role=Role.STAFF)
    assign(items["A.1"], staff, TODAY + dt.timedelta(days=3), quality)
    assign(items["A.2"], staff, TODAY + dt.timedelta(days=20), quality)
    found = {o.record_id: o for o in collect(staff)}
    assert set(found) == {items["A.1"].id, items["A.2"].id}
    soon = found[items["A.1"].id]
    assert soon.state(TODAY) == "week" and found[items["A.2"].id].state(TODAY) == "later"
    assert soon.record_type == "assessment_item" and soon.owner_id == staff.id and soon.stage == "due"
    with app.test_request_context("/"):
        assert soon.url == records.get("assessment_item").url_for(items["A.1"].id)
    assert "A.1" in soon.title and str(soon.action) == "Update its status"


def test_overdue_and_done(items, quality):
    staff = UserFactory(role=Role.STAFF)
    assign(items["A.1"], staff, TODAY - dt.timedelta(days=1), quality, status=ItemStatus.IN_REVIEW.value)
    [obligation] = collect(staff)
    assert obligation.state(TODAY) == "overdue"
    services.update_item(items["A.1"], {"status": ItemStatus.READY.value}, quality)
    assert collect(staff) == [] and collect() == []


def test_reassigned_item_follows_its_owner(items, quality):
    old, new = UserFactory(role=Role.STAFF), UserFactory(role=Role.STAFF)
    assign(items["B.1"], old, TODAY, quality)
    assert [o.owner_id for o in collect(old)] == [old.id]
    assign(items["B.1"], new, TODAY, quality)
    assert collect(old) == []
    assert [o.owner_id for o in collect(new)] == [new.id]


def test_unowned_undated_and_past_cycles_are_nobodys(items, quality):
    assign(items["A.1"], None, TODAY, quality)  # nobody owns it
    assign(items["A.2"], quality, None, quality)  # no due date
    assert collect() == [] and collect(quality) == []
    staff = UserFactory(role=Role.STAFF)
    assign(items["B.1"], staff, TODAY, quality)
    items["B.1"].assessment.award_cycle.is_current = False
    db.session.commit()
    assert collect(staff) == []


def test_a_users_list_is_everything_that_concerns_them(items, quality):
    first, second = UserFactory(role=Role.STAFF), UserFactory(role=Role.QUALITY)
    assign(items["A.1"], first, TODAY, quality)
    assign(items["A.2"], second, TODAY, quality)
    everything = collect()
    assert len(everything) == 2
    for user in (first, second, quality):
        assert collect(user) == [o for o in everything if o.concerns(user)]
    assert {o.record_id for o in reminders.collect(TODAY, first) if o.source == KEY} == {items["A.1"].id}


def test_owner_hook(items, quality):
    staff = UserFactory(role=Role.STAFF)
    assign(items["A.1"], staff, TODAY, quality)
    owners = records.get("assessment_item").owner([items["A.1"].id, items["A.2"].id, 999999])
    assert owners == {items["A.1"].id: staff.id, items["A.2"].id: None}


def test_fixed_number_of_queries(app, count_queries):
    staff = SimpleNamespace(id=UserFactory(role=Role.STAFF).id, role=Role.STAFF)  # survives expunge_all()

    def queries(count, year):
        assessment = make_assessment(count, 0, year)
        cycle = assessment.award_cycle
        cycle.is_current = True
        for item in assessment.items:
            item.owner_id, item.due_date, item.status = staff.id, TODAY, ItemStatus.IN_PROGRESS
        db.session.commit()
        cycle_id = cycle.id
        db.session.expunge_all()
        with count_queries.block() as mine:
            assert len(collect(staff)) == count
        with count_queries.block() as everyone:
            assert len(collect()) == count
        db.session.get(AwardCycle, cycle_id).is_current = False
        db.session.commit()
        return len(mine), len(everyone)

    assert queries(5, 2030) == queries(50, 2031) == (1, 1)
