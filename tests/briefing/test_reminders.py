"""The briefing's reminder source: open follow-up tasks of the current cycle, for their owners."""
import datetime as dt
from types import SimpleNamespace

import pytest

from qms.briefing import services
from qms.briefing.models import BriefingQuestion, BriefingTask, TaskStatus
from qms.extensions import db
from qms.spine import records
from qms.spine.access import Role
from tests.conftest import collect_reminders
from tests.factories import AwardCycleFactory, UserFactory

TODAY = dt.date(2026, 3, 10)
KEY = "briefing.task_due"


def collect(user=None, today=TODAY):
    return collect_reminders(KEY, user, today)


@pytest.fixture
def cycle(app):
    return AwardCycleFactory(is_current=True)


@pytest.fixture
def question(cycle):
    question = BriefingQuestion(award_cycle_id=cycle.id, question="如何確保跨區通辦的品質？")
    db.session.add(question)
    db.session.commit()
    return question


def task(question, owner, due=TODAY, title="準備跨區通辦的數據") -> BriefingTask:
    found = BriefingTask(question_id=question.id, title=title, owner_id=owner.id if owner else None, due_date=due)
    db.session.add(found)
    db.session.commit()
    return found


def test_open_tasks_are_due_for_their_owner(app, question):
    staff = UserFactory(role=Role.STAFF)
    soon = task(question, staff, TODAY + dt.timedelta(days=3))
    later = task(question, staff, TODAY + dt.timedelta(days=10))
    late = task(question, staff, TODAY - dt.timedelta(days=1))
    found = {o.record_id: o for o in collect(staff)}
    assert {k: o.state(TODAY) for k, o in found.items()} == {soon.id: "week", later.id: "later", late.id: "overdue"}
    assert found[soon.id].title == "準備跨區通辦的數據" and str(found[soon.id].action) == "完成待辦事項"
    assert found[soon.id].url.endswith("#tasks") and found[soon.id].record_type == "briefing_task"
    assert collect(UserFactory(role=Role.QUALITY)) == []


def test_a_done_task_disappears(question):
    staff = UserFactory(role=Role.STAFF)
    found = task(question, staff)
    services.complete_task(found, staff)
    assert found.status == TaskStatus.DONE and collect(staff) == [] and collect() == []


def test_a_reassigned_task_follows_its_owner(question):
    old, new = UserFactory(role=Role.STAFF), UserFactory(role=Role.STAFF)
    found = task(question, old)
    found.owner_id = new.id
    db.session.commit()
    assert collect(old) == [] and [o.owner_id for o in collect(new)] == [new.id]
    assert records.get("briefing_task").owner([found.id]) == {found.id: new.id}


def test_unowned_undated_and_past_cycles_tasks_are_not_listed(question, cycle):
    staff = UserFactory(role=Role.STAFF)
    task(question, None)
    task(question, staff, due=None)
    assert collect() == []
    task(question, staff)
    cycle.is_current = False
    db.session.commit()
    assert collect() == []


def test_fixed_number_of_queries(question, count_queries):
    owner_id, question_id = UserFactory(role=Role.STAFF).id, question.id
    people = [SimpleNamespace(id=owner_id, role=Role.STAFF), None]

    def queries(count):
        db.session.add_all(BriefingTask(question_id=question_id, title=f"任務 {n}", owner_id=owner_id, due_date=TODAY)
                           for n in range(count))
        db.session.commit()
        db.session.expunge_all()
        counts = []
        for user in people:
            with count_queries.block() as statements:
                assert collect(user)
            counts.append(len(statements))
        return counts

    assert queries(5) == queries(45) == [1, 1]
