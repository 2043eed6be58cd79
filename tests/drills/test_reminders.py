"""The drills' reminder sources: actions to carry out, verify or assign, re-drills due, planned drills not held."""
import datetime as dt
from types import SimpleNamespace

import pytest

from qms.drills import services
from qms.drills.models import Channel, CorrectiveAction, Drill, DrillPlan
from qms.extensions import db
from qms.spine.access import Role
from tests.conftest import collect_reminders
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("in_english")  # actions compared with their English wording

UTC = dt.timezone.utc
TODAY = dt.date(2026, 3, 10)
DUE, VERIFY, UNASSIGNED = "drills.action_due", "drills.action_verify", "drills.action_unassigned"
REDRILL, PLANNED = "drills.redrill_due", "drills.planned_month"


def collect(key, user=None, today=TODAY):
    return collect_reminders(key, user, today)


@pytest.fixture
def counter(app):
    services.import_shipped()
    return services.latest_scorecard("counter-service")


def log(scorecard, actor, when, unit="第 1 櫃台", **overrides):
    scores = {}
    for criterion in services.criteria_of(scorecard):
        value = {"yes_no": 1, "one_to_five": 5}.get(criterion.scale.value, criterion.max_points)
        scores[criterion.id] = (overrides.get(criterion.code, value), "")
    return services.save_drill(None, {"occurred_at": when, "channel": scorecard.channel.value,
                                      "scorecard_id": scorecard.id, "unit_observed": unit}, scores, actor)


def action(actor, owner=None, due=TODAY, **values):
    return services.create_action({"title": "櫃台引導不清", "owner_id": owner.id if owner else None,
                                   "due_date": due, **values}, actor)


def finish(found, actor, now=dt.datetime(2026, 3, 5, 2, tzinfo=UTC)):
    services.update_action(found, {"root_cause": "動線", "action_taken": "新增指示牌"}, actor)
    return services.mark_done(found, actor, now=now)


def test_actions_due_for_their_owner(app, quality, staff):
    soon = action(quality, staff, TODAY + dt.timedelta(days=2))
    later = action(quality, staff, TODAY + dt.timedelta(days=30))
    late = action(quality, staff, TODAY - dt.timedelta(days=1))
    found = {o.record_id: o for o in collect(DUE, staff)}
    assert {k: o.state(TODAY) for k, o in found.items()} == {soon.id: "week", later.id: "later", late.id: "overdue"}
    assert found[soon.id].title == "櫃台引導不清" and found[soon.id].record_type == "corrective_action"
    assert str(found[soon.id].action) == "Carry out the corrective action"
    with app.test_request_context("/"):
        from flask import url_for
        assert found[soon.id].url == url_for("drills.action", action_id=soon.id)
    assert collect(DUE, quality) == []


def test_a_done_action_goes_to_the_quality_team_to_verify(quality, staff):
    found = action(quality, staff, TODAY + dt.timedelta(days=2))
    finish(found, staff)
    assert collect(DUE, staff) == []
    [verify] = collect(VERIFY, quality)
    assert verify.stage == "verify" and verify.due == TODAY + dt.timedelta(days=2) and verify.owner_id is None
    assert verify.roles == {Role.QUALITY} and str(verify.action) == "Verify"
    assert collect(VERIFY, staff) == []  # a staff user does not verify
    services.verify(found, quality, effective=False, check="仍未改善")
    assert collect(VERIFY, quality) == [] and [o.record_id for o in collect(DUE, staff)] == [found.id]
    finish(found, staff)
    services.verify(found, quality, effective=True, check="已改善")
    assert collect(VERIFY) == [] and collect(DUE) == []


def test_an_undated_done_action_is_verified_within_two_weeks(quality, staff):
    found = action(quality, staff, due=None)
    finish(found, staff, now=dt.datetime(2026, 3, 1, 20, tzinfo=UTC))  # 2 March in Taipei
    [verify] = collect(VERIFY)
    assert verify.due == dt.date(2026, 3, 16)


def test_a_reassigned_action_follows_its_owner(quality, staff):
    other = UserFactory(role=Role.STAFF)
    found = action(quality, staff)
    services.update_action(found, {"owner_id": other.id}, quality)
    assert collect(DUE, staff) == []
    assert [o.owner_id for o in collect(DUE, other)] == [other.id]


def test_unassigned_actions_are_the_quality_teams(quality, staff):
    found = action(quality, None, TODAY - dt.timedelta(days=5))
    [unassigned] = collect(UNASSIGNED, quality)
    assert unassigned.due is None and unassigned.state(TODAY) == "later" and unassigned.stage == "unassigned"
    assert str(unassigned.action) == "Assign an owner"
    assert collect(UNASSIGNED, staff) == [] and collect(DUE) == []
    services.update_action(found, {"owner_id": staff.id}, quality)
    assert collect(UNASSIGNED) == [] and [o.record_id for o in collect(DUE, staff)] == [found.id]


def test_a_failed_drill_asks_for_a_redrill_until_the_unit_is_drilled_again(counter, quality, staff):
    failed = log(counter, staff, dt.datetime(2026, 3, 2, 2, tzinfo=UTC), A2=0, B2=0, C1=2)
    assert failed.redrill_on == dt.date(2026, 3, 16)
    [redrill] = collect(REDRILL, quality)
    assert redrill.record_type == "drill" and redrill.record_id == failed.id and redrill.state(TODAY) == "week"
    assert collect(REDRILL, quality, today=dt.date(2026, 3, 20))[0].state(dt.date(2026, 3, 20)) == "overdue"
    assert collect(REDRILL, staff) == []
    log(counter, staff, dt.datetime(2026, 3, 3, 2, tzinfo=UTC), unit="第 2 櫃台")  # another unit: no answer
    assert len(collect(REDRILL)) == 1
    log(counter, staff, dt.datetime(2026, 3, 9, 2, tzinfo=UTC))
    assert collect(REDRILL) == []


def test_planned_drills_not_yet_held_this_month(counter, quality, staff):
    services.set_plan(2026, 3, "counter", 2, quality)
    services.set_plan(2026, 3, "phone", 0, quality)
    services.set_plan(2026, 4, "online", 3, quality)  # another month
    log(counter, staff, dt.datetime(2026, 3, 2, 2, tzinfo=UTC))
    [planned] = collect(PLANNED, quality)
    assert planned.due == dt.date(2026, 3, 31) and planned.state(TODAY) == "later"
    assert planned.record_type == "drill_plan" and "1/2" in planned.title
    assert collect(PLANNED, quality, today=dt.date(2026, 3, 31))[0].state(dt.date(2026, 3, 31)) == "week"
    assert collect(PLANNED, staff) == []
    log(counter, staff, dt.datetime(2026, 2, 28, 2, tzinfo=UTC))  # February's drill does not count for March
    assert len(collect(PLANNED)) == 1
    log(counter, staff, dt.datetime(2026, 3, 3, 2, tzinfo=UTC))
    assert collect(PLANNED) == []


def test_a_users_lists_are_what_concerns_them(counter, quality, staff):
    action(quality, staff)
    finish(action(quality, staff), staff)
    action(quality, None)
    log(counter, staff, dt.datetime(2026, 3, 2, 2, tzinfo=UTC), A2=0, B2=0, C1=2)
    services.set_plan(2026, 3, "phone", 1, quality)
    leader = UserFactory(role=Role.LEADER)
    for key in (DUE, VERIFY, UNASSIGNED, REDRILL, PLANNED):
        everything = collect(key)
        assert everything, key
        for user in (quality, staff, leader):
            assert collect(key, user) == [o for o in everything if o.concerns(user)], (key, user.role)


def test_fixed_number_of_queries(counter, quality, count_queries):
    owner_id, scorecard_id = UserFactory(role=Role.STAFF).id, counter.id  # plain ids survive expunge_all()
    people = [SimpleNamespace(id=owner_id, role=Role.STAFF), SimpleNamespace(id=quality.id, role=Role.QUALITY), None]

    def queries(count):
        for n in range(count):
            db.session.add_all([CorrectiveAction(title=f"待辦 {n}", owner_id=owner_id, due_date=TODAY),
                                CorrectiveAction(title=f"待確認 {n}", owner_id=owner_id, status="done",
                                                 done_at=dt.datetime(2026, 3, 1, tzinfo=UTC)),
                                CorrectiveAction(title=f"無人 {n}"),
                                Drill(occurred_at=dt.datetime(2026, 3, 1, tzinfo=UTC) + dt.timedelta(minutes=n),
                                      channel=Channel.PHONE, scorecard_id=scorecard_id, unit_observed=f"單位 {n}",
                                      redrill_on=TODAY)])
        for channel in Channel:
            plan = db.session.query(DrillPlan).filter_by(year=2026, month=3, channel=channel).first()
            db.session.add(plan or DrillPlan(year=2026, month=3, channel=channel, planned=1000))
        db.session.commit()
        db.session.expunge_all()
        counts = []
        for user in people:
            with count_queries.block() as statements:
                found = [o for key in (DUE, VERIFY, UNASSIGNED, REDRILL, PLANNED) for o in collect(key, user)]
            assert found
            counts.append(len(statements))
        return counts

    assert queries(5) == queries(45) == [1, 5, 5]  # 5, then 50 of each: one query a source
